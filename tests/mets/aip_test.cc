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

// Issue 5: identified files (PUID, name, version, note), an unidentified file with a note, a
// Word 97 file migrated to PDF/A-2b in rep2-pdfa-2b, and format identification, validation
// and migration events. Notes hold Vietnamese text (NFC).
constexpr char kDocPath[] = "representations/rep1/data/bản vẽ thiết kế.doc";
constexpr char kPdfaPath[] = "representations/rep2-pdfa-2b/data/bản vẽ thiết kế.pdf";
constexpr char kViNote[] = "cơ sở: chữ ký nhị phân; DROID V122 — định dạng có nguy cơ";
constexpr char kViOutcome[] = "Đã chuyển đổi sang PDF/A-2b bằng LibreOffice; kiểm tra veraPDF đạt";

Aip MigratedAip() {
  Aip aip = SampleAip();
  aip.files[0].format_version = "1.7";
  aip.files[0].format_note = "basis: signature; DROID V122";
  aip.files[0].mime = "application/pdf";
  aip.files[3].format_puid = "fmt/412";
  aip.files[3].format_version = "2007 onwards";
  aip.files[3].format_note = "basis: container; DROID V122; container signatures 20260119";
  aip.files[3].mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  aip.files[4].format_note = kViNote;  // not identified, but with a note
  PremisFile doc = File(kDocPath, "data/" + Nfd("bản vẽ thiết kế.doc"), 19456, '7');
  doc.format_puid = "fmt/40";
  doc.format_name = "Microsoft Word Document";
  doc.format_version = "97-2003";
  doc.format_note = kViNote;
  doc.mime = "application/msword";
  PremisFile pdfa = File(kPdfaPath, "bản vẽ thiết kế.pdf", 88001, '8');
  pdfa.format_puid = "fmt/476";
  pdfa.format_name = "Acrobat PDF/A - Portable Document Format";
  pdfa.format_version = "2b";
  pdfa.format_note = "basis: signature; DROID V122";
  pdfa.derived_from = kDocPath;
  pdfa.mime = "application/pdf";
  aip.files.push_back(doc);
  aip.files.push_back(pdfa);
  aip.agents.push_back({"agent-droid", "DROID 6.8 (signatures V122)", "software", ""});
  aip.agents.push_back({"agent-lo", "LibreOffice 7.4 headless", "software", "soffice"});

  PremisEvent ident;
  ident.id = "event-format-identification";
  ident.type = std::string(kEventFormatIdentification);
  ident.time = "2026-11-23T09:42:29+07:00";
  ident.detail = "DROID V122; container signatures 20260119";
  ident.outcome = "success";
  ident.outcome_detail = "5 tệp được nhận dạng, 1 tệp không nhận dạng được";
  ident.agent_ids = {"agent-droid"};
  ident.object_paths = {aip.files[0].path, aip.files[3].path, aip.files[4].path, kDocPath};
  PremisEvent migration;
  migration.id = "event-migration-1";
  migration.type = std::string(kEventMigration);
  migration.time = "2026-11-24T02:00:00+07:00";
  migration.detail = "fmt/40 → fmt/476 (PDF/A-2b), policy: hồ sơ vĩnh viễn";
  migration.outcome = "success";
  migration.outcome_detail = kViOutcome;
  migration.agent_ids = {"agent-vault", "agent-lo"};
  migration.object_paths = {kDocPath};
  migration.outcome_paths = {kPdfaPath};
  PremisEvent validation;
  validation.id = "event-validation-1";
  validation.type = std::string(kEventValidation);
  validation.time = "2026-11-24T02:00:05+07:00";
  validation.detail = "PDF/A-2b conformance";
  validation.outcome = "success";
  validation.object_paths = {kPdfaPath};
  aip.events.push_back(ident);
  aip.events.push_back(migration);
  aip.events.push_back(validation);
  return aip;
}

// Direct PREMIS children named `name` of `node`.
std::vector<const xmlNode*> PremisChildren(const xmlNode* node, std::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = node == nullptr ? nullptr : node->children; c; c = c->next) {
    if (xml::IsElement(c, kPremisNs, name)) out.push_back(c);
  }
  return out;
}

std::string PremisText(const xmlNode* node, std::string_view name) {
  return xml::NodeText(xml::FirstChild(node, kPremisNs, name));
}

