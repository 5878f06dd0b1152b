// Migration policy: WHEN and WHAT to migrate. Files of permanently kept objects whose format
// (PRONOM PUID) is at risk get a planned conversion to a preservation format; converters
// (formats/migration) do the HOW and the executor (vault/lifecycle) acts on the plan.
//
// Policy files (TOML, default: policies/migration/default.toml):
//   [policy]
//   id = "migration-default"       # 1..64 of A-Z a-z 0-9 . _ -
//   version = 1                    # integer >= 1; bump for every approved change
//   applies_to = "permanent"       # optional; the only value for now
//   description = "..."            # optional
//   [[rule]]
//   id = "wordperfect-pdfa"        # unique, 1..64 of A-Z a-z 0-9 . _ -
//   category = "word-processing"   # same syntax as id
//   title_vi = "..."  title_en = "..."
//   puids = ["x-fmt/394", ...]     # 1..512 PRONOM ids "fmt/N" or "x-fmt/N", no repeats
//   target = "pdfa-2b"             # pdfa-2b png tiff flac wav ffv1-mkv
//   converter = "libreoffice"      # libreoffice ghostscript imagemagick ffmpeg
//   reason = "... / ..."           # why the format is at risk: Vietnamese first, then English
//   enabled = true                 # optional (default true); false keeps an alternative rule
//                                  # in the file, validated but never applied
// Everything else is refused. Load-time checks across rules (enabled rules only):
//   - a PUID belongs to at most one rule;
//   - no migration loops: no rule lists a PUID that identifies the output of a target used by
//     any rule (TargetPuids()); a rule's own target is checked even when disabled;
//   - the converter can produce the target (libreoffice, ghostscript → pdfa-2b;
//     imagemagick → png, tiff; ffmpeg → flac, wav, ffv1-mkv).
// Errors are kInvalidArgument "<source>:<line>: rule \"<id>\": <reason>" (or "policy: ..."),
// the line being the offending key's (for a PUID, the array element's) line.
//
// Plans. PlanMigrations() is pure and deterministic (input order never matters). Only files
// under "representations/rep1/data/" (the original representation) of objects whose retention
// kind is `applies_to` are planned. Output goes to a new representation per target:
//   representations/rep1/data/<dir>/<stem>.<ext> → representations/rep2-<target>/data/<dir>/<stem>.<new-ext>
// with new-ext pdfa-2b → pdf, png → png, tiff → tif, flac → flac, wav → wav, ffv1-mkv → mkv.
// Collisions (within an object): when two planned sources have the same output path, or the
// output path already exists among the object's files, each source concerned keeps its
// extension: a.doc → a.doc.pdf, a.rtf → a.rtf.pdf. If that still collides, the source is
// skipped ("output_collision"). Output paths are NFC.
//
// Threading: free functions and const methods on values; safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault::policies {

struct MigrationRule {
  std::string id, category, title_vi, title_en, target, converter, reason;
  std::vector<std::string> puids;  // in file order
  bool enabled = true;
  int line = 0;  // line of [[rule]] in the file
};

struct MigrationPolicy {
  std::string id;
  int version = 0;
  // Lower-case hex SHA-256 of the file text. Left empty by Parse/Load (policies stay free of
  // OpenSSL, as for retention schedules): the caller fills it.
  std::string sha256;
  std::string applies_to = "permanent";
  std::string description;
  std::vector<MigrationRule> rules;  // in file order, disabled ones included

  // The enabled rule listing `puid` (exact match), or nullptr.
  const MigrationRule* RuleFor(std::string_view puid) const;
  // The rule with this id (enabled or not), or nullptr.
  const MigrationRule* Find(std::string_view rule_id) const;
};

// Targets and converters known to the policy format, in documentation order.
const std::vector<std::string_view>& MigrationTargets();
const std::vector<std::string_view>& MigrationConverters();
// File extension (without dot) of a target's output, "" for an unknown target.
std::string_view TargetExtension(std::string_view target);
// The PUID the output of `target` is expected to be identified as ("fmt/477" for pdfa-2b),
// "" for an unknown target. A hint for the executor's check of the converted file.
std::string_view TargetPuidHint(std::string_view target);
// Every PUID an identifier may give a `target` output (the loop check); empty if unknown.
const std::vector<std::string_view>& TargetPuids(std::string_view target);
// True for "fmt/N" and "x-fmt/N" (N: 1..6 digits, no leading zero).
bool IsPuid(std::string_view s);

