#include "policies/migration.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/xml.h"

namespace vault::policies {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::filesystem::path DefaultPolicyPath() {
  return std::filesystem::path(VAULT_SOURCE_DIR) / "policies" / "migration" / "default.toml";
}

MigrationPolicy DefaultPolicy() {
  Result<MigrationPolicy> p = LoadMigrationPolicy(DefaultPolicyPath());
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : MigrationPolicy{};
}

// ---- policy files ---------------------------------------------------------------------------

TEST(MigrationPolicy, DefaultPolicyLoads) {
  const Result<MigrationPolicy> p = LoadMigrationPolicy(DefaultPolicyPath());
  ASSERT_OK(p);
  EXPECT_EQ(p->id, "migration-default");
  EXPECT_EQ(p->version, 1);
  EXPECT_EQ(p->applies_to, "permanent");
  EXPECT_EQ(p->sha256, "");  // the caller fills it
  ASSERT_EQ(p->rules.size(), 25u);

  // The examples go where they should.
  const std::map<std::string, std::string> expected = {
      {"fmt/40", "word-binary-pdfa"},   {"fmt/39", "word-binary-pdfa"},
      {"x-fmt/274", "word-binary-pdfa"}, {"x-fmt/394", "wordperfect-pdfa"},
      {"fmt/892", "wordperfect-pdfa"},  {"fmt/50", "rtf-pdfa"},
      {"fmt/412", "docx-pdfa"},         {"fmt/291", "odt-pdfa"},
      {"fmt/61", "xls-pdfa"},           {"fmt/55", "xls-pdfa"},
      {"fmt/214", "xlsx-pdfa"},         {"fmt/295", "ods-pdfa"},
      {"x-fmt/114", "lotus123-pdfa"},   {"fmt/116", "bmp-png"},
      {"fmt/3", "gif-png"},             {"fmt/4", "gif-png"},
      {"fmt/90", "pcx-png"},            {"fmt/402", "tga-png"},
      {"fmt/414", "aiff-flac"},         {"x-fmt/139", "au-flac"},
      {"fmt/404", "realaudio-flac"},    {"fmt/132", "wma-flac"},
      {"fmt/5", "avi-ffv1"},            {"x-fmt/384", "quicktime-ffv1"},
      {"fmt/133", "wmv-ffv1"},          {"x-fmt/385", "mpeg-ffv1"},
      {"x-fmt/382", "flv-ffv1"},        {"x-fmt/277", "realmedia-ffv1"},
  };
  for (const auto& [puid, rule] : expected) {
    const MigrationRule* r = p->RuleFor(puid);
    ASSERT_NE(r, nullptr) << puid;
    EXPECT_EQ(r->id, rule) << puid;
  }
  // Preservation formats, deliberate exclusions and the outputs are never sources.
  for (const char* puid : {"fmt/477", "fmt/276", "fmt/13", "fmt/353", "fmt/10", "fmt/279",
                           "fmt/141", "fmt/569", "fmt/134", "fmt/1424", "x-fmt/45", "fmt/585"}) {
    EXPECT_EQ(p->RuleFor(puid), nullptr) << puid;
  }
  // The alternatives are in the file, validated, but not applied.
  ASSERT_NE(p->Find("raster-tiff"), nullptr);
  EXPECT_FALSE(p->Find("raster-tiff")->enabled);
  EXPECT_EQ(p->Find("raster-tiff")->target, "tiff");
  ASSERT_NE(p->Find("audio-wav"), nullptr);
  EXPECT_FALSE(p->Find("audio-wav")->enabled);
  for (const MigrationRule& r : p->rules) {
    EXPECT_THAT(r.reason, HasSubstr(" / ")) << r.id << ": Vietnamese, then English";
    EXPECT_TRUE(IsNfc(r.title_vi)) << r.id;
    EXPECT_TRUE(IsNfc(r.reason)) << r.id;
    EXPECT_FALSE(r.puids.empty()) << r.id;
    const std::set<std::string> cats = {"word-processing", "spreadsheet", "raster-image", "audio",
                                        "video"};
    EXPECT_TRUE(cats.count(r.category)) << r.id << ": " << r.category;
  }
  EXPECT_EQ(p->rules[0].line, 41);  // [[rule]] of word-binary-pdfa
}

// Expected PRONOM names per rule of the default policy (any of the substrings), and names that
// must never appear (templates, encrypted files and the like are deliberately not sources).
const std::map<std::string, std::vector<std::string>>& ExpectedNames() {
  static const std::map<std::string, std::vector<std::string>> kNames = {
      {"word-binary-pdfa", {"Microsoft Word"}},
      {"wordperfect-pdfa", {"WordPerfect"}},
      {"rtf-pdfa", {"Rich Text Format"}},
      {"docx-pdfa", {"Microsoft Word", "DOCX"}},
      {"odt-pdfa", {"OpenDocument Text", "OpenOffice Writer"}},
      {"xls-pdfa", {"Excel"}},
      {"xlsx-pdfa", {"Excel", "XLSX"}},
      {"ods-pdfa", {"OpenDocument Spreadsheet", "OpenOffice Calc"}},
      {"lotus123-pdfa", {"Lotus 1-2-3 Worksheet"}},
      {"bmp-png", {"Windows Bitmap", "OS/2 Bitmap"}},
      {"gif-png", {"Graphics Interchange Format"}},
      {"pcx-png", {"PCX"}},
      {"tga-png", {"Truevision TGA"}},
      {"raster-tiff",
       {"Windows Bitmap", "OS/2 Bitmap", "Graphics Interchange Format", "PCX", "Truevision TGA"}},
      {"aiff-flac", {"Audio Interchange File Format"}},
      {"au-flac", {"NeXT/Sun sound", "NeXt Sound"}},
      {"realaudio-flac", {"RealAudio"}},
      {"wma-flac", {"Windows Media Audio"}},
      {"audio-wav",
       {"Audio Interchange File Format", "NeXT/Sun sound", "NeXt Sound", "RealAudio",
        "Windows Media Audio"}},
      {"avi-ffv1", {"Audio/Video Interleaved"}},
      {"quicktime-ffv1", {"Quicktime"}},
      {"wmv-ffv1", {"Windows Media Video"}},
      {"mpeg-ffv1", {"MPEG-1", "MPEG-2"}},
      {"flv-ffv1", {"FLV"}},
      {"realmedia-ffv1", {"RealMedia", "Real Video", "RealVideo"}},
  };
  return kNames;
}

bool NameHasAny(const std::string& name, const std::vector<std::string>& subs) {
  return std::any_of(subs.begin(), subs.end(),
                     [&](const std::string& s) { return name.find(s) != std::string::npos; });
}

struct DroidFormat {
  std::string name, version;
};

// PUID → (name, version) from a DROID signature file.
std::map<std::string, DroidFormat> LoadDroid(const std::filesystem::path& file) {
  std::map<std::string, DroidFormat> out;
  const std::string text = testing::ReadFile(file);
  Result<xml::XmlDocPtr> doc = xml::ParseXml(text, file.filename().string());
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok())
    return out;
  constexpr std::string_view kNs = "http://www.nationalarchives.gov.uk/pronom/SignatureFile";
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  const xmlNode* coll = xml::FirstChild(root, kNs, "FileFormatCollection");
  for (const xmlNode* n = coll ? coll->children : nullptr; n; n = n->next) {
    if (!xml::IsElement(n, kNs, "FileFormat"))
      continue;
    out[xml::AttrValue(n, "", "PUID")] = {xml::AttrValue(n, "", "Name"),
                                          xml::AttrValue(n, "", "Version")};
  }
  return out;
}

