// formats/mets: PREMIS/METS writers are schema-valid; ReadPremis round-trips; hostile input.
#include "formats/mets/aip.h"

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/mets/schemas.h"
#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"
#include "vault/clib/xml.h"

namespace vault::mets {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Nfd(std::string_view s) { return *ToNfd(s); }
std::string Nfc(std::string_view s) { return *ToNfc(s); }

PremisFile File(std::string path, std::string original, uint64_t size, char digit) {
  PremisFile f;
  f.path = std::move(path);
  f.original_name = std::move(original);
  f.size = size;
  f.sha256 = std::string(64, digit);
  return f;
}

Aip SampleAip() {
  Aip aip;
  aip.object_id = "urn:uuid:6f1c2c3e-8a9b-4c5d-9e0f-123456789abc";
  aip.title = "Hồ sơ xây dựng trụ sở UBND tỉnh & \"khu\" <A>";
  aip.file_code = "000.06.16.G09.2010.01.TH";
  aip.created = "2026-11-23T09:42:26+07:00";
  aip.descriptive = {{"Source-Organization", "Sở Nội vụ tỉnh Hà Giang"},
                     {"Bagging-Date", "2026-11-20"},
                     {"External-Description", "line 1\nline 2\ttab & <tag> \"q\""}};
  const std::string ho_so = "Hồ sơ";
  aip.files = {
      File("representations/rep1/data/" + Nfc(ho_so) + "/Quyết định số 1.pdf",
           "data/" + Nfd(ho_so) + "/" + Nfd("Quyết định số 1.pdf"), 123456, 'a'),
      File("representations/rep1/data/a & b <c>.txt", "data/a & b <c>.txt", 0, 'b'),
      File("representations/rep1/data/100% #1?.doc", "data/100% #1?.doc", 42, 'c'),
      File("representations/rep1/data/tờ trình.docx", "data/" + Nfd("tờ trình.docx"), 7, 'd'),
      File("submission/bag-info.txt", "bag-info.txt", 300, 'e'),
      File("submission/manifest-sha256.txt", "manifest-sha256.txt", 400, 'f'),
  };
  aip.files[0].format_puid = "fmt/276";
  aip.files[0].format_name = "Acrobat PDF 1.7 - Portable Document Format";
  aip.files[2].format_puid = "fmt/40";  // PUID only
  aip.files[3].format_name = "Microsoft Word for Windows";  // name only
  aip.agents = {{"agent-vault", "archive-vault 0.1.0", "software", "vaultd"},
                {"agent-org", "Trung tâm Lưu trữ lịch sử tỉnh", "organization", ""}};
  PremisEvent ingest;
  ingest.id = "event-11111111-2222-3333-4444-555555555555";
  ingest.type = "ingestion";
  ingest.time = "2026-11-23T09:42:26+07:00";
  ingest.detail = "package received from inbox";
  ingest.outcome = "success";
  ingest.agent_ids = {"agent-vault", "agent-org"};
  PremisEvent digest;
  digest.id = "event-2";
  digest.type = "message digest calculation";
  digest.time = "2026-11-23T09:42:27+07:00";
  digest.outcome = "success";
  digest.outcome_detail = "SHA-256 computed for 6 files";
  digest.agent_ids = {"agent-vault"};
  digest.object_paths = {aip.files[0].path, aip.files[2].path};
  PremisEvent rename;
  rename.id = "event-3";
  rename.type = "filename change";
  rename.time = "2026-11-23T09:42:28+07:00";
  rename.detail = "normalised to NFC";
  rename.outcome = "success";
  rename.object_paths = {aip.files[0].path, aip.files[3].path};
  aip.events = {ingest, digest, rename};
  return aip;
}

void ExpectSameFiles(const std::vector<PremisFile>& got, const std::vector<PremisFile>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].path);
    EXPECT_EQ(got[i].path, want[i].path);
    EXPECT_EQ(got[i].original_name, want[i].original_name);  // byte-exact
    EXPECT_EQ(got[i].size, want[i].size);
    EXPECT_EQ(got[i].sha256, want[i].sha256);
    EXPECT_EQ(got[i].format_puid, want[i].format_puid);
    EXPECT_EQ(got[i].format_name, want[i].format_name);
  }
}

