#include "formats/migration/converters.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>

#include "formats/migration/scratch_dir.h"
#include "vault/base/fs.h"

namespace vault::migration {
namespace {

namespace stdfs = std::filesystem;

struct TargetRow {
  Target target;
  std::string_view name;
  std::string_view puid;
  std::string_view ext;
};
constexpr std::array<TargetRow, 6> kTargets = {{
    {Target::kPdfA2b, "pdfa-2b", "fmt/477", "pdf"},
    {Target::kPng, "png", "fmt/13", "png"},
    {Target::kTiff, "tiff", "fmt/353", "tif"},
    {Target::kFlac, "flac", "fmt/279", "flac"},
    {Target::kWav, "wav", "fmt/141", "wav"},
    {Target::kFfv1Mkv, "ffv1-mkv", "fmt/569", "mkv"},
}};

const TargetRow& Row(Target t) {
  for (const auto& r : kTargets) {
    if (r.target == t) return r;
  }
  return kTargets[0];  // unreachable: every enumerator has a row
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Lower-case extension without the dot, only when it is 1..8 of [a-z0-9]; else "".
std::string SafeExtension(const stdfs::path& p) {
  std::string ext = p.extension().string();
  if (ext.size() < 2 || ext.size() > 9) return "";
  ext = Lower(ext.substr(1));
  for (char c : ext) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return "";
  }
  return ext;
}

const std::map<std::string, SourceKind, std::less<>>& KindByExtension() {
  static const auto* m = new std::map<std::string, SourceKind, std::less<>>{
      {"doc", SourceKind::kWordProcessing}, {"docx", SourceKind::kWordProcessing},
      {"dot", SourceKind::kWordProcessing}, {"odt", SourceKind::kWordProcessing},
      {"rtf", SourceKind::kWordProcessing}, {"wpd", SourceKind::kWordProcessing},
      {"wp", SourceKind::kWordProcessing},  {"wp5", SourceKind::kWordProcessing},
      {"wp6", SourceKind::kWordProcessing}, {"wps", SourceKind::kWordProcessing},
      {"sxw", SourceKind::kWordProcessing}, {"sdw", SourceKind::kWordProcessing},
      {"txt", SourceKind::kWordProcessing}, {"xls", SourceKind::kSpreadsheet},
      {"xlsx", SourceKind::kSpreadsheet},   {"ods", SourceKind::kSpreadsheet},
      {"sxc", SourceKind::kSpreadsheet},    {"wk1", SourceKind::kSpreadsheet},
      {"wk3", SourceKind::kSpreadsheet},    {"wk4", SourceKind::kSpreadsheet},
      {"123", SourceKind::kSpreadsheet},    {"wks", SourceKind::kSpreadsheet},
      {"csv", SourceKind::kSpreadsheet},    {"ppt", SourceKind::kPresentation},
      {"pptx", SourceKind::kPresentation},  {"odp", SourceKind::kPresentation},
      {"pdf", SourceKind::kPdf},            {"ps", SourceKind::kPostScript},
      {"eps", SourceKind::kPostScript},     {"bmp", SourceKind::kImage},
      {"gif", SourceKind::kImage},          {"pcx", SourceKind::kImage},
      {"tif", SourceKind::kImage},          {"tiff", SourceKind::kImage},
      {"png", SourceKind::kImage},          {"jpg", SourceKind::kImage},
      {"jpeg", SourceKind::kImage},         {"wav", SourceKind::kAudio},
      {"aif", SourceKind::kAudio},          {"aiff", SourceKind::kAudio},
      {"aifc", SourceKind::kAudio},         {"mp3", SourceKind::kAudio},
      {"au", SourceKind::kAudio},           {"snd", SourceKind::kAudio},
      {"flac", SourceKind::kAudio},         {"ogg", SourceKind::kAudio},
      {"wma", SourceKind::kAudio},          {"m4a", SourceKind::kAudio},
      {"mov", SourceKind::kVideo},          {"avi", SourceKind::kVideo},
      {"mp4", SourceKind::kVideo},          {"mpg", SourceKind::kVideo},
      {"mpeg", SourceKind::kVideo},         {"wmv", SourceKind::kVideo},
      {"flv", SourceKind::kVideo},          {"mkv", SourceKind::kVideo},
      {"dv", SourceKind::kVideo},           {"m4v", SourceKind::kVideo},
  };
  return *m;
}

// ImageMagick coder named explicitly for the input, so IM never sniffs the bytes into a
// different (possibly dangerous: MVG, MSL, PS) coder.
std::string_view ImageCoder(std::string_view ext) {
  if (ext == "tif" || ext == "tiff") return "tiff";
  if (ext == "jpg" || ext == "jpeg") return "jpeg";
  if (ext == "bmp" || ext == "gif" || ext == "pcx" || ext == "png") return ext;
  return "";
}

struct ToolSpec {
  std::string_view id;
  std::string_view program;
  std::vector<std::string> version_args;
};

const ToolSpec* FindTool(std::string_view id) {
  static const auto* specs = new std::vector<ToolSpec>{
      {"libreoffice", "soffice", {"--version"}},
      {"ghostscript", "gs", {"--version"}},
      {"imagemagick", "convert", {"-version"}},
      {"ffmpeg", "ffmpeg", {"-version"}},
  };
  for (const auto& s : *specs) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string FirstLine(std::string_view s) {
  size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  s.remove_prefix(start);
  size_t end = s.find_first_of("\r\n");
  return std::string(s.substr(0, end));
}

std::string OneLine(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = "…" + s.substr(s.size() - max);
  return s;
}

Status ConverterFailure(std::string_view id, const SandboxResult& run, std::string_view what) {
  std::string msg = std::string(id) + ": " + run.Describe();
  if (!what.empty()) msg += ", " + std::string(what);
  std::string tail = OneLine(run.stderr_tail.empty() ? run.stdout_tail : run.stderr_tail, 600);
  if (!tail.empty()) msg += "; stderr: " + tail;
  return Status::Corruption(msg);
}

// Copies the input to <work_dir>/in/source.<ext> (read-only for the converter; never the
// original path). Returns the copy's path.
Result<stdfs::path> StageInput(const stdfs::path& input, const stdfs::path& work_dir,
                               const std::string& ext) {
  std::error_code ec;
  auto st = stdfs::symlink_status(input, ec);
  if (ec || !stdfs::exists(st)) return Status::NotFound("input not found: " + input.string());
  if (!stdfs::is_regular_file(st)) {
    return Status::InvalidArgument("input is not a regular file: " + input.string());
  }
  stdfs::path in_dir = work_dir / "in";
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(in_dir));
  stdfs::path copy = in_dir / (ext.empty() ? std::string("source") : "source." + ext);
  stdfs::remove(copy, ec);
  if (!stdfs::copy_file(input, copy, stdfs::copy_options::overwrite_existing, ec)) {
    return Status::IoError("copy input " + input.string() + ": " + ec.message());
  }
  stdfs::permissions(copy, stdfs::perms::owner_read, ec);
  return copy;
}

std::string GhostscriptPdfaDef(const stdfs::path& icc) {
  // Ghostscript's lib/PDFA_def.ps reduced to the output intent (sRGB), which PDF/A requires
  // for device colour. PostScript string: escape '\', '(' and ')'.
  std::string p;
  for (char c : icc.string()) {
    if (c == '\\' || c == '(' || c == ')') p.push_back('\\');
    p.push_back(c);
  }
  return "%!\n/ICCProfile (" + p + ") def\n"
         "[/_objdef {icc_PDFA} /type /stream /OBJ pdfmark\n"
         "[{icc_PDFA} << /N 3 >> /PUT pdfmark\n"
         "[{icc_PDFA} ICCProfile (r) file /PUT pdfmark\n"
         "[/_objdef {OutputIntent_PDFA} /type /dict /OBJ pdfmark\n"
         "[{OutputIntent_PDFA} << /Type /OutputIntent /S /GTS_PDFA1 "
         "/DestOutputProfile {icc_PDFA} /OutputConditionIdentifier (sRGB) >> /PUT pdfmark\n"
         "[{Catalog} << /OutputIntents [ {OutputIntent_PDFA} ] >> /PUT pdfmark\n";
}

Result<stdfs::path> FindSrgbProfile() {
  for (const char* p : {"/usr/share/color/icc/ghostscript/srgb.icc",
                        "/usr/share/ghostscript/iccprofiles/srgb.icc"}) {
    if (stdfs::is_regular_file(p)) return stdfs::path(p);
  }
  std::error_code ec;
  for (stdfs::directory_iterator it("/usr/share/ghostscript", ec), end; !ec && it != end;
       it.increment(ec)) {
    stdfs::path p = it->path() / "iccprofiles" / "srgb.icc";
    if (stdfs::is_regular_file(p)) return p;
  }
  return Status::NotFound("ghostscript: sRGB ICC profile (srgb.icc) not found");
}

// file:// URL of an absolute path, percent-encoding everything but unreserved characters and '/'.
std::string FileUrl(const stdfs::path& p) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string url = "file://";
  for (unsigned char c : p.string()) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      url.push_back(static_cast<char>(c));
    } else {
      url.push_back('%');
      url.push_back(kHex[c >> 4]);
      url.push_back(kHex[c & 15]);
    }
  }
  return url;
}

