#include "vault/daemon/config.h"

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::daemon {
namespace {

TEST(ConfigTest, DefaultTextParses) {
  auto c = ParseConfig(DefaultConfigText(), "/srv/vault");
  ASSERT_OK(c);
  EXPECT_EQ(c->listen, "127.0.0.1:8470");
  ASSERT_EQ(c->tiers.size(), 2u);
  EXPECT_EQ(c->tiers[0].name, "hot");
  EXPECT_EQ(c->tiers[0].path, "/srv/vault/tiers/hot");
  EXPECT_NE(c->tiers[0].medium, c->tiers[1].medium) << "default tiers are on distinct media labels";
  EXPECT_EQ(c->ingest.workers, 2);
  EXPECT_DOUBLE_EQ(c->ingest.max_compression_ratio, 100.0);
}

TEST(ConfigTest, UnknownKeyIsRefusedWithItsLine) {
  auto c = ParseConfig("[ingest]\nworkers = 2\nsettle_secs = 3\n[[tiers]]\nname=\"a\"\npath=\"/a\"\n", "/h");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ingest.settle_secs"), std::string::npos) << c.status().ToString();
  EXPECT_NE(c.status().message().find("line 3"), std::string::npos) << c.status().ToString();
}

TEST(ConfigTest, RulesAreChecked) {
  EXPECT_FALSE(ParseConfig("[ingest]\nworkers = 0\n[[tiers]]\nname=\"a\"\npath=\"/a\"\n", "/h").ok());
  EXPECT_FALSE(ParseConfig("[api]\nlisten = \"x\"\n", "/h").ok()) << "no tiers";
  EXPECT_FALSE(ParseConfig("[[tiers]]\nname=\"A B\"\npath=\"/a\"\n", "/h").ok());
  EXPECT_FALSE(ParseConfig("[[tiers]]\nname=\"a\"\npath=\"/a\"\n[[tiers]]\nname=\"a\"\npath=\"/b\"\n", "/h").ok());
  EXPECT_FALSE(ParseConfig("[[tiers]]\nname=\"a\"\nkind=\"s3\"\npath=\"/a\"\n", "/h").ok());
  auto syntax = ParseConfig("[api\n", "/h");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace vault::daemon
