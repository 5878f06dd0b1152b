// vaultctl verify (ID... | --all) [--wait] [--json]
//   ID...   checks (and repairs) every copy of the named objects now, synchronously.
//   --all   starts a full fixity pass over every copy on every tier in the daemon
//           (POST /api/v1/fixity/runs); with --wait it follows the pass to its end, drawing a
//           progress bar on stderr when stderr is a terminal, and prints the result (JSON with
//           --json). Exit: 0 clean, 1 findings (repaired or not), 3 daemon unreachable or the
//           pass failed.
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tools/vaultctl/client.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/json_util.h"

namespace vault::ctl {
namespace {

using nlohmann::json;

int VerifyObjects(ApiClient& c, const std::vector<std::string>& ids, bool as_json) {
  json results = json::array();
  bool ok = true;
  for (const auto& id : ids) {
    auto r = c.Post("/api/v1/objects/" + httplib::detail::encode_query_param(id) + "/verify",
                    json::object());
    if (r.http_status == 404) {
      results.push_back({{"object_id", id}, {"ok", false}, {"error", "no such object"}});
      ok = false;
      if (!as_json)
        std::cout << "MISSING " << id << " (no such object)\n";
      continue;
    }
    if (r.http_status != 200)
      return ReportApiFailure(r, "verify " + id);
    const bool obj_ok = Field(r.body, "ok").is_boolean() && Field(r.body, "ok").get<bool>();
    if (!obj_ok)
      ok = false;
    results.push_back(r.body);
    if (as_json)
      continue;
    std::cout << (obj_ok ? "OK      " : "DAMAGED ") << id << "\n";
    for (const auto& cp : Arr(r.body, "copies")) {
      for (const auto& f : Arr(cp, "findings")) {
        std::cout << "  " << Str(cp, "tier") << ": " << Str(f, "kind") << " " << Str(f, "path")
                  << "\n";
      }
      if (!Arr(cp, "findings").empty()) {
        const bool repaired =
            Field(cp, "repaired").is_boolean() && Field(cp, "repaired").get<bool>();
        std::cout << "  " << Str(cp, "tier") << ": "
                  << (repaired ? "đã sửa / repaired"
                               : "CHƯA SỬA / not repaired: " + Str(cp, "repair_error"))
                  << "\n";
      }
    }
  }
  if (as_json)
    Print({{"ok", ok}, {"objects", results}});
  return ok ? kExitOk : kExitNegative;
}

void DrawProgress(const json& p) {
  const uint64_t total = U64(p, "bytes_total"), done = U64(p, "bytes_done");
  const uint64_t ctotal = U64(p, "copies_total"), cdone = U64(p, "copies_done");
  double frac = ctotal ? static_cast<double>(cdone) / static_cast<double>(ctotal) : 0;
  if (total)
    frac = std::max(frac, static_cast<double>(done) / static_cast<double>(total));
  frac = std::min(1.0, frac);
  const int width = 30;
  int fill = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(fill), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r[%s] %5.1f%%  %llu/%llu copies  %s  %llu findings ", bar.c_str(),
               frac * 100, static_cast<unsigned long long>(cdone),
               static_cast<unsigned long long>(ctotal), Human(done).c_str(),
               static_cast<unsigned long long>(U64(p, "findings_total")));
  std::fflush(stderr);
}

int VerifyAll(ApiClient& c, bool wait, bool as_json) {
  auto r = c.Post("/api/v1/fixity/runs", json::object());
  if (r.http_status != 202)
    return ReportApiFailure(r, "verify --all");
  const std::string run = Str(r.body, "run_id");
  if (!wait) {
    if (as_json) {
      Print({{"run_id", run}, {"state", "running"}});
    } else {
      std::cout << "Đã bắt đầu kiểm tra / fixity pass started: " << run << "\n";
    }
    return kExitOk;
  }
  const bool bar = ::isatty(STDERR_FILENO) == 1;
  auto start = std::chrono::steady_clock::now();
  json p;
  for (;;) {
    auto s = c.Get("/api/v1/fixity/runs/" + run);
    if (s.http_status != 200) {
      if (bar)
        std::fputc('\n', stderr);
      return ReportApiFailure(s, "fixity run " + run);
    }
    p = s.body;
    if (bar)
      DrawProgress(p);
    if (Str(p, "state") != "running")
      break;
    // Poll fast at first (a short pass should not wait for the poll), then every 250 ms.
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(elapsed < 5 ? 20 : 250));
  }
  if (bar)
    std::fputc('\n', stderr);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  p["seconds"] = secs;
  p["bytes_per_second"] = secs > 0 ? static_cast<double>(U64(p, "bytes_done")) / secs : 0.0;
  const uint64_t findings = U64(p, "findings_total");
  if (as_json) {
    Print(p);
  } else {
    std::cout << "Kiểm tra toàn bộ / full fixity pass " << run << ": " << Str(p, "state") << "\n"
              << "  " << U64(p, "copies_done") << " copies, " << U64(p, "files_done") << " files, "
              << Human(U64(p, "bytes_done")) << " in " << secs << " s\n"
              << "  " << findings << " findings; " << U64(p, "damaged_copies")
              << " damaged copies, " << U64(p, "repaired_copies") << " repaired, "
              << U64(p, "unrepaired_copies") << " NOT repaired\n";
    for (const auto& prob : Arr(p, "problems")) {
      std::cout << "  " << Str(prob, "tier") << " " << Str(prob, "object_id") << ": "
                << (Field(prob, "repaired").is_boolean() && Field(prob, "repaired").get<bool>()
                        ? "repaired from " + Str(prob, "repair_source")
                        : "NOT repaired (" + Str(prob, "repair_error") + ")")
                << "\n";
      for (const auto& f : Arr(prob, "findings")) {
        std::cout << "    " << Str(f, "kind") << " " << Str(f, "path") << "\n";
      }
    }
    if (!Str(p, "error").empty())
      std::cout << "  error: " << Str(p, "error") << "\n";
  }
  if (Str(p, "state") != "done")
    return kExitUnavailable;
  return findings == 0 ? kExitOk : kExitNegative;
}

}  // namespace

void AddVerifyCommands(CLI::App& app, Context& ctx) {
  static std::vector<std::string> ids;
  static bool all = false, wait = false, as_json = false;
  auto* verify = app.add_subcommand("verify", "verify (and repair) every copy of objects now");
  verify->add_option("ID", ids, "object ids (checked synchronously)");
  verify->add_flag("--all", all, "a full fixity pass over every copy on every tier");
  verify->add_flag("--wait", wait, "with --all: follow the pass to its end");
  verify->add_flag("--json", as_json, "print JSON");
  verify->callback([&ctx] {
    if (ids.empty() == !all) {
      std::cerr << "vaultctl: verify needs object ids or --all (not both)\n";
      ctx.exit_code = kExitUsage;
      return;
    }
    auto c = ApiClient::FromContext(ctx);
    if (!c) {
      ctx.exit_code = kExitUnavailable;
      return;
    }
    ctx.exit_code = all ? VerifyAll(*c, wait, as_json) : VerifyObjects(*c, ids, as_json);
  });
}

}  // namespace vault::ctl
