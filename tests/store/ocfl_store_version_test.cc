// Versions after v1: OcflStore::AddVersion (the format-migration write: rep2 files plus an
// updated METS.xml and premis.xml as v<N+1>), HeadVersion, RollbackVersion (undo of a version
// the event log never acknowledged), the recovery of the states a crash inside them leaves, and
// every other store operation on 2- and 3-version objects (verify, copy, repair, purge, list,
// read). Each stored result is also run through the OCFL validator.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/inventory.h"
#include "formats/ocfl/validator.h"
#include "tests/store/store_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/tier.h"

// Test-only stand-in for the one class that may make purge warrants (the real one is in
// vault/lifecycle, which this binary does not link).
namespace vault::lifecycle {
class DisposalExecutor {
 public:
  static store::PurgeWarrant Make(std::string id) {
    return store::PurgeWarrant(std::move(id), "batch-20261123-version-test");
  }
};
}  // namespace vault::lifecycle

namespace vault::store {
namespace {

namespace fs = std::filesystem;
using ::vault::testing::ReadFile;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;
using Kind = FindingKind;
using fixtures::FirstError;
using fixtures::Kinds;
using fixtures::MakeWritable;
using fixtures::Nfc;
using fixtures::Snapshot;

constexpr const char* kId = "urn:uuid:7f1e2d3c-version";
constexpr const char* kCreated1 = "2026-11-23T09:40:00+07:00";
constexpr const char* kCreated2 = "2026-11-24T10:00:00Z";
constexpr const char* kCreated3 = "2026-11-25T11:30:00Z";

const std::string kMets1 = "<mets>v1</mets>\n";
const std::string kPremis1 = "<premis>ingest</premis>\n";
const std::string kDoc = std::string(3000, 'd') + "word document\n";
const std::string kMets2 = "<mets>v2 with rep2</mets>\n";
const std::string kPremis2 = "<premis>ingest, migration</premis>\n";
const std::string kPdf = "%PDF-1.7\n" + std::string(5000, 'p');

// A tier that forwards to another and fails the first Put whose key ends with `fail_suffix`
// (once), with kIoError.
class FaultTier final : public fixtures::ForwardingTier {
 public:
  explicit FaultTier(tiers::Tier& base) : ForwardingTier(base) {}
  std::string fail_suffix;
  bool failed = false;

  Status PutFile(std::string_view key, const fs::path& src, bool move) override {
    if (Fail(key)) return Status::IoError("injected: put " + std::string(key));
    return ForwardingTier::PutFile(key, src, move);
  }
  Status PutBytes(std::string_view key, std::string_view data) override {
    if (Fail(key)) return Status::IoError("injected: put " + std::string(key));
    return ForwardingTier::PutBytes(key, data);
  }

 private:
  bool Fail(std::string_view key) {
    if (failed || fail_suffix.empty() || !key.ends_with(fail_suffix)) return false;
    failed = true;
    return true;
  }
};

// Two local tiers: "primary" (A) and "offsite" (B).
class VersionTest : public fixtures::TwoTierStoreTest {
 protected:
  // Staged under the NFC form of `logical_path`.
  NewFile Stage(const std::string& logical_path, const std::string& content) {
    return TwoTierStoreTest::Stage(Nfc(logical_path), content);
  }

  CreateRequest V1Request(const std::string& id = kId) {
    CreateRequest req;
    req.id = id;
    req.created = kCreated1;
    req.message = "Nộp lưu hồ sơ";
    req.user_name = "Nguyễn Văn A";
    req.files = {Stage("METS.xml", kMets1), Stage("metadata/preservation/premis.xml", kPremis1),
                 Stage("representations/rep1/data/Tài liệu.doc", kDoc)};
    return req;
  }

  // The migration's new version: rep2 added, METS and PREMIS replaced.
  AddVersionRequest MigrationRequest(int base = 1, const std::string& id = kId) {
    AddVersionRequest req;
    req.id = id;
    req.expected_head = base;
    req.created = kCreated2;
    req.message = "Format migration doc -> pdf";
    req.user_name = "vault migration";
    req.user_address = "mailto:vault@example.org";
    req.files = {Stage("representations/rep2-pdf/data/Tài liệu.pdf", kPdf),
                 Stage("METS.xml", kMets2), Stage("metadata/preservation/premis.xml", kPremis2)};
    return req;
  }

  fs::path ObjDir(const std::string& tier, const std::string& id = kId) {
    return dir_ / tier / OcflStore::ObjectPath(id);
  }

  void ExpectValid(const std::string& tier, int objects) {
    auto report = ocfl::ValidateStorageRoot(dir_ / tier);
    ASSERT_OK(report);
    EXPECT_TRUE(report->valid) << FirstError(*report);
    EXPECT_TRUE(report->errors.empty());
    EXPECT_EQ(report->objects_checked, objects);
  }