void ExpectRoundTrip(const Aip& aip) {
  auto back = ReadPremis(WritePremis(aip));
  ASSERT_OK(back);
  EXPECT_EQ(back->object_id, aip.object_id);
  ExpectSameFiles(back->files, aip.files);
  ASSERT_EQ(back->events.size(), aip.events.size());
  for (size_t i = 0; i < aip.events.size(); ++i) {
    const PremisEvent& w = aip.events[i];
    const PremisEvent& g = back->events[i];
    EXPECT_EQ(g.id, w.id);
    EXPECT_EQ(g.type, w.type);
    EXPECT_EQ(g.time, w.time);
    EXPECT_EQ(g.detail, w.detail);
    EXPECT_EQ(g.outcome, w.outcome);
    EXPECT_EQ(g.outcome_detail, w.outcome_detail);
    EXPECT_EQ(g.agent_ids, w.agent_ids);
    EXPECT_EQ(g.object_paths, w.object_paths);
  }
  ASSERT_EQ(back->agents.size(), aip.agents.size());
  for (size_t i = 0; i < aip.agents.size(); ++i) {
    EXPECT_EQ(back->agents[i].id, aip.agents[i].id);
    EXPECT_EQ(back->agents[i].name, aip.agents[i].name);
    EXPECT_EQ(back->agents[i].type, aip.agents[i].type);
    EXPECT_EQ(back->agents[i].note, aip.agents[i].note);
  }
}

class AipSchemaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto corpora = testing::CorporaDir();
    if (!corpora) return;
    auto files = FindSchemaFiles(*corpora);
    if (!files.ok()) return;
    auto premis = LoadPremisSchema(*files);
    auto mets = LoadMetsSchema(*files);
    if (premis.ok()) premis_ = std::move(*premis).release();
    if (mets.ok()) mets_ = std::move(*mets).release();
  }
  static void TearDownTestSuite() {
    delete premis_;
    delete mets_;
    premis_ = mets_ = nullptr;
  }
  void SetUp() override {
    if (!testing::CorporaDir()) GTEST_SKIP() << "corpora not found";
    ASSERT_NE(premis_, nullptr) << "PREMIS schema did not load";
    ASSERT_NE(mets_, nullptr) << "METS wrapper schema did not load";
  }
  static xml::SchemaSet* premis_;
  static xml::SchemaSet* mets_;
};
xml::SchemaSet* AipSchemaTest::premis_ = nullptr;
xml::SchemaSet* AipSchemaTest::mets_ = nullptr;

TEST_F(AipSchemaTest, PremisIsValid) {
  const std::string premis = WritePremis(SampleAip());
  auto errors = premis_->Validate(premis);
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty()) << premis;
  // Sanity: the validator does look at it — break the element order and it complains.
  std::string broken = premis;
  broken.replace(broken.find("<premis:eventType>"), 18, "<premis:eventTypo>");
  broken.replace(broken.find("</premis:eventType>"), 19, "</premis:eventTypo>");
  auto broken_errors = premis_->Validate(broken);
  ASSERT_OK(broken_errors);
  EXPECT_THAT(*broken_errors, Not(IsEmpty()));
}