// Counts the frames of an image with `identify` (sandboxed). 1 when it cannot tell.
int CountFrames(const std::string& coder_input, const stdfs::path& work_dir,
                const Limits& limits) {
  auto r = RunSandboxed({"identify", "-format", "%n\n", coder_input}, work_dir / "probe", limits);
  if (!r.ok() || !r->Succeeded()) return 1;
  return std::max(1, std::atoi(FirstLine(r->stdout_tail).c_str()));
}

}  // namespace

std::string_view TargetName(Target target) { return Row(target).name; }
std::string_view TargetPuid(Target target) { return Row(target).puid; }
std::string_view TargetExtension(Target target) { return Row(target).ext; }

std::optional<Target> TargetFromName(std::string_view name) {
  for (const auto& r : kTargets) {
    if (r.name == name) return r.target;
  }
  return std::nullopt;
}

std::string_view SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kUnknown: return "unknown";
    case SourceKind::kWordProcessing: return "word-processing";
    case SourceKind::kSpreadsheet: return "spreadsheet";
    case SourceKind::kPresentation: return "presentation";
    case SourceKind::kPdf: return "pdf";
    case SourceKind::kPostScript: return "postscript";
    case SourceKind::kImage: return "image";
    case SourceKind::kAudio: return "audio";
    case SourceKind::kVideo: return "video";
  }
  return "unknown";
}