  void ExpectClean(OcflStore& s, const std::string& id = kId) {
    auto findings = s.VerifyObject(id, VerifyOptions{});
    ASSERT_OK(findings);
    EXPECT_TRUE(findings->empty()) << FindingKindName(findings->front().kind) << " "
                                   << findings->front().path;
  }

  // A at v3: v2 = MigrationRequest, v3 = METS back to the v1 bytes (de-duplicated), premis
  // replaced again, the rep1 file removed.
  void MakeThreeVersions(OcflStore& s) {
    ASSERT_OK(s.CreateObject(V1Request()));
    ASSERT_OK(s.AddVersion(MigrationRequest()));
    AddVersionRequest v3;
    v3.id = kId;
    v3.expected_head = 2;
    v3.created = kCreated3;
    v3.files = {Stage("METS.xml", kMets1), Stage("metadata/preservation/premis.xml", "<p>3</p>")};
    v3.remove = {"representations/rep1/data/Tài liệu.doc"};
    ASSERT_OK(s.AddVersion(v3));
  }
};

TEST_F(VersionTest, AddVersionWritesTheNewVersionAndCommitsItLast) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  const auto v1_files = Snapshot(ObjDir("primary") / "v1");
  AddVersionRequest req = MigrationRequest();
  auto inv = a_->AddVersion(req);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->head, "v2");
  ASSERT_EQ(inv->versions.size(), 2u);
  const ocfl::Version& v2 = inv->versions.at(2);
  EXPECT_EQ(v2.created, kCreated2);
  EXPECT_EQ(v2.message, "Format migration doc -> pdf");
  ASSERT_TRUE(v2.user.has_value());
  EXPECT_EQ(v2.user->address, "mailto:vault@example.org");
  const std::string doc = Nfc("representations/rep1/data/Tài liệu.doc");
  const std::string pdf = Nfc("representations/rep2-pdf/data/Tài liệu.pdf");
  std::map<std::string, std::vector<std::string>> want_state = {
      {Sha256Hex(kDoc), {doc}},
      {Sha256Hex(kPdf), {pdf}},
      {Sha256Hex(kMets2), {"METS.xml"}},
      {Sha256Hex(kPremis2), {"metadata/preservation/premis.xml"}}};
  EXPECT_EQ(v2.state, want_state);
  // v1 is carried over unchanged; the manifest gains exactly the three new content paths.
  auto before = ocfl::ParseInventory(ReadFile(ObjDir("primary") / "v1/inventory.json"));
  ASSERT_OK(before);
  EXPECT_EQ(inv->versions.at(1).state, before->versions.at(1).state);
  EXPECT_EQ(inv->manifest.size(), 6u);
  EXPECT_EQ(inv->manifest.at(Sha256Hex(kPdf)), std::vector<std::string>{"v2/content/" + pdf});
  EXPECT_EQ(inv->manifest.at(Sha256Hex(kMets1)), std::vector<std::string>{"v1/content/METS.xml"});
  EXPECT_EQ(inv->fixity.at("size").at(std::to_string(kPdf.size())),
            std::vector<std::string>{"v2/content/" + pdf});
  // On disk: root == v2 inventory, sidecars agree, v1 untouched byte for byte, staged files
  // taken (move_staged), everything sealed.
  const fs::path obj = ObjDir("primary");
  EXPECT_EQ(ReadFile(obj / "inventory.json"), ocfl::SerializeInventory(*inv));
  EXPECT_EQ(ReadFile(obj / "v2/inventory.json"), ReadFile(obj / "inventory.json"));
  EXPECT_EQ(ReadFile(obj / "inventory.json.sha256"),
            ocfl::SidecarContent(Sha256Hex(ReadFile(obj / "inventory.json"))));
  EXPECT_EQ(ReadFile(obj / "v2/inventory.json.sha256"), ReadFile(obj / "inventory.json.sha256"));
  EXPECT_EQ(Snapshot(obj / "v1"), v1_files);
  EXPECT_EQ(ReadFile(obj / "v2/content" / pdf), kPdf);
  for (const NewFile& f : req.files) EXPECT_FALSE(fs::exists(f.staged_path)) << f.staged_path;
  EXPECT_TRUE(*tier_a_->IsSealed(OcflStore::ObjectPath(kId)));
  ExpectClean(*a_);
  EXPECT_TRUE(a_->VerifyObject(kId, false)->empty());
  auto head = a_->HeadVersion(kId);
  ASSERT_OK(head);
  EXPECT_EQ(*head, 2);
  auto read = a_->ReadInventory(kId);
  ASSERT_OK(read);
  EXPECT_EQ(ocfl::SerializeInventory(*read), ocfl::SerializeInventory(*inv));
  // Content of both versions reads back.
  EXPECT_EQ(*a_->ReadContent(kId, "v2/content/METS.xml", 1 << 20), kMets2);
  EXPECT_EQ(*a_->ReadContent(kId, "v1/content/METS.xml", 1 << 20), kMets1);
  EXPECT_EQ(*a_->ReadContent(kId, "v2/content/" + pdf, 1 << 20), kPdf);
  EXPECT_EQ(a_->ReadContent(kId, "v3/content/METS.xml", 1 << 20).status().code(),
            Code::kNotFound);
  ExpectValid("primary", 1);
}

