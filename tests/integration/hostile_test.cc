// Hostile packages: each is rejected with a clear rule, nothing is written outside staging,
// an inbox package ends in quarantine untouched, and the daemon goes on serving.
#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/base/ids.h"
#include "vault/clib/crypto.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class HostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    marker_ = "vault-hostile-" + RandomHex(6);
    auto r = RunSystem({"python3", std::string(VAULT_SOURCE_DIR) + "/tests/integration/make_hostile.py",
                        (tmp_->path() / "pkgs").string(), marker_});
    ASSERT_EQ(r, 0);
    home_ = tmp_->path() / "vault";
    ASSERT_EQ(Vaultctl({"init", home_.string()}).exit_code, 0);
    daemon_ = new Daemon(home_);
    ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();
  }
  static void TearDownTestSuite() {
    daemon_->Terminate();
    delete daemon_;
    delete tmp_;
  }
  void TearDown() override {
    // Nothing escaped: no file with the marker anywhere above staging or in /tmp.
    EXPECT_FALSE(fs::exists("/tmp/" + marker_ + "-absolute.txt"));
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(tmp_->path(), ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      EXPECT_EQ(it->path().filename().string().find(marker_), std::string::npos) << it->path();
    }
    EXPECT_EQ(daemon_->Get("/healthz").first, 200) << "daemon must keep serving";
    EXPECT_EQ(CountEntries(home_ / "staging"), 0u);
  }
  static fs::path Pkg(const std::string& name) { return tmp_->path() / "pkgs" / name; }

  // Submits through the inbox; returns quarantine's reason.json and checks the package there
  // is byte-identical to what was dropped.
  static json ThroughInbox(const std::string& name) {
    std::string before = Sha256Hex(ReadFile(Pkg(name)));
    size_t q0 = CountEntries(home_ / "quarantine");
    fs::copy_file(Pkg(name), home_ / "inbox" / ("." + name));
    fs::rename(home_ / "inbox" / ("." + name), home_ / "inbox" / name);
    EXPECT_TRUE(WaitFor([&] { return CountEntries(home_ / "quarantine") == q0 + 1 &&
                                     CountEntries(home_ / "inbox") == 0 &&
                                     CountEntries(home_ / "staging") == 0; }, 60))
        << daemon_->stderr_text();
    for (auto& e : fs::directory_iterator(home_ / "quarantine")) {
      if (fs::exists(e.path() / name)) {
        EXPECT_EQ(Sha256Hex(ReadFile(e.path() / name)), before) << name << " changed in quarantine";
        if (fs::exists(e.path() / "reason.json")) {
          json r = json::parse(ReadFile(e.path() / "reason.json"));
          fs::rename(e.path(), home_ / ("seen-" + e.path().filename().string()));
          return r;
        }
      }
    }
    ADD_FAILURE() << "no quarantine entry for " << name;
    return json();
  }
  static json ThroughCli(const std::string& name) {
    auto r = Vaultctl({"--root", home_.string(), "ingest", Pkg(name).string(), "--wait", "--json"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    json j = r.json();
    EXPECT_EQ(j["status"], "rejected");
    return j["reason"];
  }
  static int RunSystem(const std::vector<std::string>& argv);

  static TempDir* tmp_;
  static std::string marker_;
  static fs::path home_;
  static Daemon* daemon_;
};

TempDir* HostileTest::tmp_ = nullptr;
std::string HostileTest::marker_;
fs::path HostileTest::home_;
Daemon* HostileTest::daemon_ = nullptr;

int HostileTest::RunSystem(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  return std::system(cmd.c_str());
}

void ExpectRule(const json& reason, const std::string& fragment) {
  ASSERT_TRUE(reason.is_object()) << reason;
  std::string rule = reason.value("rule", "");
  EXPECT_NE(rule.find(fragment), std::string::npos) << "rule '" << rule << "' lacks '" << fragment
                                                    << "': " << reason.dump();
  EXPECT_FALSE(reason.value("message", "").empty());
}

TEST_F(HostileTest, ParentReference) { ExpectRule(ThroughInbox("parent-ref.tar.gz"), "parent"); }
TEST_F(HostileTest, AbsolutePath) { ExpectRule(ThroughInbox("absolute.tar.gz"), "absolute"); }
TEST_F(HostileTest, Symlink) { ExpectRule(ThroughInbox("symlink.tar.gz"), "symlink"); }
TEST_F(HostileTest, Hardlink) { ExpectRule(ThroughInbox("hardlink.tar.gz"), "hardlink"); }
TEST_F(HostileTest, Device) { ExpectRule(ThroughInbox("device.tar.gz"), "archive."); }
TEST_F(HostileTest, InvalidUtf8Name) { ExpectRule(ThroughInbox("bad-utf8.tar"), "utf8"); }
TEST_F(HostileTest, ZipBombStopsAtRatio) {
  ExpectRule(ThroughInbox("bomb.zip"), "ratio");
}
TEST_F(HostileTest, EndlessManifestLine) { ExpectRule(ThroughCli("endless-line"), "line"); }
TEST_F(HostileTest, NfcNfdCollision) { ExpectRule(ThroughCli("nfc-collision"), "collision"); }
TEST_F(HostileTest, ManifestPathOutsideData) {
  json r = ThroughCli("manifest-outside-data");
  ASSERT_TRUE(r.is_object());
  EXPECT_FALSE(r.value("rule", "").empty()) << r;
  EXPECT_TRUE(fs::exists(Pkg("manifest-outside-data") / "data/ok.txt")) << "source untouched";
}

}  // namespace
}  // namespace vault::testing
