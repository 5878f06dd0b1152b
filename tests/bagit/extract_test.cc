// Hostile-package tests for formats/archive: every archive is built here with libarchive's write
// API, extracted into dest/ inside a temp dir, and the test checks the rule reported and that
// nothing appeared outside dest/.
#include "formats/archive/extract.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::archive {
namespace {

namespace fs = std::filesystem;

struct Entry {
  Entry(std::string n, unsigned t = AE_IFREG, std::string c = "", std::string l = "",
        std::string h = "", uint64_t z = 0)
      : name(std::move(n)),
        type(t),
        content(std::move(c)),
        link(std::move(l)),
        hardlink(std::move(h)),
        zero_bytes(z) {}
  std::string name;
  unsigned type = AE_IFREG;
  std::string content;
  std::string link;         // symlink target
  std::string hardlink;     // hardlink target
  uint64_t zero_bytes = 0;  // instead of content: this many zero bytes, streamed
};

enum class Fmt { kGnuTar, kTarGz, kZip };

void WriteArchive(const fs::path& out, Fmt fmt, const std::vector<Entry>& entries) {
  struct archive* a = archive_write_new();
  if (fmt == Fmt::kZip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_gnutar(a);
    if (fmt == Fmt::kTarGz)
      archive_write_add_filter_gzip(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const Entry& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_copy_pathname(ae, e.name.c_str());
    archive_entry_set_filetype(ae, e.type);
    archive_entry_set_perm(ae, e.type == AE_IFDIR ? 0755 : 0644);
    if (!e.link.empty())
      archive_entry_copy_symlink(ae, e.link.c_str());
    if (!e.hardlink.empty())
      archive_entry_copy_hardlink(ae, e.hardlink.c_str());
    if (e.type == AE_IFCHR)
      archive_entry_set_rdev(ae, makedev(1, 3));
    uint64_t size = e.type == AE_IFREG && e.hardlink.empty()
                        ? (e.zero_bytes ? e.zero_bytes : e.content.size())
                        : 0;
    archive_entry_set_size(ae, static_cast<la_int64_t>(size));
    ASSERT_EQ(archive_write_header(a, ae), ARCHIVE_OK) << archive_error_string(a);
    if (e.zero_bytes) {
      std::string zeros(1 << 20, '\0');
      for (uint64_t left = e.zero_bytes; left > 0;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
        ASSERT_EQ(archive_write_data(a, zeros.data(), n), static_cast<la_ssize_t>(n));
        left -= n;
      }
    } else if (size > 0) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(ae);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

// Every path under `dir`, relative.
std::set<std::string> ListAll(const fs::path& dir) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    out.insert(fs::relative(it->path(), dir).string());
  }
  return out;
}

uint64_t BytesUnder(const fs::path& dir) {
  uint64_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file())
      n += e.file_size();
  }
  return n;
}

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directory(dest()); }
  fs::path dest() const { return tmp_ / "dest"; }
  fs::path arc() const { return tmp_ / "pkg.bin"; }

  // Extracts and expects a violation with `rule`; checks that nothing but dest/ and the archive
  // exists in the temp dir (files written before the violation may stay inside dest/).
  void ExpectRejected(Fmt fmt, const std::vector<Entry>& entries, const std::string& rule,
                      const ExtractLimits& limits = ExtractLimits{}) {
    WriteArchive(arc(), fmt, entries);
    Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), limits, false);
    ASSERT_OK(r);
    ASSERT_TRUE(r->violation.has_value()) << "no violation, expected " << rule;
    EXPECT_EQ(r->violation->rule, rule) << r->violation->message;
    EXPECT_FALSE(r->violation->message.empty());
    for (const std::string& p : ListAll(tmp_.path())) {
      EXPECT_TRUE(p == "pkg.bin" || p == "dest" || p.rfind("dest/", 0) == 0)
          << rule << ": written outside dest/: " << p;
    }
  }

  testing::TempDir tmp_;
};

TEST_F(ExtractTest, ExtractsFilesAndDirectoriesWithDigests) {
  WriteArchive(arc(), Fmt::kTarGz,
               {{"./bag/", AE_IFDIR},
                {"./bag/data/a.txt", AE_IFREG, "hello"},
                {"bag/data/sub/b.bin", AE_IFREG, std::string("x\0y", 3)}});
  EXPECT_TRUE(LooksLikeArchive(arc()));
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, true);
  ASSERT_OK(r);
  EXPECT_FALSE(r->violation.has_value());
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[0].path, "bag/data/a.txt");
  EXPECT_EQ(r->files[0].size, 5u);
  EXPECT_EQ(r->files[0].sha256, Sha256Hex("hello"));
  EXPECT_EQ(r->files[1].path, "bag/data/sub/b.bin");
  EXPECT_EQ(testing::ReadFile(dest() / "bag/data/sub/b.bin"), std::string("x\0y", 3));
}