TEST_F(VersionTest, ContentAlreadyInTheManifestIsNotWrittenAgain) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  AddVersionRequest req = MigrationRequest();
  // A copy of the v1 document under a new name, and two new files with the same bytes.
  req.files.push_back(Stage("representations/rep2-pdf/data/original.doc", kDoc));
  req.files.push_back(Stage("z/second.txt", "same"));
  req.files.push_back(Stage("a/first.txt", "same"));
  req.move_staged = false;
  auto inv = a_->AddVersion(req);
  ASSERT_OK(inv);
  const fs::path obj = ObjDir("primary");
  EXPECT_FALSE(fs::exists(obj / "v2/content/representations/rep2-pdf/data/original.doc"));
  EXPECT_EQ(inv->manifest.at(Sha256Hex(kDoc)).size(), 1u);
  EXPECT_EQ(inv->versions.at(2).state.at(Sha256Hex(kDoc)).size(), 2u);
  // Within the request: the first path in path order holds the content.
  EXPECT_EQ(inv->manifest.at(Sha256Hex("same")),
            std::vector<std::string>{"v2/content/a/first.txt"});
  EXPECT_FALSE(fs::exists(obj / "v2/content/z/second.txt"));
  EXPECT_EQ(inv->versions.at(2).state.at(Sha256Hex("same")),
            (std::vector<std::string>{"a/first.txt", "z/second.txt"}));
  // Without move_staged every staged file stays.
  for (const NewFile& f : req.files) EXPECT_TRUE(fs::exists(f.staged_path)) << f.staged_path;
  ExpectClean(*a_);
  ExpectValid("primary", 1);
}

TEST_F(VersionTest, RemoveDropsPathsFromTheNewStateOnly) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  AddVersionRequest req;
  req.id = kId;
  req.expected_head = 1;
  req.created = kCreated2;
  req.remove = {Nfc("representations/rep1/data/Tài liệu.doc")};
  auto inv = a_->AddVersion(req);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->versions.at(2).state.size(), 2u);
  EXPECT_EQ(inv->versions.at(2).state.count(Sha256Hex(kDoc)), 0u);
  EXPECT_EQ(inv->versions.at(1).state.count(Sha256Hex(kDoc)), 1u);
  EXPECT_TRUE(fs::exists(ObjDir("primary") / "v1/content" / Nfc("representations/rep1/data/Tài liệu.doc")));
  EXPECT_FALSE(fs::exists(ObjDir("primary") / "v2/content"));  // nothing new to store
  ExpectClean(*a_);
  ExpectValid("primary", 1);
}

TEST_F(VersionTest, BadRequestsChangeNothing) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  const auto before = Snapshot(ObjDir("primary"));
  auto code = [&](AddVersionRequest r) { return a_->AddVersion(r).status().code(); };
  AddVersionRequest r = MigrationRequest();
  r.expected_head = 0;
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.expected_head = 2;
  auto wrong_head = a_->AddVersion(r);
  EXPECT_EQ(wrong_head.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(wrong_head.status().message().find("head is v1"), std::string_view::npos)
      << wrong_head.status().ToString();
  r = MigrationRequest();
  r.id = "urn:uuid:no-such-object";
  EXPECT_EQ(code(r), Code::kNotFound);
  r = MigrationRequest();
  r.files[0].size += 1;
  EXPECT_EQ(code(r), Code::kCorruption);
  r = MigrationRequest();
  r.files[0].logical_path = "../escape.pdf";
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.files[0].logical_path = "representations/rep2-pdf/data/Ta\xcc\x80i.pdf";  // NFD
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.files[0].sha256 = std::string(64, 'G');
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.files.push_back(Stage("METS.xml/inner", "x"));  // METS.xml is a file of the state
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.remove = {"not/in/the/state.txt"};
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.remove = {"METS.xml"};  // also among the files
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  r = MigrationRequest();
  r.created.clear();
  EXPECT_EQ(code(r), Code::kInvalidArgument);
  // A digest already stored, claimed with another size: the caller's digest is wrong.
  r = MigrationRequest();
  r.files.push_back(Stage("liar.txt", "four"));
  r.files.back().sha256 = Sha256Hex(kMets1);
  EXPECT_EQ(code(r), Code::kCorruption);
  EXPECT_EQ(Snapshot(ObjDir("primary")), before);
  EXPECT_EQ(*a_->HeadVersion(kId), 1);
  ExpectClean(*a_);
  EXPECT_TRUE(*tier_a_->IsSealed(OcflStore::ObjectPath(kId)));
}

