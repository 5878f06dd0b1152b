// Real conversions of corpus files with the installed tools, and validation of the outputs.
// Each sample is converted (and validated) at most once per process, on first use, in a shared
// fixture: LibreOffice takes seconds to start.
#include "formats/migration/converters.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/migration/validate.h"
#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"

namespace vault::migration {
namespace {

namespace stdfs = std::filesystem;
using vault::testing::ReadFile;
using vault::testing::TempDir;
using vault::testing::WriteFile;

struct Sample {
  std::string name;  // test key
  std::string rel;   // below <corpora>/format-corpus
  Target target;
};

// Small, valid files of each kind (printed when the suite runs).
const std::vector<Sample>& Samples() {
  static const auto* s = new std::vector<Sample>{
      {"word97", "_extracted-from-zips/textfiles_historicaldates/text-msword-pc.doc",
       Target::kPdfA2b},
      {"wordperfect", "office/wordprocessing/WordPerfect6/testWordPerfect_6_61.wpd",
       Target::kPdfA2b},
      {"rtf", "office/wordprocessing/rtf/testRTF.rtf", Target::kPdfA2b},
      {"xls", "_extracted-from-zips/spreadsheets_historicaldates/spreadsheet-excel2003-nocalcs.xls",
       Target::kPdfA2b},
      {"pdf", "variations/variations/application/pdf/lorem-ipsum.pdf", Target::kPdfA2b},
      {"bmp", "_extracted-from-zips/images_severalformats_historicaldates/image-24bit-300ppi.bmp",
       Target::kPng},
      {"gif", "_extracted-from-zips/images_severalformats_historicaldates/"
              "image-enforcedtransparency-300ppi.gif",
       Target::kPng},
      {"gif-animated", "_extracted-from-zips/animatedgifs_historicaldates/image-animatedgif-72ppi.gif",
       Target::kPng},
      {"gif-animated-tiff",
       "_extracted-from-zips/animatedgifs_historicaldates/image-animatedgif-72ppi.gif",
       Target::kTiff},
      {"tiff-lzw",
       "_extracted-from-zips/images_severalformats_historicaldates/image-lzwcompression-300ppi.tif",
       Target::kTiff},
      {"tiff-png",
       "_extracted-from-zips/images_severalformats_historicaldates/image-macbyteorder-300ppi.tif",
       Target::kPng},
      {"aiff", "_extracted-from-zips/audio_historicaldates/audio-aiff.aif", Target::kFlac},
      {"mp3", "_extracted-from-zips/audio_historicaldates/audio-mpeg1layer3.mp3", Target::kWav},
      {"mov", "video/Quicktime/png.mov", Target::kFfv1Mkv},
  };
  return *s;
}

struct Outcome {
  stdfs::path source;
  std::string sha_before, sha_after;
  Result<ConversionResult> conversion = Status::Internal("not run");
  Result<ValidationReport> report = Status::Internal("not run");
  double convert_seconds = 0;
  double validate_seconds = 0;
};

class MigrationConvert : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    outcomes_->clear();
    work_.reset();
  }

  // The outcome for `name`, or nullptr after GTEST_SKIP-worthy reasons are printed.
  static const Outcome* Get(const std::string& name, std::string* skip_reason) {
    auto corpora = vault::testing::CorporaDir();
    if (!corpora) {
      *skip_reason = "corpora not found: set VAULT_CORPORA or provide ../shared/corpora";
      return nullptr;
    }
    for (const auto& s : Samples()) {
      if (s.name != name) continue;
      stdfs::path src = *corpora / "format-corpus" / s.rel;
      if (!stdfs::exists(src)) {
        *skip_reason = "sample missing: " + src.string();
        return nullptr;
      }
      auto probe = ProbeConverter(ConverterFor(SourceKindFromPath(src), s.target));
      if (!probe.ok()) {
        *skip_reason = "converter not available: " + probe.status().ToString();
        return nullptr;
      }
    }
    auto it = outcomes_->find(name);
    if (it == outcomes_->end()) it = outcomes_->emplace(name, RunSample(name, *corpora)).first;
    return &it->second;
  }

