#include "vault/daemon/retention_api.h"

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "vault/base/logging.h"
#include "vault/base/unicode.h"
#include "vault/daemon/http_util.h"
#include "vault/daemon/users.h"
#include "vault/daemon/vault.h"
#include "vault/log/checkpoint.h"

namespace vault::daemon {

using nlohmann::json;

namespace {

constexpr char kComponent[] = "retention";

int HttpStatus(const Status& s) {
  switch (s.code()) {
    case Code::kInvalidArgument: return 400;
    case Code::kNotFound: return 404;
    case Code::kPermissionDenied: return 403;
    case Code::kFailedPrecondition: return 409;
    case Code::kAlreadyExists: return 409;
    default: return 500;
  }
}

void Answer(httplib::Response& res, const lifecycle::Verdict& v, int ok_status = 200) {
  if (v.ok()) return ReplyJson(res, ok_status, v.value);
  ReplyJson(res, HttpStatus(v.status),
            ApiError(v.rule.empty() ? "internal" : v.rule, v.status.message()));
}

// The JSON body of a request: an object, or a 400 answered.
std::optional<json> Body(const httplib::Request& req, httplib::Response& res) {
  json b = json::parse(req.body, nullptr, false);
  if (!b.is_object()) {
    ReplyJson(res, 400, ApiError("api.bad_request", "the body must be a JSON object"));
    return std::nullopt;
  }
  return b;
}

// A text field of the body, in NFC (archivists' text is compared and printed in NFC); invalid
// UTF-8 is passed on as is and refused by the executor.
std::string Field(const json& b, const char* key) {
  auto it = b.find(key);
  if (it == b.end() || !it->is_string()) return "";
  std::string v = it->get<std::string>();
  return ToNfc(v).value_or(v);
}

}  // namespace

struct RetentionApi::Impl {
  Vault& vault;
  std::unique_ptr<lifecycle::RetentionExecutor> exec;
  lifecycle::RetentionEnv env;

  prometheus::Gauge& due;
  prometheus::Family<prometheus::Gauge>& batches;
  prometheus::Family<prometheus::Gauge>& oldest;
  prometheus::Gauge& overdue;
  prometheus::Gauge& holds;
  prometheus::Gauge& destroyed;
  prometheus::Counter& refusals;
  prometheus::Gauge& checkpoint_ts;

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;  // GUARDED_BY(mu)
  std::thread thread;
  std::mutex cp_mu;                  // serialises checkpoints
  uint64_t last_checkpoint_seq = 0;  // GUARDED_BY(cp_mu)

  Impl(Vault& v, prometheus::Registry& r)
      : vault(v),
        due(prometheus::BuildGauge()
                .Name("vault_retention_objects_due")
                .Help("Objects in review (due, proposed or approved for disposal, not yet destroyed)")
                .Register(r)
                .Add({})),
        batches(prometheus::BuildGauge()
                    .Name("vault_disposal_batches")
                    .Help("Disposal batches by state (proposed, approved)")
                    .Register(r)),
        oldest(prometheus::BuildGauge()
                   .Name("vault_disposal_oldest_pending_seconds")
                   .Help("Age of the oldest disposal batch in the state (0 when none)")
                   .Register(r)),
        overdue(prometheus::BuildGauge()
                    .Name("vault_disposal_batches_overdue")
                    .Help("Approved disposal batches past their execution deadline")
                    .Register(r)
                    .Add({})),
        holds(prometheus::BuildGauge()
                  .Name("vault_legal_holds_active")
                  .Help("Active legal holds")
                  .Register(r)
                  .Add({})),
        destroyed(prometheus::BuildGauge()
                      .Name("vault_objects_destroyed")
                      .Help("Objects destroyed by approved disposal (tombstones kept)")
                      .Register(r)
                      .Add({})),
        refusals(prometheus::BuildCounter()
                     .Name("vault_write_once_refusals_total")
                     .Help("Refused attempts to delete or overwrite stored objects")
                     .Register(r)
                     .Add({})),
        checkpoint_ts(prometheus::BuildGauge()
                          .Name("vault_checkpoint_last_timestamp_seconds")
                          .Help("Unix time of the last signed checkpoint of the event log (0 none)")
                          .Register(r)
                          .Add({})) {
    for (const char* s : {"proposed", "approved"}) {
      batches.Add({{"state", s}});
      oldest.Add({{"state", s}});
    }
  }

