#include "vault/daemon/integrity.h"

#include <httplib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <climits>
#include <map>
#include <mutex>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "vault/base/fs.h"
#include "vault/base/logging.h"
#include "vault/daemon/http_util.h"
#include "vault/daemon/users.h"
#include "vault/fixity/hash_pool.h"
#include "vault/fixity/scheduler.h"
#include "vault/lifecycle/placement_executor.h"

namespace vault::daemon {
namespace {

using nlohmann::json;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;

constexpr FindingKind kKinds[] = {FindingKind::kMissingFile,       FindingKind::kSizeMismatch,
                                  FindingKind::kDigestMismatch,    FindingKind::kUnexpectedFile,
                                  FindingKind::kInventoryMismatch, FindingKind::kMissingObject};
constexpr const char* kRepairOutcomes[] = {"repaired", "failed", "no_good_copy"};
constexpr const char* kCopyStates[] = {"ok", "damaged", "missing"};

// Every integrity metric, declared in one place (names: monitoring/metrics.txt).
struct IntegrityMetrics : fixity::Observer, lifecycle::PlacementObserver {
  explicit IntegrityMetrics(prometheus::Registry& r)
      : tier_objects(prometheus::BuildGauge()
                         .Name("vault_tier_objects")
                         .Help("Copies on the tier (ok or damaged)")
                         .Register(r)),
        tier_bytes(prometheus::BuildGauge()
                       .Name("vault_tier_bytes")
                       .Help("Content bytes of the copies on the tier")
                       .Register(r)),
        tier_copies(prometheus::BuildGauge()
                        .Name("vault_tier_copies")
                        .Help("Copies on the tier by state")
                        .Register(r)),
        below_policy(prometheus::BuildGauge()
                         .Name("vault_objects_below_policy")
                         .Help("Objects with fewer good copies (or distinct media) than the "
                               "placement policy requires")
                         .Register(r)
                         .Add({})),
        damaged(prometheus::BuildGauge()
                    .Name("vault_objects_damaged")
                    .Help("Objects with no good copy left")
                    .Register(r)
                    .Add({})),
        replications(prometheus::BuildCounter()
                         .Name("vault_replications_total")
                         .Help("Copies made by placement, by destination tier and outcome")
                         .Register(r)),
        fixity_bytes(prometheus::BuildCounter()
                         .Name("vault_fixity_bytes_verified_total")
                         .Help("Bytes read and hashed by fixity checks")
                         .Register(r)),
        fixity_files(prometheus::BuildCounter()
                         .Name("vault_fixity_files_verified_total")
                         .Help("Files checked by fixity checks")
                         .Register(r)),
        failures(prometheus::BuildCounter()
                     .Name("vault_fixity_failures_total")
                     .Help("Fixity findings by kind")
                     .Register(r)),
        oldest_age(prometheus::BuildGauge()
                       .Name("vault_fixity_oldest_verification_age_seconds")
                       .Help("Age of the least recently verified copy on the tier")
                       .Register(r)),
        period(prometheus::BuildGauge()
                   .Name("vault_fixity_period_seconds")
                   .Help("Configured fixity period: every copy verified within it")
                   .Register(r)),
        coverage(prometheus::BuildGauge()
                     .Name("vault_fixity_coverage_ratio")
                     .Help("Copies verified within their period / all copies")
                     .Register(r)),
        at_risk(prometheus::BuildGauge()
                    .Name("vault_fixity_at_risk")
                    .Help("1 when at the allowed rate some copy will miss its deadline")
                    .Register(r)),
        progress(prometheus::BuildGauge()
                     .Name("vault_fixity_cycle_progress_ratio")
                     .Help("Progress of the tier's current fixity cycle")
                     .Register(r)),
        cycles(prometheus::BuildCounter()
                   .Name("vault_fixity_cycles_completed_total")
                   .Help("Completed fixity cycles")
                   .Register(r)),
        rate(prometheus::BuildGauge()
                 .Name("vault_fixity_rate_bytes_per_second")
                 .Help("Planned fixity read rate")
                 .Register(r)),
        repairs(prometheus::BuildCounter()
                    .Name("vault_repairs_total")
                    .Help("Repairs of damaged copies by tier and outcome")
                    .Register(r)),
        last_cycle_end(
            prometheus::BuildGauge()
                .Name("vault_fixity_last_cycle_end_timestamp_seconds")
                .Help("When the tier's last fixity cycle ended (Unix time; 0 = none yet)")
                .Register(r)),
        free_bytes(prometheus::BuildGauge()
                       .Name("vault_tier_free_bytes")
                       .Help("Free bytes on the tier's file system (for the vault's user)")
                       .Register(r)) {}