  // Converts and validates one sample (lazily: ctest runs every test in its own process, so
  // each test converts only what it uses; a whole-binary run converts each sample once).
  static Outcome RunSample(const std::string& name, const stdfs::path& corpora) {
    if (!work_) {
      work_ = std::make_unique<TempDir>();
      std::printf("%-18s %-10s %9s %9s  %s\n", "sample", "target", "convert", "validate", "file");
    }
    Outcome o;
    for (const auto& s : Samples()) {
      if (s.name != name) continue;
      o.source = corpora / "format-corpus" / s.rel;
      o.sha_before = Sha256Hex(ReadFile(o.source));
      ConversionRequest req;
      req.input = o.source;
      req.work_dir = work_->path() / s.name;
      req.target = s.target;
      auto t0 = std::chrono::steady_clock::now();
      o.conversion = Convert(req);
      auto t1 = std::chrono::steady_clock::now();
      if (o.conversion.ok()) {
        o.report = ValidateOutput(o.source, o.conversion->output, s.target, IdentifyFn());
      }
      auto t2 = std::chrono::steady_clock::now();
      o.convert_seconds = std::chrono::duration<double>(t1 - t0).count();
      o.validate_seconds = std::chrono::duration<double>(t2 - t1).count();
      o.sha_after = Sha256Hex(ReadFile(o.source));
      std::printf("%-18s %-10s %8.2fs %8.2fs  %s\n", s.name.c_str(),
                  std::string(TargetName(s.target)).c_str(), o.convert_seconds,
                  o.validate_seconds, s.rel.c_str());
    }
    return o;
  }

  // Common assertions: converted, validated OK, source untouched.
  static void ExpectGood(const Outcome& o) {
    ASSERT_OK(o.conversion);
    ASSERT_OK(o.report);
    const ValidationReport& r = *o.report;
    std::string all;
    for (const auto& p : r.problems) all += p + "; ";
    EXPECT_TRUE(r.ok) << all;
    EXPECT_GT(r.output_bytes, 0u);
    EXPECT_EQ(o.sha_before, o.sha_after) << "source bytes changed: " << o.source;
    EXPECT_EQ(o.conversion->output.stem(), o.source.stem());
    EXPECT_FALSE(o.conversion->converter.version.empty());
    EXPECT_EQ(o.conversion->run.network_isolation, "netns+seccomp");
  }

  static void ExpectPdfA(const Outcome& o) {
    ExpectGood(o);
    if (!o.report.ok()) return;
    EXPECT_EQ(o.report->pdfa_part, "2");
    EXPECT_EQ(o.report->pdfa_conformance, "B");
    EXPECT_GT(o.report->output_pages, 0);
    EXPECT_TRUE(o.report->source_has_text);
    EXPECT_TRUE(o.report->output_has_text);
    EXPECT_EQ(o.conversion->output.extension(), ".pdf");
  }

  static std::unique_ptr<TempDir> work_;
  static std::map<std::string, Outcome>* outcomes_;
};

std::unique_ptr<TempDir> MigrationConvert::work_;
std::map<std::string, Outcome>* MigrationConvert::outcomes_ = new std::map<std::string, Outcome>();