TEST(MigrationPolicy, EveryPuidExistsInDroidV122WithAPlausibleName) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const auto droid = LoadDroid(corpora / "pronom-droid" / "DROID_SignatureFile_V122.xml");
  ASSERT_GT(droid.size(), 2000u);
  const MigrationPolicy p = DefaultPolicy();
  ASSERT_FALSE(p.rules.empty());
  const std::vector<std::string> never = {"Template", "Encrypted", "Secondary", "Metafile",
                                          "Macro File", "Add-In", "Chart"};
  size_t checked = 0;
  for (const MigrationRule& r : p.rules) {
    const auto want = ExpectedNames().find(r.id);
    ASSERT_NE(want, ExpectedNames().end()) << "no expected names for rule " << r.id;
    for (const std::string& puid : r.puids) {
      const auto it = droid.find(puid);
      ASSERT_NE(it, droid.end()) << r.id << ": " << puid << " is not in DROID V122";
      EXPECT_TRUE(NameHasAny(it->second.name, want->second))
          << r.id << ": " << puid << " is \"" << it->second.name << "\"";
      EXPECT_FALSE(NameHasAny(it->second.name, never))
          << r.id << ": " << puid << " is \"" << it->second.name << "\"";
      ++checked;
    }
  }
  EXPECT_EQ(checked, 139u);

  // Targets: the hint and every output PUID name the target's format.
  const std::map<std::string, std::string> target_names = {
      {"pdfa-2b", "PDF/A"},   {"png", "Portable Network Graphics"},
      {"tiff", "Tagged Image File Format"}, {"flac", "FLAC"},
      {"wav", "Waveform Audio"}, {"ffv1-mkv", "Matroska"}};
  for (std::string_view t : MigrationTargets()) {
    const std::string& name = target_names.at(std::string(t));
    const auto hint = droid.find(std::string(TargetPuidHint(t)));
    ASSERT_NE(hint, droid.end()) << t;
    EXPECT_THAT(hint->second.name, HasSubstr(name)) << t;
    for (std::string_view puid : TargetPuids(t)) {
      const auto it = droid.find(std::string(puid));
      ASSERT_NE(it, droid.end()) << t << ": " << puid;
      EXPECT_THAT(it->second.name, HasSubstr(name)) << t << ": " << puid;
    }
  }
  EXPECT_EQ(droid.at("fmt/477").version, "2b");
}

// [policy] on lines 1-3, [[rule]] on line 5; Body() is lines 6-13 (puids on 13).
constexpr const char* kHead = "[policy]\nid = \"p\"\nversion = 1\n\n";

std::string Body(const std::string& id, const std::string& target, const std::string& converter,
                 const std::string& puids, const std::string& extra = "") {
  return "[[rule]]\nid = \"" + id +
         "\"\ncategory = \"c\"\ntitle_vi = \"Tiêu đề\"\ntitle_en = \"Title\"\ntarget = \"" +
         target + "\"\nconverter = \"" + converter +
         "\"\nreason = \"Lý do / reason\"\npuids = " + puids + "\n" + extra;
}

TEST(MigrationPolicy, ParsesAValidPolicy) {
  const std::string text =
      std::string(kHead) + Body("A", "pdfa-2b", "libreoffice", "[\"fmt/40\", \"x-fmt/394\"]") +
      "\n" + Body("B", "png", "imagemagick", "[\n  \"fmt/3\",\n  \"fmt/4\",\n]", "enabled = true\n");
  const Result<MigrationPolicy> p = ParseMigrationPolicy(text, "t.toml");
  ASSERT_OK(p);
  ASSERT_EQ(p->rules.size(), 2u);
  EXPECT_EQ(p->rules[0].line, 5);
  EXPECT_EQ(p->rules[1].line, 15);
  EXPECT_EQ(p->rules[0].puids, (std::vector<std::string>{"fmt/40", "x-fmt/394"}));
  EXPECT_EQ(p->rules[0].title_vi, "Tiêu đề");
  EXPECT_EQ(p->RuleFor("x-fmt/394")->id, "A");
  EXPECT_EQ(p->RuleFor("fmt/4")->id, "B");
  EXPECT_EQ(p->RuleFor("fmt/5"), nullptr);
  EXPECT_EQ(p->RuleFor(""), nullptr);
}

