// Tier: one storage location of the vault (a local file system today; an object store later).
//
// A tier is a flat key space. A key is a '/'-separated relative path ("abc/def/x.txt") checked
// with vault::CheckSafeRelativePath: no "..", no "." components, not absolute, no empty
// components. A bad key is kInvalidArgument everywhere. Directories are implicit: they exist
// while some key lies under them (object stores have none at all), so the interface never
// exposes them except as the common prefixes ListDir() reports.
//
// The interface is shaped like restic's Backend so that an S3 implementation fits later:
//   - no rename; Put is atomic per key (a reader sees all of the new bytes or no key at all);
//   - write once: a Put never overwrites an existing key (kAlreadyExists);
//   - ranged reads (ReadAt) and bounded whole reads (ReadAll);
//   - durability is explicit: Puts are durable once Sync() returns.
// Decorators (metering, rate limiting, retry on kUnavailable) wrap a Tier.
//
// Error codes: kNotFound (key absent), kAlreadyExists (Put over an existing key),
// kInvalidArgument (bad key), kPermissionDenied (e.g. Put under a sealed prefix),
// kResourceExhausted (disk full, or a read larger than allowed), kUnavailable (tier offline),
// kIoError (anything else).
//
// Threading: every method may be called concurrently from several threads. Concurrent Puts of
// the same key: exactly one succeeds, the others get kAlreadyExists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vault/base/status.h"

namespace vault::tiers {

struct ObjectInfo {
  uint64_t size = 0;
  int64_t mtime_ms = 0;  // last modification, milliseconds since the Unix epoch
};

class Tier {
 public:
  Tier() = default;
  Tier(const Tier&) = delete;
  Tier& operator=(const Tier&) = delete;
  virtual ~Tier() = default;

  // The tier's configured name ("primary", "offsite"...), used in findings and metrics.
  virtual const std::string& name() const = 0;

  // Makes `key` hold the bytes of the local file `src`, atomically (a reader sees all or
  // nothing). With move=true the tier may take `src` (a rename when on the same file system)
  // instead of copying; on success `src` no longer exists. On failure `src` is left where it was
  // (a local tier renames it back). Durable once Sync() returns. kAlreadyExists if the key
  // exists (write once: never overwrite).
  virtual Status PutFile(std::string_view key, const std::filesystem::path& src, bool move) = 0;
  // Same rules as PutFile, with the bytes given in memory.
  virtual Status PutBytes(std::string_view key, std::string_view data) = 0;
  // Makes every Put and Remove since the last Sync durable (local: fsyncs each touched directory
  // once; file contents are already fsynced by the Put itself).
  virtual Status Sync() = 0;

  // Reads up to `n` bytes of `key` starting at `offset` into `buf`. Returns the number of bytes
  // read: less than `n` only at the end of the object (0 at or past the end).
  virtual Result<size_t> ReadAt(std::string_view key, uint64_t offset, void* buf,
                                size_t n) const = 0;
  // The whole object; kResourceExhausted if it is larger than `max_bytes`.
  virtual Result<std::string> ReadAll(std::string_view key, uint64_t max_bytes) const = 0;
  // Size and mtime of `key`; kNotFound if absent (a "directory" is not a key: kNotFound too).
  virtual Result<ObjectInfo> Stat(std::string_view key) const = 0;

  // Every key starting with `prefix` (a plain string prefix as in S3: "ab" matches "ab/c" and
  // "abc"; "" = all), recursively, in lexicographic byte order of the whole key; `fn` returns
  // false to stop early. Never follows symlinks. A missing prefix lists nothing (OK).
  // Local tiers list every non-directory entry, including symlinks and leftovers of
  // interrupted Puts (see LocalTier), so that checkers see them.
  virtual Status List(std::string_view prefix,
                      const std::function<bool(std::string_view key, const ObjectInfo&)>& fn)
      const = 0;

  // The immediate children of `dir` ("" = the tier root; otherwise a key-like path without a
  // trailing '/'), in lexicographic order of their names: keys directly in `dir`
  // (is_prefix=false) and common prefixes one level down (is_prefix=true; S3's
  // ListObjectsV2 with Delimiter="/"). `fn` returns false to stop. A missing dir lists nothing.
  // The default implementation derives this from List(); local tiers override it with readdir.
  // Local tiers may report an empty directory (left by a crash) as a prefix.
  virtual Status ListDir(std::string_view dir,
                         const std::function<bool(std::string_view name, bool is_prefix)>& fn)
      const;

  // Removes `key` (kNotFound if absent), also when it lies under a sealed prefix. Only the
  // store's recovery and (approved) purge paths call this: stored objects are never overwritten.
  // Durable once Sync() returns.
  virtual Status Remove(std::string_view key) = 0;
  // Removes empty directories at and below `prefix`, then empty parents up to the root, also
  // when sealed. For recovery after a crash left directories without keys. Object stores have
  // no directories: the default does nothing.
  virtual Status PruneEmpty(std::string_view prefix);

  // Makes everything under `prefix` (a key, or a "directory" of keys) read-only: local tiers
  // chmod files 0444 and directories 0555. A later Put under a sealed directory fails with
  // kPermissionDenied (EACCES) until Unseal(). Idempotent and cheap to repeat: what is already
  // sealed is left alone (local: no chmod, so no ctime change and no EPERM for a reader that
  // does not own the files). A missing prefix is not an error (nothing to seal).
  virtual Status Seal(std::string_view prefix) = 0;

  // The inverse of Seal() for directories only: Puts under `prefix` work again. Local tiers
  // chmod every directory at and below `prefix` to 0755 ("" = every directory below the root);
  // files keep 0444, so existing keys stay unchangeable (Put creates new files and Remove
  // unlinks: both need only the directory writable). A missing prefix, or a prefix that is a
  // key, is not an error (nothing to do). Used by the store to repair a damaged copy (and, later,
  // to add versions); the caller Seals again when done. A crash in between leaves the prefix
  // unsealed, which costs only the defence in depth that sealing is (see LocalTier caveats).
  virtual Status Unseal(std::string_view prefix) = 0;

  // Whether everything at and below `prefix` is sealed: every key read-only and every directory
  // sealed (local: no write bit in the mode of any regular file or directory; symlinks are not
  // looked at). A missing prefix is sealed (there is nothing to write to). Seal("") leaves the
  // root itself writable and IsSealed("") ignores the root's mode likewise. For checks and tests.
  virtual Result<bool> IsSealed(std::string_view prefix) const = 0;

  // True for keys that are leftovers of an interrupted Put (local: ".vault-tmp-*" files) and
  // never a key anyone put. Recovery code may remove them. Default: none exist.
  virtual bool IsTemporaryKey(std::string_view /*key*/) const { return false; }

  // Local tiers: the file that holds `key` (whether or not it exists); others nullopt. Also
  // nullopt for a bad key. Lets hashing read files directly (posix_fadvise, drop cache).
  virtual std::optional<std::filesystem::path> LocalPath(std::string_view key) const = 0;
};

// Opens the local-file-system tier rooted at `root` (created, with its parents, if missing).
// `root` must be a directory; staging for PutFile(move=true) should be on the same file system
// (otherwise the move degrades to copy + unlink).
Result<std::unique_ptr<Tier>> OpenLocalTier(std::string name, const std::filesystem::path& root);

}  // namespace vault::tiers
