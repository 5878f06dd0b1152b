// Integration-test harness: starts the real vaultd on a temp vault with the API on
// 127.0.0.1:0, runs the real vaultctl, and builds test bags.
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace vault::testing {

struct CmdResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const { return nlohmann::json::parse(out, nullptr, false); }
};

// Runs a binary from BinDir() with `args`, capturing stdout and stderr. Never uses a shell.
CmdResult RunTool(const std::string& tool, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {});
inline CmdResult Vaultctl(const std::vector<std::string>& args) { return RunTool("vaultctl", args); }

class Daemon {
 public:
  explicit Daemon(std::filesystem::path home) : home_(std::move(home)) {}
  ~Daemon();
  // Starts vaultd --root home --listen 127.0.0.1:0 with extra environment; waits until it
  // answers /readyz (true) or exits (false; exit_status() tells how).
  bool Start(const std::map<std::string, std::string>& env = {}, double timeout_s = 30);
  // Waits for the process to exit (e.g. after a crash point); false on timeout.
  bool WaitExit(double timeout_s);
  void Terminate();  // SIGTERM + wait
  void Kill();       // SIGKILL + wait
  bool running() const { return pid_ > 0; }
  int exit_status() const { return status_; }  // raw wait status
  const std::filesystem::path& home() const { return home_; }
  std::string stderr_text() const;
  // GET from the API with the admin token; returns {http status, body}.
  std::pair<int, std::string> Get(const std::string& path) const;
  std::pair<int, std::string> Post(const std::string& path, const std::string& body = "{}") const;

 private:
  std::pair<int, std::string> Request(const std::string& method, const std::string& path,
                                      const std::string& body) const;
  std::filesystem::path home_;
  pid_t pid_ = -1;
  int status_ = 0;
  std::string log_path_;
};

// A fresh vault home (`vaultctl init`) with its daemon started; the daemon is stopped at the end.
class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  TempDir tmp_;
  std::filesystem::path home_;
  std::unique_ptr<Daemon> daemon_;
};

// Makes `dir` a valid BagIt bag holding `files` (relative paths under data/ -> content), with
// sha256 and sha512 manifests and the given bag-info labels. Without a retention label the bag
// gets Retention-Rule TT05-06 and End-Date 2020; the label X-Test-No-Retention (dropped) asks
// for no retention labels at all.
void MakeBag(const std::filesystem::path& dir, const std::map<std::string, std::string>& files,
             const std::vector<std::pair<std::string, std::string>>& info = {});
// Runs `tar`/`zip` to serialise a directory (parent-relative, so the archive has one top dir).
void TarGz(const std::filesystem::path& dir, const std::filesystem::path& out);
void Zip(const std::filesystem::path& dir, const std::filesystem::path& out);

// Polls `pred` every 20 ms until true or timeout.
bool WaitFor(const std::function<bool()>& pred, double timeout_s);
// Number of entries in a directory (0 if missing).
size_t CountEntries(const std::filesystem::path& dir);

}  // namespace vault::testing