TEST(MigrationPolicy, LoadErrorsNameFileLineRuleAndReason) {
  struct Case {
    std::string name, text, message;
  };
  const std::string h = kHead;
  const std::string ok_a = Body("A", "pdfa-2b", "libreoffice", "[\"fmt/40\"]");
  const std::vector<Case> cases = {
      {"unknown key in rule", h + Body("A", "pdfa-2b", "libreoffice", "[\"fmt/40\"]", "colour = 1\n"),
       "t.toml:14: rule \"A\": unknown key \"colour\""},
      {"unknown key in policy", "[policy]\nid = \"p\"\nversion = 1\nowner = \"x\"\n\n" + ok_a,
       "t.toml:4: policy: unknown key \"owner\""},
      {"unknown top-level key", h + ok_a + "\n[extra]\nx = 1\n", "t.toml:15: unknown key \"extra\""},
      {"unknown target", h + Body("A", "jpeg", "libreoffice", "[\"fmt/40\"]"),
       "t.toml:10: rule \"A\": target = \"jpeg\" is not one of pdfa-2b, png, tiff, flac, wav, "
       "ffv1-mkv"},
      {"unknown converter", h + Body("A", "pdfa-2b", "pandoc", "[\"fmt/40\"]"),
       "t.toml:11: rule \"A\": converter = \"pandoc\" is not one of libreoffice, ghostscript, "
       "imagemagick, ffmpeg"},
      {"converter cannot produce target", h + Body("A", "pdfa-2b", "imagemagick", "[\"fmt/40\"]"),
       "t.toml:11: rule \"A\": converter \"imagemagick\" cannot produce target \"pdfa-2b\""},
      {"puid in two rules",
       h + ok_a + "\n" + Body("B", "pdfa-2b", "libreoffice", "[\"fmt/39\", \"fmt/40\"]"),
       "t.toml:23: rule \"B\": puid \"fmt/40\" is already in rule \"A\" (line 13)"},
      {"target as a source in a later rule (loop)",
       h + ok_a + "\n" + Body("B", "png", "imagemagick", "[\"fmt/3\", \"fmt/477\"]"),
       "t.toml:23: rule \"B\": puid \"fmt/477\" is an output format of target \"pdfa-2b\" (rule "
       "\"A\", line 5): migration outputs would be migrated again"},
      {"target as a source in an earlier rule (loop)",
       h + Body("A", "pdfa-2b", "libreoffice", "[\n  \"fmt/40\",\n  \"fmt/13\",\n]") + "\n" +
           Body("B", "png", "imagemagick", "[\"fmt/3\"]"),
       "t.toml:15: rule \"A\": puid \"fmt/13\" is an output format of target \"png\" (rule \"B\", "
       "line 18): migration outputs would be migrated again"},
      {"own target as source", h + Body("A", "flac", "ffmpeg", "[\"fmt/414\", \"fmt/279\"]"),
       "t.toml:13: rule \"A\": puid \"fmt/279\" is the format of this rule's own target \"flac\": "
       "migration loop"},
      {"empty puids", h + Body("A", "pdfa-2b", "libreoffice", "[]"),
       "t.toml:13: rule \"A\": puids must not be empty"},
      {"puids not an array", h + Body("A", "pdfa-2b", "libreoffice", "\"fmt/40\""),
       "t.toml:13: rule \"A\": puids must be an array of PRONOM ids"},
      {"puid not a string", h + Body("A", "pdfa-2b", "libreoffice", "[40]"),
       "t.toml:13: rule \"A\": puids must hold strings"},
      {"puid repeated", h + Body("A", "pdfa-2b", "libreoffice", "[\"fmt/40\",\n\"fmt/40\"]"),
       "t.toml:14: rule \"A\": puid \"fmt/40\" is listed twice (first on line 13)"},
      {"duplicate rule id", h + ok_a + "\n" + Body("A", "png", "imagemagick", "[\"fmt/3\"]"),
       "t.toml:16: rule \"A\": duplicate id \"A\""},
      {"missing reason",
       h + "[[rule]]\nid = \"A\"\ncategory = \"c\"\ntitle_vi = \"t\"\ntitle_en = \"t\"\n"
           "target = \"png\"\nconverter = \"imagemagick\"\npuids = [\"fmt/3\"]\n",
       "t.toml:5: rule \"A\": missing reason"},
      {"bad rule id", h + Body("A B", "png", "imagemagick", "[\"fmt/3\"]"),
       "t.toml:6: rule #1: id \"A B\" must be 1..64 characters of A-Z a-z 0-9 . _ -"},
      {"enabled not a boolean",
       h + Body("A", "pdfa-2b", "libreoffice", "[\"fmt/40\"]", "enabled = \"yes\"\n"),
       "t.toml:14: rule \"A\": enabled must be true or false"},
      {"applies_to years", "[policy]\nid = \"p\"\nversion = 1\napplies_to = \"years\"\n\n" + ok_a,
       "t.toml:4: policy: applies_to = \"years\" is not \"permanent\""},
      {"version 0", "[policy]\nid = \"p\"\nversion = 0\n\n" + ok_a,
       "t.toml:3: policy: version = 0 must be 1..1000000000"},
      {"version string", "[policy]\nid = \"p\"\nversion = \"1\"\n\n" + ok_a,
       "t.toml:3: policy: version must be an integer"},
      {"missing policy", ok_a, "t.toml:1: missing [policy]"},
      {"no rule", h, "t.toml:1: no [[rule]]: a policy needs at least one rule"},
      {"syntax error", h + "[[rule]\n", "t.toml:5: "},
  };
  for (const Case& c : cases) {
    const Result<MigrationPolicy> p = ParseMigrationPolicy(c.text, "t.toml");
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(p.status().message()), StartsWith(c.message)) << c.name;
  }
}

