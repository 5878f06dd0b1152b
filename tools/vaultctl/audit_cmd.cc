// vaultctl --root DIR audit verify [--json] [--public-key F] [--no-content]
//
// Offline (needs no daemon, takes no lock, writes nothing): checks the event log's hash chain,
// the signed checkpoints, every tier's storage against the log, the content of every copy, the
// catalog, and that every deletion went through an approved disposal batch
// (docs/RETENTION.md §6; the checks are listed in vault/audit/audit.h).
// Exit 0: intact; 1: breaks found (one line each, or --json); 3: the vault cannot be read.
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/json_util.h"
#include "vault/audit/audit.h"

namespace vault::ctl {

namespace {

struct AuditArgs {
  bool json = false;
  std::string public_key;
  bool no_content = false;
};

int CmdAuditVerify(const Context& ctx, const AuditArgs& args) {
  if (ctx.root.empty()) {
    std::cerr << "vaultctl: audit verify needs --root DIR\n";
    return kExitUsage;
  }
  audit::AuditOptions o;
  if (!args.public_key.empty()) o.public_key_path = args.public_key;
  o.check_content = !args.no_content;
  auto r = audit::AuditVault(ctx.root, o);
  if (!r.ok()) {
    if (args.json) {
      Print({{"intact", false},
             {"error", std::string(r.status().message())},
             {"breaks", nlohmann::json::array()}});
    } else {
      std::cerr << "vaultctl: audit verify: cannot read the vault: " << r.status().ToString()
                << "\n";
    }
    return kExitUnavailable;
  }
  if (args.json) {
    Print(audit::ReportToJson(*r));
  } else {
    for (const auto& b : r->breaks) std::cout << "BREAK " << audit::FormatBreak(b) << "\n";
    const auto& c = r->checked;
    std::cout << (r->intact ? "Toàn vẹn / intact" : "KHÔNG toàn vẹn / NOT intact") << ": "
              << r->breaks.size() << " breaks; checked " << c.events << " events, "
              << c.checkpoints << " checkpoints, " << c.objects << " objects, " << c.copies
              << " copies, " << c.files << " files\n";
  }
  return r->intact ? kExitOk : kExitNegative;
}

}  // namespace

void AddAuditCommands(CLI::App& app, Context& ctx) {
  auto* audit = app.add_subcommand("audit", "audit the vault (offline)");
  audit->require_subcommand(1);
  static AuditArgs args;
  auto* verify = audit->add_subcommand(
      "verify", "check the log chain, signed checkpoints, storage, content, catalog and disposals");
  verify->add_flag("--json", args.json, "print JSON");
  verify->add_option("--public-key", args.public_key,
                     "audit public key (default: <root>/keys/audit.pub)");
  verify->add_flag("--no-content", args.no_content, "check sizes and inventories, not digests");
  verify->callback([&ctx] { ctx.exit_code = CmdAuditVerify(ctx, args); });
}

}  // namespace vault::ctl
