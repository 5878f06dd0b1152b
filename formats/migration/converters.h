// Converters: HOW one file is migrated to a preservation format, with real external tools run
// through RunSandboxed (sandbox.h). WHEN to migrate is policies/migration's business; storing
// the result in OCFL is vault/lifecycle's.
//
// Converter per (source kind, target) — see docs/MIGRATION.md "## Converters":
//   word processing (.doc .docx .odt .rtf .wpd .wp .wps .txt …) → PDF/A-2b   libreoffice (writer_pdf_Export)
//   spreadsheet (.xls .xlsx .ods .wk1 .wk3 .wk4 .123 .csv …)    → PDF/A-2b   libreoffice (calc_pdf_Export)
//   presentation (.ppt .pptx .odp)                               → PDF/A-2b   libreoffice (impress_pdf_Export)
//   PDF, PostScript (.pdf .ps .eps)                              → PDF/A-2b   ghostscript (pdfwrite, -dPDFA=2)
//   raster image (.bmp .gif .pcx .tif .tiff .png .jpg .jpeg)     → PNG, TIFF  imagemagick (IM6 `convert`)
//   audio (.wav .aif .aiff .mp3 .au .snd .flac .ogg .wma .m4a)   → FLAC, WAV  ffmpeg
//   video (.mov .avi .mp4 .mpg .mpeg .wmv .flv .mkv .dv .m4v)    → FFV1/MKV   ffmpeg
//
// The input is never opened for writing: Convert copies it into <work_dir>/in/ (under a safe
// name, so odd file names never reach a command line) and converts the copy. The output is
// <work_dir>/out/<input stem>.<target extension>.
//
// Threading: all functions are thread-safe. ProbeConverter caches each tool's version for the
// life of the process (a tool upgraded underneath a running daemon is seen after a restart).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/migration/sandbox.h"
#include "vault/base/status.h"

namespace vault::migration {

enum class Target { kPdfA2b, kPng, kTiff, kFlac, kWav, kFfv1Mkv };

// "pdfa-2b" "png" "tiff" "flac" "wav" "ffv1-mkv".
std::string_view TargetName(Target target);
std::optional<Target> TargetFromName(std::string_view name);
// The PRONOM PUID the output should be identified as: fmt/477 (PDF/A-2b), fmt/13 (PNG 1.2),
// fmt/353 (TIFF), fmt/279 (FLAC), fmt/141 (WAV, PCMWAVEFORMAT: what ffmpeg writes for
// 16-bit mono/stereo pcm_s16le), fmt/569 (Matroska).
std::string_view TargetPuid(Target target);
// Without the dot: "pdf" "png" "tif" "flac" "wav" "mkv".
std::string_view TargetExtension(Target target);

enum class SourceKind {
  kUnknown,
  kWordProcessing,
  kSpreadsheet,
  kPresentation,
  kPdf,
  kPostScript,
  kImage,
  kAudio,
  kVideo,
};
std::string_view SourceKindName(SourceKind kind);
// By file extension (case-insensitive), per the table above. kUnknown otherwise.
SourceKind SourceKindFromPath(const std::filesystem::path& path);
// The converter id for (kind, target), or "" when the pair is not supported.
std::string_view ConverterFor(SourceKind kind, Target target);

struct ConverterInfo {
  std::string id;       // "libreoffice" "ghostscript" "imagemagick" "ffmpeg"
  std::string tool;     // absolute path of the program run
  std::string version;  // first line of its version output, e.g. "LibreOffice 7.4.7.2 40(Build:2)"
};

// Finds the tool for `id` (in /usr/bin or /bin only) and asks it for its version, sandboxed.
// kNotFound when the tool is not installed; kInvalidArgument for an unknown id; kUnavailable
// when the tool is there but its version query failed.
Result<ConverterInfo> ProbeConverter(std::string_view id);

struct ConversionRequest {
  std::filesystem::path input;
  std::filesystem::path work_dir;  // per-job directory, created if missing, owned by the caller
  Target target = Target::kPdfA2b;
  std::string converter;           // "" = ConverterFor(SourceKindFromPath(input), target)
  SourceKind source_kind = SourceKind::kUnknown;  // kUnknown = SourceKindFromPath(input)
  Limits limits;
};

struct ConversionResult {
  std::filesystem::path output;
  ConverterInfo converter;
  SandboxResult run;                  // the conversion run (the last one, if several)
  std::vector<std::string> command;   // argv of that run
  // Facts a reviewer should see, e.g. "input has 5 frames; frame 0 kept (PNG holds one image)".
  std::vector<std::string> notes;
};

// Converts request.input. Errors: kInvalidArgument (unsupported kind/target pair, bad
// converter name), kNotFound (input or tool missing), kFailedPrecondition (sandbox could not
// be set up), kIoError (work_dir), and kCorruption when the converter ran but failed: the
// message names the converter, its exit status / signal / timeout / output limit and the tail
// of its stderr, e.g. "libreoffice: exit 0, no output produced; stderr: Error: source file
// could not be loaded".
Result<ConversionResult> Convert(const ConversionRequest& request);

}  // namespace vault::migration
