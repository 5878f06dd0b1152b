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
//   object_hash     sha256hex(object_id) → object_id     (schema 2: the last component of the
//                   object's OCFL path, so recovery can tell a damaged stored copy from a
//                   half-written one)
//   verify_queue    tier '\0' 8-byte BE last_verified_ms '\0' object_id → 8-byte BE bytes
//                   (schema 2: oldest-verified-first order for the fixity scheduler; maintained
//                   by PutCopy/DeleteCopy)
//   damaged         object_id → ""   objects that have copies but none in state "ok"
//   state           key → JSON       operational state (fixity cycle cursors, pending removals);
//                   not rebuilt
//   lifecycle       key → JSON       schema 3, rebuilt from the log: "hold/<hold id>",
//                   "batch/<batch id>", "tombstone/<object id>", "review/<object id>" (objects in
//                   review: due, proposed, approved, destroying)
//   meta "tier_stats" → {tier: {"ok","damaged","missing","bytes"}}   maintained by Apply
//
// Migrations: kSchemaVersion is the version this build writes. Open() reads meta
// "schema_version": absent on a fresh environment (then 1 is written), newer than
// kSchemaVersion → refused with kFailedPrecondition (upgrade the software or rebuild the
// catalog), older → each step in the migration table in catalog.cc (MigrateFromN: version N →
// N+1, run inside the same write txn that opens the DBIs) is applied in order and the new
// version is written in that txn, so a migration is all-or-nothing. 1 → 2 builds object_hash,
// verify_queue, damaged and tier_stats from the objects and copies tables.
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
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vault/base/status.h"

