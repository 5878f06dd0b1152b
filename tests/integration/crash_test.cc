// Crash safety: vaultd is killed with SIGKILL at every crash point (or an even sample of at
// least 50 of them) across the ingest of a multi-file package, and during startup recovery;
// after each kill the catalog may only name complete, valid objects, and after a clean restart
// the package is stored exactly once, storage validates clean and catalog and storage agree.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "formats/ocfl/validator.h"
#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/catalog/catalog.h"
#include "vault/store/ocfl_store.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void MakeSettleZero(const fs::path& home) {
  std::string cfg = ReadFile(home / "vault.toml");
  cfg = std::regex_replace(cfg, std::regex("settle_seconds = [0-9.]+"), "settle_seconds = 0.0");
  WriteFile(home / "vault.toml", cfg);
}

void DropPackage(const fs::path& pkg, const fs::path& home) {
  fs::copy(pkg, home / "inbox" / ".pkg", fs::copy_options::recursive);
  fs::rename(home / "inbox" / ".pkg", home / "inbox" / "pkg");
}

size_t CountCrashPoints(const std::string& log) {
  size_t n = 0;
  for (size_t p = log.find("crashpoint: "); p != std::string::npos; p = log.find("crashpoint: ", p + 1)) ++n;
  return n;
}

// While the daemon is dead: every copy the catalog names must be a complete, valid object on
// its tier (the primary from ingest, the second from replication).
void CheckCatalogOnlyNamesCompleteObjects(const fs::path& home, const std::string& ctx) {
  if (!fs::exists(home / "catalog" / "data.mdb")) return;
  auto cat = catalog::Catalog::Open(home / "catalog");
  ASSERT_OK(cat);
  auto objs = (*cat)->ListObjects("", 100);
  ASSERT_OK(objs);
  for (const auto& o : *objs) {
    auto copies = (*cat)->ListCopies(o.id);
    ASSERT_OK(copies);
    EXPECT_FALSE(copies->empty()) << ctx << ": object " << o.id << " without copies";
    for (const auto& c : *copies) {
      fs::path dir = home / "tiers" / c.tier / store::OcflStore::ObjectPath(o.id);
      ASSERT_TRUE(fs::exists(dir / "inventory.json"))
          << ctx << ": catalog names a copy of " << o.id << " on " << c.tier << " that storage lacks";
      auto r = ocfl::ValidateObject(dir);
      ASSERT_OK(r);
      EXPECT_TRUE(r->valid) << ctx << ": catalog names an invalid copy of " << o.id << " on " << c.tier;
    }
  }
}

// Whether the one object has a good copy on both tiers (replication finished).
bool IsReplicated(const fs::path& home) {
  auto list = Vaultctl({"--root", home.string(), "objects", "list", "--json"});
  json objs = list.json();
  if (!objs.is_array() || objs.size() != 1) return false;
  int ok = 0;
  for (const auto& c : objs[0]["copies"]) ok += c.value("state", "") == "ok";
  return ok == 2;
}
bool Replicated(const fs::path& home) {
  return WaitFor([&] { return IsReplicated(home); }, 60);
}

