// Byte-pattern syntax parser (formats/pronom/signature.h): every construct of the binary and
// container syntax, and malformed patterns with the construct and offset in the error.
#include "formats/pronom/signature.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::pronom {
namespace {

using ::testing::HasSubstr;
using Kind = Element::Kind;

Pattern P(std::string_view text) {
  auto r = ParsePattern(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *std::move(r) : Pattern();
}

std::string Error(std::string_view text) {
  auto r = ParsePattern(text);
  EXPECT_FALSE(r.ok()) << text << " parsed";
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(PatternSyntax, HexBytesCaseInsensitiveWithWhitespace) {
  Pattern p = P("ff Fe\tA1\n00");
  ASSERT_EQ(p.elements.size(), 1u);
  EXPECT_EQ(p.elements[0].kind, Kind::kBytes);
  EXPECT_TRUE(p.elements[0].is_literal);
  EXPECT_EQ(p.elements[0].literal, std::string("\xff\xfe\xa1\x00", 4));
  EXPECT_EQ(P("4D5A").elements[0].literal, "MZ");
  EXPECT_EQ(p.MinLength(), 4u);
  EXPECT_EQ(p.MaxLength(), 4u);
}

TEST(PatternSyntax, AnyByte) {
  Pattern p = P("01 ?? 03");
  ASSERT_EQ(p.elements.size(), 1u);
  ASSERT_EQ(p.elements[0].sets.size(), 3u);
  EXPECT_FALSE(p.elements[0].is_literal);
  EXPECT_EQ(p.elements[0].sets[1].Count(), 256);
}

TEST(PatternSyntax, StringsAreLatin1) {
  Pattern p = P("'version:4' 00");
  EXPECT_EQ(p.elements[0].literal, std::string("version:4\0", 10));
  EXPECT_EQ(P("30 '0'").elements[0].literal, "00");
  // UTF-8 text from XML: U+00E9 is the single byte E9.
  EXPECT_EQ(P("'\xc3\xa9'").elements[0].literal, "\xe9");
  EXPECT_EQ(P("'\"'").elements[0].literal, "\"");
}

TEST(PatternSyntax, RangesAndInvertedRanges) {
  EXPECT_EQ(P("[30:39]").elements[0].sets[0].Count(), 10);
  EXPECT_EQ(P("[30-39]").elements[0].sets[0], P("[30:39]").elements[0].sets[0]);
  EXPECT_EQ(P("['0'-'9']").elements[0].sets[0], P("[30:39]").elements[0].sets[0]);
  const ByteSet inv = P("[!61:7a]").elements[0].sets[0];
  EXPECT_EQ(inv.Count(), 256 - 26);
  EXPECT_FALSE(inv.Has('a'));
  EXPECT_TRUE(inv.Has('A'));
  EXPECT_EQ(P("[!'a'-'z']").elements[0].sets[0], inv);
  EXPECT_EQ(P("[!61-7A]").elements[0].sets[0], inv);
}

TEST(PatternSyntax, Bitmasks) {
  const ByteSet all_bit0 = P("[&01]").elements[0].sets[0];
  EXPECT_EQ(all_bit0.Count(), 128);
  EXPECT_TRUE(all_bit0.Has(0x01));
  EXPECT_TRUE(all_bit0.Has(0xFF));
  EXPECT_FALSE(all_bit0.Has(0x02));
  const ByteSet not_bit0 = P("[!&01]").elements[0].sets[0];
  EXPECT_EQ(not_bit0.Count(), 128);
  EXPECT_TRUE(not_bit0.Has(0x02));
  const ByteSet both = P("[&88]").elements[0].sets[0];  // both 0x80 and 0x08 set
  EXPECT_EQ(both.Count(), 64);
  EXPECT_TRUE(both.Has(0x88));
  EXPECT_FALSE(both.Has(0x80));
  // byteseek's any-bit mask.
  EXPECT_EQ(P("[~88]").elements[0].sets[0].Count(), 256 - 64);
}

TEST(PatternSyntax, MultiByteSets) {
  const ByteSet s = P("[00 C2 DE]").elements[0].sets[0];
  EXPECT_EQ(s.Count(), 3);
  EXPECT_TRUE(s.Has(0xC2));
  EXPECT_EQ(P("[!00 C2 DE]").elements[0].sets[0].Count(), 253);
  const ByteSet m = P("[00 C2 DE 'A'-'Z' &01]").elements[0].sets[0];
  EXPECT_TRUE(m.Has('Q'));
  EXPECT_TRUE(m.Has(0x03));  // via &01
  EXPECT_TRUE(m.Has(0x00));
  EXPECT_FALSE(m.Has(0x02));
  const ByteSet v = P("['A'-'Z' 'aeiou']").elements[0].sets[0];
  EXPECT_EQ(v.Count(), 31);
  EXPECT_TRUE(v.Has('e'));
  EXPECT_FALSE(v.Has('b'));
}

TEST(PatternSyntax, Alternatives) {
  Pattern p = P("(00|F0|3C)");
  ASSERT_EQ(p.elements.size(), 1u);
  ASSERT_EQ(p.elements[0].kind, Kind::kAlternatives);
  EXPECT_EQ(p.elements[0].options.size(), 3u);
  Pattern m = P("AA (00 01 | B0 B1 B2 | C0 C1 C2 C3) BB");
  ASSERT_EQ(m.elements.size(), 3u);
  EXPECT_EQ(m.elements[1].options.size(), 3u);
  EXPECT_EQ(m.MinLength(), 4u);
  EXPECT_EQ(m.MaxLength(), 6u);
  Pattern c = P("('start' | 'end' | 01 FF 32 'EOF' [30:39])");
  ASSERT_EQ(c.elements[0].options.size(), 3u);
  EXPECT_EQ(c.elements[0].options[2].MinLength(), 7u);
  // A single option is just its bytes.
  Pattern one = P("01 (02 03) 04");
  ASSERT_EQ(one.elements.size(), 1u);
  EXPECT_EQ(one.elements[0].literal, "\x01\x02\x03\x04");
}

TEST(PatternSyntax, Gaps) {
  Pattern f = P("01 02 03 {128} FF FE");
  ASSERT_EQ(f.elements.size(), 3u);
  EXPECT_EQ(f.elements[1].kind, Kind::kGap);
  EXPECT_EQ(f.elements[1].gap_min, 128u);
  EXPECT_EQ(f.elements[1].gap_max, 128u);
  Pattern v = P("01 {128-256} FE");
  EXPECT_EQ(v.elements[1].gap_min, 128u);
  EXPECT_EQ(v.elements[1].gap_max, 256u);
  EXPECT_EQ(v.MaxLength(), 258u);
  Pattern m = P("01 {128-*} FE");
  EXPECT_EQ(m.elements[1].gap_min, 128u);
  EXPECT_EQ(m.elements[1].gap_max, kUnbounded);
  EXPECT_EQ(m.MaxLength(), kUnbounded);
  Pattern s = P("30 31 * 43");
  EXPECT_EQ(s.elements[1].gap_min, 0u);
  EXPECT_EQ(s.elements[1].gap_max, kUnbounded);
  // Adjacent gaps merge; {1} is a gap, ?? a byte.
  Pattern g = P("01 {2} {3-4} 02");
  ASSERT_EQ(g.elements.size(), 3u);
  EXPECT_EQ(g.elements[1].gap_min, 5u);
  EXPECT_EQ(g.elements[1].gap_max, 6u);
  // {n-*} is a fixed gap followed by an unlimited one: split into two subsequences.
  auto subs = SplitAtUnboundedGaps(P("01 02 03 {128-*} FF FE"), 0, 0);
  ASSERT_OK(subs);
  ASSERT_EQ(subs->size(), 2u);
  EXPECT_EQ((*subs)[1].min_offset(), 128u);
}

TEST(PatternSyntax, MalformedPatternsNameConstructAndOffset) {
  EXPECT_THAT(Error(""), HasSubstr("empty pattern"));
  EXPECT_THAT(Error("   "), HasSubstr("empty pattern"));
  EXPECT_THAT(Error("4"), HasSubstr("byte at offset 0: expected two hex digits"));
  EXPECT_THAT(Error("00 4G"), HasSubstr("byte at offset 3: expected two hex digits"));
  EXPECT_THAT(Error("00 Z1"), HasSubstr("pattern at offset 3: unexpected 'Z'"));
  EXPECT_THAT(Error("[30:39"), HasSubstr("set at offset 0: missing ']'"));
  EXPECT_THAT(Error("00 [39:30]"), HasSubstr("range at offset 4: low bound 39 above high bound 30"));
  EXPECT_THAT(Error("[30:]"), HasSubstr("set at offset 4: expected two hex digits"));
  EXPECT_THAT(Error("[]"), HasSubstr("set at offset 0: empty set"));
  EXPECT_THAT(Error("[!00:FF]"), HasSubstr("set at offset 0: matches no byte"));
  EXPECT_THAT(Error("[&]"), HasSubstr("bitmask at offset 2: expected two hex digits"));
  EXPECT_THAT(Error("['ab'-'c']"), HasSubstr("range at offset 1: bounds must be single bytes"));
  EXPECT_THAT(Error("[30 ?? 31]"), HasSubstr("set at offset 4: unexpected '?'"));
  EXPECT_THAT(Error("(00|01"), HasSubstr("alternatives at offset 0: missing ')'"));
  EXPECT_THAT(Error("(00|)"), HasSubstr("alternatives at offset 4: empty alternative"));
  EXPECT_THAT(Error("(00|(01|02))"), HasSubstr("alternatives at offset 4: nested alternatives"));
  EXPECT_THAT(Error("(00|{2} 01)"), HasSubstr("gap at offset 4: gap inside alternatives"));
  EXPECT_THAT(Error("(00|*)"), HasSubstr("gap at offset 4: '*' inside alternatives"));
  EXPECT_THAT(Error("00 | 01"), HasSubstr("pattern at offset 3: '|' outside alternatives"));
  EXPECT_THAT(Error("00)"), HasSubstr("pattern at offset 2: ')' outside alternatives"));
  EXPECT_THAT(Error("{5-2}"), HasSubstr("gap at offset 0: maximum 2 below minimum 5"));
  EXPECT_THAT(Error("01 {x}"), HasSubstr("gap at offset 4: expected a decimal number"));
  EXPECT_THAT(Error("{5"), HasSubstr("gap at offset 0: missing '}'"));
  EXPECT_THAT(Error("{99999999999}"), HasSubstr("gap at offset 1: number above"));
  EXPECT_THAT(Error("'abc"), HasSubstr("string at offset 0: missing closing quote"));
  EXPECT_THAT(Error("00 ''"), HasSubstr("string at offset 3: empty string"));
  EXPECT_THAT(Error("'\xe2\x82\xac'"), HasSubstr("string at offset 1: character outside ISO-8859-1"));
  EXPECT_THAT(Error("01 ?"), HasSubstr("wildcard at offset 3"));
}

TEST(PatternSyntax, HostileInputsAreBounded) {
  // Deep or long inputs parse without recursion or blow-up (no nesting is possible).
  EXPECT_FALSE(ParsePattern(std::string(100000, '(')).ok());
  EXPECT_FALSE(ParsePattern(std::string(100000, '[')).ok());
  EXPECT_FALSE(ParsePattern(std::string(2u << 20, 'A')).ok());  // above 1 MiB
  std::string many = "(";
  for (int i = 0; i < 5000; ++i) many += "00|";
  many += "00)";
  EXPECT_THAT(Error(many), HasSubstr("more than 4096 alternatives"));
  // Every prefix of a complex valid pattern either parses or fails cleanly.
  const std::string complex = "4D [30:39] ('ab'|01 02) {2-8} [!&01] ?? * 'x' [00 'A'-'Z' &80]";
  for (size_t i = 0; i <= complex.size(); ++i) {
    auto r = ParsePattern(complex.substr(0, i));
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("pattern: "));
    }
  }
  ASSERT_OK(ParsePattern(complex));
}

TEST(SubSequence, RejectsUnboundedGapAndEmpty) {
  EXPECT_FALSE(SubSequence::Create(P("01 * 02"), 0, 0).ok());
  EXPECT_FALSE(SubSequence::Create(Pattern(), 0, 0).ok());
  auto s = SubSequence::Create(P("01 02"), 4, 2);  // max below min is raised
  ASSERT_OK(s);
  EXPECT_EQ(s->max_offset(), 4u);
  EXPECT_EQ(s->fixed_bytes(), 2u);
}

}  // namespace
}  // namespace vault::pronom
