// vaultctl ocfl validate PATH [--json]: offline OCFL 1.1 validation of an object or a storage
// root (formats/ocfl/validator.h). Exit 0 valid (warnings allowed), 1 invalid, 3 unreadable.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/ocfl/validator.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/report.h"

namespace vault::ctl {
namespace {

struct OcflValidateArgs {
  std::string path;
  bool json = false;
  bool no_digests = false;
};

int RunValidate(const OcflValidateArgs& a) {
  ocfl::ValidateOptions opts;
  opts.check_digests = !a.no_digests;
  Result<ocfl::ValidationReport> r = ocfl::ValidatePath(a.path, opts);
  if (!r.ok()) return ReportUnreadable("ocfl validate", a.path, r.status(), a.json);
  if (a.json) {
    PrintJsonReport(ocfl::ReportToJson(*r));
    return r->valid ? kExitOk : kExitNegative;
  }
  return PrintHumanReport(*r, a.path + ": " + (r->valid ? "valid" : "INVALID") + " (" +
                                  std::to_string(r->errors.size()) + " errors, " +
                                  std::to_string(r->warnings.size()) + " warnings, " +
                                  std::to_string(r->objects_checked) + " objects checked)");
}

}  // namespace

void AddOcflCommands(CLI::App& app, Context& ctx) {
  CLI::App* ocfl = app.add_subcommand("ocfl", "OCFL storage roots and objects (offline)");
  ocfl->require_subcommand(1);
  auto args = std::make_shared<OcflValidateArgs>();
  CLI::App* validate = ocfl->add_subcommand(
      "validate", "validate an OCFL 1.1 object or storage root; exit 0 valid, 1 invalid, 3 unreadable");
  validate->add_option("PATH", args->path, "object root or storage root")->required();
  validate->add_flag("--json", args->json, "print the report as one JSON document");
  validate->add_flag("--no-digests", args->no_digests, "skip re-hashing content files");
  validate->callback([args, &ctx] { ctx.exit_code = RunValidate(*args); });
}

}  // namespace vault::ctl