SourceKind SourceKindFromPath(const stdfs::path& path) {
  const auto& m = KindByExtension();
  auto it = m.find(SafeExtension(path));
  return it == m.end() ? SourceKind::kUnknown : it->second;
}

std::string_view ConverterFor(SourceKind kind, Target target) {
  switch (kind) {
    case SourceKind::kWordProcessing:
    case SourceKind::kSpreadsheet:
    case SourceKind::kPresentation:
      return target == Target::kPdfA2b ? "libreoffice" : "";
    case SourceKind::kPdf:
    case SourceKind::kPostScript:
      return target == Target::kPdfA2b ? "ghostscript" : "";
    case SourceKind::kImage:
      return target == Target::kPng || target == Target::kTiff ? "imagemagick" : "";
    case SourceKind::kAudio:
      return target == Target::kFlac || target == Target::kWav ? "ffmpeg" : "";
    case SourceKind::kVideo:
      return target == Target::kFfv1Mkv ? "ffmpeg" : "";
    case SourceKind::kUnknown:
      return "";
  }
  return "";
}

Result<ConverterInfo> ProbeConverter(std::string_view id) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, ConverterInfo, std::less<>>();  // GUARDED_BY(mu)
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache->find(id); it != cache->end()) return it->second;
  }
  const ToolSpec* spec = FindTool(id);
  if (spec == nullptr) return Status::InvalidArgument("unknown converter: " + std::string(id));
  auto program = ResolveProgram(std::string(spec->program));
  if (!program.ok()) {
    return Status::NotFound(std::string(id) + ": " + std::string(spec->program) +
                            " is not installed in /usr/bin or /bin");
  }
  ScratchDir scratch("vault-migration");
  if (scratch.path().empty()) return Status::IoError("probe " + std::string(id) + ": mkdtemp");
  std::vector<std::string> argv = {program->string()};
  argv.insert(argv.end(), spec->version_args.begin(), spec->version_args.end());
  Limits limits;
  limits.wall = std::chrono::seconds(60);
  limits.output_bytes = 16 << 20;
  VAULT_ASSIGN_OR_RETURN(SandboxResult run, RunSandboxed(argv, scratch.path(), limits));
  std::string line = FirstLine(run.stdout_tail);
  if (!run.Succeeded() || line.empty()) {
    return Status::Unavailable(std::string(id) + " version query failed: " + run.Describe());
  }
  if (line.rfind("Version: ", 0) == 0) line = line.substr(9);  // ImageMagick
  ConverterInfo info{std::string(id), program->string(), line};
  std::lock_guard<std::mutex> lock(mu);
  cache->emplace(std::string(id), info);
  return info;
}