// The premis:object (file) or premis:event whose identifier value is `id`.
const xmlNode* FindById(const xmlNode* root, std::string_view element, std::string_view id) {
  const std::string id_el = element == "object" ? "objectIdentifier" : "eventIdentifier";
  for (const xmlNode* n : PremisChildren(root, element)) {
    if (PremisText(xml::FirstChild(n, kPremisNs, id_el), id_el + "Value") == id) return n;
  }
  return nullptr;
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
    // formatVersion is only written with a formatName (see aip.h).
    EXPECT_EQ(got[i].format_version, want[i].format_name.empty() ? "" : want[i].format_version);
    EXPECT_EQ(got[i].format_note, want[i].format_note);
    EXPECT_EQ(got[i].derived_from, want[i].derived_from);
    EXPECT_EQ(got[i].mime, "");  // METS only
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
    EXPECT_EQ(g.outcome_paths, w.outcome_paths);
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

// Deterministic mutation smoke test (run under ASan/UBSan in CI): truncations, byte flips,
// duplicated and deleted slices of real PREMIS/METS never crash, and whatever parses still
// satisfies the readers' guarantees.
void MutationSmoke(const Aip& aip) {
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
        for (const auto& f : r->files) {
          EXPECT_EQ(f.sha256.size(), 64u);
          EXPECT_NE(f.derived_from, f.path);
        }
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

TEST(AipTest, ReadersSurviveMutatedInput) { MutationSmoke(SampleAip()); }

TEST(AipTest, ReadersSurviveMutatedMigrationInput) { MutationSmoke(MigratedAip()); }

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

// ---------------------------------------------------------------------------------------------
// Issue 5: format identification and migration.

TEST_F(AipSchemaTest, IdentifiedAndMigratedPremisIsValid) {
  const Aip aip = MigratedAip();
  const std::string premis = WritePremis(aip);
  auto errors = premis_->Validate(premis);
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty()) << premis;
  // The validator checks the new parts too: linkingObjectRole must follow the value.
  std::string broken = premis;
  const std::string role = "<premis:linkingObjectRole>outcome</premis:linkingObjectRole>";
  const size_t at = broken.find(role);
  ASSERT_NE(at, std::string::npos);
  broken.erase(at, role.size());
  const size_t value = broken.rfind("<premis:linkingObjectIdentifierValue>", at);
  broken.insert(value, role);
  auto broken_errors = premis_->Validate(broken);
  ASSERT_OK(broken_errors);
  EXPECT_THAT(*broken_errors, Not(IsEmpty()));
}

TEST_F(AipSchemaTest, MetsWithMigratedRepresentationIsValid) {
  const Aip aip = MigratedAip();
  const std::string premis = WritePremis(aip);
  const std::string mets = WriteMets(aip, premis.size(), Sha256Hex(premis));
  auto errors = mets_->Validate(mets);
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty()) << mets;

  auto doc = xml::ParseXml(mets, "METS.xml");
  ASSERT_OK(doc);
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  const xmlNode* file_sec = xml::FirstChild(root, kMetsNs, "fileSec");
  ASSERT_NE(file_sec, nullptr);
  std::vector<std::string> uses;
  std::map<std::string, std::string> mime_by_path;
  std::map<std::string, std::string> group_by_path;
  std::string rep2_group_id;
  for (const xmlNode* g = file_sec->children; g; g = g->next) {
    if (!xml::IsElement(g, kMetsNs, "fileGrp")) continue;
    const std::string use = xml::AttrValue(g, "", "USE");
    uses.push_back(use);
    if (use == "Representations/rep2-pdfa-2b") rep2_group_id = xml::AttrValue(g, "", "ID");
    for (const xmlNode* f = g->children; f; f = f->next) {
      if (!xml::IsElement(f, kMetsNs, "file")) continue;
      const std::string path = PercentDecode(
          xml::AttrValue(xml::FirstChild(f, kMetsNs, "FLocat"), kXlinkNs, "href"));
      mime_by_path[path] = xml::AttrValue(f, "", "MIMETYPE");
      group_by_path[path] = use;
    }
  }
  // Groups in first-seen order: rep1 (incl. the .doc, after submission), submission, rep2.
  EXPECT_THAT(uses, ElementsAre("Representations/rep1", "submission",
                                "Representations/rep2-pdfa-2b"));
  EXPECT_EQ(group_by_path[kDocPath], "Representations/rep1");
  EXPECT_EQ(group_by_path[kPdfaPath], "Representations/rep2-pdfa-2b");
  // MIMETYPE from PremisFile::mime, else application/octet-stream.
  EXPECT_EQ(mime_by_path[kPdfaPath], "application/pdf");
  EXPECT_EQ(mime_by_path[kDocPath], "application/msword");
  EXPECT_EQ(mime_by_path[aip.files[3].path],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(mime_by_path[aip.files[1].path], "application/octet-stream");
  EXPECT_EQ(mime_by_path["submission/bag-info.txt"], "application/octet-stream");
  // The structMap has a div for the new representation pointing at its fileGrp.
  ASSERT_FALSE(rep2_group_id.empty());
  const xmlNode* top =
      xml::FirstChild(xml::FirstChild(root, kMetsNs, "structMap"), kMetsNs, "div");
  bool found_div = false;
  for (const xmlNode* d = top == nullptr ? nullptr : top->children; d; d = d->next) {
    if (!xml::IsElement(d, kMetsNs, "div")) continue;
    if (xml::AttrValue(d, "", "LABEL") != "Representations/rep2-pdfa-2b") continue;
    found_div = true;
    EXPECT_EQ(xml::AttrValue(xml::FirstChild(d, kMetsNs, "fptr"), "", "FILEID"), rep2_group_id);
  }
  EXPECT_TRUE(found_div);
  // ReadMets gives the MIMETYPE back (as written).
  auto back = ReadMets(mets);
  ASSERT_OK(back);
  ASSERT_EQ(back->files.size(), aip.files.size());
  EXPECT_EQ(back->files.back().path, kPdfaPath);
  EXPECT_EQ(back->files.back().mime, "application/pdf");
  EXPECT_EQ(back->files[1].mime, kDefaultMime);
}

TEST(AipTest, PremisCarriesIdentificationMigrationAndRoles) {
  const Aip aip = MigratedAip();
  const std::string premis = WritePremis(aip);
  auto doc = xml::ParseXml(premis, "premis.xml");
  ASSERT_OK(doc);
  const xmlNode* root = xmlDocGetRootElement(doc->get());

  // Identified file: PUID, name, version, note.
  const xmlNode* pdfa = FindById(root, "object", kPdfaPath);
  ASSERT_NE(pdfa, nullptr);
  const xmlNode* format = xml::FirstChild(
      xml::FirstChild(pdfa, kPremisNs, "objectCharacteristics"), kPremisNs, "format");
  const xmlNode* designation = xml::FirstChild(format, kPremisNs, "formatDesignation");
  EXPECT_EQ(PremisText(designation, "formatName"), "Acrobat PDF/A - Portable Document Format");
  EXPECT_EQ(PremisText(designation, "formatVersion"), "2b");
  EXPECT_EQ(PremisText(xml::FirstChild(format, kPremisNs, "formatRegistry"), "formatRegistryKey"),
            "fmt/476");
  EXPECT_EQ(PremisText(format, "formatNote"), "basis: signature; DROID V122");
  // Migrated file: structural link to the IE, then derivation / has source → the .doc.
  const auto rels = PremisChildren(pdfa, "relationship");
  ASSERT_EQ(rels.size(), 2u);
  EXPECT_EQ(PremisText(rels[0], "relationshipType"), "structural");
  EXPECT_EQ(PremisText(rels[1], "relationshipType"), "derivation");
  EXPECT_EQ(PremisText(rels[1], "relationshipSubType"), "has source");
  const xmlNode* related = xml::FirstChild(rels[1], kPremisNs, "relatedObjectIdentifier");
  EXPECT_EQ(PremisText(related, "relatedObjectIdentifierType"), "local");
  EXPECT_EQ(PremisText(related, "relatedObjectIdentifierValue"), kDocPath);
  // The source has no derivation relationship.
  EXPECT_EQ(PremisChildren(FindById(root, "object", kDocPath), "relationship").size(), 1u);

  // Unidentified file with a caller note: placeholder, then the note.
  const xmlNode* bag = FindById(root, "object", "submission/bag-info.txt");
  const xmlNode* bag_format = xml::FirstChild(
      xml::FirstChild(bag, kPremisNs, "objectCharacteristics"), kPremisNs, "format");
  std::vector<std::string> notes;
  for (const xmlNode* n : PremisChildren(bag_format, "formatNote")) notes.push_back(xml::NodeText(n));
  EXPECT_THAT(notes, ElementsAre("format not identified", kViNote));

  // Migration event: source and outcome roles.
  const xmlNode* mig = FindById(root, "event", "event-migration-1");
  ASSERT_NE(mig, nullptr);
  EXPECT_EQ(PremisText(mig, "eventType"), "migration");
  std::vector<std::pair<std::string, std::string>> links;
  for (const xmlNode* l : PremisChildren(mig, "linkingObjectIdentifier")) {
    EXPECT_EQ(PremisText(l, "linkingObjectIdentifierType"), "local");
    links.emplace_back(PremisText(l, "linkingObjectIdentifierValue"),
                       PremisText(l, "linkingObjectRole"));
  }
  EXPECT_THAT(links, ElementsAre(std::pair<std::string, std::string>(kDocPath, "source"),
                                 std::pair<std::string, std::string>(kPdfaPath, "outcome")));
  EXPECT_EQ(PremisText(xml::FirstChild(xml::FirstChild(mig, kPremisNs, "eventOutcomeInformation"),
                                       kPremisNs, "eventOutcomeDetail"),
                       "eventOutcomeDetailNote"),
            kViOutcome);
  // Events without outcomes keep the old form: no roles at all.
  const xmlNode* ident = FindById(root, "event", "event-format-identification");
  ASSERT_NE(ident, nullptr);
  EXPECT_EQ(PremisText(ident, "eventType"), "format identification");
  for (const xmlNode* l : PremisChildren(ident, "linkingObjectIdentifier")) {
    EXPECT_EQ(xml::FirstChild(l, kPremisNs, "linkingObjectRole"), nullptr);
  }
  EXPECT_EQ(PremisText(FindById(root, "event", "event-validation-1"), "eventType"), "validation");
  EXPECT_THAT(WritePremis(SampleAip()), Not(HasSubstr("linkingObjectRole")));
}

TEST(AipTest, ReadPremisRoundTripsIdentificationAndMigration) {
  const Aip aip = MigratedAip();
  ExpectRoundTrip(aip);
  auto back = ReadPremis(WritePremis(aip));
  ASSERT_OK(back);
  // Spot checks beyond ExpectRoundTrip, incl. Vietnamese notes byte-exact and still NFC.
  ASSERT_TRUE(IsNfc(kViNote));
  ASSERT_TRUE(IsNfc(kViOutcome));
  const PremisFile& pdfa = back->files.back();
  EXPECT_EQ(pdfa.derived_from, kDocPath);
  EXPECT_EQ(pdfa.format_version, "2b");
  EXPECT_EQ(back->files[4].format_note, kViNote);  // unidentified + note
  EXPECT_TRUE(back->files[4].format_name.empty());
  EXPECT_TRUE(back->files[4].format_puid.empty());
  const PremisEvent& mig = back->events[4];
  EXPECT_EQ(mig.type, kEventMigration);
  EXPECT_THAT(mig.object_paths, ElementsAre(kDocPath));
  EXPECT_THAT(mig.outcome_paths, ElementsAre(kPdfaPath));
  EXPECT_EQ(mig.outcome_detail, kViOutcome);
  EXPECT_TRUE(IsNfc(mig.outcome_detail));
  EXPECT_EQ(WritePremis(*back), WritePremis(aip));  // writer(reader(writer(x))) is stable
}

TEST(AipTest, OutcomeOnlyEventAndVersionWithoutName) {
  Aip aip = SampleAip();
  // An event that only produced files: linked to its outcomes, not to the IE.
  PremisEvent creation;
  creation.id = "event-creation";
  creation.type = "creation";
  creation.time = "2026-11-24T02:00:00+07:00";
  creation.outcome_paths = {aip.files[1].path};
  aip.events.push_back(creation);
  // A version without a name cannot be written (formatVersion needs formatName).
  aip.files[2].format_version = "8.0";
  aip.files[2].format_note = "basis: extension only";
  const std::string premis = WritePremis(aip);
  EXPECT_EQ(premis.find("<premis:formatVersion>8.0<"), std::string::npos);
  ExpectRoundTrip(aip);  // expects the version back only where a name was given
  auto back = ReadPremis(premis);
  ASSERT_OK(back);
  EXPECT_TRUE(back->events.back().object_paths.empty());
  EXPECT_THAT(back->events.back().outcome_paths, ElementsAre(aip.files[1].path));
  EXPECT_EQ(back->files[2].format_note, "basis: extension only");
  // No IE link on the outcome-only event.
  auto doc = xml::ParseXml(premis, "premis.xml");
  ASSERT_OK(doc);
  const xmlNode* ev = FindById(xmlDocGetRootElement(doc->get()), "event", "event-creation");
  const auto links = PremisChildren(ev, "linkingObjectIdentifier");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(PremisText(links[0], "linkingObjectRole"), "outcome");
}

TEST_F(AipSchemaTest, OutcomeOnlyEventAndNotesAreValid) {
  Aip aip = MigratedAip();
  aip.events[4].object_paths.clear();  // migration with outcome only
  aip.files[2].format_version = "8.0";  // dropped: no name
  const std::string premis = WritePremis(aip);
  auto errors = premis_->Validate(premis);
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty()) << premis;
}

