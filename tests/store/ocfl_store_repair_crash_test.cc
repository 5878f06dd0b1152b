// Crash safety of OcflStore::RepairFrom: the test re-runs its own binary with VAULT_CRASH_AT=N
// (vault/base/fs.h), which SIGKILLs the child at the N-th crash point of a repair, for every N
// until the child finishes. After each crash the parent verifies the copy again, repairs it
// with what that verify reports (into a second attic) and checks: the copy is clean and equal
// to the source, and every damaged or stray byte string is in one of the attics: nothing lost.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/validator.h"
#include "tests/store/crash_fork.h"
#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/tier.h"

namespace vault::store {
namespace {

namespace fs = std::filesystem;
constexpr const char* kId = "urn:uuid:repair-crash-test-object";

struct Stores {
  std::unique_ptr<tiers::Tier> tier_a, tier_b;
  std::unique_ptr<OcflStore> a, b;
};

Stores OpenStores(const fs::path& dir) {
  Stores s;
  auto ta = tiers::OpenLocalTier("primary", dir / "primary");
  auto tb = tiers::OpenLocalTier("offsite", dir / "offsite");
  EXPECT_TRUE(ta.ok() && tb.ok());
  s.tier_a = *std::move(ta);
  s.tier_b = *std::move(tb);
  auto a = OcflStore::Open(*s.tier_a);
  auto b = OcflStore::Open(*s.tier_b);
  EXPECT_TRUE(a.ok() && b.ok());
  s.a = *std::move(a);
  s.b = *std::move(b);
  return s;
}

// Every regular file below `dir` (recursively): its bytes.
std::vector<std::string> ContentsUnder(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir))
    return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && !e.path().filename().string().starts_with(".vault-")) {
      out.push_back(::vault::testing::ReadFile(e.path()));
    }
  }
  return out;
}

void Overwrite(const fs::path& tier_root, const fs::path& p, const std::string& content) {
  fs::path cur = tier_root;
  for (const auto& part : fs::relative(p, tier_root)) {
    fs::permissions(cur, fs::perms::owner_write, fs::perm_options::add);
    cur /= part;
  }
  if (fs::exists(p))
    fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

// Run only as the child (the parent sets VAULT_STORE_CRASH_DIR): repairs the copy on
// "offsite" from "primary" with what VerifyObject reports.
TEST(OcflStoreRepairCrashTest, DISABLED_ChildRepairs) {
  const char* dir = std::getenv("VAULT_STORE_CRASH_DIR");
  if (dir == nullptr)
    GTEST_SKIP() << "child half of CrashAtEveryPointLosesNothing";
  Stores s = OpenStores(dir);
  auto findings = s.b->VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  ASSERT_FALSE(findings->empty());
  ASSERT_OK(
      s.b->RepairFrom(*s.a, kId, *findings, fs::path(dir) / "attic", fs::path(dir) / "staging"));
}

TEST(OcflStoreRepairCrashTest, CrashAtEveryPointLosesNothing) {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  int crashes = 0;
  bool finished = false;
  for (int n = 1; n <= 300 && !finished; ++n) {
    SCOPED_TRACE("VAULT_CRASH_AT=" + std::to_string(n));
    ::vault::testing::TempDir dir;
    // A copy on A, replicated to B, then B damaged in four ways at once.
    std::vector<std::string> damaged_bytes;
    {
      Stores s = OpenStores(dir.path());
      CreateRequest req;
      req.id = kId;
      req.created = "2026-11-23T10:00:00Z";
      for (const std::string name : {"a.txt", "b/c.txt", "d.txt"}) {
        fs::path staged = dir / ("in-" + std::to_string(req.files.size()));
        ::vault::testing::WriteFile(staged, "content of " + name);
        req.files.push_back(
            NewFile{name, staged, ("content of " + name).size(), Sha256Hex("content of " + name)});
      }
      ASSERT_OK(s.a->CreateObject(req));
      ASSERT_OK(s.b->CopyObjectFrom(*s.a, kId, dir / "staging"));
      const fs::path obj = dir / "offsite" / OcflStore::ObjectPath(kId);
      Overwrite(dir / "offsite", obj / "v1/content/a.txt", "CONTENT of a.txt");  // same size
      Overwrite(dir / "offsite", obj / "v1/content/stray.txt", "stray bytes");
      fs::remove(obj / "v1/content/d.txt");
      std::string inv = ::vault::testing::ReadFile(obj / "inventory.json");
      Overwrite(dir / "offsite", obj / "inventory.json", inv + "\n");
      damaged_bytes = {"CONTENT of a.txt", "stray bytes", inv + "\n"};
    }

    // Finished: fewer than n crash points, the repair completed.
    ASSERT_NO_FATAL_FAILURE(::vault::testing::RunChildCrashingAt(
        self, n, dir.path(), "OcflStoreRepairCrashTest.DISABLED_ChildRepairs",
        &finished, &crashes));

    // Restart: verify, repair what is reported (a second attic), verify again.
    Stores s = OpenStores(dir.path());
    auto findings = s.b->VerifyObject(kId, VerifyOptions{});
    ASSERT_OK(findings);
    if (finished) {
      EXPECT_TRUE(findings->empty());
    }
    if (!findings->empty()) {
      auto report = s.b->RepairFrom(*s.a, kId, *findings, dir / "attic2", dir / "staging");
      ASSERT_OK(report);
    }
    auto after = s.b->VerifyObject(kId, VerifyOptions{});
    ASSERT_OK(after);
    EXPECT_TRUE(after->empty()) << "first finding: " << after->front().path;
    // Sealed again, whatever the crash left unsealed (the repair, or the clean verify, seals).
    auto sealed = s.tier_b->IsSealed(OcflStore::ObjectPath(kId));
    ASSERT_OK(sealed);
    EXPECT_TRUE(*sealed);
    auto valid = ocfl::ValidateObject(dir / "offsite" / OcflStore::ObjectPath(kId));
    ASSERT_OK(valid);
    EXPECT_TRUE(valid->valid);
    // Nothing lost: every damaged byte string is in an attic.
    std::vector<std::string> attic = ContentsUnder(dir / "attic");
    for (std::string& c : ContentsUnder(dir / "attic2"))
      attic.push_back(std::move(c));
    for (const std::string& d : damaged_bytes) {
      EXPECT_NE(std::find(attic.begin(), attic.end(), d), attic.end())
          << "damaged bytes lost: " << d.substr(0, 40);
    }
  }
  EXPECT_TRUE(finished) << "the child never completed";
  std::cerr << "repair crashed at " << crashes << " crash points, then completed\n";
  EXPECT_GT(crashes, 8) << "expected a crash point at every durability step";
}

}  // namespace
}  // namespace vault::store
