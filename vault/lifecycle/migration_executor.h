// MigrationExecutor: format migration of permanent records (docs/MIGRATION.md).
//
// The policy (policies/migration) says WHAT is migrated and to what; the converters
// (formats/migration) say HOW one file is converted, sandboxed, and how the output is checked.
// This class does it to stored objects:
//
//   Plan()  the pure plan over the catalog: every file of every object, with its PUID, retention,
//           holds, destruction state and earlier migrations and failures (a dry run).
//   Start() runs the plan in the background at bounded concurrency (config.workers objects at
//           once), one object at a time per worker, under the object lock fixity, placement and
//           disposal take. For one object:
//     1. every copy must be "ok" and at the catalog's head version, else the object is skipped;
//     2. each planned source file is copied out of a good copy into a private work directory,
//        its SHA-256 checked against the catalog, converted (sandboxed: own process, fresh HOME,
//        no network, time/CPU/memory/output limits) and the output validated (identifies as the
//        target PUID, PDF/A part and conformance, pages, text, dimensions) — a failure here is a
//        failed `migration` event for that file, and nothing stored changes;
//     3. when at least one file converted, a new OCFL version v(N+1) is built: the outputs under
//        representations/rep2-<target>/data/…, a PREMIS with the outputs (derived from their
//        sources), their formats, one `migration` and one `validation` event per file linking
//        source and outcome, the converter as an agent, and a METS that lists the new
//        representation. The original files stay, byte for byte, in v1 and in the new state;
//     4. an intent record ("migrating/<id>" in the catalog's operational state) is written, then
//        the version is added to EVERY copy (OcflStore::AddVersion, identical bytes on every
//        tier) and each copy is fully verified;
//     5. one `migration` event (success) names the version, the tiers, the new root inventory's
//        SHA-256 and every item; the catalog follows it (materialise). Then the intent goes.
//   Recover() (at start, before fixity and placement): a version that was added to some tiers
//     but never logged (crash between 4 and 5) is undone on every tier (OcflStore::
//     RollbackVersion to the catalog's head); the plan will pick the object up again.
//
// Threading: thread-safe; one run at a time.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "formats/pronom/identify.h"
#include "policies/migration.h"
#include "vault/base/clock.h"
#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/daemon/config.h"
#include "vault/fixity/scheduler.h"
#include "vault/store/ocfl_store.h"

namespace vault::lifecycle {

struct MigrationEnv {
  catalog::Catalog* catalog = nullptr;
  fixity::CommitFn commit;
  std::vector<std::pair<std::string, store::OcflStore*>> tiers;  // config order
  fixity::Fixity* fixity = nullptr;  // object locks (may be null in tests)
  Clock* clock = nullptr;
  std::shared_ptr<const policies::MigrationPolicy> policy;
  std::shared_ptr<const pronom::Identifier> identifier;  // null: nothing can be validated
  daemon::MigrationConfig config;
  std::filesystem::path work_dir;  // private scratch, e.g. <home>/work/migration
};

class MigrationExecutor {
 public:
  explicit MigrationExecutor(MigrationEnv env);
  ~MigrationExecutor();
  MigrationExecutor(const MigrationExecutor&) = delete;
  MigrationExecutor& operator=(const MigrationExecutor&) = delete;

  // The plan over the whole catalog (pure policy function over catalog facts), plus the files
  // skipped because an earlier attempt failed (retry with Start(retry_failed = true)).
  Result<policies::MigrationPlan> Plan(bool retry_failed = false) const;
  // The plan as JSON: {"policy": {...}, "items": [...], "skipped": [...], "counts": {...}}.
  Result<nlohmann::json> PlanJson(bool retry_failed = false) const;

  // Starts a run of the current plan in the background; returns its id. kFailedPrecondition
  // ("migration.running") while another run is going.
  Result<std::string> Start(const std::string& agent, bool retry_failed = false);
  // The run's state: {"id","state": "running"|"done"|"failed","started","finished","planned",
  // "objects","migrated","failed","skipped_objects","items":[...]}. nullopt if unknown.
  std::optional<nlohmann::json> RunStatus(const std::string& id) const;
  // Runs the plan now on the calling thread (tests, Start's worker) and returns the summary.
  Result<nlohmann::json> RunNow(const std::string& agent, bool retry_failed = false);

  // Undoes versions added but never logged (see above). Run before fixity and placement start.
  Status Recover();

  // Stops a background run after the objects in hand (shutdown) and waits for it.
  void Join();

  struct Counts {
    uint64_t migrated = 0, failed = 0, versions = 0, runs = 0;
  };
  Counts GetCounts() const;

 private:
  struct ObjectWork;
  // One object's planned items: convert, validate, add the version everywhere, log.
  nlohmann::json MigrateObject(const std::string& object_id,
                               const std::vector<policies::PlannedMigration>& items,
                               const std::string& agent);
  void Record(const std::string& run_id, const nlohmann::json& object_result);

  MigrationEnv env_;
  mutable std::mutex mu_;  // guards runs_, running_, worker_
  std::map<std::string, nlohmann::json> runs_;
  bool running_ = false;
  std::thread worker_;
  std::atomic<bool> cancel_{false};
  std::atomic<uint64_t> migrated_{0}, failed_{0}, versions_{0}, runs_total_{0};
};

}  // namespace vault::lifecycle