  Result<json> WriteCheckpoint() {
    std::lock_guard lock(cp_mu);
    json out;
    Status s = vault.ingester().WithCommitsPaused([&]() -> Status {
      const uint64_t seq = vault.log().head_seq();
      VAULT_ASSIGN_OR_RETURN(
          auto cp, checkpoint::BuildCheckpoint(vault.catalog(), seq, vault.log().head_hash(),
                                               FormatIso8601(vault.clock().Now()),
                                               vault.home().keys()));
      VAULT_RETURN_IF_ERROR(checkpoint::AppendCheckpoint(vault.home().log(), cp));
      last_checkpoint_seq = seq;
      out = checkpoint::CheckpointToJson(cp);
      return Status::Ok();
    });
    VAULT_RETURN_IF_ERROR(std::move(s));
    checkpoint_ts.Set(static_cast<double>(
        std::chrono::duration_cast<std::chrono::seconds>(vault.clock().Now().time_since_epoch()).count()));
    return out;
  }

  // A checkpoint when the log moved since the last one.
  void CheckpointIfMoved() {
    {
      std::lock_guard lock(cp_mu);
      if (vault.log().head_seq() == last_checkpoint_seq) return;
    }
    auto r = WriteCheckpoint();
    if (!r.ok()) LogError(kComponent, "signed checkpoint failed: " + r.status().ToString());
  }

  void Run() {
    using Clock = std::chrono::steady_clock;
    const auto sweep_every = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(vault.config().retention.sweep_hours * 3600));
    const auto cp_every = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(vault.config().audit.checkpoint_minutes * 60));
    auto next_sweep = Clock::now();
    auto next_cp = Clock::now();
    std::unique_lock lock(mu);
    while (!stop) {
      auto now = Clock::now();
      if (now >= next_sweep) {
        lock.unlock();
        auto v = exec->Sweep("vaultd");
        if (!v.ok()) LogError(kComponent, "review sweep failed: " + v.status.ToString());
        lock.lock();
        next_sweep = Clock::now() + sweep_every;
      }
      if (now >= next_cp) {
        lock.unlock();
        CheckpointIfMoved();
        lock.lock();
        next_cp = Clock::now() + cp_every;
      }
      cv.wait_until(lock, std::min(next_sweep, next_cp), [this] { return stop; });
    }
  }
};

RetentionApi::RetentionApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RetentionApi::~RetentionApi() { Stop(); }

Result<std::unique_ptr<RetentionApi>> RetentionApi::Create(Vault& vault, fixity::Fixity* fixity,
                                                           prometheus::Registry& registry) {
  auto impl = std::make_unique<Impl>(vault, registry);
  lifecycle::RetentionEnv& env = impl->env;
  env.catalog = &vault.catalog();
  Vault* v = &vault;
  env.commit = [v](std::vector<eventlog::EventDraft> d) { return v->ingester().Commit(std::move(d)); };
  for (const auto& t : vault.config().tiers) env.tiers.emplace_back(t.name, &vault.store(t.name));
  env.fixity = fixity;
  env.clock = &vault.clock();
  env.schedule = vault.schedule();
  env.config = vault.config().retention;
  env.utc_offset_hours = vault.config().fixity.utc_offset_hours;
  env.records_dir = vault.home().root / "disposals";
  env.log_head = [v]() { return std::make_pair(v->log().head_seq(), v->log().head_hash()); };
  if (!env.schedule) return Status::FailedPrecondition("no retention schedule loaded");
  impl->exec = std::make_unique<lifecycle::RetentionExecutor>(env);
  // The last checkpoint on disk: no new one at start when it already covers the head.
  auto cps = checkpoint::ReadCheckpoints(vault.home().log());
  if (cps.ok() && !cps->empty()) {
    impl->last_checkpoint_seq = cps->back().seq;
    impl->checkpoint_ts.Set(static_cast<double>(
        ParseIso8601Millis(cps->back().time).value_or(0) / 1000));
  }
  return std::unique_ptr<RetentionApi>(new RetentionApi(std::move(impl)));
}

