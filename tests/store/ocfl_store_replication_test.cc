// Replication and repair between two stores (two tiers): CopyObjectFrom, RepairFrom, and the
// VerifyObject options (size-only mode, the hasher hook, stats) that the fixity executor uses.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/inventory.h"
#include "formats/ocfl/validator.h"
#include "tests/store/store_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/base/fs.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/mem_tier.h"
#include "vault/tiers/tier.h"

namespace vault::store {
namespace {

namespace fs = std::filesystem;
using ::vault::testing::ReadFile;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;
using Kind = FindingKind;
using fixtures::Kinds;
using fixtures::MakeWritable;
using fixtures::Nfc;

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Every regular file (and symlink) below `dir`, relative, sorted; empty if `dir` is missing.
std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir))
    return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_directory() || e.is_symlink())
      out.push_back(e.path().lexically_relative(dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ino_t Inode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_ino;
}

unsigned Mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

// Two local tiers, "primary" (A, where objects are created) and "offsite" (B, the replica).
class ReplicationTest : public fixtures::TwoTierStoreTest {
 protected:
  static constexpr const char* kId = "urn:uuid:5d0c9a1e-replica";

  CreateRequest Request(const std::string& id, std::vector<NewFile> files) {
    CreateRequest req;
    req.id = id;
    req.files = std::move(files);
    req.created = "2026-11-23T09:40:00+07:00";
    req.message = "Nộp lưu hồ sơ";
    req.user_name = "Nguyễn Văn A";
    return req;
  }

  // Five content files; kBig spans several 1 MiB copy buffers.
  void CreateOnA() {
    ASSERT_OK(a_->CreateObject(Request(
        kId,
        {Stage("METS.xml", "<mets/>"), Stage(Nfc("Tài liệu/Quyết định số 12.txt"), "Quyết định"),
         Stage(Nfc("Hồ sơ/Biên bản họp.bin"), BigContent()),
         Stage("metadata/premis.xml", "<premis/>"), Stage("empty.txt", "")})));
  }
  static std::string BigContent() {
    std::string s(2500000, 'b');
    for (size_t i = 0; i < s.size(); i += 4096)
      s[i] = static_cast<char>('a' + (i / 4096) % 26);
    return s;
  }
  const std::string kBig = Nfc("v1/content/Hồ sơ/Biên bản họp.bin");
  const std::string kMets = "v1/content/METS.xml";

  fs::path ObjA() const { return dir_ / "primary" / OcflStore::ObjectPath(kId); }
  fs::path ObjB() const { return dir_ / "offsite" / OcflStore::ObjectPath(kId); }
  fs::path Attic() const { return dir_ / "attic"; }
  fs::path Staging() const { return dir_ / "staging"; }

  std::vector<Finding> Verify(OcflStore& s, CheckMode mode = CheckMode::kFull) {
    VerifyOptions o;
    o.mode = mode;
    auto r = s.VerifyObject(kId, o);
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<Finding>{};
  }

  // Writes `content` over the stored file (tests only: stored objects are read-only).
  void Overwrite(const fs::path& root, const fs::path& p, const std::string& content) {
    MakeWritable(root, p);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  void FlipByte(const fs::path& root, const fs::path& p, size_t at) {
    std::string s = ReadFile(p);
    s[at] = static_cast<char>(s[at] ^ 0x20);
    Overwrite(root, p, s);
  }

  // Inodes of every file of the copy on B, to show that repairs leave good files alone.
  std::map<std::string, ino_t> InodesB() {
    std::map<std::string, ino_t> out;
    for (const std::string& rel : FilesUnder(ObjB()))
      out[rel] = Inode(ObjB() / rel);
    return out;
  }

  Result<RepairReport> Repair(const std::vector<Finding>& findings) {
    return b_->RepairFrom(*a_, kId, findings, Attic(), Staging());
  }

  // After a repair: B verifies clean, is valid OCFL, equals A file for file, and is sealed.
  void ExpectRepaired() {
    EXPECT_TRUE(Verify(*b_).empty());
    auto report = ocfl::ValidateObject(ObjB());
    ASSERT_OK(report);
    EXPECT_TRUE(report->valid) << (report->errors.empty()
                                       ? ""
                                       : report->errors[0].code + " " + report->errors[0].path);
    EXPECT_EQ(FilesUnder(ObjB()), FilesUnder(ObjA()));
    for (const std::string& rel : FilesUnder(ObjA())) {
      EXPECT_EQ(ReadFile(ObjB() / rel), ReadFile(ObjA() / rel)) << rel;
      EXPECT_EQ(Mode(ObjB() / rel), 0444u) << rel;
    }
    EXPECT_EQ(Mode(ObjB()), 0555u);
    EXPECT_EQ(Mode(ObjB() / "v1"), 0555u);
    EXPECT_EQ(FilesUnder(Staging()), std::vector<std::string>{}) << "no staging leftovers";
  }
};

// ---------------------------------------------------------------------------------------------
// CopyObjectFrom

TEST_F(ReplicationTest, CopyRoundTrip) {
  CreateOnA();
  const std::vector<std::string> files_a = FilesUnder(ObjA());
  CopyStats stats;
  ASSERT_OK(b_->CopyObjectFrom(*a_, kId, Staging(), &stats));

  EXPECT_EQ(FilesUnder(ObjB()), files_a);
  uint64_t bytes = 0;
  for (const std::string& rel : files_a) {
    EXPECT_EQ(ReadFile(ObjB() / rel), ReadFile(ObjA() / rel)) << rel;  // inventories: byte for byte
    EXPECT_EQ(Mode(ObjB() / rel), 0444u) << rel;
    bytes += fs::file_size(ObjA() / rel);
  }
  EXPECT_EQ(Mode(ObjB()), 0555u);
  EXPECT_EQ(Mode(ObjB() / "v1/content"), 0555u);
  EXPECT_EQ(stats.files, files_a.size());  // 5 content, declaration, 2 inventories, 2 sidecars
  EXPECT_EQ(stats.files, 10u);
  EXPECT_EQ(stats.bytes, bytes);

  EXPECT_TRUE(Verify(*b_).empty());
  EXPECT_TRUE(*b_->Exists(kId));
  auto report = ocfl::ValidateStorageRoot(dir_ / "offsite");
  ASSERT_OK(report);
  EXPECT_TRUE(report->valid);
  EXPECT_EQ(report->objects_checked, 1);
  EXPECT_EQ(FilesUnder(Staging()), std::vector<std::string>{});
  // A is untouched; a second copy is refused.
  EXPECT_EQ(FilesUnder(ObjA()), files_a);
  EXPECT_TRUE(Verify(*a_).empty());
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, Staging()).code(), Code::kAlreadyExists);
  EXPECT_EQ(b_->CopyObjectFrom(*b_, kId, Staging()).code(), Code::kInvalidArgument);
}