TEST_F(ExtractTest, SniffsContentNotExtension) {
  WriteArchive(tmp_ / "a.dat", Fmt::kZip, {{"x.txt", AE_IFREG, "x"}});
  WriteArchive(tmp_ / "b", Fmt::kGnuTar, {{"x.txt", AE_IFREG, "x"}});
  testing::WriteFile(tmp_ / "fake.zip", "just some text, not an archive at all\n");
  EXPECT_TRUE(LooksLikeArchive(tmp_ / "a.dat"));
  EXPECT_TRUE(LooksLikeArchive(tmp_ / "b"));
  EXPECT_FALSE(LooksLikeArchive(tmp_ / "fake.zip"));
  EXPECT_FALSE(LooksLikeArchive(tmp_ / "missing"));
  EXPECT_FALSE(LooksLikeArchive(tmp_.path()));
}

TEST_F(ExtractTest, RejectsParentReference) {
  ExpectRejected(Fmt::kGnuTar, {{"ok.txt", AE_IFREG, "ok"}, {"../evil.txt", AE_IFREG, "x"}},
                 "path.parent_reference");
  EXPECT_FALSE(fs::exists(tmp_ / "evil.txt"));
}

TEST_F(ExtractTest, RejectsParentReferenceInsideZip) {
  ExpectRejected(Fmt::kZip, {{"a/../../evil.txt", AE_IFREG, "x"}}, "path.parent_reference");
}

TEST_F(ExtractTest, RejectsAbsolutePath) {
  fs::path target = tmp_ / "abs-target.txt";
  ExpectRejected(Fmt::kGnuTar, {{target.string(), AE_IFREG, "x"}}, "path.absolute");
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(ExtractTest, RejectsSymlink) {
  ExpectRejected(Fmt::kGnuTar, {{"link", AE_IFLNK, "", "/etc/passwd"}}, "archive.symlink");
}

TEST_F(ExtractTest, RejectsSymlinkInZip) {
  ExpectRejected(Fmt::kZip, {{"link", AE_IFLNK, "", "../../etc/passwd"}}, "archive.symlink");
}

TEST_F(ExtractTest, RejectsHardlink) {
  WriteArchive(arc(), Fmt::kGnuTar,
               {{"a.txt", AE_IFREG, "a"}, {"b.txt", AE_IFREG, "", "", "a.txt"}});
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.hardlink");
  EXPECT_EQ(r->violation->path, "b.txt");
  EXPECT_FALSE(fs::exists(dest() / "b.txt"));
}

TEST_F(ExtractTest, RejectsCharDevice) {
  ExpectRejected(Fmt::kGnuTar, {{"null", AE_IFCHR}}, "archive.device");
}

TEST_F(ExtractTest, RejectsFifo) {
  ExpectRejected(Fmt::kGnuTar, {{"pipe", AE_IFIFO}}, "archive.fifo");
}

TEST_F(ExtractTest, RejectsDuplicateEntry) {
  ExpectRejected(Fmt::kGnuTar, {{"a.txt", AE_IFREG, "1"}, {"a.txt", AE_IFREG, "2"}},
                 "archive.duplicate_entry");
  EXPECT_EQ(testing::ReadFile(dest() / "a.txt"), "1");  // the first one is not overwritten
}

TEST_F(ExtractTest, RejectsFileDirectoryConflict) {
  ExpectRejected(Fmt::kGnuTar, {{"a", AE_IFREG, "1"}, {"a/b.txt", AE_IFREG, "2"}},
                 "archive.path_conflict");
}

TEST_F(ExtractTest, RejectsInvalidUtf8Name) {
  ExpectRejected(Fmt::kGnuTar, {{"bad\xff\xfe.txt", AE_IFREG, "x"}}, "path.invalid_utf8");
}

TEST_F(ExtractTest, RejectsControlCharacterInName) {
  ExpectRejected(Fmt::kGnuTar, {{"bell\a.txt", AE_IFREG, "x"}}, "path.control_character");
}

TEST_F(ExtractTest, RejectsNamesCollidingAfterNormalisation) {
  const std::string nfc = *ToNfc("data/Tiếng Việt.txt");
  const std::string nfd = *ToNfd("data/Tiếng Việt.txt");
  ASSERT_NE(nfc, nfd);
  ExpectRejected(Fmt::kGnuTar, {{nfc, AE_IFREG, "1"}, {nfd, AE_IFREG, "2"}},
                 "path.normalization_collision");
}

TEST_F(ExtractTest, RejectsTooLongPath) {
  ExtractLimits limits;
  limits.max_path_bytes = 64;
  ExpectRejected(Fmt::kGnuTar, {{std::string(100, 'a'), AE_IFREG, "x"}}, "path.too_long", limits);
}

TEST_F(ExtractTest, EnforcesFileCountAndTotalBytes) {
  ExtractLimits limits;
  limits.max_files = 2;
  ExpectRejected(Fmt::kGnuTar, {{"a", AE_IFREG, "1"}, {"b", AE_IFREG, "2"}, {"c", AE_IFREG, "3"}},
                 "archive.file_count", limits);
  fs::remove_all(dest());
  fs::create_directory(dest());
  ExtractLimits bytes;
  bytes.max_total_bytes = 10;
  ExpectRejected(Fmt::kGnuTar, {{"a", AE_IFREG, "123456"}, {"b", AE_IFREG, "123456"}},
                 "archive.total_bytes", bytes);
  EXPECT_LE(BytesUnder(dest()), 10u);
}

// 1 GiB of zeros deflates to about 1 MiB: with the default ratio limit of 100 the extraction
// must stop after roughly 100 MiB, long before the gigabyte.
TEST_F(ExtractTest, StopsZipBombAtRatioLimit) {
  WriteArchive(arc(), Fmt::kZip, {{"zeros.bin", AE_IFREG, "", "", "", 1ull << 30}});
  const uint64_t archive_size = fs::file_size(arc());
  ASSERT_LT(archive_size, 8u << 20);
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.ratio");
  EXPECT_EQ(r->violation->path, "zeros.bin");
  const uint64_t written = BytesUnder(dest());
  EXPECT_LE(written, 100 * archive_size + (1u << 20));
  EXPECT_LT(written, (1ull << 30) / 4);
}

TEST_F(ExtractTest, GzipTarBombIsStoppedToo) {
  WriteArchive(arc(), Fmt::kTarGz, {{"zeros.bin", AE_IFREG, "", "", "", 256ull << 20}});
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.ratio");
  EXPECT_LT(BytesUnder(dest()), 256ull << 20);
}

TEST_F(ExtractTest, TruncatedArchiveIsAViolationNotAStatus) {
  WriteArchive(arc(), Fmt::kTarGz, {{"a.txt", AE_IFREG, std::string(200000, 'q')}});
  fs::resize_file(arc(), fs::file_size(arc()) / 2);
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.corrupt");
}

TEST_F(ExtractTest, KeepsVietnameseNamesFromTar) {
  const std::string nfd = *ToNfd("Hồ sơ lưu trữ.pdf");
  WriteArchive(arc(), Fmt::kGnuTar, {{nfd, AE_IFREG, "pdf"}});
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_FALSE(r->violation.has_value()) << r->violation->message;
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, nfd);  // bytes as in the archive
  EXPECT_TRUE(fs::exists(dest() / nfd));
}

