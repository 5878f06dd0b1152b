// The ingest pipeline (DESIGN.md §4): one package in, one OCFL object (or one quarantine entry)
// out, never half of either.
//
// Steps: claim (inbox entry renamed into staging/<job>/package/) → unpack or copy into
// staging/<job>/unpacked (hashing SHA-256 while writing; limits enforced) → BagIt validation →
// NFC names (original bytes kept in PREMIS; collisions rejected) → duplicate check → AIP
// (PRONOM identification of every file; METS.xml + PREMIS) → OCFL v1 on the first tier (root inventory last) → events appended to
// the log (fsync) → catalog commit → receipt → staging removed.
//
// An object counts as stored once its "ingestion" event is in the log. Recover() finishes or
// rolls back whatever a crash interrupted: jobs whose event is logged are finished (receipt,
// cleanup); all others are rolled back — their unacknowledged object (complete or not) is
// removed and an inbox package goes back to inbox/ to be ingested again.
//
// Threading: IngestInboxEntry/IngestExternal may run concurrently on several threads; commits
// are serialised internally. Recover() must run alone, before any ingest.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "vault/base/clock.h"
#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/daemon/config.h"
#include "vault/ingest/home.h"
#include "vault/ingest/materialize.h"
#include "formats/pronom/identify.h"
#include "policies/retention.h"
#include "vault/log/event_log.h"
#include "vault/store/ocfl_store.h"

namespace vault::ingest {

struct Rejection {
  std::string rule;     // stable rule id, e.g. "bagit.manifest.digest_mismatch", "ingest.duplicate"
  std::string path;     // the offending path inside the package ("" when the package as a whole)
  std::string message;  // human-readable, names the place
};

struct Outcome {
  std::string job_id;
  bool accepted = false;
  std::string object_id;                 // accepted: the new object; duplicate: the existing one
  std::optional<Rejection> rejection;    // when rejected
  nlohmann::json errors = nlohmann::json::array();    // every error found (rejected)
  nlohmann::json warnings = nlohmann::json::array();  // validator warnings (accepted or not)
  std::string quarantine_path;           // rejected: where the package (or its reason) went
  std::string receipt_path;              // accepted
  uint64_t bytes = 0;                    // payload bytes
  uint64_t files = 0;                    // payload files
  double seconds = 0;
};

nlohmann::json OutcomeToJson(const Outcome& o);

class Ingester {
 public:
  struct Env {
    HomePaths home;
    catalog::Catalog* catalog = nullptr;
    eventlog::EventLog* log = nullptr;
    StoreMap stores;          // every tier's store, by tier name
    std::string first_tier;   // where new objects are written
    Clock* clock = nullptr;
    daemon::IngestConfig config;
    // Retention (docs/RETENTION.md §2): the schedule in force (with its sha256 filled in) and
    // the default rules per source. Without a schedule, retention metadata is not read.
    std::shared_ptr<const policies::RetentionSchedule> schedule;
    daemon::RetentionConfig retention;
    int utc_offset_hours = 7;  // local dates (end years are checked against the local year)
    // PRONOM identification of every stored file (docs/FORMATS.md); null = not identified
    // (recorded as such in PREMIS).
    std::shared_ptr<const pronom::Identifier> identifier;
  };
  explicit Ingester(Env env);

  // Claims inbox/<name> (rename into staging) and ingests it. The package ends in storage or in
  // quarantine/ with reason.json. Status only for environment failures (I/O, disk full); the
  // package is then returned to the inbox.
  Result<Outcome> IngestInboxEntry(const std::string& name, const std::string& job_id,
                                   const std::string& agent);
  // Ingests a package at `path` without modifying or deleting it. A rejection writes only a
  // reason.json to quarantine/ (the package stays where it is).
  Result<Outcome> IngestExternal(const std::filesystem::path& path, const std::string& job_id,
                                 const std::string& agent);
  // Finishes or rolls back interrupted jobs and removes incomplete objects (see above).
  // Returns the number of jobs recovered.
  Result<int> Recover();

  // True once a job failed after its commit point (the log append): the catalog may lag the
  // log, so every further ingest is refused until a restart replays the log and recovers.
  bool halted() const { return halted_.load(); }

  // Appends events and applies them to the catalog (through MaterializeEvent), in sequence
  // order, for every writer of the vault. Failing after the append halts the ingester.
  Result<std::vector<eventlog::Event>> Commit(std::vector<eventlog::EventDraft> drafts);
  // Runs fn while no commit can happen: the log head and the catalog agree throughout (for
  // signed checkpoints).
  Status WithCommitsPaused(const std::function<Status()>& fn);
  std::string halt_reason() const;

 private:
  struct Job;
  // Runs the job; on failure rolls it back, unless it failed past its commit point (then the
  // ingester halts and leaves the staging directory to Recover()).
  Result<Outcome> RunGuarded(Job& job);
  Result<Outcome> Run(Job& job);
  void Halt(const std::string& why);
  Status FinishRejection(const nlohmann::json& meta, const std::filesystem::path& job_dir);
  Result<Outcome> Reject(Job& job, Rejection r, nlohmann::json errors, nlohmann::json warnings);
  Status RollBack(const nlohmann::json& job_json, const std::filesystem::path& job_dir);
  Status WriteReceipt(const catalog::ObjectRecord& obj, const nlohmann::json& extra);

  Env env_;
  std::mutex mu_;  // guards reserved_
  std::set<std::string> reserved_;  // payload fingerprints of ingests in flight
  std::mutex commit_mu_;  // serialises log append + catalog apply (sequence order)
  std::atomic<bool> halted_{false};
  mutable std::mutex halt_mu_;
  std::string halt_reason_;  // GUARDED_BY(halt_mu_)
};

}  // namespace vault::ingest