Status RetentionApi::Recover() { return impl_->exec->Recover(); }

lifecycle::RetentionExecutor& RetentionApi::executor() { return *impl_->exec; }

Result<json> RetentionApi::Checkpoint() { return impl_->WriteCheckpoint(); }

void RetentionApi::Start() {
  impl_->thread = std::thread([this] { impl_->Run(); });
}

void RetentionApi::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stop && !impl_->thread.joinable()) return;
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
    impl_->CheckpointIfMoved();
  }
}

void RetentionApi::RefreshMetrics() {
  auto c = impl_->exec->GetCounts();
  if (!c.ok()) return;
  impl_->due.Set(static_cast<double>(c->due));
  impl_->batches.Add({{"state", "proposed"}}).Set(static_cast<double>(c->proposed));
  impl_->batches.Add({{"state", "approved"}}).Set(static_cast<double>(c->approved));
  impl_->oldest.Add({{"state", "proposed"}}).Set(c->oldest_proposed_s);
  impl_->oldest.Add({{"state", "approved"}}).Set(c->oldest_approved_s);
  impl_->overdue.Set(static_cast<double>(c->overdue));
  impl_->holds.Set(static_cast<double>(c->holds));
  impl_->destroyed.Set(static_cast<double>(c->tombstones));
}

json RetentionApi::StatusJson() {
  auto c = impl_->exec->GetCounts();
  json j = {{"schedule", {{"id", impl_->env.schedule->id},
                          {"version", impl_->env.schedule->version},
                          {"sha256", impl_->env.schedule->sha256}}}};
  if (c.ok()) {
    j["due"] = c->due;
    j["holds"] = c->holds;
    j["destroyed"] = c->tombstones;
    j["batches"] = {{"proposed", c->proposed}, {"approved", c->approved}, {"overdue", c->overdue}};
  }
  return j;
}

