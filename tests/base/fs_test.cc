#include "vault/base/fs.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault {
namespace {

TEST(FsTest, WriteFileDurableReplacesAtomically) {
  testing::TempDir dir;
  auto p = dir / "a.txt";
  ASSERT_OK(WriteFileDurable(p, "one"));
  ASSERT_OK(WriteFileDurable(p, "two"));
  auto r = ReadFileToString(p);
  ASSERT_OK(r);
  EXPECT_EQ(*r, "two");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "no temp file may remain";
}

TEST(FsTest, ReadOnlyAndRemoveTree) {
  testing::TempDir dir;
  ASSERT_OK(CreateDirsDurable(dir / "x/y/z"));
  ASSERT_OK(WriteFileDurable(dir / "x/y/z/f", "data", /*read_only=*/true));
  ASSERT_OK(MakeReadOnly(dir / "x/y/z"));
  struct stat st{};
  ASSERT_EQ(::stat((dir / "x/y/z/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0222, 0u);
  ASSERT_OK(RemoveTree(dir / "x"));
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(FsTest, ReadFileLimit) {
  testing::TempDir dir;
  testing::WriteFile(dir / "big", std::string(100, 'x'));
  EXPECT_EQ(ReadFileToString(dir / "big", 10).status().code(), Code::kResourceExhausted);
}

TEST(FsTest, SafeRelativePathRules) {
  EXPECT_OK(CheckSafeRelativePath("data/a/b.txt"));
  EXPECT_OK(CheckSafeRelativePath("data/Tài liệu/Hồ sơ 01.pdf"));
  const char* bad[] = {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "C:/x",
                       "a\\b", "a/", "~/../x"};
  for (const char* p : bad) {
    EXPECT_EQ(CheckSafeRelativePath(p).code(), Code::kInvalidArgument) << p;
  }
  EXPECT_EQ(CheckSafeRelativePath(std::string("a\0b", 3)).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckSafeRelativePath("bad\xff").code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckSafeRelativePath(std::string(5000, 'a')).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace vault

namespace vault {
namespace {
TEST(FsTest, SweepsOnlyDurableWriteTemps) {
  testing::TempDir dir;
  testing::WriteFile(dir / "r.json", "x");
  testing::WriteFile(dir / "r.json.tmp-abcdefghij12", "partial");
  testing::WriteFile(dir / "r.json.tmp-short", "keep");
  auto n = SweepDurableWriteTemps(dir.path());
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(fs::exists(dir / "r.json"));
  EXPECT_TRUE(fs::exists(dir / "r.json.tmp-short"));
  EXPECT_FALSE(fs::exists(dir / "r.json.tmp-abcdefghij12"));
}
}  // namespace
}  // namespace vault