// Parses and validates a policy (see the top of this file). `source_name` names the file in
// messages. Input is bounded: at most 1 MiB of text, 256 rules, 512 PUIDs per rule.
Result<MigrationPolicy> ParseMigrationPolicy(std::string_view toml_text,
                                             std::string_view source_name);
// Reads `file` (at most 1 MiB; larger is kResourceExhausted) and parses it, naming the file by
// its path in messages. Read errors are those of ReadFileToString (kIoError, kNotFound …).
Result<MigrationPolicy> LoadMigrationPolicy(const std::filesystem::path& file);

// ---- plans --------------------------------------------------------------------------------

// Inputs to the plan, built by the caller from the catalog.
struct PlanFile {
  std::string path;  // logical path in the object, e.g. "representations/rep1/data/a/b.doc"
  std::string puid;  // "" when unidentified
  std::string format_name;
  uint64_t size = 0;
};

struct PlanObject {
  std::string id;
  std::string retention_kind;  // "permanent" | "years" | "event" | ""
  // A legal hold does not stop migration: migration only adds a version and never changes or
  // removes the original. Carried for the executor and reports.
  bool on_hold = false;
  bool being_destroyed = false;  // an approved disposal is under way: nothing is planned
  std::vector<PlanFile> files;   // head-version files, including earlier migration outputs
  std::set<std::string> done;    // source paths already migrated (by any earlier version)
};

struct PlannedMigration {
  std::string object_id, source_path, source_puid, source_format, rule_id, target,
      target_puid_hint, converter, output_path, reason;
  uint64_t source_size = 0;
};

// reason_code, one of:
//   "destroying"          object being destroyed (once per object, path "")
//   "not_permanent"       retention kind is not `applies_to` (once per object, path "")
//   "duplicate_object"    several input objects have this id: none is planned (once per input)
//   "unsafe_path"         absolute, "..", ".", empty segment, backslash, control character or
//                         invalid UTF-8 in the path
//   "duplicate_path"      the same path is listed more than once in the object
//   "is_migration_output" under representations/rep2-*/
//   "not_original"        outside representations/rep1/data/ and not metadata
//   "already_migrated"    in PlanObject::done
//   "unidentified"        no PUID
//   "no_rule"             no enabled rule for the PUID (not at risk under this policy)
//   "output_collision"    no free output path even with the source extension kept
// Metadata files (METS.xml, metadata/…, representations/<rep>/METS.xml and
// representations/<rep>/metadata/…) are never migrated and not listed.
struct PlanSkip {
  std::string object_id, path, puid, reason_code, reason;  // reason: Vietnamese / English
};

struct MigrationPlan {
  std::vector<PlannedMigration> items;  // by object id, then source path (bytewise)
  std::vector<PlanSkip> skipped;        // by object id, then path ("" first)
};

// Decides what to migrate (see the top of this file). Pure and deterministic: the result does
// not depend on the order of `objects` or of their files.
MigrationPlan PlanMigrations(const MigrationPolicy& policy, const std::vector<PlanObject>& objects);

// "representations/rep1/data/a/b.doc" + "pdfa-2b" → "representations/rep2-pdfa-2b/data/a/b.pdf"
// (NFC). With `keep_source_extension`, "…/data/a/b.doc.pdf". A name without an extension (or a
// dot file such as ".doc") keeps its whole name. "" when the source is not a safe path under
// representations/rep1/data/ naming a file, or the target is unknown.
std::string OutputPathFor(std::string_view source_path, std::string_view target);
std::string OutputPathFor(std::string_view source_path, std::string_view target,
                          bool keep_source_extension);

// The plan as JSON (UTF-8; invalid bytes in input paths shown as \xHH):
//   {"planned": N, "skipped_count": M, "skipped_by_reason": {"no_rule": k, …},
//    "items": [{"object_id", "source_path", "source_puid", "source_format", "rule_id",
//               "target", "target_puid_hint", "converter", "output_path", "source_size",
//               "reason"}, …],
//    "skipped": [{"object_id", "path", "puid", "reason_code", "reason"}, …]}
// Reasons are Vietnamese first, then " / " and English.
std::string PlanToJson(const MigrationPlan& plan);

}  // namespace vault::policies
