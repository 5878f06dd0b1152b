#include "vault/store/ocfl_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/inventory.h"
#include "formats/ocfl/validator.h"
#include "tests/store/store_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"
#include "vault/tiers/mem_tier.h"
#include "vault/tiers/tier.h"

namespace vault::store {
namespace {

namespace fs = std::filesystem;
using ::vault::testing::ReadFile;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;
using fixtures::Kinds;
using fixtures::MakeWritable;
using fixtures::Nfc;

std::string IssuesToString(const ocfl::ValidationReport& r) {
  std::string out;
  for (const auto& e : r.errors) out += "  E " + e.code + " " + e.path + ": " + e.message + "\n";
  for (const auto& w : r.warnings) out += "  W " + w.code + " " + w.path + ": " + w.message + "\n";
  return out;
}

class OcflStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_ / "tier";
    auto t = tiers::OpenLocalTier("primary", root_);
    ASSERT_OK(t);
    tier_ = *std::move(t);
    auto s = OcflStore::Open(*tier_);
    ASSERT_OK(s);
    store_ = *std::move(s);
    fs::create_directories(dir_ / "staging");
  }

  NewFile Stage(const std::string& logical_path, const std::string& content) {
    fs::path p = dir_ / "staging" / std::to_string(staged_++);
    WriteFile(p, content);
    return NewFile{logical_path, p, content.size(), Sha256Hex(content)};
  }

  CreateRequest Request(const std::string& id, std::vector<NewFile> files) {
    CreateRequest req;
    req.id = id;
    req.files = std::move(files);
    req.created = "2026-11-23T09:40:00+07:00";
    req.message = "Nộp lưu hồ sơ";
    req.user_name = "Nguyễn Văn A";
    req.user_address = "mailto:nva@example.gov.vn";
    return req;
  }

  // A typical AIP with Vietnamese NFC names in nested directories.
  CreateRequest VietnameseRequest(const std::string& id) {
    return Request(id, {
                           Stage("METS.xml", "<mets/>"),
                           Stage(Nfc("representations/rep1/data/Tài liệu/Quyết định số 12.txt"),
                                 "Quyết định về việc nộp lưu"),
                           Stage(Nfc("representations/rep1/data/Hồ sơ/2024/Biên bản họp.txt"),
                                 std::string(100000, 'b')),
                           Stage("metadata/preservation/premis.xml", "<premis/>"),
                           Stage("empty.txt", ""),
                       });
  }

  fs::path ObjectDir(const std::string& id) { return root_ / OcflStore::ObjectPath(id); }

  std::vector<std::string> Incomplete() {
    std::vector<std::string> out;
    EXPECT_OK(store_->ListIncomplete([&](const std::string& p) {
      out.push_back(p);
      return true;
    }));
    return out;
  }

  std::vector<std::pair<std::string, std::string>> Objects() {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_OK(store_->ListObjects([&](const std::string& id, const std::string& p) {
      out.emplace_back(id, p);
      return true;
    }));
    return out;
  }

  std::vector<Finding> Verify(const std::string& id, bool digests) {
    auto r = store_->VerifyObject(id, digests);
    EXPECT_OK(r);
    if (!r.ok()) return {};
    for (const Finding& f : *r) {
      EXPECT_EQ(f.object_id, id);
      EXPECT_EQ(f.tier, "primary");
    }
    return *r;
  }

  TempDir dir_;
  fs::path root_;
  std::unique_ptr<tiers::Tier> tier_;
  std::unique_ptr<OcflStore> store_;
  int staged_ = 0;
};

TEST_F(OcflStoreTest, OpenInitialisesAnEmptyTierAsStorageRoot) {
  EXPECT_EQ(ReadFile(root_ / "0=ocfl_1.1"), "ocfl_1.1\n");
  EXPECT_EQ(ReadFile(root_ / "ocfl_layout.json"), ocfl::LayoutJson());
  EXPECT_EQ(ReadFile(root_ / "extensions/0004-hashed-n-tuple-storage-layout/config.json"),
            ocfl::LayoutExtensionConfigJson());
  auto report = ocfl::ValidateStorageRoot(root_);
  ASSERT_OK(report);
  EXPECT_TRUE(report->valid) << IssuesToString(*report);
  // Re-opening an existing root works.
  ASSERT_OK(OcflStore::Open(*tier_));
}

