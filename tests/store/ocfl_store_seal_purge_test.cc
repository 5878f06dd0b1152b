// Write once and destruction on the storage side: every object the store writes, copies or
// repairs ends sealed (files 0444, directories 0555; tested on the mode bits, since root may
// write anyway), and PurgeObject (with a PurgeWarrant) removes an object entirely, leaving a
// valid storage root, also when it crashes at any point and is called again.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/validator.h"
#include "tests/store/crash_fork.h"
#include "tests/store/store_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/mem_tier.h"
#include "vault/tiers/tier.h"

// Test-only stand-in for the one class that may make warrants (the real one is in
// vault/lifecycle, which this binary does not link).
namespace vault::lifecycle {
class DisposalExecutor {
 public:
  static store::PurgeWarrant Make(std::string id, std::string batch = "batch-20260101-test") {
    return store::PurgeWarrant(std::move(id), std::move(batch));
  }
};
}  // namespace vault::lifecycle

namespace vault::store {
namespace {

namespace fs = std::filesystem;
using ::vault::lifecycle::DisposalExecutor;
using ::vault::testing::ReadFile;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;
using fixtures::FirstError;
using fixtures::MakeWritable;

constexpr const char* kId = "urn:uuid:purge-sibling-1087";
// sha256 of these two ids share the first 9 hex digits: both objects sit in the same
// 0004 tuple directories (b50/2fa/adb), so purging one must leave the other's branch alone.
constexpr const char* kSibling = "urn:uuid:purge-sibling-129983";

unsigned Mode(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// Every regular file at and below `dir` is 0444 and every directory (`dir` included) 0555.
// Returns the number of entries checked.
int ExpectSealedTree(const fs::path& dir) {
  int checked = 0;
  EXPECT_EQ(Mode(dir), 0555u) << dir;
  ++checked;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st{};
    EXPECT_EQ(::lstat(it->path().c_str(), &st), 0);
    if (S_ISDIR(st.st_mode)) {
      EXPECT_EQ(st.st_mode & 07777, 0555u) << it->path();
    } else {
      EXPECT_TRUE(S_ISREG(st.st_mode)) << it->path();
      EXPECT_EQ(st.st_mode & 07777, 0444u) << it->path();
    }
    ++checked;
  }
  return checked;
}

std::vector<std::string> Keys(const tiers::Tier& t, std::string_view prefix) {
  std::vector<std::string> keys;
  EXPECT_OK(t.List(prefix, [&](std::string_view k, const tiers::ObjectInfo&) {
    keys.emplace_back(k);
    return true;
  }));
  return keys;
}

CreateRequest Request(const fs::path& staging, const std::string& id) {
  CreateRequest req;
  req.id = id;
  req.created = "2026-11-23T10:00:00Z";
  int i = 0;
  for (const std::string name : {"METS.xml", "data/Tờ trình.pdf", "data/sub/deep/c.txt"}) {
    const std::string content = "content of " + name + " in " + id;
    fs::path p = staging / (std::to_string(i++) + "-" + Sha256Hex(id).substr(0, 8));
    WriteFile(p, content);
    req.files.push_back(NewFile{name, p, content.size(), Sha256Hex(content)});
  }
  return req;
}

class SealPurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ta = tiers::OpenLocalTier("primary", dir_ / "primary");
    auto tb = tiers::OpenLocalTier("offsite", dir_ / "offsite");
    ASSERT_OK(ta);
    ASSERT_OK(tb);
    tier_a_ = *std::move(ta);
    tier_b_ = *std::move(tb);
    auto a = OcflStore::Open(*tier_a_);
    auto b = OcflStore::Open(*tier_b_);
    ASSERT_OK(a);
    ASSERT_OK(b);
    a_ = *std::move(a);
    b_ = *std::move(b);
  }
  void Create(OcflStore& s, const std::string& id) {
    ASSERT_OK(s.CreateObject(Request(dir_ / "staging", id)));
  }
  fs::path ObjA(const std::string& id = kId) {
    return dir_ / "primary" / OcflStore::ObjectPath(id);
  }
  fs::path ObjB(const std::string& id = kId) {
    return dir_ / "offsite" / OcflStore::ObjectPath(id);
  }
  std::vector<Finding> Verify(OcflStore& s, const std::string& id = kId) {
    auto f = s.VerifyObject(id, VerifyOptions{});
    EXPECT_OK(f);
    return f.ok() ? *f : std::vector<Finding>{};
  }
  void ExpectValidRoot(const fs::path& root, int objects) {
    auto report = ocfl::ValidateStorageRoot(root);
    ASSERT_OK(report);
    EXPECT_TRUE(report->valid) << FirstError(*report);
    EXPECT_EQ(report->objects_checked, objects);
  }