TEST_F(ReplicationTest, CopyRefusesSourceWithFlippedByte) {
  CreateOnA();
  FlipByte(dir_ / "primary", ObjA() / kBig, 2 * 1024 * 1024 + 5);  // in the third buffer
  CopyStats stats;
  Status s = b_->CopyObjectFrom(*a_, kId, Staging(), &stats);
  EXPECT_EQ(s.code(), Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("tier primary"), std::string_view::npos) << s.ToString();
  EXPECT_NE(s.message().find(OcflStore::ObjectPath(kId) + "/" + kBig), std::string_view::npos)
      << s.ToString();
  // Nothing of the object counts on B: no object, no leftovers, nothing staged.
  EXPECT_FALSE(*b_->Exists(kId));
  EXPECT_FALSE(fs::exists(ObjB()));
  std::vector<std::string> incomplete;
  ASSERT_OK(b_->ListIncomplete([&](const std::string& p) {
    incomplete.push_back(p);
    return true;
  }));
  EXPECT_TRUE(incomplete.empty());
  EXPECT_EQ(FilesUnder(Staging()), std::vector<std::string>{});
  EXPECT_EQ(Kinds(Verify(*b_)), (std::vector<std::pair<FindingKind, std::string>>{
                                    {Kind::kMissingObject, OcflStore::ObjectPath(kId)}}));
}