TEST_F(OcflStoreTest, OpenRefusesForeignTiers) {
  auto other = tiers::OpenLocalTier("other", dir_ / "other");
  ASSERT_OK(other);
  ASSERT_OK((*other)->PutBytes("holiday.jpg", "not an archive"));
  EXPECT_EQ(OcflStore::Open(**other).status().code(), Code::kFailedPrecondition);

  // A storage root with another layout.
  auto flat = tiers::OpenLocalTier("flat", dir_ / "flat");
  ASSERT_OK(flat);
  ASSERT_OK((*flat)->PutBytes("0=ocfl_1.1", "ocfl_1.1\n"));
  ASSERT_OK((*flat)->PutBytes("ocfl_layout.json",
                              R"({"extension": "0002-flat-direct-storage-layout"})"));
  EXPECT_EQ(OcflStore::Open(**flat).status().code(), Code::kFailedPrecondition);
}

TEST_F(OcflStoreTest, OpenResumesAnInterruptedInitialisation) {
  auto t = tiers::OpenLocalTier("half", dir_ / "half");
  ASSERT_OK(t);
  ASSERT_OK((*t)->PutBytes("ocfl_layout.json", ocfl::LayoutJson()));  // crashed after this
  ASSERT_OK(OcflStore::Open(**t));
  EXPECT_EQ(ReadFile(dir_ / "half" / "0=ocfl_1.1"), "ocfl_1.1\n");
}