TEST_F(VersionTest, RetryOfACommittedVersionIsIdempotent) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  AddVersionRequest req = MigrationRequest();
  req.move_staged = false;
  auto first = a_->AddVersion(req);
  ASSERT_OK(first);
  const auto after = Snapshot(ObjDir("primary"));
  req.created = "2026-12-01T00:00:00Z";  // a retry may carry another time: not compared
  auto again = a_->AddVersion(req);
  ASSERT_OK(again);
  EXPECT_EQ(ocfl::SerializeInventory(*again), ocfl::SerializeInventory(*first));
  EXPECT_EQ(Snapshot(ObjDir("primary")), after);
  // Another state on the same base is not a retry.
  AddVersionRequest other = MigrationRequest();
  other.files.pop_back();
  auto refused = a_->AddVersion(other);
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("head is v2"), std::string_view::npos);
  EXPECT_EQ(Snapshot(ObjDir("primary")), after);
}

TEST_F(VersionTest, SameRequestOnTwoTiersGivesByteIdenticalCopies) {
  CreateRequest v1 = V1Request();
  v1.move_staged = false;
  ASSERT_OK(a_->CreateObject(v1));
  ASSERT_OK(b_->CreateObject(v1));
  AddVersionRequest req = MigrationRequest();
  req.move_staged = false;
  ASSERT_OK(a_->AddVersion(req));
  std::reverse(req.files.begin(), req.files.end());  // the order of files does not matter
  ASSERT_OK(b_->AddVersion(req));
  EXPECT_EQ(Snapshot(ObjDir("primary")), Snapshot(ObjDir("offsite")));
  EXPECT_EQ(ReadFile(ObjDir("primary") / "inventory.json"),
            ReadFile(ObjDir("offsite") / "inventory.json"));
  // RepairFrom treats them as the same state: damage B's new content and repair it from A.
  const fs::path pdf = ObjDir("offsite") / "v2/content" / Nfc("representations/rep2-pdf/data/Tài liệu.pdf");
  MakeWritable(dir_ / "offsite", pdf);
  fs::remove(pdf);
  auto findings = b_->VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ(findings->front().kind, Kind::kMissingFile);
  auto report = b_->RepairFrom(*a_, kId, *findings, dir_ / "attic", dir_ / "staging-b");
  ASSERT_OK(report);
  ExpectClean(*b_);
  EXPECT_EQ(Snapshot(ObjDir("primary")), Snapshot(ObjDir("offsite")));
  ExpectValid("offsite", 1);
}

TEST_F(VersionTest, ThreeVersionsVerifyListReadAndValidate) {
  ASSERT_NO_FATAL_FAILURE(MakeThreeVersions(*a_));
  auto inv = a_->ReadInventory(kId);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->head, "v3");
  EXPECT_EQ(*a_->HeadVersion(kId), 3);
  // v3's METS is v1's bytes: de-duplicated, so v3/content holds only the new premis.
  EXPECT_EQ(inv->manifest.at(Sha256Hex(kMets1)), std::vector<std::string>{"v1/content/METS.xml"});
  EXPECT_EQ(Snapshot(ObjDir("primary") / "v3/content").size(), 1u);
  EXPECT_EQ(inv->versions.at(3).state.count(Sha256Hex(kDoc)), 0u);
  ExpectClean(*a_);
  VerifyStats stats;
  ASSERT_OK(a_->VerifyObject(kId, VerifyOptions{}, &stats));
  // 7 content files (3 in v1, 3 in v2, 1 in v3) + root and 3 version inventories.
  EXPECT_EQ(stats.files_checked, 7u + 4u);
  std::vector<std::string> ids;
  ASSERT_OK(a_->ListObjects([&](const std::string& id, const std::string& path) {
    ids.push_back(id);
    EXPECT_EQ(path, OcflStore::ObjectPath(kId));
    return true;
  }));
  EXPECT_EQ(ids, std::vector<std::string>{kId});
  int incomplete = 0;
  ASSERT_OK(a_->ListIncomplete([&](const std::string&) { return ++incomplete, true; }));
  EXPECT_EQ(incomplete, 0);
  EXPECT_EQ(*a_->ReadContent(kId, "v3/content/metadata/preservation/premis.xml", 100), "<p>3</p>");
  EXPECT_EQ(*a_->ReadContent(kId, "v2/content/metadata/preservation/premis.xml", 100), kPremis2);
  ExpectValid("primary", 1);
  // A damaged v2 content file is found (every version's content is checked).
  const fs::path mets2 = ObjDir("primary") / "v2/content/METS.xml";
  MakeWritable(dir_ / "primary", mets2);
  fs::permissions(mets2, fs::perms::owner_write, fs::perm_options::add);
  WriteFile(mets2, "<mets>v2 with rep3</mets>\n");  // same size, other bytes
  auto findings = a_->VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  EXPECT_EQ(Kinds(*findings),
            (std::vector<std::pair<Kind, std::string>>{{Kind::kDigestMismatch, "v2/content/METS.xml"}}));
  EXPECT_TRUE(a_->VerifyObject(kId, false)->empty());  // size-only: same size
}

