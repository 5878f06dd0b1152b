#include "formats/migration/validate.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <system_error>

#include "formats/migration/scratch_dir.h"
#include "vault/base/fs.h"
#include "vault/clib/xml.h"

namespace vault::migration {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kPdfaIdNs = "http://www.aiim.org/pdfa/ns/id/";
constexpr size_t kMaxPacketBytes = size_t{4} << 20;

// ---- XMP ----------------------------------------------------------------------------------

// Looks for pdfaid part/conformance anywhere in one parsed packet (iterative walk).
PdfaId PdfaIdFromDoc(xmlDoc* doc) {
  PdfaId id;
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* n = root;
  while (n != nullptr) {
    if (n->type == XML_ELEMENT_NODE) {
      for (std::string_view name : {"part", "conformance"}) {
        std::string& slot = name == "part" ? id.part : id.conformance;
        if (!slot.empty()) continue;
        bool present = false;
        std::string v = xml::AttrValue(n, kPdfaIdNs, name, &present);
        if (present) slot = v;
        if (slot.empty() && xml::IsElement(n, kPdfaIdNs, name)) slot = xml::NodeText(n);
      }
      if (!id.part.empty() && !id.conformance.empty()) break;
    }
    // Next node in document order.
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n != root && n->next == nullptr) n = n->parent;
    if (n == nullptr || n == root) break;
    n = n->next;
  }
  auto trim = [](std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    size_t e = s.find_last_not_of(" \t\r\n");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  };
  trim(id.part);
  trim(id.conformance);
  return id;
}

PdfaId PdfaIdFromPacket(std::string_view packet) {
  auto doc = xml::ParseXml(packet, "xmp packet");
  if (!doc.ok()) return {};
  return PdfaIdFromDoc(doc->get());
}

// Streaming scanner for XMP packets: "<?xpacket begin" … "<?xpacket end…?>", or a bare
// "<x:xmpmeta" … "</x:xmpmeta>" when a writer omitted the packet wrapper.
class XmpScanner {
 public:
  // Feeds more bytes; returns true once a packet with pdfaid was found (see result()).
  bool Feed(std::string_view chunk) {
    buf_.append(chunk);
    for (;;) {
      if (!in_packet_) {
        size_t a = buf_.find("<?xpacket begin");
        size_t b = buf_.find("<x:xmpmeta");
        size_t start = std::min(a, b);
        if (start == std::string::npos) {
          // Keep a tail long enough to hold a split start marker.
          if (buf_.size() > 16) buf_.erase(0, buf_.size() - 16);
          return false;
        }
        bare_ = start == b && b < a;
        buf_.erase(0, start);
        in_packet_ = true;
      }
      size_t end = std::string::npos;
      if (bare_) {
        size_t e = buf_.find("</x:xmpmeta>");
        if (e != std::string::npos) end = e + 12;
      } else {
        size_t e = buf_.find("<?xpacket end");
        if (e != std::string::npos) {
          size_t q = buf_.find("?>", e);
          if (q != std::string::npos) end = q + 2;
        }
      }
      if (end == std::string::npos) {
        if (buf_.size() > kMaxPacketBytes) {  // too large: skip it
          buf_.erase(0, 1);
          in_packet_ = false;
          continue;
        }
        return false;
      }
      PdfaId id = PdfaIdFromPacket(std::string_view(buf_).substr(0, end));
      buf_.erase(0, end);
      in_packet_ = false;
      if (!id.part.empty() || !id.conformance.empty()) {
        result_ = id;
        return true;
      }
    }
  }
  const PdfaId& result() const { return result_; }

 private:
  std::string buf_;
  bool in_packet_ = false;
  bool bare_ = false;
  PdfaId result_;
};

// ---- checker runs ---------------------------------------------------------------------------

std::string OneLine(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = s.substr(s.size() - max);
  return s;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string ImageCoderFor(const stdfs::path& p) {
  std::string ext = Lower(p.extension().string());
  if (ext == ".tif" || ext == ".tiff") return "tiff";
  if (ext == ".jpg" || ext == ".jpeg") return "jpeg";
  if (ext == ".bmp" || ext == ".gif" || ext == ".pcx" || ext == ".png") return ext.substr(1);
  return "";
}

// True when the file holds a non-whitespace byte within its first `max` bytes.
bool FileHasText(const stdfs::path& p, uint64_t max = uint64_t{64} << 20) {
  ScopedFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return false;
  char buf[65536];
  uint64_t total = 0;
  while (total < max) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
    for (ssize_t i = 0; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(buf[i]);
      // Whitespace, form feeds (pdftotext page breaks) and a UTF-8 BOM are not text.
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' ||
          c == 0xEF || c == 0xBB || c == 0xBF) {
        continue;
      }
      return true;
    }
  }
  return false;
}

