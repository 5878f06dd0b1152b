// MemTier: a Tier held in memory. For tests of the code above the tiers (store, ingest, fixity,
// daemon) and as the second implementation the TierConformanceTest runs on, which keeps the
// interface honest for object stores: it has no directories, no rename and no local paths
// (LocalPath() is nullopt, ListDir() and PruneEmpty() use the Tier defaults).
//
// It follows the local tier's rules: write once, keys checked with CheckSafeRelativePath, a key
// cannot also be a prefix of other keys, Seal(prefix) makes later Puts under that prefix fail
// with kPermissionDenied (Remove still works) until Unseal(prefix), and marks every key under
// it read-only, so that IsSealed() answers as the local tier's modes would. Sync() does nothing:
// nothing here is durable.
// Threading: thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "vault/tiers/tier.h"

namespace vault::tiers {

class MemTier final : public Tier {
 public:
  explicit MemTier(std::string name) : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }
  Status PutFile(std::string_view key, const std::filesystem::path& src, bool move) override;
  Status PutBytes(std::string_view key, std::string_view data) override;
  Status Sync() override { return Status::Ok(); }
  Result<size_t> ReadAt(std::string_view key, uint64_t offset, void* buf,
                        size_t n) const override;
  Result<std::string> ReadAll(std::string_view key, uint64_t max_bytes) const override;
  Result<ObjectInfo> Stat(std::string_view key) const override;
  Status List(std::string_view prefix,
              const std::function<bool(std::string_view key, const ObjectInfo&)>& fn)
      const override;
  Status Remove(std::string_view key) override;
  Status Seal(std::string_view prefix) override;
  // Forgets the sealed marks of `prefix` and of every "directory" below it ("" = all).
  Status Unseal(std::string_view prefix) override;
  // Keys are sealed one by one (Seal marks them; Unseal, like the local tier's, leaves them
  // read-only); "directories" by the marks Seal sets and Unseal clears.
  Result<bool> IsSealed(std::string_view prefix) const override;
  std::optional<std::filesystem::path> LocalPath(std::string_view) const override {
    return std::nullopt;
  }

  // Test hook: replaces the bytes of an existing key, bypassing write-once (simulated damage).
  Status CorruptForTesting(std::string_view key, std::string data);

 private:
  struct Object {
    std::string data;
    int64_t mtime_ms = 0;
    bool sealed = false;  // read-only (Seal); never cleared: write once
  };
  // Whether some key lies under `dir` + "/". Requires mu_.
  bool HasKeysUnder(const std::string& dir) const;

  const std::string name_;
  mutable std::mutex mu_;
  std::map<std::string, Object> objects_;  // guarded by mu_
  std::set<std::string> sealed_dirs_;      // guarded by mu_: "directories" sealed by Seal()
};

}  // namespace vault::tiers
