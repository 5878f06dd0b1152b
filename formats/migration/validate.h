// ValidateOutput: does a migrated file look like a faithful rendition in the target format?
//
// Checks (each failure is one named entry in ValidationReport::problems, report.ok = false):
//  - "missing output" / "output is empty" / "output too large": the output is a regular file,
//    non-empty and at most limits.output_bytes.
//  - "puid": identify(output) (when an IdentifyFn is given) is one of AcceptedPuids(target).
//    For PDF/A DROID may name only the PDF version (fmt/276 for 1.7, fmt/20 for 1.6 …): those
//    are accepted here because the XMP check below decides conformance.
//  - "pdfaid": PDF/A-2b outputs must carry an XMP packet with pdfaid:part = 2 and
//    pdfaid:conformance = B (attribute or element form). The packets are found by scanning the
//    file for "<?xpacket begin" … "<?xpacket end" (uncompressed, as PDF/A writers emit the
//    document metadata) and parsed with vault::xml (hardened). The first packet that carries
//    pdfaid decides.
//  - "pages": pdfinfo on the output must report pages > 0; when the source's page count is
//    known (PDF and PostScript-free PDF sources: pdfinfo on the source) both must agree.
//    LibreOffice sources: the page count depends on layout (fonts, printer metrics), so it is
//    not compared (source_pages stays -1).
//  - "text": when the source has text, pdftotext on the output must yield some non-blank text.
//    Source text: word-processing and presentation sources are converted to plain text and
//    spreadsheets to CSV by LibreOffice in a separate sandboxed run; PDF sources go through
//    pdftotext. Whitespace-only text counts as no text.
//  - "dimensions": images: `identify` width and height of the source (first frame) and of the
//    output (every frame) must be equal.
//  - "duration": audio and video: ffprobe's container duration of source and output must agree
//    within max(0.1 s, 0.5 %). "streams": video outputs must keep a video stream.
// Every checking tool (pdfinfo, pdftotext, identify, ffprobe, soffice) runs through
// RunSandboxed: sources and outputs are hostile input. A checker that crashes or times out on
// the output is a problem ("pdfinfo failed: signal 11 …"); a missing checker tool is a Status.
//
// Threading: thread-safe; no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/migration/converters.h"
#include "formats/migration/sandbox.h"
#include "vault/base/status.h"

namespace vault::migration {

struct ValidationReport {
  bool ok = false;
  std::vector<std::string> problems;  // "<check>: <what is wrong>"
  std::string output_puid;            // as returned by the IdentifyFn ("" when none given)
  std::string pdfa_part, pdfa_conformance;  // from the output's XMP (PDF/A only)
  int source_pages = -1, output_pages = -1;  // -1 = unknown / not applicable
  bool source_has_text = false;
  bool output_has_text = false;
  uint64_t output_bytes = 0;
  double source_seconds = -1, output_seconds = -1;  // audio/video durations
  int source_width = -1, source_height = -1, output_width = -1, output_height = -1;
};

// Returns the PUID of a file ("" if unknown); supplied by the caller (the PRONOM identifier).
using IdentifyFn = std::function<std::string(const std::filesystem::path&)>;

// PUIDs accepted for an output of `target` (TargetPuid first).
std::vector<std::string_view> AcceptedPuids(Target target);

// Validates `output` (converted from `source`) for `target`. `identify` may be empty: the PUID
// check is then skipped. `limits` bounds the output size and every checker run.
// Returns a report for every check that could run; a Status only when a check could not run at
// all (kNotFound: a checker tool is not installed; kFailedPrecondition: no sandbox).
Result<ValidationReport> ValidateOutput(const std::filesystem::path& source,
                                        const std::filesystem::path& output, Target target,
                                        const IdentifyFn& identify, const Limits& limits = {});

// XMP pdfaid of a PDF file, found as described above. Both empty when no packet carries them.
// Reads at most `max_scan_bytes` of the file; packets larger than 4 MiB are skipped.
struct PdfaId {
  std::string part;
  std::string conformance;
};
Result<PdfaId> ReadPdfaId(const std::filesystem::path& pdf,
                          uint64_t max_scan_bytes = uint64_t{4} << 30);
// Same for bytes already in memory (one XMP packet or a whole PDF).
PdfaId PdfaIdFromBytes(std::string_view bytes);

}  // namespace vault::migration