TEST_F(ExtractTest, KeepsVietnameseNamesFromZip) {
  const std::string nfc = *ToNfc("Hồ sơ lưu trữ.pdf");
  WriteArchive(arc(), Fmt::kZip, {{nfc, AE_IFREG, "pdf"}});
  Result<ExtractOutcome> r = ExtractArchive(arc(), dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_FALSE(r->violation.has_value()) << r->violation->message;
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, nfc);
}

class CopyTreeTest : public ExtractTest {};

TEST_F(CopyTreeTest, CopiesTreeWithDigestsAndLeavesSourceAlone) {
  fs::path src = tmp_ / "src";
  testing::WriteFile(src / "data/a.txt", "hello");
  testing::WriteFile(src / "data/sub/b.txt", "world");
  fs::create_directories(src / "empty");
  Result<ExtractOutcome> r = CopyTree(src, dest(), ExtractLimits{}, true);
  ASSERT_OK(r);
  EXPECT_FALSE(r->violation.has_value());
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[0].path, "data/a.txt");
  EXPECT_EQ(r->files[0].sha256, Sha256Hex("hello"));
  EXPECT_EQ(testing::ReadFile(dest() / "data/sub/b.txt"), "world");
  EXPECT_TRUE(fs::is_directory(dest() / "empty"));
  EXPECT_EQ(testing::ReadFile(src / "data/a.txt"), "hello");
}

TEST_F(CopyTreeTest, RefusesSymlinkWithoutFollowingIt) {
  fs::path src = tmp_ / "src";
  testing::WriteFile(src / "a.txt", "a");
  fs::create_symlink("/etc", src / "etc-link");
  Result<ExtractOutcome> r = CopyTree(src, dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.symlink");
  EXPECT_EQ(r->violation->path, "etc-link");
  EXPECT_FALSE(fs::exists(dest() / "etc-link"));
}

TEST_F(CopyTreeTest, RefusesFifo) {
  fs::path src = tmp_ / "src";
  fs::create_directories(src);
  ASSERT_EQ(::mkfifo((src / "pipe").c_str(), 0600), 0);
  Result<ExtractOutcome> r = CopyTree(src, dest(), ExtractLimits{}, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.fifo");
}

TEST_F(CopyTreeTest, AppliesFileCountLimit) {
  fs::path src = tmp_ / "src";
  for (int i = 0; i < 5; ++i)
    testing::WriteFile(src / ("f" + std::to_string(i)), "x");
  ExtractLimits limits;
  limits.max_files = 3;
  Result<ExtractOutcome> r = CopyTree(src, dest(), limits, false);
  ASSERT_OK(r);
  ASSERT_TRUE(r->violation.has_value());
  EXPECT_EQ(r->violation->rule, "archive.file_count");
}

}  // namespace
}  // namespace vault::archive
