// vaultctl's subcommands. Each Add*Commands() adds its subcommands to the CLI11 app; when a
// subcommand runs, its callback stores the process exit code in `ctx.exit_code`:
//   0 success; 1 a negative verdict (rejected, invalid, findings); 2 usage; 3 vault unreachable.
// `--json` on a command prints exactly one JSON document on stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace vault::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitNegative = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 3;

struct Context {
  std::string root;        // --root DIR (vault home)
  std::string server;      // --server URL (remote daemon)
  std::string token_file;  // --token-file F
  int exit_code = 0;
};

void AddBagCommands(CLI::App& app, Context& ctx);      // bag validate         (bag_cmd.cc)
void AddOcflCommands(CLI::App& app, Context& ctx);     // ocfl validate        (ocfl_cmd.cc)
void AddDaemonCommands(CLI::App& app, Context& ctx);   // init status ingest objects
void AddVerifyCommands(CLI::App& app, Context& ctx);   // verify               (verify_cmd.cc)
void AddCatalogCommands(CLI::App& app, Context& ctx);  // catalog rebuild      (catalog_cmd.cc)
void AddUserCommands(CLI::App& app, Context& ctx);     // user whoami          (user_cmd.cc)
void AddAuditCommands(CLI::App& app, Context& ctx);    // audit verify         (audit_cmd.cc)
void AddRetentionCommands(CLI::App& app, Context& ctx);  // retention hold disposal, objects delete (retention_cmd.cc; after AddDaemonCommands)
void AddMigrateCommands(CLI::App& app, Context& ctx);  // migrate plan run      (migrate_cmd.cc)
void AddIdentifyCommands(CLI::App& app, Context& ctx);  // identify PATH... (identify_cmd.cc)

}  // namespace vault::ctl