TEST_F(AipSchemaTest, MetsIsValidAndReferencesPremis) {
  const Aip aip = SampleAip();
  const std::string premis = WritePremis(aip);
  const std::string sha = Sha256Hex(premis);
  const std::string mets = WriteMets(aip, premis.size(), sha);
  auto errors = mets_->Validate(mets);
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty()) << mets;

  auto doc = xml::ParseXml(mets, "METS.xml");
  ASSERT_OK(doc);
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  ASSERT_TRUE(xml::IsElement(root, kMetsNs, "mets"));
  EXPECT_EQ(xml::AttrValue(root, "", "OBJID"), aip.object_id);
  EXPECT_EQ(xml::AttrValue(root, "", "PROFILE"), kCsipProfile);
  EXPECT_EQ(xml::AttrValue(root, "", "LABEL"), aip.title);
  EXPECT_EQ(xml::AttrValue(root, "", "TYPE"), "Mixed");
  const xmlNode* hdr = xml::FirstChild(root, kMetsNs, "metsHdr");
  EXPECT_EQ(xml::AttrValue(hdr, "", "CREATEDATE"), aip.created);
  EXPECT_EQ(xml::AttrValue(hdr, kCsipNs, "OAISPACKAGETYPE"), "AIP");

  // Descriptive key/values survive in the dmdSec.
  const xmlNode* dmd = xml::FirstChild(root, kMetsNs, "dmdSec");
  ASSERT_NE(dmd, nullptr);
  const xmlNode* bag = xml::FirstChild(
      xml::FirstChild(xml::FirstChild(dmd, kMetsNs, "mdWrap"), kMetsNs, "xmlData"), kBagInfoNs,
      "bagInfo");
  ASSERT_NE(bag, nullptr);
  EXPECT_EQ(xml::NodeText(xml::FirstChild(bag, kBagInfoNs, "title")), aip.title);
  EXPECT_EQ(xml::NodeText(xml::FirstChild(bag, kBagInfoNs, "fileCode")), aip.file_code);
  std::vector<std::pair<std::string, std::string>> entries;
  for (const xmlNode* n = bag->children; n; n = n->next) {
    if (xml::IsElement(n, kBagInfoNs, "entry")) {
      entries.emplace_back(xml::AttrValue(n, "", "label"), xml::NodeText(n));
    }
  }
  EXPECT_EQ(entries, aip.descriptive);

  // PREMIS reference: href, size, checksum.
  const xmlNode* md_ref = xml::FirstChild(
      xml::FirstChild(xml::FirstChild(root, kMetsNs, "amdSec"), kMetsNs, "digiprovMD"), kMetsNs,
      "mdRef");
  ASSERT_NE(md_ref, nullptr);
  EXPECT_EQ(xml::AttrValue(md_ref, kXlinkNs, "href"), kPremisPath);
  EXPECT_EQ(xml::AttrValue(md_ref, "", "MDTYPE"), "PREMIS");
  EXPECT_EQ(xml::AttrValue(md_ref, "", "LOCTYPE"), "URL");
  EXPECT_EQ(xml::AttrValue(md_ref, "", "SIZE"), std::to_string(premis.size()));
  EXPECT_EQ(xml::AttrValue(md_ref, "", "CHECKSUM"), sha);
  EXPECT_EQ(xml::AttrValue(md_ref, "", "CHECKSUMTYPE"), "SHA-256");

  // fileSec: one group per representation + submission; hrefs percent-encoded and decodable.
  const xmlNode* file_sec = xml::FirstChild(root, kMetsNs, "fileSec");
  ASSERT_NE(file_sec, nullptr);
  std::vector<std::string> uses;
  std::vector<std::string> decoded;
  std::vector<std::string> raw_hrefs;
  for (const xmlNode* g = file_sec->children; g; g = g->next) {
    if (!xml::IsElement(g, kMetsNs, "fileGrp")) continue;
    uses.push_back(xml::AttrValue(g, "", "USE"));
    for (const xmlNode* f = g->children; f; f = f->next) {
      if (!xml::IsElement(f, kMetsNs, "file")) continue;
      EXPECT_EQ(xml::AttrValue(f, "", "CHECKSUMTYPE"), "SHA-256");
      const std::string href =
          xml::AttrValue(xml::FirstChild(f, kMetsNs, "FLocat"), kXlinkNs, "href");
      raw_hrefs.push_back(href);
      decoded.push_back(PercentDecode(href));
    }
  }
  EXPECT_THAT(uses, ElementsAre("Representations/rep1", "submission"));
  std::vector<std::string> paths;
  for (const auto& f : aip.files) paths.push_back(f.path);
  EXPECT_EQ(decoded, paths);
  EXPECT_EQ(raw_hrefs[1], "representations/rep1/data/a%20%26%20b%20%3Cc%3E.txt");
  EXPECT_EQ(raw_hrefs[2], "representations/rep1/data/100%25%20%231%3F.doc");
  EXPECT_EQ(raw_hrefs[0].find("ồ"), std::string::npos);

  const xmlNode* smap = xml::FirstChild(root, kMetsNs, "structMap");
  EXPECT_EQ(xml::AttrValue(smap, "", "TYPE"), "PHYSICAL");
  EXPECT_EQ(xml::AttrValue(smap, "", "LABEL"), "CSIP");
}

