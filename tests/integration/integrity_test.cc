// Integrity end to end through the real vaultd and vaultctl: every object gets its second copy
// on the other medium; bit rot of every kind on either tier is found by one `verify --all`
// pass and repaired from the other tier; damage to both copies of the same file is reported,
// never "repaired"; the events and metrics say so; the next pass is clean.
#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "formats/ocfl/validator.h"
#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/store/ocfl_store.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class IntegrityTest : public DaemonTest {
 protected:

  // Ingests a bag of `n` files and returns the object id; the files' content is remembered.
  std::string IngestBag(const std::string& name, int n) {
    std::map<std::string, std::string> files;
    for (int i = 0; i < n; ++i) {
      std::string content =
          name + " tệp " + std::to_string(i) + " " + std::string(200 + i * 37, 'x');
      files["hồ sơ/f" + std::to_string(i) + ".txt"] = content;
    }
    fs::path bag = tmp_ / name;
    MakeBag(bag, files);
    auto r = Vaultctl({"--root", home_.string(), "ingest", bag.string(), "--wait", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string id = r.json().value("object_id", "");
    contents_[id] = files;
    return id;
  }

  json Show(const std::string& id) {
    return Vaultctl({"--root", home_.string(), "objects", "show", id, "--json"}).json();
  }

  // Waits until every object has a good copy on both tiers.
  bool WaitReplicated(const std::vector<std::string>& ids) {
    return WaitFor(
        [&] {
          for (const auto& id : ids) {
            json o = Show(id);
            int ok = 0;
            for (const auto& c : o["copies"])
              ok += c.value("state", "") == "ok";
            if (ok < 2)
              return false;
          }
          return true;
        },
        60);
  }

  fs::path ObjectDir(const std::string& tier, const std::string& id) {
    return home_ / "tiers" / tier / store::OcflStore::ObjectPath(id);
  }
  fs::path Content(const std::string& tier, const std::string& id, int i) {
    return ObjectDir(tier, id) / "v1/content/representations/rep1/data/hồ sơ" /
           ("f" + std::to_string(i) + ".txt");
  }
  // Makes a sealed (read-only) path writable, as someone with root would.
  static void Writable(const fs::path& p) {
    fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
  }
  static void FlipByte(const fs::path& f) {
    Writable(f);
    std::string s = ReadFile(f);
    s[s.size() / 2] = static_cast<char>(s[s.size() / 2] ^ 0x20);
    WriteFile(f, s);
  }

  json VerifyAll(int expect_exit) {
    auto v = Vaultctl({"--root", home_.string(), "verify", "--all", "--wait", "--json"});
    EXPECT_EQ(v.exit_code, expect_exit) << v.out << v.err;
    return v.json();
  }

  // Every event of the log (JSON Lines segments, read as any auditor would), oldest first.
  struct Ev {
    std::string type, object, outcome;
    json detail;
  };
  std::vector<Ev> Events() {
    std::vector<Ev> out;
    std::vector<fs::path> segments;
    for (auto& e : fs::directory_iterator(home_ / "log")) {
      if (e.path().extension() == ".jsonl")
        segments.push_back(e.path());
    }
    std::sort(segments.begin(), segments.end());
    for (const auto& seg : segments) {
      std::ifstream in(seg);
      std::string line;
      while (std::getline(in, line)) {
        json j = json::parse(line, nullptr, false);
        if (!j.is_object())
          continue;
        out.push_back({j.value("type", ""), j.value("object", ""), j.value("outcome", ""),
                       j.value("detail", json::object())});
      }
    }
    return out;
  }

  // The value of one series on /metrics (-1 when absent).
  double Metric(const std::string& series) {
    auto [code, body] = daemon_->Get("/metrics");
    EXPECT_EQ(code, 200);
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(series + " ", 0) == 0)
        return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  void ExpectOcflValid(const std::string& tier) {
    auto v = Vaultctl({"ocfl", "validate", (home_ / "tiers" / tier).string(), "--json"});
    EXPECT_EQ(v.exit_code, 0) << tier << ": " << v.out;
  }

  std::map<std::string, std::map<std::string, std::string>> contents_;
};

TEST_F(IntegrityTest, EveryObjectGetsAVerifiedCopyOnTheOtherMedium) {
  std::vector<std::string> ids = {IngestBag("a", 3), IngestBag("b", 5)};
  ASSERT_TRUE(WaitReplicated(ids));
  for (const auto& id : ids) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(ReadFile(Content("warm", id, i)), ReadFile(Content("hot", id, i)));
    }
  }
  ExpectOcflValid("hot");
  ExpectOcflValid("warm");
  int replications = 0;
  for (const auto& e : Events()) {
    if (e.type == "replication") {
      ++replications;
      EXPECT_EQ(e.detail.value("tier", ""), "warm");
      EXPECT_EQ(e.detail.value("source", ""), "hot");
    }
  }
  EXPECT_EQ(replications, 2);
  EXPECT_EQ(Metric("vault_replications_total{outcome=\"ok\",tier=\"warm\"}"), 2);
  EXPECT_EQ(Metric("vault_tier_objects{tier=\"warm\"}"), 2);
  EXPECT_EQ(Metric("vault_objects_below_policy"), 0);
  EXPECT_EQ(Metric("vault_fixity_coverage_ratio{tier=\"hot\"}"), 1);
}

