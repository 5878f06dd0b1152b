// Safe unpacking of untrusted packages (DESIGN.md §6).
//
// ExtractArchive() streams a zip, tar or compressed tar with libarchive and writes every regular
// file itself, under `dest_dir`, with O_CREAT|O_EXCL|O_NOFOLLOW opens: libarchive never writes to
// disk. CopyTree() applies the same rules to a directory tree given on the command line. Both
// compute the SHA-256 of every file while writing it, so callers need not read it again.
//
// Rule violations (hostile or malformed input) are data, not errors: they come back as a
// `Violation` naming the rule, the offending entry and a message, and extraction stops at the
// first one. Files written before the violation stay in `dest_dir`; the caller owns `dest_dir`
// (a staging directory) and removes it. A non-OK Status means the environment failed (I/O error,
// disk full, `dest_dir` unusable), never that the package is bad.
//
// Rules (rule names are stable, they end up in quarantine reports):
//   path.absolute, path.parent_reference, path.nul, path.invalid_utf8, path.control_character,
//   path.backslash, path.drive_letter, path.empty_component, path.dot_component, path.too_long
//                             entry names (see vault::CheckSafeRelativePath); a leading "./" is
//                             tolerated (tar writes it), "." alone is ignored
//   path.normalization_collision  two names equal after Unicode NFC normalisation
//   archive.symlink, archive.hardlink, archive.device, archive.fifo, archive.socket,
//   archive.unsupported_entry  entry types that are never extracted
//   archive.duplicate_entry   the same name twice
//   archive.path_conflict     a name used both as a file and as a directory
//   archive.total_bytes, archive.file_count, archive.ratio  limits (see ExtractLimits)
//   archive.corrupt           libarchive cannot read the archive (truncated, bad header, ...)
//   archive.unreadable_source (CopyTree) a source file that cannot be opened or read
//
// Names: tar headers without pax extensions are taken byte for byte. Names that libarchive decodes
// from UTF-8 (zip entries with the UTF-8 flag, pax "path" records) come out NFC-normalised, as
// libarchive converts them; two such names differing only in normalisation are therefore reported
// as archive.duplicate_entry rather than path.normalization_collision.
//
// Threading: the functions are reentrant; they switch the calling thread's LC_CTYPE to C.UTF-8
// (uselocale) while libarchive runs, so UTF-8 entry names survive whatever the process locale is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vault/base/status.h"

namespace vault::archive {

struct ExtractLimits {
  uint64_t max_total_bytes = 256ull << 30;  // unpacked bytes
  uint64_t max_files = 1'000'000;           // files plus directories
  size_t max_path_bytes = 1024;
  // Unpacked bytes / archive file size, enforced as bytes stream in (after the first 1 MiB), so a
  // zip bomb stops after about max_ratio * archive size bytes, not after the whole expansion.
  double max_ratio = 100.0;
};

struct Violation {
  std::string rule;     // e.g. "archive.symlink", "archive.ratio", "path.parent_reference"
  std::string path;     // the entry's name as found in the package (may be empty)
  std::string message;  // one human-readable sentence
};

struct ExtractedFile {
  std::string path;  // relative to dest_dir, '/'-separated, bytes as in the archive (see Names)
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct ExtractOutcome {
  std::vector<ExtractedFile> files;  // in archive order (CopyTree: sorted walk order)
  std::optional<Violation> violation;
};

// True when `p` is a regular file (not followed if a symlink) whose content is a zip, a tar or a
// gzip/bzip2/xz-compressed tar. Decided by content, never by the file name's extension.
bool LooksLikeArchive(const std::filesystem::path& p);

// Extracts `archive` into the existing directory `dest_dir` (see the rules above). With
// `fsync_files`, each file is fsync'd before it is closed and every directory created is fsync'd
// at the end.
Result<ExtractOutcome> ExtractArchive(const std::filesystem::path& archive,
                                      const std::filesystem::path& dest_dir,
                                      const ExtractLimits& limits, bool fsync_files);

// Copies the tree under `src_dir` into the existing directory `dest_dir` with the same rules
// (symlinks and special files are refused, never followed; all limits but the ratio apply). The
// source is only read.
Result<ExtractOutcome> CopyTree(const std::filesystem::path& src_dir,
                                const std::filesystem::path& dest_dir, const ExtractLimits& limits,
                                bool fsync_files);

}  // namespace vault::archive
