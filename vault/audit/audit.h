// The offline audit of a vault home (`vaultctl --root DIR audit verify`, docs/RETENTION.md §6).
//
// Reads, never writes: the event log (no lock taken: it works while vaultd runs), the signed
// checkpoints, every configured tier's OCFL storage root (opened read only: a tier that is not a
// storage root is reported, never initialised) and the catalog, and reports every place where
// they disagree with each other or with the log's history. Each break names its place: the
// check, and where they apply the object, tier, path, log segment, line and seq.
//
// Checks (AuditBreak::check):
//   "chain"                 EventLog::VerifyChain: an edited, missing, reordered or torn line
//   "checkpoint.parse"      a checkpoints.jsonl line that is not a checkpoint
//   "checkpoint.key"        checkpoints exist but the public key cannot be read
//   "checkpoint.key_id"     key_id is not the audit key's
//   "checkpoint.signature"  the signature does not verify with the public key
//   "checkpoint.head"       the log's event at the checkpoint's seq does not have head_hash
//                           (the log was rewritten at or before seq), or is missing
//   "checkpoint.order"      a checkpoint's seq is smaller than the previous one's
//   "checkpoint.merkle"     the latest checkpoint's merkle_root (or its counts) differs from the
//                           one recomputed from the storage at its seq; then one more break per
//                           object whose stored entries differ from the catalog's
//   "storage"               an object stored where the log places none (no ingestion event,
//                           destroyed, or not on that tier), a live object missing from a tier
//                           the log places it on, a root inventory that differs from the one
//                           logged at ingestion, a tier that is not a readable storage root
//   "content"               VerifyObject findings of a stored copy (digest, size, missing or
//                           unexpected files, inventory/sidecar mismatches)
//   "catalog"               the catalog is unreadable, or disagrees with the log (objects) or
//                           with the stored inventories (file digests)
//   "disposal"              a deletion without a proposed, approved (by another user, with a
//                           decision), uncancelled batch holding the object, done after the
//                           deadline, during a hold, or without a preceding deaccession event
//
// Memory: objects are audited one at a time (stored entries are reduced to a SHA-256 summary per
// object as they are read and fed to the Merkle builder in order), so what is kept grows with the
// number of objects (ids, flags, summaries), never with their files.
// Threading: one call at a time per home is the intended use; nothing is shared. With content
// checking, each copy's files are hashed on every core by a fixity::HashPool (page cache left as
// it was found, as `vaultctl verify --all` does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vault/base/status.h"
#include "vault/log/event_log.h"

namespace vault::audit {

struct AuditOptions {
  std::filesystem::path public_key_path;  // empty: <home>/keys/audit.pub
  bool check_content = true;              // false: sizes and inventories only, no content read
};

struct AuditBreak {
  std::string check, object, tier, path, segment;
  uint64_t seq = 0, line = 0;
  std::string message;
};

struct AuditCounts {
  uint64_t events = 0, checkpoints = 0, objects = 0, copies = 0, files = 0;
};

struct AuditReport {
  bool intact = true;
  std::vector<AuditBreak> breaks;
  AuditCounts checked;
};

// Audits the vault at `home`. A Status error only when the vault cannot be read at all (no
// vault.toml, unparseable configuration, no log directory): every other problem is a break.
Result<AuditReport> AuditVault(const std::filesystem::path& home, const AuditOptions& options);

// {"intact", "breaks": [{check, object, tier, path, segment, seq, line, message}],
//  "checked": {events, checkpoints, objects, copies, files}}
nlohmann::json ReportToJson(const AuditReport& r);
// One line: "<check> [seq N] [segment:line] [object X] [tier T] [path P]: message".
std::string FormatBreak(const AuditBreak& b);

// Reads every event of the log in `dir` in file order (segments by number), taking no lock and
// writing nothing; lines that do not parse as events are skipped (VerifyChain reports them).
// fn(event, segment file name, 1-based line) returns false to stop. kNotFound when `dir` does
// not exist.
Status ReadLogOffline(const std::filesystem::path& dir,
                      const std::function<bool(const eventlog::Event&, const std::string& segment,
                                               uint64_t line)>& fn);

}  // namespace vault::audit