TEST(MigrationPolicy, BadPuidSyntaxIsRefused) {
  for (const char* bad : {"fmt/", "fmt/01", "FMT/40", "fmt/40 ", " fmt/40", "x-fmt/abc", "sfw/1",
                          "x-sfw/1", "fmt/1234567", "fmt//40", "fmt/-1", ""}) {
    const std::string text =
        std::string(kHead) + Body("A", "pdfa-2b", "libreoffice", "[\"" + std::string(bad) + "\"]");
    const Result<MigrationPolicy> p = ParseMigrationPolicy(text, "t.toml");
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_THAT(std::string(p.status().message()), StartsWith("t.toml:13: rule \"A\": puid \""))
        << bad;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr("is not a PRONOM id")) << bad;
  }
  for (const char* good : {"fmt/1", "x-fmt/394", "fmt/999999"})
    EXPECT_TRUE(IsPuid(good)) << good;
}

TEST(MigrationPolicy, AnAlternativeRuleCanBeChosen) {
  const std::string h = kHead;
  // Disabled alternatives may list the same PUIDs as enabled rules.
  const std::string png = Body("bmp-png", "png", "imagemagick", "[\"fmt/116\"]");
  const std::string tiff = Body("raster-tiff", "tiff", "imagemagick", "[\"fmt/116\"]",
                                "enabled = false\n");
  Result<MigrationPolicy> p = ParseMigrationPolicy(h + png + "\n" + tiff, "t.toml");
  ASSERT_OK(p);
  EXPECT_EQ(p->RuleFor("fmt/116")->id, "bmp-png");

  const std::string png_off =
      Body("bmp-png", "png", "imagemagick", "[\"fmt/116\"]", "enabled = false\n");
  const std::string tiff_on = Body("raster-tiff", "tiff", "imagemagick", "[\"fmt/116\"]");
  p = ParseMigrationPolicy(h + png_off + "\n" + tiff_on, "t.toml");
  ASSERT_OK(p);
  EXPECT_EQ(p->RuleFor("fmt/116")->id, "raster-tiff");
  const MigrationPlan plan = PlanMigrations(
      *p, {PlanObject{"o", "permanent", false, false,
                      {{"representations/rep1/data/scan.bmp", "fmt/116", "Windows Bitmap", 9}},
                      {}}});
  ASSERT_EQ(plan.items.size(), 1u);
  EXPECT_EQ(plan.items[0].output_path, "representations/rep2-tiff/data/scan.tif");
  EXPECT_EQ(plan.items[0].target_puid_hint, "fmt/353");

  // Both enabled: the PUID is in two rules.
  p = ParseMigrationPolicy(h + png + "\n" + tiff_on, "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()),
              StartsWith("t.toml:23: rule \"raster-tiff\": puid \"fmt/116\" is already in rule "
                         "\"bmp-png\" (line 13)"));
}

TEST(MigrationPolicy, LoadReportsFileProblems) {
  testing::TempDir dir;
  const Result<MigrationPolicy> missing = LoadMigrationPolicy(dir / "nope.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().code(), Code::kInvalidArgument);

  testing::WriteFile(dir / "big.toml", std::string((size_t{1} << 20) + 1, '#'));
  const Result<MigrationPolicy> big = LoadMigrationPolicy(dir / "big.toml");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Code::kResourceExhausted);

  testing::WriteFile(dir / "bad.toml", std::string(kHead) + "[[rule]]\nid = \"A\"\nfoo = 1\n");
  const Result<MigrationPolicy> bad = LoadMigrationPolicy(dir / "bad.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              StartsWith((dir / "bad.toml").string() + ":7: rule \"A\": unknown key \"foo\""));
}

TEST(MigrationPolicy, HostileTextIsRefusedWithoutCrashing) {
  std::vector<std::string> texts = {
      std::string(100000, '['),
      "a = " + std::string(5000, '[') + std::string(5000, ']'),
      "a = " + std::string(5000, '{'),
      std::string(kHead) + "[[rule]]\nid = \"\xff\xfe\"\n",
      std::string("[policy]\0id = \"p\"\n", 18),
      std::string(kHead) + Body("A", "pdfa-2b", "libreoffice",
                                "[\"" + std::string(100000, 'x') + "\"]"),
      std::string(kHead) + Body("A", "pdfa-2b", "libreoffice", "[" + [] {
        std::string s;
        for (int i = 1; i <= 600; ++i) s += "\"fmt/" + std::to_string(i) + "\",";
        return s;
      }() + "]"),
      std::string((size_t{1} << 20) + 1, ' '),
  };
  for (size_t i = 0; i < texts.size(); ++i) {
    const Result<MigrationPolicy> p = ParseMigrationPolicy(texts[i], "h.toml");
    ASSERT_FALSE(p.ok()) << i;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument) << i;
    EXPECT_THAT(std::string(p.status().message()), StartsWith("h.toml:")) << i;
  }

  // Byte mutations of the default policy: every outcome is a policy or an InvalidArgument
  // naming the place; nothing crashes (ASan/UBSan builds check the rest).
  const std::string base = testing::ReadFile(DefaultPolicyPath());
  std::mt19937 rng(20250601);
  int refused = 0;
  for (int n = 0; n < 300; ++n) {
    std::string t = base;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k)
      t[rng() % t.size()] = static_cast<char>(rng() % 256);
    const Result<MigrationPolicy> p = ParseMigrationPolicy(t, "m.toml");
    if (!p.ok()) {
      ++refused;
      EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
      EXPECT_THAT(std::string(p.status().message()), StartsWith("m.toml:"));
    }
  }
  EXPECT_GT(refused, 0);
}