  TempDir dir_;
  std::unique_ptr<tiers::Tier> tier_a_, tier_b_;
  std::unique_ptr<OcflStore> a_, b_;
};

// ---------------------------------------------------------------------------------------------
// Sealing

TEST_F(SealPurgeTest, StorageRootFilesAreSealedAndItsDirectoriesAreNot) {
  const fs::path root = dir_ / "primary";
  EXPECT_EQ(Mode(root / "0=ocfl_1.1"), 0444u);
  EXPECT_EQ(Mode(root / "ocfl_layout.json"), 0444u);
  EXPECT_GE(ExpectSealedTree(root / "extensions"), 3);  // extensions/, 0004-.../, config.json
  Create(*a_, kId);
  EXPECT_EQ(Mode(root) & 0200, 0200u) << "new objects are added to the storage root";
  fs::path tuple = ObjA().parent_path();
  for (int i = 0; i < 3; ++i, tuple = tuple.parent_path()) {
    EXPECT_EQ(Mode(tuple), 0755u) << tuple;
  }
  // A crash between initialising and sealing: the next Open seals them.
  fs::permissions(root / "ocfl_layout.json", fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(root / "extensions", fs::perms::owner_write, fs::perm_options::add);
  ASSERT_OK(OcflStore::Open(*tier_a_));
  EXPECT_EQ(Mode(root / "ocfl_layout.json"), 0444u);
  EXPECT_EQ(Mode(root / "extensions"), 0555u);
  ExpectValidRoot(root, 1);
}

TEST_F(SealPurgeTest, CreateCopyAndRepairLeaveEveryFileAndDirectorySealed) {
  Create(*a_, kId);
  // object root, 0=, 2 root inventory files, v1, 2 v1 inventory files, content,
  // 3 content files, data, data/sub, data/sub/deep
  EXPECT_EQ(ExpectSealedTree(ObjA()), 14);
  ASSERT_OK(b_->CopyObjectFrom(*a_, kId, dir_ / "staging"));
  EXPECT_EQ(ExpectSealedTree(ObjB()), 14);

  // Damage the sealed copy in three ways (making the paths writable first, as a user that is
  // not root would have to), seal it again, and repair it: sealed once more.
  const fs::path root_b = dir_ / "offsite";
  MakeWritable(root_b, ObjB() / "v1/content/METS.xml");
  { std::ofstream(ObjB() / "v1/content/METS.xml", std::ios::app) << "!"; }
  MakeWritable(root_b, ObjB() / "v1/content/data/sub/deep/c.txt");
  fs::remove(ObjB() / "v1/content/data/sub/deep/c.txt");
  WriteFile(ObjB() / "v1/content/data/stray.bin", "stray");
  MakeWritable(root_b, ObjB() / "inventory.json");
  { std::ofstream(ObjB() / "inventory.json", std::ios::app) << "\n"; }
  ASSERT_OK(tier_b_->Seal(OcflStore::ObjectPath(kId)));
  ASSERT_TRUE(*tier_b_->IsSealed(OcflStore::ObjectPath(kId)));
  auto findings = Verify(*b_);
  EXPECT_GE(findings.size(), 4u);
  auto report = b_->RepairFrom(*a_, kId, findings, dir_ / "attic", dir_ / "staging");
  ASSERT_OK(report);
  EXPECT_EQ(report->moved_aside.size(), 3u);
  EXPECT_TRUE(Verify(*b_).empty());
  EXPECT_EQ(ExpectSealedTree(ObjB()), 14);
  EXPECT_EQ(ReadFile(dir_ / "attic/v1/content/data/stray.bin"), "stray");
  ExpectValidRoot(root_b, 1);
}

TEST_F(SealPurgeTest, TheNextTouchSealsAnObjectACrashLeftUnsealed) {
  Create(*a_, kId);
  const std::string obj = OcflStore::ObjectPath(kId);
  // What a crash between the commit and the last seal leaves: the object root and its
  // inventory files writable (the versions were sealed before the commit).
  auto unseal_root = [&] {
    ASSERT_OK(tier_a_->Unseal(obj));
    for (const char* f : {"inventory.json", "inventory.json.sha512", "inventory.json.sha256"}) {
      if (fs::exists(ObjA() / f)) fs::permissions(ObjA() / f, fs::perms::owner_write,
                                                  fs::perm_options::add);
    }
    ASSERT_FALSE(*tier_a_->IsSealed(obj));
  };
  // A clean verify seals it.
  unseal_root();
  EXPECT_TRUE(Verify(*a_).empty());
  EXPECT_TRUE(*tier_a_->IsSealed(obj));
  ExpectSealedTree(ObjA());
  // So does the retry of the create (kAlreadyExists).
  unseal_root();
  EXPECT_EQ(a_->CreateObject(Request(dir_ / "staging2", kId)).status().code(),
            Code::kAlreadyExists);
  ExpectSealedTree(ObjA());
  // And a copy onto a tier that already has it.
  ASSERT_OK(b_->CopyObjectFrom(*a_, kId, dir_ / "staging"));
  ASSERT_OK(tier_b_->Unseal(obj));
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, dir_ / "staging").code(), Code::kAlreadyExists);
  ExpectSealedTree(ObjB());
  // A verify with findings changes nothing.
  MakeWritable(dir_ / "primary", ObjA() / "v1/content/METS.xml");
  { std::ofstream(ObjA() / "v1/content/METS.xml", std::ios::app) << "!"; }
  EXPECT_EQ(Verify(*a_).size(), 1u);
  EXPECT_EQ(Mode(ObjA() / "v1/content"), 0755u);
  EXPECT_EQ(Mode(ObjA() / "v1/content/METS.xml"), 0644u);
}