TEST_F(OcflStoreTest, CreateObjectWithVietnameseNamesIsValidOcfl) {
  const std::string id = "urn:uuid:6f1c1a3e-2b7d-4c7e-9a51-0c4d2f6b8e11";
  CreateRequest req = VietnameseRequest(id);
  std::vector<fs::path> staged;
  for (const auto& f : req.files) staged.push_back(f.staged_path);
  auto inv = store_->CreateObject(req);
  ASSERT_OK(inv);

  // Staged files were taken (moved).
  for (const auto& p : staged) EXPECT_FALSE(fs::exists(p)) << p;

  const fs::path obj = ObjectDir(id);
  EXPECT_EQ(OcflStore::ObjectPath(id), ocfl::HashedNTuplePath(id));
  EXPECT_EQ(ReadFile(obj / "0=ocfl_object_1.1"), "ocfl_object_1.1\n");
  EXPECT_EQ(ReadFile(obj / "inventory.json"), ReadFile(obj / "v1/inventory.json"));
  EXPECT_EQ(ReadFile(obj / "inventory.json.sha256"),
            ocfl::SidecarContent(Sha256Hex(ReadFile(obj / "inventory.json"))));
  EXPECT_EQ(ReadFile(obj / Nfc("v1/content/representations/rep1/data/Tài liệu/Quyết định số 12.txt")),
            "Quyết định về việc nộp lưu");

  // The inventory: sha256 manifest, NFC logical paths, fixity sizes.
  EXPECT_EQ(inv->id, id);
  EXPECT_EQ(inv->head, "v1");
  ASSERT_EQ(inv->versions.count(1), 1u);
  const ocfl::Version& v1 = inv->versions.at(1);
  EXPECT_EQ(v1.message, "Nộp lưu hồ sơ");
  ASSERT_TRUE(v1.user.has_value());
  EXPECT_EQ(v1.user->name, "Nguyễn Văn A");
  const std::string quyet_dinh = Sha256Hex("Quyết định về việc nộp lưu");
  ASSERT_EQ(inv->manifest.count(quyet_dinh), 1u);
  EXPECT_EQ(inv->manifest.at(quyet_dinh),
            std::vector<std::string>{
                Nfc("v1/content/representations/rep1/data/Tài liệu/Quyết định số 12.txt")});
  EXPECT_EQ(v1.state.at(quyet_dinh),
            std::vector<std::string>{
                Nfc("representations/rep1/data/Tài liệu/Quyết định số 12.txt")});
  EXPECT_EQ(inv->fixity.at("size").at("100000"),
            std::vector<std::string>{
                Nfc("v1/content/representations/rep1/data/Hồ sơ/2024/Biên bản họp.txt")});

  // Any OCFL tool can read it: the validator finds no error in the object or the root.
  auto object_report = ocfl::ValidateObject(obj);
  ASSERT_OK(object_report);
  EXPECT_TRUE(object_report->valid) << IssuesToString(*object_report);
  EXPECT_TRUE(object_report->errors.empty()) << IssuesToString(*object_report);
  auto root_report = ocfl::ValidateStorageRoot(root_);
  ASSERT_OK(root_report);
  EXPECT_TRUE(root_report->valid) << IssuesToString(*root_report);
  EXPECT_EQ(root_report->objects_checked, 1);
  // Warnings (SHOULDs) are allowed; show them so that a reviewer sees what they are.
  if (!root_report->warnings.empty()) std::cerr << IssuesToString(*root_report);

  // Round trip, existence, listing, content.
  auto read = store_->ReadInventory(id);
  ASSERT_OK(read);
  EXPECT_EQ(ocfl::SerializeInventory(*read), ocfl::SerializeInventory(*inv));
  EXPECT_EQ(*store_->Exists(id), true);
  EXPECT_EQ(*store_->Exists("urn:uuid:other"), false);
  EXPECT_EQ(store_->ReadInventory("urn:uuid:other").status().code(), Code::kNotFound);
  EXPECT_EQ(Objects(), (std::vector<std::pair<std::string, std::string>>{
                           {id, OcflStore::ObjectPath(id)}}));
  EXPECT_TRUE(Incomplete().empty());
  auto content = store_->ReadContent(id, "v1/content/METS.xml", 1000);
  ASSERT_OK(content);
  EXPECT_EQ(*content, "<mets/>");
  EXPECT_EQ(store_->ReadContent(id, "../../x", 10).status().code(), Code::kInvalidArgument);

  // Sealed: files 0444, directories 0555.
  struct stat st{};
  ASSERT_EQ(::stat((obj / "v1/content/METS.xml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  ASSERT_EQ(::stat(obj.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555u);

  // A clean copy has no findings, with or without digests.
  EXPECT_TRUE(Verify(id, true).empty());
  EXPECT_TRUE(Verify(id, false).empty());
}

TEST_F(OcflStoreTest, CopyModeKeepsStagedFiles) {
  CreateRequest req = Request("urn:uuid:copy", {Stage("a.txt", "a"), Stage("d/b.txt", "b")});
  req.move_staged = false;
  ASSERT_OK(store_->CreateObject(req));
  for (const auto& f : req.files) EXPECT_TRUE(fs::exists(f.staged_path));
  EXPECT_TRUE(Verify("urn:uuid:copy", true).empty());
}

TEST_F(OcflStoreTest, SecondCreateWithSameIdIsAlreadyExists) {
  ASSERT_OK(store_->CreateObject(Request("urn:uuid:dup", {Stage("a.txt", "first")})));
  CreateRequest again = Request("urn:uuid:dup", {Stage("a.txt", "second")});
  auto r = store_->CreateObject(again);
  EXPECT_EQ(r.status().code(), Code::kAlreadyExists) << r.status().ToString();
  EXPECT_TRUE(fs::exists(again.files[0].staged_path)) << "a refused create takes nothing";
  EXPECT_EQ(*store_->ReadContent("urn:uuid:dup", "v1/content/a.txt", 100), "first");
}

TEST_F(OcflStoreTest, BadRequestsWriteNothing) {
  auto code = [&](CreateRequest req) { return store_->CreateObject(req).status().code(); };
  EXPECT_EQ(code(Request("", {Stage("a", "a")})), Code::kInvalidArgument);
  // NFD (decomposed) name.
  EXPECT_EQ(code(Request("urn:x1", {Stage(*ToNfd("Tài liệu.txt"), "a")})), Code::kInvalidArgument);
  EXPECT_EQ(code(Request("urn:x2", {Stage("a", "1"), Stage("a", "2")})), Code::kInvalidArgument);
  EXPECT_EQ(code(Request("urn:x3", {Stage("a", "1"), Stage("a/b", "2")})),
            Code::kInvalidArgument);
  EXPECT_EQ(code(Request("urn:x4", {Stage("../a", "1")})), Code::kInvalidArgument);
  NewFile bad_digest = Stage("a", "1");
  bad_digest.sha256 = "ABC";
  EXPECT_EQ(code(Request("urn:x5", {bad_digest})), Code::kInvalidArgument);
  NewFile wrong_size = Stage("a", "12345");
  wrong_size.size = 4;
  EXPECT_EQ(code(Request("urn:x6", {Stage("ok", "ok"), wrong_size})), Code::kCorruption);
  EXPECT_TRUE(Incomplete().empty());
  EXPECT_TRUE(Objects().empty());
  EXPECT_TRUE(fs::exists(wrong_size.staged_path));
}

TEST_F(OcflStoreTest, IncompleteObjectsAreListedAndRemoved) {
  // A create that crashed before the root inventory: content, declaration, v1 inventory.
  const std::string id = "urn:uuid:crashed";
  const std::string obj = OcflStore::ObjectPath(id);
  ASSERT_OK(tier_->PutBytes(obj + "/v1/content/a.txt", "a"));
  ASSERT_OK(tier_->PutBytes(obj + "/0=ocfl_object_1.1", "ocfl_object_1.1\n"));
  ASSERT_OK(tier_->PutBytes(obj + "/v1/inventory.json", "{}"));
  // ... and a complete object next to it.
  ASSERT_OK(store_->CreateObject(Request("urn:uuid:fine", {Stage("b.txt", "b")})));
  const std::string fine = OcflStore::ObjectPath("urn:uuid:fine");

  EXPECT_EQ(Incomplete(), std::vector<std::string>{obj});
  EXPECT_EQ(Objects(), (std::vector<std::pair<std::string, std::string>>{{"urn:uuid:fine", fine}}));
  EXPECT_EQ(*store_->Exists(id), false);
  // A new create of that id is refused until recovery ran.
  EXPECT_EQ(store_->CreateObject(Request(id, {Stage("a.txt", "a")})).status().code(),
            Code::kFailedPrecondition);

  // Complete objects are never removed here; nor is anything outside the hierarchy.
  EXPECT_EQ(store_->RemoveIncomplete(fine).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->RemoveIncomplete("extensions").code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->RemoveIncomplete("../etc").code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->RemoveIncomplete(obj + "/v1").code(), Code::kInvalidArgument);
  EXPECT_TRUE(*store_->Exists("urn:uuid:fine"));

  ASSERT_OK(store_->RemoveIncomplete(obj));
  EXPECT_TRUE(Incomplete().empty());
  EXPECT_FALSE(fs::exists(root_ / obj));
  // Its tuple directories went too (unless shared with the other object).
  const std::string t1 = obj.substr(0, 3);
  if (t1 != fine.substr(0, 3)) {
    EXPECT_FALSE(fs::exists(root_ / t1));
  }
  auto report = ocfl::ValidateStorageRoot(root_);
  ASSERT_OK(report);
  EXPECT_TRUE(report->valid) << IssuesToString(*report);

  // After recovery the id can be stored.
  ASSERT_OK(store_->CreateObject(Request(id, {Stage("a.txt", "a")})));
}

TEST_F(OcflStoreTest, EmptyTupleDirectoriesAreIncompleteToo) {
  fs::create_directories(root_ / "abc" / "def");  // a crash right after mkdir
  EXPECT_EQ(Incomplete(), std::vector<std::string>{"abc/def"});
  ASSERT_OK(store_->RemoveIncomplete("abc/def"));
  EXPECT_FALSE(fs::exists(root_ / "abc"));
  EXPECT_TRUE(Incomplete().empty());
}

TEST_F(OcflStoreTest, ListObjectsWalksManyObjectsInPathOrder) {
  std::map<std::string, std::string> want;  // path -> id
  for (int i = 0; i < 6; ++i) {
    std::string id = "urn:uuid:obj-" + std::to_string(i);
    ASSERT_OK(store_->CreateObject(Request(id, {Stage("f.txt", id)})));
    want[OcflStore::ObjectPath(id)] = id;
  }
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& [p, id] : want) expected.emplace_back(id, p);
  EXPECT_EQ(Objects(), expected);
  int seen = 0;
  ASSERT_OK(store_->ListObjects([&](const std::string&, const std::string&) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

TEST_F(OcflStoreTest, AbsentObjectIsOneMissingObjectFinding) {
  auto f = Verify("urn:uuid:never-stored", true);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kMissingObject);
  EXPECT_EQ(f[0].path, OcflStore::ObjectPath("urn:uuid:never-stored"));
}

// Damage one stored copy on disk and check that exactly the expected findings come back.
class VerifyDamageTest : public OcflStoreTest {
 protected:
  void SetUp() override {
    OcflStoreTest::SetUp();
    ASSERT_OK(store_->CreateObject(VietnameseRequest(kId)));
    obj_ = ObjectDir(kId);
    ASSERT_TRUE(Verify(kId, true).empty());
  }
  fs::path Writable(const std::string& rel) {
    MakeWritable(root_, obj_ / rel);
    return obj_ / rel;
  }
  static constexpr const char* kId = "urn:uuid:0b8f6a1e-damaged";
  const std::string kBig = Nfc("v1/content/representations/rep1/data/Hồ sơ/2024/Biên bản họp.txt");
  fs::path obj_;
};

TEST_F(VerifyDamageTest, FlippedByteIsDigestMismatchOnlyWithDigests) {
  fs::path p = Writable(kBig);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('X');
  }
  auto with = Verify(kId, true);
  EXPECT_EQ(Kinds(with), (std::vector<std::pair<FindingKind, std::string>>{
                             {FindingKind::kDigestMismatch, kBig}}));
  ASSERT_EQ(with.size(), 1u);
  EXPECT_EQ(with[0].expected, Sha256Hex(std::string(100000, 'b')));
  EXPECT_EQ(with[0].actual, Sha256Hex(ReadFile(p)));
  EXPECT_TRUE(Verify(kId, false).empty()) << "same size: a metadata pass cannot see it";
  auto report = ocfl::ValidateObject(obj_);
  ASSERT_OK(report);
  EXPECT_FALSE(report->valid);
}

TEST_F(VerifyDamageTest, TruncationIsSizeMismatch) {
  fs::resize_file(Writable(kBig), 10);
  for (bool digests : {true, false}) {
    auto f = Verify(kId, digests);
    EXPECT_EQ(Kinds(f), (std::vector<std::pair<FindingKind, std::string>>{
                            {FindingKind::kSizeMismatch, kBig}}));
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].expected, "100000");
    EXPECT_EQ(f[0].actual, "10");
  }
}

TEST_F(VerifyDamageTest, DeletedFileIsMissingFile) {
  fs::remove(Writable("v1/content/METS.xml"));
  auto f = Verify(kId, false);
  EXPECT_EQ(Kinds(f), (std::vector<std::pair<FindingKind, std::string>>{
                          {FindingKind::kMissingFile, "v1/content/METS.xml"}}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expected, Sha256Hex("<mets/>"));
}

TEST_F(VerifyDamageTest, StrayFileIsUnexpected) {
  Writable("v1/content");
  WriteFile(obj_ / "v1/content/stray.txt", "who put this here");
  Writable("");
  WriteFile(obj_ / "notes.txt", "x");
  auto f = Verify(kId, true);
  EXPECT_EQ(Kinds(f), (std::vector<std::pair<FindingKind, std::string>>{
                          {FindingKind::kUnexpectedFile, "notes.txt"},
                          {FindingKind::kUnexpectedFile, "v1/content/stray.txt"}}));
}

TEST_F(VerifyDamageTest, EditedRootInventoryDisagreesWithSidecarAndHead) {
  fs::path p = Writable("inventory.json");
  std::string text = ReadFile(p);
  size_t at = text.find("Nộp lưu hồ sơ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("Nộp lưu hồ sơ").size(), "Edited message");
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
  }
  auto f = Verify(kId, true);
  // inventory vs sidecar, and root vs head (v1) inventory; the content still checks out
  // against v1, the inventory that agrees with its sidecar.
  EXPECT_EQ(Kinds(f), (std::vector<std::pair<FindingKind, std::string>>{
                          {FindingKind::kInventoryMismatch, "inventory.json"},
                          {FindingKind::kInventoryMismatch, "inventory.json"}}));
  EXPECT_EQ(store_->ReadInventory(kId).status().code(), Code::kCorruption);
  // Listing still finds the object (its id is intact).
  EXPECT_EQ(Objects().size(), 1u);
}

TEST_F(VerifyDamageTest, DeletedRootInventoryFallsBackToVersionInventory) {
  fs::remove(Writable("inventory.json"));
  auto f = Verify(kId, true);
  EXPECT_EQ(Kinds(f), (std::vector<std::pair<FindingKind, std::string>>{
                          {FindingKind::kMissingFile, "inventory.json"}}));
}

TEST_F(VerifyDamageTest, ManyKindsAtOnce) {
  fs::remove(Writable("v1/content/METS.xml"));
  fs::resize_file(Writable(kBig), 0);
  WriteFile(obj_ / "v1/stray", "s");
  fs::path quyet = Writable(Nfc("v1/content/representations/rep1/data/Tài liệu/Quyết định số 12.txt"));
  std::string q = ReadFile(quyet);
  q[0] = 'q';
  WriteFile(quyet, q);
  auto f = Verify(kId, true);
  EXPECT_EQ(Kinds(f), (std::vector<std::pair<FindingKind, std::string>>{
                          {FindingKind::kMissingFile, "v1/content/METS.xml"},
                          {FindingKind::kSizeMismatch, kBig},
                          {FindingKind::kDigestMismatch,
                           Nfc("v1/content/representations/rep1/data/Tài liệu/Quyết định số 12.txt")},
                          {FindingKind::kUnexpectedFile, "v1/stray"}}));
}

}  // namespace
}  // namespace vault::store