TEST_F(VersionTest, EveryVersionInventoryIsCheckedAndListingFallsBackToTheNewest) {
  ASSERT_NO_FATAL_FAILURE(MakeThreeVersions(*a_));
  const fs::path obj = ObjDir("primary");
  const fs::path v1_inv = obj / "v1/inventory.json";
  MakeWritable(dir_ / "primary", v1_inv);
  fs::permissions(v1_inv, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = ReadFile(v1_inv);
  bytes.insert(bytes.size() - 2, " ");  // still valid JSON, no longer its sidecar's digest
  WriteFile(v1_inv, bytes);
  auto findings = a_->VerifyObject(kId, false);
  ASSERT_OK(findings);
  EXPECT_EQ(Kinds(*findings), (std::vector<std::pair<Kind, std::string>>{
                                  {Kind::kInventoryMismatch, "v1/inventory.json"}}));
  // A root inventory that does not parse: ListObjects takes the id from v3 (the newest).
  const fs::path root = obj / "inventory.json";
  fs::permissions(root, fs::perms::owner_write, fs::perm_options::add);
  WriteFile(root, "{ not json");
  std::vector<std::string> ids;
  ASSERT_OK(a_->ListObjects([&](const std::string& id, const std::string&) {
    ids.push_back(id);
    return true;
  }));
  EXPECT_EQ(ids, std::vector<std::string>{kId});
  // Neither AddVersion nor RollbackVersion writes over a damaged root: repair first.
  EXPECT_EQ(a_->AddVersion(MigrationRequest(3)).status().code(), Code::kCorruption);
  EXPECT_EQ(a_->RollbackVersion(kId, 2).code(), Code::kCorruption);
  EXPECT_EQ(ReadFile(root), "{ not json");
}

TEST_F(VersionTest, CopyAndRepairMultiVersionObjects) {
  ASSERT_NO_FATAL_FAILURE(MakeThreeVersions(*a_));
  CopyStats stats;
  ASSERT_OK(b_->CopyObjectFrom(*a_, kId, dir_ / "staging-b", &stats));
  // 7 content files, declaration, 3 version inventories + sidecars, root inventory + sidecar.
  EXPECT_EQ(stats.files, 7u + 1u + 6u + 2u);
  EXPECT_EQ(Snapshot(ObjDir("primary")), Snapshot(ObjDir("offsite")));
  ExpectClean(*b_);
  EXPECT_TRUE(*tier_b_->IsSealed(OcflStore::ObjectPath(kId)));
  ExpectValid("offsite", 1);

  // Damage in v1 content, a v2 inventory sidecar and the root inventory of B: one repair.
  const fs::path obj_b = ObjDir("offsite");
  for (const char* rel : {"v1/content/METS.xml", "v2/inventory.json.sha256", "inventory.json"}) {
    MakeWritable(dir_ / "offsite", obj_b / rel);
    fs::permissions(obj_b / rel, fs::perms::owner_write, fs::perm_options::add);
  }
  WriteFile(obj_b / "v1/content/METS.xml", "rotten");
  WriteFile(obj_b / "v2/inventory.json.sha256", std::string(64, '0') + "  inventory.json\n");
  fs::remove(obj_b / "inventory.json");
  for (int round = 0; round < 3; ++round) {
    auto findings = b_->VerifyObject(kId, VerifyOptions{});
    ASSERT_OK(findings);
    if (findings->empty()) break;
    ASSERT_OK(b_->RepairFrom(*a_, kId, *findings, dir_ / "attic", dir_ / "staging-b"));
  }
  ExpectClean(*b_);
  EXPECT_EQ(Snapshot(ObjDir("primary")), Snapshot(ObjDir("offsite")));
  ExpectValid("offsite", 1);

  // Copies at different heads are not the same state: repair refuses.
  AddVersionRequest v4;
  v4.id = kId;
  v4.expected_head = 3;
  v4.created = "2026-11-26T00:00:00Z";
  v4.files = {Stage("extra.txt", "v4")};
  ASSERT_OK(a_->AddVersion(v4));
  const fs::path mets = obj_b / "v1/content/METS.xml";
  MakeWritable(dir_ / "offsite", mets);
  fs::remove(mets);
  auto findings = b_->VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  ASSERT_FALSE(findings->empty());
  auto refused = b_->RepairFrom(*a_, kId, *findings, dir_ / "attic", dir_ / "staging-b");
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition) << refused.status().ToString();
}