void CheckFinalState(const fs::path& home, const std::string& ctx) {
  auto list = Vaultctl({"--root", home.string(), "objects", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << ctx;
  json objs = list.json();
  ASSERT_EQ(objs.size(), 1u) << ctx << ": the package must be stored exactly once: " << list.out;
  EXPECT_TRUE(Replicated(home)) << ctx << ": the second copy was never made";
  EXPECT_EQ(CountEntries(home / "inbox"), 0u) << ctx;
  EXPECT_EQ(CountEntries(home / "quarantine"), 0u) << ctx;
  EXPECT_EQ(CountEntries(home / "staging"), 0u) << ctx;
  EXPECT_EQ(CountEntries(home / "receipts"), 1u) << ctx;
  for (const char* tier : {"hot", "warm"}) {
    auto v = ocfl::ValidateStorageRoot(home / "tiers" / tier);
    ASSERT_OK(v);
    EXPECT_TRUE(v->valid) << ctx << " " << tier << ": " << ocfl::ReportToJson(*v).dump();
    EXPECT_EQ(v->objects_checked, 1) << ctx << " " << tier << ": storage and catalog disagree";
  }
  auto ver = Vaultctl({"--root", home.string(), "verify", objs[0]["id"], "--json"});
  EXPECT_EQ(ver.exit_code, 0) << ctx << ": " << ver.out;
}

TEST(CrashTest, SigkillAtEveryStepOfIngestAndRecovery) {
  TempDir tmp;
  fs::path pkg = tmp / "pkg";
  std::map<std::string, std::string> files;
  for (int i = 0; i < 12; ++i) {
    files["dir" + std::to_string(i % 3) + "/tệp " + std::to_string(i) + ".txt"] =
        std::string(1000 + i * 5000, static_cast<char>('a' + i));
  }
  MakeBag(pkg, files, {{"Title", "Gói kiểm thử sự cố"}});

  // Calibration: how many crash points does startup + one ingest pass?
  size_t startup_points = 0, total_points = 0;
  {
    fs::path home = tmp / "calibrate";
    ASSERT_EQ(Vaultctl({"init", home.string()}).exit_code, 0);
    MakeSettleZero(home);
    Daemon d(home);
    ASSERT_TRUE(d.Start({{"VAULT_CRASH_TRACE", "1"}}));
    startup_points = CountCrashPoints(d.stderr_text());
    DropPackage(pkg, home);
    ASSERT_TRUE(WaitFor([&] { return CountEntries(home / "receipts") == 1 &&
                                     CountEntries(home / "staging") == 0; }, 60));
    ASSERT_TRUE(Replicated(home));
    CheckFinalState(home, "calibration");
    d.Terminate();
    total_points = CountCrashPoints(d.stderr_text());
  }
  ASSERT_GT(total_points, startup_points + 20) << "too few crash points in the ingest path";
  std::vector<size_t> points;
  const size_t kMaxRuns = 120;
  if (total_points <= kMaxRuns) {
    for (size_t k = 1; k <= total_points; ++k) points.push_back(k);
  } else {
    for (size_t i = 0; i < kMaxRuns; ++i) points.push_back(1 + i * (total_points - 1) / (kMaxRuns - 1));
  }
  ASSERT_GE(points.size(), 50u);
  if (const char* only = std::getenv("VAULT_CRASH_ONLY")) {  // debugging: "103" or "100-110"
    std::string o = only;
    size_t dash = o.find('-');
    size_t lo = std::stoul(o.substr(0, dash)), hi = dash == std::string::npos ? lo : std::stoul(o.substr(dash + 1));
    std::vector<size_t> keep;
    for (size_t k : points) if (k >= lo && k <= hi) keep.push_back(k);
    points = keep;
  }
  std::printf("crash points: %zu at startup, %zu in all; killing at %zu of them\n", startup_points,
              total_points, points.size());

  size_t killed = 0, recovery_kills = 0;
  for (size_t idx = 0; idx < points.size(); ++idx) {
    size_t k = points[idx];
    std::string ctx = "crash at point " + std::to_string(k);
    fs::path home = tmp / ("run-" + std::to_string(k));
    ASSERT_EQ(Vaultctl({"init", home.string()}).exit_code, 0);
    MakeSettleZero(home);
    DropPackage(pkg, home);
    {
      Daemon d(home);
      d.Start({{"VAULT_CRASH_AT", std::to_string(k)}});
      // Either the crash point kills it, or (a point past this run's end) the ingest finishes.
      bool finished = false;
      ASSERT_TRUE(WaitFor([&] {
        if (d.WaitExit(0)) return true;
        finished = CountEntries(home / "receipts") == 1 && CountEntries(home / "staging") == 0 &&
                   IsReplicated(home);
        return finished;
      }, 60)) << ctx;
      if (!d.running()) {
        ++killed;
        EXPECT_TRUE(WIFSIGNALED(d.exit_status())) << ctx;
      } else {
        d.Terminate();
      }
    }
    CheckCatalogOnlyNamesCompleteObjects(home, ctx);
    if (idx % 3 == 0) {
      // Crash again inside startup recovery, at a point that varies from run to run.
      Daemon d(home);
      size_t j = 1 + (idx / 3) % (startup_points + 6);
      d.Start({{"VAULT_CRASH_AT", std::to_string(j)}});
      if (d.WaitExit(20)) ++recovery_kills;
      else d.Terminate();
      CheckCatalogOnlyNamesCompleteObjects(home, ctx + " + recovery crash " + std::to_string(j));
    }
    Daemon d(home);
    ASSERT_TRUE(d.Start()) << ctx << ": running=" << d.running() << " status=" << d.exit_status()
                           << "\n" << d.stderr_text();
    ASSERT_TRUE(WaitFor([&] { return CountEntries(home / "receipts") == 1 &&
                                     CountEntries(home / "inbox") == 0 &&
                                     CountEntries(home / "staging") == 0; }, 60))
        << ctx << "\n" << d.stderr_text();
    CheckFinalState(home, ctx);
    d.Terminate();
    if (::testing::Test::HasFailure()) {
      std::printf("first failure at %s; log:\n%s\n", ctx.c_str(), d.stderr_text().c_str());
      break;
    }
    std::error_code ec;
    fs::remove_all(home, ec);
  }
  std::printf("killed %zu times during ingest/startup, %zu times during recovery\n", killed,
              recovery_kills);
  if (!std::getenv("VAULT_CRASH_ONLY")) {
    EXPECT_GE(killed, 50u);
  }
}

}  // namespace
}  // namespace vault::testing