  void AddTier(const std::string& t) {
    PerTier& p = tiers[t];
    p.objects = &tier_objects.Add({{"tier", t}});
    p.bytes = &tier_bytes.Add({{"tier", t}});
    for (const char* s : kCopyStates)
      p.copies[s] = &tier_copies.Add({{"tier", t}, {"state", s}});
    p.repl_ok = &replications.Add({{"tier", t}, {"outcome", "ok"}});
    p.repl_failed = &replications.Add({{"tier", t}, {"outcome", "failed"}});
    p.fx_bytes = &fixity_bytes.Add({{"tier", t}});
    p.fx_files = &fixity_files.Add({{"tier", t}});
    for (FindingKind k : kKinds) {
      p.failures[k] = &failures.Add({{"tier", t}, {"kind", std::string(FindingKindName(k))}});
    }
    p.oldest = &oldest_age.Add({{"tier", t}});
    p.period = &period.Add({{"tier", t}});
    p.coverage = &coverage.Add({{"tier", t}});
    p.at_risk = &at_risk.Add({{"tier", t}});
    p.progress = &progress.Add({{"tier", t}});
    p.cycles = &cycles.Add({{"tier", t}});
    p.rate = &rate.Add({{"tier", t}});
    for (const char* o : kRepairOutcomes)
      p.repairs[o] = &repairs.Add({{"tier", t}, {"outcome", o}});
    p.last_end = &last_cycle_end.Add({{"tier", t}});
    p.free = &free_bytes.Add({{"tier", t}});
  }

  struct PerTier {
    Gauge *objects, *bytes;
    std::map<std::string, Gauge*> copies;
    Counter *repl_ok, *repl_failed, *fx_bytes, *fx_files;
    std::map<FindingKind, Counter*> failures;
    Gauge *oldest, *period, *coverage, *at_risk, *progress;
    Counter* cycles;
    Gauge* rate;
    std::map<std::string, Counter*> repairs;
    Gauge* last_end;
    Gauge* free;
  };
  PerTier* Tier(const std::string& t) {
    auto it = tiers.find(t);
    return it == tiers.end() ? nullptr : &it->second;
  }

  // fixity::Observer
  void OnCopyVerified(const std::string& t, uint64_t files, uint64_t bytes) override {
    if (auto* p = Tier(t)) {
      p->fx_files->Increment(static_cast<double>(files));
      p->fx_bytes->Increment(static_cast<double>(bytes));
    }
  }
  void OnFinding(const std::string& t, FindingKind k) override {
    if (auto* p = Tier(t))
      p->failures[k]->Increment();
  }
  void OnRepair(const std::string& t, const std::string& outcome) override {
    if (auto* p = Tier(t); p && p->repairs.count(outcome))
      p->repairs[outcome]->Increment();
  }
  void OnCycleCompleted(const std::string& t) override {
    if (auto* p = Tier(t))
      p->cycles->Increment();
  }
  // lifecycle::PlacementObserver
  void OnReplication(const std::string& t, const std::string& outcome) override {
    if (auto* p = Tier(t))
      (outcome == "ok" ? p->repl_ok : p->repl_failed)->Increment();
  }

  Family<Gauge>& tier_objects;
  Family<Gauge>& tier_bytes;
  Family<Gauge>& tier_copies;
  Gauge& below_policy;
  Gauge& damaged;
  Family<Counter>& replications;
  Family<Counter>& fixity_bytes;
  Family<Counter>& fixity_files;
  Family<Counter>& failures;
  Family<Gauge>& oldest_age;
  Family<Gauge>& period;
  Family<Gauge>& coverage;
  Family<Gauge>& at_risk;
  Family<Gauge>& progress;
  Family<Counter>& cycles;
  Family<Gauge>& rate;
  Family<Counter>& repairs;
  Family<Gauge>& last_cycle_end;
  Family<Gauge>& free_bytes;
  std::map<std::string, PerTier> tiers;  // filled before any thread starts; then read-only
};

}  // namespace

struct Integrity::Impl {
  Vault& vault;
  IntegrityMetrics metrics;
  std::unique_ptr<fixity::HashPool> pool;
  std::unique_ptr<fixity::Fixity> fixity;
  std::unique_ptr<lifecycle::PlacementExecutor> placement;
  std::mutex refresh_mu;
  std::vector<std::string> media_warnings;  // differently labelled tiers on one device

