// vaultctl: the command-line client of archive-vault. See DESIGN.md §5 for the contract.
#include <CLI/CLI.hpp>
#include <iostream>
#include <libxml/parser.h>

#include "tools/vaultctl/commands.h"

int main(int argc, char** argv) {
  xmlInitParser();
  vault::ctl::Context ctx;
  CLI::App app{"vaultctl — client of the archive-vault daemon (vaultd)"};
  app.require_subcommand(1);
  app.add_option("--root", ctx.root, "vault home directory (finds the API address and token)");
  app.add_option("--server", ctx.server, "URL of a remote vaultd API");
  app.add_option("--token-file", ctx.token_file, "file holding the bearer token");
  // Registration lines are added here as each subcommand file lands.
  vault::ctl::AddBagCommands(app, ctx);
  vault::ctl::AddOcflCommands(app, ctx);
  vault::ctl::AddDaemonCommands(app, ctx);
  vault::ctl::AddVerifyCommands(app, ctx);
  vault::ctl::AddCatalogCommands(app, ctx);
  vault::ctl::AddUserCommands(app, ctx);
  vault::ctl::AddAuditCommands(app, ctx);
  vault::ctl::AddRetentionCommands(app, ctx);
  vault::ctl::AddMigrateCommands(app, ctx);
  vault::ctl::AddIdentifyCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : vault::ctl::kExitUsage;
  } catch (const std::exception& e) {
    // An unexpected reply shape from a daemon (or a bug) must not abort with a core dump.
    std::cerr << "vaultctl: unexpected error: " << e.what() << "\n";
    return vault::ctl::kExitUnavailable;
  }
  return ctx.exit_code;
}