TEST_F(ReplicationTest, CopyRefusesBrokenSourcesBeforeWriting) {
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, Staging()).code(), Code::kNotFound);
  CreateOnA();
  // Truncated content, missing content, a damaged inventory: each refused with nothing written.
  const std::string good_big = ReadFile(ObjA() / kBig);
  fs::resize_file((MakeWritable(dir_ / "primary", ObjA() / kBig), ObjA() / kBig), 100);
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, Staging()).code(), Code::kCorruption);
  EXPECT_FALSE(fs::exists(ObjB()));
  Overwrite(dir_ / "primary", ObjA() / kBig, good_big);

  const std::string mets = ReadFile(ObjA() / kMets);
  fs::remove(ObjA() / kMets);
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, Staging()).code(), Code::kCorruption);
  EXPECT_FALSE(fs::exists(ObjB()));
  WriteFile(ObjA() / kMets, mets);

  const std::string v1 = ReadFile(ObjA() / "v1/inventory.json");
  Overwrite(dir_ / "primary", ObjA() / "v1/inventory.json", v1 + " ");
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, Staging()).code(), Code::kCorruption);
  EXPECT_FALSE(fs::exists(ObjB()));
  Overwrite(dir_ / "primary", ObjA() / "v1/inventory.json", v1);

  // Repaired by hand, the source copies; a stray file in the source is not copied.
  WriteFile(ObjA() / "v1/content/stray.txt", "not in the inventory");
  ASSERT_OK(b_->CopyObjectFrom(*a_, kId, Staging()));
  EXPECT_FALSE(fs::exists(ObjB() / "v1/content/stray.txt"));
  EXPECT_TRUE(Verify(*b_).empty());
}

TEST_F(ReplicationTest, CopyRefusesIncompleteDirectoryInTheWay) {
  CreateOnA();
  ASSERT_OK(tier_b_->PutBytes(OcflStore::ObjectPath(kId) + "/v1/content/METS.xml", "<mets/>"));
  EXPECT_EQ(b_->CopyObjectFrom(*a_, kId, Staging()).code(), Code::kFailedPrecondition);
  EXPECT_EQ(FilesUnder(ObjB()), std::vector<std::string>{"v1/content/METS.xml"});
}

// A local tier that damages the bytes of one key as it stores them (a bad disk, a bad cable):
// the copy's read-back must catch it.
class DamagingTier final : public fixtures::ForwardingTier {
 public:
  DamagingTier(std::unique_ptr<tiers::Tier> inner, std::string damaged_suffix)
      : ForwardingTier(*inner), owned_(std::move(inner)), suffix_(std::move(damaged_suffix)) {}
  Status PutFile(std::string_view key, const fs::path& src, bool move) override {
    if (!key.ends_with(suffix_)) return inner().PutFile(key, src, move);
    std::string bytes = ReadFile(src);
    bytes[bytes.size() / 2] ^= 1;
    VAULT_RETURN_IF_ERROR(inner().PutBytes(key, bytes));
    if (move) fs::remove(src);
    return Status::Ok();
  }

 private:
  std::unique_ptr<tiers::Tier> owned_;
  std::string suffix_;
};

TEST_F(ReplicationTest, CopyThatFailsReadBackIsCorruptionAndStays) {
  CreateOnA();
  auto inner = tiers::OpenLocalTier("flaky", dir_ / "flaky");
  ASSERT_OK(inner);
  DamagingTier flaky(*std::move(inner), "METS.xml");
  auto opened = OcflStore::Open(flaky);
  ASSERT_OK(opened);
  OcflStore& f = **opened;
  Status s = f.CopyObjectFrom(*a_, kId, Staging());
  EXPECT_EQ(s.code(), Code::kCorruption) << s.ToString();
  EXPECT_EQ(s.message(), "copy of " + std::string(kId) +
                             " on flaky failed verification after writing: digest_mismatch " +
                             kMets + " (expected " + Sha256Hex("<mets/>") + ", actual " +
                             Sha256Hex("<meus/>") + ")");
  // The copy is complete and stays (nothing deletes an object): the caller repairs it.
  EXPECT_TRUE(*f.Exists(kId));
  auto findings = f.VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  EXPECT_EQ(Kinds(*findings),
            (std::vector<std::pair<FindingKind, std::string>>{{Kind::kDigestMismatch, kMets}}));
}

// ---------------------------------------------------------------------------------------------
// RepairFrom: one test per kind of damage. A and B start identical (B is a copy of A).