namespace vault::store {
namespace {

// The store only uses the Tier interface: it works the same on a tier without local paths or
// directories (the streaming digest path, default ListDir), as an object store will be.
TEST(OcflStoreOnMemTierTest, CreateListVerifyRecover) {
  tiers::MemTier tier("mem");
  auto opened = OcflStore::Open(tier);
  ASSERT_OK(opened);
  OcflStore& store = **opened;
  EXPECT_TRUE(tier.Stat("0=ocfl_1.1").ok());

  TempDir dir;
  std::string big(3 << 20, 'z');  // several ReadAt chunks
  WriteFile(dir / "a", big);
  WriteFile(dir / "b", "bee");
  CreateRequest req;
  req.id = "urn:uuid:mem-object";
  req.created = "2026-11-23T10:00:00Z";
  req.files = {NewFile{Nfc("Hồ sơ/a.bin"), dir / "a", big.size(), Sha256Hex(big)},
               NewFile{"b.txt", dir / "b", 3, Sha256Hex("bee")}};
  ASSERT_OK(store.CreateObject(req));
  EXPECT_FALSE(fs::exists(dir / "a"));
  EXPECT_TRUE(*store.Exists(req.id));
  ASSERT_OK(store.ReadInventory(req.id));

  std::vector<std::string> ids;
  ASSERT_OK(store.ListObjects([&](const std::string& id, const std::string&) {
    ids.push_back(id);
    return true;
  }));
  EXPECT_EQ(ids, std::vector<std::string>{req.id});

  auto clean = store.VerifyObject(req.id, true);
  ASSERT_OK(clean);
  EXPECT_TRUE(clean->empty());

  const std::string obj = OcflStore::ObjectPath(req.id);
  std::string damaged = big;
  damaged[(2 << 20) + 7] = 'y';
  ASSERT_OK(tier.CorruptForTesting(obj + "/" + Nfc("v1/content/Hồ sơ/a.bin"), damaged));
  auto findings = store.VerifyObject(req.id, true);
  ASSERT_OK(findings);
  EXPECT_EQ(Kinds(*findings), (std::vector<std::pair<FindingKind, std::string>>{
                                  {FindingKind::kDigestMismatch, Nfc("v1/content/Hồ sơ/a.bin")}}));

  // Sealed: a stray Put into the object is refused.
  EXPECT_EQ(tier.PutBytes(obj + "/v1/content/late", "x").code(), Code::kPermissionDenied);

  // Recovery of an incomplete object.
  const std::string other = OcflStore::ObjectPath("urn:uuid:half");
  ASSERT_OK(tier.PutBytes(other + "/v1/content/x", "x"));
  std::vector<std::string> incomplete;
  ASSERT_OK(store.ListIncomplete([&](const std::string& p) {
    incomplete.push_back(p);
    return true;
  }));
  EXPECT_EQ(incomplete, std::vector<std::string>{other});
  ASSERT_OK(store.RemoveIncomplete(other));
  std::vector<std::string> left;
  ASSERT_OK(tier.List(other, [&](std::string_view k, const tiers::ObjectInfo&) {
    left.emplace_back(k);
    return true;
  }));
  EXPECT_TRUE(left.empty());
  EXPECT_EQ(store.RemoveIncomplete(obj).code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace vault::store
