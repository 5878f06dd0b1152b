// OCFL validator on objects and storage roots built by hand with the inventory functions, then
// broken in specific ways: each break must produce the spec's code for it.
#include "formats/ocfl/validator.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/ocfl/inventory.h"
#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"

namespace vault::ocfl {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using ::vault::testing::ReadFile;
using ::vault::testing::WriteFile;

std::string Digest(const std::string& alg, const std::string& data) {
  Result<MultiHasher> h = MultiHasher::Create({*ParseDigestName(alg)});
  EXPECT_TRUE(h.ok());
  h->Update(data);
  return h->Finish().at(0);
}

std::set<std::string> ErrorCodes(const ValidationReport& r) {
  std::set<std::string> s;
  for (const auto& i : r.errors) s.insert(i.code);
  return s;
}
std::set<std::string> WarningCodes(const ValidationReport& r) {
  std::set<std::string> s;
  for (const auto& i : r.warnings) s.insert(i.code);
  return s;
}
std::string Dump(const ValidationReport& r) { return ReportToJson(r).dump(1); }

// Writes inventory.json + sidecar into `dir`.
void WriteInventory(const stdfs::path& dir, const Inventory& inv) {
  const std::string text = SerializeInventory(inv);
  WriteFile(dir / "inventory.json", text);
  WriteFile(dir / SidecarName(inv.digest_algorithm),
            SidecarContent(Digest(inv.digest_algorithm, text)));
}

// Rewrites the sidecar of dir/inventory.json after the inventory was edited.
void ResealInventory(const stdfs::path& dir, const std::string& alg) {
  WriteFile(dir / SidecarName(alg), SidecarContent(Digest(alg, ReadFile(dir / "inventory.json"))));
}

constexpr char kA[] = "Hồ sơ số 01\n";
constexpr char kB[] = "world\n";
constexpr char kC[] = "third file\n";

// A one-version object with two content files, fixity (md5) and a version inventory.
Inventory BuildObject(const stdfs::path& root, const std::string& id,
                      const std::string& alg = "sha512") {
  WriteFile(root / std::string(kObjectNamaste), std::string(kObjectNamasteContent));
  WriteFile(root / "v1/content/a.txt", kA);
  WriteFile(root / "v1/content/dir/b.txt", kB);
  Inventory inv;
  inv.id = id;
  inv.digest_algorithm = alg;
  inv.head = "v1";
  inv.manifest[Digest(alg, kA)] = {"v1/content/a.txt"};
  inv.manifest[Digest(alg, kB)] = {"v1/content/dir/b.txt"};
  Version v;
  v.created = "2026-11-23T09:40:00+07:00";
  v.message = "first ingest";
  v.user = User{"archivist", "mailto:archivist@example.vn"};
  v.state[Digest(alg, kA)] = {"a.txt"};
  v.state[Digest(alg, kB)] = {"dir/b.txt"};
  inv.versions.emplace(1, v);
  inv.fixity["md5"][Digest("md5", kA)] = {"v1/content/a.txt"};
  inv.fixity["md5"][Digest("md5", kB)] = {"v1/content/dir/b.txt"};
  WriteInventory(root, inv);
  WriteInventory(root / "v1", inv);
  return inv;
}

// Adds v2 (a new file c.txt, a.txt removed) on top of BuildObject's v1.
Inventory AddVersion2(const stdfs::path& root, Inventory inv) {
  const std::string& alg = inv.digest_algorithm;
  WriteFile(root / "v2/content/c.txt", kC);
  inv.head = "v2";
  inv.manifest[Digest(alg, kC)] = {"v2/content/c.txt"};
  Version v;
  v.created = "2026-11-24T08:00:00Z";
  v.message = "second";
  v.user = User{"archivist", "mailto:archivist@example.vn"};
  v.state[Digest(alg, kB)] = {"dir/b.txt"};
  v.state[Digest(alg, kC)] = {"c.txt"};
  inv.versions.emplace(2, v);
  WriteInventory(root, inv);
  WriteInventory(root / "v2", inv);
  return inv;
}

class ObjectTest : public ::testing::Test {
 protected:
  void SetUp() override { inv_ = BuildObject(root_, "urn:example:obj-1"); }
  ValidationReport Validate(const ValidateOptions& o = {}) {
    Result<ValidationReport> r = ValidateObject(root_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ValidationReport{};
  }
  void ExpectInvalidWith(const std::string& code) {
    ValidationReport r = Validate();
    EXPECT_FALSE(r.valid) << Dump(r);
    EXPECT_TRUE(ErrorCodes(r).count(code)) << "want " << code << " in " << Dump(r);
  }

  ::vault::testing::TempDir dir_;
  stdfs::path root_ = dir_.path() / "obj";
  Inventory inv_;
};

TEST_F(ObjectTest, HandBuiltObjectIsValidWithoutWarnings) {
  ValidationReport r = Validate();
  EXPECT_TRUE(r.valid) << Dump(r);
  EXPECT_TRUE(r.errors.empty()) << Dump(r);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
  EXPECT_EQ(r.objects_checked, 1);
}

TEST_F(ObjectTest, TwoVersionObjectIsValid) {
  AddVersion2(root_, inv_);
  ValidationReport r = Validate();
  EXPECT_TRUE(r.valid) << Dump(r);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
}

TEST_F(ObjectTest, Sha256ObjectIsValidWithW004) {
  ::vault::testing::TempDir other;
  BuildObject(other.path(), "urn:example:obj-2", "sha256");
  Result<ValidationReport> r = ValidateObject(other.path());
  ASSERT_OK(r);
  EXPECT_TRUE(r->valid) << Dump(*r);
  EXPECT_EQ(WarningCodes(*r), std::set<std::string>{"W004"});
}

TEST_F(ObjectTest, FlippedContentByteIsManifestAndFixityMismatch) {
  std::string a = ReadFile(root_ / "v1/content/a.txt");
  a[0] = static_cast<char>(a[0] ^ 0x01);
  WriteFile(root_ / "v1/content/a.txt", a);
  ValidationReport r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(ErrorCodes(r).count("E092")) << Dump(r);  // manifest digest
  EXPECT_TRUE(ErrorCodes(r).count("E093")) << Dump(r);  // fixity (md5) digest
  bool path_named = false;
  for (const auto& e : r.errors) path_named = path_named || e.path == "v1/content/a.txt";
  EXPECT_TRUE(path_named) << Dump(r);
  // Without digest checks the same object passes.
  ValidateOptions no_digests;
  no_digests.check_digests = false;
  EXPECT_TRUE(Validate(no_digests).valid);
}

TEST_F(ObjectTest, MissingSidecarIsE058) {
  stdfs::remove(root_ / "inventory.json.sha512");
  ExpectInvalidWith("E058");
}

TEST_F(ObjectTest, MalformedSidecarIsE061) {
  WriteFile(root_ / "inventory.json.sha512", "not a digest line\n");
  ExpectInvalidWith("E061");
}

TEST_F(ObjectTest, EditedInventoryIsE060AndE064) {
  std::string text = ReadFile(root_ / "inventory.json");
  text.insert(text.size() - 1, " ");
  WriteFile(root_ / "inventory.json", text);
  ValidationReport r = Validate();
  EXPECT_TRUE(ErrorCodes(r).count("E060")) << Dump(r);
  EXPECT_TRUE(ErrorCodes(r).count("E064")) << Dump(r);
}

TEST_F(ObjectTest, StrayContentFileIsE023) {
  WriteFile(root_ / "v1/content/stray.bin", "x");
  ExpectInvalidWith("E023");
}

TEST_F(ObjectTest, StrayRootFileIsE001) {
  WriteFile(root_ / "notes.txt", "x");
  ExpectInvalidWith("E001");
}

TEST_F(ObjectTest, MissingContentFileIsE092) {
  stdfs::remove(root_ / "v1/content/dir/b.txt");
  ExpectInvalidWith("E092");
}

TEST_F(ObjectTest, EmptyContentDirectoryIsE024) {
  stdfs::create_directories(root_ / "v1/content/empty");
  ExpectInvalidWith("E024");
}

TEST_F(ObjectTest, DeclarationProblems) {
  WriteFile(root_ / "0=ocfl_object_1.1", "ocfl_object_1.0\n");
  ExpectInvalidWith("E007");
  stdfs::remove(root_ / "0=ocfl_object_1.1");
  ExpectInvalidWith("E003");
}

TEST_F(ObjectTest, MissingInventoryIsE063) {
  stdfs::remove(root_ / "inventory.json");
  ExpectInvalidWith("E063");
}

TEST_F(ObjectTest, MissingVersionInventoryIsW010Only) {
  stdfs::remove(root_ / "v1/inventory.json");
  stdfs::remove(root_ / "v1/inventory.json.sha512");
  ValidationReport r = Validate();
  EXPECT_TRUE(r.valid) << Dump(r);
  EXPECT_EQ(WarningCodes(r), std::set<std::string>{"W010"});
}

TEST_F(ObjectTest, PriorVersionStateChangedIsE066) {
  AddVersion2(root_, inv_);
  json v1 = json::parse(ReadFile(root_ / "v1/inventory.json"));
  json& state = v1["versions"]["v1"]["state"];
  state[Digest("sha512", kA)] = {"renamed.txt"};
  WriteFile(root_ / "v1/inventory.json", v1.dump(2));
  ResealInventory(root_ / "v1", "sha512");
  ExpectInvalidWith("E066");
}

TEST_F(ObjectTest, InventoryFieldErrors) {
  auto edit = [&](const std::function<void(json&)>& f) {
    json j = json::parse(SerializeInventory(inv_));
    f(j);
    WriteFile(root_ / "inventory.json", j.dump(2));
    ResealInventory(root_, "sha512");
    stdfs::remove(root_ / "v1/inventory.json");
    stdfs::remove(root_ / "v1/inventory.json.sha512");
    return Validate();
  };
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j.erase("id"); })).count("E036"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["head"] = 5; })).count("E040"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["head"] = "v2"; })).count("E040"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["digestAlgorithm"] = "md5"; })).count("E025"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["type"] = "https://ocfl.io/9.9/spec/#inventory"; }))
                  .count("E038"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j.erase("manifest"); })).count("E041"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["manifest"] = json::array(); })).count("E106"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["versions"] = json::array(); })).count("E044"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["versions"] = json::object(); })).count("E008"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["extra"] = true; })).count("E102"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["contentDirectory"] = "a/b"; })).count("E017"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["contentDirectory"] = ".."; })).count("E018"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) { j["fixity"] = "x"; })).count("E111"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) {
                j["versions"]["v1"]["created"] = "2026-11-23 09:40";
              })).count("E049"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) {
                j["versions"]["v1"]["state"][Digest("sha512", kA)] = {"/a.txt"};
              })).count("E053"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) {
                j["versions"]["v1"]["state"][Digest("sha512", kA)] = {"x/../a.txt"};
              })).count("E052"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) {
                j["versions"]["v1"]["state"][Digest("sha512", kA)] = {"dir"};
              })).count("E095"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) {
                j["versions"]["v1"]["state"]["00ff"] = {"ghost.txt"};
              })).count("E050"));
  EXPECT_TRUE(ErrorCodes(edit([](json& j) {
                j["versions"]["v99999999999999999999"] = j["versions"]["v1"];
              })).count("E104"));
  ValidationReport w = edit([](json& j) { j["versions"]["v1"].erase("user"); });
  EXPECT_TRUE(w.valid) << Dump(w);
  EXPECT_TRUE(WarningCodes(w).count("W007"));
}

