// XMP pdfaid parsing on hand-made and hostile bytes (no external tools needed).
#include "formats/migration/validate.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::migration {
namespace {

const char kAttrForm[] =
    "%PDF-1.7\n1 0 obj<</Type/Metadata>>stream\n"
    "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
    "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" "
    "pdfaid:part='2' pdfaid:conformance='B'/></rdf:RDF></x:xmpmeta>"
    "<?xpacket end=\"w\"?>\nendstream\n";

const char kElementForm[] =
    "junk<?xpacket begin=\"\" id=\"x\"?>"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
    "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">"
    "<pdfaid:part> 2 </pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
    "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"r\"?>junk";

TEST(MigrationXmp, AttributeForm) {
  PdfaId id = PdfaIdFromBytes(kAttrForm);
  EXPECT_EQ(id.part, "2");
  EXPECT_EQ(id.conformance, "B");
}

TEST(MigrationXmp, ElementForm) {
  PdfaId id = PdfaIdFromBytes(kElementForm);
  EXPECT_EQ(id.part, "2");
  EXPECT_EQ(id.conformance, "B");
}

TEST(MigrationXmp, PacketWithoutPdfaidIsSkippedForALaterOne) {
  std::string two = std::string("<?xpacket begin='' id='a'?><x:xmpmeta xmlns:x='adobe:ns:meta/'/>"
                                "<?xpacket end='w'?>") + kElementForm;
  EXPECT_EQ(PdfaIdFromBytes(two).part, "2");
}

TEST(MigrationXmp, WrongNamespaceIsNotPdfaid) {
  std::string s = kElementForm;
  s.replace(s.find("aiim.org"), 8, "evil.org");
  PdfaId id = PdfaIdFromBytes(s);
  EXPECT_TRUE(id.part.empty());
  EXPECT_TRUE(id.conformance.empty());
}

TEST(MigrationXmp, HostileAndBrokenPacketsYieldNothing) {
  // Entity declarations are refused by vault::xml before anything expands.
  std::string bomb =
      "<?xpacket begin='' id='a'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>"
      "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
      "<x:xmpmeta xmlns:x='adobe:ns:meta/' xmlns:pdfaid='http://www.aiim.org/pdfa/ns/id/' "
      "pdfaid:part='&b;'/><?xpacket end='w'?>";
  EXPECT_TRUE(PdfaIdFromBytes(bomb).part.empty());
  // Unterminated packet, truncated markers, deep nesting.
  EXPECT_TRUE(PdfaIdFromBytes("<?xpacket begin='' id='a'?><x:xmpmeta").part.empty());
  EXPECT_TRUE(PdfaIdFromBytes("<?xpacket beg").part.empty());
  std::string deep = "<?xpacket begin='' id='a'?>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  deep += "<?xpacket end='w'?>";
  EXPECT_TRUE(PdfaIdFromBytes(deep).part.empty());
  EXPECT_TRUE(PdfaIdFromBytes("").part.empty());
}

TEST(MigrationXmp, ReadPdfaIdFindsPacketAcrossChunkBoundary) {
  vault::testing::TempDir dir;
  std::string bytes = std::string((1 << 20) - 10, 'x') + kAttrForm;
  vault::testing::WriteFile(dir / "a.pdf", bytes);
  auto id = ReadPdfaId(dir / "a.pdf");
  ASSERT_OK(id);
  EXPECT_EQ(id->part, "2");
  EXPECT_EQ(id->conformance, "B");
  EXPECT_EQ(ReadPdfaId(dir / "missing.pdf").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace vault::migration
