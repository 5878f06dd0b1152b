// Helpers shared by the store tests (ocfl_store_test.cc, ocfl_store_replication_test.cc,
// ocfl_store_seal_purge_test.cc, ocfl_store_version_test.cc, ocfl_store_version_crash_test.cc):
// file-tree snapshots, findings and validator reports as comparable values, a tier that forwards
// to another (for tests that fault one call), and a fixture with two local tiers.
#ifndef VAULT_TESTS_STORE_STORE_FIXTURES_H_
#define VAULT_TESTS_STORE_STORE_FIXTURES_H_

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/validator.h"
#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/tier.h"

namespace vault::store::fixtures {

inline std::string Nfc(std::string_view s) { return *ToNfc(s); }

// "<code> <path> <message>" of the first error of a validator report, or "".
inline std::string FirstError(const ocfl::ValidationReport& r) {
  return r.errors.empty() ? "" : r.errors[0].code + " " + r.errors[0].path + " " +
                                     r.errors[0].message;
}

// Every regular file below `dir`, relative path -> bytes; empty if `dir` is missing.
inline std::map<std::string, std::string> Snapshot(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      out[e.path().lexically_relative(dir).string()] = ::vault::testing::ReadFile(e.path());
    }
  }
  return out;
}

// (kind, path) pairs, sorted, for exact comparisons of findings.
inline std::vector<std::pair<FindingKind, std::string>> Kinds(const std::vector<Finding>& fs) {
  std::vector<std::pair<FindingKind, std::string>> out;
  for (const auto& f : fs) out.emplace_back(f.kind, f.path);
  std::sort(out.begin(), out.end());
  return out;
}

// chmod u+w a file and every directory from `root` (a tier root) down to it: stored objects are
// sealed, and a test damaging one as a user that is not root has to.
inline void MakeWritable(const std::filesystem::path& root, const std::filesystem::path& p) {
  namespace fs = std::filesystem;
  fs::path cur = root;
  for (const auto& part : fs::relative(p, root)) {
    fs::permissions(cur, fs::perms::owner_write, fs::perm_options::add);
    cur /= part;
  }
  if (fs::exists(cur)) fs::permissions(cur, fs::perms::owner_write, fs::perm_options::add);
}

// A tier that forwards every call to `inner`. Tests derive from it and override the calls they
// fault (a failed or damaged put).
class ForwardingTier : public tiers::Tier {
 public:
  explicit ForwardingTier(tiers::Tier& inner) : inner_(inner) {}

  const std::string& name() const override { return inner_.name(); }
  Status PutFile(std::string_view key, const std::filesystem::path& src, bool move) override {
    return inner_.PutFile(key, src, move);
  }
  Status PutBytes(std::string_view key, std::string_view data) override {
    return inner_.PutBytes(key, data);
  }
  Status Sync() override { return inner_.Sync(); }
  Result<size_t> ReadAt(std::string_view key, uint64_t offset, void* buf,
                        size_t n) const override {
    return inner_.ReadAt(key, offset, buf, n);
  }
  Result<std::string> ReadAll(std::string_view key, uint64_t max_bytes) const override {
    return inner_.ReadAll(key, max_bytes);
  }
  Result<tiers::ObjectInfo> Stat(std::string_view key) const override { return inner_.Stat(key); }
  Status List(std::string_view prefix,
              const std::function<bool(std::string_view, const tiers::ObjectInfo&)>& fn)
      const override {
    return inner_.List(prefix, fn);
  }
  Status ListDir(std::string_view dir,
                 const std::function<bool(std::string_view, bool)>& fn) const override {
    return inner_.ListDir(dir, fn);
  }
  Status Remove(std::string_view key) override { return inner_.Remove(key); }
  Status PruneEmpty(std::string_view prefix) override { return inner_.PruneEmpty(prefix); }
  Status Seal(std::string_view prefix) override { return inner_.Seal(prefix); }
  Status Unseal(std::string_view prefix) override { return inner_.Unseal(prefix); }
  Result<bool> IsSealed(std::string_view prefix) const override {
    return inner_.IsSealed(prefix);
  }
  bool IsTemporaryKey(std::string_view key) const override { return inner_.IsTemporaryKey(key); }
  std::optional<std::filesystem::path> LocalPath(std::string_view key) const override {
    return inner_.LocalPath(key);
  }

 protected:
  tiers::Tier& inner() const { return inner_; }

 private:
  tiers::Tier& inner_;
};

// Two local tiers in a temporary directory, "primary" (A) and "offsite" (B), a store on each,
// and dir_/in for staged files.
class TwoTierStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [name, tier, store] :
         {std::tuple{"primary", &tier_a_, &a_}, std::tuple{"offsite", &tier_b_, &b_}}) {
      auto t = tiers::OpenLocalTier(name, dir_ / name);
      ASSERT_OK(t);
      *tier = *std::move(t);
      auto s = OcflStore::Open(**tier);
      ASSERT_OK(s);
      *store = *std::move(s);
    }
    std::filesystem::create_directories(dir_ / "in");
  }

  // Writes `content` to a new file in dir_/in, staged as `logical_path`.
  NewFile Stage(const std::string& logical_path, const std::string& content) {
    std::filesystem::path p = dir_ / "in" / std::to_string(staged_++);
    ::vault::testing::WriteFile(p, content);
    return NewFile{logical_path, p, content.size(), Sha256Hex(content)};
  }

  ::vault::testing::TempDir dir_;
  std::unique_ptr<tiers::Tier> tier_a_, tier_b_;
  std::unique_ptr<OcflStore> a_, b_;
  int staged_ = 0;
};

}  // namespace vault::store::fixtures

#endif  // VAULT_TESTS_STORE_STORE_FIXTURES_H_