TEST_F(AipSchemaTest, MinimalAipIsValid) {
  Aip aip;
  aip.object_id = "obj-1";
  const std::string premis = WritePremis(aip);
  auto p = premis_->Validate(premis);
  ASSERT_OK(p);
  EXPECT_THAT(*p, IsEmpty()) << premis;
  const std::string mets = WriteMets(aip, premis.size(), Sha256Hex(premis));
  auto m = mets_->Validate(mets);
  ASSERT_OK(m);
  EXPECT_THAT(*m, IsEmpty()) << mets;
  auto back = ReadPremis(premis);
  ASSERT_OK(back);
  EXPECT_EQ(back->object_id, "obj-1");
  EXPECT_THAT(back->files, IsEmpty());
}

TEST_F(AipSchemaTest, UnrepresentableStringsStayValidAndNameRoundTrips) {
  Aip aip = SampleAip();
  // Invalid UTF-8 (Latin-1 byte), NUL, ESC, CR, and U+FFFF: none can appear in XML as is.
  const std::string nasty("data/caf\xE9\x00\x1B\r\xEF\xBF\xBF.txt", 17);
  aip.files.push_back(File("representations/rep1/data/cafe.txt", nasty, 9, '1'));
  aip.files.push_back(File("representations/rep1/data/cr.txt", "data/a\rb\tc\nd", 10, '2'));
  aip.title = std::string("bad \x01 title \xFF", 14);
  aip.descriptive.emplace_back(std::string("lab\x02el", 6), std::string("v\xC3", 2));
  aip.events[0].detail = std::string("nul\x00here", 8);
  const std::string premis = WritePremis(aip);
  EXPECT_OK(xml::ParseXml(premis, "premis.xml"));
  auto p = premis_->Validate(premis);
  ASSERT_OK(p);
  EXPECT_THAT(*p, IsEmpty());
  const std::string mets = WriteMets(aip, premis.size(), Sha256Hex(premis));
  auto m = mets_->Validate(mets);
  ASSERT_OK(m);
  EXPECT_THAT(*m, IsEmpty());

  auto back = ReadPremis(premis);
  ASSERT_OK(back);
  ASSERT_EQ(back->files.size(), aip.files.size());
  EXPECT_EQ(back->files[aip.files.size() - 2].original_name, nasty);  // lossless
  EXPECT_EQ(back->files.back().original_name, "data/a\rb\tc\nd");       // CR/TAB/LF kept
  EXPECT_EQ(back->events[0].detail, "nul\xEF\xBF\xBDhere");              // lossy, documented
}

TEST_F(AipSchemaTest, PremisEmbeddedInMetsIsValidWithWrapper) {
  // The same PREMIS, embedded in the METS (mdWrap/xmlData) instead of linked: the wrapper
  // schema knows PREMIS, so the embedded records are validated too.
  const Aip aip = SampleAip();
  std::string premis = WritePremis(aip);
  const std::string mets = WriteMets(aip, premis.size(), Sha256Hex(premis));
  premis.erase(0, premis.find("?>") + 2);  // drop the XML declaration
  const size_t ref = mets.find("<mets:mdRef ");
  ASSERT_NE(ref, std::string::npos);
  const size_t ref_end = mets.find("/>", ref) + 2;
  std::string embedded = mets;
  embedded.replace(ref, ref_end - ref,
                   "<mets:mdWrap MDTYPE=\"PREMIS\" MDTYPEVERSION=\"3.0\"><mets:xmlData>" + premis +
                       "</mets:xmlData></mets:mdWrap>");
  auto errors = mets_->Validate(embedded);
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty());
  // …and an invalid embedded PREMIS is caught (size must be a number).
  std::string broken = embedded;
  broken.replace(broken.find("<premis:size>123456<"), 19, "<premis:size>big");
  auto broken_errors = mets_->Validate(broken);
  ASSERT_OK(broken_errors);
  ASSERT_THAT(*broken_errors, Not(IsEmpty()));
  EXPECT_THAT((*broken_errors)[0], HasSubstr("size"));
}

