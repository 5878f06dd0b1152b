// Integrity: the daemon's side of issue "copies on independent media, fixity as a coverage
// guarantee, self-repair, Prometheus metrics". It owns the hashing pool, the fixity scheduler
// and the placement executor for an open Vault, maps their observations to Prometheus metrics,
// and serves their part of the HTTP API:
//   POST /api/v1/fixity/runs            {"objects": [id...]}? → 202 {"run_id"}   a full pass now
//   GET  /api/v1/fixity/runs/{id}       progress / result of a pass (fixity::PassProgress)
//   GET  /api/v1/fixity                 per-tier scheduler state, coverage and rate
//   POST /api/v1/objects/{id}/verify    checks (and repairs) every copy of one object now
//   POST /api/v1/placement/sweep        applies the placement policy to every object now
// Metrics (all series pre-created per tier, kind and outcome, so alerts see zeros):
// see monitoring/metrics.txt.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "vault/base/status.h"
#include "vault/daemon/vault.h"

namespace httplib {
class Server;
}
namespace prometheus {
class Registry;
}

namespace vault::fixity {
class Fixity;
}

namespace vault::daemon {

class UserStore;

class Integrity {
 public:
  static Result<std::unique_ptr<Integrity>> Create(Vault& vault, prometheus::Registry& registry);
  ~Integrity();

  // Starts the background scheduler and placement threads (per vault.toml [fixity]).
  void Start();
  // Stops them; a pass in progress ends at its next batch.
  void Stop();
  // A package was accepted: make its other copies now.
  void OnIngested(const std::string& object_id);
  // Refreshes the gauges (called on every /metrics scrape).
  void RefreshMetrics();
  // The "integrity" part of /api/v1/status.
  nlohmann::json StatusJson();
  // The fixity engine (its object locks serialise every writer of one object).
  fixity::Fixity* fixity();
  // Registers the routes above; the POST routes need the role operator (or admin) in `users`.
  void Routes(httplib::Server& http, const UserStore& users);

 private:
  struct Impl;
  explicit Integrity(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::daemon
