#include "vault/lifecycle/placement_executor.h"

#include <chrono>
#include <optional>

#include "vault/base/logging.h"

namespace vault::lifecycle {
namespace {

using nlohmann::json;
constexpr std::string_view kComponent = "placement";

}  // namespace

PlacementExecutor::PlacementExecutor(PlacementEnv env) : env_(std::move(env)) {}

PlacementExecutor::~PlacementExecutor() { Stop(); }

store::OcflStore* PlacementExecutor::StoreOf(const std::string& tier) const {
  for (const auto& [name, s] : env_.tiers) {
    if (name == tier)
      return s;
  }
  return nullptr;
}

Status PlacementExecutor::Replicate(const std::string& id, const std::string& from,
                                    const std::string& to, const catalog::ObjectRecord& obj) {
  store::OcflStore* src = StoreOf(from);
  store::OcflStore* dst = StoreOf(to);
  if (!src || !dst)
    return Status::NotFound("placement names an unconfigured tier");
  store::CopyStats stats;
  Status s = dst->CopyObjectFrom(*src, id, env_.work, &stats);
  if (s.code() == Code::kAlreadyExists) {
    // A complete copy the catalog does not know (a crash between writing it and recording
    // it): it counts only once verified in full.
    VAULT_ASSIGN_OR_RETURN(auto findings, dst->VerifyObject(id, store::VerifyOptions{}));
    if (!findings.empty()) {
      std::filesystem::path attic =
          env_.attic / to / ("unrecorded-" + std::to_string(ToUnixMillis(env_.clock->Now())));
      VAULT_RETURN_IF_ERROR(dst->RepairFrom(*src, id, findings, attic, env_.work).status());
      VAULT_ASSIGN_OR_RETURN(findings, dst->VerifyObject(id, store::VerifyOptions{}));
      if (!findings.empty()) {
        return Status::Corruption("unrecorded copy of " + id + " on " + to +
                                  " is still damaged after repair: " + findings[0].path);
      }
    }
    s = Status::Ok();
  } else if (s.code() == Code::kCorruption && env_.fixity) {
    // Either the source is bad or the written copy did not verify: have the source checked,
    // so that its state is recorded (and repaired if possible) before anyone trusts it again.
    auto r = env_.fixity->CheckCopy(from, id, nullptr, /*lock_held=*/true);
    if (!r.ok())
      LogWarning(kComponent, "cannot check source " + from + ": " + r.status().ToString());
  }
  VAULT_RETURN_IF_ERROR(s);
  json d{{"tier", to},         {"source", from},    {"state", "ok"}, {"version", obj.head_version},
         {"bytes", obj.bytes}, {"files", obj.files}};
  auto ev = env_.commit({{"replication", id, env_.agent, "success", d}});
  VAULT_RETURN_IF_ERROR(ev.status());
  LogInfo(kComponent, "replicated " + id + " " + from + " → " + to + " (" +
                          std::to_string(stats.files) + " files, " + std::to_string(stats.bytes) +
                          " bytes, verified)");
  return Status::Ok();
}

Status PlacementExecutor::RemoveCopyFiles(const std::string& tier, const std::string& id) {
  store::OcflStore* st = StoreOf(tier);
  if (!st)
    return Status::NotFound("no tier '" + tier + "'");
  tiers::Tier& t = st->tier();
  const std::string obj = store::OcflStore::ObjectPath(id);
  // The root inventory first: from then on the object does not exist on this tier.
  Status s = t.Remove(obj + "/inventory.json");
  if (!s.ok() && s.code() != Code::kNotFound)
    return s;
  VAULT_RETURN_IF_ERROR(t.Sync());
  std::vector<std::string> keys;
  VAULT_RETURN_IF_ERROR(t.List(obj + "/", [&](std::string_view k, const tiers::ObjectInfo&) {
    keys.emplace_back(k);
    return true;
  }));
  for (const auto& k : keys) {
    Status r = t.Remove(k);
    if (!r.ok() && r.code() != Code::kNotFound)
      return r;
  }
  VAULT_RETURN_IF_ERROR(t.Sync());
  return t.PruneEmpty(obj);
}

Status PlacementExecutor::FinishPendingRemovals(SweepReport* report) {
  VAULT_ASSIGN_OR_RETURN(auto pending, env_.catalog->ListState("remove/"));
  for (const auto& [key, v] : pending) {
    if (!v.is_object())
      continue;
    std::string id = v.value("object", ""), tier = v.value("tier", "");
    if (id.empty() || tier.empty())
      continue;
    std::optional<fixity::Fixity::ObjectLock> lock;
    if (env_.fixity)
      lock.emplace(*env_.fixity, id);
    VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(id));
    bool counted = false;
    for (const auto& c : copies)
      counted = counted || c.tier == tier;
    if (!counted) {
      Status s = RemoveCopyFiles(tier, id);
      if (!s.ok()) {
        LogError(kComponent,
                 "cannot remove moved copy of " + id + " from " + tier + ": " + s.ToString());
        continue;
      }
    }
    catalog::WriteBatch b;
    b.DeleteState(key);
    VAULT_RETURN_IF_ERROR(env_.catalog->Apply(b));
    if (report)
      ++report->removals_finished;
  }
  return Status::Ok();
}

