// vaultctl migrate plan [--json] [--retry-failed]
// vaultctl migrate run [--wait] [--json] [--retry-failed]
//
// Format migration of permanent records (docs/MIGRATION.md) through the daemon's API: `plan` is a
// dry run (what would be converted, to what, why, and what is skipped and why); `run` starts a
// run and, with --wait, follows it to the end. Exit codes: 0 ok (run: every planned file
// migrated), 1 some files failed, 2 usage, 3 vaultd unreachable.
#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "tools/vaultctl/client.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/json_util.h"

namespace vault::ctl {
namespace {

using nlohmann::json;

int Failed(const ApiReply& r, const std::string& what, bool as_json) {
  if (as_json && r.body.is_object()) Print(r.body);
  return ReportApiFailure(r, what);
}

int CmdPlan(Context& ctx, bool as_json, bool retry_failed) {
  auto c = ApiClient::FromContext(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Get(std::string("/api/v1/migration/plan") + (retry_failed ? "?retry_failed=1" : ""));
  if (r.http_status != 200) return Failed(r, "migrate plan", as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& items = Arr(r.body, "items");
  const json& skipped = Arr(r.body, "skipped");
  const json& policy = Field(r.body, "policy");
  std::cout << "Kế hoạch chuyển đổi định dạng / migration plan (chính sách / policy "
            << Str(policy, "id") << " v" << (Field(policy, "version").is_number() ? Field(policy, "version").dump() : "?")
            << "): " << items.size() << " tệp sẽ chuyển đổi / files to migrate\n";
  for (const auto& i : items) {
    std::cout << "  " << Str(i, "object_id") << "  " << Str(i, "source_path") << "  ["
              << Str(i, "source_puid") << " " << Str(i, "source_format") << "] → "
              << Str(i, "output_path") << "  (" << Str(i, "target") << ", " << Str(i, "converter")
              << "; " << Str(i, "rule_id") << ")\n";
  }
  std::map<std::string, int> by_reason;
  for (const auto& s : skipped) ++by_reason[Str(s, "reason_code")];
  if (!by_reason.empty()) {
    std::cout << "Bỏ qua / skipped:";
    for (const auto& [code, n] : by_reason) std::cout << " " << code << "=" << n;
    std::cout << "\n";
  }
  for (const auto& s : skipped) {
    const std::string code = Str(s, "reason_code");
    if (code == "unidentified" || code == "failed_before") {
      std::cout << "  " << code << ": " << Str(s, "object_id") << "  " << Str(s, "path") << "\n";
    }
  }
  return kExitOk;
}

int CmdRun(Context& ctx, bool wait, bool as_json, bool retry_failed) {
  auto c = ApiClient::FromContext(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/migration/runs", {{"retry_failed", retry_failed}});
  if (r.http_status != 202) return Failed(r, "migrate run", as_json);
  const std::string id = Str(r.body, "id");
  if (!wait) {
    if (as_json) {
      Print(r.body);
    } else {
      std::cout << "Đã bắt đầu / started " << id << " (vaultctl migrate run --wait to follow)\n";
    }
    return kExitOk;
  }
  json run;
  for (;;) {
    auto s = c->Get("/api/v1/migration/runs/" + id);
    if (s.http_status != 200) return Failed(s, "migrate run", as_json);
    run = s.body;
    if (Str(run, "state") != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  if (as_json) {
    Print(run);
  } else {
    std::cout << "Chuyển đổi / migration " << id << ": " << Str(run, "state") << "; "
              << U64(run, "migrated") << " tệp đã chuyển đổi / migrated, " << U64(run, "failed")
              << " thất bại / failed, " << U64(run, "objects") << " hồ sơ / objects\n";
    for (const auto& o : Arr(run, "results")) {
      for (const auto& i : Arr(o, "items")) {
        std::cout << "  " << Str(o, "object") << "  " << Str(i, "source") << " → "
                  << Str(i, "output") << "  " << Str(i, "outcome");
        if (Str(i, "outcome") != "success") std::cout << ": " << Str(i, "reason");
        std::cout << "\n";
      }
      if (Field(o, "skipped").is_boolean() && Field(o, "skipped").get<bool>()) {
        std::cout << "  " << Str(o, "object") << "  bỏ qua / skipped: " << Str(o, "reason") << "\n";
      }
    }
    if (!Str(run, "error").empty()) std::cerr << "vaultctl: migrate run: " << Str(run, "error") << "\n";
  }
  if (Str(run, "state") != "done") return kExitNegative;
  return U64(run, "failed") > 0 ? kExitNegative : kExitOk;
}

}  // namespace

void AddMigrateCommands(CLI::App& app, Context& ctx) {
  auto* mig = app.add_subcommand("migrate", "Format migration of permanent records (chuyển đổi định dạng)");
  mig->require_subcommand(1);
  auto* plan = mig->add_subcommand("plan", "What would be migrated, to what and why (dry run)");
  static bool plan_json = false, plan_retry = false;
  plan->add_flag("--json", plan_json, "One JSON document on stdout");
  plan->add_flag("--retry-failed", plan_retry, "Include files whose earlier migration failed");
  plan->callback([&ctx] { ctx.exit_code = CmdPlan(ctx, plan_json, plan_retry); });
  auto* run = mig->add_subcommand("run", "Start a migration run of the current plan");
  static bool run_wait = false, run_json = false, run_retry = false;
  run->add_flag("--wait", run_wait, "Follow the run until it ends; exit 1 if a file failed");
  run->add_flag("--json", run_json, "One JSON document on stdout");
  run->add_flag("--retry-failed", run_retry, "Also retry files whose earlier migration failed");
  run->callback([&ctx] { ctx.exit_code = CmdRun(ctx, run_wait, run_json, run_retry); });
}

}  // namespace vault::ctl