class Checker {
 public:
  Checker(const stdfs::path& scratch, const Limits& limits) : scratch_(scratch), limits_(limits) {}

  // Runs argv; a Status only when nothing could run (tool missing, no sandbox).
  Result<SandboxResult> Run(const std::vector<std::string>& argv) {
    return RunSandboxed(argv, scratch_, limits_);
  }
  const stdfs::path& scratch() const { return scratch_; }

 private:
  stdfs::path scratch_;
  Limits limits_;
};

std::string Failed(std::string_view tool, const SandboxResult& r) {
  std::string msg = std::string(tool) + " failed: " + r.Describe();
  std::string tail = OneLine(r.stderr_tail, 300);
  if (!tail.empty()) msg += ": " + tail;
  return msg;
}

// pdfinfo → page count, or the problem.
Result<int> PdfPages(Checker& c, const stdfs::path& pdf, std::string* problem) {
  VAULT_ASSIGN_OR_RETURN(SandboxResult r, c.Run({"pdfinfo", pdf.string()}));
  if (!r.Succeeded()) {
    *problem = Failed("pdfinfo", r);
    return -1;
  }
  std::istringstream in(r.stdout_tail);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Pages:", 0) == 0) return std::atoi(line.c_str() + 6);
  }
  *problem = "pdfinfo printed no page count";
  return -1;
}

// pdftotext → has non-blank text.
Result<bool> PdfHasText(Checker& c, const stdfs::path& pdf, std::string_view name,
                        std::string* problem) {
  stdfs::path txt = c.scratch() / (std::string(name) + ".txt");
  VAULT_ASSIGN_OR_RETURN(SandboxResult r,
                         c.Run({"pdftotext", "-q", "-enc", "UTF-8", pdf.string(), txt.string()}));
  if (!r.Succeeded()) {
    *problem = Failed("pdftotext", r);
    return false;
  }
  return FileHasText(txt);
}

// LibreOffice → plain text (or CSV for spreadsheets) of a source document.
Result<bool> OfficeSourceHasText(Checker& c, const stdfs::path& source, SourceKind kind,
                                 std::string* problem) {
  const stdfs::path in_dir = c.scratch() / "lo-in";
  const stdfs::path out_dir = c.scratch() / "lo-out";
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(in_dir));
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(out_dir));
  std::string ext = Lower(source.extension().string());
  if (ext.size() > 9 || !std::all_of(ext.begin() + (ext.empty() ? 0 : 1), ext.end(),
                                      [](unsigned char ch) { return std::isalnum(ch); })) {
    ext.clear();
  }
  const stdfs::path staged = in_dir / ("source" + ext);
  std::error_code ec;
  if (!stdfs::copy_file(source, staged, stdfs::copy_options::overwrite_existing, ec)) {
    return Status::IoError("copy source " + source.string() + ": " + ec.message());
  }
  const bool sheet = kind == SourceKind::kSpreadsheet;
  const std::string filter = sheet ? "csv:Text - txt - csv (StarCalc):44,34,76,1"
                                   : "txt:Text (encoded):UTF8";
  std::string url = "file://";
  for (unsigned char ch : (c.scratch() / "lo-profile").string()) {
    if (std::isalnum(ch) || ch == '/' || ch == '-' || ch == '.' || ch == '_') {
      url.push_back(static_cast<char>(ch));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", ch);
      url += hex;
    }
  }
  VAULT_ASSIGN_OR_RETURN(
      SandboxResult r,
      c.Run({"soffice", "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
             "-env:UserInstallation=" + url, "--convert-to", filter, "--outdir", out_dir.string(),
             staged.string()}));
  const stdfs::path produced = out_dir / (sheet ? "source.csv" : "source.txt");
  if (!r.Succeeded() || !stdfs::is_regular_file(produced)) {
    *problem = Failed("soffice (source text)", r);
    return false;
  }
  if (sheet) {
    // CSV of an empty sheet is separators only: look for anything else.
    ScopedFd fd(::open(produced.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[65536];
    ssize_t n = fd.valid() ? ::read(fd.get(), buf, sizeof buf) : -1;
    for (ssize_t i = 0; i < n; ++i) {
      if (!std::isspace(static_cast<unsigned char>(buf[i])) && buf[i] != ',' && buf[i] != '"') {
        return true;
      }
    }
    return false;
  }
  return FileHasText(produced);
}

// identify → one "w h" per frame.
Result<std::vector<std::pair<int, int>>> ImageSizes(Checker& c, const std::string& coder_path,
                                                   std::string* problem) {
  VAULT_ASSIGN_OR_RETURN(SandboxResult r, c.Run({"identify", "-format", "%w %h\n", coder_path}));
  std::vector<std::pair<int, int>> sizes;
  if (!r.Succeeded()) {
    *problem = Failed("identify", r);
    return sizes;
  }
  std::istringstream in(r.stdout_tail);
  int w = 0;
  int h = 0;
  while (in >> w >> h) sizes.emplace_back(w, h);
  if (sizes.empty()) *problem = "identify printed no dimensions";
  return sizes;
}

struct MediaInfo {
  double seconds = -1;
  int video_streams = 0;
  int audio_streams = 0;
};

Result<MediaInfo> Probe(Checker& c, const stdfs::path& p, std::string* problem) {
  VAULT_ASSIGN_OR_RETURN(
      SandboxResult r,
      c.Run({"ffprobe", "-v", "error", "-protocol_whitelist", "file", "-show_entries",
             "format=duration:stream=codec_type", "-of", "default=nw=1", p.string()}));
  MediaInfo info;
  if (!r.Succeeded()) {
    *problem = Failed("ffprobe", r);
    return info;
  }
  std::istringstream in(r.stdout_tail);
  for (std::string line; std::getline(in, line);) {
    if (line == "codec_type=video") ++info.video_streams;
    if (line == "codec_type=audio") ++info.audio_streams;
    if (line.rfind("duration=", 0) == 0 && line != "duration=N/A") {
      info.seconds = std::strtod(line.c_str() + 9, nullptr);
    }
  }
  if (info.seconds < 0) *problem = "ffprobe reported no duration";
  return info;
}

}  // namespace

