#include "vault/base/unicode.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

TEST(UnicodeTest, VietnameseNfcNfdRoundTrip) {
  const std::string nfc = "H\xe1\xbb\x93 s\xc6\xa1";  // "Hồ sơ", precomposed
  auto nfd = ToNfd(nfc);
  ASSERT_TRUE(nfd);
  EXPECT_NE(*nfd, nfc);
  EXPECT_GT(nfd->size(), nfc.size());
  EXPECT_EQ(*ToNfc(*nfd), nfc);
  EXPECT_TRUE(IsNfc(nfc));
  EXPECT_FALSE(IsNfc(*nfd));
}

TEST(UnicodeTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("abc\xff"));
  EXPECT_TRUE(IsValidUtf8("Vi\xe1\xbb\x87t Nam"));
  EXPECT_FALSE(ToNfc("\xff").has_value());
}

}  // namespace
}  // namespace vault

namespace vault {
namespace {
TEST(UnicodeTest, EscapeInvalidUtf8KeepsEveryByteReadable) {
  EXPECT_EQ(EscapeInvalidUtf8("Hồ sơ"), "Hồ sơ");
  EXPECT_EQ(EscapeInvalidUtf8("bad\xff.txt"), "bad\\xFF.txt");
  EXPECT_EQ(EscapeInvalidUtf8("\xc0\xaf"), "\\xC0\\xAF");
  EXPECT_TRUE(IsValidUtf8(EscapeInvalidUtf8("x\xed\xa0\x80y")));
}
}  // namespace
}  // namespace vault