TEST(AipTest, ReadMetsRoundTripsDescriptiveAndFiles) {
  const Aip aip = SampleAip();
  auto back = ReadMets(WriteMets(aip, 10, std::string(64, '9')));
  ASSERT_OK(back);
  EXPECT_EQ(back->object_id, aip.object_id);
  EXPECT_EQ(back->title, aip.title);
  EXPECT_EQ(back->file_code, aip.file_code);
  EXPECT_EQ(back->created, aip.created);
  EXPECT_EQ(back->descriptive, aip.descriptive);
  EXPECT_EQ(back->content_category, "Mixed");
  EXPECT_EQ(back->software_name, "archive-vault");
  ASSERT_EQ(back->files.size(), aip.files.size());
  for (size_t i = 0; i < aip.files.size(); ++i) {
    EXPECT_EQ(back->files[i].path, aip.files[i].path);
    EXPECT_EQ(back->files[i].size, aip.files[i].size);
    EXPECT_EQ(back->files[i].sha256, aip.files[i].sha256);
  }
  EXPECT_FALSE(ReadMets(WritePremis(aip)).ok());
  EXPECT_FALSE(ReadMets("<mets xmlns=\"http://www.loc.gov/METS/\"/>").ok());  // no OBJID
  EXPECT_FALSE(ReadMets("<!DOCTYPE m [<!ENTITY e \"x\">]><m>&e;</m>").ok());
}

TEST(AipTest, ReadPremisRoundTripsEverythingTheCatalogNeeds) { ExpectRoundTrip(SampleAip()); }

TEST(AipTest, RoundTripNfdNamesByteExact) {
  Aip aip = SampleAip();
  ASSERT_NE(aip.files[0].original_name, Nfc(aip.files[0].original_name));  // really NFD
  auto back = ReadPremis(WritePremis(aip));
  ASSERT_OK(back);
  EXPECT_EQ(back->files[0].original_name, aip.files[0].original_name);
  EXPECT_EQ(back->files[0].path, aip.files[0].path);
  EXPECT_TRUE(IsNfc(back->files[0].path));
}

TEST(AipTest, WritersAreDeterministic) {
  EXPECT_EQ(WritePremis(SampleAip()), WritePremis(SampleAip()));
  EXPECT_EQ(WriteMets(SampleAip(), 1, "ab"), WriteMets(SampleAip(), 1, "ab"));
}

TEST(AipTest, PercentEncoding) {
  EXPECT_EQ(PercentEncodePath("a b/c&d#e%f?g:h~i"), "a%20b/c%26d%23e%25f%3Fg%3Ah~i");
  EXPECT_EQ(PercentEncodePath("ồ"), "%E1%BB%93");
  EXPECT_EQ(PercentDecode("%E1%BB%93 %zz %4"), "ồ %zz %4");
}

TEST(AipTest, ReadPremisRejectsHostileAndForeignInput) {
  // Entities of any kind.
  auto lol = ReadPremis(
      "<!DOCTYPE p [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
      "<premis xmlns=\"http://www.loc.gov/premis/v3\" version=\"3.0\">&b;</premis>");
  ASSERT_FALSE(lol.ok());
  EXPECT_EQ(lol.status().code(), Code::kInvalidArgument);
  auto xxe = ReadPremis(
      "<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<premis xmlns=\"http://www.loc.gov/premis/v3\" version=\"3.0\">&x;</premis>");
  ASSERT_FALSE(xxe.ok());
  EXPECT_THAT(std::string(xxe.status().message()), Not(HasSubstr("root:")));
  // Not PREMIS / wrong namespace / PREMIS 2.
  EXPECT_FALSE(ReadPremis("<premis version=\"3.0\"/>").ok());
  EXPECT_FALSE(ReadPremis("<premis xmlns=\"info:lc/xmlns/premis-v2\" version=\"2.3\"/>").ok());
  EXPECT_FALSE(ReadPremis("garbage").ok());
  // No intellectual entity.
  std::string premis = WritePremis(SampleAip());
  std::string no_ie = premis;
  no_ie.replace(no_ie.find("premis:intellectualEntity"), 25, "premis:representation");
  EXPECT_FALSE(ReadPremis(no_ie).ok());
  // Bad sizes.
  for (const std::string bad : {"-1", "18446744073709551616", "12x", ""}) {
    std::string s = premis;
    const size_t at = s.find("<premis:size>123456</premis:size>");
    ASSERT_NE(at, std::string::npos);
    s.replace(at, 33, "<premis:size>" + bad + "</premis:size>");
    auto r = ReadPremis(s);
    EXPECT_FALSE(r.ok()) << bad;
  }
  // Missing/short digest.
  std::string short_digest = premis;
  short_digest.replace(short_digest.find(std::string(64, 'a')), 64, "abc");
  EXPECT_FALSE(ReadPremis(short_digest).ok());
  // Duplicate file objects.
  Aip dup = SampleAip();
  dup.files.push_back(dup.files[0]);
  EXPECT_FALSE(ReadPremis(WritePremis(dup)).ok());
  // Deep (well-formed) nesting is refused by libxml2's depth limit (no XML_PARSE_HUGE).
  std::string deep = "<premis xmlns=\"http://www.loc.gov/premis/v3\" version=\"3.0\">";
  for (int i = 0; i < 5000; ++i) deep += "<a>";
  for (int i = 0; i < 5000; ++i) deep += "</a>";
  deep += "</premis>";
  auto deep_result = ReadPremis(deep);
  ASSERT_FALSE(deep_result.ok());
  EXPECT_THAT(std::string(deep_result.status().message()), HasSubstr("depth"));
}

