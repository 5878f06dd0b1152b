#include "vault/clib/crypto.h"

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault {
namespace {

TEST(CryptoTest, KnownVectors) {
  auto h = MultiHasher::Create({DigestAlgorithm::kMd5, DigestAlgorithm::kSha1,
                                DigestAlgorithm::kSha256, DigestAlgorithm::kSha512});
  ASSERT_OK(h);
  h->Update("abc");
  auto d = h->Finish();
  EXPECT_EQ(d[0], "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(d[1], "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(d[2], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(d[3].substr(0, 16), "ddaf35a193617aba");
  EXPECT_EQ(Sha256Hex("abc"), d[2]);
}

TEST(CryptoTest, HashFileMatchesOneShot) {
  testing::TempDir dir;
  std::string data(3 << 20, 'q');
  testing::WriteFile(dir / "f", data);
  auto r = HashFile(dir / "f", {DigestAlgorithm::kSha256}, /*drop_cache=*/true);
  ASSERT_OK(r);
  EXPECT_EQ(r->size, data.size());
  EXPECT_EQ(r->hex[0], Sha256Hex(data));
}

TEST(CryptoTest, ParseNames) {
  EXPECT_EQ(ParseDigestName("SHA-256"), DigestAlgorithm::kSha256);
  EXPECT_EQ(ParseDigestName("sha512"), DigestAlgorithm::kSha512);
  EXPECT_FALSE(ParseDigestName("crc32").has_value());
}

}  // namespace
}  // namespace vault