// ---- plans ----------------------------------------------------------------------------------

PlanFile F(const std::string& path, const std::string& puid, const std::string& name = "",
           uint64_t size = 100) {
  return PlanFile{path, puid, name, size};
}

PlanObject Obj(const std::string& id, const std::string& kind, std::vector<PlanFile> files,
               std::set<std::string> done = {}) {
  PlanObject o;
  o.id = id;
  o.retention_kind = kind;
  o.files = std::move(files);
  o.done = std::move(done);
  return o;
}

const std::string kRep1 = "representations/rep1/data/";

std::map<std::string, std::string> OutputsBySource(const MigrationPlan& plan) {
  std::map<std::string, std::string> m;
  for (const PlannedMigration& i : plan.items)
    m[i.source_path] = i.output_path;
  return m;
}

std::map<std::string, std::string> SkipCodes(const MigrationPlan& plan) {
  std::map<std::string, std::string> m;
  for (const PlanSkip& s : plan.skipped)
    m[s.path] = s.reason_code;
  return m;
}

TEST(MigrationPlan, PermanentObjectGetsExactlyTheExpectedItems) {
  const MigrationPolicy policy = DefaultPolicy();
  const PlanObject o = Obj(
      "obj-1", "permanent",
      {F("METS.xml", "fmt/101"), F("metadata/preservation/premis.xml", "fmt/101"),
       F("representations/rep1/METS.xml", "fmt/101"),
       F(kRep1 + "van-ban/cong-van.doc", "fmt/40", "Microsoft Word Document", 1234),
       F(kRep1 + "van-ban/to-trinh.wpd", "x-fmt/394", "WordPerfect 5.1"),
       F(kRep1 + "van-ban/bao-cao.rtf", "fmt/50", "Rich Text Format"),
       F(kRep1 + "bang/so-lieu.xls", "fmt/61", "Microsoft Excel 97-2003 Workbook (xls)"),
       F(kRep1 + "anh/ban-do.bmp", "fmt/116", "Windows Bitmap"),
       F(kRep1 + "anh/logo.gif", "fmt/4", "Graphics Interchange Format"),
       F(kRep1 + "van-ban/quyet-dinh.pdf", "fmt/276", "Acrobat PDF 1.7"),
       F(kRep1 + "anh/chu-ky.png", "fmt/13", "Portable Network Graphics"),
       F(kRep1 + "la.bin", "", "")});
  const MigrationPlan plan = PlanMigrations(policy, {o});
  const std::map<std::string, std::string> want = {
      {kRep1 + "anh/ban-do.bmp", "representations/rep2-png/data/anh/ban-do.png"},
      {kRep1 + "anh/logo.gif", "representations/rep2-png/data/anh/logo.png"},
      {kRep1 + "bang/so-lieu.xls", "representations/rep2-pdfa-2b/data/bang/so-lieu.pdf"},
      {kRep1 + "van-ban/bao-cao.rtf", "representations/rep2-pdfa-2b/data/van-ban/bao-cao.pdf"},
      {kRep1 + "van-ban/cong-van.doc", "representations/rep2-pdfa-2b/data/van-ban/cong-van.pdf"},
      {kRep1 + "van-ban/to-trinh.wpd", "representations/rep2-pdfa-2b/data/van-ban/to-trinh.pdf"},
  };
  EXPECT_EQ(OutputsBySource(plan), want);
  ASSERT_EQ(plan.items.size(), 6u);
  // Sorted by source path.
  EXPECT_EQ(plan.items[0].source_path, kRep1 + "anh/ban-do.bmp");
  EXPECT_EQ(plan.items[5].source_path, kRep1 + "van-ban/to-trinh.wpd");
  const PlannedMigration& doc = plan.items[4];
  EXPECT_EQ(doc.object_id, "obj-1");
  EXPECT_EQ(doc.source_puid, "fmt/40");
  EXPECT_EQ(doc.source_format, "Microsoft Word Document");
  EXPECT_EQ(doc.rule_id, "word-binary-pdfa");
  EXPECT_EQ(doc.target, "pdfa-2b");
  EXPECT_EQ(doc.target_puid_hint, "fmt/477");
  EXPECT_EQ(doc.converter, "libreoffice");
  EXPECT_EQ(doc.source_size, 1234u);
  EXPECT_EQ(doc.reason, policy.Find("word-binary-pdfa")->reason);
  EXPECT_EQ(plan.items[0].converter, "imagemagick");
  EXPECT_EQ(plan.items[0].target_puid_hint, "fmt/13");

  // Metadata is not listed; PDF and PNG have no rule; the unidentified file is shown.
  const std::map<std::string, std::string> skips = {
      {kRep1 + "anh/chu-ky.png", "no_rule"},
      {kRep1 + "la.bin", "unidentified"},
      {kRep1 + "van-ban/quyet-dinh.pdf", "no_rule"},
  };
  EXPECT_EQ(SkipCodes(plan), skips);
  ASSERT_EQ(plan.skipped.size(), 3u);
  for (const PlanSkip& s : plan.skipped) {
    EXPECT_EQ(s.object_id, "obj-1");
    EXPECT_THAT(s.reason, HasSubstr(" / "));
  }
  EXPECT_THAT(plan.skipped[2].reason, HasSubstr("fmt/276 (Acrobat PDF 1.7)"));
}

