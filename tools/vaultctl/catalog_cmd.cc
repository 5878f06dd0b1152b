// vaultctl catalog rebuild — offline: recreates the LMDB catalog from the event log and storage.
//
// The new catalog is built beside the old one (catalog.rebuild), by replaying every logged
// event through the same materialisation the daemon uses, then cross-checked against every
// tier's storage root; only then is the old catalog moved aside (catalog.old-<time>) and the new
// one put in place. Takes the vault lock, so it refuses to run while vaultd is running.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/vaultctl/commands.h"
#include "vault/base/clock.h"
#include "vault/base/fs.h"
#include "vault/daemon/vault.h"
#include "vault/ingest/materialize.h"

namespace vault::ctl {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int CmdRebuild(Context& ctx, bool as_json) {
  if (ctx.root.empty()) {
    std::cerr << "vaultctl: catalog rebuild needs --root DIR\n";
    return kExitUsage;
  }
  daemon::Vault::Options o;
  o.create_if_missing = false;
  o.recover = false;
  o.open_catalog = false;
  auto v = daemon::Vault::Open(ctx.root, o);
  if (!v.ok()) {
    std::cerr << "vaultctl: catalog rebuild: " << v.status().ToString() << "\n";
    return kExitUnavailable;
  }
  daemon::Vault& vault = **v;
  fs::path target = vault.home().catalog();
  fs::path fresh = vault.home().root / "catalog.rebuild";
  if (Status s = RemoveTree(fresh); !s.ok()) {
    std::cerr << "vaultctl: " << s.ToString() << "\n";
    return kExitUnavailable;
  }
  auto cat = catalog::Catalog::Open(fresh);
  if (!cat.ok()) {
    std::cerr << "vaultctl: catalog rebuild: " << cat.status().ToString() << "\n";
    return kExitUnavailable;
  }
  auto applied = ingest::ReplayLog(vault.log(), vault.stores(), **cat);
  if (!applied.ok()) {
    std::cerr << "vaultctl: catalog rebuild: replay failed: " << applied.status().ToString()
              << "\n  the old catalog is untouched\n";
    return kExitNegative;
  }
  // Cross-check: every object in storage is accounted for by the log, and vice versa.
  json unaccounted = json::array();
  for (const auto& [tier, store] : vault.stores()) {
    Status s = store->ListObjects([&](const std::string& id, const std::string& path) {
      auto o2 = (*cat)->GetObject(id);
      if (!o2.ok() || !*o2) unaccounted.push_back({{"tier", tier}, {"object_id", id}, {"path", path}});
      return true;
    });
    if (!s.ok()) {
      std::cerr << "vaultctl: catalog rebuild: listing tier " << tier << ": " << s.ToString() << "\n";
      return kExitUnavailable;
    }
  }
  auto stats = (*cat)->GetStats();
  cat->reset();  // close before moving the directory
  std::string stamp = FormatIso8601(SystemClock::Default().Now()).substr(0, 19);
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  std::error_code ec;
  fs::path old = vault.home().root / ("catalog.old-" + stamp);
  if (fs::exists(target, ec)) {
    if (Status s = RenameDurable(target, old); !s.ok()) {
      std::cerr << "vaultctl: " << s.ToString() << "\n";
      return kExitUnavailable;
    }
  }
  if (Status s = RenameDurable(fresh, target); !s.ok()) {
    std::cerr << "vaultctl: " << s.ToString() << "\n";
    return kExitUnavailable;
  }
  json out = {{"events_replayed", *applied},
              {"objects", stats.ok() ? stats->objects : 0},
              {"files", stats.ok() ? stats->files : 0},
              {"previous_catalog", fs::exists(old, ec) ? old.string() : ""},
              {"unaccounted_objects", unaccounted}};
  if (as_json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "Đã dựng lại danh mục / catalog rebuilt: " << out["objects"] << " objects, "
              << out["files"] << " files from " << *applied << " events\n";
    if (!out["previous_catalog"].get<std::string>().empty()) {
      std::cout << "  previous catalog kept at " << out["previous_catalog"].get<std::string>() << "\n";
    }
    for (const auto& u : unaccounted) {
      std::cout << "  WARNING: object in storage without an ingestion event: " << u["object_id"]
                << " on " << u["tier"] << "\n";
    }
  }
  return unaccounted.empty() ? kExitOk : kExitNegative;
}

}  // namespace

void AddCatalogCommands(CLI::App& app, Context& ctx) {
  auto* cat = app.add_subcommand("catalog", "catalog maintenance (offline)");
  cat->require_subcommand(1);
  static bool rebuild_json = false;
  auto* rebuild = cat->add_subcommand("rebuild", "rebuild the LMDB catalog from storage and the event log");
  rebuild->add_flag("--json", rebuild_json, "print JSON");
  rebuild->callback([&ctx] { ctx.exit_code = CmdRebuild(ctx, rebuild_json); });
}

}  // namespace vault::ctl
