// Unit tests of the BagIt validator and writer on bags built in temp dirs.
#include "formats/bagit/bagit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::bagit {
namespace {

namespace fs = std::filesystem;

bool HasIssue(const std::vector<Issue>& v, const std::string& code) {
  return std::any_of(v.begin(), v.end(), [&](const Issue& i) { return i.code == code; });
}

const Issue* FindIssue(const std::vector<Issue>& v, const std::string& code) {
  for (const Issue& i : v) {
    if (i.code == code)
      return &i;
  }
  return nullptr;
}

std::string Describe(const Report& r) {
  std::string s = r.valid ? "valid" : "invalid";
  for (const Issue& i : r.errors)
    s += "\n  E " + i.code + ": " + i.message;
  for (const Issue& i : r.warnings)
    s += "\n  W " + i.code + ": " + i.message;
  return s;
}

const char kDeclaration[] = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

class BagTest : public ::testing::Test {
 protected:
  fs::path bag() const { return tmp_ / "bag"; }
  Report Validate(const Options& o = Options{}) {
    Result<Report> r = ValidateBag(bag(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Report{};
  }
  // A minimal 1.0 bag written by hand: bagit.txt and manifest-sha256.txt listing `files`
  // (manifest name -> content) while the disk names may differ (`disk` overrides).
  void HandBag(const std::vector<std::pair<std::string, std::string>>& listed,
               const std::vector<std::pair<std::string, std::string>>& disk) {
    testing::WriteFile(bag() / "bagit.txt", kDeclaration);
    std::string manifest;
    for (const auto& [name, content] : listed)
      manifest += Sha256Hex(content) + "  " + name + "\n";
    testing::WriteFile(bag() / "manifest-sha256.txt", manifest);
    for (const auto& [name, content] : disk)
      testing::WriteFile(bag() / name, content);
  }
  testing::TempDir tmp_;
};

TEST_F(BagTest, WrittenBagValidatesWithEveryAlgorithm) {
  testing::WriteFile(bag() / "data/a.txt", "alpha");
  testing::WriteFile(bag() / "data/sub/b.txt", "beta!");
  testing::WriteFile(bag() / "data/100%.txt", "percent");
  ASSERT_OK(WriteBag(bag(),
                     {DigestAlgorithm::kMd5, DigestAlgorithm::kSha1, DigestAlgorithm::kSha256,
                      DigestAlgorithm::kSha512},
                     {{"Source-Organization", "Trung tâm Lưu trữ lịch sử tỉnh"}}));
  Report r = Validate();
  EXPECT_TRUE(r.valid) << Describe(r);
  EXPECT_TRUE(r.warnings.empty()) << Describe(r);
  EXPECT_EQ(r.version, "1.0");
  ASSERT_EQ(r.payload.size(), 3u);
  EXPECT_EQ(r.payload[0].path, "data/100%.txt");
  EXPECT_EQ(r.payload[1].path, "data/a.txt");
  EXPECT_EQ(r.payload[1].size, 5u);
  EXPECT_EQ(r.payload[1].digests.at("sha256"), Sha256Hex("alpha"));
  EXPECT_EQ(r.payload[1].digests.size(), 4u);
  EXPECT_EQ(r.info.front().first, "Source-Organization");
  EXPECT_EQ(r.info.front().second, "Trung tâm Lưu trữ lịch sử tỉnh");
  auto oxum = std::find_if(r.info.begin(), r.info.end(),
                           [](const auto& p) { return p.first == "Payload-Oxum"; });
  ASSERT_NE(oxum, r.info.end());
  EXPECT_EQ(oxum->second, "17.3");
  EXPECT_NE(std::find(r.tag_files.begin(), r.tag_files.end(), "tagmanifest-sha512.txt"),
            r.tag_files.end());
  // The '%' in the name is written percent-encoded.
  EXPECT_NE(testing::ReadFile(bag() / "manifest-sha256.txt").find("data/100%25.txt"),
            std::string::npos);
  nlohmann::json j = ReportToJson(r);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["payload_files"], 3);
  EXPECT_EQ(j["payload_bytes"], 17);
  EXPECT_TRUE(j["errors"].empty());
}

TEST_F(BagTest, WriteBagKeepsGivenDateAndComputesOxum) {
  testing::WriteFile(bag() / "data/a.txt", "abc");
  ASSERT_OK(WriteBag(bag(), {DigestAlgorithm::kSha256},
                     {{"Bagging-Date", "2025-07-01"}, {"Payload-Oxum", "999.9"}}));
  Report r = Validate();
  EXPECT_TRUE(r.valid) << Describe(r);
  std::vector<std::pair<std::string, std::string>> want = {{"Bagging-Date", "2025-07-01"},
                                                           {"Payload-Oxum", "3.1"}};
  EXPECT_EQ(r.info, want);
}

TEST_F(BagTest, DetectsCorruptPayloadAndOxumMismatch) {
  testing::WriteFile(bag() / "data/a.txt", "alpha");
  ASSERT_OK(WriteBag(bag(), {DigestAlgorithm::kSha256}, {}));
  testing::WriteFile(bag() / "data/a.txt", "alphA!");
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  const Issue* mismatch = FindIssue(r.errors, "bagit.manifest.digest_mismatch");
  ASSERT_NE(mismatch, nullptr) << Describe(r);
  EXPECT_EQ(mismatch->path, "data/a.txt");
  EXPECT_TRUE(HasIssue(r.errors, "bagit.oxum.mismatch")) << Describe(r);
  nlohmann::json j = ReportToJson(r);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["errors"][0]["code"].get<std::string>().rfind("bagit.", 0), 0u);
}

TEST_F(BagTest, UppercaseHexIsAccepted) {
  std::string d = Sha256Hex("x");
  std::transform(d.begin(), d.end(), d.begin(), ::toupper);
  testing::WriteFile(bag() / "bagit.txt", kDeclaration);
  testing::WriteFile(bag() / "manifest-sha256.txt", d + " data/x.txt\n");
  testing::WriteFile(bag() / "data/x.txt", "x");
  Report r = Validate();
  EXPECT_TRUE(r.valid) << Describe(r);
}

TEST_F(BagTest, EndlessManifestLineIsRejectedWithBoundedMemory) {
  testing::WriteFile(bag() / "bagit.txt", kDeclaration);
  testing::WriteFile(bag() / "data/x.txt", "x");
  {
    // 32 MiB without a single line break.
    int fd = ::open((bag() / "manifest-sha256.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 32; ++i)
      ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), 1 << 20);
    ::close(fd);
  }
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  const Issue* i = FindIssue(r.errors, "bagit.manifest.line_too_long");
  ASSERT_NE(i, nullptr) << Describe(r);
  EXPECT_EQ(i->path, "manifest-sha256.txt");
  EXPECT_NE(i->message.find("manifest-sha256.txt line 1"), std::string::npos) << i->message;
}

TEST_F(BagTest, ManifestPathOutsideDataIsRejected) {
  HandBag({{"data/x.txt", "x"}, {"bagit.txt", kDeclaration}}, {{"data/x.txt", "x"}});
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  const Issue* i = FindIssue(r.errors, "bagit.manifest.path_outside_payload");
  ASSERT_NE(i, nullptr) << Describe(r);
  EXPECT_EQ(i->path, "bagit.txt");
}

TEST_F(BagTest, TraversalInManifestIsRefused) {
  testing::WriteFile(tmp_ / "secret.txt", "secret");
  HandBag({{"data/x.txt", "x"}, {"data/../../secret.txt", "secret"}, {"/etc/passwd", "p"}},
          {{"data/x.txt", "x"}});
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  int unsafe = 0;
  for (const Issue& i : r.errors)
    unsafe += i.code == "bagit.manifest.unsafe_path";
  EXPECT_EQ(unsafe, 2) << Describe(r);
  // The entries were dropped, so nothing about the outside file can be reported.
  for (const auto& p : r.payload)
    EXPECT_EQ(p.path.find(".."), std::string::npos);
}

TEST_F(BagTest, NormalisationCollisionOnDiskIsRejected) {
  const std::string nfc = *ToNfc("data/Tiếng Việt.txt");
  const std::string nfd = *ToNfd("data/Tiếng Việt.txt");
  HandBag({{nfc, "1"}, {nfd, "2"}}, {{nfc, "1"}, {nfd, "2"}});
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(HasIssue(r.errors, "bagit.payload.normalization_collision")) << Describe(r);
}

// Disk names NFD, manifest NFC (what macOS produces) and the reverse both validate; each payload
// entry gives the manifest name and the actual disk name.
TEST_F(BagTest, VietnameseNamesMatchAcrossNormalisation) {
  const std::string name = "data/Hồ sơ số 01/Quyết định thành lập.pdf";
  const std::string nfc = *ToNfc(name);
  const std::string nfd = *ToNfd(name);
  ASSERT_NE(nfc, nfd);
  for (bool disk_is_nfd : {true, false}) {
    fs::remove_all(bag());
    const std::string& listed = disk_is_nfd ? nfc : nfd;
    const std::string& on_disk = disk_is_nfd ? nfd : nfc;
    HandBag({{listed, "nội dung"}}, {{on_disk, "nội dung"}});
    Report r = Validate();
    EXPECT_TRUE(r.valid) << (disk_is_nfd ? "disk NFD: " : "disk NFC: ") << Describe(r);
    ASSERT_EQ(r.payload.size(), 1u);
    EXPECT_EQ(r.payload[0].path, listed);
    EXPECT_EQ(r.payload[0].disk_path, on_disk);
    EXPECT_EQ(r.payload[0].size, std::string("nội dung").size());
  }
}

TEST_F(BagTest, PercentEncodedLineBreakInName) {
  HandBag({{"data/line%0Abreak%25.txt", "x"}}, {{"data/line\nbreak%.txt", "x"}});
  // HandBag hashed the encoded name's content "x": the manifest lists the encoded form.
  Report r = Validate();
  EXPECT_TRUE(r.valid) << Describe(r);
  ASSERT_EQ(r.payload.size(), 1u);
  EXPECT_EQ(r.payload[0].path, "data/line\nbreak%.txt");
}

TEST_F(BagTest, UnlistedFileAndMissingFile) {
  HandBag({{"data/listed.txt", "l"}, {"data/gone.txt", "g"}},
          {{"data/listed.txt", "l"}, {"data/extra.txt", "e"}});
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  const Issue* unlisted = FindIssue(r.errors, "bagit.payload.unlisted_file");
  ASSERT_NE(unlisted, nullptr) << Describe(r);
  EXPECT_EQ(unlisted->path, "data/extra.txt");
  const Issue* missing = FindIssue(r.errors, "bagit.manifest.missing_file");
  ASSERT_NE(missing, nullptr) << Describe(r);
  EXPECT_EQ(missing->path, "data/gone.txt");
}

TEST_F(BagTest, EveryManifestMustListEveryFile) {
  HandBag({{"data/a.txt", "a"}, {"data/b.txt", "b"}}, {{"data/a.txt", "a"}, {"data/b.txt", "b"}});
  testing::WriteFile(bag() / "manifest-md5.txt", "0cc175b9c0f1b6a831c399e269772661  data/a.txt\n");
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  const Issue* i = FindIssue(r.errors, "bagit.manifest.incomplete");
  ASSERT_NE(i, nullptr) << Describe(r);
  EXPECT_EQ(i->path, "data/b.txt");
}

TEST_F(BagTest, FetchItemsThatAreMissingMakeTheBagIncomplete) {
  HandBag({{"data/here.txt", "h"}, {"data/remote.txt", "r"}}, {{"data/here.txt", "h"}});
  testing::WriteFile(bag() / "fetch.txt", "http://127.0.0.1:1/remote.txt 1 data/remote.txt\n");
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  const Issue* i = FindIssue(r.errors, "bagit.fetch.unfetched");
  ASSERT_NE(i, nullptr) << Describe(r);
  EXPECT_EQ(i->path, "data/remote.txt");
  EXPECT_FALSE(fs::exists(bag() / "data/remote.txt"));
}

TEST_F(BagTest, UnknownAlgorithmAloneCannotVerify) {
  HandBag({{"data/a.txt", "a"}}, {{"data/a.txt", "a"}});
  fs::rename(bag() / "manifest-sha256.txt", bag() / "manifest-whirlpool9.txt");
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(HasIssue(r.warnings, "bagit.manifest.unsupported_algorithm")) << Describe(r);
  EXPECT_TRUE(HasIssue(r.errors, "bagit.manifest.none_verifiable")) << Describe(r);
}

TEST_F(BagTest, Sha224AndSha384AreVerified) {
  testing::WriteFile(bag() / "bagit.txt", kDeclaration);
  testing::WriteFile(bag() / "data/a.txt", "abc");
  // FIPS 180 test vectors for "abc".
  testing::WriteFile(bag() / "manifest-sha224.txt",
                     "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7  data/a.txt\n");
  testing::WriteFile(bag() / "manifest-sha384.txt",
                     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7"
                     "cc2358baeca134c825a7  data/a.txt\n");
  Report r = Validate();
  EXPECT_TRUE(r.valid) << Describe(r);
  ASSERT_EQ(r.payload.size(), 1u);
  EXPECT_EQ(r.payload[0].digests.size(), 2u);
  testing::WriteFile(bag() / "data/a.txt", "abd");
  EXPECT_EQ(Validate().errors.size(), 2u);
}

TEST_F(BagTest, PrecomputedSha256IsUsedInsteadOfReading) {
  HandBag({{"data/a.txt", "a"}}, {{"data/a.txt", "a"}});
  std::map<std::string, std::string> pre = {{"data/a.txt", Sha256Hex("not a")}};
  Result<Report> r = ValidateBag(bag(), Options{}, &pre);
  ASSERT_OK(r);
  EXPECT_TRUE(HasIssue(r->errors, "bagit.manifest.digest_mismatch")) << Describe(*r);
  pre["data/a.txt"] = Sha256Hex("a");
  r = ValidateBag(bag(), Options{}, &pre);
  ASSERT_OK(r);
  EXPECT_TRUE(r->valid) << Describe(*r);
}

TEST_F(BagTest, SymlinkInBagIsAnError) {
  HandBag({{"data/a.txt", "a"}}, {{"data/a.txt", "a"}});
  fs::create_symlink("/etc/passwd", bag() / "data/passwd");
  Report r = Validate();
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(HasIssue(r.errors, "bagit.payload.symlink")) << Describe(r);
}

TEST_F(BagTest, BagInfoContinuationLinesAreJoined) {
  HandBag({{"data/a.txt", "a"}}, {{"data/a.txt", "a"}});
  testing::WriteFile(bag() / "bag-info.txt",
                     "External-Description: Hồ sơ về việc\r\n   thành lập cơ quan\r\n"
                     "Payload-Oxum: 1.1\r\n");
  Report r = Validate();
  EXPECT_TRUE(r.valid) << Describe(r);
  ASSERT_EQ(r.info.size(), 2u);
  EXPECT_EQ(r.info[0].second, "Hồ sơ về việc thành lập cơ quan");
}

TEST_F(BagTest, FindBagRootLooksOneLevelDown) {
  HandBag({{"data/a.txt", "a"}}, {{"data/a.txt", "a"}});
  Result<fs::path> root = FindBagRoot(tmp_.path());
  ASSERT_OK(root);
  EXPECT_EQ(*root, bag());
  fs::create_directory(tmp_ / "second");
  EXPECT_EQ(FindBagRoot(tmp_.path()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FindBagRoot(tmp_ / "second").status().code(), Code::kInvalidArgument);
}

TEST_F(BagTest, ArchivedBagWithSymlinkIsRejectedWithTheExtractionRule) {
  fs::path zip = tmp_ / "evil.zip";
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  ASSERT_EQ(archive_write_open_filename(a, zip.c_str()), ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  archive_entry_copy_pathname(e, "bag/bagit.txt");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, sizeof(kDeclaration) - 1);
  archive_write_header(a, e);
  archive_write_data(a, kDeclaration, sizeof(kDeclaration) - 1);
  archive_entry_clear(e);
  archive_entry_copy_pathname(e, "bag/data/passwd");
  archive_entry_set_filetype(e, AE_IFLNK);
  archive_entry_copy_symlink(e, "/etc/passwd");
  archive_write_header(a, e);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  Result<Report> r = ValidateBagAtPath(zip, Options{}, archive::ExtractLimits{});
  ASSERT_OK(r);
  EXPECT_FALSE(r->valid);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "archive.symlink");
  EXPECT_EQ(r->errors[0].path, "bag/data/passwd");
}

TEST_F(BagTest, NotABag) {
  testing::WriteFile(tmp_ / "plain.txt", "hello");
  Result<Report> r = ValidateBagAtPath(tmp_ / "plain.txt", Options{}, archive::ExtractLimits{});
  ASSERT_OK(r);
  EXPECT_FALSE(r->valid);
  EXPECT_EQ(r->errors[0].code, "bagit.package.unrecognized");
  EXPECT_EQ(
      ValidateBagAtPath(tmp_ / "missing", Options{}, archive::ExtractLimits{}).status().code(),
      Code::kNotFound);
}

}  // namespace
}  // namespace vault::bagit
