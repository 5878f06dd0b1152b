// vaultctl ocfl validate PATH [--json]: offline OCFL 1.1 validation of an object or a storage
// root (formats/ocfl/validator.h). Exit 0 valid (warnings allowed), 1 invalid, 3 unreadable.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/ocfl/validator.h"
#include "tools/vaultctl/commands.h"

namespace vault::ctl {
namespace {

struct OcflValidateArgs {
  std::string path;
  bool json = false;
  bool no_digests = false;
};

void PrintIssues(const char* label, const std::vector<ocfl::ValidationIssue>& issues) {
  for (const auto& i : issues) {
    std::cout << label << " " << i.code << " " << (i.path.empty() ? "." : i.path) << ": "
              << i.message << "\n";
  }
}

int RunValidate(const OcflValidateArgs& a) {
  ocfl::ValidateOptions opts;
  opts.check_digests = !a.no_digests;
  Result<ocfl::ValidationReport> r = ocfl::ValidatePath(a.path, opts);
  if (!r.ok()) {
    if (a.json) {
      nlohmann::json j = {{"valid", false},
                          {"error", std::string(r.status().message())},
                          {"errors", nlohmann::json::array()},
                          {"warnings", nlohmann::json::array()}};
      std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cerr << "vaultctl ocfl validate: cannot read " << a.path << ": "
                << r.status().message() << "\n";
    }
    return kExitUnavailable;
  }
  if (a.json) {
    // File names from disk may be invalid UTF-8: replace rather than throw.
    std::cout << ocfl::ReportToJson(*r).dump(2, ' ', false,
                                             nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    PrintIssues("ERROR", r->errors);
    PrintIssues("WARN ", r->warnings);
    std::cout << a.path << ": " << (r->valid ? "valid" : "INVALID") << " (" << r->errors.size()
              << " errors, " << r->warnings.size() << " warnings, " << r->objects_checked
              << " objects checked)\n";
  }
  return r->valid ? kExitOk : kExitNegative;
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