// Hostile input: none of these may crash, hang or read outside the object.
TEST_F(ObjectTest, MalformedJsonIsE033) {
  WriteFile(root_ / "inventory.json", "{\"id\": ");
  ExpectInvalidWith("E033");
  WriteFile(root_ / "inventory.json", "[1, 2, 3]");
  ExpectInvalidWith("E033");
  WriteFile(root_ / "inventory.json", std::string(200000, '[') + std::string(200000, ']'));
  ExpectInvalidWith("E033");
  WriteFile(root_ / "inventory.json", std::string("\xff\xfe{}", 4));
  ExpectInvalidWith("E033");
}

TEST_F(ObjectTest, HugeValuesAreJudgedWithoutCrashing) {
  json j = json::parse(SerializeInventory(inv_));
  j["id"] = std::string(1 << 20, 'x');                                          // not a URI
  j["versions"]["v1"]["user"]["address"] = "mailto:" + std::string(1 << 20, ' ');  // not a URI
  j["versions"]["v1"]["created"] = std::string(1 << 20, '9');
  WriteFile(root_ / "inventory.json", j.dump());
  WriteFile(root_ / "inventory.json.sha512", std::string(1 << 20, 'a') + "  inventory.json\n");
  ValidationReport r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(ErrorCodes(r).count("E049")) << Dump(r);
  EXPECT_TRUE(ErrorCodes(r).count("E060")) << Dump(r);
  EXPECT_TRUE(WarningCodes(r).count("W005")) << Dump(r);
  EXPECT_TRUE(WarningCodes(r).count("W009")) << Dump(r);
}