Result<ConversionResult> Convert(const ConversionRequest& req) {
  const SourceKind kind =
      req.source_kind != SourceKind::kUnknown ? req.source_kind : SourceKindFromPath(req.input);
  std::string id = req.converter.empty() ? std::string(ConverterFor(kind, req.target))
                                         : req.converter;
  if (id.empty()) {
    return Status::InvalidArgument("no converter for " + std::string(SourceKindName(kind)) +
                                   " → " + std::string(TargetName(req.target)) + ": " +
                                   req.input.string());
  }
  if (ConverterFor(kind, req.target) != id) {
    return Status::InvalidArgument("converter " + id + " does not convert " +
                                   std::string(SourceKindName(kind)) + " to " +
                                   std::string(TargetName(req.target)));
  }
  if (req.work_dir.empty()) return Status::InvalidArgument("convert: empty work_dir");
  VAULT_ASSIGN_OR_RETURN(ConverterInfo info, ProbeConverter(id));

  const stdfs::path work = stdfs::absolute(req.work_dir);
  const std::string ext = SafeExtension(req.input);
  VAULT_ASSIGN_OR_RETURN(stdfs::path staged, StageInput(req.input, work, ext));
  const stdfs::path out_dir = work / "out";
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(out_dir));
  std::string stem = req.input.stem().string();
  if (stem.empty() || stem == "." || stem == "..") stem = "output";
  const stdfs::path output = out_dir / (stem + "." + std::string(TargetExtension(req.target)));
  // The converter writes <out_dir>/source.<ext>; it is renamed to `output` afterwards.
  const stdfs::path produced =
      out_dir / ("source." + std::string(TargetExtension(req.target)));
  std::error_code ec;
  stdfs::remove(output, ec);
  stdfs::remove(produced, ec);

  ConversionResult result;
  result.converter = info;
  std::vector<std::string> cmd;
  if (id == "libreoffice") {
    std::string_view filter = kind == SourceKind::kSpreadsheet    ? "calc_pdf_Export"
                              : kind == SourceKind::kPresentation ? "impress_pdf_Export"
                                                                  : "writer_pdf_Export";
    // A fresh profile per job: a profile shared between runs is locked and can be corrupted.
    const stdfs::path profile = work / "lo-profile";
    VAULT_RETURN_IF_ERROR(RemoveTree(profile));
    cmd = {info.tool,
           "--headless",
           "--norestore",
           "--nolockcheck",
           "--nodefault",
           "--nologo",
           "-env:UserInstallation=" + FileUrl(profile),
           "--convert-to",
           "pdf:" + std::string(filter) + ":{\"SelectPdfVersion\":{\"type\":\"long\",\"value\":\"2\"}}",
           "--outdir",
           out_dir.string(),
           staged.string()};
  } else if (id == "ghostscript") {
    VAULT_ASSIGN_OR_RETURN(stdfs::path icc, FindSrgbProfile());
    const stdfs::path def = work / "pdfa_def.ps";
    VAULT_RETURN_IF_ERROR(WriteFileDurable(def, GhostscriptPdfaDef(icc)));
    cmd = {info.tool,
           "-q",
           "-dSAFER",
           "-dBATCH",
           "-dNOPAUSE",
           "-dNOINTERPOLATE",
           "-sDEVICE=pdfwrite",
           "-dPDFA=2",
           "-dPDFACompatibilityPolicy=1",
           "-sColorConversionStrategy=RGB",
           "-sProcessColorModel=DeviceRGB",
           "--permit-file-read=" + icc.string(),
           "-sOutputFile=" + produced.string(),
           def.string(),
           staged.string()};
  } else if (id == "imagemagick") {
    std::string coder(ImageCoder(ext));
    if (coder.empty()) {
      return Status::InvalidArgument("imagemagick: no explicit coder for extension '" + ext + "'");
    }
    const std::string in = coder + ":" + staged.string();
    const int frames = CountFrames(in, work, req.limits);
    std::string frame_sel = in;
    if (frames > 1 && req.target == Target::kPng) {
      // PNG holds one image: keep frame 0 (complete by definition, no coalescing needed).
      frame_sel = in + "[0]";
      result.notes.push_back("input has " + std::to_string(frames) +
                             " frames; frame 0 kept (PNG holds one image; choose tiff to keep all)");
    } else if (frames > 1) {
      result.notes.push_back("input has " + std::to_string(frames) +
                             " frames; all kept as TIFF pages (coalesced)");
    }
    cmd = {info.tool, frame_sel};
    if (frames > 1 && req.target == Target::kTiff) cmd.push_back("-coalesce");
    if (req.target == Target::kPng) {
      cmd.insert(cmd.end(), {"-define", "png:exclude-chunk=date,time", "png:" + produced.string()});
    } else {
      cmd.insert(cmd.end(), {"-compress", "none", "tiff:" + produced.string()});
    }
  } else if (id == "ffmpeg") {
    cmd = {info.tool, "-nostdin", "-hide_banner", "-loglevel", "error",
           "-protocol_whitelist", "file", "-i", staged.string()};
    if (req.target == Target::kFlac) {
      cmd.insert(cmd.end(), {"-map", "0:a", "-c:a", "flac"});
    } else if (req.target == Target::kWav) {
      cmd.insert(cmd.end(), {"-map", "0:a", "-c:a", "pcm_s16le", "-fflags", "+bitexact",
                             "-flags:a", "+bitexact"});
    } else {
      cmd.insert(cmd.end(), {"-map", "0:v", "-map", "0:a?", "-c:v", "ffv1", "-level", "3",
                             "-g", "1", "-slicecrc", "1", "-c:a", "flac"});
    }
    cmd.push_back(produced.string());
  } else {
    return Status::InvalidArgument("unknown converter: " + id);
  }

  VAULT_ASSIGN_OR_RETURN(SandboxResult run, RunSandboxed(cmd, work, req.limits));
  result.run = run;
  result.command = cmd;
  if (!run.Succeeded()) return ConverterFailure(id, run, "");
  auto st = stdfs::symlink_status(produced, ec);
  if (ec || !stdfs::is_regular_file(st)) return ConverterFailure(id, run, "no output produced");
  if (stdfs::rename(produced, output, ec); ec) {
    return Status::IoError("rename " + produced.string() + ": " + ec.message());
  }
  result.output = output;
  return result;
}

}  // namespace vault::migration
