// LocalTier: a Tier on a local (POSIX) file system. A key is the file root/key.
//
// Put protocol (restic local.Save, leveldb SetCurrentFile):
//   copy:  create "<dir>/.vault-tmp-XXXX" (O_EXCL) → write → fsync → close →
//          renameat2(RENAME_NOREPLACE) to the key (link()+unlink() where the file system lacks
//          RENAME_NOREPLACE) → the directory is remembered for Sync().
//   move:  rename(2) src → "<dir>/.vault-tmp-XXXX" → fsync the file (the caller may not have)
//          → rename-noreplace to the key; on failure the file is renamed back to src. When src
//          is on another file system (EXDEV) it falls back to copy, then unlinks src.
// Parent directories are created durably (CreateDirsDurable). A Put never overwrites: the final
// step fails with EEXIST and the Put returns kAlreadyExists.
//
// Leftovers: a crash between the steps above can leave a ".vault-tmp-*" file next to the key.
// List() reports such files like any other entry (checkers must see them); Put() rejects keys
// whose last component starts with ".vault-tmp-". The store's recovery removes them together
// with the incomplete object they belong to.
//
// Crash points (vault/base/fs.h): "tier:put:temp-written", "tier:put:placed",
// "tier:remove:done".
//
// Caveats (operational rules):
//   - Seal() uses permission bits. A process running as root (or with CAP_DAC_OVERRIDE) ignores
//     them: run vaultd as its own unprivileged user, or sealing protects nothing.
//   - Seal() and Unseal() do not fsync: after a power loss a file may come back writable (or a
//     directory sealed). Sealing is defence in depth; the digests in the inventory are what
//     detect change.
//   - Staging should be on the tier's file system; otherwise PutFile(move=true) copies.
//   - The file system should support renameat2(RENAME_NOREPLACE) (ext4, xfs, btrfs, tmpfs do);
//     elsewhere link()+unlink() is used, which needs hard-link support.
//
// Threading: thread-safe; the set of directories awaiting Sync() is guarded by a mutex.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "vault/tiers/tier.h"

namespace vault::tiers {

class LocalTier final : public Tier {
 public:
  static constexpr std::string_view kTempPrefix = ".vault-tmp-";

  // Use OpenLocalTier(); `root` must be an absolute path to an existing directory.
  LocalTier(std::string name, std::filesystem::path root);

  const std::string& name() const override { return name_; }
  Status PutFile(std::string_view key, const std::filesystem::path& src, bool move) override;
  Status PutBytes(std::string_view key, std::string_view data) override;
  Status Sync() override;
  Result<size_t> ReadAt(std::string_view key, uint64_t offset, void* buf,
                        size_t n) const override;
  Result<std::string> ReadAll(std::string_view key, uint64_t max_bytes) const override;
  Result<ObjectInfo> Stat(std::string_view key) const override;
  Status List(std::string_view prefix,
              const std::function<bool(std::string_view key, const ObjectInfo&)>& fn)
      const override;
  Status ListDir(std::string_view dir,
                 const std::function<bool(std::string_view name, bool is_prefix)>& fn)
      const override;
  Status Remove(std::string_view key) override;
  Status PruneEmpty(std::string_view prefix) override;
  // Seal("") seals everything below the root but not the root directory itself.
  Status Seal(std::string_view prefix) override;
  // Unseal("") unseals every directory below the root (the root itself is never sealed).
  Status Unseal(std::string_view prefix) override;
  Result<bool> IsSealed(std::string_view prefix) const override;
  std::optional<std::filesystem::path> LocalPath(std::string_view key) const override;
  bool IsTemporaryKey(std::string_view key) const override;

  const std::filesystem::path& root() const { return root_; }

 private:
  Result<std::filesystem::path> PathFor(std::string_view key) const;
  // The directory for a key prefix given as a directory ("" = root).
  Result<std::filesystem::path> DirFor(std::string_view dir) const;
  Status EnsureParent(const std::filesystem::path& dir);
  // Renames `tmp` to `dest` without overwriting; removes or restores `tmp` on failure
  // (restore_to: where a moved file goes back to; empty = unlink).
  Status Place(const std::filesystem::path& tmp, const std::filesystem::path& dest,
               const std::filesystem::path& restore_to);
  Status CopyToTemp(const std::filesystem::path& src, const std::filesystem::path& tmp);
  // rmdir `dir` and its parents while empty, up to (not including) the root.
  Status PruneUp(std::filesystem::path dir);
  void Touch(const std::filesystem::path& dir);

  const std::string name_;
  const std::filesystem::path root_;
  mutable std::mutex mu_;
  std::set<std::filesystem::path> touched_;  // guarded by mu_: directories to fsync in Sync()
};

}  // namespace vault::tiers