TEST_F(IntegrityTest, BitRotOfEveryKindIsFoundAndRepairedFromTheOtherTier) {
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i)
    ids.push_back(IngestBag("obj" + std::to_string(i), 4));
  ASSERT_TRUE(WaitReplicated(ids));

  // Damage, each object once, on both tiers (never both copies of one object).
  std::map<std::string, std::string> expect_kind;  // object → a finding kind it must show
  FlipByte(Content("hot", ids[0], 1));
  expect_kind[ids[0]] = "digest_mismatch";
  {
    fs::path f = Content("hot", ids[1], 2);
    Writable(f);
    fs::resize_file(f, 10);
  }
  expect_kind[ids[1]] = "size_mismatch";
  {
    fs::path f = Content("hot", ids[2], 0);
    Writable(f.parent_path());
    fs::remove(f);
  }
  expect_kind[ids[2]] = "missing_file";
  {
    fs::path d = ObjectDir("hot", ids[3]) / "v1";
    Writable(d);
    WriteFile(d / "stray.bin", "not mine");
  }
  expect_kind[ids[3]] = "unexpected_file";
  {
    fs::path f = ObjectDir("hot", ids[4]) / "inventory.json";
    Writable(f);
    std::ofstream(f, std::ios::app) << " ";
  }
  expect_kind[ids[4]] = "inventory_mismatch";
  FlipByte(Content("warm", ids[5], 3));
  expect_kind[ids[5]] = "digest_mismatch";
  {  // the whole object gone from warm (someone's rm -rf)
    fs::path d = ObjectDir("warm", ids[6]);
    for (auto& e : fs::recursive_directory_iterator(d)) {
      if (e.is_directory())
        Writable(e.path());
    }
    Writable(d);
    fs::remove_all(d);
  }
  expect_kind[ids[6]] = "missing_object";
  {  // the root inventory deleted on warm: recovery must not mistake it for a half-written object
    fs::path d = ObjectDir("warm", ids[7]);
    Writable(d);
    fs::remove(d / "inventory.json");
  }
  expect_kind[ids[7]] = "missing_file";
  const std::string flipped = ReadFile(Content("hot", ids[0], 1));

  // A restart first: startup recovery must leave every damaged copy for fixity.
  daemon_->Terminate();
  ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();
  ASSERT_TRUE(fs::exists(ObjectDir("warm", ids[7]) / "v1" / "inventory.json"))
      << "recovery removed a stored copy that lost its root inventory";

  json pass = VerifyAll(1);
  EXPECT_EQ(pass["state"], "done") << pass.dump(2);
  EXPECT_EQ(pass["copies_done"], 16u);
  EXPECT_EQ(pass["damaged_copies"], 8u) << pass.dump(2);
  EXPECT_EQ(pass["repaired_copies"], 8u) << pass.dump(2);
  EXPECT_EQ(pass["unrepaired_copies"], 0u);
  std::set<std::string> seen;
  for (const auto& p : pass["problems"]) {
    std::string id = p["object_id"];
    seen.insert(id);
    EXPECT_TRUE(p["repaired"].get<bool>()) << p.dump();
    bool has = false;
    for (const auto& f : p["findings"])
      has = has || f["kind"] == expect_kind[id];
    EXPECT_TRUE(has) << "expected " << expect_kind[id] << " in " << p.dump();
  }
  EXPECT_EQ(seen.size(), 8u) << "detection must be 100%";

  // Repaired: every copy holds the original bytes again; both tiers are valid OCFL.
  for (const auto& id : ids) {
    for (int i = 0; i < 4; ++i) {
      std::string want = contents_[id]["hồ sơ/f" + std::to_string(i) + ".txt"];
      EXPECT_EQ(ReadFile(Content("hot", id, i)), want) << id << " hot f" << i;
      EXPECT_EQ(ReadFile(Content("warm", id, i)), want) << id << " warm f" << i;
    }
  }
  ExpectOcflValid("hot");
  ExpectOcflValid("warm");
  // The damaged bytes were moved aside, never deleted.
  bool kept = false;
  for (auto& e : fs::recursive_directory_iterator(home_ / "attic")) {
    if (e.is_regular_file() && ReadFile(e.path()) == flipped)
      kept = true;
  }
  EXPECT_TRUE(kept) << "the flipped file is not in the attic";

  // Events: one state change to damaged and one recovery per copy; nothing for clean copies.
  std::map<std::string, int> failures, recoveries;
  for (const auto& e : Events()) {
    if (e.type == "fixity check" && !e.object.empty() && e.outcome == "failure") {
      failures[e.object]++;
    }
    if (e.type == "recovery" && e.outcome == "success")
      recoveries[e.object]++;
  }
  EXPECT_EQ(failures.size(), 8u);
  EXPECT_EQ(recoveries.size(), 8u);
  for (const auto& id : ids) {
    EXPECT_EQ(failures[id], 1) << id;
    EXPECT_EQ(recoveries[id], 1) << id;
  }

  // Metrics.
  EXPECT_EQ(Metric("vault_repairs_total{outcome=\"repaired\",tier=\"hot\"}"), 5);
  EXPECT_EQ(Metric("vault_repairs_total{outcome=\"repaired\",tier=\"warm\"}"), 3);
  EXPECT_EQ(Metric("vault_fixity_failures_total{kind=\"missing_object\",tier=\"warm\"}"), 1);
  EXPECT_GE(Metric("vault_fixity_failures_total{kind=\"digest_mismatch\",tier=\"hot\"}"), 1);
  EXPECT_EQ(Metric("vault_objects_damaged"), 0);
  EXPECT_EQ(Metric("vault_tier_copies{state=\"ok\",tier=\"hot\"}"), 8);
  EXPECT_EQ(Metric("vault_tier_copies{state=\"damaged\",tier=\"warm\"}"), 0);

  // The next pass is clean.
  json again = VerifyAll(0);
  EXPECT_EQ(again["findings_total"], 0u) << again.dump(2);
  EXPECT_EQ(again["copies_done"], 16u);
}