std::vector<std::string_view> AcceptedPuids(Target target) {
  switch (target) {
    case Target::kPdfA2b:
      // PDF/A-2b, or the plain PDF version (the XMP check decides conformance).
      return {"fmt/477", "fmt/14", "fmt/15", "fmt/16", "fmt/17", "fmt/18", "fmt/19", "fmt/20",
              "fmt/276"};
    case Target::kPng:
      // DROID tells PNG 1.0/1.1/1.2 apart only by optional chunks: all are PNG.
      return {"fmt/13", "fmt/12", "fmt/11"};
    case Target::kTiff: return {"fmt/353"};
    case Target::kFlac: return {"fmt/279"};
    case Target::kWav:
      // PCMWAVEFORMAT; WAVEFORMATEXTENSIBLE (more than 2 channels); generic WAVE.
      return {"fmt/141", "fmt/143", "fmt/6"};
    case Target::kFfv1Mkv: return {"fmt/569"};
  }
  return {};
}

PdfaId PdfaIdFromBytes(std::string_view bytes) {
  XmpScanner scanner;
  scanner.Feed(bytes);
  return scanner.result();
}

Result<PdfaId> ReadPdfaId(const stdfs::path& pdf, uint64_t max_scan_bytes) {
  ScopedFd fd(::open(pdf.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return Status::FromErrno(errno, "open", pdf.string());
  XmpScanner scanner;
  std::string chunk(1 << 20, '\0');
  uint64_t total = 0;
  while (total < max_scan_bytes) {
    ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "read", pdf.string());
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (scanner.Feed(std::string_view(chunk.data(), static_cast<size_t>(n)))) break;
  }
  return scanner.result();
}

Result<ValidationReport> ValidateOutput(const stdfs::path& source, const stdfs::path& output,
                                        Target target, const IdentifyFn& identify,
                                        const Limits& limits) {
  ValidationReport rep;
  auto& problems = rep.problems;
  std::error_code ec;
  auto st = stdfs::symlink_status(output, ec);
  if (ec || !stdfs::is_regular_file(st)) {
    problems.push_back("missing output: " + output.string() + " is not a regular file");
    return rep;
  }
  rep.output_bytes = stdfs::file_size(output, ec);
  if (rep.output_bytes == 0) {
    problems.push_back("output is empty");
    return rep;
  }
  if (rep.output_bytes > limits.output_bytes) {
    problems.push_back("output too large: " + std::to_string(rep.output_bytes) + " bytes > " +
                       std::to_string(limits.output_bytes));
  }
  if (identify) {
    rep.output_puid = identify(output);
    auto accepted = AcceptedPuids(target);
    if (std::find(accepted.begin(), accepted.end(), rep.output_puid) == accepted.end()) {
      problems.push_back("puid: output identified as '" + rep.output_puid + "', expected " +
                         std::string(TargetPuid(target)));
    }
  }

  ScratchDir scratch("vault-validate");
  if (scratch.path().empty()) return Status::IoError("validate: mkdtemp failed");
  Checker checker(scratch.path(), limits);
  const SourceKind kind = SourceKindFromPath(source);
  std::string problem;
  auto note = [&problems, &problem](std::string_view check) {
    if (!problem.empty()) problems.push_back(std::string(check) + ": " + problem);
    problem.clear();
  };

  switch (target) {
    case Target::kPdfA2b: {
      VAULT_ASSIGN_OR_RETURN(PdfaId id, ReadPdfaId(output, limits.output_bytes));
      rep.pdfa_part = id.part;
      rep.pdfa_conformance = id.conformance;
      if (id.part.empty() && id.conformance.empty()) {
        problems.push_back("pdfaid: no XMP pdfaid:part/pdfaid:conformance (not PDF/A)");
      } else if (id.part != "2" || id.conformance != "B") {
        problems.push_back("pdfaid: part '" + id.part + "' conformance '" + id.conformance +
                           "', expected part 2 conformance B");
      }
      VAULT_ASSIGN_OR_RETURN(rep.output_pages, PdfPages(checker, output, &problem));
      note("pages");
      if (rep.output_pages == 0) problems.push_back("pages: output has no pages");
      VAULT_ASSIGN_OR_RETURN(rep.output_has_text, PdfHasText(checker, output, "output", &problem));
      note("text");
      if (kind == SourceKind::kPdf) {
        VAULT_ASSIGN_OR_RETURN(rep.source_pages, PdfPages(checker, source, &problem));
        note("source pages");
        VAULT_ASSIGN_OR_RETURN(rep.source_has_text,
                               PdfHasText(checker, source, "source", &problem));
        note("source text");
      } else if (kind == SourceKind::kWordProcessing || kind == SourceKind::kSpreadsheet ||
                 kind == SourceKind::kPresentation) {
        VAULT_ASSIGN_OR_RETURN(rep.source_has_text,
                               OfficeSourceHasText(checker, source, kind, &problem));
        note("source text");
      }
      if (rep.source_pages > 0 && rep.output_pages >= 0 && rep.source_pages != rep.output_pages) {
        problems.push_back("pages: source has " + std::to_string(rep.source_pages) +
                           ", output has " + std::to_string(rep.output_pages));
      }
      if (rep.source_has_text && !rep.output_has_text) {
        problems.push_back("text: the source has text but none could be extracted from the output");
      }
      break;
    }
    case Target::kPng:
    case Target::kTiff: {
      std::string src_coder = ImageCoderFor(source);
      const std::string out_coder = target == Target::kPng ? "png" : "tiff";
      VAULT_ASSIGN_OR_RETURN(auto out_sizes,
                             ImageSizes(checker, out_coder + ":" + output.string(), &problem));
      note("dimensions (output)");
      if (src_coder.empty()) {
        problems.push_back("dimensions: source format not known for " + source.string());
        break;
      }
      VAULT_ASSIGN_OR_RETURN(auto src_sizes,
                             ImageSizes(checker, src_coder + ":" + source.string() + "[0]",
                                        &problem));
      note("dimensions (source)");
      if (!src_sizes.empty()) {
        rep.source_width = src_sizes[0].first;
        rep.source_height = src_sizes[0].second;
      }
      if (!out_sizes.empty()) {
        rep.output_width = out_sizes[0].first;
        rep.output_height = out_sizes[0].second;
      }
      if (!src_sizes.empty()) {
        for (size_t i = 0; i < out_sizes.size(); ++i) {
          if (out_sizes[i] != src_sizes[0]) {
            problems.push_back("dimensions: source " + std::to_string(src_sizes[0].first) + "x" +
                               std::to_string(src_sizes[0].second) + ", output frame " +
                               std::to_string(i) + " " + std::to_string(out_sizes[i].first) +
                               "x" + std::to_string(out_sizes[i].second));
            break;
          }
        }
      }
      break;
    }
    case Target::kFlac:
    case Target::kWav:
    case Target::kFfv1Mkv: {
      VAULT_ASSIGN_OR_RETURN(MediaInfo out, Probe(checker, output, &problem));
      note("duration (output)");
      VAULT_ASSIGN_OR_RETURN(MediaInfo src, Probe(checker, source, &problem));
      note("duration (source)");
      rep.output_seconds = out.seconds;
      rep.source_seconds = src.seconds;
      if (src.seconds >= 0 && out.seconds >= 0) {
        double tolerance = std::max(0.1, src.seconds * 0.005);
        if (std::fabs(src.seconds - out.seconds) > tolerance) {
          char buf[128];
          std::snprintf(buf, sizeof buf, "duration: source %.3f s, output %.3f s", src.seconds,
                        out.seconds);
          problems.emplace_back(buf);
        }
      }
      if (target == Target::kFfv1Mkv && src.video_streams > 0 && out.video_streams == 0) {
        problems.push_back("streams: the output has no video stream");
      }
      if (target != Target::kFfv1Mkv && out.audio_streams == 0) {
        problems.push_back("streams: the output has no audio stream");
      }
      break;
    }
  }
  rep.ok = problems.empty();
  return rep;
}

}  // namespace vault::migration