TEST_F(VersionTest, PurgeRemovesEveryVersion) {
  ASSERT_NO_FATAL_FAILURE(MakeThreeVersions(*a_));
  CreateRequest other = V1Request("urn:uuid:7f1e2d3c-neighbour");
  ASSERT_OK(a_->CreateObject(other));
  ASSERT_OK(a_->PurgeObject(::vault::lifecycle::DisposalExecutor::Make(kId)));
  EXPECT_OK(a_->VerifyAbsent(kId));
  EXPECT_FALSE(*a_->Exists(kId));
  EXPECT_FALSE(fs::exists(ObjDir("primary")));
  ExpectClean(*a_, "urn:uuid:7f1e2d3c-neighbour");
  ExpectValid("primary", 1);
}

// A write that fails part way: before the commit the object is left exactly at v1 with the
// moved staged files given back; after it (the root sidecar put) the version stands and both
// recoveries finish it.
TEST_F(VersionTest, FailedWritesLeaveTheOldHeadOrAFinishableCommit) {
  FaultTier fault(*tier_a_);
  auto opened = OcflStore::Open(fault);
  ASSERT_OK(opened);
  OcflStore& s = **opened;
  ASSERT_OK(s.CreateObject(V1Request()));
  const auto v1_snapshot = Snapshot(ObjDir("primary"));
  const std::string pdf = Nfc("representations/rep2-pdf/data/Tài liệu.pdf");
  // (content is put in logical path order: METS.xml is already moved when premis.xml fails)
  const std::string suffixes[] = {"content/metadata/preservation/premis.xml", "v2/inventory.json",
                                  "v2/inventory.json.sha256",
                                  OcflStore::ObjectPath(kId) + "/inventory.json"};
  for (const std::string& suffix : suffixes) {
    SCOPED_TRACE(suffix);
    fault.fail_suffix = suffix;
    fault.failed = false;
    AddVersionRequest req = MigrationRequest();
    auto r = s.AddVersion(req);
    EXPECT_TRUE(fault.failed);
    EXPECT_EQ(r.status().code(), Code::kIoError) << r.status().ToString();
    EXPECT_EQ(Snapshot(ObjDir("primary")), v1_snapshot);
    EXPECT_TRUE(*tier_a_->IsSealed(OcflStore::ObjectPath(kId)));
    for (const NewFile& f : req.files) {
      ASSERT_TRUE(fs::exists(f.staged_path)) << f.staged_path;
      EXPECT_EQ(Sha256Hex(ReadFile(f.staged_path)), f.sha256);
    }
    ExpectClean(s);
  }
  // After the commit: the root sidecar put fails. The version stands (root at v2, its sidecar
  // missing: "finish the commit").
  fault.fail_suffix = OcflStore::ObjectPath(kId) + "/inventory.json.sha256";
  fault.failed = false;
  AddVersionRequest req = MigrationRequest();
  req.move_staged = false;
  EXPECT_EQ(s.AddVersion(req).status().code(), Code::kIoError);
  EXPECT_TRUE(fault.failed);
  EXPECT_EQ(ReadFile(ObjDir("primary") / "inventory.json"),
            ReadFile(ObjDir("primary") / "v2/inventory.json"));
  EXPECT_FALSE(fs::exists(ObjDir("primary") / "inventory.json.sha256"));
  ASSERT_OK(s.AddVersion(req));  // the retry finishes it
  ExpectClean(s);
  const auto v2_snapshot = Snapshot(ObjDir("primary"));
  EXPECT_EQ(v2_snapshot.at("v2/content/" + pdf), kPdf);
  ASSERT_OK(s.RollbackVersion(kId, 1));
  EXPECT_EQ(Snapshot(ObjDir("primary")), v1_snapshot);
  ExpectValid("primary", 1);
}

TEST_F(VersionTest, RollbackUndoesUnacknowledgedVersions) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  const auto v1_snapshot = Snapshot(ObjDir("primary"));
  ASSERT_OK(a_->AddVersion(MigrationRequest()));
  // At the head already: nothing to do.
  ASSERT_OK(a_->RollbackVersion(kId, 2));
  EXPECT_EQ(*a_->HeadVersion(kId), 2);
  ASSERT_OK(a_->RollbackVersion(kId, 1));
  EXPECT_EQ(*a_->HeadVersion(kId), 1);
  EXPECT_EQ(Snapshot(ObjDir("primary")), v1_snapshot);  // exactly the v1 object again
  EXPECT_TRUE(*tier_a_->IsSealed(OcflStore::ObjectPath(kId)));
  ExpectClean(*a_);
  ExpectValid("primary", 1);
  ASSERT_OK(a_->RollbackVersion(kId, 1));  // idempotent
  EXPECT_EQ(Snapshot(ObjDir("primary")), v1_snapshot);
  // The same version can then be written again.
  ASSERT_OK(a_->AddVersion(MigrationRequest()));
  ExpectClean(*a_);
  // Two versions at once.
  AddVersionRequest v3 = MigrationRequest(2);
  v3.files = {Stage("more.txt", "more")};
  ASSERT_OK(a_->AddVersion(v3));
  ASSERT_OK(a_->RollbackVersion(kId, 1));
  EXPECT_EQ(Snapshot(ObjDir("primary")), v1_snapshot);
  ExpectValid("primary", 1);
}