Result<policies::PlacementDecision> PlacementExecutor::Apply(const std::string& id) {
  // The object is held for the whole decision and its actions: no fixity check or repair may
  // re-record a copy that a move is removing.
  std::optional<fixity::Fixity::ObjectLock> lock;
  if (env_.fixity)
    lock.emplace(*env_.fixity, id);
  return ApplyLocked(id);
}

Result<policies::PlacementDecision> PlacementExecutor::ApplyLocked(const std::string& id) {
  VAULT_ASSIGN_OR_RETURN(auto obj, env_.catalog->GetObject(id));
  if (!obj)
    return Status::NotFound("no object " + id);
  if (obj->review == "destroying")
    return policies::PlacementDecision{};  // an approved destruction is under way: no new copies
  auto facts = [&]() -> Result<policies::ObjectFacts> {
    VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(id));
    policies::ObjectFacts f;
    f.id = id;
    f.retention = obj->retention;
    f.created_ms = ParseIso8601Millis(obj->created).value_or(0);
    for (const auto& c : copies)
      f.copies.push_back({c.tier, c.state});
    return f;
  };
  VAULT_ASSIGN_OR_RETURN(policies::ObjectFacts f, facts());
  const int64_t now = ToUnixMillis(env_.clock->Now());
  policies::PlacementDecision d =
      policies::PlanPlacement(env_.policy, env_.placement_tiers, f, now);
  for (const auto& a : d.actions) {
    // Both kinds start the same way: copy to the target and verify it there.
    const bool move = a.kind == policies::ActionKind::kMove;
    Status s = Replicate(id, a.source_tier, a.target_tier, *obj);
    if (env_.observer)
      env_.observer->OnReplication(a.target_tier, s.ok() ? "ok" : "failed");
    if (!s.ok()) {
      LogError(kComponent, std::string(move ? "move" : "replication") + " of " + id + " " +
                               a.source_tier + " → " + a.target_tier + " failed" +
                               (move ? " while copying: " : ": ") + s.ToString());
      continue;
    }
    if (!move)
      continue;
    // Move: switch, then remove the source copy.
    json d2{{"from", a.source_tier},
            {"to", a.target_tier},
            {"tier", a.target_tier},
            {"reason", a.reason}};
    auto ev = env_.commit({{"transfer", id, env_.agent, "success", d2}});
    if (!ev.ok()) {
      LogError(kComponent, "cannot record move of " + id + ": " + ev.status().ToString());
      continue;
    }
    Status r = RemoveCopyFiles(a.source_tier, id);
    if (r.ok()) {
      catalog::WriteBatch b;
      b.DeleteState("remove/" + a.source_tier + "/" + id);
      r = env_.catalog->Apply(b);
    }
    if (!r.ok()) {
      LogError(kComponent, "moved " + id + " but could not yet remove the copy on " +
                               a.source_tier + " (retried by the next sweep): " + r.ToString());
    } else {
      LogInfo(kComponent, "moved " + id + " " + a.source_tier + " → " + a.target_tier);
    }
  }
  if (!d.actions.empty()) {
    VAULT_ASSIGN_OR_RETURN(f, facts());
    policies::PlacementDecision after =
        policies::PlanPlacement(env_.policy, env_.placement_tiers, f, now);
    d.below_policy = after.below_policy;
    d.good = after.good;
  }
  return d;
}