TEST_F(ObjectTest, SymlinksAreReportedNotFollowed) {
  stdfs::create_symlink("/etc/passwd", root_ / "v1/content/passwd");
  ExpectInvalidWith("E090");
  stdfs::remove(root_ / "v1/content/passwd");
  // An inventory that is a link to a file outside the object is not read.
  stdfs::rename(root_ / "inventory.json", dir_.path() / "outside.json");
  stdfs::create_symlink(dir_.path() / "outside.json", root_ / "inventory.json");
  ValidationReport r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(ErrorCodes(r).count("E090")) << Dump(r);
  stdfs::remove(root_ / "inventory.json");
  stdfs::rename(dir_.path() / "outside.json", root_ / "inventory.json");
  // A version directory that is a link is not descended into.
  stdfs::rename(root_ / "v1", dir_.path() / "v1-outside");
  stdfs::create_directory_symlink(dir_.path() / "v1-outside", root_ / "v1");
  r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(ErrorCodes(r).count("E090")) << Dump(r);
}

TEST_F(ObjectTest, FifosAreNotOpened) {
  ASSERT_EQ(mkfifo((root_ / "v1/content/pipe").c_str(), 0600), 0);
  ExpectInvalidWith("E090");
  stdfs::remove(root_ / "inventory.json");
  ASSERT_EQ(mkfifo((root_ / "inventory.json").c_str(), 0600), 0);
  ExpectInvalidWith("E033");
}