// Replaces the first occurrence of `from` (which must exist) with `to`.
std::string ReplaceFirst(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(AipTest, ReadPremisIgnoresUnknownRelationshipsAndRoles) {
  const Aip aip = MigratedAip();
  const std::string premis = WritePremis(aip);
  const auto derived = [](const Result<Aip>& r) { return r->files.back().derived_from; };
  // Unknown relationship type / subtype, inverse direction, other identifier types, empty
  // value: all ignored, the file still reads.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"<premis:relationshipType>derivation<", "<premis:relationshipType>dependency<"},
           {"<premis:relationshipType>derivation<", "<premis:relationshipType>x-local-kind<"},
           {"<premis:relationshipSubType>has source<", "<premis:relationshipSubType>is source of<"},
           {"<premis:relationshipSubType>has source<", "<premis:relationshipSubType>has sauce<"},
           {"<premis:relatedObjectIdentifierType>local</premis:relatedObjectIdentifierType>\n"
            "        <premis:relatedObjectIdentifierValue>representations/rep1",
            "<premis:relatedObjectIdentifierType>URN</premis:relatedObjectIdentifierType>\n"
            "        <premis:relatedObjectIdentifierValue>representations/rep1"},
           {std::string("<premis:relatedObjectIdentifierValue>") + kDocPath + "<",
            "<premis:relatedObjectIdentifierValue><"}}) {
    SCOPED_TRACE(to);
    auto r = ReadPremis(ReplaceFirst(premis, from, to));
    ASSERT_OK(r);
    EXPECT_EQ(derived(r), "");
    EXPECT_EQ(r->files.size(), aip.files.size());
  }
  // Whitespace around vocabulary terms is tolerated.
  auto spaced = ReadPremis(ReplaceFirst(premis, "<premis:relationshipSubType>has source<",
                                        "<premis:relationshipSubType> has source\n<"));
  ASSERT_OK(spaced);
  EXPECT_EQ(derived(spaced), kDocPath);
  // Unknown and missing linkingObjectRole → object_paths; "outcome" (even padded) → outcomes.
  const std::string outcome_role = "<premis:linkingObjectRole>outcome<";
  auto unknown_role = ReadPremis(
      ReplaceFirst(premis, outcome_role, "<premis:linkingObjectRole>implementer<"));
  ASSERT_OK(unknown_role);
  EXPECT_THAT(unknown_role->events[4].object_paths, ElementsAre(kDocPath, kPdfaPath));
  EXPECT_THAT(unknown_role->events[4].outcome_paths, IsEmpty());
  auto padded = ReadPremis(ReplaceFirst(premis, outcome_role, "<premis:linkingObjectRole> outcome <"));
  ASSERT_OK(padded);
  EXPECT_THAT(padded->events[4].outcome_paths, ElementsAre(kPdfaPath));
  // Two derivation relationships: the first one counts.
  const std::string rel_end = "</premis:relationship>\n  </premis:object>";
  const size_t last_rel = premis.rfind("<premis:relationship>", premis.rfind(rel_end));
  std::string two = premis;
  two.insert(last_rel,
             "<premis:relationship><premis:relationshipType>derivation</premis:relationshipType>"
             "<premis:relationshipSubType>has source</premis:relationshipSubType>"
             "<premis:relatedObjectIdentifier><premis:relatedObjectIdentifierType>local"
             "</premis:relatedObjectIdentifierType><premis:relatedObjectIdentifierValue>first.doc"
             "</premis:relatedObjectIdentifierValue></premis:relatedObjectIdentifier>"
             "</premis:relationship>");
  auto two_r = ReadPremis(two);
  ASSERT_OK(two_r);
  EXPECT_EQ(derived(two_r), "first.doc");
}

