#include "tests/integration/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "formats/bagit/bagit.h"
#include "tests/testing/test_util.h"

namespace vault::testing {

namespace fs = std::filesystem;

namespace {

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, const std::string& out_path,
            const std::string& err_path) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int null = ::open("/dev/null", O_RDONLY);
  ::dup2(null, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(exe.c_str(), argv.data());
  ::_exit(127);
}

}  // namespace

CmdResult RunTool(const std::string& tool, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env) {
  TempDir tmp;
  std::string out = (tmp / "out").string(), err = (tmp / "err").string();
  pid_t pid = Spawn((BinDir() / tool).string(), args, env, out, err);
  int st = 0;
  ::waitpid(pid, &st, 0);
  CmdResult r;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

Daemon::~Daemon() {
  if (pid_ > 0) Kill();
}

bool Daemon::Start(const std::map<std::string, std::string>& env, double timeout_s) {
  fs::create_directories(home_);
  log_path_ = (home_.parent_path() / (home_.filename().string() + ".vaultd.log")).string();
  pid_ = Spawn((BinDir() / "vaultd").string(),
               {"--root", home_.string(), "--listen", "127.0.0.1:0"}, env, "/dev/null", log_path_);
  return WaitFor(
      [&] {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
          status_ = st;
          pid_ = -1;
          return true;
        }
        // Ready means: this child holds the vault lock (its pid is in it) and answers /readyz.
        std::string lock = Slurp(home_ / "run" / "vaultd.lock");
        if (lock != std::to_string(pid_) + "\n") return false;
        return Get("/readyz").first == 200;
      },
      timeout_s) &&
         pid_ > 0;
}

bool Daemon::WaitExit(double timeout_s) {
  if (pid_ <= 0) return true;
  bool done = WaitFor(
      [&] {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
          status_ = st;
          return true;
        }
        return false;
      },
      timeout_s);
  if (done) pid_ = -1;
  return done;
}

void Daemon::Terminate() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, &status_, 0);
  pid_ = -1;
}

void Daemon::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status_, 0);
  pid_ = -1;
}

std::string Daemon::stderr_text() const { return Slurp(log_path_); }

std::pair<int, std::string> Daemon::Request(const std::string& method, const std::string& path,
                                            const std::string& body) const {
  std::string api = Slurp(home_ / "run" / "api");
  while (!api.empty() && api.back() == '\n') api.pop_back();
  if (api.empty()) return {0, ""};
  std::string token = Slurp(home_ / "secrets" / "admin.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  httplib::Client cli(api);
  cli.set_connection_timeout(1, 0);
  cli.set_read_timeout(300, 0);
  cli.set_bearer_token_auth(token);
  auto res = method == "POST" ? cli.Post(path, body, "application/json") : cli.Get(path);
  if (!res) return {0, ""};
  return {res->status, res->body};
}

std::pair<int, std::string> Daemon::Get(const std::string& path) const {
  return Request("GET", path, "");
}

std::pair<int, std::string> Daemon::Post(const std::string& path, const std::string& body) const {
  return Request("POST", path, body);
}

void DaemonTest::SetUp() {
  home_ = tmp_ / "vault";
  ASSERT_EQ(Vaultctl({"init", home_.string()}).exit_code, 0);
  daemon_ = std::make_unique<Daemon>(home_);
  ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();
}

void DaemonTest::TearDown() {
  if (daemon_) daemon_->Terminate();
}

void MakeBag(const fs::path& dir, const std::map<std::string, std::string>& files,
             const std::vector<std::pair<std::string, std::string>>& info_in) {
  for (const auto& [rel, content] : files) WriteFile(dir / "data" / rel, content);
  // Retention metadata is mandatory at ingest: bags get a 10-year rule ending 2020 (not due
  // before 2031) unless the test gives its own, or asks for none with X-Test-No-Retention.
  std::vector<std::pair<std::string, std::string>> info;
  bool none = false, rule = false, end = false;
  for (const auto& [k, v] : info_in) {
    if (k == "X-Test-No-Retention") {
      none = true;
      continue;
    }
    if (k == "Retention-Rule" || k == "Quy-Tac-Bao-Quan" || k == "Maintenance" ||
        k == "Thoi-Han-Bao-Quan") {
      rule = true;
    }
    if (k == "End-Date" || k == "Nam-Ket-Thuc") end = true;
    info.emplace_back(k, v);
  }
  if (!none && !rule) info.emplace_back("Retention-Rule", "TT05-06");
  if (!none && !rule && !end) info.emplace_back("End-Date", "2020");
  Status s = bagit::WriteBag(dir, {DigestAlgorithm::kSha256, DigestAlgorithm::kSha512}, info);
  if (!s.ok()) throw std::runtime_error("MakeBag: " + s.ToString());
}

static void Run(const std::vector<std::string>& argv, const fs::path& cwd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    throw std::runtime_error("command failed: " + argv[0]);
  }
}

void TarGz(const fs::path& dir, const fs::path& out) {
  Run({"tar", "-czf", fs::absolute(out).string(), dir.filename().string()}, dir.parent_path());
}

void Zip(const fs::path& dir, const fs::path& out) {
  Run({"zip", "-qr", fs::absolute(out).string(), dir.filename().string()}, dir.parent_path());
}

bool WaitFor(const std::function<bool()>& pred, double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

size_t CountEntries(const fs::path& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace vault::testing
