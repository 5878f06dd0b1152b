// Materialisation: turning logged events into catalog records.
//
// The event log is the history; the catalog is its materialised view. This is the ONE function
// that builds catalog records from an event, used by the ingest commit, by log replay at start
// and by `vaultctl catalog rebuild` — so the three can never disagree. For an ingestion event
// it reads the stored object (OCFL inventory + PREMIS) from the tier the event names.
// Threading: stateless; the stores must be safe for concurrent reads.
#pragma once

#include <map>
#include <set>
#include <string>

#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/log/event_log.h"
#include "vault/store/ocfl_store.h"

namespace vault::ingest {

using StoreMap = std::map<std::string, store::OcflStore*, std::less<>>;

// Adds the records `event` implies to `batch` (and always SetLastAppliedSeq(event.seq)).
// Events about copies (detail {tier, state, version, bytes}; the event time is the time the copy
// was last verified):
//   "ingestion" (success)   the object and its files (of the version the event names, v1),
//                           fingerprint, and the copy on `tier`
//   "migration" (success)   a new version on every tier of `tiers`: the object's files become
//                           that version's state, head/bytes/files follow, copies at that version
//   "replication" (success) a new verified copy on `tier`            → copy ok
//   "recovery" (success)    a damaged copy on `tier` restored, verified → copy ok
//   "fixity check"          a copy changed state (ok ↔ damaged)      → copy `state`
//                           (no object: a cycle summary, only indexed)
//   "transfer" (success)    a move from `from` to `to`: the copy on `from` is dropped and a
//                           pending removal "remove/<from>/<object>" is recorded
// Other event types are only indexed. kNotFound if an ingestion event names an object that no
// tier holds (the catalog must not claim what the tiers do not hold).
// `destroyed`: objects the log later destroys (a successful "deletion"); their ingestion is
// materialised from the event alone when no tier holds them any more (a rebuild), and the later
// events remove them again.
Status MaterializeEvent(const eventlog::Event& event, const StoreMap& stores,
                        catalog::WriteBatch& batch,
                        const std::set<std::string>* destroyed = nullptr);

// Replays every event with seq > the catalog's last applied seq into the catalog, in batches.
// Returns the number of events applied.
Result<uint64_t> ReplayLog(const eventlog::EventLog& log, const StoreMap& stores,
                           catalog::Catalog& catalog);

}  // namespace vault::ingest
