// Matcher (formats/pronom/signature.h) and signature-file semantics (droid.h, container.h,
// identify.h) on hand-made signatures: BOF/EOF/Variable references, offsets, subsequence order,
// left/right fragments, alternatives, windows, priorities and the extension tie-break.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/pronom/container.h"
#include "formats/pronom/droid.h"
#include "formats/pronom/identify.h"
#include "formats/pronom/signature.h"
#include "tests/testing/test_util.h"

namespace vault::pronom {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;

constexpr char kNs[] = "http://www.nationalarchives.gov.uk/pronom/SignatureFile";

// A signature file around `sigs` (InternalSignature elements) and `formats`.
std::string SigFile(const std::string& sigs, const std::string& formats) {
  return std::string("<?xml version=\"1.0\"?><FFSignatureFile Version=\"7\" xmlns=\"") + kNs +
         "\"><InternalSignatureCollection>" + sigs +
         "</InternalSignatureCollection><FileFormatCollection>" + formats +
         "</FileFormatCollection></FFSignatureFile>";
}

// One InternalSignature parsed from XML (ByteSequence elements inside).
InternalSignature Sig(const std::string& byte_sequences) {
  auto f = ParseSignatureFile(
      SigFile("<InternalSignature ID=\"1\">" + byte_sequences + "</InternalSignature>", ""),
      "test.xml");
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? f->signatures.at(0) : InternalSignature();
}

std::string Seq(const std::string& ref, const std::string& subs) {
  return "<ByteSequence" + (ref.empty() ? std::string() : " Reference=\"" + ref + "\"") + ">" +
         subs + "</ByteSequence>";
}
std::string Sub(int pos, const std::string& seq, int min, int max,
                const std::string& fragments = "") {
  return "<SubSequence Position=\"" + std::to_string(pos) + "\" SubSeqMinOffset=\"" +
         std::to_string(min) + "\"" +
         (max >= 0 ? " SubSeqMaxOffset=\"" + std::to_string(max) + "\"" : std::string()) +
         "><Sequence>" + seq + "</Sequence>" + fragments + "</SubSequence>";
}
std::string Frag(const char* side, int pos, int min, int max, const std::string& text) {
  return std::string("<") + side + " Position=\"" + std::to_string(pos) + "\" MinOffset=\"" +
         std::to_string(min) + "\" MaxOffset=\"" + std::to_string(max) + "\">" + text + "</" +
         side + ">";
}

bool Match(const InternalSignature& sig, std::string_view data) {
  MatchContext ctx(Window{data, data, data.size()});
  return Matcher::Matches(sig, ctx);
}

TEST(Matcher, BofFixedAndRangedOffsets) {
  const auto fixed = Sig(Seq("BOFoffset", Sub(1, "4D5A", 0, 0)));
  EXPECT_TRUE(Match(fixed, "MZ\x90\x00"));
  EXPECT_FALSE(Match(fixed, "xMZ"));
  EXPECT_FALSE(Match(fixed, "M"));
  EXPECT_FALSE(Match(fixed, ""));
  const auto ranged = Sig(Seq("BOFoffset", Sub(1, "'AB'", 2, 4)));
  EXPECT_FALSE(Match(ranged, "ABxxxxxx"));
  EXPECT_FALSE(Match(ranged, "xABxxxxx"));
  EXPECT_TRUE(Match(ranged, "xxABxxxx"));
  EXPECT_TRUE(Match(ranged, "xxxxAB"));
  EXPECT_FALSE(Match(ranged, "xxxxxAB"));
  // An absent SubSeqMaxOffset on an anchored subsequence means exactly the minimum (DROID).
  const auto nomax = Sig(Seq("BOFoffset", Sub(1, "'AB'", 2, -1)));
  EXPECT_TRUE(Match(nomax, "xxAB"));
  EXPECT_FALSE(Match(nomax, "xxxAB"));
}

TEST(Matcher, EofOffsetsCountFromTheEnd) {
  const auto sig = Sig(Seq("EOFoffset", Sub(1, "3B", 0, 4)));  // GIF trailer ';'
  EXPECT_TRUE(Match(sig, "GIF89a...;"));
  EXPECT_TRUE(Match(sig, "GIF89a...;\0\0\0\0"));
  EXPECT_FALSE(Match(sig, std::string("GIF89a...;\0\0\0\0\0", 15)));
  const auto exact = Sig(Seq("EOFoffset", Sub(1, "'%%EOF'", 1, 1)));
  EXPECT_TRUE(Match(exact, "...%%EOF\n"));
  EXPECT_FALSE(Match(exact, "...%%EOF"));
}

TEST(Matcher, VariableSearchesAnywhere) {
  const auto sig = Sig(Seq("", Sub(1, "'needle'", 0, -1)));
  EXPECT_TRUE(Match(sig, "needle"));
  EXPECT_TRUE(Match(sig, std::string(5000, 'x') + "needle" + std::string(10, 'y')));
  EXPECT_FALSE(Match(sig, std::string(5000, 'x') + "needl"));
  const auto var = Sig(Seq("Variable", Sub(1, "'ab' [30:39]", 3, -1)));
  EXPECT_FALSE(Match(var, "ab1"));
  EXPECT_TRUE(Match(var, "xxxab1"));
  EXPECT_TRUE(Match(var, "xxxabxab7"));
}

TEST(Matcher, SubsequencesInPositionOrderWithMinimumGap) {
  // Positions listed out of document order: sorted by Position.
  const auto sig =
      Sig(Seq("BOFoffset", Sub(2, "'CD'", 0, -1) + Sub(1, "'AB'", 0, 0)));
  EXPECT_TRUE(Match(sig, "ABxxCD"));
  EXPECT_TRUE(Match(sig, "ABCD"));
  EXPECT_FALSE(Match(sig, "CDxxAB"));
  EXPECT_FALSE(Match(sig, "xABCD"));
  const auto gap = Sig(Seq("BOFoffset", Sub(1, "'AB'", 0, 0) + Sub(2, "'CD'", 3, -1)));
  EXPECT_FALSE(Match(gap, "ABxxCD"));
  EXPECT_TRUE(Match(gap, "ABxxxCD"));
  EXPECT_TRUE(Match(gap, "ABCDxxxxxCD"));
  // An unlimited gap inside a Sequence splits it the same way.
  const auto star = Sig(Seq("BOFoffset", Sub(1, "'AB' {3-*} 'CD'", 0, 0)));
  EXPECT_FALSE(Match(star, "ABxxCD"));
  EXPECT_TRUE(Match(star, "ABxxxxxxCD"));
}

TEST(Matcher, EofSubsequencesMatchRightToLeft) {
  const auto sig = Sig(Seq("EOFoffset", Sub(1, "'AB'", 0, -1) + Sub(2, "'CD'", 0, 2)));
  EXPECT_TRUE(Match(sig, "ABxxxCD"));
  EXPECT_TRUE(Match(sig, "ABxxxCDxx"));
  EXPECT_FALSE(Match(sig, "ABxxxCDxxx"));
  EXPECT_FALSE(Match(sig, "CDxxxAB"));
  // The left subsequence needs at least 2 bytes between it and the right one.
  const auto gap = Sig(Seq("EOFoffset", Sub(1, "'AB'", 2, -1) + Sub(2, "'CD'", 0, 0)));
  EXPECT_FALSE(Match(gap, "ABxCD"));
  EXPECT_TRUE(Match(gap, "ABxxCD"));
}

TEST(Matcher, GapsAndAlternatives) {
  const auto gap = Sig(Seq("BOFoffset", Sub(1, "01 {2-4} 02", 0, 0)));
  EXPECT_FALSE(Match(gap, "\x01\x02"));
  EXPECT_FALSE(Match(gap, "\x01x\x02"));
  EXPECT_TRUE(Match(gap, "\x01xx\x02"));
  EXPECT_TRUE(Match(gap, "\x01xxxx\x02"));
  EXPECT_FALSE(Match(gap, "\x01xxxxx\x02"));
  const auto alt = Sig(Seq("BOFoffset", Sub(1, "'a' (00 01|B0 B1 B2|'zz') 'q'", 0, 0)));
  EXPECT_TRUE(Match(alt, std::string("a\x00\x01q", 4)));
  EXPECT_TRUE(Match(alt, "a\xb0\xb1\xb2q"));
  EXPECT_TRUE(Match(alt, "azzq"));
  EXPECT_FALSE(Match(alt, "azq"));
  EXPECT_FALSE(Match(alt, "a\xb0\xb1q"));
  const auto mask = Sig(Seq("BOFoffset", Sub(1, "'P' [&amp;80] [!&amp;01]", 0, 0)));
  EXPECT_TRUE(Match(mask, "P\x80\x02"));
  EXPECT_FALSE(Match(mask, "P\x7f\x02"));
  EXPECT_FALSE(Match(mask, "P\x80\x03"));
}

TEST(Matcher, LeftAndRightFragmentsWithOffsetsAndAlternatives) {
  // RTF-like: '{\rt' anchor 'f', left fragment none, right fragments: Position 1 '1' or
  // 'ansi' 0..2 bytes after, Position 2 '\' exactly after.
  const std::string frags = Frag("RightFragment", 1, 0, 2, "31") +
                            Frag("RightFragment", 1, 0, 2, "616E7369") +
                            Frag("RightFragment", 2, 0, 0, "5C");
  const auto sig = Sig(Seq("BOFoffset", Sub(1, "7B5C727466", 0, 0, frags)));
  EXPECT_TRUE(Match(sig, "{\\rtf1\\ansi"));
  EXPECT_TRUE(Match(sig, "{\\rtfxx1\\"));
  EXPECT_TRUE(Match(sig, "{\\rtfansi\\"));
  EXPECT_FALSE(Match(sig, "{\\rtfxxx1\\"));  // gap of 3 > MaxOffset 2
  EXPECT_FALSE(Match(sig, "{\\rtf1x\\"));    // '\' not adjacent
  EXPECT_FALSE(Match(sig, "{\\rtf2\\"));
  // Left fragments: the BOF offset applies to the leftmost fragment's start.
  const std::string left = Frag("LeftFragment", 1, 1, 3, "'LL'") + Frag("LeftFragment", 2, 0, 0, "'K'");
  const auto lsig = Sig(Seq("BOFoffset", Sub(1, "'ANCHOR'", 0, 1, left)));
  EXPECT_TRUE(Match(lsig, "KLLxANCHOR"));
  EXPECT_TRUE(Match(lsig, "xKLLxxxANCHOR"));
  EXPECT_FALSE(Match(lsig, "xxKLLxANCHOR"));   // starts at 2 > max 1
  EXPECT_FALSE(Match(lsig, "KLLANCHOR"));      // gap 0 < MinOffset 1
  EXPECT_FALSE(Match(lsig, "KLLxxxxANCHOR"));  // gap 4 > MaxOffset 3
  EXPECT_FALSE(Match(lsig, "KxLLxANCHOR"));
}

TEST(Matcher, EofFragmentsMeasureFromTheLastFragment) {
  const auto sig =
      Sig(Seq("EOFoffset", Sub(1, "'END'", 0, 2, Frag("RightFragment", 1, 1, 1, "'!'"))));
  EXPECT_TRUE(Match(sig, "...END.!"));
  EXPECT_TRUE(Match(sig, "...END.!xx"));
  EXPECT_FALSE(Match(sig, "...END.!xxx"));
  EXPECT_FALSE(Match(sig, "...END!"));
}

TEST(Matcher, AllByteSequencesMustMatch) {
  const auto sig = Sig(Seq("BOFoffset", Sub(1, "'GIF8'", 0, 0)) +
                       Seq("EOFoffset", Sub(1, "3B", 0, 0)));
  EXPECT_TRUE(Match(sig, "GIF89a;"));
  EXPECT_FALSE(Match(sig, "GIF89a"));
  EXPECT_FALSE(Match(sig, "GIx89a;"));
}

TEST(Matcher, WindowsBoundWhatIsSeen) {
  const auto bof = Sig(Seq("BOFoffset", Sub(1, "'X'", 100, 100)));
  const auto var = Sig(Seq("", Sub(1, "'needle'", 0, -1)));
  const auto eof = Sig(Seq("EOFoffset", Sub(1, "'E'", 100, 100)));
  std::string file(1000, '.');
  file[100] = 'X';
  file.replace(500, 6, "needle");
  file[1000 - 101] = 'E';
  MatchContext whole(Window{file, file, file.size()});
  EXPECT_TRUE(Matcher::Matches(bof, whole));
  EXPECT_TRUE(Matcher::Matches(var, whole));
  EXPECT_TRUE(Matcher::Matches(eof, whole));
  // 64-byte windows: offset 100 is beyond both, the needle is in the unread middle.
  const std::string_view v(file);
  MatchContext small(Window{v.substr(0, 64), v.substr(1000 - 64), file.size()});
  EXPECT_FALSE(Matcher::Matches(bof, small));
  EXPECT_FALSE(Matcher::Matches(var, small));
  EXPECT_FALSE(Matcher::Matches(eof, small));
  MatchContext big(Window{v.substr(0, 200), v.substr(1000 - 200), file.size()});
  EXPECT_TRUE(Matcher::Matches(bof, big));
  EXPECT_FALSE(Matcher::Matches(var, big));
  EXPECT_TRUE(Matcher::Matches(eof, big));
}

TEST(Matcher, WorkLimitStopsPathologicalSearches) {
  // Many anchor hits, each with a wide left gap that never completes.
  const auto sig = Sig(Seq("", Sub(1, "'Q' {0-4000} 00", 0, -1)));
  const std::string data(60000, '\0');
  MatchContext ctx(Window{data, data, data.size()});
  ctx.set_work_limit(100000);
  EXPECT_FALSE(Matcher::Matches(sig, ctx));
  const std::string zeros_then_q = std::string(60000, 'Q');
  MatchContext ctx2(Window{zeros_then_q, zeros_then_q, zeros_then_q.size()});
  ctx2.set_work_limit(100000);
  EXPECT_FALSE(Matcher::Matches(sig, ctx2));
  EXPECT_TRUE(ctx2.exhausted());
}

TEST(SignatureFile, LoaderErrorsNameTheElement) {
  auto bad_ref = ParseSignatureFile(
      SigFile("<InternalSignature ID=\"5\">" + Seq("IndirectBOFoffset", Sub(1, "00", 0, 0)) +
                  "</InternalSignature>",
              ""),
      "t.xml");
  ASSERT_FALSE(bad_ref.ok());
  EXPECT_THAT(std::string(bad_ref.status().message()),
              HasSubstr("t.xml: InternalSignature ID=5: ByteSequence 1: unsupported Reference"));
  auto bad_frag = ParseSignatureFile(
      SigFile("<InternalSignature ID=\"6\">" +
                  Seq("BOFoffset", Sub(1, "00", 0, 0, Frag("LeftFragment", 2, 0, 0, "01"))) +
                  "</InternalSignature>",
              ""),
      "t.xml");
  ASSERT_FALSE(bad_frag.ok());
  EXPECT_THAT(std::string(bad_frag.status().message()),
              HasSubstr("SubSequence Position=1: LeftFragment Position 1 missing"));
  auto no_seq = ParseSignatureFile(
      SigFile("<InternalSignature ID=\"7\"><ByteSequence/></InternalSignature>", ""), "t.xml");
  ASSERT_FALSE(no_seq.ok());
  EXPECT_THAT(std::string(no_seq.status().message()), HasSubstr("ID=7: ByteSequence 1: no SubSequence"));
  auto dup = ParseSignatureFile(SigFile("", "<FileFormat ID=\"1\" PUID=\"a\"/><FileFormat ID=\"1\" PUID=\"b\"/>"),
                                "t.xml");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(std::string(dup.status().message()), HasSubstr("FileFormat ID=1: duplicate ID"));
}

// Identifier semantics on a hand-made signature file.
class IdentifierSemantics : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string sigs =
        "<InternalSignature ID=\"1\">" + Seq("BOFoffset", Sub(1, "'AB'", 0, 0)) +
        "</InternalSignature>"
        "<InternalSignature ID=\"2\">" + Seq("BOFoffset", Sub(1, "'A'", 0, 0)) +
        "</InternalSignature>"
        "<InternalSignature ID=\"3\">" + Seq("BOFoffset", Sub(1, "'XY'", 0, 0)) +
        "</InternalSignature>";
    const std::string formats =
        "<FileFormat ID=\"10\" PUID=\"t/ab\" Name=\"AB format\" Version=\"2\" MIMEType=\"a/b\">"
        "<InternalSignatureID>1</InternalSignatureID><Extension>ab</Extension>"
        "<HasPriorityOverFileFormatID>11</HasPriorityOverFileFormatID></FileFormat>"
        "<FileFormat ID=\"11\" PUID=\"t/a\" Name=\"A format\">"
        "<InternalSignatureID>2</InternalSignatureID><Extension>a</Extension></FileFormat>"
        "<FileFormat ID=\"12\" PUID=\"t/xy1\" Name=\"XY one\">"
        "<InternalSignatureID>3</InternalSignatureID><Extension>xy1</Extension></FileFormat>"
        "<FileFormat ID=\"13\" PUID=\"t/xy2\" Name=\"XY two\">"
        "<InternalSignatureID>3</InternalSignatureID><Extension>XY2</Extension></FileFormat>"
        "<FileFormat ID=\"14\" PUID=\"t/ext\" Name=\"Extension only\">"
        "<Extension>eo</Extension></FileFormat>"
        "<FileFormat ID=\"15\" PUID=\"t/extsig\" Name=\"Has a signature\">"
        "<InternalSignatureID>3</InternalSignatureID><Extension>eo</Extension></FileFormat>";
    WriteFile(dir_ / "DROID_SignatureFile_V7.xml", SigFile(sigs, formats));
    auto id = Identifier::Load(dir_ / "DROID_SignatureFile_V7.xml", "");
    ASSERT_OK(id);
    id_ = *id;
  }
  std::vector<std::string> Puids(const Identification& i) {
    std::vector<std::string> out;
    for (const auto& m : i.matches) out.push_back(m.puid);
    return out;
  }
  TempDir dir_;
  std::shared_ptr<const Identifier> id_;
};