Result<SweepReport> PlacementExecutor::Sweep() {
  std::lock_guard sweep(sweep_mu_);  // the API's sweep and the background one never overlap
  SweepReport rep;
  VAULT_RETURN_IF_ERROR(FinishPendingRemovals(&rep));
  std::string after;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (stop_)
        break;
    }
    VAULT_ASSIGN_OR_RETURN(auto page, env_.catalog->ListObjects(after, 256));
    if (page.empty())
      break;
    after = page.back().id;
    for (const auto& o : page) {
      ++rep.objects;
      std::optional<fixity::Fixity::ObjectLock> lock;
      if (env_.fixity)
        lock.emplace(*env_.fixity, o.id);
      auto d = ApplyLocked(o.id);
      if (!d.ok()) {
        ++rep.failed;
        LogError(kComponent, "placement of " + o.id + ": " + d.status().ToString());
        continue;
      }
      for (const auto& a : d->actions) {
        if (a.kind == policies::ActionKind::kReplicate)
          ++rep.replicated;
        if (a.kind == policies::ActionKind::kMove)
          ++rep.moved;
      }
      // Damaged copies with a good copy elsewhere: try the repair again (the good copy may be
      // new, or the last attempt may have failed on a transient error).
      if (env_.fixity && d->good > 0) {
        VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(o.id));
        bool tried = false;
        for (const auto& c : copies) {
          if (c.state == "ok")
            continue;
          ++rep.repairs_tried;
          tried = true;
          auto r = env_.fixity->CheckCopy(c.tier, o.id, nullptr, /*lock_held=*/true);
          if (!r.ok())
            LogWarning(kComponent, "repair retry of " + o.id + ": " + r.status().ToString());
        }
        if (tried) {
          VAULT_ASSIGN_OR_RETURN(d, ApplyLocked(o.id));
        }
      }
      if (d->below_policy)
        ++rep.below_policy;
    }
  }
  below_policy_ = static_cast<int64_t>(rep.below_policy);
  return rep;
}

void PlacementExecutor::Enqueue(std::string object_id) {
  {
    std::lock_guard lk(mu_);
    queue_.push_back(std::move(object_id));
  }
  cv_.notify_all();
}

void PlacementExecutor::WaitIdle() {
  std::unique_lock lk(mu_);
  idle_cv_.wait(lk, [&] { return (queue_.empty() && !busy_) || stop_; });
}

void PlacementExecutor::Start(double sweep_interval_seconds) {
  std::lock_guard lk(mu_);
  if (thread_.joinable())
    return;
  stop_ = false;
  thread_ = std::thread([this, sweep_interval_seconds] { Loop(sweep_interval_seconds); });
}

void PlacementExecutor::Stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  idle_cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void PlacementExecutor::Loop(double interval) {
  auto next_sweep = std::chrono::steady_clock::now();  // sweep once at start
  for (;;) {
    std::string id;
    bool sweep = false;
    {
      std::unique_lock lk(mu_);
      cv_.wait_until(lk, next_sweep, [&] { return stop_ || !queue_.empty(); });
      if (stop_)
        return;
      if (!queue_.empty()) {
        id = std::move(queue_.front());
        queue_.pop_front();
      } else {
        sweep = true;
      }
      busy_ = true;
    }
    // Nothing found in storage or the catalog may take the daemon down.
    try {
      if (sweep) {
        auto r = Sweep();
        if (!r.ok()) {
          LogError(kComponent, "sweep: " + r.status().ToString());
        } else if (r->replicated || r->moved || r->below_policy || r->removals_finished) {
          LogInfo(kComponent, "sweep: " + std::to_string(r->objects) + " objects, " +
                                  std::to_string(r->replicated) + " replicated, " +
                                  std::to_string(r->moved) + " moved, " +
                                  std::to_string(r->below_policy) + " below policy");
        }
        next_sweep = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int64_t>(interval * 1000));
      } else {
        auto r = Apply(id);
        if (!r.ok())
          LogError(kComponent, "placement of " + id + ": " + r.status().ToString());
      }
    } catch (const std::exception& e) {
      LogError(kComponent, std::string("unexpected exception: ") + e.what());
    }
    {
      std::lock_guard lk(mu_);
      busy_ = false;
    }
    idle_cv_.notify_all();
  }
}

}  // namespace vault::lifecycle
