// vaultctl init | status | ingest | objects list/show
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tools/vaultctl/client.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/json_util.h"
#include "vault/daemon/vault.h"

namespace vault::ctl {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int CmdInit(const std::string& dir) {
  if (Status s = daemon::InitHome(dir); !s.ok()) {
    std::cerr << "vaultctl: init " << dir << ": " << s.ToString() << "\n";
    return kExitUnavailable;
  }
  std::cout << "Đã tạo kho lưu trữ / vault created: " << fs::absolute(dir).string() << "\n"
            << "  start it with: vaultd --root " << dir << "\n";
  return kExitOk;
}

int CmdStatus(Context& ctx, bool as_json) {
  auto c = ApiClient::FromContext(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Get("/api/v1/status");
  if (r.http_status != 200) return ReportApiFailure(r, "status");
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& b = r.body;
  std::cout << "Kho / vault:     " << b.value("root", "") << " (vaultd " << b.value("version", "")
            << ")\n"
            << "Hồ sơ / objects: " << b.value("objects", 0) << " (" << b.value("files", 0)
            << " files, " << Human(b.value("bytes", 0ull)) << ")\n"
            << "Sự kiện / events: " << b.value("last_event_seq", 0) << "\n"
            << "Hàng đợi / jobs: " << Field(b, "jobs").value("queued", 0) << " queued, "
            << Field(b, "jobs").value("running", 0) << " running\n";
  for (const auto& t : Arr(b, "tiers")) {
    std::cout << "Tầng / tier:     " << t.value("name", "") << " (" << t.value("kind", "")
              << ", medium " << t.value("medium", "") << ") " << t.value("path", "") << "\n";
  }
  static const json kEmptyObject = json::object();
  const json& in = Field(b, "integrity").is_object() ? Field(b, "integrity") : kEmptyObject;
  for (const auto& t : Arr(in, "tiers")) {
    char cov[32];
    std::snprintf(cov, sizeof(cov), "%.1f%%", 100.0 * t.value("coverage_ratio", 1.0));
    std::cout << "Kiểm tra / fixity " << t.value("tier", "") << ": " << t.value("copies", 0)
              << " copies, coverage " << cov << " within " << t.value("period_days", 0)
              << " days, oldest " << static_cast<int64_t>(t.value("oldest_verification_age_s", 0.0) / 86400)
              << " days, rate " << Human(static_cast<uint64_t>(t.value("rate_bytes_per_s", 0.0)))
              << "/s" << (t.value("at_risk", false) ? " — AT RISK" : "") << "\n";
  }
  for (const auto& w : Arr(in, "media_warnings")) {
    if (w.is_string()) std::cout << "CẢNH BÁO / WARNING: " << w.get<std::string>() << "\n";
  }
  std::cout << "Bản sao / copies: " << in.value("below_policy", int64_t{0}) << " objects below policy, "
            << in.value("damaged_objects", 0) << " damaged (no good copy)\n";
  const json& rt = Field(b, "retention").is_object() ? Field(b, "retention") : kEmptyObject;
  if (!rt.empty()) {
    const json& sc = Field(rt, "schedule").is_object() ? Field(rt, "schedule") : kEmptyObject;
    const json& bt = Field(rt, "batches").is_object() ? Field(rt, "batches") : kEmptyObject;
    std::cout << "Bảo quản / retention: schedule " << sc.value("id", "") << " "
              << sc.value("version", "") << "; " << rt.value("due", 0) << " in review, "
              << rt.value("holds", 0) << " holds, " << bt.value("proposed", 0) << " batches proposed, "
              << bt.value("approved", 0) << " approved"
              << (bt.value("overdue", 0) > 0 ? " (" + std::to_string(bt.value("overdue", 0)) +
                                                   " PAST DEADLINE / QUÁ HẠN)"
                                             : std::string())
              << ", " << rt.value("destroyed", 0) << " destroyed\n";
  }
  return kExitOk;
}

int CmdIngest(Context& ctx, const std::string& path, bool wait, bool as_json) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (!fs::exists(fs::symlink_status(abs, ec))) {
    std::cerr << "vaultctl: ingest: no such file or directory: " << path << "\n";
    return kExitUsage;
  }
  auto c = ApiClient::FromContext(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/ingest", {{"path", abs.string()}});
  if (r.http_status != 202) return ReportApiFailure(r, "ingest");
  std::string job = r.body.value("job_id", "");
  if (!wait) {
    if (as_json) {
      Print({{"status", "queued"}, {"job_id", job}});
    } else {
      std::cout << "queued as " << job << "\n";
    }
    return kExitOk;
  }
  json state;
  for (int delay_ms = 20;; delay_ms = std::min(delay_ms * 2, 500)) {
    auto s = c->Get("/api/v1/jobs/" + job);
    if (s.http_status == 404) {
      // The daemon restarted and lost the queued job: not a verdict on the package.
      std::cerr << "vaultctl: job " << job << " is no longer known to vaultd (restarted?); "
                << "check `objects list` or submit again\n";
      return kExitUnavailable;
    }
    if (s.http_status != 200 || !s.body.is_object()) return ReportApiFailure(s, "job " + job);
    state = s.body;
    std::string st = state.value("state", "");
    if (st != "queued" && st != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
  std::string st = state.value("state", "");
  if (as_json) {
    json out = state;
    out["status"] = st == "accepted" ? "accepted" : (st == "rejected" ? "rejected" : st);
    Print(out);
  } else if (st == "accepted") {
    std::cout << "Đã tiếp nhận / accepted: " << state.value("object_id", "") << " ("
              << state.value("files", 0) << " files, " << Human(state.value("bytes", 0ull))
              << ")\n";
  } else {
    const json& reason = Field(state, "reason");
    std::cout << "Bị từ chối / rejected: " << (reason.is_object() ? reason.value("rule", "") : "")
              << "\n  path: " << (reason.is_object() ? reason.value("path", "") : "")
              << "\n  " << (reason.is_object() ? reason.value("message", "") : "") << "\n";
    if (state.contains("quarantine")) std::cout << "  quarantine: " << state.value("quarantine", "") << "\n";
  }
  if (st == "accepted") return kExitOk;
  if (st == "rejected") return kExitNegative;
  return kExitUnavailable;  // failed or cancelled: an environment problem, not a verdict
}

int CmdObjectsList(Context& ctx, bool as_json) {
  auto c = ApiClient::FromContext(ctx);
  if (!c) return kExitUnavailable;
  json all = json::array();
  std::string after;
  while (true) {
    auto r = c->Get("/api/v1/objects?limit=1000&after=" + httplib::detail::encode_query_param(after));
    if (r.http_status != 200) return ReportApiFailure(r, "objects list");
    for (auto& o : Arr(r.body, "objects")) all.push_back(o);
    after = Str(r.body, "next");
    if (after.empty()) break;
  }
  if (as_json) {
    Print(all);
    return kExitOk;
  }
  for (const auto& o : all) {
    std::cout << o.value("id", "") << "  " << o.value("state", "") << "  "
              << o.value("file_code", "") << "  " << o.value("title", "") << "  ("
              << o.value("files", 0) << " files, " << Arr(o, "copies").size() << " copies)\n";
  }
  return kExitOk;
}

int CmdObjectsShow(Context& ctx, const std::string& id, bool as_json) {
  auto c = ApiClient::FromContext(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Get("/api/v1/objects/" + httplib::detail::encode_query_param(id));
  if (r.http_status == 404) {
    std::cerr << "vaultctl: no object " << id << "\n";
    return kExitNegative;
  }
  if (r.http_status != 200) return ReportApiFailure(r, "objects show");
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& o = r.body;
  std::cout << "Mã định danh / id: " << o.value("id", "") << "\n"
            << "Mã hồ sơ / file code: " << o.value("file_code", "") << "\n"
            << "Tiêu đề / title: " << o.value("title", "") << "\n"
            << "Trạng thái / state: " << o.value("state", "") << "\n"
            << "Gói / package: " << o.value("package", "") << "  (" << o.value("created", "") << ")\n";
  for (const auto& cp : Arr(o, "copies")) {
    std::cout << "Bản sao / copy: " << cp.value("tier", "") << " " << cp.value("state", "") << "\n";
  }
  for (const auto& f : Arr(o, "files_list")) {
    std::cout << "  " << f.value("sha256", "").substr(0, 12) << "  " << f.value("size", 0)
              << "  " << f.value("path", "") << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddDaemonCommands(CLI::App& app, Context& ctx) {
  auto* init = app.add_subcommand("init", "create a vault home with defaults (offline)");
  static std::string init_dir;
  init->add_option("DIR", init_dir, "vault home")->required();
  init->callback([&ctx] { ctx.exit_code = CmdInit(init_dir); });

  static bool status_json = false;
  auto* status = app.add_subcommand("status", "daemon and vault status");
  status->add_flag("--json", status_json, "print JSON");
  status->callback([&ctx] { ctx.exit_code = CmdStatus(ctx, status_json); });

  static std::string ingest_path;
  static bool ingest_wait = false, ingest_json = false;
  auto* ingest = app.add_subcommand("ingest", "submit a package (never modifies PATH)");
  ingest->add_option("PATH", ingest_path, "bag directory, .zip, .tar or .tar.gz")->required();
  ingest->add_flag("--wait", ingest_wait, "wait until accepted or rejected");
  ingest->add_flag("--json", ingest_json, "print JSON");
  ingest->callback([&ctx] { ctx.exit_code = CmdIngest(ctx, ingest_path, ingest_wait, ingest_json); });

  auto* objects = app.add_subcommand("objects", "list or show stored objects");
  objects->require_subcommand(1);
  static bool list_json = false, show_json = false;
  static std::string show_id;
  auto* list = objects->add_subcommand("list", "list objects");
  list->add_flag("--json", list_json, "print JSON");
  list->callback([&ctx] { ctx.exit_code = CmdObjectsList(ctx, list_json); });
  auto* show = objects->add_subcommand("show", "show one object");
  show->add_option("ID", show_id, "object id")->required();
  show->add_flag("--json", show_json, "print JSON");
  show->callback([&ctx] { ctx.exit_code = CmdObjectsShow(ctx, show_id, show_json); });

}

}  // namespace vault::ctl
