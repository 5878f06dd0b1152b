// Thin RAII + error-mapping wrapper over liblmdb (0.9.x). STYLE.md §4 has the rules.
//
// What it is: move-only owners for MDB_env (Env), MDB_txn (Txn) and MDB_cursor (Cursor), the
// one mapping function LmdbStatus(rc, op) from LMDB return codes to Status, and a few helpers
// that copy values out of LMDB memory (an MDB_val is valid only while its txn is alive).
//
// Lifetime rules (from lmdb.h, restated because getting them wrong corrupts memory):
//   - An Env outlives every Txn and Cursor made from it.
//   - A Txn aborts on destruction unless Commit() was called. Commit() frees the handle even
//     when it fails (hence std::exchange in Commit).
//   - A Cursor must be destroyed before its write txn commits: open it in an inner `{}` scope.
//   - Data returned by Get/cursor ops points into the map; copy it out (the helpers here do).
//   - mdb_env_set_mapsize() may only be called while this process has no active txn. Callers
//     that grow the map (vault/catalog) serialise that with their own lock.
//
// Error mapping (LmdbStatus):
//   MDB_NOTFOUND → kNotFound, MDB_MAP_FULL → kResourceExhausted (callers grow the map and
//   retry), MDB_MAP_RESIZED → kUnavailable (retry after mdb_env_set_mapsize(env, 0)),
//   MDB_CORRUPTED/MDB_PAGE_NOTFOUND/MDB_INVALID/MDB_VERSION_MISMATCH → kCorruption,
//   MDB_READERS_FULL/MDB_DBS_FULL/MDB_TXN_FULL/MDB_CURSOR_FULL/MDB_PAGE_FULL → kResourceExhausted,
//   errno values go through Status::FromErrno, anything else → kInternal.
//
// Threading: Env is thread-safe as LMDB is. A Txn/Cursor is used by one thread at a time; with
// MDB_NOTLS a read txn may move between threads (but never be used by two at once).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <lmdb.h>

#include "vault/base/status.h"

namespace vault {

// Maps an LMDB return code to a Status; `op` names the operation ("mdb_put objects", ...).
// rc == MDB_SUCCESS gives OK.
Status LmdbStatus(int rc, std::string_view op);

// True when `s` came from MDB_MAP_FULL (LmdbStatus keeps the marker in the message).
bool IsLmdbMapFull(const Status& s);

namespace lmdb {

// Views LMDB memory as a string_view (valid only while the txn lives).
inline std::string_view ToView(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}
// An MDB_val over `s` (LMDB never writes through a key/data pointer passed to put/get).
inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};  // NOLINT: LMDB's C API is not const
}

class Env {
 public:
  struct Options {
    uint64_t map_bytes = 64ull << 20;
    unsigned max_dbs = 16;
    unsigned max_readers = 126;
    unsigned flags = MDB_NOTLS;  // env flags for mdb_env_open
    unsigned mode = 0640;
  };
  // Creates the environment handle and opens `dir` (which must exist).
  static Result<Env> Open(const std::filesystem::path& dir, const Options& options);

  Env(Env&& o) noexcept : env_(std::exchange(o.env_, nullptr)) {}
  Env& operator=(Env&& o) noexcept {
    if (this != &o) {
      Close();
      env_ = std::exchange(o.env_, nullptr);
    }
    return *this;
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env() { Close(); }

  MDB_env* get() const { return env_; }
  // Current map size in bytes.
  uint64_t MapSize() const;
  // mdb_env_set_mapsize. Precondition: no active txn in this process. 0 adopts the size another
  // process set (after MDB_MAP_RESIZED).
  Status SetMapSize(uint64_t bytes);

 private:
  explicit Env(MDB_env* e) : env_(e) {}
  void Close() {
    if (env_)
      mdb_env_close(std::exchange(env_, nullptr));
  }
  MDB_env* env_ = nullptr;
};

// Move-only; aborts unless committed.
class Txn {
 public:
  // flags: 0 for a write txn, MDB_RDONLY for a reader.
  static Result<Txn> Begin(MDB_env* env, unsigned flags);

  Txn(Txn&& o) noexcept : txn_(std::exchange(o.txn_, nullptr)) {}
  Txn& operator=(Txn&& o) noexcept {
    if (this != &o) {
      Abort();
      txn_ = std::exchange(o.txn_, nullptr);
    }
    return *this;
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { Abort(); }

  // Commits; the handle is freed whatever the outcome.
  Status Commit() && { return LmdbStatus(mdb_txn_commit(std::exchange(txn_, nullptr)), "commit"); }
  void Abort() {
    if (txn_)
      mdb_txn_abort(std::exchange(txn_, nullptr));
  }
  MDB_txn* get() const { return txn_; }

  // Opens (with MDB_CREATE in `flags`: creates) a named database. Only in the startup txn.
  Result<MDB_dbi> OpenDbi(const char* name, unsigned flags) const;
  // Copies the value out; nullopt when the key is absent.
  Result<std::optional<std::string>> Get(MDB_dbi dbi, std::string_view key) const;
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0) const;
  // Deletes the key; absent is OK (returns whether it existed).
  Result<bool> Del(MDB_dbi dbi, std::string_view key) const;

 private:
  explicit Txn(MDB_txn* t) : txn_(t) {}
  MDB_txn* txn_ = nullptr;
};

// Move-only cursor. Destroy it before committing its write txn.
class Cursor {
 public:
  static Result<Cursor> Open(const Txn& txn, MDB_dbi dbi);

  Cursor(Cursor&& o) noexcept : cur_(std::exchange(o.cur_, nullptr)) {}
  Cursor& operator=(Cursor&& o) noexcept {
    if (this != &o) {
      Close();
      cur_ = std::exchange(o.cur_, nullptr);
    }
    return *this;
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { Close(); }

  MDB_cursor* get() const { return cur_; }
  // Positions with `op` (MDB_FIRST, MDB_NEXT, MDB_SET_RANGE with `key` set, ...).
  // Returns false at the end (MDB_NOTFOUND); key/value view txn memory.
  Result<bool> Get(MDB_cursor_op op, std::string_view* key, std::string_view* value);

 private:
  explicit Cursor(MDB_cursor* c) : cur_(c) {}
  void Close() {
    if (cur_)
      mdb_cursor_close(std::exchange(cur_, nullptr));
  }
  MDB_cursor* cur_ = nullptr;
};

}  // namespace lmdb
}  // namespace vault