TEST_F(VersionTest, RollbackRefusals) {
  EXPECT_EQ(a_->RollbackVersion(kId, 1).code(), Code::kNotFound);
  ASSERT_OK(a_->CreateObject(V1Request()));
  ASSERT_OK(a_->AddVersion(MigrationRequest()));
  const auto before = Snapshot(ObjDir("primary"));
  EXPECT_EQ(a_->RollbackVersion(kId, 0).code(), Code::kFailedPrecondition);
  EXPECT_EQ(a_->RollbackVersion("", 1).code(), Code::kInvalidArgument);
  // No v3: the copy is not ahead of the log, it is behind (repair, not rollback).
  EXPECT_EQ(a_->RollbackVersion(kId, 3).code(), Code::kFailedPrecondition);
  // The version to keep must verify against its sidecar.
  const fs::path sidecar = ObjDir("primary") / "v1/inventory.json.sha256";
  MakeWritable(dir_ / "primary", sidecar);
  fs::permissions(sidecar, fs::perms::owner_write, fs::perm_options::add);
  const std::string good = ReadFile(sidecar);
  WriteFile(sidecar, std::string(64, 'a') + "  inventory.json\n");
  EXPECT_EQ(a_->RollbackVersion(kId, 1).code(), Code::kFailedPrecondition);
  WriteFile(sidecar, good);
  fs::permissions(sidecar, fs::perms::owner_write, fs::perm_options::remove);
  EXPECT_EQ(Snapshot(ObjDir("primary")), before);
  // A root inventory behind the version to keep: v2 exists but the root says v1.
  ASSERT_OK(tier_a_->Unseal(OcflStore::ObjectPath(kId)));
  const std::string obj = OcflStore::ObjectPath(kId);
  ASSERT_OK(tier_a_->Remove(obj + "/inventory.json"));
  ASSERT_OK(tier_a_->Remove(obj + "/inventory.json.sha256"));
  ASSERT_OK(tier_a_->PutBytes(obj + "/inventory.json", ReadFile(ObjDir("primary") / "v1/inventory.json")));
  ASSERT_OK(tier_a_->PutBytes(obj + "/inventory.json.sha256",
                              ReadFile(ObjDir("primary") / "v1/inventory.json.sha256")));
  EXPECT_EQ(a_->RollbackVersion(kId, 2).code(), Code::kFailedPrecondition);
}

// What a crash before the commit leaves: the root at v1 and an uncommitted v2/ directory.
TEST_F(VersionTest, UncommittedVersionDirectoryIsReportedAndRemoved) {
  ASSERT_OK(a_->CreateObject(V1Request()));
  const auto v1_snapshot = Snapshot(ObjDir("primary"));
  const std::string obj = OcflStore::ObjectPath(kId);
  ASSERT_OK(tier_a_->Unseal(obj));
  ASSERT_OK(tier_a_->PutBytes(obj + "/v2/content/METS.xml", kMets2));
  // Verify reports the stray files as unexpected (fixity would move them to the attic); the
  // object is still complete at v1 and not incomplete.
  auto findings = a_->VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  EXPECT_EQ(Kinds(*findings), (std::vector<std::pair<Kind, std::string>>{
                                  {Kind::kUnexpectedFile, "v2/content/METS.xml"}}));
  EXPECT_EQ(*a_->HeadVersion(kId), 1);
  ASSERT_OK(a_->RollbackVersion(kId, 1));
  EXPECT_EQ(Snapshot(ObjDir("primary")), v1_snapshot);
  ExpectClean(*a_);
  // AddVersion also clears such a leftover before writing.
  ASSERT_OK(tier_a_->Unseal(obj));
  ASSERT_OK(tier_a_->PutBytes(obj + "/v2/content/stale.bin", "stale"));
  ASSERT_OK(tier_a_->PutBytes(obj + "/v2/inventory.json", "{"));
  ASSERT_OK(a_->AddVersion(MigrationRequest()));
  EXPECT_FALSE(fs::exists(ObjDir("primary") / "v2/content/stale.bin"));
  ExpectClean(*a_);
  ExpectValid("primary", 1);
}

