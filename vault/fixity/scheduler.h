// Fixity: the scheduler that proves coverage, the verifier of one copy, and repair
// (DESIGN.md §4 Fixity).
//
// Every copy on every tier must be verified at least once per its tier's period P. Each tier
// has a queue in the catalog ordered by the time its copies were last found good
// (verify_queue); the scheduler always takes the oldest. The read rate comes from the pure
// policies::RateEstimator (the rate at which every copy meets its deadline, with headroom,
// inside the tier's time windows), capped by the tier's max_read_mb_s. Progress through a cycle
// (every copy last verified before the cycle started) is kept in the catalog ("fixity/<tier>")
// in the same transaction as the copies' new timestamps, so a restart resumes where it stopped:
// the copies already done have new timestamps and are no longer before the cycle's start.
//
// Checking one copy (CheckCopy): the store verifies it against its inventory (content hashed
// on the shared HashPool, spread over all cores, page cache not polluted); a clean copy gets a
// new last-verified time (a catalog write, no event). Events are written only when a copy's
// state changes: ok → damaged ("fixity check", failure, with the findings) and damaged → ok
// ("recovery", success, after a repair re-verified clean), plus one summary "fixity check"
// event (no object) per completed cycle of a tier. A damaged copy is repaired at once from
// another tier's copy in state ok: the damaged files are moved aside into the attic (never
// deleted), the good ones copied over with their digests checked against the source, and the
// copy verified again. A source found bad on the way is itself checked (and so marked damaged).
// No good copy left → the object is "damaged" in the catalog (vault_objects_damaged alerts).
//
// Threading: all public methods are thread-safe. One object is checked by one thread at a time
// (object-level lock), so a background slice, a manual pass and an API call never repair the
// same object concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "policies/fixity.h"
#include "vault/base/clock.h"
#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/fixity/hash_pool.h"
#include "vault/fixity/rate_limiter.h"
#include "vault/log/event_log.h"
#include "vault/model/finding.h"
#include "vault/store/ocfl_store.h"

namespace vault::fixity {

// Appends events to the log and applies them to the catalog (Ingester::Commit).
using CommitFn =
    std::function<Result<std::vector<eventlog::Event>>(std::vector<eventlog::EventDraft>)>;

struct TierSetup {
  std::string name;
  store::OcflStore* store = nullptr;
  policies::FixityTierPolicy policy;
  store::CheckMode mode = store::CheckMode::kFull;
};

// Metrics hooks (the daemon maps them to Prometheus). Called from worker threads.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void OnCopyVerified(const std::string& /*tier*/, uint64_t /*files*/, uint64_t /*bytes*/) {
  }
  virtual void OnFinding(const std::string& /*tier*/, FindingKind /*kind*/) {}
  // outcome: "repaired" | "failed" | "no_good_copy"
  virtual void OnRepair(const std::string& /*tier*/, const std::string& /*outcome*/) {}
  virtual void OnCycleCompleted(const std::string& /*tier*/) {}
};

struct Env {
  std::vector<TierSetup> tiers;  // config order
  catalog::Catalog* catalog = nullptr;
  CommitFn commit;
  Clock* clock = nullptr;
  HashPool* pool = nullptr;
  std::filesystem::path attic;  // damaged files: attic/<tier>/<UTC time>-<object hash>/...
  std::filesystem::path work;   // scratch space for restores (same file system as the tiers)
  Observer* observer = nullptr;
  std::string agent = "vaultd";
  int object_concurrency = 0;  // objects checked at once; 0 = 2 × hashing threads
  // Pace reads in real time at the tier's max_read_mb_s (token bucket in the hashing threads).
  // Off in tests driven by a fake clock: the slice budgets still hold the planned, capped rate.
  bool realtime_limits = true;
};

// What checking one copy found and did.
struct CopyResult {
  std::string object_id, tier;
  int64_t last_verified_before = 0;       // the copy's last verification before this check
  std::string state_before, state_after;  // "ok" | "damaged" | ...
  std::vector<Finding> findings;          // as first found (before any repair)
  bool repaired = false;
  std::string repair_source;      // tier the repair copied from
  std::string repair_error;       // why no repair happened, when damaged and not repaired
  uint64_t files = 0, bytes = 0;  // files checked, bytes read
};

// A manual pass (`vaultctl verify --all`) as seen by a client.
struct PassProgress {
  std::string id;
  std::string state = "running";  // "running" | "done" | "failed"
  int64_t started_ms = 0, finished_ms = 0;
  uint64_t copies_total = 0, copies_done = 0, bytes_total = 0, bytes_done = 0, files_done = 0;
  std::map<std::string, uint64_t> findings;  // kind → count
  uint64_t damaged_copies = 0, repaired_copies = 0, unrepaired_copies = 0;
  std::vector<nlohmann::json> problems;  // one entry per damaged copy (bounded)
  std::string error;
  nlohmann::json ToJson() const;
};