TEST_F(IdentifierSemantics, PriorityRemovesTheLowerFormat) {
  EXPECT_EQ(id_->version(), "DROID V7");
  const Identification a = id_->IdentifyBuffer("ABC", "ABC", 3, "f.ab");
  EXPECT_THAT(Puids(a), ElementsAre("t/ab"));
  ASSERT_NE(a.best(), nullptr);
  EXPECT_EQ(a.best()->name, "AB format");
  EXPECT_EQ(a.best()->version, "2");
  EXPECT_EQ(a.best()->mime, "a/b");
  EXPECT_EQ(a.best()->basis, Basis::kSignature);
  EXPECT_TRUE(a.warning.empty());
  EXPECT_FALSE(a.extension_mismatch);
  const Identification lone = id_->IdentifyBuffer("AC", "AC", 2, "f.a");
  EXPECT_THAT(Puids(lone), ElementsAre("t/a"));
}

TEST_F(IdentifierSemantics, ExtensionBreaksTiesAndFlagsMismatch) {
  const Identification one = id_->IdentifyBuffer("XY", "XY", 2, "f.xy1");
  EXPECT_THAT(Puids(one), ElementsAre("t/xy1", "t/xy2", "t/extsig"));
  EXPECT_EQ(one.warning, "several formats matched");
  EXPECT_FALSE(one.extension_mismatch);
  const Identification two = id_->IdentifyBuffer("XY", "XY", 2, "dir/F.Xy2");
  EXPECT_EQ(Puids(two).front(), "t/xy2");
  EXPECT_FALSE(two.extension_mismatch);
  const Identification none = id_->IdentifyBuffer("XY", "XY", 2, "f.zip");
  EXPECT_EQ(Puids(none).front(), "t/xy1");  // file order when nothing breaks the tie
  EXPECT_TRUE(none.extension_mismatch);
  const Identification noext = id_->IdentifyBuffer("ABx", "ABx", 3, "README");
  EXPECT_TRUE(noext.extension_mismatch);
}

