// RetentionExecutor: the archivists' workflow of docs/RETENTION.md — review, retention changes,
// legal holds, disposal batches — and DisposalExecutor, the one path that destroys objects.
//
// Every change is an event (docs/RETENTION.md §3) committed through the ingester's Commit, so
// the catalog is its materialised view and a rebuild from the log gives the same state. The
// policy decisions (expiry, longest period) are policies/retention's; this class checks the
// workflow's rules and records the outcome, refusals included.
//
// Locking: one mutex serialises every retention change (sweep, extend, permanent, holds,
// propose, approve, cancel, execute). Execution re-checks approval, deadline, holds, expiry and
// unchanged retention for every object while holding it, and appends the `deaccession` events
// before letting go: a hold placed "at the same time" is either seen by the check or refused
// because the object is already being destroyed.
//
// Destruction of one object (DisposalExecutor): under the object lock that fixity and placement
// also take, every tier's copy is purged (OcflStore::PurgeObject, root inventory first), absence
// is verified on every tier, then one `deletion` event removes it from the catalog and completes
// its tombstone. A crash anywhere is finished by Recover(): objects "destroying" are purged and
// logged; executed batches without their `appraisal executed` event get their record and event.
//
// Threading: thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policies/retention.h"
#include "vault/base/clock.h"
#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/daemon/config.h"
#include "vault/fixity/scheduler.h"
#include "vault/store/ocfl_store.h"

namespace vault::lifecycle {

// The answer to a workflow request. A refusal is a Status with a stable rule id
// (docs/RETENTION.md §7): kInvalidArgument (bad input), kNotFound, kPermissionDenied
// (self-approval, write once), kFailedPrecondition (state conflicts, deadline, holds).
struct Verdict {
  Status status;
  std::string rule;
  nlohmann::json value;
  bool ok() const { return status.ok(); }
  static Verdict Ok(nlohmann::json v) { return {Status::Ok(), "", std::move(v)}; }
  static Verdict Refuse(Status s, std::string rule) { return {std::move(s), std::move(rule), {}}; }
};

struct RetentionEnv {
  catalog::Catalog* catalog = nullptr;
  fixity::CommitFn commit;
  std::vector<std::pair<std::string, store::OcflStore*>> tiers;  // config order
  fixity::Fixity* fixity = nullptr;  // object locks (may be null in tests)
  Clock* clock = nullptr;
  std::shared_ptr<const policies::RetentionSchedule> schedule;
  daemon::RetentionConfig config;
  int utc_offset_hours = 7;
  std::filesystem::path records_dir;  // <home>/disposals: the destruction dossiers
  std::string agency;                 // shown on the reports
  // Called with the log head after each destruction, for the record (may be empty).
  std::function<std::pair<uint64_t, std::string>()> log_head;
};

class RetentionExecutor {
 public:
  explicit RetentionExecutor(RetentionEnv env);

  // Marks every object whose retention has expired as due ("appraisal" action "due").
  // Returns {"newly_due": n, "due": total in review}.
  Verdict Sweep(const std::string& agent);
  // Objects in review with their holds and batch. Filters: rule (exact), expired_before
  // ("YYYY-MM-DD": expiry before it), q (substring of file code or title).
  Result<nlohmann::json> DueList(const std::string& rule, const std::string& expired_before,
                                 const std::string& q) const;
  Verdict Extend(const std::string& object_id, const std::string& rule, const std::string& reason,
                 const std::string& agent);
  Verdict MakePermanent(const std::string& object_id, const std::string& reason,
                        const std::string& agent);
  Verdict PlaceHold(const std::string& object_id, const std::string& reason,
                    const std::string& mandate, const std::string& agent);
  Verdict ReleaseHold(const std::string& hold_id, const std::string& reason,
                      const std::string& agent);
  Result<nlohmann::json> Holds() const;
  Verdict Propose(const std::vector<std::string>& object_ids, const std::string& reason,
                  const std::string& agent);
  Verdict Approve(const std::string& batch, const std::string& decision,
                  const std::string& decision_date, const std::string& agent);
  Verdict Cancel(const std::string& batch, const std::string& reason, const std::string& agent);
  Verdict Execute(const std::string& batch, const std::string& agent);
  Result<nlohmann::json> Batches() const;
  Result<std::optional<nlohmann::json>> Batch(const std::string& batch) const;
  // The danh mục of a batch as CSV / printable HTML; the destruction record as XML / HTML.
  Result<std::string> BatchReport(const std::string& batch, const std::string& format) const;
  Result<std::string> DestructionRecord(const std::string& batch, const std::string& format) const;
  // The review list as CSV / HTML (same filters as DueList).
  Result<std::string> DueReport(const nlohmann::json& due_list, const std::string& format,
                                const std::string& agent) const;

  // Logs a refused attempt to delete or overwrite a stored object ("deletion", failure).
  void RefuseWrite(const std::string& object_id, const std::string& via, const std::string& agent);

  // Finishes destructions and batch executions a crash interrupted. Run before fixity and
  // placement start.
  Status Recover();

  // Counts for the metrics.
  struct Counts {
    uint64_t due = 0, holds = 0, tombstones = 0, proposed = 0, approved = 0, overdue = 0;
    double oldest_proposed_s = 0, oldest_approved_s = 0;
  };
  Result<Counts> GetCounts() const;

 private:
  friend class DisposalExecutor;
  Verdict ChangeRetention(const std::string& object_id, const policies::RetentionRule& rule,
                          const std::string& action, const std::string& reason,
                          const std::string& agent);
  Verdict LogRefusal(const std::string& type, const std::string& object, nlohmann::json detail,
                     const std::string& agent, Verdict v);
  // Every active hold, by object: read once per request, not once per object.
  using HoldMap = std::map<std::string, std::vector<nlohmann::json>>;
  Result<HoldMap> HoldsByObject() const;
  Status FinishBatch(const std::string& batch, const std::string& agent);
  LocalDate Today() const;

  RetentionEnv env_;
  mutable std::mutex mu_;  // serialises retention changes
};

// Destroys objects of an executed batch: the only code that can make a store::PurgeWarrant.
class DisposalExecutor {
 public:
  explicit DisposalExecutor(const RetentionEnv& env) : env_(env) {}
  // Purges every copy of `object_id`, verifies absence on every tier, logs `deletion`.
  // The object's `deaccession` event must be logged already.
  Status Destroy(const std::string& object_id, const std::string& batch, const std::string& agent);

 private:
  const RetentionEnv& env_;
};

}  // namespace vault::lifecycle