#define VAULT_GET_OUTCOME(var, name)        \
  std::string skip_##var;                   \
  const Outcome* var = Get(name, &skip_##var); \
  if (var == nullptr) GTEST_SKIP() << skip_##var

TEST_F(MigrationConvert, Word97ToPdfA) {
  VAULT_GET_OUTCOME(o, "word97");
  ExpectPdfA(*o);
  EXPECT_EQ(o->conversion->converter.id, "libreoffice");
  EXPECT_EQ(o->report->source_pages, -1);  // not compared for LibreOffice sources
}

TEST_F(MigrationConvert, WordPerfectToPdfA) {
  VAULT_GET_OUTCOME(o, "wordperfect");
  ExpectPdfA(*o);
}

TEST_F(MigrationConvert, RtfToPdfA) {
  VAULT_GET_OUTCOME(o, "rtf");
  ExpectPdfA(*o);
}

TEST_F(MigrationConvert, XlsToPdfA) {
  VAULT_GET_OUTCOME(o, "xls");
  ExpectPdfA(*o);
  // The calc export filter was used (writer_pdf_Export cannot export a spreadsheet).
  bool calc = false;
  for (const auto& a : o->conversion->command) calc |= a.find("calc_pdf_Export") != std::string::npos;
  EXPECT_TRUE(calc);
}

TEST_F(MigrationConvert, PdfToPdfAWithGhostscript) {
  VAULT_GET_OUTCOME(o, "pdf");
  ExpectPdfA(*o);
  EXPECT_EQ(o->conversion->converter.id, "ghostscript");
  EXPECT_EQ(o->report->source_pages, 2);
  EXPECT_EQ(o->report->output_pages, 2);
  // PDF/A needs an output intent for device colour: the sRGB one from our PDFA_def.ps.
  const std::string pdf = ReadFile(o->conversion->output);
  EXPECT_NE(pdf.find("/GTS_PDFA1"), std::string::npos);
  EXPECT_NE(pdf.find("/OutputIntents"), std::string::npos);
}

TEST_F(MigrationConvert, BmpToPng) {
  VAULT_GET_OUTCOME(o, "bmp");
  ExpectGood(*o);
  EXPECT_EQ(o->report->output_width, 800);
  EXPECT_EQ(o->report->output_height, 600);
  EXPECT_EQ(ReadFile(o->conversion->output).substr(0, 8), "\x89PNG\r\n\x1a\n");
}

TEST_F(MigrationConvert, GifToPng) {
  VAULT_GET_OUTCOME(o, "gif");
  ExpectGood(*o);
  EXPECT_EQ(o->report->source_width, o->report->output_width);
  EXPECT_TRUE(o->conversion->notes.empty());
}

TEST_F(MigrationConvert, AnimatedGifToPngKeepsFirstFrameAndSaysSo) {
  VAULT_GET_OUTCOME(o, "gif-animated");
  ExpectGood(*o);
  ASSERT_EQ(o->conversion->notes.size(), 1u);
  EXPECT_NE(o->conversion->notes[0].find("frame 0 kept"), std::string::npos);
}

TEST_F(MigrationConvert, AnimatedGifToTiffKeepsAllFrames) {
  VAULT_GET_OUTCOME(o, "gif-animated-tiff");
  ExpectGood(*o);
  ASSERT_EQ(o->conversion->notes.size(), 1u);
  EXPECT_NE(o->conversion->notes[0].find("all kept"), std::string::npos);
}

TEST_F(MigrationConvert, LzwTiffToUncompressedTiff) {
  VAULT_GET_OUTCOME(o, "tiff-lzw");
  ExpectGood(*o);
  // Uncompressed 800x600 RGB: at least 3 bytes per pixel.
  EXPECT_GE(o->report->output_bytes, 800u * 600u * 3u);
  EXPECT_EQ(o->report->output_width, 800);
}

TEST_F(MigrationConvert, TiffToPng) {
  VAULT_GET_OUTCOME(o, "tiff-png");
  ExpectGood(*o);
}

TEST_F(MigrationConvert, AiffToFlac) {
  VAULT_GET_OUTCOME(o, "aiff");
  ExpectGood(*o);
  EXPECT_GT(o->report->output_seconds, 0);
  EXPECT_EQ(ReadFile(o->conversion->output).substr(0, 4), "fLaC");
}

TEST_F(MigrationConvert, Mp3ToWav) {
  VAULT_GET_OUTCOME(o, "mp3");
  ExpectGood(*o);
  std::string head = ReadFile(o->conversion->output).substr(0, 16);
  EXPECT_EQ(head.substr(0, 4), "RIFF");
  EXPECT_EQ(head.substr(8, 8), "WAVEfmt ");
}

TEST_F(MigrationConvert, QuickTimeToFfv1Mkv) {
  VAULT_GET_OUTCOME(o, "mov");
  ExpectGood(*o);
  EXPECT_EQ(ReadFile(o->conversion->output).substr(0, 4), "\x1a\x45\xdf\xa3");
}

// ---- failures and negative validation -------------------------------------------------------

TEST_F(MigrationConvert, TruncatedDocFailsWithNamedReason) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  if (!ProbeConverter("libreoffice").ok()) GTEST_SKIP() << "libreoffice not installed";
  TempDir dir;
  std::string bytes = ReadFile(corpora / "format-corpus" / Samples()[0].rel);
  WriteFile(dir / "truncated.doc", bytes.substr(0, 3000));
  ConversionRequest req;
  req.input = dir / "truncated.doc";
  req.work_dir = dir / "job";
  auto r = Convert(req);
  if (r.ok()) {
    // Should LibreOffice ever render the fragment, validation must still catch it.
    auto v = ValidateOutput(req.input, r->output, Target::kPdfA2b, IdentifyFn());
    ASSERT_OK(v);
    EXPECT_FALSE(v->ok);
  } else {
    EXPECT_EQ(r.status().code(), Code::kCorruption);
    EXPECT_NE(r.status().message().find("libreoffice"), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("no output produced"), std::string::npos)
        << r.status().ToString();
    std::printf("truncated .doc: %s\n", r.status().ToString().c_str());
  }
}

