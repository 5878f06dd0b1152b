// PRONOM file-format identification, DROID-compatible, in C++ (docs/FORMATS.md).
//
// An Identifier holds a loaded DROID binary signature file and (optionally) a container
// signature file. IdentifyFile():
//   1. reads at most options.bof_window bytes from the start of the file and
//      options.eof_window bytes from its end (the whole file when it is no larger than both
//      together) with pread on a descriptor opened O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK;
//      symlinks, FIFOs, directories and devices are refused (kInvalidArgument);
//   2. evaluates every binary signature (signature.h) against those windows: BOF and Variable
//      sequences see only the BOF window, EOF sequences only the EOF window, so a signature whose
//      bytes lie further into a large file does not match (DROID's default scan limit is the
//      same 64 KiB);
//   3. maps matching signatures to formats and drops every format another matching format has
//      priority over (HasPriorityOverFileFormatID);
//   4. when a remaining format is a container trigger (OLE2 fmt/111; ZIP fmt/189, x-fmt/263) and
//      binary_only is false, opens the container with the OLE2/ZIP reader (reading at most
//      options.container_budget bytes) and evaluates the container signatures of that type;
//      their formats (after priorities) replace the trigger, with basis kContainer;
//   5. orders the result: formats whose extension list contains the file's extension first
//      (the extension is only a tie-break), then the more specific signature (more fixed bytes);
//   6. with no signature match, formats *without* any binary signature that list the file's
//      extension are returned with basis kExtension (DROID's default extension matching).
// extension_mismatch is set when the best match has extensions and the file's is not among them.
//
// Threading: an Identifier is immutable after Load; every method is const and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/base/status.h"

namespace vault::pronom {

struct SignatureFile;
struct ContainerSignatureFile;

enum class Basis { kSignature, kContainer, kExtension, kNone };
std::string_view BasisName(Basis);  // "signature" "container" "extension" "none"

struct FormatMatch {
  std::string puid, name, version, mime;
  Basis basis = Basis::kNone;
};

struct Identification {
  std::vector<FormatMatch> matches;  // best first; empty if unidentified
  bool extension_mismatch = false;
  std::string warning;               // e.g. "several formats matched", "no signature matched"
  const FormatMatch* best() const { return matches.empty() ? nullptr : &matches.front(); }
};

struct IdentifierOptions {
  uint64_t bof_window = 64 << 10, eof_window = 64 << 10, container_budget = 8 << 20;
  bool binary_only = false;  // skip container signatures
};

// What one IdentifyFile call read (for metrics and tests).
struct IdentifyStats {
  uint64_t bytes_read = 0;            // by pread of the BOF/EOF windows
  uint64_t container_bytes_read = 0;  // by the OLE2/ZIP reader (<= container_budget)
  bool container_opened = false;
};

class Identifier {
 public:
  // Loads both files (container_file may be empty: no container identification). Errors name
  // the file and the offending element. Windows are capped at 1 GiB each.
  static Result<std::shared_ptr<const Identifier>> Load(
      const std::filesystem::path& signature_file,
      const std::filesystem::path& container_file /* may be empty: no containers */,
      IdentifierOptions = {});

  // Identifies a regular file (see above). Errors only when the file cannot be read: not found,
  // permission, not a regular file or a symlink (kInvalidArgument), I/O error. An unidentified
  // file is a successful Identification with no matches.
  Result<Identification> IdentifyFile(const std::filesystem::path& file) const;
  // Same, reporting the bytes read into `*stats` (may be null).
  Result<Identification> IdentifyFile(const std::filesystem::path& file,
                                      IdentifyStats* stats) const;
  // Identifies from windows already in memory (no containers): `bof` is the start of the file,
  // `eof` its end (pass the same data for both when the whole file is in memory); `filename`
  // supplies the extension.
  Identification IdentifyBuffer(std::string_view bof, std::string_view eof, uint64_t file_size,
                                std::string_view filename) const;

  // "DROID V122; container 20260119": the binary file's Version attribute and the container
  // file's date (from its name container-signature-YYYYMMDD.xml, else its signatureVersion).
  std::string version() const { return version_; }
  size_t signature_count() const;  // binary InternalSignatures
  size_t format_count() const;     // FileFormats
  size_t container_signature_count() const;
  const IdentifierOptions& options() const { return options_; }

  ~Identifier();
  Identifier(const Identifier&) = delete;
  Identifier& operator=(const Identifier&) = delete;

 private:
  Identifier();
  struct Candidate;
  Identification Finish(std::vector<Candidate> candidates, std::string_view filename,
                        std::string warning) const;
  std::vector<Candidate> BinaryCandidates(std::string_view bof, std::string_view eof,
                                          uint64_t file_size, bool* work_exhausted) const;
  void ApplyPriorities(std::vector<Candidate>* c) const;

  std::unique_ptr<SignatureFile> sigs_;
  std::unique_ptr<ContainerSignatureFile> containers_;  // null: no containers
  IdentifierOptions options_;
  std::string version_;
};

// Looks for the signature files: `preferred_dir` (when given and it holds both files), then
// $VAULT_PRONOM_DIR, then $VAULT_CORPORA/pronom-droid, then the development corpora next to the
// source tree (<source>/../shared/corpora/pronom-droid). In a directory it takes the newest
// DROID_SignatureFile_V<n>.xml (highest n) and container-signature-<YYYYMMDD>.xml (latest
// date). Returns the two paths, or kNotFound listing the places searched.
Result<std::pair<std::filesystem::path, std::filesystem::path>> FindSignatureFiles(
    const std::filesystem::path& preferred_dir = {});

}  // namespace vault::pronom