// What a crash inside the root swap leaves, and how both recoveries finish it.
TEST_F(VersionTest, InterruptedRootSwapIsSettled) {
  CreateRequest v1 = V1Request();
  v1.move_staged = false;
  ASSERT_OK(a_->CreateObject(v1));
  const auto v1_snapshot = Snapshot(ObjDir("primary"));
  AddVersionRequest req = MigrationRequest();
  req.move_staged = false;
  ASSERT_OK(a_->AddVersion(req));
  const auto v2_snapshot = Snapshot(ObjDir("primary"));
  const std::string obj = OcflStore::ObjectPath(kId);
  const fs::path dir = ObjDir("primary");
  auto set_root = [&](const std::string* inventory, const std::string* sidecar) {
    ASSERT_OK(tier_a_->Unseal(obj));
    (void)tier_a_->Remove(obj + "/inventory.json");
    (void)tier_a_->Remove(obj + "/inventory.json.sha256");
    if (inventory) ASSERT_OK(tier_a_->PutBytes(obj + "/inventory.json", *inventory));
    if (sidecar) ASSERT_OK(tier_a_->PutBytes(obj + "/inventory.json.sha256", *sidecar));
  };
  const std::string inv1 = ReadFile(dir / "v1/inventory.json");
  const std::string sc1 = ReadFile(dir / "v1/inventory.json.sha256");
  const std::string inv2 = ReadFile(dir / "v2/inventory.json");
  const std::string sc2 = ReadFile(dir / "v2/inventory.json.sha256");

  // 1. New root inventory put, old sidecar still there: "finish the commit".
  ASSERT_NO_FATAL_FAILURE(set_root(&inv2, &sc1));
  EXPECT_EQ(a_->HeadVersion(kId).status().code(), Code::kCorruption);
  auto findings = a_->VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  EXPECT_FALSE(findings->empty());
  ASSERT_OK(a_->AddVersion(req));  // the retry
  EXPECT_EQ(Snapshot(dir), v2_snapshot);
  ExpectClean(*a_);
  // 2. Same, then rolled back instead.
  ASSERT_NO_FATAL_FAILURE(set_root(&inv2, nullptr));
  ASSERT_OK(a_->RollbackVersion(kId, 1));
  EXPECT_EQ(Snapshot(dir), v1_snapshot);
  ExpectClean(*a_);
  ASSERT_OK(a_->AddVersion(req));
  // 3. No root inventory at all (between removing the old and putting the new): the object
  // looks incomplete, and both recoveries settle it.
  ASSERT_NO_FATAL_FAILURE(set_root(nullptr, nullptr));
  EXPECT_FALSE(*a_->Exists(kId));
  std::vector<std::string> incomplete;
  ASSERT_OK(a_->ListIncomplete([&](const std::string& p) { return incomplete.push_back(p), true; }));
  EXPECT_EQ(incomplete, std::vector<std::string>{obj});
  ASSERT_OK(a_->AddVersion(req));  // this request's v2 is there: finished forwards
  EXPECT_EQ(Snapshot(dir), v2_snapshot);
  ASSERT_NO_FATAL_FAILURE(set_root(nullptr, &sc1));
  ASSERT_OK(a_->RollbackVersion(kId, 1));
  EXPECT_EQ(Snapshot(dir), v1_snapshot);
  ASSERT_OK(a_->AddVersion(req));
  // 4. No root inventory, and a retry with ANOTHER state: settled on v1, the unacknowledged
  // v2 replaced by the requested one.
  ASSERT_NO_FATAL_FAILURE(set_root(nullptr, &sc2));
  AddVersionRequest other = MigrationRequest();
  other.files.pop_back();
  auto inv = a_->AddVersion(other);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->versions.at(2).state.count(Sha256Hex(kPremis1)), 1u);
  ExpectClean(*a_);
  // 5. Old root inventory, sidecar removed (the first step of the swap).
  ASSERT_OK(a_->RollbackVersion(kId, 1));
  ASSERT_OK(a_->AddVersion(req));
  ASSERT_NO_FATAL_FAILURE(set_root(&inv1, nullptr));
  ASSERT_OK(a_->AddVersion(req));  // root settled on v1, the v2 leftover replaced: same bytes
  EXPECT_EQ(Snapshot(dir), v2_snapshot);
  ExpectValid("primary", 1);
  // A root inventory that is no version's: damage, refused by both.
  ASSERT_NO_FATAL_FAILURE(set_root(&inv1, &sc1));
  ASSERT_OK(tier_a_->Remove(obj + "/inventory.json"));
  std::string damaged = inv1;
  damaged[damaged.size() / 2] ^= 1;
  ASSERT_OK(tier_a_->PutBytes(obj + "/inventory.json", damaged));
  EXPECT_EQ(a_->AddVersion(req).status().code(), Code::kCorruption);
  EXPECT_FALSE(a_->RollbackVersion(kId, 1).ok());
}

}  // namespace
}  // namespace vault::store
