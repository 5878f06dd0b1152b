// `vaultctl audit verify` end to end: a vault filled by the REAL daemon (ingest, replication to
// the second tier), a signed checkpoint written offline with BuildCheckpoint/AppendCheckpoint,
// then one kind of tampering per test, each found by the real vaultctl and reported with the
// right check, object, tier, path, seq and line.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/audit/audit.h"
#include "vault/base/clock.h"
#include "vault/catalog/catalog.h"
#include "vault/log/checkpoint.h"
#include "vault/log/event_log.h"
#include "vault/store/ocfl_store.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kSegment[] = "events-000001.jsonl";

std::vector<std::string> Lines(const fs::path& f) {
  std::vector<std::string> out;
  std::ifstream in(f, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

void WriteLines(const fs::path& f, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  WriteFile(f, text);
}

// The bag-info labels every package needs (docs/RETENTION.md §2).
std::vector<std::pair<std::string, std::string>> RetentionInfo(const std::string& code) {
  return {{"Retention-Rule", "TT05-06"},
          {"End-Date", "2010"},
          {"File-Code", code},
          {"Title", "Hồ sơ " + code}};
}

struct Pristine {
  TempDir dir;
  fs::path home;
  std::vector<std::string> ids;
  checkpoint::Checkpoint cp;  // the latest checkpoint, covering the log head
  uint64_t cp_line = 0;       // its line in checkpoints.jsonl
  std::string setup_error;
  json audit_while_running;
  int audit_while_running_exit = -1;
};
Pristine* pristine = nullptr;

class AuditTest : public ::testing::Test {
 protected:
  // One vault for the suite, made by the real daemon; every test works on a copy.
  static void SetUpTestSuite() {
    pristine = new Pristine();
    Pristine& p = *pristine;
    p.home = p.dir / "vault";
    auto init = Vaultctl({"init", p.home.string()});
    if (init.exit_code != 0) {
      p.setup_error = "init: " + init.out + init.err;
      return;
    }
    Daemon d(p.home);
    if (!d.Start()) {
      p.setup_error = "vaultd did not start: " + d.stderr_text();
      return;
    }
    for (int b = 0; b < 2; ++b) {
      std::map<std::string, std::string> files;
      for (int i = 0; i < 3; ++i) {
        files["hồ sơ/f" + std::to_string(i) + ".txt"] =
            "bag " + std::to_string(b) + " tệp " + std::to_string(i) + " " +
            std::string(100 + 31 * i, 'x');
      }
      fs::path bag = p.dir / ("bag" + std::to_string(b));
      MakeBag(bag, files, RetentionInfo("000.06.16.G09.2010.0" + std::to_string(b) + ".TH"));
      auto r = Vaultctl({"--root", p.home.string(), "ingest", bag.string(), "--wait", "--json"});
      std::string id = r.json().is_object() ? r.json().value("object_id", "") : "";
      if (r.exit_code != 0 || id.empty()) {
        p.setup_error = "ingest: " + r.out + r.err;
        return;
      }
      p.ids.push_back(id);
    }
    // Both copies of every object (hot, then warm by replication).
    bool replicated = WaitFor(
        [&] {
          for (const auto& id : p.ids) {
            json o = Vaultctl({"--root", p.home.string(), "objects", "show", id, "--json"}).json();
            int ok = 0;
            if (o.is_object() && o.contains("copies")) {
              for (const auto& c : o["copies"]) ok += c.value("state", "") == "ok";
            }
            if (ok < 2) return false;
          }
          return true;
        },
        60);
    if (!replicated) {
      p.setup_error = "objects were not replicated to both tiers";
      return;
    }
    // The audit works while the daemon runs (it takes no lock).
    auto running = Vaultctl({"--root", p.home.string(), "audit", "verify", "--json"});
    p.audit_while_running_exit = running.exit_code;
    p.audit_while_running = running.json();
    d.Terminate();

    // A signed checkpoint at the log head: the daemon's own when it wrote one there, else one
    // written offline here as the daemon does.
    if (Status s = checkpoint::EnsureAuditKey(p.home / "keys"); !s.ok()) {
      p.setup_error = "EnsureAuditKey: " + s.ToString();
      return;
    }
    uint64_t head = 0;
    std::string head_hash;
    Status s = audit::ReadLogOffline(p.home / "log", [&](const eventlog::Event& e,
                                                         const std::string&, uint64_t) {
      head = e.seq;
      head_hash = e.hash;
      return true;
    });
    if (!s.ok()) {
      p.setup_error = "ReadLogOffline: " + s.ToString();
      return;
    }
    auto existing = checkpoint::ReadCheckpoints(p.home / "log");
    if (!existing.ok()) {
      p.setup_error = "ReadCheckpoints: " + existing.status().ToString();
      return;
    }
    if (!existing->empty() && existing->back().seq == head) {
      p.cp = existing->back();
      p.cp_line = existing->size();
      return;
    }
    auto cat = catalog::Catalog::Open(p.home / "catalog");
    if (!cat.ok()) {
      p.setup_error = "catalog: " + cat.status().ToString();
      return;
    }
    auto cp = checkpoint::BuildCheckpoint(**cat, head, head_hash,
                                          FormatIso8601(SystemClock::Default().Now()),
                                          p.home / "keys");
    if (!cp.ok()) {
      p.setup_error = "BuildCheckpoint: " + cp.status().ToString();
      return;
    }
    p.cp = *cp;
    p.cp_line = existing->size() + 1;
    if (Status a = checkpoint::AppendCheckpoint(p.home / "log", p.cp); !a.ok()) {
      p.setup_error = "AppendCheckpoint: " + a.ToString();
    }
  }
  static void TearDownTestSuite() {
    delete pristine;
    pristine = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(pristine->setup_error.empty()) << pristine->setup_error;
    home_ = tmp_ / "vault";
    fs::copy(pristine->home, home_, fs::copy_options::recursive);
    ids_ = pristine->ids;
    cp_ = pristine->cp;
    cp_line_ = pristine->cp_line;
  }

  // Runs `vaultctl --root home audit verify --json [extra]`.
  json Audit(int expect_exit, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--root", home_.string(), "audit", "verify", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Vaultctl(args);
    EXPECT_EQ(r.exit_code, expect_exit) << r.out << r.err;
    json j = r.json();
    EXPECT_TRUE(j.is_object()) << r.out << r.err;
    if (!j.is_object()) return json::object();
    EXPECT_EQ(j.value("intact", true), expect_exit == 0) << r.out;
    return j;
  }

  // The breaks of one check (and, when given, about one object).
  static std::vector<json> Breaks(const json& report, const std::string& check,
                                  const std::string& object = "") {
    std::vector<json> out;
    if (!report.contains("breaks")) return out;
    for (const auto& b : report["breaks"]) {
      if (b.value("check", "") == check && (object.empty() || b.value("object", "") == object)) {
        out.push_back(b);
      }
    }
    return out;
  }

  static bool Contains(const json& b, const std::string& what) {
    return b.value("message", "").find(what) != std::string::npos;
  }

  fs::path SegmentPath() const { return home_ / "log" / kSegment; }

  // The 1-based line of the first event matching `type` and `object`.
  size_t LineOf(const std::string& type, const std::string& object) {
    auto lines = Lines(SegmentPath());
    for (size_t i = 0; i < lines.size(); ++i) {
      json j = json::parse(lines[i]);
      if (j["type"] == type && j["object"] == object) return i + 1;
    }
    return 0;
  }

  fs::path ObjectDir(const std::string& tier, const std::string& id) const {
    return home_ / "tiers" / tier / store::OcflStore::ObjectPath(id);
  }
  fs::path Content(const std::string& tier, const std::string& id, int i) const {
    return ObjectDir(tier, id) / "v1/content/representations/rep1/data/hồ sơ" /
           ("f" + std::to_string(i) + ".txt");
  }
  std::string ContentPath(int i) const {
    return "v1/content/representations/rep1/data/hồ sơ/f" + std::to_string(i) + ".txt";
  }

  TempDir tmp_;
  fs::path home_;
  std::vector<std::string> ids_;
  checkpoint::Checkpoint cp_;
  uint64_t cp_line_ = 0;
};

TEST_F(AuditTest, CleanVaultIsIntact) {
  json r = Audit(0);
  EXPECT_TRUE(r["breaks"].empty()) << r.dump(2);
  EXPECT_EQ(r["checked"]["checkpoints"], cp_line_);
  EXPECT_EQ(r["checked"]["objects"], 2);
  EXPECT_EQ(r["checked"]["copies"], 4);  // two objects on two tiers
  EXPECT_EQ(r["checked"]["events"], cp_.seq);
  EXPECT_GT(r["checked"]["files"].get<uint64_t>(), 8u);
  EXPECT_EQ(cp_.objects, 2u);

  // While the daemon ran (with whatever checkpoints it had written): intact too.
  EXPECT_EQ(pristine->audit_while_running_exit, 0) << pristine->audit_while_running.dump(2);

  // Human output: one summary line, exit 0.
  auto h = Vaultctl({"--root", home_.string(), "audit", "verify"});
  EXPECT_EQ(h.exit_code, 0) << h.out << h.err;
  EXPECT_NE(h.out.find("intact"), std::string::npos) << h.out;
  EXPECT_EQ(h.out.find("BREAK"), std::string::npos) << h.out;

  // Not a vault: exit 3.
  TempDir empty;
  auto none = Vaultctl({"--root", empty.path().string(), "audit", "verify", "--json"});
  EXPECT_EQ(none.exit_code, 3) << none.out << none.err;
}

TEST_F(AuditTest, EditedLogLineIsAHashMismatchAtThatLine) {
  size_t line = LineOf("ingestion", ids_[0]);
  ASSERT_GT(line, 0u);
  auto lines = Lines(SegmentPath());
  json j = json::parse(lines[line - 1]);
  j["detail"]["title"] = "Hồ sơ đã sửa";
  lines[line - 1] = j.dump();
  WriteLines(SegmentPath(), lines);

  json r = Audit(1);
  auto chain = Breaks(r, "chain");
  ASSERT_EQ(chain.size(), 1u) << r.dump(2);
  EXPECT_EQ(chain[0]["segment"], kSegment);
  EXPECT_EQ(chain[0]["line"], line);
  EXPECT_EQ(chain[0]["seq"], j["seq"]);
  EXPECT_TRUE(Contains(chain[0], "hash mismatch")) << chain[0].dump();

  // Human output names the same place.
  auto h = Vaultctl({"--root", home_.string(), "audit", "verify"});
  EXPECT_EQ(h.exit_code, 1);
  EXPECT_NE(h.out.find("BREAK chain seq " + std::to_string(j["seq"].get<uint64_t>()) + " " +
                       kSegment + ":" + std::to_string(line)),
            std::string::npos)
      << h.out;
}

TEST_F(AuditTest, DeletedLogLineIsASequenceGap) {
  auto lines = Lines(SegmentPath());
  ASSERT_GT(lines.size(), 4u);
  const size_t k = 3;  // delete the 3rd line (seq 3)
  lines.erase(lines.begin() + (k - 1));
  WriteLines(SegmentPath(), lines);

  json r = Audit(1);
  auto chain = Breaks(r, "chain");
  ASSERT_FALSE(chain.empty()) << r.dump(2);
  EXPECT_EQ(chain[0]["line"], k);
  EXPECT_EQ(chain[0]["seq"], k + 1);  // the event now on that line
  EXPECT_TRUE(Contains(chain[0], "sequence gap")) << chain[0].dump();
}

TEST_F(AuditTest, SwappedLogLinesAreReportedAtBothLines) {
  auto lines = Lines(SegmentPath());
  ASSERT_GT(lines.size(), 5u);
  std::swap(lines[2], lines[3]);  // lines 3 and 4
  WriteLines(SegmentPath(), lines);

  json r = Audit(1);
  auto chain = Breaks(r, "chain");
  ASSERT_GE(chain.size(), 2u) << r.dump(2);
  bool at3 = false, at4 = false;
  for (const auto& b : chain) {
    at3 = at3 || (b["line"] == 3 && b["seq"] == 4);
    at4 = at4 || (b["line"] == 4 && b["seq"] == 3 && Contains(b, "out of order"));
  }
  EXPECT_TRUE(at3) << r.dump(2);
  EXPECT_TRUE(at4) << r.dump(2);
}

TEST_F(AuditTest, RechainedRewrittenLogIsCaughtByTheCheckpointHead) {
  // Rewrite history: change an early event, then recompute every hash and link after it so
  // the chain itself is valid again.
  auto lines = Lines(SegmentPath());
  size_t line = LineOf("ingestion", ids_[0]);
  ASSERT_GT(line, 0u);
  std::string prev = eventlog::ZeroHash();
  for (size_t i = 0; i < lines.size(); ++i) {
    auto e = eventlog::EventFromJson(json::parse(lines[i]));
    ASSERT_OK(e);
    if (i + 1 == line) e->detail["package"] = "rewritten";
    e->prev = prev;
    e->hash = eventlog::ComputeHash(*e);
    prev = e->hash;
    lines[i] = eventlog::EventToJson(*e).dump();
  }
  WriteLines(SegmentPath(), lines);
  auto chain = eventlog::EventLog::VerifyChain(home_ / "log");
  ASSERT_OK(chain);
  ASSERT_TRUE(chain->empty()) << "the rewritten chain should be internally valid";

  json r = Audit(1);
  EXPECT_TRUE(Breaks(r, "chain").empty()) << r.dump(2);
  // Every checkpoint at or after the rewritten event, and only those, names the rewrite.
  auto head = Breaks(r, "checkpoint.head");
  ASSERT_FALSE(head.empty()) << r.dump(2);
  const uint64_t rewritten = line;  // one segment: line = seq
  bool latest = false;
  for (const auto& b : head) {
    EXPECT_GE(b["seq"].get<uint64_t>(), rewritten) << b.dump();
    EXPECT_EQ(b["segment"], "checkpoints.jsonl");
    EXPECT_TRUE(Contains(b, "rewritten at or before seq")) << b.dump();
    latest = latest || (b["line"] == cp_line_ && b["seq"] == cp_.seq);
  }
  EXPECT_TRUE(latest) << r.dump(2);
  EXPECT_TRUE(Breaks(r, "checkpoint.signature").empty()) << r.dump(2);
}

TEST_F(AuditTest, ObjectDirectoryDeletedOnOneTier) {
  ASSERT_OK(RemoveTree(ObjectDir("warm", ids_[1])));
  json r = Audit(1);
  auto storage = Breaks(r, "storage", ids_[1]);
  ASSERT_EQ(storage.size(), 1u) << r.dump(2);
  EXPECT_EQ(storage[0]["tier"], "warm");
  EXPECT_TRUE(Contains(storage[0], "missing from tier warm")) << storage[0].dump();
  EXPECT_GT(storage[0]["seq"].get<uint64_t>(), 0u);  // the replication event that put it there
  EXPECT_TRUE(Breaks(r, "storage", ids_[0]).empty()) << r.dump(2);
  EXPECT_TRUE(Breaks(r, "chain").empty());
  EXPECT_TRUE(Breaks(r, "checkpoint.merkle").empty()) << r.dump(2);  // the hot copy still reads
}

TEST_F(AuditTest, InventoryDigestAlteredConsistentlyIsCaught) {
  // Replace the digest of f0.txt in the root and v1 inventories and fix both sidecars: an
  // OCFL-valid object whose inventory lies about the content.
  const std::string& id = ids_[0];
  fs::path dir = ObjectDir("hot", id);
  std::string real = Sha256Hex(ReadFile(Content("hot", id, 0)));
  std::string fake = Sha256Hex("not the content");
  std::string inv = ReadFile(dir / "inventory.json");
  ASSERT_NE(inv.find(real), std::string::npos);
  size_t pos;
  while ((pos = inv.find(real)) != std::string::npos) inv.replace(pos, real.size(), fake);
  std::string sidecar = Sha256Hex(inv) + "  inventory.json\n";
  for (const fs::path& p : {dir / "inventory.json", dir / "v1/inventory.json"}) WriteFile(p, inv);
  for (const fs::path& p : {dir / "inventory.json.sha256", dir / "v1/inventory.json.sha256"}) {
    WriteFile(p, sidecar);
  }
  // (Structurally valid: inventories and sidecars agree; only the content disagrees, which a
  // content check finds: `ocfl validate` reports E092.)

  json r = Audit(1);
  // The content no longer matches the inventory.
  auto content = Breaks(r, "content", id);
  ASSERT_EQ(content.size(), 1u) << r.dump(2);
  EXPECT_EQ(content[0]["tier"], "hot");
  EXPECT_EQ(content[0]["path"], ContentPath(0));
  EXPECT_TRUE(Contains(content[0], fake) && Contains(content[0], real)) << content[0].dump();
  // The catalog still has the digest logged at ingest.
  auto cat = Breaks(r, "catalog", id);
  ASSERT_EQ(cat.size(), 1u) << r.dump(2);
  EXPECT_EQ(cat[0]["path"], "representations/rep1/data/hồ sơ/f0.txt");
  // The signed Merkle root no longer matches; the object is named.
  auto merkle = Breaks(r, "checkpoint.merkle");
  ASSERT_EQ(merkle.size(), 2u) << r.dump(2);
  EXPECT_EQ(merkle[0]["object"], "");
  EXPECT_EQ(merkle[0]["seq"], cp_.seq);
  EXPECT_EQ(merkle[1]["object"], id);
  // The two tiers disagree.
  auto storage = Breaks(r, "storage", id);
  ASSERT_FALSE(storage.empty()) << r.dump(2);
  EXPECT_TRUE(Contains(storage[0], "disagree")) << storage[0].dump();
  // When the ingestion event logged the inventory's digest, that is checked too.
  size_t line = LineOf("ingestion", id);
  json ev = json::parse(Lines(SegmentPath())[line - 1]);
  if (ev["detail"].contains("inventory_sha256")) {
    bool logged = false;
    for (const auto& b : storage) logged = logged || Contains(b, "the one logged for v1");
    EXPECT_TRUE(logged) << r.dump(2);
  }
  EXPECT_TRUE(Breaks(r, "content", ids_[1]).empty());
}

TEST_F(AuditTest, RewrittenInventoryIsCaughtByTheDigestLoggedAtIngestion) {
  // Change only the version message, in the root and v1 inventories alike, and fix both
  // sidecars: the object verifies clean against itself, only the logged digest tells.
  const std::string& id = ids_[1];
  size_t line = LineOf("ingestion", id);
  ASSERT_GT(line, 0u);
  json ev = json::parse(Lines(SegmentPath())[line - 1]);
  if (!ev["detail"].contains("inventory_sha256")) {
    GTEST_SKIP() << "this daemon does not log inventory_sha256 at ingestion yet";
  }
  fs::path dir = ObjectDir("warm", id);
  json inv = json::parse(ReadFile(dir / "inventory.json"));
  inv["versions"]["v1"]["message"] = "rewritten by hand";
  std::string text = inv.dump(2) + "\n";
  for (const fs::path& p : {dir / "inventory.json", dir / "v1/inventory.json"}) WriteFile(p, text);
  for (const fs::path& p : {dir / "inventory.json.sha256", dir / "v1/inventory.json.sha256"}) {
    WriteFile(p, Sha256Hex(text) + "  inventory.json\n");
  }

  json r = Audit(1);
  EXPECT_TRUE(Breaks(r, "content").empty()) << r.dump(2);
  auto storage = Breaks(r, "storage", id);
  ASSERT_EQ(storage.size(), 1u) << r.dump(2);
  EXPECT_EQ(storage[0]["tier"], "warm");
  EXPECT_EQ(storage[0]["seq"], ev["seq"]);
  EXPECT_EQ(storage[0]["path"], store::OcflStore::ObjectPath(id) + "/inventory.json");
  EXPECT_TRUE(Contains(storage[0], "differs from the one logged for v1")) << storage[0].dump();
  EXPECT_EQ(r["breaks"].size(), 1u) << r.dump(2);
}

TEST_F(AuditTest, AlteredStoredBytesAreAContentBreakNamingThePath) {
  fs::path f = Content("warm", ids_[1], 2);
  std::string s = ReadFile(f);
  s[s.size() / 2] = static_cast<char>(s[s.size() / 2] ^ 0x20);
  WriteFile(f, s);

  json r = Audit(1);
  auto content = Breaks(r, "content");
  ASSERT_EQ(content.size(), 1u) << r.dump(2);
  EXPECT_EQ(content[0]["object"], ids_[1]);
  EXPECT_EQ(content[0]["tier"], "warm");
  EXPECT_EQ(content[0]["path"], ContentPath(2));
  EXPECT_TRUE(Contains(content[0], "digest_mismatch")) << content[0].dump();
  EXPECT_EQ(r["breaks"].size(), 1u) << r.dump(2);

  // Same size, so --no-content (sizes and inventories only) does not see it.
  json quick = Audit(0, {"--no-content"});
  EXPECT_TRUE(quick["breaks"].empty()) << quick.dump(2);
}

// Appends events to the log offline (the daemon is stopped), as a tamperer with the software
// would; returns their seqs.
std::vector<uint64_t> AppendEvents(const fs::path& home, std::vector<eventlog::EventDraft> d) {
  auto log = eventlog::EventLog::Open(home / "log", SystemClock::Default());
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (!log.ok()) return {};
  auto evs = (*log)->Append(std::move(d));
  EXPECT_TRUE(evs.ok()) << evs.status().ToString();
  std::vector<uint64_t> seqs;
  if (evs.ok()) {
    for (const auto& e : *evs) seqs.push_back(e.seq);
  }
  return seqs;
}

TEST_F(AuditTest, DeletionWithoutABatchIsADisposalBreak) {
  const std::string& id = ids_[0];
  auto seqs = AppendEvents(home_, {{"deletion", id, "mallory", "success",
                                    {{"batch", "batch-20250101-dead"},
                                     {"tiers", {"hot", "warm"}},
                                     {"verified_absent", true}}}});
  ASSERT_EQ(seqs.size(), 1u);

  json r = Audit(1);
  auto disposal = Breaks(r, "disposal", id);
  ASSERT_GE(disposal.size(), 2u) << r.dump(2);
  for (const auto& b : disposal) {
    EXPECT_EQ(b["seq"], seqs[0]);
    EXPECT_EQ(b["segment"], kSegment);
    EXPECT_EQ(b["line"], seqs[0]);
  }
  EXPECT_TRUE(Contains(disposal[0], "never proposed")) << disposal[0].dump();
  bool deacc = false;
  for (const auto& b : disposal) deacc = deacc || Contains(b, "no deaccession event");
  EXPECT_TRUE(deacc) << r.dump(2);
  // And the "destroyed" object is still on both tiers.
  auto storage = Breaks(r, "storage", id);
  EXPECT_EQ(storage.size(), 2u) << r.dump(2);
  for (const auto& b : storage) EXPECT_TRUE(Contains(b, "still stored")) << b.dump();
  EXPECT_TRUE(Breaks(r, "chain").empty()) << r.dump(2);
}

TEST_F(AuditTest, DisposalRulesAreCheckedOneByOne) {
  const std::string& a = ids_[0];
  const std::string& b = ids_[1];
  auto objects = json::array({{{"id", a}, {"rule", "TT05-06"}}, {{"id", b}, {"rule", "TT05-06"}}});
  json tomb_a = {{"id", a}, {"files", json::array()}};
  // Batch 1: proposed by alice, approved by alice herself (self-approval), b on hold.
  // Batch 2: proposed by alice, approved by bob with a decision, well before its deadline.
  auto seqs = AppendEvents(
      home_,
      {{"appraisal", "", "alice", "success",
        {{"action", "propose"}, {"batch", "batch-1"}, {"reason", "r"}, {"objects", objects}}},
       {"appraisal", "", "alice", "success",
        {{"action", "approve"}, {"batch", "batch-1"}, {"decision", "QĐ 1"},
         {"decision_date", "2026-01-01"}, {"deadline", "2999-12-31"}}},
       {"policy assignment", b, "alice", "success",
        {{"action", "hold"}, {"hold", "hold-ab"}, {"reason", "court"}, {"mandate", "x"}}},
       {"appraisal", "", "alice", "success",
        {{"action", "propose"}, {"batch", "batch-2"}, {"reason", "r"}, {"objects", objects}}},
       {"appraisal", "", "bob", "success",
        {{"action", "approve"}, {"batch", "batch-2"}, {"decision", "QĐ 2"},
         {"decision_date", "2026-01-01"}, {"deadline", "2999-12-31"}}},
       {"deaccession", a, "alice", "success", {{"batch", "batch-2"}, {"tombstone", tomb_a}}},
       {"deletion", a, "alice", "success",
        {{"batch", "batch-2"}, {"tiers", {"hot", "warm"}}, {"verified_absent", true}}},
       {"deaccession", b, "alice", "success", {{"batch", "batch-1"}}},
       {"deletion", b, "alice", "success",
        {{"batch", "batch-1"}, {"tiers", {"hot", "warm"}}, {"verified_absent", true}}}});
  ASSERT_EQ(seqs.size(), 9u);

  json r = Audit(1);
  // a: everything in order → no disposal break (its copies are still stored, though).
  EXPECT_TRUE(Breaks(r, "disposal", a).empty()) << r.dump(2);
  EXPECT_FALSE(Breaks(r, "storage", a).empty());
  // b: self-approved batch, and on hold.
  auto bb = Breaks(r, "disposal", b);
  ASSERT_EQ(bb.size(), 2u) << r.dump(2);
  for (const auto& x : bb) EXPECT_EQ(x["seq"], seqs[8]);
  EXPECT_TRUE(Contains(bb[0], "approved by its proposer alice")) << bb[0].dump();
  EXPECT_TRUE(Contains(bb[1], "on hold hold-ab")) << bb[1].dump();
}

TEST_F(AuditTest, LateDeletionAndCancelledBatch) {
  const std::string& a = ids_[0];
  auto objects = json::array({{{"id", a}}});
  auto seqs = AppendEvents(
      home_,
      {{"appraisal", "", "alice", "success",
        {{"action", "propose"}, {"batch", "batch-3"}, {"reason", "r"}, {"objects", objects}}},
       {"appraisal", "", "bob", "success",
        {{"action", "approve"}, {"batch", "batch-3"}, {"decision", "QĐ 3"},
         {"decision_date", "2020-01-01"}, {"deadline", "2020-01-16"}}},
       {"appraisal", "", "bob", "success",
        {{"action", "cancel"}, {"batch", "batch-3"}, {"reason", "no"}}},
       {"deaccession", a, "alice", "success", {{"batch", "batch-3"}}},
       {"deletion", a, "alice", "success", {{"batch", "batch-3"}}}});
  ASSERT_EQ(seqs.size(), 5u);
  json r = Audit(1);
  auto d = Breaks(r, "disposal", a);
  ASSERT_EQ(d.size(), 2u) << r.dump(2);
  EXPECT_TRUE(Contains(d[0], "after the deadline 2020-01-16")) << d[0].dump();
  EXPECT_TRUE(Contains(d[1], "cancelled at seq " + std::to_string(seqs[2]))) << d[1].dump();
}

TEST_F(AuditTest, TamperedCheckpointSignature) {
  fs::path f = home_ / "log" / "checkpoints.jsonl";
  auto lines = Lines(f);
  ASSERT_EQ(lines.size(), cp_line_);
  json j = json::parse(lines.back());
  std::string sig = j["signature"];
  sig[7] = sig[7] == '0' ? '1' : '0';
  j["signature"] = sig;
  lines.back() = j.dump();
  WriteLines(f, lines);

  json r = Audit(1);
  auto s = Breaks(r, "checkpoint.signature");
  ASSERT_EQ(s.size(), 1u) << r.dump(2);
  EXPECT_EQ(s[0]["seq"], cp_.seq);
  EXPECT_EQ(s[0]["line"], cp_line_);
  EXPECT_EQ(s[0]["segment"], "checkpoints.jsonl");
  EXPECT_EQ(r["breaks"].size(), 1u) << r.dump(2);
}

TEST_F(AuditTest, ForgedMerkleRootAndForeignKey) {
  fs::path f = home_ / "log" / "checkpoints.jsonl";
  json j = json::parse(Lines(f).back());
  j["merkle_root"] = Sha256Hex("forged");
  WriteLines(f, {j.dump(), "not json"});  // only this checkpoint, then a bad line
  json r = Audit(1);
  EXPECT_EQ(Breaks(r, "checkpoint.signature").size(), 1u) << r.dump(2);
  auto parse = Breaks(r, "checkpoint.parse");
  ASSERT_EQ(parse.size(), 1u) << r.dump(2);
  EXPECT_EQ(parse[0]["line"], 2);
  auto merkle = Breaks(r, "checkpoint.merkle");
  ASSERT_EQ(merkle.size(), 1u) << r.dump(2);  // no object differs from the catalog
  EXPECT_TRUE(Contains(merkle[0], cp_.merkle_root)) << merkle[0].dump();

  // Checked against another public key: key_id and signature both fail.
  auto other = Ed25519Key::Generate();
  ASSERT_OK(other);
  WriteFile(tmp_ / "other.pub", *other->PublicPem());
  WriteLines(f, {checkpoint::CheckpointLine(cp_)});
  json r2 = Audit(1, {"--public-key", (tmp_ / "other.pub").string()});
  EXPECT_EQ(Breaks(r2, "checkpoint.key_id").size(), 1u) << r2.dump(2);
  EXPECT_EQ(Breaks(r2, "checkpoint.signature").size(), 1u) << r2.dump(2);
  EXPECT_EQ(r2["breaks"].size(), 2u) << r2.dump(2);
}

}  // namespace
}  // namespace vault::testing
