// The LMDB catalog: the materialised view of the event log plus operational state
// (DESIGN.md §3). It is an INDEX: everything but `jobs` (and last-verified times) can be rebuilt
// from the OCFL storage and the event log (`vaultctl catalog rebuild`).
//
// On-disk schema (schema_version 1). One LMDB environment in `dir` (data.mdb, lock.mdb), opened
// with MDB_NOTLS. Values are compact JSON (readable with mdb_dump, easy to evolve: readers
// ignore unknown fields, missing fields take defaults). Named databases:
//   meta            "schema_version" → 1, "created" → "2026-…" (ISO 8601),
//                   "last_applied_seq" → N, "stats" → {"objects","bytes","files"}
//   objects         object_id → ObjectRecord
//   files           object_id '\0' path → FileRecord          (path = logical NFC path)
//   copies          object_id '\0' tier → CopyRecord
//   fingerprints    payload fingerprint → {"object_id": …}
//   events          8-byte big-endian seq → {"object": …, "type": …}
//   object_events   object_id '\0' 8-byte big-endian seq → {"type": …}
//   jobs            job_id → job JSON (operational; not rebuilt)
//
// Migrations: kSchemaVersion is the version this build writes. Open() reads meta
// "schema_version": absent on a fresh environment (then 1 is written), newer than
// kSchemaVersion → refused with kFailedPrecondition (upgrade the software or rebuild the
// catalog), older → each step in the migration table in catalog.cc (MigrateFromN: version N →
// N+1, run inside the same write txn that opens the DBIs) is applied in order and the new
// version is written in that txn, so a migration is all-or-nothing. There are none yet.
//
// Map size: starts at Options::initial_map_bytes (or the current data file size if larger);
// Apply() grows it by doubling on MDB_MAP_FULL, up to Options::max_map_bytes.
//
// Threading: Catalog is thread-safe. Writers (Apply) are serialised; readers use short read
// txns and never hold one across calls. Growing the map waits for in-flight txns (LMDB
// requires that no txn is active in the process during mdb_env_set_mapsize).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vault/base/status.h"

namespace vault::catalog {

inline constexpr int kSchemaVersion = 1;

struct ObjectRecord {
  std::string id, file_code, title, state /* "active" */, created, package, fingerprint,
      head_version /* "v1" */, retention /* free text for now, e.g. "unspecified" */;
  uint64_t bytes = 0, files = 0;
  uint64_t ingest_seq = 0;
};
struct FileRecord {
  std::string object_id, path /* logical NFC */, content_path /* "v1/content/..." */, original_name,
      sha256;
  uint64_t size = 0;
};
struct CopyRecord {
  std::string object_id, tier, state /* "ok" | "damaged" | "missing" */, version;
  int64_t last_verified_ms = 0;
};
// Maintained incrementally in meta by Apply: O(1) to read.
struct Stats {
  uint64_t objects = 0, bytes = 0, files = 0;
  uint64_t last_applied_seq = 0;
};

// JSON forms (the values stored in LMDB; field names = member names).
nlohmann::json ToJson(const ObjectRecord& r);
nlohmann::json ToJson(const FileRecord& r);
nlohmann::json ToJson(const CopyRecord& r);
// kCorruption on a value that is not an object or has a field of the wrong type.
Result<ObjectRecord> ObjectFromJson(const nlohmann::json& j);
Result<FileRecord> FileFromJson(const nlohmann::json& j);
Result<CopyRecord> CopyFromJson(const nlohmann::json& j);

// Typed operations applied in ONE write txn, in the order they were added. Puts overwrite.
// A plain value: build it on any thread, hand it to Catalog::Apply.
class WriteBatch {
 public:
  // Object record. Stats: a new id adds 1 object and its bytes/files; replacing an existing
  // record adjusts bytes/files by the difference.
  void PutObject(ObjectRecord r);
  void PutFile(FileRecord r);
  void PutCopy(CopyRecord r);
  // Payload fingerprint → object (duplicate detection).
  void PutFingerprint(std::string fingerprint, std::string object_id);
  // Event index: seq → {object, type}, and (object '\0' seq) when object is not empty.
  void IndexEvent(uint64_t seq, std::string object_id, std::string type);
  // Records that the log has been applied up to `seq`. Never moves backwards (the larger of
  // the stored value and `seq` is kept), so replays and rebuilds in any order agree.
  void SetLastAppliedSeq(uint64_t seq);
  // Operational state (jobs); not rebuilt.
  void PutJob(std::string job_id, nlohmann::json job);

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

  struct Fingerprint {
    std::string fingerprint, object_id;
  };
  struct EventIndex {
    uint64_t seq;
    std::string object_id, type;
  };
  struct LastApplied {
    uint64_t seq;
  };
  struct Job {
    std::string id;
    nlohmann::json job;
  };
  using Op =
      std::variant<ObjectRecord, FileRecord, CopyRecord, Fingerprint, EventIndex, LastApplied, Job>;
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

class Catalog {
 public:
  struct Options {
    uint64_t initial_map_bytes = 64ull << 20;
    uint64_t max_map_bytes = 1ull << 40;
  };
  // Opens/creates the environment in `dir` (created if missing). All DBIs are opened once in
  // one committed txn. kFailedPrecondition when the stored schema is newer than this build.
  static Result<std::unique_ptr<Catalog>> Open(const std::filesystem::path& dir, Options o);
  static Result<std::unique_ptr<Catalog>> Open(const std::filesystem::path& dir);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  Catalog(Catalog&&) = delete;
  Catalog& operator=(Catalog&&) = delete;

  // Applies the batch in one txn: all or nothing. On MDB_MAP_FULL the txn is aborted, the map
  // doubled (up to max_map_bytes; beyond → kResourceExhausted) and the batch retried.
  // Thread-safe.
  Status Apply(const WriteBatch& b);

  Result<std::optional<ObjectRecord>> GetObject(std::string_view id) const;
  // Objects in id order starting after `after_id` ("" = from the start), at most `limit`.
  // Each call is one short read txn: page through by passing the last id returned.
  Result<std::vector<ObjectRecord>> ListObjects(std::string_view after_id, size_t limit) const;
  // Files / copies of one object, in path / tier order.
  Result<std::vector<FileRecord>> ListFiles(std::string_view object_id) const;
  Result<std::vector<CopyRecord>> ListCopies(std::string_view object_id) const;
  Result<std::optional<std::string>> FindFingerprint(std::string_view fingerprint) const;
  Result<std::optional<nlohmann::json>> GetJob(std::string_view job_id) const;
  // Event seqs indexed for an object, ascending.
  Result<std::vector<uint64_t>> ListObjectEvents(std::string_view object_id) const;
  Result<Stats> GetStats() const;
  Result<uint64_t> LastAppliedSeq() const;

  // Canonical JSON of everything rebuildable: objects, files, copies (without
  // last_verified_ms), fingerprints, the event index (both directions), stats and
  // last_applied_seq. NOT jobs, NOT meta "created". Two catalogs holding the same facts give
  // equal dumps whatever order the facts were applied in. One read txn; O(catalog size).
  Result<nlohmann::json> DumpRebuildable() const;

  // Current LMDB map size (bytes); for tests and metrics.
  uint64_t MapSizeForTesting() const;

 private:
  struct Impl;
  explicit Catalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::catalog
