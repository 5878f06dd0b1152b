// Crash safety of OcflStore::AddVersion and RollbackVersion. The test re-runs its own binary as
// a child that SIGKILLs itself at its N-th crash point (VAULT_CRASH_AT, vault/base/fs.h) for
// every N until the child finishes, and at each named crash point of the two methods
// (VAULT_CRASH_NAME). After each crash the parent checks what is on disk: the object at the old
// head (possibly with a leftover uncommitted version directory), at the new head, or inside the
// root swap (root inventory or its sidecar missing, the rest complete), never anything else;
// v1 byte for byte unchanged; the sibling object in the same tuple directories untouched. Then
// it recovers both ways: RollbackVersion to the old head must give exactly the v1 object back,
// and an AddVersion retry must give exactly the object an uninterrupted AddVersion gives.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/inventory.h"
#include "formats/ocfl/validator.h"
#include "tests/store/crash_fork.h"
#include "tests/store/store_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/tier.h"

namespace vault::store {
namespace {

namespace fs = std::filesystem;
using ::vault::testing::ReadFile;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;
using fixtures::FirstError;
using fixtures::Snapshot;

// sha256 of these two ids share the first 9 hex digits: both objects sit in the same 0004
// tuple directories.
constexpr const char* kId = "urn:uuid:purge-sibling-1087";
constexpr const char* kSibling = "urn:uuid:purge-sibling-129983";

NewFile Stage(const fs::path& dir, const std::string& logical_path, const std::string& content) {
  static int n = 0;
  fs::path p = dir / ("f" + std::to_string(n++));
  WriteFile(p, content);
  return NewFile{logical_path, p, content.size(), Sha256Hex(content)};
}

CreateRequest V1Request(const fs::path& staging, const std::string& id) {
  CreateRequest req;
  req.id = id;
  req.created = "2026-11-23T10:00:00Z";
  req.files = {Stage(staging, "METS.xml", "<mets>1</mets>"),
               Stage(staging, "metadata/preservation/premis.xml", "<premis>1</premis>"),
               Stage(staging, "representations/rep1/data/a.doc", std::string(4000, 'a'))};
  return req;
}

AddVersionRequest V2Request(const fs::path& staging) {
  AddVersionRequest req;
  req.id = kId;
  req.expected_head = 1;
  req.created = "2026-11-24T10:00:00Z";
  req.message = "migration";
  req.files = {Stage(staging, "representations/rep2-pdf/data/a.pdf", "%PDF" + std::string(6000, 'p')),
               Stage(staging, "representations/rep2-pdf/data/b.pdf", "%PDF-b"),
               Stage(staging, "METS.xml", "<mets>2</mets>"),
               Stage(staging, "metadata/preservation/premis.xml", "<premis>2</premis>")};
  return req;
}

struct Opened {
  std::unique_ptr<tiers::Tier> tier;
  std::unique_ptr<OcflStore> store;
};

Opened Open(const fs::path& tier_dir) {
  Opened o;
  auto tier = tiers::OpenLocalTier("primary", tier_dir);
  EXPECT_OK(tier);
  if (!tier.ok()) return o;
  o.tier = *std::move(tier);
  auto store = OcflStore::Open(*o.tier);
  EXPECT_OK(store);
  if (store.ok()) o.store = *std::move(store);
  return o;
}

// The object files of kId at v1 and at v2 as an uninterrupted run writes them, and of the
// sibling.
struct Reference {
  std::map<std::string, std::string> v1, v2, sibling;
};

const Reference& Ref() {
  static const Reference ref = [] {
    Reference r;
    TempDir dir;
    Opened o = Open(dir / "tier");
    EXPECT_OK(o.store->CreateObject(V1Request(dir / "staging", kId)));
    EXPECT_OK(o.store->CreateObject(V1Request(dir / "staging", kSibling)));
    r.v1 = Snapshot(dir / "tier" / OcflStore::ObjectPath(kId));
    r.sibling = Snapshot(dir / "tier" / OcflStore::ObjectPath(kSibling));
    EXPECT_OK(o.store->AddVersion(V2Request(dir / "staging")));
    r.v2 = Snapshot(dir / "tier" / OcflStore::ObjectPath(kId));
    return r;
  }();
  return ref;
}

// A fresh storage root in `dir`/tier with kId at v1 (or v2) and the sibling at v1.
void MakeStorageRoot(const fs::path& dir, int head) {
  Opened o = Open(dir / "tier");
  ASSERT_TRUE(o.store);
  ASSERT_OK(o.store->CreateObject(V1Request(dir / "staging", kId)));
  ASSERT_OK(o.store->CreateObject(V1Request(dir / "staging", kSibling)));
  if (head == 2) ASSERT_OK(o.store->AddVersion(V2Request(dir / "staging")));
}

// Child halves: run only when the parent sets VAULT_STORE_CRASH_DIR.
TEST(VersionCrashTest, DISABLED_ChildAddsVersion) {
  const char* dir = std::getenv("VAULT_STORE_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "child half of the AddVersion crash tests";
  Opened o = Open(fs::path(dir) / "tier");
  ASSERT_TRUE(o.store);
  ASSERT_OK(o.store->AddVersion(V2Request(fs::path(dir) / "child-staging")));
}

TEST(VersionCrashTest, DISABLED_ChildRollsBack) {
  const char* dir = std::getenv("VAULT_STORE_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "child half of the RollbackVersion crash tests";
  Opened o = Open(fs::path(dir) / "tier");
  ASSERT_TRUE(o.store);
  ASSERT_OK(o.store->RollbackVersion(kId, 1));
}

enum class State { kOldHead, kOldHeadWithLeftover, kInSwap, kNewHead };

const char* StateName(State s) {
  switch (s) {
    case State::kOldHead: return "old head";
    case State::kOldHeadWithLeftover: return "old head + uncommitted v2/";
    case State::kInSwap: return "inside the root swap";
    case State::kNewHead: return "new head";
  }
  return "?";
}

// What a crash left of kId: one of the four states, checked; v1 and the sibling intact.
State Classify(OcflStore& s, const fs::path& tier_dir) {
  const Reference& ref = Ref();
  const fs::path obj = tier_dir / OcflStore::ObjectPath(kId);
  const auto now = Snapshot(obj);
  // v1 (declaration, v1/) is byte-identical to what it was, whatever the state.
  for (const auto& [rel, bytes] : ref.v1) {
    if (rel.starts_with("v1/") || rel == "0=ocfl_object_1.1") {
      auto it = now.find(rel);
      EXPECT_TRUE(it != now.end() && it->second == bytes) << "v1 file changed: " << rel;
    }
  }
  EXPECT_EQ(Snapshot(tier_dir / OcflStore::ObjectPath(kSibling)), ref.sibling);
  auto sib = s.VerifyObject(kSibling, VerifyOptions{});
  EXPECT_OK(sib);
  if (sib.ok()) {
    EXPECT_TRUE(sib->empty());
  }

  auto head = s.HeadVersion(kId);
  if (head.ok()) {
    auto findings = s.VerifyObject(kId, VerifyOptions{});
    EXPECT_OK(findings);
    if (!findings.ok()) return State::kInSwap;
    if (*head == 2) {
      EXPECT_TRUE(findings->empty()) << "a committed v2 is complete";
      EXPECT_EQ(now, ref.v2);
      return State::kNewHead;
    }
    EXPECT_EQ(*head, 1);
    for (const Finding& f : *findings) {
      EXPECT_EQ(f.kind, FindingKind::kUnexpectedFile) << f.path;
      EXPECT_TRUE(f.path.starts_with("v2/") || f.path.starts_with(".vault-tmp-")) << f.path;
    }
    return findings->empty() ? State::kOldHead : State::kOldHeadWithLeftover;
  }
  // Inside the swap: the root inventory is absent or one version's, and v2 (which is durable
  // before any swap starts) is complete.
  EXPECT_TRUE(head.status().code() == Code::kNotFound || head.status().code() == Code::kCorruption)
      << head.status().ToString();
  auto root = now.find("inventory.json");
  if (root != now.end()) {
    EXPECT_TRUE(root->second == ref.v1.at("inventory.json") ||
                root->second == ref.v2.at("inventory.json"));
  }
  for (const auto& [rel, bytes] : ref.v2) {
    if (rel.starts_with("v2/")) {
      auto it = now.find(rel);
      EXPECT_TRUE(it != now.end() && it->second == bytes) << "v2 incomplete in a swap: " << rel;
    }
  }
  return State::kInSwap;
}

void ExpectValidRoot(const fs::path& tier_dir) {
  auto report = ocfl::ValidateStorageRoot(tier_dir);
  ASSERT_OK(report);
  EXPECT_TRUE(report->valid) << FirstError(*report);
  EXPECT_EQ(report->objects_checked, 2);
}

// kId verifies clean and is sealed; the storage root is valid.
void ExpectCleanSealedValid(OcflStore& s, const fs::path& tier_dir) {
  auto findings = s.VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  EXPECT_TRUE(findings->empty());
  EXPECT_TRUE(*s.tier().IsSealed(OcflStore::ObjectPath(kId)));
  ASSERT_NO_FATAL_FAILURE(ExpectValidRoot(tier_dir));
}

// Recovery by rollback: exactly the v1 object; then the version can be added again.
void RecoverByRollback(OcflStore& s, const fs::path& dir) {
  const fs::path tier_dir = dir / "tier";
  ASSERT_OK(s.RollbackVersion(kId, 1));
  EXPECT_EQ(*s.HeadVersion(kId), 1);
  EXPECT_EQ(Snapshot(tier_dir / OcflStore::ObjectPath(kId)), Ref().v1);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanSealedValid(s, tier_dir));
  ASSERT_OK(s.AddVersion(V2Request(dir / "retry-staging")));
  EXPECT_EQ(Snapshot(tier_dir / OcflStore::ObjectPath(kId)), Ref().v2);
}

// Recovery by retry: exactly the object an uninterrupted AddVersion writes.
void RecoverByRetry(OcflStore& s, const fs::path& dir) {
  const fs::path tier_dir = dir / "tier";
  ASSERT_OK(s.AddVersion(V2Request(dir / "retry-staging")));
  EXPECT_EQ(*s.HeadVersion(kId), 2);
  EXPECT_EQ(Snapshot(tier_dir / OcflStore::ObjectPath(kId)), Ref().v2);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanSealedValid(s, tier_dir));
}

// The end of a sweep over every crash point of `op`: the child completed at last; prints how
// many crash points it had and the states they left.
void ExpectCompletedAndReport(const char* op, bool finished, int crashes,
                              const std::map<State, int>& states) {
  EXPECT_TRUE(finished) << "the child never completed";
  std::cerr << op << " crashed at " << crashes << " crash points:";
  for (const auto& [st, count] : states) std::cerr << " " << StateName(st) << " " << count << ";";
  std::cerr << " then completed\n";
}

// Every crash point of AddVersion (by count), each state recovered both ways.
TEST(VersionCrashTest, AddVersionCrashAtEveryPoint) {
  ASSERT_FALSE(Ref().v2.empty());
  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::map<State, int> states;
  int crashes = 0;
  bool finished = false;
  for (int n = 1; n <= 300 && !finished; ++n) {
    SCOPED_TRACE("VAULT_CRASH_AT=" + std::to_string(n));
    for (bool rollback : {true, false}) {
      SCOPED_TRACE(rollback ? "recovered by RollbackVersion" : "recovered by an AddVersion retry");
      TempDir dir;
      ASSERT_NO_FATAL_FAILURE(MakeStorageRoot(dir.path(), 1));
      bool done = false;
      int crashed = 0;
      ASSERT_NO_FATAL_FAILURE(::vault::testing::RunChildCrashingAt(
          self, n, dir.path(), "VersionCrashTest.DISABLED_ChildAddsVersion", &done, &crashed));
      Opened o = Open(dir / "tier");
      ASSERT_TRUE(o.store);
      const State st = Classify(*o.store, dir / "tier");
      if (rollback) {
        finished = done;
        crashes += crashed;
        if (crashed) ++states[st];
        if (done) {
          EXPECT_EQ(st, State::kNewHead);
        }
        ASSERT_NO_FATAL_FAILURE(RecoverByRollback(*o.store, dir.path()));
      } else {
        ASSERT_NO_FATAL_FAILURE(RecoverByRetry(*o.store, dir.path()));
      }
    }
  }
  ExpectCompletedAndReport("AddVersion", finished, crashes, states);
  EXPECT_GE(crashes, 15);
  EXPECT_GE(states[State::kOldHeadWithLeftover], 1);
  EXPECT_GE(states[State::kInSwap], 1);
  EXPECT_GE(states[State::kNewHead], 1);
}

// Every crash point of RollbackVersion (by count): calling it again finishes it.
TEST(VersionCrashTest, RollbackCrashAtEveryPoint) {
  ASSERT_FALSE(Ref().v2.empty());
  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::map<State, int> states;
  int crashes = 0;
  bool finished = false;
  for (int n = 1; n <= 300 && !finished; ++n) {
    SCOPED_TRACE("VAULT_CRASH_AT=" + std::to_string(n));
    TempDir dir;
    ASSERT_NO_FATAL_FAILURE(MakeStorageRoot(dir.path(), 2));
    int before = crashes;
    ASSERT_NO_FATAL_FAILURE(::vault::testing::RunChildCrashingAt(
        self, n, dir.path(), "VersionCrashTest.DISABLED_ChildRollsBack", &finished, &crashes));
    Opened o = Open(dir / "tier");
    ASSERT_TRUE(o.store);
    const State st = Classify(*o.store, dir / "tier");
    if (crashes > before) ++states[st];
    if (finished) {
      EXPECT_EQ(st, State::kOldHead);
    }
    ASSERT_NO_FATAL_FAILURE(RecoverByRollback(*o.store, dir.path()));
  }
  ExpectCompletedAndReport("RollbackVersion", finished, crashes, states);
  EXPECT_GE(crashes, 10);
  EXPECT_GE(states[State::kNewHead], 1);
  EXPECT_GE(states[State::kInSwap], 1);
  EXPECT_GE(states[State::kOldHeadWithLeftover], 1);
}

// Each named crash point is reached, and leaves the state its place in the order implies.
TEST(VersionCrashTest, NamedCrashPoints) {
  ASSERT_FALSE(Ref().v2.empty());
  const fs::path self = fs::read_symlink("/proc/self/exe");
  struct Point {
    const char* name;
    int setup_head;
    State want;
  };
  const Point points[] = {
      {"store:version:unsealed", 1, State::kOldHead},
      {"store:version:content-put", 1, State::kOldHeadWithLeftover},
      {"store:version:version-durable", 1, State::kOldHeadWithLeftover},
      {"store:version:version-sealed", 1, State::kOldHeadWithLeftover},
      {"store:version:root-removed", 1, State::kInSwap},
      {"store:version:root-inventory-put", 1, State::kInSwap},
      {"store:version:root-committed", 1, State::kNewHead},
      {"store:rollback:unsealed", 2, State::kNewHead},
      {"store:rollback:root-removed", 2, State::kInSwap},
      {"store:rollback:root-inventory-put", 2, State::kInSwap},
      {"store:rollback:root-committed", 2, State::kOldHeadWithLeftover},
      {"store:rollback:version-removed", 2, State::kOldHead},
      {"store:rollback:durable", 2, State::kOldHead},
  };
  for (const Point& p : points) {
    SCOPED_TRACE(p.name);
    for (bool rollback : {true, false}) {
      TempDir dir;
      ASSERT_NO_FATAL_FAILURE(MakeStorageRoot(dir.path(), p.setup_head));
      const char* child = p.setup_head == 1 ? "VersionCrashTest.DISABLED_ChildAddsVersion"
                                            : "VersionCrashTest.DISABLED_ChildRollsBack";
      auto status = ::vault::testing::RunChildCrashingAtName(self, p.name, dir.path(), child);
      ASSERT_TRUE(status.has_value());
      ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
          << "crash point not reached: " << ReadFile(dir / "child.log");
      Opened o = Open(dir / "tier");
      ASSERT_TRUE(o.store);
      EXPECT_EQ(Classify(*o.store, dir / "tier"), p.want) << p.name;
      if (rollback) {
        ASSERT_NO_FATAL_FAILURE(RecoverByRollback(*o.store, dir.path()));
      } else {
        ASSERT_NO_FATAL_FAILURE(RecoverByRetry(*o.store, dir.path()));
      }
    }
  }
}

}  // namespace
}  // namespace vault::store
