// The daemon's migration side (docs/MIGRATION.md): the plan (dry run), runs in the background,
// their status, and the migration metrics.
//
// Routes:
//   GET  /api/v1/migration/plan[?retry_failed=1]   any user: the plan as JSON
//   POST /api/v1/migration/runs {"retry_failed"}    operator: starts a run → 202 {"id"}; 409
//                                                   migration.running while one is going
//   GET  /api/v1/migration/runs/{id}                any user: the run's state and results
// Threading: handlers run on the HTTP server's threads; the executor runs one run at a time.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "vault/base/status.h"
#include "vault/lifecycle/migration_executor.h"

namespace httplib {
class Server;
}
namespace prometheus {
class Registry;
}

namespace vault::daemon {

class UserStore;
class Vault;

class MigrationApi {
 public:
  static Result<std::unique_ptr<MigrationApi>> Create(Vault& vault, fixity::Fixity* fixity,
                                                      prometheus::Registry& registry);
  ~MigrationApi();

  // Undoes versions added but never logged. Before fixity and placement start.
  Status Recover();
  // Waits for a running migration to finish (shutdown).
  void Stop();
  void Routes(httplib::Server& http, const UserStore& users);
  void RefreshMetrics();
  nlohmann::json StatusJson();
  lifecycle::MigrationExecutor& executor();

 private:
  struct Impl;
  explicit MigrationApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::daemon