class RepairTest : public ReplicationTest {
 protected:
  void SetUp() override {
    ReplicationTest::SetUp();
    CreateOnA();
    ASSERT_OK(b_->CopyObjectFrom(*a_, kId, Staging()));
    ASSERT_TRUE(Verify(*b_).empty());
  }
  fs::path WritableB(const std::string& rel) {
    MakeWritable(dir_ / "offsite", ObjB() / rel);
    return ObjB() / rel;
  }
  // Repairs B with its own findings and checks the result: `moved` went to the attic (bytes
  // exactly as they were, given in `damaged_bytes`), `restored` came back from A, every other
  // file kept its inode.
  void RepairAndCheck(const std::vector<std::pair<FindingKind, std::string>>& want_findings,
                      const std::vector<std::string>& moved,
                      const std::vector<std::string>& restored,
                      const std::map<std::string, std::string>& damaged_bytes) {
    std::map<std::string, ino_t> before = InodesB();
    auto findings = Verify(*b_);
    ASSERT_EQ(Kinds(findings), want_findings);
    auto report = Repair(findings);
    ASSERT_OK(report);
    EXPECT_EQ(Sorted(report->moved_aside), Sorted(moved));
    EXPECT_EQ(Sorted(report->restored), Sorted(restored));
    ExpectRepaired();
    EXPECT_EQ(FilesUnder(Attic()), Sorted(moved));
    for (const auto& [rel, bytes] : damaged_bytes) {
      EXPECT_EQ(ReadFile(Attic() / rel), bytes) << "the attic holds the damaged bytes of " << rel;
    }
    for (const auto& [rel, ino] : before) {
      if (std::find(moved.begin(), moved.end(), rel) != moved.end())
        continue;
      if (std::find(restored.begin(), restored.end(), rel) != restored.end())
        continue;
      EXPECT_EQ(Inode(ObjB() / rel), ino) << rel << " was good and must be untouched";
    }
    // Repaired: a second verify-and-repair round finds nothing to do.
    auto again = Repair(Verify(*b_));
    ASSERT_OK(again);
    EXPECT_TRUE(again->moved_aside.empty() && again->restored.empty());
  }
};

TEST_F(RepairTest, FlippedByte) {
  FlipByte(dir_ / "offsite", WritableB(kBig), 1234567);
  const std::string damaged = ReadFile(ObjB() / kBig);
  RepairAndCheck({{Kind::kDigestMismatch, kBig}}, {kBig}, {kBig}, {{kBig, damaged}});
}

TEST_F(RepairTest, TruncatedFile) {
  fs::resize_file(WritableB(kBig), 4096);
  const std::string damaged = ReadFile(ObjB() / kBig);
  RepairAndCheck({{Kind::kSizeMismatch, kBig}}, {kBig}, {kBig}, {{kBig, damaged}});
}

TEST_F(RepairTest, DeletedFile) {
  fs::remove(WritableB(kMets));
  RepairAndCheck({{Kind::kMissingFile, kMets}}, {}, {kMets}, {});
}

TEST_F(RepairTest, StrayFiles) {
  WritableB("v1/content");
  WriteFile(ObjB() / "v1/content/stray.txt", "who put this here");
  WriteFile(ObjB() / "v1/content/new dir/deeper.txt", "and this");
  WritableB("");
  WriteFile(ObjB() / "notes.txt", "x");
  RepairAndCheck({{Kind::kUnexpectedFile, "notes.txt"},
                  {Kind::kUnexpectedFile, "v1/content/new dir/deeper.txt"},
                  {Kind::kUnexpectedFile, "v1/content/stray.txt"}},
                 {"notes.txt", "v1/content/new dir/deeper.txt", "v1/content/stray.txt"}, {},
                 {{"notes.txt", "x"},
                  {"v1/content/stray.txt", "who put this here"},
                  {"v1/content/new dir/deeper.txt", "and this"}});
  EXPECT_FALSE(fs::exists(ObjB() / "v1/content/new dir")) << "emptied directories are pruned";
}

