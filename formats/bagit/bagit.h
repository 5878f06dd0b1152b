// BagIt (RFC 8493, and the 0.93–0.97 drafts) reader, validator and writer.
//
// ValidateBag() checks a bag in a directory and reports every rule violation as an `Issue` with a
// stable code; it never stops at the first one. A non-OK Status means the check itself could not
// run (I/O error, unreadable directory), never that the bag is bad.
//
// What is checked:
//   bagit.txt      present, UTF-8 without BOM, exactly "BagIt-Version: M.N" and
//                  "Tag-File-Character-Encoding: ENC" (no stray whitespace); known version.
//   tag files      decoded from the declared encoding (UTF-8, UTF-16 with BOM, ISO-8859-1, … via
//                  iconv); lines end in LF, CR or CRLF; a line longer than
//                  Options::max_line_bytes is an error and reading stops there (memory stays
//                  bounded whatever the file holds).
//   manifests      manifest-<alg>.txt for md5, sha1, sha224, sha256, sha384, sha512 (other
//                  algorithms: warning, entries still checked for completeness; at least one
//                  verifiable manifest is required); hex digests of either case; paths
//                  percent-decoded (%0A, %0D, %25); a path that is absolute, starts with "~",
//                  contains "."/".." components or does not start with "data/" is an error and
//                  is never opened; every payload file in every manifest; no file in data/
//                  missing from the manifests; no manifest entry without a file; the same path
//                  twice with different digests is an error, with the same digest an error in
//                  1.0 and a warning before; md5sum's "*" binary marker and a leading "./" are
//                  tolerated with a warning.
//   names          a manifest name matches a disk name equal to it or equal after NFC
//                  normalisation (so NFD names on disk match NFC manifests and vice versa); two
//                  disk names that collide after normalisation are an error. Names differing only
//                  in case with equal digests, of which one exists (bag made on a case-insensitive
//                  file system), and missing OS junk files (.DS_Store, Thumbs.db, ._*) are
//                  warnings.
//   tag manifests  tagmanifest-<alg>.txt entries exist and match.
//   bag-info.txt   label: value pairs with continuation lines; Payload-Oxum matches the payload.
//   fetch.txt      parsed and its paths checked like manifest paths; nothing is ever fetched: an
//                  entry whose file is absent makes the bag incomplete (bagit.fetch.unfetched).
//   file types     symlinks and special files anywhere in the bag are errors (never followed).
//
// Issue codes (stable): bagit.declaration.{missing,bom,malformed,version_invalid,
// version_unsupported,encoding_missing}, bagit.tagfile.{unreadable,encoding,too_large,bom},
// bagit.manifest.{missing,unsupported_algorithm,none_verifiable,line_too_long,malformed_line,
// malformed_digest,unsafe_path,path_outside_payload,duplicate_entry,conflicting_entries,
// binary_marker,dot_slash,missing_file,incomplete,digest_mismatch,case_duplicate,
// unencoded_percent}, bagit.payload.{unlisted_file,normalization_collision,symlink,special_file,
// system_file,system_file_missing,missing_data_dir}, bagit.tagmanifest.{missing_file,
// digest_mismatch,unsafe_path}, bagit.baginfo.{malformed,label_whitespace,repeated_reserved},
// bagit.oxum.{malformed,mismatch,unverifiable}, bagit.fetch.{malformed,unsafe_path,
// path_outside_payload,unfetched,not_in_manifest}; for packages: bagit.package.{no_bag_root,
// unrecognized} and the extraction rules of formats/archive/extract.h ("archive.*", "path.*").
//
// Threading: pure functions over the file system; safe to call concurrently on different bags.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "formats/archive/extract.h"
#include "vault/base/status.h"
#include "vault/clib/crypto.h"

namespace vault::bagit {

struct Issue {
  std::string code;     // stable, e.g. "bagit.manifest.digest_mismatch"
  std::string message;  // names the file and line where there is one
  std::string path;     // the bag-relative path concerned (may be empty)
};

struct Options {
  size_t max_line_bytes = 64 * 1024;
  // Limit for tag files read whole (bagit.txt, bag-info.txt, tag files in a non-UTF-8 encoding).
  // UTF-8 manifests and fetch.txt are streamed line by line and only max_line_bytes applies.
  uint64_t max_tag_file_bytes = 16ull << 20;
  bool check_digests = true;
};

struct PayloadEntry {
  std::string path;       // as listed in the manifest, percent-decoded, starts with "data/"
  std::string disk_path;  // relative path of the actual file under the bag root (may be NFD
                          // where the manifest says NFC, etc.); empty when the file is missing
  uint64_t size = 0;
  std::map<std::string, std::string> digests;  // algorithm ("sha256") -> lower-case hex
};

struct Report {
  bool valid = false;  // no errors
  std::vector<Issue> errors, warnings;
  std::string version;                                    // "1.0", "0.97", ...
  std::vector<std::pair<std::string, std::string>> info;  // bag-info.txt pairs in file order
  std::vector<PayloadEntry> payload;                      // sorted by path
  std::vector<std::string> tag_files;                     // every file outside data/, sorted
};

// The bag root inside an unpacked directory: `dir` if it holds bagit.txt, else its single
// subdirectory (symlinks are not followed) if that holds bagit.txt. kInvalidArgument otherwise.
Result<std::filesystem::path> FindBagRoot(const std::filesystem::path& dir);

// Validates the bag whose root is `bag_root`. Reads each payload file at most once, computing
// all digests the manifests ask for in one pass. `precomputed_sha256` (bag-relative disk path ->
// sha256 hex, e.g. from archive::ExtractArchive) is used instead of reading a file when sha256
// is the only digest needed for it.
Result<Report> ValidateBag(const std::filesystem::path& bag_root, const Options& options,
                           const std::map<std::string, std::string>* precomputed_sha256 = nullptr);

// For the CLI: `path` is a bag directory (or a directory whose single entry is one), or a
// zip/tar/tar.gz that is extracted with `limits` into a temporary directory under $TMPDIR
// (removed afterwards). An extraction Violation becomes an error Issue with the rule as code.
Result<Report> ValidateBagAtPath(const std::filesystem::path& path, const Options& options,
                                 const archive::ExtractLimits& limits);

// {"valid", "errors": [{"code","message","path"}], "warnings", "version", "payload_files",
//  "payload_bytes"}
nlohmann::json ReportToJson(const Report& r);

// Makes `dir` a valid BagIt 1.0 bag whose payload is the files already under dir/data: writes
// bagit.txt, manifest-<alg>.txt per algorithm, bag-info.txt (the given labels, then the computed
// Payload-Oxum, replacing any given one, and today's Bagging-Date (UTC) unless one is given) and
// tagmanifest-<alg>.txt. Existing tag files of those names are replaced; manifests of other
// algorithms are not removed. Refuses (kInvalidArgument) symlinks or special files under data/.
Status WriteBag(const std::filesystem::path& dir, const std::vector<DigestAlgorithm>& algorithms,
                const std::vector<std::pair<std::string, std::string>>& info);

}  // namespace vault::bagit