TEST(MigrationPlan, NonPermanentObjectsAreSkippedOnce) {
  const MigrationPolicy policy = DefaultPolicy();
  std::vector<PlanObject> objs;
  for (const char* k : {"years", "event", "", "Permanent"}) {
    const std::string kind = k;
    objs.push_back(Obj("o-" + kind, kind,
                       {F(kRep1 + "a.doc", "fmt/40"), F(kRep1 + "b.doc", "fmt/40"),
                        F(kRep1 + "c.gif", "fmt/3")}));
  }
  const MigrationPlan plan = PlanMigrations(policy, objs);
  EXPECT_TRUE(plan.items.empty());
  ASSERT_EQ(plan.skipped.size(), 4u);
  for (const PlanSkip& s : plan.skipped) {
    EXPECT_EQ(s.reason_code, "not_permanent") << s.object_id;
    EXPECT_EQ(s.path, "");
    EXPECT_THAT(s.reason, StartsWith("Thời hạn bảo quản không phải vĩnh viễn"));
  }
}

TEST(MigrationPlan, DestroyedObjectsAreSkippedAndHoldsDoNotBlock) {
  const MigrationPolicy policy = DefaultPolicy();
  PlanObject dying = Obj("dying", "permanent", {F(kRep1 + "a.doc", "fmt/40")});
  dying.being_destroyed = true;
  PlanObject held = Obj("held", "permanent", {F(kRep1 + "a.doc", "fmt/40")});
  held.on_hold = true;
  const MigrationPlan plan = PlanMigrations(policy, {dying, held});
  ASSERT_EQ(plan.items.size(), 1u);
  EXPECT_EQ(plan.items[0].object_id, "held");
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].object_id, "dying");
  EXPECT_EQ(plan.skipped[0].reason_code, "destroying");
}

TEST(MigrationPlan, AlreadyMigratedSourcesAreSkipped) {
  const MigrationPolicy policy = DefaultPolicy();
  const PlanObject o =
      Obj("o", "permanent",
          {F(kRep1 + "a.doc", "fmt/40"), F(kRep1 + "b.doc", "fmt/40"),
           F("representations/rep2-pdfa-2b/data/a.pdf", "fmt/477")},
          {kRep1 + "a.doc"});
  const MigrationPlan plan = PlanMigrations(policy, {o});
  EXPECT_EQ(OutputsBySource(plan),
            (std::map<std::string, std::string>{
                {kRep1 + "b.doc", "representations/rep2-pdfa-2b/data/b.pdf"}}));
  EXPECT_EQ(SkipCodes(plan), (std::map<std::string, std::string>{
                                 {kRep1 + "a.doc", "already_migrated"},
                                 {"representations/rep2-pdfa-2b/data/a.pdf", "is_migration_output"},
                             }));
}

TEST(MigrationPlan, MigrationOutputsAreNeverPlannedAgain) {
  const MigrationPolicy policy = DefaultPolicy();
  // Even an output that an identifier calls Word, or a GIF someone put in a rep2 folder.
  const PlanObject o = Obj("o", "permanent",
                           {F("representations/rep2-pdfa-2b/data/x.pdf", "fmt/477"),
                            F("representations/rep2-pdfa-2b/data/odd.doc", "fmt/40"),
                            F("representations/rep2-png/data/y.gif", "fmt/4"),
                            F("representations/rep2-ffv1-mkv/data/v.mkv", "fmt/569"),
                            F("representations/rep3/data/z.doc", "fmt/40"),
                            F("representations/rep1/z.doc", "fmt/40")});
  const MigrationPlan plan = PlanMigrations(policy, {o});
  EXPECT_TRUE(plan.items.empty());
  EXPECT_EQ(SkipCodes(plan), (std::map<std::string, std::string>{
                                 {"representations/rep2-ffv1-mkv/data/v.mkv", "is_migration_output"},
                                 {"representations/rep2-pdfa-2b/data/odd.doc", "is_migration_output"},
                                 {"representations/rep2-pdfa-2b/data/x.pdf", "is_migration_output"},
                                 {"representations/rep2-png/data/y.gif", "is_migration_output"},
                                 {"representations/rep1/z.doc", "not_original"},
                                 {"representations/rep3/data/z.doc", "not_original"},
                             }));
}

TEST(MigrationPlan, CollisionsKeepTheSourceExtension) {
  const MigrationPolicy policy = DefaultPolicy();
  const std::string out = "representations/rep2-pdfa-2b/data/";
  const PlanObject o = Obj(
      "o", "permanent",
      {// a.doc and a.rtf would both be a.pdf; a.gif goes to another representation.
       F(kRep1 + "a.doc", "fmt/40"), F(kRep1 + "a.rtf", "fmt/50"), F(kRep1 + "a.gif", "fmt/4"),
       // b.pdf already exists in the object (an earlier output): b.doc keeps its extension.
       F(kRep1 + "b.doc", "fmt/40"), F(out + "b.pdf", "fmt/477"),
       // c.doc, c.rtf collide; c.doc's long form c.doc.pdf is also c.doc.rtf's short form.
       F(kRep1 + "c.doc", "fmt/40"), F(kRep1 + "c.rtf", "fmt/50"), F(kRep1 + "c.doc.rtf", "fmt/50"),
       // Same name in another folder: no collision.
       F(kRep1 + "sub/a.doc", "fmt/40")});
  const MigrationPlan plan = PlanMigrations(policy, {o});
  EXPECT_EQ(OutputsBySource(plan), (std::map<std::string, std::string>{
                                       {kRep1 + "a.doc", out + "a.doc.pdf"},
                                       {kRep1 + "a.gif", "representations/rep2-png/data/a.png"},
                                       {kRep1 + "a.rtf", out + "a.rtf.pdf"},
                                       {kRep1 + "b.doc", out + "b.doc.pdf"},
                                       {kRep1 + "c.rtf", out + "c.rtf.pdf"},
                                       {kRep1 + "sub/a.doc", out + "sub/a.pdf"},
                                   }));
  EXPECT_EQ(SkipCodes(plan), (std::map<std::string, std::string>{
                                 {kRep1 + "c.doc", "output_collision"},
                                 {kRep1 + "c.doc.rtf", "output_collision"},
                                 {out + "b.pdf", "is_migration_output"},
                             }));
}