TEST_F(RepairTest, DamagedRootInventory) {
  std::string text = ReadFile(ObjB() / "inventory.json");
  size_t at = text.find("Nộp lưu hồ sơ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("Nộp lưu hồ sơ").size(), "Edited message");
  Overwrite(dir_ / "offsite", WritableB("inventory.json"), text);
  // The sidecar and v1 inventory are right and stay as they are.
  RepairAndCheck(
      {{Kind::kInventoryMismatch, "inventory.json"}, {Kind::kInventoryMismatch, "inventory.json"}},
      {"inventory.json"}, {"inventory.json"}, {{"inventory.json", text}});
}

TEST_F(RepairTest, DeletedRootInventoryAndSidecar) {
  fs::remove(WritableB("inventory.json"));
  fs::remove(WritableB("inventory.json.sha256"));
  std::vector<Finding> findings = Verify(*b_);
  auto report = Repair(findings);
  ASSERT_OK(report);
  // The root inventory goes back last, after its sidecar.
  EXPECT_EQ(report->restored,
            (std::vector<std::string>{"inventory.json.sha256", "inventory.json"}));
  EXPECT_TRUE(report->moved_aside.empty());
  ExpectRepaired();
  EXPECT_EQ(FilesUnder(Attic()), std::vector<std::string>{});
}

TEST_F(RepairTest, DeletedVersionInventory) {
  fs::remove(WritableB("v1/inventory.json"));
  RepairAndCheck({{Kind::kMissingFile, "v1/inventory.json"}}, {}, {"v1/inventory.json"}, {});
}

TEST_F(RepairTest, DamagedDeclarationAndSidecar) {
  Overwrite(dir_ / "offsite", WritableB("0=ocfl_object_1.1"), "ocfl_object_1.0\n");
  Overwrite(dir_ / "offsite", WritableB("v1/inventory.json.sha256"), "0000  inventory.json\n");
  RepairAndCheck({{Kind::kDigestMismatch, "0=ocfl_object_1.1"},
                  {Kind::kInventoryMismatch, "v1/inventory.json"}},
                 {"0=ocfl_object_1.1", "v1/inventory.json.sha256"},
                 {"0=ocfl_object_1.1", "v1/inventory.json.sha256"},
                 {{"0=ocfl_object_1.1", "ocfl_object_1.0\n"},
                  {"v1/inventory.json.sha256", "0000  inventory.json\n"}});
}

TEST_F(RepairTest, WholeObjectMissing) {
  ASSERT_OK(RemoveTree(ObjB()));  // makes the sealed directories writable first
  auto findings = Verify(*b_);
  ASSERT_EQ(Kinds(findings), (std::vector<std::pair<FindingKind, std::string>>{
                                 {Kind::kMissingObject, OcflStore::ObjectPath(kId)}}));
  auto report = Repair(findings);
  ASSERT_OK(report);
  EXPECT_EQ(Sorted(report->restored), FilesUnder(ObjA()));
  EXPECT_TRUE(report->moved_aside.empty());
  ExpectRepaired();
}

TEST_F(RepairTest, ManyKindsAtOnceIncludingTheRootInventory) {
  fs::remove(WritableB(kMets));
  FlipByte(dir_ / "offsite", WritableB(kBig), 10);
  const std::string damaged_big = ReadFile(ObjB() / kBig);
  WriteFile(ObjB() / "v1/stray", "s");
  fs::remove(WritableB("inventory.json"));
  // Without a root inventory the content is checked against v1's.
  auto findings = Verify(*b_);
  EXPECT_EQ(Kinds(findings), (std::vector<std::pair<FindingKind, std::string>>{
                                 {Kind::kMissingFile, "inventory.json"},
                                 {Kind::kMissingFile, kMets},
                                 {Kind::kDigestMismatch, kBig},
                                 {Kind::kUnexpectedFile, "v1/stray"}}));
  auto report = Repair(findings);
  ASSERT_OK(report);
  EXPECT_EQ(Sorted(report->moved_aside), Sorted({kBig, "v1/stray"}));
  EXPECT_EQ(Sorted(report->restored), Sorted({kBig, kMets, "inventory.json"}));
  EXPECT_EQ(report->restored.back(), "inventory.json");
  ExpectRepaired();
  EXPECT_EQ(ReadFile(Attic() / kBig), damaged_big);
  EXPECT_EQ(ReadFile(Attic() / "v1/stray"), "s");
}

TEST_F(RepairTest, AnEarlierAtticFileIsNeverReplaced) {
  FlipByte(dir_ / "offsite", WritableB(kBig), 1);
  const std::string first = ReadFile(ObjB() / kBig);
  ASSERT_OK(Repair(Verify(*b_)));
  FlipByte(dir_ / "offsite", WritableB(kBig), 2);
  const std::string second = ReadFile(ObjB() / kBig);
  ASSERT_OK(Repair(Verify(*b_)));
  EXPECT_EQ(ReadFile(Attic() / kBig), first);
  EXPECT_EQ(ReadFile(Attic() / (kBig + ".1")), second);
  ExpectRepaired();
}

TEST_F(RepairTest, RefusesWhenSourceIsDamagedInTheSameFileAndChangesNothing) {
  FlipByte(dir_ / "offsite", WritableB(kBig), 100);
  FlipByte(dir_ / "primary", ObjA() / kBig, 200);
  MakeWritable(dir_ / "offsite", ObjB() / kBig);  // the test's own chmods: reseal for the check
  ASSERT_OK(tier_b_->Seal(OcflStore::ObjectPath(kId)));
  const std::map<std::string, ino_t> before = InodesB();
  const std::string damaged = ReadFile(ObjB() / kBig);
  auto findings = Verify(*b_);
  auto report = Repair(findings);
  EXPECT_EQ(report.status().code(), Code::kCorruption) << report.status().ToString();
  EXPECT_NE(report.status().message().find("tier primary"), std::string_view::npos);
  // Nothing changed on B: same files, same inodes, same bytes, still sealed; no attic.
  EXPECT_EQ(InodesB(), before);
  EXPECT_EQ(ReadFile(ObjB() / kBig), damaged);
  EXPECT_EQ(Mode(ObjB() / "v1/content"), 0555u);
  EXPECT_FALSE(fs::exists(Attic()));
  EXPECT_EQ(FilesUnder(Staging()), std::vector<std::string>{});
  EXPECT_EQ(Kinds(Verify(*b_)), Kinds(findings));
}

TEST_F(RepairTest, RefusesCopiesOfDifferentObjectStates) {
  // C holds another object state under the same id (another v1).
  auto tier_c = tiers::OpenLocalTier("third", dir_ / "third");
  ASSERT_OK(tier_c);
  auto c = OcflStore::Open(**tier_c);
  ASSERT_OK(c);
  ASSERT_OK((*c)->CreateObject(Request(kId, {Stage("other.txt", "another state")})));
  fs::remove(WritableB(kMets));
  const std::map<std::string, ino_t> before = InodesB();
  auto findings = Verify(*b_);
  auto report = b_->RepairFrom(**c, kId, findings, Attic(), Staging());
  EXPECT_EQ(report.status().code(), Code::kFailedPrecondition) << report.status().ToString();
  // Also when this root inventory is gone: the intact v1 inventory here tells the state.
  fs::remove(WritableB("inventory.json"));
  findings = Verify(*b_);
  report = b_->RepairFrom(**c, kId, findings, Attic(), Staging());
  EXPECT_EQ(report.status().code(), Code::kFailedPrecondition) << report.status().ToString();
  EXPECT_FALSE(fs::exists(Attic()));
  // The right source still repairs it.
  ASSERT_OK(Repair(findings));
  ExpectRepaired();
  (void)before;
}

TEST_F(RepairTest, RejectsFindingsAboutOtherCopies) {
  fs::remove(WritableB(kMets));
  auto findings = Verify(*b_);
  ASSERT_EQ(findings.size(), 1u);
  Finding other_tier = findings[0];
  other_tier.tier = "primary";
  EXPECT_EQ(Repair({other_tier}).status().code(), Code::kInvalidArgument);
  Finding other_object = findings[0];
  other_object.object_id = "urn:uuid:other";
  EXPECT_EQ(Repair({other_object}).status().code(), Code::kInvalidArgument);
  Finding escape = findings[0];
  escape.path = "../../../etc/passwd";
  EXPECT_EQ(Repair({escape}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(b_->RepairFrom(*b_, kId, findings, Attic(), Staging()).status().code(),
            Code::kInvalidArgument);
  auto none = Repair({});
  ASSERT_OK(none);
  EXPECT_TRUE(none->moved_aside.empty() && none->restored.empty());
  EXPECT_FALSE(fs::exists(Attic()));
}

// The attic on another file system: the damaged file is copied (fsynced) and only then removed.
TEST_F(RepairTest, AtticOnAnotherFileSystem) {
  struct stat shm {
  }, tmp{};
  if (::stat("/dev/shm", &shm) != 0 || ::stat(dir_.path().c_str(), &tmp) != 0 ||
      shm.st_dev == tmp.st_dev || ::access("/dev/shm", W_OK) != 0) {
    GTEST_SKIP() << "no writable /dev/shm on another file system";
  }
  std::string tmpl = "/dev/shm/vault-attic-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path attic = tmpl;
  FlipByte(dir_ / "offsite", WritableB(kBig), 7);
  const std::string damaged = ReadFile(ObjB() / kBig);
  WritableB("v1");
  fs::create_symlink("/etc/hostname", ObjB() / "v1/link");
  auto findings = Verify(*b_);
  EXPECT_EQ(Kinds(findings),
            (std::vector<std::pair<FindingKind, std::string>>{{Kind::kDigestMismatch, kBig},
                                                              {Kind::kUnexpectedFile, "v1/link"}}));
  auto report = b_->RepairFrom(*a_, kId, findings, attic, Staging());
  ASSERT_OK(report);
  EXPECT_EQ(ReadFile(attic / kBig), damaged);
  EXPECT_TRUE(fs::is_symlink(attic / "v1/link"));
  EXPECT_EQ(fs::read_symlink(attic / "v1/link"), "/etc/hostname");
  EXPECT_EQ(FilesUnder(attic), Sorted({kBig, "v1/link"})) << "no temp files left in the attic";
  ExpectRepaired();
  fs::remove_all(attic);
}

// ---------------------------------------------------------------------------------------------
// VerifyObject options

TEST_F(ReplicationTest, SizeOnlyDetectsTruncationButNotSameSizeFlip) {
  CreateOnA();
  VerifyStats stats;
  VerifyOptions size_only;
  size_only.mode = CheckMode::kSizeOnly;
  auto clean = a_->VerifyObject(kId, size_only, &stats);
  ASSERT_OK(clean);
  EXPECT_TRUE(clean->empty());
  const uint64_t inventory_bytes =
      fs::file_size(ObjA() / "inventory.json") + fs::file_size(ObjA() / "v1/inventory.json");
  EXPECT_EQ(stats.files_checked, 5u + 2u);  // content files + inventories
  EXPECT_EQ(stats.bytes_hashed, inventory_bytes) << "size-only reads no content";

  FlipByte(dir_ / "primary", ObjA() / kBig, 99);
  EXPECT_TRUE(Verify(*a_, CheckMode::kSizeOnly).empty());
  EXPECT_EQ(Kinds(Verify(*a_, CheckMode::kFull)),
            (std::vector<std::pair<FindingKind, std::string>>{{Kind::kDigestMismatch, kBig}}));
  // The clean size-only verify sealed the object again: writable once more for the damage.
  fs::resize_file((MakeWritable(dir_ / "primary", ObjA() / kBig), ObjA() / kBig), 10);
  EXPECT_EQ(Kinds(Verify(*a_, CheckMode::kSizeOnly)),
            (std::vector<std::pair<FindingKind, std::string>>{{Kind::kSizeMismatch, kBig}}));
}

TEST_F(ReplicationTest, FullModeStatsCountContentAndInventoryBytes) {
  CreateOnA();
  VerifyStats stats;
  ASSERT_OK(a_->VerifyObject(kId, VerifyOptions{}, &stats));
  uint64_t content = 0;
  for (const auto& e : fs::recursive_directory_iterator(ObjA() / "v1/content")) {
    if (e.is_regular_file())
      content += e.file_size();
  }
  EXPECT_EQ(stats.files_checked, 7u);
  EXPECT_EQ(stats.bytes_hashed, content + fs::file_size(ObjA() / "inventory.json") +
                                    fs::file_size(ObjA() / "v1/inventory.json"));
}

TEST_F(ReplicationTest, HasherIsCalledOncePerObjectWithEveryContentFile) {
  CreateOnA();
  int calls = 0;
  std::vector<HashRequest> seen;
  std::map<std::string, HashOutcome> overrides;  // by key
  ContentHasher hasher = [&](const tiers::Tier& tier, const std::vector<HashRequest>& reqs) {
    ++calls;
    seen = reqs;
    std::vector<HashOutcome> out;
    for (const HashRequest& r : reqs) {
      if (auto it = overrides.find(r.key); it != overrides.end()) {
        out.push_back(it->second);
        continue;
      }
      HashOutcome o;
      auto bytes = tier.ReadAll(r.key, 1 << 30);
      o.status = bytes.status();
      if (bytes.ok()) {
        o.digest = Sha256Hex(*bytes);
        o.bytes = bytes->size();
      }
      out.push_back(std::move(o));
    }
    return out;
  };
  VerifyOptions o;
  o.hasher = &hasher;
  VerifyStats stats;
  auto clean = a_->VerifyObject(kId, o, &stats);
  ASSERT_OK(clean);
  EXPECT_TRUE(clean->empty());
  EXPECT_EQ(calls, 1);
  const std::string obj = OcflStore::ObjectPath(kId);
  std::vector<std::string> keys;
  for (const HashRequest& r : seen) {
    keys.push_back(r.key);
    EXPECT_EQ(r.algorithm, "sha256");
    EXPECT_EQ(r.expected_size, fs::file_size(dir_ / "primary" / r.key)) << r.key;
  }
  std::vector<std::string> want;
  for (const auto& e : fs::recursive_directory_iterator(ObjA() / "v1/content")) {
    if (e.is_regular_file())
      want.push_back(obj + "/" + fs::relative(e.path(), ObjA()).string());
  }
  EXPECT_EQ(Sorted(keys), Sorted(want));
  EXPECT_EQ(stats.bytes_hashed, BigContent().size() + 7 + std::string("Quyết định").size() + 9 +
                                    fs::file_size(ObjA() / "inventory.json") +
                                    fs::file_size(ObjA() / "v1/inventory.json"));

  // Outcomes map to findings: a wrong digest, a vanished file (kNotFound); any other error
  // means the check could not run.
  HashOutcome wrong;
  wrong.digest = std::string(64, 'f');
  overrides[obj + "/" + kBig] = wrong;
  HashOutcome gone;
  gone.status = Status::NotFound("vanished");
  overrides[obj + "/" + kMets] = gone;
  auto findings = a_->VerifyObject(kId, o);
  ASSERT_OK(findings);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Kinds(*findings), (std::vector<std::pair<FindingKind, std::string>>{
                                  {Kind::kMissingFile, kMets}, {Kind::kDigestMismatch, kBig}}));
  HashOutcome broken;
  broken.status = Status::IoError("disk on fire");
  overrides[obj + "/" + kMets] = broken;
  EXPECT_EQ(a_->VerifyObject(kId, o).status().code(), Code::kIoError);

  // Size-only mode and files already known to be damaged are not sent to the hasher.
  calls = 0;
  o.mode = CheckMode::kSizeOnly;
  ASSERT_OK(a_->VerifyObject(kId, o));
  EXPECT_EQ(calls, 0);
  o.mode = CheckMode::kFull;
  overrides.clear();
  fs::resize_file((MakeWritable(dir_ / "primary", ObjA() / kBig), ObjA() / kBig), 1);
  ASSERT_OK(a_->VerifyObject(kId, o));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.size(), 4u);
}

// ---------------------------------------------------------------------------------------------
// The same on a tier without local paths (MemTier): ReadAt streaming, the attic copied and not
// renamed, and sealing enforced whoever runs the test (so Unseal/Seal are exercised for real).

TEST_F(ReplicationTest, CopyAndRepairOnMemTier) {
  CreateOnA();
  tiers::MemTier mem("mem");
  auto opened = OcflStore::Open(mem);
  ASSERT_OK(opened);
  OcflStore& m = **opened;
  CopyStats stats;
  ASSERT_OK(m.CopyObjectFrom(*a_, kId, Staging(), &stats));
  EXPECT_EQ(stats.files, 10u);
  auto clean = m.VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(clean);
  EXPECT_TRUE(clean->empty());

  const std::string obj = OcflStore::ObjectPath(kId);
  std::string damaged = BigContent();
  damaged[2 * 1024 * 1024 + 1] = '!';
  ASSERT_OK(mem.CorruptForTesting(obj + "/" + kBig, damaged));
  ASSERT_OK(mem.Remove(obj + "/" + kMets));
  ASSERT_OK(mem.Unseal(obj));
  ASSERT_OK(mem.PutBytes(obj + "/v1/content/stray", "stray"));
  ASSERT_OK(mem.Seal(obj));
  auto findings = m.VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(findings);
  EXPECT_EQ(Kinds(*findings), (std::vector<std::pair<FindingKind, std::string>>{
                                  {Kind::kMissingFile, kMets},
                                  {Kind::kDigestMismatch, kBig},
                                  {Kind::kUnexpectedFile, "v1/content/stray"}}));
  auto report = m.RepairFrom(*a_, kId, *findings, Attic(), Staging());
  ASSERT_OK(report);
  EXPECT_EQ(Sorted(report->moved_aside), Sorted({kBig, "v1/content/stray"}));
  EXPECT_EQ(Sorted(report->restored), Sorted({kBig, kMets}));
  EXPECT_EQ(ReadFile(Attic() / kBig), damaged);
  EXPECT_EQ(ReadFile(Attic() / "v1/content/stray"), "stray");
  auto after = m.VerifyObject(kId, VerifyOptions{});
  ASSERT_OK(after);
  EXPECT_TRUE(after->empty());
  EXPECT_EQ(*mem.ReadAll(obj + "/" + kBig, 1 << 30), BigContent());
  // Sealed again.
  EXPECT_EQ(mem.PutBytes(obj + "/v1/content/late", "x").code(), Code::kPermissionDenied);

  // And the other way: repair the local copy from the MemTier one.
  ASSERT_OK(b_->CopyObjectFrom(m, kId, Staging()));
  MakeWritable(dir_ / "offsite", ObjB() / "inventory.json");
  fs::remove(ObjB() / "inventory.json");
  auto local_findings = Verify(*b_);
  ASSERT_OK(b_->RepairFrom(m, kId, local_findings, dir_ / "attic2", Staging()));
  ExpectRepaired();
}

}  // namespace
}  // namespace vault::store