TEST_F(IdentifierSemantics, ExtensionOnlyForFormatsWithoutSignatures) {
  const Identification e = id_->IdentifyBuffer("zz", "zz", 2, "f.eo");
  EXPECT_THAT(Puids(e), ElementsAre("t/ext"));
  EXPECT_EQ(e.best()->basis, Basis::kExtension);
  EXPECT_EQ(e.warning, "no signature matched; identified by extension only");
  EXPECT_FALSE(e.extension_mismatch);
  const Identification u = id_->IdentifyBuffer("zz", "zz", 2, "f.ab");  // t/ab has a signature
  EXPECT_TRUE(u.matches.empty());
  EXPECT_EQ(u.warning, "no signature matched");
}

// Container matching over an in-memory view.
class FakeView : public ContainerView {
 public:
  explicit FakeView(std::vector<std::pair<std::string, std::string>> entries)
      : entries_(std::move(entries)) {
    for (const auto& e : entries_) names_.push_back(e.first);
  }
  const std::vector<std::string>& Names() const override { return names_; }
  Result<std::string> Read(std::string_view name, uint64_t max_bytes) const override {
    ++reads;
    for (const auto& e : entries_) {
      if (e.first == name) return e.second.substr(0, max_bytes);
    }
    return Status::NotFound("no entry");
  }
  mutable int reads = 0;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<std::string> names_;
};