TEST(MigrationPlan, HostilePathsAreSkipped) {
  const MigrationPolicy policy = DefaultPolicy();
  const std::vector<std::string> hostile = {
      "/etc/passwd.doc",
      "/" + kRep1 + "a.doc",
      kRep1 + "../../../escape.doc",
      kRep1 + "x/../../rep2-pdfa-2b/data/y.doc",
      kRep1 + "./a.doc",
      kRep1 + "x//a.doc",
      kRep1 + "a\\..\\b.doc",
      kRep1 + "new\nline.doc",
      kRep1 + std::string("nul\0.doc", 8),
      kRep1 + "bad\xff\xfe.doc",
      kRep1 + "overlong\xc0\xae.doc",
      kRep1 + "a.doc/",
      "",
      kRep1 + std::string(5000, 'a') + ".doc",
  };
  std::vector<PlanFile> files;
  for (const std::string& p : hostile)
    files.push_back(F(p, "fmt/40"));
  const MigrationPlan plan = PlanMigrations(policy, {Obj("o", "permanent", files)});
  EXPECT_TRUE(plan.items.empty());
  ASSERT_EQ(plan.skipped.size(), hostile.size());
  for (const PlanSkip& s : plan.skipped) {
    EXPECT_EQ(s.reason_code, "unsafe_path") << s.path;
    EXPECT_TRUE(IsValidUtf8(s.path)) << "paths in reports are escaped";
  }
  for (const std::string& p : hostile)
    EXPECT_EQ(OutputPathFor(p, "pdfa-2b"), "") << p;
  // And the JSON report stays valid UTF-8 JSON.
  const nlohmann::json j = nlohmann::json::parse(PlanToJson(plan));
  EXPECT_EQ(j["skipped_by_reason"]["unsafe_path"], hostile.size());
}

TEST(MigrationPlan, OutputPathFor) {
  const std::string out = "representations/rep2-pdfa-2b/data/";
  EXPECT_EQ(OutputPathFor(kRep1 + "a/b.doc", "pdfa-2b"), out + "a/b.pdf");
  EXPECT_EQ(OutputPathFor(kRep1 + "a/b.doc", "pdfa-2b", true), out + "a/b.doc.pdf");
  EXPECT_EQ(OutputPathFor(kRep1 + "b.tar.gz", "pdfa-2b"), out + "b.tar.pdf");
  EXPECT_EQ(OutputPathFor(kRep1 + "README", "pdfa-2b"), out + "README.pdf");
  EXPECT_EQ(OutputPathFor(kRep1 + ".doc", "pdfa-2b"), out + ".doc.pdf");
  EXPECT_EQ(OutputPathFor(kRep1 + "a.b/c", "pdfa-2b"), out + "a.b/c.pdf");
  EXPECT_EQ(OutputPathFor(kRep1 + "x.bmp", "png"), "representations/rep2-png/data/x.png");
  EXPECT_EQ(OutputPathFor(kRep1 + "x.bmp", "tiff"), "representations/rep2-tiff/data/x.tif");
  EXPECT_EQ(OutputPathFor(kRep1 + "x.aif", "flac"), "representations/rep2-flac/data/x.flac");
  EXPECT_EQ(OutputPathFor(kRep1 + "x.au", "wav"), "representations/rep2-wav/data/x.wav");
  EXPECT_EQ(OutputPathFor(kRep1 + "x.avi", "ffv1-mkv"),
            "representations/rep2-ffv1-mkv/data/x.mkv");
  // NFD in, NFC out ("Công văn" with decomposed ô and ă).
  const std::string nfd = kRep1 + "Co\xcc\x82ng va\xcc\x86n.doc";
  const std::string nfc = out + "C\xc3\xb4ng v\xc4\x83n.pdf";
  EXPECT_EQ(OutputPathFor(nfd, "pdfa-2b"), nfc);
  EXPECT_TRUE(IsNfc(OutputPathFor(nfd, "pdfa-2b")));
  // Not an original file, or not a target.
  EXPECT_EQ(OutputPathFor(kRep1, "pdfa-2b"), "");
  EXPECT_EQ(OutputPathFor("representations/rep1/data", "pdfa-2b"), "");
  EXPECT_EQ(OutputPathFor("representations/rep2-png/data/a.png", "pdfa-2b"), "");
  EXPECT_EQ(OutputPathFor("METS.xml", "pdfa-2b"), "");
  EXPECT_EQ(OutputPathFor(kRep1 + "a.doc", "jpeg"), "");
  EXPECT_EQ(OutputPathFor(kRep1 + "a.doc", ""), "");
}

TEST(MigrationPlan, NfcCollisionsAreDetected) {
  const MigrationPolicy policy = DefaultPolicy();
  // The same name in NFC and NFD: two files in storage, one output name after NFC.
  const PlanObject o = Obj("o", "permanent",
                           {F(kRep1 + "C\xc3\xb4ng.doc", "fmt/40"),
                            F(kRep1 + "Co\xcc\x82ng.doc", "fmt/40")});
  const MigrationPlan plan = PlanMigrations(policy, {o});
  ASSERT_TRUE(plan.items.empty());
  ASSERT_EQ(plan.skipped.size(), 2u);
  EXPECT_EQ(plan.skipped[0].reason_code, "output_collision");
  EXPECT_EQ(plan.skipped[1].reason_code, "output_collision");
}