TEST_F(IntegrityTest, BothCopiesDamagedInTheSameFileIsReportedNotRepaired) {
  std::string id = IngestBag("both", 3);
  ASSERT_TRUE(WaitReplicated({id}));
  FlipByte(Content("hot", id, 1));
  FlipByte(Content("warm", id, 1));
  const std::string hot_bytes = ReadFile(Content("hot", id, 1));

  json pass = VerifyAll(1);
  EXPECT_EQ(pass["damaged_copies"], 2u) << pass.dump(2);
  EXPECT_EQ(pass["repaired_copies"], 0u);
  EXPECT_EQ(pass["unrepaired_copies"], 2u);
  // Nothing was "repaired" with bad bytes; the damaged file is still where it was.
  EXPECT_EQ(ReadFile(Content("hot", id, 1)), hot_bytes);
  json o = Show(id);
  EXPECT_EQ(o["state"], "damaged") << o.dump(2);
  for (const auto& c : o["copies"])
    EXPECT_EQ(c["state"], "damaged");
  EXPECT_EQ(Metric("vault_objects_damaged"), 1);
  EXPECT_GE(Metric("vault_repairs_total{outcome=\"failed\",tier=\"hot\"}") +
                Metric("vault_repairs_total{outcome=\"no_good_copy\",tier=\"hot\"}"),
            1);
  for (const auto& e : Events())
    EXPECT_NE(e.type, "recovery");
  auto st = Vaultctl({"--root", home_.string(), "status", "--json"});
  EXPECT_EQ(st.json()["integrity"]["damaged_objects"], 1u) << st.out;

  // The damaged state is in the log: a rebuilt catalog still says so.
  daemon_->Terminate();
  ASSERT_EQ(Vaultctl({"--root", home_.string(), "catalog", "rebuild"}).exit_code, 0);
  ASSERT_TRUE(daemon_->Start());
  EXPECT_EQ(Show(id)["state"], "damaged");
}

