// vaultctl bag validate PATH [--json]: offline BagIt (RFC 8493) validation of a bag directory or
// a zip/tar/tar.gz holding one (formats/bagit/bagit.h). Exit 0 valid (warnings allowed),
// 1 invalid, 3 cannot read PATH.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/bagit/bagit.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/report.h"

namespace vault::ctl {
namespace {

struct BagValidateArgs {
  std::string path;
  bool json = false;
  bool no_digests = false;
};

int RunValidate(const BagValidateArgs& a) {
  bagit::Options opts;
  opts.check_digests = !a.no_digests;
  Result<bagit::Report> r = bagit::ValidateBagAtPath(a.path, opts, archive::ExtractLimits{});
  if (!r.ok()) return ReportUnreadable("bag validate", a.path, r.status(), a.json);
  if (a.json) {
    PrintJsonReport(bagit::ReportToJson(*r));
    return r->valid ? kExitOk : kExitNegative;
  }
  return PrintHumanReport(*r, a.path + ": " + (r->valid ? "valid" : "INVALID") + " BagIt " +
                                  (r->version.empty() ? "?" : r->version) + " (" +
                                  std::to_string(r->errors.size()) + " errors, " +
                                  std::to_string(r->warnings.size()) + " warnings, " +
                                  std::to_string(r->payload.size()) + " payload files)");
}

}  // namespace

void AddBagCommands(CLI::App& app, Context& ctx) {
  CLI::App* bag = app.add_subcommand("bag", "BagIt packages (offline)");
  bag->require_subcommand(1);
  auto args = std::make_shared<BagValidateArgs>();
  CLI::App* validate = bag->add_subcommand("validate",
                                           "validate a BagIt bag (directory, zip, tar or tar.gz); "
                                           "exit 0 valid, 1 invalid, 3 unreadable");
  validate->add_option("PATH", args->path, "bag directory or archive")->required();
  validate->add_flag("--json", args->json, "print the report as one JSON document");
  validate->add_flag("--no-digests", args->no_digests, "check structure only, skip hashing");
  validate->callback([args, &ctx] { ctx.exit_code = RunValidate(*args); });
}

}  // namespace vault::ctl