void RetentionApi::Routes(httplib::Server& http, const UserStore& users) {
  Impl* m = impl_.get();
  lifecycle::RetentionExecutor* ex = m->exec.get();
  const UserStore* us = &users;

  http.Post("/api/v1/retention/sweep", [ex, us](const httplib::Request& req, httplib::Response& res) {
    auto u = Authorize(*us, req, res, {Role::kOperator, Role::kArchivist});
    if (!u) return;
    Answer(res, ex->Sweep(u->name));
  });
  http.Get("/api/v1/retention/due", [ex, us](const httplib::Request& req, httplib::Response& res) {
    auto u = Authorize(*us, req, res, {});
    if (!u) return;
    auto list = ex->DueList(req.get_param_value("rule"), req.get_param_value("expired_before"),
                            req.get_param_value("q"));
    if (!list.ok()) return ReplyJson(res, 500, ApiError("internal", list.status().ToString()));
    std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
    if (format == "json") return ReplyJson(res, 200, *list);
    auto text = ex->DueReport(*list, format, u->name);
    if (!text.ok()) return ReplyJson(res, 400, ApiError("api.bad_request", text.status().message()));
    res.set_content(*text, format == "csv" ? "text/csv; charset=utf-8" : "text/html; charset=utf-8");
  });
  http.Post(R"(/api/v1/objects/([^/]+)/retention)", [ex, us](const httplib::Request& req,
                                                            httplib::Response& res) {
    auto u = Authorize(*us, req, res, {Role::kArchivist});
    if (!u) return;
    auto b = Body(req, res);
    if (!b) return;
    std::string action = Field(*b, "action");
    if (action == "extend") return Answer(res, ex->Extend(req.matches[1], Field(*b, "rule"), Field(*b, "reason"), u->name));
    if (action == "permanent") return Answer(res, ex->MakePermanent(req.matches[1], Field(*b, "reason"), u->name));
    ReplyJson(res, 400, ApiError("api.bad_request", "action must be \"extend\" or \"permanent\""));
  });
  http.Post(R"(/api/v1/objects/([^/]+)/holds)", [ex, us](const httplib::Request& req,
                                                        httplib::Response& res) {
    auto u = Authorize(*us, req, res, {Role::kArchivist});
    if (!u) return;
    auto b = Body(req, res);
    if (!b) return;
    Answer(res, ex->PlaceHold(req.matches[1], Field(*b, "reason"), Field(*b, "mandate"), u->name), 201);
  });
  http.Post(R"(/api/v1/holds/([A-Za-z0-9-]+)/release)", [ex, us](const httplib::Request& req,
                                                                httplib::Response& res) {
    auto u = Authorize(*us, req, res, {Role::kArchivist});
    if (!u) return;
    auto b = Body(req, res);
    if (!b) return;
    Answer(res, ex->ReleaseHold(req.matches[1], Field(*b, "reason"), u->name));
  });
  http.Get("/api/v1/holds", [ex, us](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(*us, req, res, {})) return;
    auto h = ex->Holds();
    if (!h.ok()) return ReplyJson(res, 500, ApiError("internal", h.status().ToString()));
    ReplyJson(res, 200, *h);
  });
  http.Post("/api/v1/disposals", [ex, us](const httplib::Request& req, httplib::Response& res) {
    auto u = Authorize(*us, req, res, {Role::kArchivist});
    if (!u) return;
    auto b = Body(req, res);
    if (!b) return;
    std::vector<std::string> ids;
    if (!b->contains("objects") || !(*b)["objects"].is_array()) {
      return ReplyJson(res, 400, ApiError("api.bad_request", "objects must be an array of ids"));
    }
    for (const auto& o : (*b)["objects"]) {
      if (!o.is_string()) return ReplyJson(res, 400, ApiError("api.bad_request", "objects must be an array of ids"));
      ids.push_back(o.get<std::string>());
    }
    Answer(res, ex->Propose(ids, Field(*b, "reason"), u->name), 201);
  });
  http.Get("/api/v1/disposals", [ex, us](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(*us, req, res, {})) return;
    auto b = ex->Batches();
    if (!b.ok()) return ReplyJson(res, 500, ApiError("internal", b.status().ToString()));
    ReplyJson(res, 200, *b);
  });
  http.Get(R"(/api/v1/disposals/([A-Za-z0-9-]+))", [ex, us](const httplib::Request& req,
                                                           httplib::Response& res) {
    if (!Authorize(*us, req, res, {})) return;
    std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
    if (format == "json") {
      auto b = ex->Batch(req.matches[1]);
      if (!b.ok()) return ReplyJson(res, 500, ApiError("internal", b.status().ToString()));
      if (!*b) return ReplyJson(res, 404, ApiError("api.not_found", "no batch " + std::string(req.matches[1])));
      return ReplyJson(res, 200, **b);
    }
    auto text = ex->BatchReport(req.matches[1], format);
    if (!text.ok()) {
      return ReplyJson(res, text.status().code() == Code::kNotFound ? 404 : 400,
                       ApiError(text.status().code() == Code::kNotFound ? "api.not_found" : "api.bad_request",
                                text.status().message()));
    }
    res.set_content(*text, format == "csv" ? "text/csv; charset=utf-8" : "text/html; charset=utf-8");
  });
  http.Get(R"(/api/v1/disposals/([A-Za-z0-9-]+)/record)", [ex, us](const httplib::Request& req,
                                                                  httplib::Response& res) {
    if (!Authorize(*us, req, res, {})) return;
    std::string format = req.has_param("format") ? req.get_param_value("format") : "xml";
    auto text = ex->DestructionRecord(req.matches[1], format);
    if (!text.ok()) {
      return ReplyJson(res, HttpStatus(text.status()),
                       ApiError(text.status().code() == Code::kNotFound ? "api.not_found"
                                : text.status().code() == Code::kFailedPrecondition ? "disposal.state"
                                                                                   : "api.bad_request",
                                text.status().message()));
    }
    res.set_content(*text, format == "xml" ? "application/xml; charset=utf-8" : "text/html; charset=utf-8");
  });
  auto batch_action = [ex, us](const char* action) {
    return [ex, us, action](const httplib::Request& req, httplib::Response& res) {
      const std::string a = action;
      std::initializer_list<Role> roles_approve = {Role::kApprover};
      std::initializer_list<Role> roles_cancel = {Role::kArchivist, Role::kApprover};
      std::initializer_list<Role> roles_execute = {Role::kArchivist};
      auto u = Authorize(*us, req, res, a == "approve" ? roles_approve
                                        : a == "cancel" ? roles_cancel : roles_execute);
      if (!u) return;
      json b = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
      if (!b.is_object()) return ReplyJson(res, 400, ApiError("api.bad_request", "the body must be a JSON object"));
      const std::string batch = req.matches[1];
      if (a == "approve") return Answer(res, ex->Approve(batch, Field(b, "decision"), Field(b, "decision_date"), u->name));
      if (a == "cancel") return Answer(res, ex->Cancel(batch, Field(b, "reason"), u->name));
      Answer(res, ex->Execute(batch, u->name));
    };
  };
  http.Post(R"(/api/v1/disposals/([A-Za-z0-9-]+)/approve)", batch_action("approve"));
  http.Post(R"(/api/v1/disposals/([A-Za-z0-9-]+)/cancel)", batch_action("cancel"));
  http.Post(R"(/api/v1/disposals/([A-Za-z0-9-]+)/execute)", batch_action("execute"));
  http.Get("/api/v1/tombstones", [m, us](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(*us, req, res, {})) return;
    auto all = m->vault.catalog().ListRecords("tombstone/");
    if (!all.ok()) return ReplyJson(res, 500, ApiError("internal", all.status().ToString()));
    json out = json::array();
    for (auto& [k, t] : *all) out.push_back(t);
    ReplyJson(res, 200, {{"tombstones", out}});
  });
  http.Get(R"(/api/v1/tombstones/([^/]+))", [m, us](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(*us, req, res, {})) return;
    auto t = m->vault.catalog().GetRecord("tombstone/" + std::string(req.matches[1]));
    if (!t.ok()) return ReplyJson(res, 500, ApiError("internal", t.status().ToString()));
    if (!*t) return ReplyJson(res, 404, ApiError("api.not_found", "no tombstone for " + std::string(req.matches[1])));
    ReplyJson(res, 200, **t);
  });
  http.Post("/api/v1/audit/checkpoint", [m, us](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(*us, req, res, {Role::kOperator, Role::kAuditor})) return;
    auto r = m->WriteCheckpoint();
    if (!r.ok()) return ReplyJson(res, 500, ApiError("internal", r.status().ToString()));
    ReplyJson(res, 201, *r);
  });
  // Write once: no deletion or overwrite of a stored object through the API, whoever asks.
  auto refuse = [m, ex, us](const httplib::Request& req, httplib::Response& res) {
    auto u = Authorize(*us, req, res, {});
    if (!u) return;
    std::string target = req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
    ex->RefuseWrite(target, "api " + req.method + " " + req.path, u->name);
    m->refusals.Increment();
    ReplyJson(res, 403,
              ApiError("write_once.refused",
                       "Lưu trữ chỉ ghi một lần: không thể xoá hay ghi đè tài liệu; chỉ hủy theo "
                       "danh mục đã được duyệt / write once: stored objects are never deleted or "
                       "overwritten; destruction only through an approved disposal batch"));
  };
  for (const char* pattern : {R"(/api/v1/objects/([^/]+)(?:/.*)?)", R"(/api/v1/objects/?)"}) {
    http.Delete(pattern, refuse);
    http.Put(pattern, refuse);
    http.Patch(pattern, refuse);
  }
}

}  // namespace vault::daemon
