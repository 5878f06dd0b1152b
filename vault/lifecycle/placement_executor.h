// PlacementExecutor: makes the copies the placement policy asks for (DESIGN.md §4: "Then
// replication makes the other copies required by placement policy, each verified after
// writing") and carries out age-based tier moves.
//
// For one object: the catalog's copies → policies::PlanPlacement → actions.
//   replicate  source → target: OcflStore::CopyObjectFrom (digests checked while copying from
//              the source inventory, the written copy read back and verified in full), then one
//              "replication" event; only then does the copy count. A complete copy already on
//              the target that the catalog does not know (a crash after the write, before the
//              event) is verified and counted if good, repaired from the source if not.
//   move       from → to: replicate to `to` as above, then a "transfer" event (the catalog
//              drops the copy on `from` and records a pending removal in the same
//              transaction), then the files on `from` are removed — root inventory first, so
//              the object stops existing there at once — and the pending removal cleared.
//              Pending removals left by a crash are finished by Sweep().
// A sweep pages through every object (bounded memory), applies the policy, retries repair of
// damaged copies that have a good copy elsewhere, and counts objects below policy.
//
// Threading: thread-safe. Start() runs a background thread serving Enqueue()d objects (new
// ingests) at once and a full Sweep() every sweep interval.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "policies/placement.h"
#include "vault/base/clock.h"
#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/fixity/scheduler.h"
#include "vault/store/ocfl_store.h"

namespace vault::lifecycle {

class PlacementObserver {
 public:
  virtual ~PlacementObserver() = default;
  // outcome "ok" | "failed"; tier = destination.
  virtual void OnReplication(const std::string& /*tier*/, const std::string& /*outcome*/) {}
};

struct PlacementEnv {
  std::vector<std::pair<std::string, store::OcflStore*>> tiers;  // config order
  policies::PlacementPolicy policy;
  std::vector<policies::PlacementTier> placement_tiers;
  catalog::Catalog* catalog = nullptr;
  fixity::CommitFn commit;
  fixity::Fixity* fixity = nullptr;  // repairs of damaged copies (may be null)
  Clock* clock = nullptr;
  std::filesystem::path work;   // scratch for copies (same file system as the tiers)
  std::filesystem::path attic;  // damaged files moved aside (see Fixity)
  PlacementObserver* observer = nullptr;
  std::string agent = "vaultd";
};

struct SweepReport {
  uint64_t objects = 0, below_policy = 0, replicated = 0, moved = 0, failed = 0, repairs_tried = 0,
           removals_finished = 0;
};

class PlacementExecutor {
 public:
  explicit PlacementExecutor(PlacementEnv env);
  ~PlacementExecutor();
  PlacementExecutor(const PlacementExecutor&) = delete;
  PlacementExecutor& operator=(const PlacementExecutor&) = delete;

  // Applies the policy to one object now. Returns the decision as planned before acting
  // (with below_policy re-evaluated after the actions).
  Result<policies::PlacementDecision> Apply(const std::string& object_id);
  // Whole vault: finishes pending removals, then every object.
  Result<SweepReport> Sweep();

  void Start(double sweep_interval_seconds);
  void Stop();
  void Enqueue(std::string object_id);
  // Objects below policy at the end of the last sweep (or -1 before the first).
  int64_t below_policy() const { return below_policy_.load(); }
  // Blocks until the queue is empty and no object is being placed (tests, vaultctl --wait).
  void WaitIdle();

 private:
  store::OcflStore* StoreOf(const std::string& tier) const;
  Result<policies::PlacementDecision> ApplyLocked(const std::string& object_id);
  Status Replicate(const std::string& object_id, const std::string& from, const std::string& to,
                   const catalog::ObjectRecord& obj);
  Status RemoveCopyFiles(const std::string& tier, const std::string& object_id);
  Status FinishPendingRemovals(SweepReport* report);
  void Loop(double sweep_interval_seconds);

  PlacementEnv env_;
  std::atomic<int64_t> below_policy_{-1};
  std::mutex sweep_mu_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<std::string> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vault::lifecycle