TEST(AipTest, ReadPremisRefusesDuplicatesAndSelfDerivation) {
  Aip dup = MigratedAip();
  dup.files.push_back(dup.files.back());  // the migrated file twice
  auto d = ReadPremis(WritePremis(dup));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("duplicate file object"));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr(kPdfaPath));

  Aip self = MigratedAip();
  self.files.back().derived_from = self.files.back().path;
  auto s = ReadPremis(WritePremis(self));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("derived from itself"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(kPdfaPath));
}

TEST(AipTest, ReadPremisFormatNotesFromOtherWriters) {
  // A foreign document: several notes (the first is taken), a placeholder-like "unknown" name
  // with a registry entry (kept: it is not our placeholder), version without registry.
  const std::string head =
      "<p:premis xmlns:p=\"http://www.loc.gov/premis/v3\" "
      "xmlns:x=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"3.0\">"
      "<p:object x:type=\"p:intellectualEntity\"><p:objectIdentifier>"
      "<p:objectIdentifierType>local</p:objectIdentifierType>"
      "<p:objectIdentifierValue>obj</p:objectIdentifierValue></p:objectIdentifier></p:object>";
  const auto file = [](std::string_view path, std::string_view format) {
    return "<p:object x:type=\"p:file\"><p:objectIdentifier>"
           "<p:objectIdentifierType>local</p:objectIdentifierType>"
           "<p:objectIdentifierValue>" +
           std::string(path) +
           "</p:objectIdentifierValue></p:objectIdentifier><p:objectCharacteristics>"
           "<p:fixity><p:messageDigestAlgorithm>SHA-256</p:messageDigestAlgorithm>"
           "<p:messageDigest>" +
           std::string(64, 'c') + "</p:messageDigest></p:fixity><p:size>1</p:size><p:format>" +
           std::string(format) + "</p:format></p:objectCharacteristics></p:object>";
  };
  const std::string xml =
      head +
      file("a", "<p:formatDesignation><p:formatName>TIFF</p:formatName>"
                "<p:formatVersion>6.0</p:formatVersion></p:formatDesignation>"
                "<p:formatNote>first</p:formatNote><p:formatNote>second</p:formatNote>") +
      file("b", "<p:formatDesignation><p:formatName>unknown</p:formatName></p:formatDesignation>"
                "<p:formatRegistry><p:formatRegistryName>PRONOM</p:formatRegistryName>"
                "<p:formatRegistryKey>fmt/111</p:formatRegistryKey></p:formatRegistry>") +
      file("c", "<p:formatDesignation><p:formatName>unknown</p:formatName></p:formatDesignation>"
                "<p:formatNote>only a foreign note</p:formatNote>") +
      "</p:premis>";
  auto r = ReadPremis(xml);
  ASSERT_OK(r);
  ASSERT_EQ(r->files.size(), 3u);
  EXPECT_EQ(r->files[0].format_name, "TIFF");
  EXPECT_EQ(r->files[0].format_version, "6.0");
  EXPECT_EQ(r->files[0].format_note, "first");
  EXPECT_EQ(r->files[0].format_puid, "");
  EXPECT_EQ(r->files[1].format_name, "unknown");
  EXPECT_EQ(r->files[1].format_puid, "fmt/111");
  EXPECT_EQ(r->files[2].format_name, "");
  EXPECT_EQ(r->files[2].format_note, "only a foreign note");
  EXPECT_EQ(r->files[2].derived_from, "");
}

}  // namespace
}  // namespace vault::mets

