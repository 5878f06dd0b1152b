// OCFL 1.1 validator: checks an OCFL object or a whole storage root against the specification
// (https://ocfl.io/1.1/spec/) and reports the spec's own error and warning codes
// (https://ocfl.io/1.1/spec/validation-codes.html): E001..E112 for MUST, W001..W016 for SHOULD.
//
// Findings are data (STYLE.md §1.5): a broken object yields a ValidationReport with
// valid == false, never a non-OK Status. A Status is returned only when the check could not run
// at all (the path does not exist or cannot be listed).
//
// Hostile input: the validator never follows symbolic links (a link is reported as E090 and not
// opened), never opens anything but regular files, caps the size of JSON documents it reads
// (inventory.json at 64 MiB), and never throws across this API.
//
// Objects declared as OCFL 1.0 (0=ocfl_object_1.0) are validated with the same rules; a 1.1
// storage root may hold them (E081 forbids the reverse).
// Threading: the functions are pure apart from reading the file system; call them from any
// thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vault/base/status.h"

namespace vault::ocfl {

struct ValidationIssue {
  std::string code;     // "E040", "W004", ...
  std::string message;  // the spec's text for the code, then the specific detail in brackets
  std::string path;     // where: relative to the object or storage root given ("v1/inventory.json")
};

struct ValidationReport {
  bool valid = true;  // false iff errors is non-empty
  std::vector<ValidationIssue> errors, warnings;
  int objects_checked = 0;
};

struct ValidateOptions {
  // Re-hash every content file against the manifest (E092), fixity (E093) and the manifests of
  // prior version inventories. Off: only structure and presence are checked.
  bool check_digests = true;
};

// Validates the OCFL object whose root directory is `object_root`.
Result<ValidationReport> ValidateObject(const std::filesystem::path& object_root,
                                        const ValidateOptions& o = {});
// Validates a storage root: its declaration (E069, E075..E080), ocfl_layout.json (E070, E071),
// the extensions directory (E112, W016), every object found in the hierarchy (each validated as
// by ValidateObject; issue paths are prefixed by the object's path), files and empty directories
// outside objects (E072, E073), links (E090), and, when the layout is 0004-hashed-n-tuple, that
// each object sits where its id maps to (E083) and ids are unique (E037).
Result<ValidationReport> ValidateStorageRoot(const std::filesystem::path& root,
                                             const ValidateOptions& o = {});
// Validates `p` as a storage root when it holds a "0=ocfl_<version>" declaration, else as an
// object. kNotFound / kIoError / kPermissionDenied when `p` cannot be read at all.
Result<ValidationReport> ValidatePath(const std::filesystem::path& p,
                                      const ValidateOptions& o = {});

// {"valid": bool, "errors": [{"code","message","path"}], "warnings": [...],
//  "objects_checked": N}
nlohmann::json ReportToJson(const ValidationReport& r);

// The OCFL 1.1 validation-codes table: the spec's description for `code` ("E001"), or "" when
// the code is unknown.
std::string_view CodeDescription(std::string_view code);

}  // namespace vault::ocfl
