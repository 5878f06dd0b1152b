// The daemon's retention side: the archivists' API of docs/RETENTION.md §7 (review, holds,
// disposal batches, tombstones, write-once refusals), the daily review sweep, signed
// checkpoints of the log, and the retention metrics.
//
// Threading: Start() runs one background thread (sweep + checkpoints); handlers run on the HTTP
// server's threads; the executor serialises changes.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "vault/base/status.h"
#include "vault/lifecycle/retention_executor.h"

namespace httplib {
class Server;
}
namespace prometheus {
class Registry;
}

namespace vault::daemon {

class UserStore;
class Vault;

class RetentionApi {
 public:
  static Result<std::unique_ptr<RetentionApi>> Create(Vault& vault, fixity::Fixity* fixity,
                                                      prometheus::Registry& registry);
  ~RetentionApi();

  // Finishes destructions a crash interrupted. Before fixity and placement start.
  Status Recover();
  // The review sweep at start and every [retention] sweep_hours; a signed checkpoint whenever
  // the log moved and [audit] checkpoint_minutes passed (and at start when none covers the head).
  void Start();
  // Stops the thread and writes a last checkpoint when the log moved since the previous one.
  void Stop();
  void Routes(httplib::Server& http, const UserStore& users);
  void RefreshMetrics();
  nlohmann::json StatusJson();
  // Writes a signed checkpoint of the current log head now.
  Result<nlohmann::json> Checkpoint();
  lifecycle::RetentionExecutor& executor();

 private:
  struct Impl;
  explicit RetentionApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::daemon