namespace vault::mets {
namespace {

TEST(FormatNoteTest, RoundTripsAndToleratesOtherShapes) {
  FormatNote n{"container", "DROID V122; container 20260119", "extension does not match the format"};
  const std::string text = WriteFormatNote(n);
  EXPECT_EQ(text,
            "identification basis: container; signatures: DROID V122, container 20260119; "
            "extension does not match the format");
  FormatNote back = ReadFormatNote(text);
  EXPECT_EQ(back.basis, "container");
  EXPECT_EQ(back.signatures, "DROID V122, container 20260119");
  EXPECT_EQ(back.remarks, "extension does not match the format");
  FormatNote bare = ReadFormatNote(WriteFormatNote({"none", "DROID V122", ""}));
  EXPECT_EQ(bare.basis, "none");
  EXPECT_EQ(bare.signatures, "DROID V122");
  EXPECT_EQ(bare.remarks, "");
  // Notes written by other software give empty fields, never a wrong basis.
  for (const char* other : {"", "format not identified", "identified by DROID 6.7", "basis: x"}) {
    FormatNote o = ReadFormatNote(other);
    EXPECT_EQ(o.basis, "") << other;
    EXPECT_EQ(o.signatures, "") << other;
  }
  EXPECT_EQ(ReadFormatNote("identification basis: signature").basis, "signature");
}

}  // namespace
}  // namespace vault::mets