TEST(ValidateTest, UnreadablePathIsAStatusNotAReport) {
  ::vault::testing::TempDir dir;
  Result<ValidationReport> r = ValidatePath(dir.path() / "does-not-exist");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  WriteFile(dir.path() / "file", "x");
  EXPECT_FALSE(ValidatePath(dir.path() / "file").ok());
}

TEST(ValidateTest, ReportToJsonShape) {
  ValidationReport r;
  r.valid = false;
  r.errors.push_back({"E001", "msg", "extra"});
  r.warnings.push_back({"W004", "w", ""});
  r.objects_checked = 3;
  json j = ReportToJson(r);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["errors"][0]["code"], "E001");
  EXPECT_EQ(j["errors"][0]["message"], "msg");
  EXPECT_EQ(j["errors"][0]["path"], "extra");
  EXPECT_EQ(j["warnings"][0]["code"], "W004");
  EXPECT_EQ(j["objects_checked"], 3);
}

TEST(ValidateTest, MessagesComeFromTheSpecTable) {
  EXPECT_EQ(CodeDescription("E058"),
            "Every occurrence of an inventory file must have an accompanying sidecar file "
            "stating its digest.");
  EXPECT_EQ(CodeDescription("W004"), "For content-addressing, OCFL Objects SHOULD use sha512.");
  EXPECT_EQ(CodeDescription("E999"), "");
}

// --- storage roots ---------------------------------------------------------------------------

class StorageRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(root_ / std::string(kRootNamaste), std::string(kRootNamasteContent));
    WriteFile(root_ / "ocfl_layout.json", LayoutJson());
    WriteFile(root_ / "extensions" / std::string(kHashedNTupleExtension) / "config.json",
              LayoutExtensionConfigJson());
    BuildObject(root_ / HashedNTuplePath("urn:example:a"), "urn:example:a");
    BuildObject(root_ / HashedNTuplePath("urn:example:b"), "urn:example:b");
  }
  ValidationReport Validate() {
    Result<ValidationReport> r = ValidatePath(root_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ValidationReport{};
  }
  ::vault::testing::TempDir dir_;
  stdfs::path root_ = dir_.path() / "root";
};

TEST_F(StorageRootTest, LaidOutRootIsValid) {
  ValidationReport r = Validate();
  EXPECT_TRUE(r.valid) << Dump(r);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
  EXPECT_EQ(r.objects_checked, 2);
}

TEST_F(StorageRootTest, FilesAndEmptyDirsOutsideObjects) {
  const std::string a = HashedNTuplePath("urn:example:a");
  WriteFile(root_ / a.substr(0, 3) / "stray.txt", "x");
  stdfs::create_directories(root_ / "abc/def");
  ValidationReport r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(ErrorCodes(r).count("E072")) << Dump(r);
  EXPECT_TRUE(ErrorCodes(r).count("E073")) << Dump(r);
}

TEST_F(StorageRootTest, ObjectErrorsArePrefixedWithTheObjectPath) {
  const std::string a = HashedNTuplePath("urn:example:a");
  stdfs::remove(root_ / a / "inventory.json.sha512");
  ValidationReport r = Validate();
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(ErrorCodes(r).count("E058")) << Dump(r);
  for (const auto& e : r.errors) {
    if (e.code == "E058") {
      EXPECT_EQ(e.path, a + "/inventory.json.sha512");
    }
  }
}

TEST_F(StorageRootTest, MisplacedObjectIsE083AndDuplicateIdE037) {
  BuildObject(root_ / "000/000/000/somewhere", "urn:example:c");
  BuildObject(root_ / "111/111/111/copy", "urn:example:a");
  ValidationReport r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(ErrorCodes(r).count("E083")) << Dump(r);
  EXPECT_TRUE(ErrorCodes(r).count("E037")) << Dump(r);
  EXPECT_EQ(r.objects_checked, 4);
}

TEST_F(StorageRootTest, RootDeclarationLayoutAndExtensions) {
  WriteFile(root_ / "0=ocfl_1.1", "ocfl_1.0\n");
  WriteFile(root_ / "ocfl_layout.json", R"({"extension": "0004-hashed-n-tuple-storage-layout"})");
  WriteFile(root_ / "extensions/readme.txt", "x");
  stdfs::create_directories(root_ / "extensions/local-thing");
  WriteFile(root_ / "extensions/local-thing/config.json", "{}");
  ValidationReport r = Validate();
  EXPECT_TRUE(ErrorCodes(r).count("E080")) << Dump(r);
  EXPECT_TRUE(ErrorCodes(r).count("E070")) << Dump(r);
  EXPECT_TRUE(ErrorCodes(r).count("E112")) << Dump(r);
  EXPECT_TRUE(WarningCodes(r).count("W016")) << Dump(r);
  // Without its declaration the directory is validated as an object and is not one.
  stdfs::remove(root_ / "0=ocfl_1.1");
  Result<ValidationReport> s = ValidateStorageRoot(root_);
  ASSERT_OK(s);
  EXPECT_TRUE(ErrorCodes(*s).count("E069")) << Dump(*s);
}

TEST_F(StorageRootTest, LinksInTheHierarchyAreE090) {
  stdfs::create_directory_symlink("/etc", root_ / "etc");
  ValidationReport r = Validate();
  EXPECT_TRUE(ErrorCodes(r).count("E090")) << Dump(r);
  EXPECT_EQ(r.objects_checked, 2);
}

}  // namespace
}  // namespace vault::ocfl