// A tier that refuses to put keys ending with a suffix (a disk that fills up at that moment).
class RefusingTier final : public fixtures::ForwardingTier {
 public:
  RefusingTier(tiers::Tier& inner, std::string suffix)
      : ForwardingTier(inner), suffix_(std::move(suffix)) {}
  Status PutFile(std::string_view key, const fs::path& src, bool move) override {
    if (key.ends_with(suffix_)) return Status::ResourceExhausted("disk full (test)");
    return ForwardingTier::PutFile(key, src, move);
  }
  Status PutBytes(std::string_view key, std::string_view data) override {
    if (key.ends_with(suffix_)) return Status::ResourceExhausted("disk full (test)");
    return ForwardingTier::PutBytes(key, data);
  }

 private:
  std::string suffix_;
};

TEST_F(SealPurgeTest, FailedCreateGivesStagedFilesBackAsTheyCame) {
  // The root sidecar cannot be put: v1/ is sealed by then; the staged files moved into it come
  // back to staging with their own mode, and nothing of the object stays.
  RefusingTier refusing(*tier_a_, OcflStore::ObjectPath(kId) + "/inventory.json.sha256");
  auto store = OcflStore::Open(refusing);
  ASSERT_OK(store);
  CreateRequest req = Request(dir_ / "staging", kId);
  for (const NewFile& f : req.files) fs::permissions(f.staged_path, fs::perms(0640));
  auto created = (*store)->CreateObject(req);
  EXPECT_EQ(created.status().code(), Code::kResourceExhausted) << created.status().ToString();
  for (const NewFile& f : req.files) {
    EXPECT_TRUE(fs::exists(f.staged_path)) << f.staged_path;
    EXPECT_EQ(Mode(f.staged_path), 0640u) << f.staged_path;
  }
  EXPECT_TRUE(Keys(*tier_a_, OcflStore::ObjectPath(kId)).empty());
  EXPECT_OK(a_->VerifyAbsent(kId));
  // Retried on the real tier, it is stored (and sealed).
  ASSERT_OK(a_->CreateObject(req));
  ExpectSealedTree(ObjA());
}