TEST_F(MigrationConvert, PlainPdfFailsPdfaidCheck) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  if (!ResolveProgram("pdfinfo").ok()) GTEST_SKIP() << "poppler-utils not installed";
  const stdfs::path plain =
      corpora / "format-corpus/office-examples/OpenOffice.org 3.2.0 OSX/pdf-features/simple.pdf";
  auto v = ValidateOutput(plain, plain, Target::kPdfA2b, IdentifyFn());
  ASSERT_OK(v);
  EXPECT_FALSE(v->ok);
  ASSERT_FALSE(v->problems.empty());
  EXPECT_EQ(v->problems[0].rfind("pdfaid:", 0), 0u) << v->problems[0];
  // A PDF/A-1a file is PDF/A, but not 2b.
  const stdfs::path a1 =
      corpora / "format-corpus/office-examples/OpenOffice.org 3.2.0 OSX/pdf-features/simple-PDFA-1a.pdf";
  auto v1 = ValidateOutput(a1, a1, Target::kPdfA2b, IdentifyFn());
  ASSERT_OK(v1);
  EXPECT_FALSE(v1->ok);
  EXPECT_EQ(v1->pdfa_part, "1");
  EXPECT_EQ(v1->pdfa_conformance, "A");
}

TEST_F(MigrationConvert, EmptyAndMissingOutputsFail) {
  TempDir dir;
  WriteFile(dir / "empty.pdf", "");
  auto v = ValidateOutput(dir / "src.doc", dir / "empty.pdf", Target::kPdfA2b, IdentifyFn());
  ASSERT_OK(v);
  EXPECT_FALSE(v->ok);
  ASSERT_EQ(v->problems.size(), 1u);
  EXPECT_EQ(v->problems[0], "output is empty");
  auto m = ValidateOutput(dir / "src.doc", dir / "none.pdf", Target::kPdfA2b, IdentifyFn());
  ASSERT_OK(m);
  EXPECT_FALSE(m->ok);
  EXPECT_EQ(m->problems[0].rfind("missing output", 0), 0u);
  // Size limit.
  WriteFile(dir / "big.png", std::string(4096, 'x'));
  Limits small;
  small.output_bytes = 1024;
  auto b = ValidateOutput(dir / "src.bmp", dir / "big.png", Target::kPng, IdentifyFn(), small);
  ASSERT_OK(b);
  EXPECT_FALSE(b->ok);
  EXPECT_EQ(b->problems[0].rfind("output too large", 0), 0u) << b->problems[0];
}

TEST_F(MigrationConvert, MismatchedPageCountsAreReported) {
  VAULT_GET_OUTCOME(o, "pdf");
  ASSERT_OK(o->conversion);
  VAULT_GET_OUTCOME(one_page, "word97");
  ASSERT_OK(one_page->conversion);
  // Source: the 2-page lorem-ipsum PDF; "output": the 1-page PDF/A from the Word sample.
  auto v = ValidateOutput(o->source, one_page->conversion->output, Target::kPdfA2b, IdentifyFn());
  ASSERT_OK(v);
  EXPECT_FALSE(v->ok);
  bool found = false;
  for (const auto& p : v->problems) found |= p == "pages: source has 2, output has 1";
  EXPECT_TRUE(found) << (v->problems.empty() ? "" : v->problems[0]);
}

TEST_F(MigrationConvert, WrongPuidIsReported) {
  VAULT_GET_OUTCOME(o, "bmp");
  ASSERT_OK(o->conversion);
  auto says_gif = [](const stdfs::path&) { return std::string("fmt/4"); };
  auto v = ValidateOutput(o->source, o->conversion->output, Target::kPng, says_gif);
  ASSERT_OK(v);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->output_puid, "fmt/4");
  ASSERT_EQ(v->problems.size(), 1u);
  EXPECT_EQ(v->problems[0], "puid: output identified as 'fmt/4', expected fmt/13");
  auto says_png = [](const stdfs::path&) { return std::string("fmt/13"); };
  auto ok = ValidateOutput(o->source, o->conversion->output, Target::kPng, says_png);
  ASSERT_OK(ok);
  EXPECT_TRUE(ok->ok);
}

