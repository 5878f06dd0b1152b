#include "vault/daemon/migration_api.h"

#include <httplib.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "vault/base/logging.h"
#include "vault/daemon/http_util.h"
#include "vault/daemon/users.h"
#include "vault/daemon/vault.h"

namespace vault::daemon {

using nlohmann::json;

struct MigrationApi::Impl {
  Vault& vault;
  std::unique_ptr<lifecycle::MigrationExecutor> exec;
  prometheus::Family<prometheus::Gauge>& files;
  prometheus::Gauge& versions;
  prometheus::Gauge& planned;

  Impl(Vault& v, prometheus::Registry& r)
      : vault(v),
        files(prometheus::BuildGauge()
                  .Name("vault_migration_files")
                  .Help("Files migrated (outcome=success) or whose migration failed "
                        "(outcome=failure) since vaultd started")
                  .Register(r)),
        versions(prometheus::BuildGauge()
                     .Name("vault_migration_versions")
                     .Help("Object versions added by format migration since vaultd started")
                     .Register(r)
                     .Add({})),
        planned(prometheus::BuildGauge()
                    .Name("vault_migration_planned_files")
                    .Help("Files the migration plan would convert (as of the last "
                          "GET /api/v1/migration/plan)")
                    .Register(r)
                    .Add({})) {
    files.Add({{"outcome", "success"}});
    files.Add({{"outcome", "failure"}});
  }
};

MigrationApi::MigrationApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MigrationApi::~MigrationApi() { Stop(); }

Result<std::unique_ptr<MigrationApi>> MigrationApi::Create(Vault& vault, fixity::Fixity* fixity,
                                                           prometheus::Registry& registry) {
  auto impl = std::make_unique<Impl>(vault, registry);
  lifecycle::MigrationEnv env;
  env.catalog = &vault.catalog();
  Vault* v = &vault;
  env.commit = [v](std::vector<eventlog::EventDraft> d) { return v->ingester().Commit(std::move(d)); };
  for (const auto& t : vault.config().tiers) env.tiers.emplace_back(t.name, &vault.store(t.name));
  env.fixity = fixity;
  env.clock = &vault.clock();
  env.policy = vault.migration_policy();
  env.identifier = vault.identifier();
  env.config = vault.config().migration;
  env.work_dir = vault.home().root / "work" / "migration";
  impl->exec = std::make_unique<lifecycle::MigrationExecutor>(std::move(env));
  return std::unique_ptr<MigrationApi>(new MigrationApi(std::move(impl)));
}

Status MigrationApi::Recover() { return impl_->exec->Recover(); }
void MigrationApi::Stop() { impl_->exec->Join(); }
lifecycle::MigrationExecutor& MigrationApi::executor() { return *impl_->exec; }

void MigrationApi::RefreshMetrics() {
  auto c = impl_->exec->GetCounts();
  impl_->files.Add({{"outcome", "success"}}).Set(static_cast<double>(c.migrated));
  impl_->files.Add({{"outcome", "failure"}}).Set(static_cast<double>(c.failed));
  impl_->versions.Set(static_cast<double>(c.versions));
}

json MigrationApi::StatusJson() {
  auto c = impl_->exec->GetCounts();
  const auto& policy = impl_->vault.migration_policy();
  const auto& id = impl_->vault.identifier();
  return {{"policy", policy ? policy->id + " v" + std::to_string(policy->version) : ""},
          {"signatures", id ? id->version() : ""},
          {"migrated", c.migrated},
          {"failed", c.failed},
          {"versions", c.versions},
          {"runs", c.runs}};
}

void MigrationApi::Routes(httplib::Server& http, const UserStore& users) {
  Impl* m = impl_.get();
  http.Get("/api/v1/migration/plan", [m](const httplib::Request& req, httplib::Response& res) {
    const bool retry = req.get_param_value("retry_failed") == "1";
    auto plan = m->exec->PlanJson(retry);
    if (!plan.ok()) return ReplyJson(res, 500, ApiError("migration.plan", plan.status().ToString()));
    if (plan->contains("items") && (*plan)["items"].is_array()) {
      m->planned.Set(static_cast<double>((*plan)["items"].size()));
    }
    ReplyJson(res, 200, *plan);
  });
  http.Post("/api/v1/migration/runs", [m, &users](const httplib::Request& req,
                                                  httplib::Response& res) {
    auto user = Authorize(users, req, res, {Role::kOperator});
    if (!user) return;
    bool retry = false;
    if (!req.body.empty()) {
      json b = json::parse(req.body, nullptr, false);
      if (!b.is_object()) {
        return ReplyJson(res, 400, ApiError("api.bad_request", "the body must be a JSON object"));
      }
      retry = b.value("retry_failed", false);
    }
    auto id = m->exec->Start(user->name, retry);
    if (!id.ok()) {
      const bool busy = id.status().code() == Code::kFailedPrecondition;
      return ReplyJson(res, busy ? 409 : 500,
                       ApiError(busy ? "migration.running" : "migration.start",
                                id.status().message()));
    }
    ReplyJson(res, 202, {{"id", *id}});
  });
  http.Get(R"(/api/v1/migration/runs/([A-Za-z0-9-]+))",
           [m](const httplib::Request& req, httplib::Response& res) {
             auto run = m->exec->RunStatus(req.matches[1]);
             if (!run) return ReplyJson(res, 404, ApiError("api.not_found", "no such run"));
             ReplyJson(res, 200, *run);
           });
}

}  // namespace vault::daemon