TEST(MigrationPlan, DuplicateObjectsAndPathsAreNotPlanned) {
  const MigrationPolicy policy = DefaultPolicy();
  const MigrationPlan plan = PlanMigrations(
      policy, {Obj("dup", "permanent", {F(kRep1 + "a.doc", "fmt/40")}),
               Obj("dup", "permanent", {F(kRep1 + "b.doc", "fmt/40")}),
               Obj("o", "permanent",
                   {F(kRep1 + "a.doc", "fmt/40"), F(kRep1 + "a.doc", "fmt/50"),
                    F(kRep1 + "c.doc", "fmt/40")})});
  EXPECT_EQ(OutputsBySource(plan),
            (std::map<std::string, std::string>{
                {kRep1 + "c.doc", "representations/rep2-pdfa-2b/data/c.pdf"}}));
  std::vector<std::string> codes;
  for (const PlanSkip& s : plan.skipped)
    codes.push_back(s.object_id + ":" + s.reason_code);
  EXPECT_EQ(codes, (std::vector<std::string>{"dup:duplicate_object", "dup:duplicate_object",
                                             "o:duplicate_path", "o:duplicate_path"}));
}

TEST(MigrationPlan, DeterministicWhateverTheInputOrder) {
  const MigrationPolicy policy = DefaultPolicy();
  const std::vector<std::string> puids = {"fmt/40", "fmt/50", "fmt/4",  "fmt/276", "",
                                          "fmt/61", "fmt/5",  "fmt/13", "x-fmt/394"};
  const std::vector<std::string> exts = {".doc", ".rtf", ".gif", ".pdf", "", ".xls", ".avi"};
  const std::vector<std::string> kinds = {"permanent", "permanent", "permanent", "years", ""};
  std::mt19937 rng(7);
  std::vector<PlanObject> objs;
  for (int i = 0; i < 40; ++i) {
    PlanObject o = Obj("obj-" + std::to_string(rng() % 1000), kinds[rng() % kinds.size()], {});
    o.being_destroyed = rng() % 10 == 0;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      const std::string dir = rng() % 4 == 0 ? "representations/rep2-pdfa-2b/data/" : kRep1;
      const std::string path = dir + "d" + std::to_string(rng() % 3) + "/f" +
                               std::to_string(rng() % 5) + exts[rng() % exts.size()];
      o.files.push_back(F(path, puids[rng() % puids.size()], "name", rng() % 5000));
      if (rng() % 6 == 0)
        o.done.insert(path);
    }
    objs.push_back(std::move(o));
  }
  const MigrationPlan first = PlanMigrations(policy, objs);
  const std::string want = PlanToJson(first);
  ASSERT_FALSE(first.items.empty());
  ASSERT_FALSE(first.skipped.empty());
  for (int round = 0; round < 20; ++round) {
    std::shuffle(objs.begin(), objs.end(), rng);
    for (PlanObject& o : objs)
      std::shuffle(o.files.begin(), o.files.end(), rng);
    EXPECT_EQ(PlanToJson(PlanMigrations(policy, objs)), want) << "round " << round;
  }
}

TEST(MigrationPlan, JsonIsVietnameseFirst) {
  const MigrationPolicy policy = DefaultPolicy();
  const MigrationPlan plan = PlanMigrations(
      policy, {Obj("a", "permanent",
                   {F(kRep1 + "x.doc", "fmt/40", "Microsoft Word Document", 42),
                    F(kRep1 + "y.bin", ""), F(kRep1 + "z.pdf", "fmt/276", "Acrobat PDF 1.7")}),
               Obj("b", "years", {F(kRep1 + "x.doc", "fmt/40")})});
  const nlohmann::json j = nlohmann::json::parse(PlanToJson(plan));
  EXPECT_EQ(j["planned"], 1);
  EXPECT_EQ(j["skipped_count"], 3);
  EXPECT_EQ(j["skipped_by_reason"],
            (nlohmann::json{{"no_rule", 1}, {"not_permanent", 1}, {"unidentified", 1}}));
  const nlohmann::json& item = j["items"][0];
  EXPECT_EQ(item["object_id"], "a");
  EXPECT_EQ(item["source_path"], kRep1 + "x.doc");
  EXPECT_EQ(item["output_path"], "representations/rep2-pdfa-2b/data/x.pdf");
  EXPECT_EQ(item["rule_id"], "word-binary-pdfa");
  EXPECT_EQ(item["target_puid_hint"], "fmt/477");
  EXPECT_EQ(item["converter"], "libreoffice");
  EXPECT_EQ(item["source_size"], 42);
  EXPECT_THAT(item["reason"].get<std::string>(), StartsWith("Định dạng nhị phân độc quyền"));
  for (const nlohmann::json& s : j["skipped"]) {
    const std::string reason = s["reason"].get<std::string>();
    const size_t slash = reason.find(" / ");
    ASSERT_NE(slash, std::string::npos) << reason;
    // Vietnamese first: the first half carries the diacritics, the English half follows.
    const std::string vi = reason.substr(0, slash);
    EXPECT_TRUE(std::any_of(vi.begin(), vi.end(),
                            [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        << reason;
  }
  EXPECT_EQ(j["skipped"][0]["reason_code"], "unidentified");
  EXPECT_THAT(j["skipped"][0]["reason"].get<std::string>(),
              StartsWith("Chưa nhận dạng được định dạng"));
  EXPECT_EQ(j["skipped"][2]["object_id"], "b");
  EXPECT_EQ(j["skipped"][2]["path"], "");
}

}  // namespace
}  // namespace vault::policies