TEST_F(IntegrityTest, CopiesDamagedInDifferentFilesRepairEachOther) {
  std::string id = IngestBag("cross", 4);
  ASSERT_TRUE(WaitReplicated({id}));
  FlipByte(Content("hot", id, 0));
  FlipByte(Content("warm", id, 3));
  {  // and the warm root inventory too
    fs::path f = ObjectDir("warm", id) / "inventory.json";
    Writable(f);
    std::ofstream(f, std::ios::app) << "\n";
  }
  json pass = VerifyAll(1);
  EXPECT_EQ(pass["damaged_copies"], 2u) << pass.dump(2);
  EXPECT_EQ(pass["unrepaired_copies"], 0u) << pass.dump(2);
  for (int i = 0; i < 4; ++i) {
    std::string want = contents_[id]["hồ sơ/f" + std::to_string(i) + ".txt"];
    EXPECT_EQ(ReadFile(Content("hot", id, i)), want);
    EXPECT_EQ(ReadFile(Content("warm", id, i)), want);
  }
  EXPECT_EQ(VerifyAll(0)["findings_total"], 0u);
}

TEST_F(IntegrityTest, MetricsPassPromtoolAndCoverTheContract) {
  std::string id = IngestBag("m", 2);
  ASSERT_TRUE(WaitReplicated({id}));
  std::string api = ReadFile(home_ / "run" / "api");
  while (!api.empty() && api.back() == '\n')
    api.pop_back();
  auto r = RunTool("/bin/bash", {std::string(VAULT_SOURCE_DIR) + "/monitoring/check_metrics.sh",
                                 api + "/metrics"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace vault::testing

namespace vault::testing {
namespace {

// An age-based move: copy to the new tier, verify, switch the catalog, remove the source copy.
TEST(PlacementMoveTest, MoveCopiesVerifiesSwitchesAndRemovesTheSource) {
  TempDir tmp;
  fs::path home = tmp / "vault";
  ASSERT_EQ(Vaultctl({"init", home.string()}).exit_code, 0);
  std::string cfg = ReadFile(home / "vault.toml");
  // A third tier on its own medium, and a move of the hot copy to it right away.
  auto tiers_at = cfg.find("[fixity]");
  ASSERT_NE(tiers_at, std::string::npos);
  cfg.insert(tiers_at,
             "[[tiers]]\nname = \"cold\"\nkind = \"local\"\npath = \"tiers/cold\"\n"
             "medium = \"tape-1\"\n\n");
  cfg += "\n[[placement.moves]]\nfrom = \"hot\"\nto = \"cold\"\nafter_days = 0\n";
  WriteFile(home / "vault.toml", cfg);
  Daemon d(home);
  ASSERT_TRUE(d.Start()) << d.stderr_text();
  fs::path bag = tmp / "bag";
  MakeBag(bag, {{"a.txt", "chuyển tầng / moved"}, {"b.txt", std::string(5000, 'b')}});
  auto r = Vaultctl({"--root", home.string(), "ingest", bag.string(), "--wait", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::string id = r.json()["object_id"];
  const fs::path obj = store::OcflStore::ObjectPath(id);
  // The ingest's placement makes the second copy; a sweep then carries out the move.
  ASSERT_TRUE(WaitFor(
      [&] {
        json o = Vaultctl({"--root", home.string(), "objects", "show", id, "--json"}).json();
        return o["copies"].size() == 2;
      },
      30));
  auto [code, body] = d.Post("/api/v1/placement/sweep");
  ASSERT_EQ(code, 200) << body;
  json o = Vaultctl({"--root", home.string(), "objects", "show", id, "--json"}).json();
  std::set<std::string> tiers;
  for (const auto& c : o["copies"]) {
    tiers.insert(c["tier"].get<std::string>());
    EXPECT_EQ(c["state"], "ok");
  }
  EXPECT_EQ(tiers, (std::set<std::string>{"cold", "warm"})) << o.dump(2);
  EXPECT_FALSE(fs::exists(home / "tiers" / "hot" / obj)) << "source copy not removed";
  EXPECT_EQ(ReadFile(home / "tiers" / "cold" / obj / "v1/content/representations/rep1/data/a.txt"),
            "chuyển tầng / moved");
  for (const char* t : {"hot", "warm", "cold"}) {
    auto v = Vaultctl({"ocfl", "validate", (home / "tiers" / t).string()});
    EXPECT_EQ(v.exit_code, 0) << t << ": " << v.out;
  }
  // The log tells the story: replication to warm, replication to cold, transfer hot → cold.
  std::vector<std::string> story;
  for (auto& e : fs::directory_iterator(home / "log")) {
    if (e.path().extension() != ".jsonl")
      continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line, nullptr, false);
      std::string type = j.value("type", "");
      if (type == "replication")
        story.push_back("replication→" + j["detail"].value("tier", ""));
      if (type == "transfer") {
        story.push_back("transfer " + j["detail"].value("from", "") + "→" +
                        j["detail"].value("to", ""));
      }
    }
  }
  EXPECT_EQ(story, (std::vector<std::string>{"replication→warm", "replication→cold",
                                             "transfer hot→cold"}));
  // Verify: both remaining copies good; a rebuilt catalog agrees about where the copies are.
  EXPECT_EQ(Vaultctl({"--root", home.string(), "verify", id}).exit_code, 0);
  d.Terminate();
  ASSERT_EQ(Vaultctl({"--root", home.string(), "catalog", "rebuild"}).exit_code, 0);
  ASSERT_TRUE(d.Start());
  o = Vaultctl({"--root", home.string(), "objects", "show", id, "--json"}).json();
  tiers.clear();
  for (const auto& c : o["copies"])
    tiers.insert(c["tier"].get<std::string>());
  EXPECT_EQ(tiers, (std::set<std::string>{"cold", "warm"})) << o.dump(2);
  d.Terminate();
}

}  // namespace
}  // namespace vault::testing

namespace vault::testing {
namespace {

// A tier whose disk is not mounted looks like an empty directory. vaultd must neither "repair"
// every object onto the bare mount point nor record the copies as damaged: it refuses to start
// on it, and a pass that meets it at run time fails with the reason and changes nothing.
TEST_F(IntegrityTest, AnUnmountedTierIsNeverTakenForMissingObjects) {
  std::string id = IngestBag("mount", 3);
  ASSERT_TRUE(WaitReplicated({id}));
  const fs::path warm = home_ / "tiers" / "warm", away = home_ / "tiers" / "warm.unmounted";

  // At run time: the disk goes away under the daemon.
  fs::rename(warm, away);
  auto v = Vaultctl({"--root", home_.string(), "verify", "--all", "--wait", "--json"});
  EXPECT_EQ(v.exit_code, 3) << v.out;
  EXPECT_EQ(v.json()["state"], "failed") << v.out;
  EXPECT_NE(v.json().value("error", "").find("unmounted"), std::string::npos) << v.out;
  EXPECT_FALSE(fs::exists(warm)) << "something was written onto the bare mount point";
  const json shown = Show(id);
  for (const auto& c : shown["copies"]) EXPECT_EQ(c["state"], "ok") << c.dump();
  for (const auto& e : Events()) EXPECT_NE(e.type, "recovery");

  // At start: an empty directory where the catalog has copies.
  daemon_->Terminate();
  fs::create_directories(warm);
  Daemon d(home_);
  EXPECT_FALSE(d.Start(/*env=*/{}, /*timeout_s=*/20));
  EXPECT_NE(d.stderr_text().find("is its disk mounted"), std::string::npos) << d.stderr_text();
  EXPECT_TRUE(fs::is_empty(warm)) << "vaultd initialised a storage root on the bare mount point";

  // Mounted again: all is well.
  fs::remove(warm);
  fs::rename(away, warm);
  ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();
  EXPECT_EQ(VerifyAll(0)["findings_total"], 0u);
}

}  // namespace
}  // namespace vault::testing