  Impl(Vault& v, prometheus::Registry& r) : vault(v), metrics(r) {}

  // Coverage of one tier at `now`: copies verified within the period / all copies.
  struct Coverage {
    uint64_t copies = 0, overdue = 0;
    double ratio = 1;
    double oldest_age_s = 0;
  };
  Result<Coverage> TierCoverage(const TierConfig& t, int64_t now) {
    Coverage c;
    VAULT_ASSIGN_OR_RETURN(auto ts, vault.catalog().GetTierStats());
    c.copies = ts[t.name].copies();
    const int64_t period_ms = t.fixity_period_days * 86'400'000LL;
    VAULT_ASSIGN_OR_RETURN(c.overdue,
                           vault.catalog().CountVerifyQueueBefore(t.name, now - period_ms));
    c.ratio = c.copies == 0 ? 1.0
                            : static_cast<double>(c.copies - std::min(c.overdue, c.copies)) /
                                  static_cast<double>(c.copies);
    VAULT_ASSIGN_OR_RETURN(auto oldest, vault.catalog().ListVerifyQueue(t.name, INT64_MAX, 1));
    if (!oldest.empty())
      c.oldest_age_s = static_cast<double>(now - oldest[0].last_verified_ms) / 1000.0;
    return c;
  }
};

Integrity::Integrity(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
fixity::Fixity* Integrity::fixity() { return impl_->fixity.get(); }

Integrity::~Integrity() { Stop(); }

Result<std::unique_ptr<Integrity>> Integrity::Create(Vault& vault, prometheus::Registry& registry) {
  auto impl = std::make_unique<Impl>(vault, registry);
  const Config& cfg = vault.config();
  for (const auto& t : cfg.tiers)
    impl->metrics.AddTier(t.name);

  // Tiers labelled as different media must not share a file system device: the label is a
  // promise of independence that the placement policy relies on.
  for (size_t i = 0; i < cfg.tiers.size(); ++i) {
    for (size_t j = i + 1; j < cfg.tiers.size(); ++j) {
      const auto &a = cfg.tiers[i], &b = cfg.tiers[j];
      struct stat sa {
      }, sb{};
      if (a.medium == b.medium || ::stat(a.path.c_str(), &sa) != 0 ||
          ::stat(b.path.c_str(), &sb) != 0) {
        continue;
      }
      if (sa.st_dev == sb.st_dev) {
        std::string w = "tiers " + a.name + " (medium " + a.medium + ") and " + b.name +
                        " (medium " + b.medium +
                        ") are on the same file system device: their copies are not independent";
        LogWarning("placement", w);
        impl->media_warnings.push_back(w);
      }
    }
  }

  fixity::HashPool::Options po;
  po.threads = cfg.fixity.threads;
  impl->pool = std::make_unique<fixity::HashPool>(po);

  auto commit = [&vault](std::vector<eventlog::EventDraft> d) {
    return vault.ingester().Commit(std::move(d));
  };
  fixity::Env fe;
  for (const auto& t : cfg.tiers) {
    fixity::TierSetup ts;
    ts.name = t.name;
    ts.store = &vault.store(t.name);
    ts.policy = cfg.FixityPolicy(t);
    ts.mode = t.check == "size-only" ? store::CheckMode::kSizeOnly : store::CheckMode::kFull;
    fe.tiers.push_back(std::move(ts));
  }
  fe.catalog = &vault.catalog();
  fe.commit = commit;
  fe.clock = &vault.clock();
  fe.pool = impl->pool.get();
  fe.object_concurrency = cfg.fixity.objects_per_tier;
  fe.attic = vault.home().root / "attic";
  // Scratch for replication and repair: only copies of bytes stored on some tier, never a
  // package; emptied at every start (Vault::Open).
  const std::filesystem::path work = vault.home().root / "work";
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(work));
  fe.work = work;
  fe.observer = &impl->metrics;
  impl->fixity = std::make_unique<fixity::Fixity>(std::move(fe));

  lifecycle::PlacementEnv pe;
  for (const auto& t : cfg.tiers)
    pe.tiers.emplace_back(t.name, &vault.store(t.name));
  pe.policy = cfg.placement;
  pe.placement_tiers = cfg.PlacementTiers();
  pe.catalog = &vault.catalog();
  pe.commit = commit;
  pe.fixity = impl->fixity.get();
  pe.clock = &vault.clock();
  pe.work = work;
  pe.attic = vault.home().root / "attic";
  pe.observer = &impl->metrics;
  impl->placement = std::make_unique<lifecycle::PlacementExecutor>(std::move(pe));
  return std::unique_ptr<Integrity>(new Integrity(std::move(impl)));
}

void Integrity::Start() {
  const Config& cfg = impl_->vault.config();
  if (cfg.fixity.enabled)
    impl_->fixity->Start(cfg.fixity.tick_seconds);
  impl_->placement->Start(3600);
}

void Integrity::Stop() {
  if (!impl_)
    return;
  impl_->placement->Stop();
  impl_->fixity->Stop();
}

void Integrity::OnIngested(const std::string& object_id) { impl_->placement->Enqueue(object_id); }

void Integrity::RefreshMetrics() {
  Impl& m = *impl_;
  std::lock_guard lk(m.refresh_mu);
  const int64_t now = ToUnixMillis(m.vault.clock().Now());
  auto ts = m.vault.catalog().GetTierStats();
  if (ts.ok()) {
    for (auto& [name, p] : m.metrics.tiers) {
      const catalog::TierStats& s = (*ts)[name];
      p.objects->Set(static_cast<double>(s.ok + s.damaged));
      p.bytes->Set(static_cast<double>(s.bytes));
      p.copies["ok"]->Set(static_cast<double>(s.ok));
      p.copies["damaged"]->Set(static_cast<double>(s.damaged));
      p.copies["missing"]->Set(static_cast<double>(s.missing));
    }
  }
  if (auto d = m.vault.catalog().CountDamaged(); d.ok())
    m.metrics.damaged.Set(static_cast<double>(*d));
  m.metrics.below_policy.Set(
      static_cast<double>(std::max<int64_t>(0, m.placement->below_policy())));
  for (const auto& t : m.vault.config().tiers) {
    auto* p = m.metrics.Tier(t.name);
    p->period->Set(static_cast<double>(t.fixity_period_days) * 86400.0);
    struct statvfs sv {};
    if (::statvfs(t.path.c_str(), &sv) == 0) {
      p->free->Set(static_cast<double>(sv.f_bavail) * static_cast<double>(sv.f_frsize));
    }
    if (auto c = m.TierCoverage(t, now); c.ok()) {
      p->coverage->Set(c->ratio);
      p->oldest->Set(c->oldest_age_s);
    }
  }
  for (const auto& s : m.fixity->TierStatuses()) {
    auto* p = m.metrics.Tier(s.tier);
    if (!p)
      continue;
    p->rate->Set(s.plan.bytes_per_s);
    p->at_risk->Set(s.plan.at_risk ? 1 : 0);
    p->progress->Set(s.cycle_copies_total == 0
                         ? 1.0
                         : std::min(1.0, static_cast<double>(s.cycle_copies_done) /
                                             static_cast<double>(s.cycle_copies_total)));
    p->last_end->Set(static_cast<double>(s.last_cycle_end_ms) / 1000.0);
  }
}

json Integrity::StatusJson() {
  Impl& m = *impl_;
  const int64_t now = ToUnixMillis(m.vault.clock().Now());
  json tiers = json::array();
  auto statuses = m.fixity->TierStatuses();
  for (const auto& t : m.vault.config().tiers) {
    json j{{"tier", t.name},
           {"medium", t.medium},
           {"period_days", t.fixity_period_days},
           {"check", t.check}};
    if (auto c = m.TierCoverage(t, now); c.ok()) {
      j["copies"] = c->copies;
      j["overdue_copies"] = c->overdue;
      j["coverage_ratio"] = c->ratio;
      j["oldest_verification_age_s"] = c->oldest_age_s;
    }
    for (const auto& s : statuses) {
      if (s.tier != t.name)
        continue;
      j["rate_bytes_per_s"] = s.plan.bytes_per_s;
      j["needed_bytes_per_s"] = s.plan.needed_bytes_per_s;
      j["at_risk"] = s.plan.at_risk;
      j["rate_reason"] = s.plan.reason;
      j["cycle"] = s.cycle;
      j["cycle_copies_total"] = s.cycle_copies_total;
      j["cycle_copies_done"] = s.cycle_copies_done;
      j["in_window"] = s.in_window;
    }
    tiers.push_back(std::move(j));
  }
  json out{{"tiers", tiers},
           {"below_policy", m.placement->below_policy()},
           {"media_warnings", m.media_warnings}};
  if (auto d = m.vault.catalog().CountDamaged(); d.ok())
    out["damaged_objects"] = *d;
  if (auto l = m.vault.catalog().ListDamaged(20); l.ok())
    out["damaged_examples"] = *l;
  return out;
}

void Integrity::Routes(httplib::Server& http, const UserStore& users) {
  Impl& m = *impl_;
  // The fixity, placement and repair events of these runs name the agent "vaultd" (the agent of
  // fixity::Env and lifecycle::PlacementEnv); the requesting user is in the daemon's log.
  http.Post("/api/v1/fixity/runs", [&m, &users](const httplib::Request& req,
                                                httplib::Response& res) {
    auto user = Authorize(users, req, res, {Role::kOperator});
    if (!user)
      return;
    std::vector<std::string> ids;
    if (!req.body.empty()) {
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || (body.contains("objects") && !body["objects"].is_array())) {
        return ReplyJson(
            res, 400,
            ApiError("api.bad_request", "body must be {} or {\"objects\": [\"id\", ...]}"));
      }
      for (const auto& id : body.value("objects", json::array())) {
        if (!id.is_string()) {
          return ReplyJson(res, 400, ApiError("api.bad_request", "object ids must be strings"));
        }
        auto o = m.vault.catalog().GetObject(id.get<std::string>());
        if (!o.ok() || !*o) {
          return ReplyJson(res, 404,
                           ApiError("api.not_found", "no object " + id.get<std::string>()));
        }
        ids.push_back(id.get<std::string>());
      }
    }
    auto run = m.fixity->StartPass(std::move(ids));
    if (!run.ok())
      return ReplyJson(res, 503, ApiError("fixity.unavailable", run.status().ToString()));
    LogInfo("fixity", "run " + *run + " requested by " + user->name);
    ReplyJson(res, 202, {{"run_id", *run}, {"state", "running"}});
  });
  http.Get(R"(/api/v1/fixity/runs/([A-Za-z0-9-]+))", [&m](const httplib::Request& req,
                                                          httplib::Response& res) {
    auto p = m.fixity->GetPass(req.matches[1]);
    if (!p)
      return ReplyJson(res, 404,
                       ApiError("api.not_found", "no fixity run " + std::string(req.matches[1])));
    ReplyJson(res, 200, p->ToJson());
  });
  http.Get("/api/v1/fixity", [this](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, StatusJson());
  });
  http.Post("/api/v1/placement/sweep", [&m, &users](const httplib::Request& req,
                                                    httplib::Response& res) {
    auto user = Authorize(users, req, res, {Role::kOperator});
    if (!user)
      return;
    LogInfo("placement", "sweep requested by " + user->name);
    auto r = m.placement->Sweep();
    if (!r.ok())
      return ReplyJson(res, 500, ApiError("placement", r.status().ToString()));
    ReplyJson(res, 200,
              {{"objects", r->objects},
               {"below_policy", r->below_policy},
               {"replicated", r->replicated},
               {"moved", r->moved},
               {"failed", r->failed},
               {"repairs_tried", r->repairs_tried},
               {"removals_finished", r->removals_finished}});
  });
  http.Post(R"(/api/v1/objects/([^/]+)/verify)",
            [&m, &users](const httplib::Request& req, httplib::Response& res) {
              auto user = Authorize(users, req, res, {Role::kOperator});
              if (!user)
                return;
              std::string id = req.matches[1];
              auto o = m.vault.catalog().GetObject(id);
              if (!o.ok())
                return ReplyJson(res, 500, ApiError("catalog", o.status().ToString()));
              if (!*o)
                return ReplyJson(res, 404, ApiError("api.not_found", "no object " + id));
              auto copies = m.vault.catalog().ListCopies(id);
              if (!copies.ok())
                return ReplyJson(res, 500, ApiError("catalog", copies.status().ToString()));
              json out = {{"object_id", id}, {"copies", json::array()}, {"ok", true}};
              for (const auto& c : *copies) {
                auto r = m.fixity->CheckCopy(c.tier, id);
                if (!r.ok())
                  return ReplyJson(res, 500, ApiError("verify", r.status().ToString()));
                json fj = json::array();
                for (const auto& f : r->findings) {
                  fj.push_back({{"kind", FindingKindName(f.kind)},
                                {"path", f.path},
                                {"expected", f.expected},
                                {"actual", f.actual}});
                }
                if (!r->findings.empty())
                  out["ok"] = false;
                json cj{{"tier", c.tier},
                        {"ok", r->findings.empty()},
                        {"findings", fj},
                        {"repaired", r->repaired},
                        {"state", r->state_after}};
                if (!r->repair_error.empty() && !r->repaired)
                  cj["repair_error"] = r->repair_error;
                out["copies"].push_back(std::move(cj));
              }
              ReplyJson(res, 200, out);
            });
}

}  // namespace vault::daemon