TEST(AipTest, ReadersSurviveMutatedInput) {
  // Deterministic mutation smoke test (run under ASan/UBSan in CI): truncations, byte flips,
  // duplicated and deleted slices of real PREMIS/METS never crash, and whatever parses still
  // satisfies the readers' guarantees.
  const Aip aip = SampleAip();
  const std::string premis = WritePremis(aip);
  const std::string mets = WriteMets(aip, premis.size(), Sha256Hex(premis));
  uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = (i % 2 == 0) ? premis : mets;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      const size_t at = next() % s.size();
      switch (next() % 4) {
        case 0: s[at] = static_cast<char>(next()); break;
        case 1: s.resize(at); break;
        case 2: s.erase(at, next() % 64); break;
        default: s.insert(at, s.substr(at, next() % 64)); break;
      }
    }
    if (i % 2 == 0) {
      auto r = ReadPremis(s);
      if (r.ok()) {
        ++parsed;
        EXPECT_FALSE(r->object_id.empty());
        for (const auto& f : r->files) EXPECT_EQ(f.sha256.size(), 64u);
      }
    } else {
      auto r = ReadMets(s);
      if (r.ok()) {
        ++parsed;
        EXPECT_FALSE(r->object_id.empty());
      }
    }
  }
  EXPECT_GT(parsed, 0);  // some mutations (e.g. inside text) still parse
}

TEST(AipTest, ReadPremisToleratesXsiTypeWithOtherPrefix) {
  const std::string xml =
      "<p:premis xmlns:p=\"http://www.loc.gov/premis/v3\" "
      "xmlns:x=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"3.0\">"
      "<p:object x:type=\"p:intellectualEntity\"><p:objectIdentifier>"
      "<p:objectIdentifierType>local</p:objectIdentifierType>"
      "<p:objectIdentifierValue>obj</p:objectIdentifierValue></p:objectIdentifier></p:object>"
      "<p:object x:type=\"p:file\"><p:objectIdentifier>"
      "<p:objectIdentifierType>local</p:objectIdentifierType>"
      "<p:objectIdentifierValue>a.txt</p:objectIdentifierValue></p:objectIdentifier>"
      "<p:objectCharacteristics><p:fixity><p:messageDigestAlgorithm>sha256"
      "</p:messageDigestAlgorithm><p:messageDigest>" +
      std::string(64, 'A') +
      "</p:messageDigest></p:fixity><p:size> 5 </p:size></p:objectCharacteristics>"
      "</p:object></p:premis>";
  auto aip = ReadPremis(xml);
  ASSERT_OK(aip);
  EXPECT_EQ(aip->object_id, "obj");
  ASSERT_EQ(aip->files.size(), 1u);
  EXPECT_EQ(aip->files[0].size, 5u);
  EXPECT_EQ(aip->files[0].sha256, std::string(64, 'a'));
}

}  // namespace
}  // namespace vault::mets