TEST_F(SealPurgeTest, MemTierModelsSealing) {
  tiers::MemTier mem("mem");
  auto opened = OcflStore::Open(mem);
  ASSERT_OK(opened);
  OcflStore& m = **opened;
  EXPECT_TRUE(*mem.IsSealed("0=ocfl_1.1"));
  EXPECT_TRUE(*mem.IsSealed("ocfl_layout.json"));
  EXPECT_TRUE(*mem.IsSealed("extensions"));
  ASSERT_OK(m.CreateObject(Request(dir_ / "staging", kId)));
  EXPECT_FALSE(*mem.IsSealed(""));  // the tuple directories are not sealed
  const std::string obj = OcflStore::ObjectPath(kId);
  EXPECT_TRUE(*mem.IsSealed(obj));
  EXPECT_TRUE(*mem.IsSealed(obj + "/v1/content/METS.xml"));
  EXPECT_EQ(mem.PutBytes(obj + "/v1/content/late", "x").code(), Code::kPermissionDenied);
  // Unseal opens the directories only; a clean verify seals them again.
  ASSERT_OK(mem.Unseal(obj));
  EXPECT_FALSE(*mem.IsSealed(obj));
  EXPECT_TRUE(*mem.IsSealed(obj + "/inventory.json"));
  auto clean = m.VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(clean);
  EXPECT_TRUE(clean->empty());
  EXPECT_TRUE(*mem.IsSealed(obj));
  // A copy onto the MemTier, and a repair of it, end sealed too.
  Create(*a_, kSibling);
  ASSERT_OK(m.CopyObjectFrom(*a_, kSibling, dir_ / "staging"));
  const std::string sib = OcflStore::ObjectPath(kSibling);
  EXPECT_TRUE(*mem.IsSealed(sib));
  ASSERT_OK(mem.Remove(sib + "/v1/content/METS.xml"));
  auto findings = m.VerifyObject(kSibling, VerifyOptions{});
  ASSERT_OK(findings);
  ASSERT_EQ(findings->size(), 1u);
  ASSERT_OK(m.RepairFrom(*a_, kSibling, *findings, dir_ / "attic", dir_ / "staging"));
  EXPECT_TRUE(*mem.IsSealed(sib));
  EXPECT_TRUE(m.VerifyObject(kSibling, VerifyOptions{})->empty());
}

// ---------------------------------------------------------------------------------------------
// Purge

TEST_F(SealPurgeTest, PurgeRemovesTheObjectAndLeavesItsSiblingAndAValidRoot) {
  Create(*a_, kId);
  Create(*a_, kSibling);
  ASSERT_EQ(ObjA(kId).parent_path(), ObjA(kSibling).parent_path()) << "same tuple directories";
  const fs::path root = dir_ / "primary";
  ExpectValidRoot(root, 2);
  EXPECT_EQ(a_->VerifyAbsent(kId).code(), Code::kFailedPrecondition);

  ASSERT_OK(a_->PurgeObject(DisposalExecutor::Make(kId)));
  EXPECT_FALSE(fs::exists(ObjA(kId)));
  EXPECT_FALSE(*a_->Exists(kId));
  EXPECT_OK(a_->VerifyAbsent(kId));
  EXPECT_TRUE(Keys(*tier_a_, OcflStore::ObjectPath(kId)).empty());
  ExpectValidRoot(root, 1);
  // The sibling: intact, sealed, its (shared) tuple directories still there.
  EXPECT_TRUE(Verify(*a_, kSibling).empty());
  ExpectSealedTree(ObjA(kSibling));
  std::vector<std::string> incomplete;
  ASSERT_OK(a_->ListIncomplete([&](const std::string& p) {
    incomplete.push_back(p);
    return true;
  }));
  EXPECT_TRUE(incomplete.empty());

  // Idempotent; then the sibling too: nothing of the hierarchy is left, the root stays valid.
  ASSERT_OK(a_->PurgeObject(DisposalExecutor::Make(kId)));
  ASSERT_OK(a_->PurgeObject(DisposalExecutor::Make(kSibling)));
  EXPECT_OK(a_->VerifyAbsent(kSibling));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(root)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"0=ocfl_1.1", "extensions", "ocfl_layout.json"}));
  ExpectValidRoot(root, 0);
  // The id can be stored again (not that the vault would).
  Create(*a_, kId);
  EXPECT_TRUE(Verify(*a_).empty());
}