TEST(ContainerMatching, AllFilesMustExistAndMatch) {
  const std::string xml =
      "<ContainerSignatureMapping signatureVersion=\"3\"><ContainerSignatures>"
      "<ContainerSignature Id=\"1\" ContainerType=\"ZIP\"><Description>d</Description><Files>"
      "<File><Path>mimetype</Path><BinarySignatures><InternalSignatureCollection>"
      "<InternalSignature ID=\"9\"><ByteSequence Reference=\"BOFoffset\">"
      "<SubSequence Position=\"1\" SubSeqMinOffset=\"0\" SubSeqMaxOffset=\"0\">"
      "<Sequence>'application/x-test'</Sequence></SubSequence></ByteSequence>"
      "</InternalSignature></InternalSignatureCollection></BinarySignatures></File>"
      "<File><Path>content.xml</Path></File>"
      "<File><Path>dir/</Path></File>"
      "</Files></ContainerSignature>"
      "<ContainerSignature Id=\"2\" ContainerType=\"OLE2\"><Files><File><Path>WordDocument</Path>"
      "</File></Files></ContainerSignature>"
      "</ContainerSignatures><FileFormatMappings>"
      "<FileFormatMapping signatureId=\"1\" Puid=\"t/zip\"/>"
      "<FileFormatMapping signatureId=\"2\" Puid=\"t/ole\"/>"
      "</FileFormatMappings><TriggerPuids><TriggerPuid ContainerType=\"ZIP\" Puid=\"x-fmt/263\"/>"
      "</TriggerPuids></ContainerSignatureMapping>";
  auto file = ParseContainerSignatureFile(xml, "c.xml");
  ASSERT_OK(file);
  EXPECT_EQ(file->TriggerFor("x-fmt/263"), ContainerType::kZip);
  EXPECT_FALSE(file->TriggerFor("fmt/111").has_value());
  ASSERT_EQ(file->signatures.size(), 2u);
  EXPECT_EQ(file->signatures[0].files[0].bytes_needed, 18u);  // bounded: read only 18 bytes

  FakeView good({{"mimetype", "application/x-testXYZ"}, {"content.xml", "<x/>"},
                 {"dir/a", "1"}});
  auto hits = MatchContainer(*file, ContainerType::kZip, good, 1 << 20);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->puids, std::vector<std::string>{"t/zip"});
  FakeView missing({{"mimetype", "application/x-test"}, {"dir/a", "1"}});
  EXPECT_TRUE(MatchContainer(*file, ContainerType::kZip, missing, 1 << 20).empty());
  FakeView wrong({{"mimetype", "application/x-tesX"}, {"content.xml", ""}, {"dir/a", "1"}});
  EXPECT_TRUE(MatchContainer(*file, ContainerType::kZip, wrong, 1 << 20).empty());
  FakeView nodir({{"mimetype", "application/x-test"}, {"content.xml", ""}});
  EXPECT_TRUE(MatchContainer(*file, ContainerType::kZip, nodir, 1 << 20).empty());
  // OLE2 names compare case-insensitively; type filters signatures.
  FakeView ole(std::vector<std::pair<std::string, std::string>>{{"worddocument", ""}});
  auto o = MatchContainer(*file, ContainerType::kOle2, ole, 1 << 20);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0]->puids[0], "t/ole");
  EXPECT_TRUE(MatchContainer(*file, ContainerType::kZip, ole, 1 << 20).empty());

  auto bad = ParseContainerSignatureFile(
      "<ContainerSignatureMapping><ContainerSignatures/><FileFormatMappings>"
      "<FileFormatMapping signatureId=\"77\" Puid=\"x\"/></FileFormatMappings>"
      "</ContainerSignatureMapping>",
      "c.xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("FileFormatMapping signatureId=77: no ContainerSignature with that Id"));
}

}  // namespace
}  // namespace vault::pronom
