// Inventory model <-> JSON, sidecar helpers and the 0004 hashed n-tuple storage layout.
#include "formats/ocfl/inventory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/test_util.h"

namespace vault::ocfl {
namespace {

using nlohmann::json;

Inventory SampleInventory() {
  Inventory inv;
  inv.id = "urn:uuid:5f1d2c3a-0000-4000-8000-000000000001";
  inv.head = "v2";
  inv.content_directory = "data";
  inv.manifest["aa11"] = {"v1/data/a.txt"};
  inv.manifest["bb22"] = {"v2/data/b.txt", "v2/data/c.txt"};
  Version v1;
  v1.created = "2026-11-23T09:40:00+07:00";
  v1.message = "Nộp lưu lần đầu";
  v1.user = User{"Nguyễn Văn A", "mailto:a@example.vn"};
  v1.state["aa11"] = {"a.txt"};
  Version v2;
  v2.created = "2026-11-24T10:00:00.5Z";
  v2.user = User{"operator", ""};
  v2.state["aa11"] = {"a.txt"};
  v2.state["bb22"] = {"dir/b.txt", "c.txt"};
  inv.versions.emplace(1, v1);
  inv.versions.emplace(2, v2);
  inv.fixity["md5"]["cc33"] = {"v1/data/a.txt"};
  return inv;
}

TEST(InventoryTest, SerializeParseRoundTrip) {
  const Inventory inv = SampleInventory();
  const std::string text = SerializeInventory(inv);
  Result<Inventory> back = ParseInventory(text);
  ASSERT_OK(back);
  EXPECT_EQ(back->id, inv.id);
  EXPECT_EQ(back->type, kInventoryType);
  EXPECT_EQ(back->digest_algorithm, "sha256");
  EXPECT_EQ(back->head, "v2");
  EXPECT_EQ(back->content_directory, "data");
  EXPECT_EQ(back->manifest, inv.manifest);
  EXPECT_EQ(back->fixity, inv.fixity);
  ASSERT_EQ(back->versions.size(), 2u);
  const Version& v1 = back->versions.at(1);
  EXPECT_EQ(v1.created, "2026-11-23T09:40:00+07:00");
  EXPECT_EQ(v1.message, "Nộp lưu lần đầu");
  ASSERT_TRUE(v1.user.has_value());
  EXPECT_EQ(v1.user->name, "Nguyễn Văn A");
  EXPECT_EQ(v1.user->address, "mailto:a@example.vn");
  const Version& v2 = back->versions.at(2);
  EXPECT_EQ(v2.message, "");
  ASSERT_TRUE(v2.user.has_value());
  EXPECT_EQ(v2.user->address, "");
  EXPECT_EQ(v2.state, inv.versions.at(2).state);
  // Deterministic: serialising the parsed value gives the same bytes.
  EXPECT_EQ(SerializeInventory(*back), text);
}

TEST(InventoryTest, SerializedFormIsSortedIndentedAndOmitsAbsentFields) {
  Inventory inv = SampleInventory();
  inv.content_directory.clear();
  inv.fixity.clear();
  inv.versions.at(2).user.reset();
  const std::string text = SerializeInventory(inv);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.substr(0, 22), "{\n  \"digestAlgorithm\":");  // sorted keys, 2-space indent
  json j = json::parse(text);
  EXPECT_FALSE(j.contains("contentDirectory"));
  EXPECT_FALSE(j.contains("fixity"));
  EXPECT_TRUE(j["versions"].contains("v1"));
  EXPECT_TRUE(j["versions"].contains("v2"));
  EXPECT_FALSE(j["versions"]["v2"].contains("user"));
  EXPECT_FALSE(j["versions"]["v2"].contains("message"));
  EXPECT_FALSE(j["versions"]["v1"]["user"].is_null());
  EXPECT_EQ(j["type"], "https://ocfl.io/1.1/spec/#inventory");
}

TEST(InventoryTest, ParseRejectsMalformedAndMistypedInput) {
  EXPECT_EQ(ParseInventory("{").status().code(), Code::kCorruption);
  EXPECT_EQ(ParseInventory("[]").status().code(), Code::kCorruption);
  EXPECT_EQ(ParseInventory("").status().code(), Code::kCorruption);
  std::string text = SerializeInventory(SampleInventory());
  json j = json::parse(text);
  j["head"] = 5;
  EXPECT_EQ(ParseInventory(j.dump()).status().code(), Code::kCorruption);
  j = json::parse(text);
  j["versions"]["v1"]["state"] = "not an object";
  EXPECT_EQ(ParseInventory(j.dump()).status().code(), Code::kCorruption);
  j = json::parse(text);
  j["versions"]["version-1"] = j["versions"]["v1"];
  EXPECT_EQ(ParseInventory(j.dump()).status().code(), Code::kCorruption);
  j = json::parse(text);
  j["versions"]["v99999999999999999999"] = j["versions"]["v1"];
  EXPECT_EQ(ParseInventory(j.dump()).status().code(), Code::kCorruption);
  j = json::parse(text);
  j["manifest"]["aa11"] = {1, 2};
  EXPECT_EQ(ParseInventory(j.dump()).status().code(), Code::kCorruption);
  j = json::parse(text);
  j.erase("manifest");
  EXPECT_EQ(ParseInventory(j.dump()).status().code(), Code::kCorruption);
}

TEST(InventoryTest, SidecarNameAndContent) {
  EXPECT_EQ(SidecarName("sha512"), "inventory.json.sha512");
  EXPECT_EQ(SidecarName("sha256"), "inventory.json.sha256");
  EXPECT_EQ(SidecarContent("abc123"), "abc123  inventory.json\n");
}

// The worked examples of https://ocfl.github.io/extensions/0004-hashed-n-tuple-storage-layout.html
TEST(LayoutTest, HashedNTuplePathMatchesExtensionExample1) {
  EXPECT_EQ(HashedNTuplePath("object-01"),
            "3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4");
  EXPECT_EQ(HashedNTuplePath("..hor/rib:le-$id"),
            "487/326/d8c/487326d8c2a3c0b885e23da1469b4d6671fd4e76978924b4443e9e3c316cda6d");
  Result<std::string> p = HashedNTuplePath("object-01", HashedNTupleConfig{});
  ASSERT_OK(p);
  EXPECT_EQ(*p, HashedNTuplePath("object-01"));
}

TEST(LayoutTest, HashedNTuplePathMatchesExtensionExamples2And3) {
  HashedNTupleConfig md5{"md5", 2, 15, true};
  Result<std::string> a = HashedNTuplePath("object-01", md5);
  ASSERT_OK(a);
  EXPECT_EQ(*a, "ff/75/53/44/92/48/5e/ab/b3/9f/86/35/67/28/88/4e");
  Result<std::string> b = HashedNTuplePath("..hor/rib:le-$id", md5);
  ASSERT_OK(b);
  EXPECT_EQ(*b, "08/31/97/66/fb/6c/29/35/dd/17/5b/94/26/77/17/e0");
  HashedNTupleConfig flat{"sha256", 0, 0, false};
  Result<std::string> c = HashedNTuplePath("object-01", flat);
  ASSERT_OK(c);
  EXPECT_EQ(*c, "3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4");
}

TEST(LayoutTest, LayoutJsonAndConfigFollowTheExtension) {
  json layout = json::parse(LayoutJson());
  EXPECT_EQ(layout["extension"], "0004-hashed-n-tuple-storage-layout");
  EXPECT_TRUE(layout["description"].is_string());
  EXPECT_EQ(layout.size(), 2u);
  json cfg = json::parse(LayoutExtensionConfigJson());
  EXPECT_EQ(cfg, json({{"extensionName", "0004-hashed-n-tuple-storage-layout"},
                       {"digestAlgorithm", "sha256"},
                       {"tupleSize", 3},
                       {"numberOfTuples", 3},
                       {"shortObjectRoot", false}}));
  Result<HashedNTupleConfig> parsed = ParseHashedNTupleConfig(LayoutExtensionConfigJson());
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->digest_algorithm, "sha256");
  EXPECT_EQ(parsed->tuple_size, 3);
  EXPECT_EQ(parsed->number_of_tuples, 3);
  EXPECT_FALSE(parsed->short_object_root);
}

TEST(LayoutTest, ParseConfigRejectsValuesTheExtensionForbids) {
  EXPECT_FALSE(ParseHashedNTupleConfig("not json").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"tupleSize": 33})").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"tupleSize": -1})").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"tupleSize": "3"})").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"tupleSize": 0, "numberOfTuples": 3})").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"digestAlgorithm": "crc99"})").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"tupleSize": 32, "numberOfTuples": 3})").ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(
                   R"({"digestAlgorithm": "md5", "tupleSize": 2, "numberOfTuples": 16,
                       "shortObjectRoot": true})")
                   .ok());
  EXPECT_FALSE(ParseHashedNTupleConfig(R"({"extensionName": "0002-flat-direct-storage-layout"})").ok());
  EXPECT_TRUE(ParseHashedNTupleConfig("{}").ok());
}

}  // namespace
}  // namespace vault::ocfl