namespace vault::catalog {

inline constexpr int kSchemaVersion = 3;

struct ObjectRecord {
  std::string id, file_code, title, state /* "active" | "damaged" */, created, package,
      fingerprint, head_version /* "v1" */,
      retention /* class: "permanent" | "<N>y" | "event" | "unspecified" (placement matches it) */;
  uint64_t bytes = 0, files = 0;
  uint64_t ingest_seq = 0;
  // Schema 3. The retention as recorded (docs/RETENTION.md §3 "retention": rule, kind, years,
  // maintenance, end_year, expiry, mode, language, schedule, source); {} when unknown.
  nlohmann::json retention_info = nlohmann::json::object();
  // Review state: "" (kept), "due" (in review, "Xem xét hủy"), "proposed" / "approved" (in a
  // disposal batch, see `batch`), "destroying" (execution under way).
  std::string review;
  std::string batch;
};
struct FileRecord {
  std::string object_id, path /* logical NFC */, content_path /* "v1/content/..." */, original_name,
      sha256;
  uint64_t size = 0;
  // PRONOM identification (docs/FORMATS.md), from the object's PREMIS: PUID ("" when not
  // identified), format name and version, and the basis: "signature" | "container" |
  // "extension" | "none" ("" for files stored before identification existed, and for METS/PREMIS),
  // and the signature files used (e.g. "DROID V122, container 20260119").
  std::string puid, format_name, format_version, format_basis, format_signatures;
};
// One stored copy of an object on a tier. state: "ok" (verified good), "damaged" (a finding
// not yet repaired), "missing" (the object is not on the tier). last_verified_ms is the last
// time the copy was found good (ingest, replication and repair verify too); operational: a
// rebuilt catalog takes it from the last logged event about the copy.
struct CopyRecord {
  std::string object_id, tier, state, version;
  int64_t last_verified_ms = 0;
  uint64_t bytes = 0;  // content bytes of the object (for rates and per-tier totals)
};
struct TierStats {
  uint64_t ok = 0, damaged = 0, missing = 0, bytes = 0;
  uint64_t copies() const { return ok + damaged + missing; }
};
// An entry of the fixity scheduler's queue.
struct QueuedCopy {
  std::string object_id;
  int64_t last_verified_ms = 0;
  uint64_t bytes = 0;
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
  // Copy record; also moves the copy in verify_queue and adjusts tier_stats and the object's
  // damaged/active state (the object is "damaged" while it has copies and none is "ok").
  void PutCopy(CopyRecord r);
  void DeleteCopy(std::string object_id, std::string tier);
  // Sets last_verified_ms of an existing copy whose state is still `expected_state` (a routine
  // check found it as it was); does nothing when the copy is gone or its state changed since
  // (a concurrent move, repair or state-change event wins).
  void TouchCopy(std::string object_id, std::string tier, std::string expected_state,
                 int64_t last_verified_ms);
  // Removes an object and everything about it (files, copies, fingerprint, review entry): the
  // catalog side of a destruction. Event index entries stay (history).
  void DeleteObject(std::string object_id);
  // Sets top-level fields of an existing object record (its JSON form, e.g. {"review": "due"});
  // when `expect_batch` is not empty, only if the object's batch is still that one. An absent
  // object is skipped (it was destroyed). The review index follows, and the stats follow a
  // change of "bytes" / "files" (a new version). The id cannot change.
  void PatchObject(std::string object_id, nlohmann::json fields, std::string expect_batch = "");
  // Lifecycle records (rebuildable from the log). DeleteRecord of an absent key is fine.
  // MergeRecord sets top-level fields of a record (creating it if absent).
  void PutRecord(std::string key, nlohmann::json value);
  void MergeRecord(std::string key, nlohmann::json fields);
  void DeleteRecord(std::string key);
  // Operational key/value state (not rebuilt). DeleteState of an absent key is fine.
  void PutState(std::string key, nlohmann::json value);
  void DeleteState(std::string key);
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
  struct CopyDelete {
    std::string object_id, tier;
  };
  struct StatePut {
    std::string key;
    std::optional<nlohmann::json> value;  // nullopt = delete
  };
  struct CopyTouch {
    std::string object_id, tier, expected_state;
    int64_t last_verified_ms;
  };
  struct ObjectDelete {
    std::string object_id;
  };
  struct RecordPut {
    std::string key;
    std::optional<nlohmann::json> value;  // nullopt = delete
    bool merge = false;                   // set top-level fields instead of replacing
  };
  struct ObjectPatch {
    std::string object_id;
    nlohmann::json fields;
    std::string expect_batch;
  };
  using Op = std::variant<ObjectRecord, FileRecord, CopyRecord, Fingerprint, EventIndex,
                          LastApplied, Job, CopyDelete, StatePut, CopyTouch, ObjectDelete,
                          RecordPut, ObjectPatch>;
  // Appends every op of `other` (in order).
  void Append(const WriteBatch& other) { ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end()); }
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
  // Copy counts and bytes per tier (O(1): maintained by Apply).
  Result<std::map<std::string, TierStats>> GetTierStats() const;
  // The fixity queue of `tier`, oldest-verified first: up to `limit` copies verified before
  // `before_ms`, starting after (last_verified_ms, object_id) of `after` when given.
  Result<std::vector<QueuedCopy>> ListVerifyQueue(std::string_view tier, int64_t before_ms,
                                                  size_t limit,
                                                  const QueuedCopy* after = nullptr) const;
  // Number of copies on `tier` last verified before `before_ms` (a cursor walk, no values read).
  Result<uint64_t> CountVerifyQueueBefore(std::string_view tier, int64_t before_ms) const;
  // Objects with copies but no good copy, in id order (at most `limit`), and their number.
  Result<std::vector<std::string>> ListDamaged(size_t limit) const;
  Result<uint64_t> CountDamaged() const;
  // The object whose id hashes (sha256 hex) to `hash`, if the catalog knows one.
  Result<std::optional<std::string>> FindObjectByHash(std::string_view hash) const;
  Result<std::optional<nlohmann::json>> GetState(std::string_view key) const;
  // Operational state entries whose key starts with `prefix`, in key order.
  Result<std::vector<std::pair<std::string, nlohmann::json>>> ListState(
      std::string_view prefix) const;
  Result<uint64_t> LastAppliedSeq() const;
  // Lifecycle records (holds, batches, tombstones, review entries).
  Result<std::optional<nlohmann::json>> GetRecord(std::string_view key) const;
  // Records whose key starts with `prefix`, in key order, at most `limit`.
  Result<std::vector<std::pair<std::string, nlohmann::json>>> ListRecords(
      std::string_view prefix, size_t limit = SIZE_MAX) const;
  // Number of records whose key starts with `prefix` (a cursor walk, no values parsed).
  Result<uint64_t> CountRecords(std::string_view prefix) const;

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