TEST_F(SealPurgeTest, PurgeRefusesAnotherObjectsWarrantOrDirectory) {
  Create(*a_, kId);
  EXPECT_EQ(a_->PurgeObject(kId, DisposalExecutor::Make(kSibling)).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(a_->PurgeObject(DisposalExecutor::Make("")).code(), Code::kInvalidArgument);
  // A directory at the warrant's object path whose inventory names another id.
  const std::string other = OcflStore::ObjectPath(kSibling);
  ASSERT_OK(tier_a_->PutBytes(other + "/v1/inventory.json",
                              ReadFile(ObjA() / "v1/inventory.json")));  // names kId
  Status s = a_->PurgeObject(DisposalExecutor::Make(kSibling));
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(Keys(*tier_a_, other + "/").size(), 1u) << "nothing removed";
  EXPECT_TRUE(Verify(*a_).empty());
  ExpectSealedTree(ObjA());
}

TEST_F(SealPurgeTest, PurgeOfADamagedObjectAndOfLeftovers) {
  Create(*a_, kId);
  // No root inventory (a crash mid-purge, or bit rot) and a stray file: still purged.
  MakeWritable(dir_ / "primary", ObjA() / "inventory.json");
  fs::remove(ObjA() / "inventory.json");
  WriteFile(ObjA() / "v1/content/stray", "s");
  ASSERT_OK(a_->PurgeObject(DisposalExecutor::Make(kId)));
  EXPECT_OK(a_->VerifyAbsent(kId));
  ExpectValidRoot(dir_ / "primary", 0);

  // VerifyAbsent names what is left: an empty tuple directory, an empty object directory, a file.
  const std::string obj = OcflStore::ObjectPath(kId);
  fs::create_directories(dir_ / "primary" / obj.substr(0, 7));
  Status s = a_->VerifyAbsent(kId);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("empty directory " + obj.substr(0, 7)), std::string_view::npos)
      << s.ToString();
  fs::create_directories(ObjA());
  s = a_->VerifyAbsent(kId);
  EXPECT_NE(s.message().find("object directory"), std::string_view::npos) << s.ToString();
  WriteFile(ObjA() / "v9/x", "x");
  s = a_->VerifyAbsent(kId);
  EXPECT_NE(s.message().find("1 files left"), std::string_view::npos) << s.ToString();
  // Purge clears all of it (nothing an inventory could name: the file is no inventory).
  ASSERT_OK(a_->PurgeObject(DisposalExecutor::Make(kId)));
  EXPECT_OK(a_->VerifyAbsent(kId));
  fs::create_directories(ObjA());
  ASSERT_OK(a_->PurgeObject(DisposalExecutor::Make(kId)));  // only empty directories left
  EXPECT_OK(a_->VerifyAbsent(kId));
  EXPECT_FALSE(fs::exists(dir_ / "primary" / obj.substr(0, 3)));
  ExpectValidRoot(dir_ / "primary", 0);
}

TEST_F(SealPurgeTest, RemovingACopyAsPlacementDoesWorksOnASealedObject) {
  // vault/lifecycle/placement_executor.cc RemoveCopyFiles: Tier::Remove of every key, root
  // inventory first, then PruneEmpty; no unseal.
  Create(*a_, kId);
  Create(*a_, kSibling);
  ExpectSealedTree(ObjA());
  tiers::Tier& t = *tier_a_;
  const std::string obj = OcflStore::ObjectPath(kId);
  ASSERT_OK(t.Remove(obj + "/inventory.json"));
  ASSERT_OK(t.Sync());
  for (const std::string& k : Keys(t, obj + "/")) ASSERT_OK(t.Remove(k));
  ASSERT_OK(t.Sync());
  ASSERT_OK(t.PruneEmpty(obj));
  EXPECT_OK(a_->VerifyAbsent(kId));
  EXPECT_TRUE(Verify(*a_, kSibling).empty());
  ExpectSealedTree(ObjA(kSibling));
  ExpectValidRoot(dir_ / "primary", 1);
}