// A tier's scheduler state, for status and metrics.
struct TierStatus {
  std::string tier;
  int64_t period_s = 0;
  policies::RateEstimator::Plan plan;
  uint64_t cycle = 0;
  int64_t cycle_started_ms = 0, last_cycle_end_ms = 0;
  uint64_t cycle_copies_total = 0, cycle_copies_done = 0;
  bool in_window = true;
};

class Fixity {
 public:
  explicit Fixity(Env env);
  ~Fixity();
  Fixity(const Fixity&) = delete;
  Fixity& operator=(const Fixity&) = delete;

  // Holds one object against every other check, repair or placement action while alive (waits
  // while another thread holds it). Not reentrant.
  class ObjectLock {
   public:
    ObjectLock(Fixity& f, std::string id);
    ~ObjectLock();
    ObjectLock(const ObjectLock&) = delete;
    ObjectLock& operator=(const ObjectLock&) = delete;

   private:
    Fixity& f_;
    std::string id_;
  };

  // Checks the copy of `object_id` on `tier` now (and repairs it if damaged). kNotFound if the
  // catalog has no such copy; kUnavailable when the tier looks unmounted (its storage root
  // declaration is gone: nothing is recorded or repaired then). `limiter` may be null (no cap).
  // With `lock_held` the caller holds an ObjectLock on the object.
  Result<CopyResult> CheckCopy(const std::string& tier, const std::string& object_id,
                               RateLimiter* limiter = nullptr, bool lock_held = false);

  // How often RunSlice re-plans the rate (default 5 minutes; Start() sets it).
  void SetReplanInterval(double seconds) { replan_ms_ = static_cast<int64_t>(seconds * 1000); }

  // One scheduler step for `tier` covering `seconds` of time ending at the clock's now: adds
  // rate × seconds (inside the tier's windows) to the tier's byte budget and verifies the
  // oldest copies while the budget is positive (the last object may overdraw it; the debt is
  // carried). Completes the cycle when no copy older than its start is left. Returns the bytes
  // verified. The background thread calls this every tick; tests call it with a fake clock.
  struct SliceReport {
    uint64_t copies = 0, bytes = 0;
    bool cycle_completed = false;
    double rate = 0;
  };
  Result<SliceReport> RunSlice(const std::string& tier, double seconds);

  // The rate plan for `tier` now (streams the tier's queue through policies::RateEstimator).
  Result<policies::RateEstimator::Plan> PlanRate(const std::string& tier);

  // Background scheduling: one thread running RunSlice for every tier each tick (re-planning
  // the rate every `replan_seconds`). Stop() waits for the thread.
  void Start(double tick_seconds, double replan_seconds = 300);
  void Stop();

  // A manual pass now, over every copy on every tier (or the copies of `object_ids`), at full
  // speed (only the tiers' max_read_mb_s caps apply). Returns its id at once.
  Result<std::string> StartPass(std::vector<std::string> object_ids = {});
  std::optional<PassProgress> GetPass(const std::string& id) const;

  std::vector<TierStatus> TierStatuses() const;

 private:
  struct TierState;
  struct Pass;

  const TierSetup* FindTier(const std::string& name) const;
  TierState& State(const std::string& tier);
  Result<CopyResult> CheckCopyLocked(const TierSetup& t, const std::string& object_id,
                                     RateLimiter* limiter, int depth, catalog::WriteBatch* routine);
  Status Repair(const TierSetup& t, const std::string& object_id, std::vector<Finding> findings,
                CopyResult& result, int depth);
  Status Record(std::vector<eventlog::EventDraft> drafts);
  Result<nlohmann::json> LoadCycle(const std::string& tier);
  void RunPass(std::shared_ptr<Pass> pass, std::vector<std::string> object_ids);
  void BackgroundLoop(double tick_seconds, double replan_seconds);
  // Checks `copies` of `tier` concurrently (object_concurrency at a time); results in order.
  // The routine updates (new last-verified times, conditional on the state being unchanged)
  // are added to `routine` for the caller to apply with its own bookkeeping.
  std::vector<Result<CopyResult>> CheckMany(const TierSetup& t,
                                            const std::vector<std::string>& object_ids,
                                            RateLimiter* limiter, catalog::WriteBatch* routine);
  bool stopping();

  Env env_;
  int concurrency_;
  std::atomic<int64_t> replan_ms_{300'000};
  mutable std::mutex mu_;  // guards states_, passes_, busy_
  std::condition_variable busy_cv_;
  std::set<std::string> busy_;  // objects being checked
  std::map<std::string, std::unique_ptr<TierState>> states_;
  std::map<std::string, std::shared_ptr<Pass>> passes_;
  std::atomic<int> passes_running_{0};

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stop_ = false;
  std::thread bg_;
  std::vector<std::thread> pass_threads_;
};

}  // namespace vault::fixity