TEST_F(MigrationConvert, ImageDimensionMismatchIsReported) {
  VAULT_GET_OUTCOME(o, "gif-animated");  // 800x600
  VAULT_GET_OUTCOME(bmp, "bmp");
  ASSERT_OK(o->conversion);
  // Source: the animated GIF (800x600); output: the PNG from the 300 ppi BMP (also 800x600),
  // so compare against a deliberately resized copy instead.
  TempDir dir;
  auto r = RunSandboxed({"convert", "png:" + bmp->conversion->output.string(), "-resize", "50%",
                         "png:" + (dir / "half.png").string()},
                        dir / "job", Limits());
  ASSERT_OK(r);
  ASSERT_TRUE(r->Succeeded()) << r->stderr_tail;
  auto v = ValidateOutput(o->source, dir / "half.png", Target::kPng, IdentifyFn());
  ASSERT_OK(v);
  EXPECT_FALSE(v->ok);
  ASSERT_FALSE(v->problems.empty());
  EXPECT_EQ(v->problems[0], "dimensions: source 800x600, output frame 0 400x300");
}

TEST(MigrationConverters, TargetsAndKinds) {
  for (auto t : {Target::kPdfA2b, Target::kPng, Target::kTiff, Target::kFlac, Target::kWav,
                 Target::kFfv1Mkv}) {
    EXPECT_EQ(TargetFromName(TargetName(t)), t);
    EXPECT_EQ(AcceptedPuids(t).front(), TargetPuid(t));
  }
  EXPECT_EQ(TargetFromName("docx"), std::nullopt);
  EXPECT_EQ(TargetPuid(Target::kPdfA2b), "fmt/477");
  EXPECT_EQ(TargetPuid(Target::kFfv1Mkv), "fmt/569");
  EXPECT_EQ(TargetExtension(Target::kTiff), "tif");
  EXPECT_EQ(SourceKindFromPath("A/B/REPORT.DOC"), SourceKind::kWordProcessing);
  EXPECT_EQ(SourceKindFromPath("x.wpd"), SourceKind::kWordProcessing);
  EXPECT_EQ(SourceKindFromPath("x.xls"), SourceKind::kSpreadsheet);
  EXPECT_EQ(SourceKindFromPath("x.pcx"), SourceKind::kImage);
  EXPECT_EQ(SourceKindFromPath("noext"), SourceKind::kUnknown);
  EXPECT_EQ(ConverterFor(SourceKind::kSpreadsheet, Target::kPdfA2b), "libreoffice");
  EXPECT_EQ(ConverterFor(SourceKind::kPostScript, Target::kPdfA2b), "ghostscript");
  EXPECT_EQ(ConverterFor(SourceKind::kImage, Target::kTiff), "imagemagick");
  EXPECT_EQ(ConverterFor(SourceKind::kVideo, Target::kFfv1Mkv), "ffmpeg");
  EXPECT_EQ(ConverterFor(SourceKind::kImage, Target::kPdfA2b), "");
}

TEST(MigrationConverters, UnsupportedPairsAndUnknownToolsAreRejected) {
  TempDir dir;
  WriteFile(dir / "a.bmp", "BM");
  ConversionRequest req;
  req.input = dir / "a.bmp";
  req.work_dir = dir / "job";
  req.target = Target::kFlac;
  EXPECT_EQ(Convert(req).status().code(), Code::kInvalidArgument);
  req.target = Target::kPng;
  req.converter = "ffmpeg";
  EXPECT_EQ(Convert(req).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ProbeConverter("wordstar").status().code(), Code::kInvalidArgument);
}

TEST(MigrationConverters, ProbeReportsVersions) {
  int found = 0;
  for (const char* id : {"libreoffice", "ghostscript", "imagemagick", "ffmpeg"}) {
    auto p = ProbeConverter(id);
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), Code::kNotFound) << p.status().ToString();
      continue;
    }
    ++found;
    EXPECT_EQ(p->id, id);
    EXPECT_EQ(p->tool.rfind("/usr/bin/", 0) == 0 || p->tool.rfind("/bin/", 0) == 0, true)
        << p->tool;
    std::printf("%-12s %s  %s\n", id, p->tool.c_str(), p->version.c_str());
  }
  if (found == 0) GTEST_SKIP() << "no converter installed";
}

}  // namespace
}  // namespace vault::migration