TEST_F(SealPurgeTest, PurgeOnMemTier) {
  tiers::MemTier mem("mem");
  auto opened = OcflStore::Open(mem);
  ASSERT_OK(opened);
  OcflStore& m = **opened;
  ASSERT_OK(m.CreateObject(Request(dir_ / "staging", kId)));
  ASSERT_OK(m.CreateObject(Request(dir_ / "staging", kSibling)));
  ASSERT_OK(m.PurgeObject(DisposalExecutor::Make(kId, "batch-x")));
  EXPECT_OK(m.VerifyAbsent(kId));
  EXPECT_FALSE(*m.Exists(kId));
  EXPECT_TRUE(Keys(mem, OcflStore::ObjectPath(kId)).empty());
  EXPECT_TRUE(m.VerifyObject(kSibling, VerifyOptions{})->empty());
  EXPECT_TRUE(*mem.IsSealed(OcflStore::ObjectPath(kSibling)));
  ASSERT_OK(m.PurgeObject(DisposalExecutor::Make(kId, "batch-x")));
}

// ---------------------------------------------------------------------------------------------
// Crash sweep: the child purges kId; the parent kills it at every crash point in turn
// (VAULT_CRASH_AT, vault/base/fs.h), then checks the state the crash left and purges again.

TEST(SealPurgeCrashTest, DISABLED_ChildPurges) {
  const char* dir = std::getenv("VAULT_STORE_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "child half of CrashAtEveryPointOfPurge";
  auto tier = tiers::OpenLocalTier("primary", fs::path(dir) / "tier");
  ASSERT_OK(tier);
  auto store = OcflStore::Open(**tier);
  ASSERT_OK(store);
  ASSERT_OK((*store)->PurgeObject(DisposalExecutor::Make(kId)));
}

TEST(SealPurgeCrashTest, CrashAtEveryPointOfPurge) {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  int crashes = 0, crashes_with_object_visible = 0;
  bool finished = false;
  for (int n = 1; n <= 300 && !finished; ++n) {
    SCOPED_TRACE("VAULT_CRASH_AT=" + std::to_string(n));
    TempDir dir;
    {
      auto tier = tiers::OpenLocalTier("primary", dir / "tier");
      ASSERT_OK(tier);
      auto store = OcflStore::Open(**tier);
      ASSERT_OK(store);
      ASSERT_OK((*store)->CreateObject(Request(dir / "staging", kId)));
      ASSERT_OK((*store)->CreateObject(Request(dir / "staging", kSibling)));
    }
    ASSERT_NO_FATAL_FAILURE(::vault::testing::RunChildCrashingAt(
        self, n, dir.path(), "SealPurgeCrashTest.DISABLED_ChildPurges", &finished, &crashes));

    auto tier = tiers::OpenLocalTier("primary", dir / "tier");
    ASSERT_OK(tier);
    auto store = OcflStore::Open(**tier);
    ASSERT_OK(store);
    OcflStore& s = **store;
    // What the crash left: the whole object (it verifies clean) or no object at all (no root
    // inventory), never an object with files missing.
    auto exists = s.Exists(kId);
    ASSERT_OK(exists);
    if (*exists) {
      ++crashes_with_object_visible;
      auto findings = s.VerifyObject(kId, VerifyOptions{});
      ASSERT_OK(findings);
      EXPECT_TRUE(findings->empty()) << "a visible object is whole";
    }
    // Purging again finishes it.
    ASSERT_OK(s.PurgeObject(DisposalExecutor::Make(kId)));
    EXPECT_OK(s.VerifyAbsent(kId));
    EXPECT_FALSE(*s.Exists(kId));
    auto report = ocfl::ValidateStorageRoot(dir / "tier");
    ASSERT_OK(report);
    EXPECT_TRUE(report->valid) << FirstError(*report);
    EXPECT_EQ(report->objects_checked, 1);
    // The sibling in the same tuple directories is intact and sealed.
    auto findings = s.VerifyObject(kSibling, VerifyOptions{});
    ASSERT_OK(findings);
    EXPECT_TRUE(findings->empty());
    ExpectSealedTree(dir / "tier" / OcflStore::ObjectPath(kSibling));
  }
  EXPECT_TRUE(finished) << "the child never completed";
  std::cerr << "purge crashed at " << crashes << " crash points (" << crashes_with_object_visible
            << " with the object still whole), then completed\n";
  // unsealed, 2 root files removed, uncommitted, 6 other files removed, durable.
  EXPECT_GE(crashes, 11);
  EXPECT_GE(crashes_with_object_visible, 1);
}

}  // namespace
}  // namespace vault::store
