// Behaviour specific to the local file-system tier.
#include "vault/tiers/local_tier.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::tiers {
namespace {

namespace fs = std::filesystem;
using ::vault::testing::TempDir;

class LocalTierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = OpenLocalTier("local", dir_ / "tier");
    ASSERT_OK(r);
    tier_ = *std::move(r);
    root_ = dir_ / "tier";
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    EXPECT_OK(tier_->List("", [&](std::string_view k, const ObjectInfo&) {
      keys.emplace_back(k);
      return true;
    }));
    return keys;
  }
  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(root_)) {
      out.push_back(fs::relative(e.path(), root_).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  TempDir dir_;
  fs::path root_;
  std::unique_ptr<Tier> tier_;
};

TEST_F(LocalTierTest, OpenCreatesRootAndRejectsFile) {
  EXPECT_TRUE(fs::is_directory(dir_ / "tier"));
  ::vault::testing::WriteFile(dir_ / "afile", "x");
  EXPECT_FALSE(OpenLocalTier("f", dir_ / "afile").ok());
  EXPECT_EQ(tier_->name(), "local");
  EXPECT_EQ(*tier_->LocalPath("a/b"), root_ / "a" / "b");
}

TEST_F(LocalTierTest, PutLeavesNoTempFiles) {
  ASSERT_OK(tier_->PutBytes("d/k", "1"));
  EXPECT_EQ(tier_->PutBytes("d/k", "2").code(), Code::kAlreadyExists);
  ::vault::testing::WriteFile(dir_ / "src", "3");
  EXPECT_EQ(tier_->PutFile("d/k", dir_ / "src", true).code(), Code::kAlreadyExists);
  EXPECT_EQ(tier_->PutFile("d/k", dir_ / "src", false).code(), Code::kAlreadyExists);
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{"d", "d/k"}));
  // Temp names are reserved.
  EXPECT_EQ(tier_->PutBytes("d/.vault-tmp-x", "t").code(), Code::kInvalidArgument);
}

TEST_F(LocalTierTest, KeyUnderAnotherKeyIsRefused) {
  ASSERT_OK(tier_->PutBytes("file", "x"));
  Status s = tier_->PutBytes("file/child", "y");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.code(), Code::kAlreadyExists) << s.ToString();
  // A "directory" cannot be overwritten by a key either.
  ASSERT_OK(tier_->PutBytes("dir/child", "y"));
  EXPECT_EQ(tier_->PutBytes("dir", "z").code(), Code::kAlreadyExists);
}

TEST_F(LocalTierTest, ListNeverFollowsSymlinks) {
  ::vault::testing::WriteFile(dir_ / "outside" / "secret", "s");
  ASSERT_OK(tier_->PutBytes("in/a", "a"));
  fs::create_directory_symlink(dir_ / "outside", root_ / "in" / "link");
  fs::create_symlink(dir_ / "outside" / "secret", root_ / "in" / "flink");
  // Links are listed (a checker must see them) but never entered or read through.
  EXPECT_EQ(Keys(), (std::vector<std::string>{"in/a", "in/flink", "in/link"}));
  EXPECT_EQ(tier_->ReadAll("in/flink", 100).status().code(), Code::kFailedPrecondition);
  char buf[4];
  EXPECT_EQ(tier_->ReadAt("in/flink", 0, buf, 4).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(tier_->Stat("in/flink").status().code(), Code::kFailedPrecondition);
  // Sealing does not chmod through a link.
  ASSERT_OK(tier_->Seal("in"));
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / "outside" / "secret").c_str(), &st), 0);
  EXPECT_NE(st.st_mode & 0200, 0u);
}

TEST_F(LocalTierTest, LeftoverTempFilesAreListed) {
  ASSERT_OK(tier_->PutBytes("obj/a", "a"));
  ::vault::testing::WriteFile(root_ / "obj" / ".vault-tmp-crashed", "partial");
  EXPECT_EQ(Keys(), (std::vector<std::string>{"obj/.vault-tmp-crashed", "obj/a"}));
  ASSERT_OK(tier_->Remove("obj/.vault-tmp-crashed"));
  EXPECT_EQ(Keys(), (std::vector<std::string>{"obj/a"}));
}

TEST_F(LocalTierTest, PruneEmptyRemovesEmptyDirectoryChains) {
  fs::create_directories(root_ / "e1" / "e2" / "e3");
  fs::create_directories(root_ / "keep" / "empty");
  ASSERT_OK(tier_->PutBytes("keep/k", "k"));
  ASSERT_OK(tier_->Seal("e1"));  // also when sealed
  ASSERT_OK(tier_->PruneEmpty("e1"));
  ASSERT_OK(tier_->PruneEmpty("keep/empty"));
  ASSERT_OK(tier_->Sync());
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{"keep", "keep/k"}));
  ASSERT_OK(tier_->PruneEmpty(""));
  EXPECT_TRUE(fs::is_directory(root_));
}

TEST_F(LocalTierTest, MoveAcrossFileSystemsFallsBackToCopy) {
  // /dev/shm is usually tmpfs, a different file system from the temp dir.
  char tmpl[] = "/dev/shm/vault-tier-test-XXXXXX";
  if (::access("/dev/shm", W_OK) != 0 || ::mkdtemp(tmpl) == nullptr) {
    GTEST_SKIP() << "no writable /dev/shm";
  }
  fs::path other(tmpl);
  struct stat a{}, b{};
  ASSERT_EQ(::stat(other.c_str(), &a), 0);
  ASSERT_EQ(::stat(root_.c_str(), &b), 0);
  if (a.st_dev == b.st_dev) {
    fs::remove_all(other);
    GTEST_SKIP() << "/dev/shm is on the same file system";
  }
  ::vault::testing::WriteFile(other / "src", "cross-device");
  Status s = tier_->PutFile("x/y", other / "src", /*move=*/true);
  bool src_left = fs::exists(other / "src");
  fs::remove_all(other);
  ASSERT_OK(s);
  EXPECT_FALSE(src_left);
  EXPECT_EQ(*tier_->ReadAll("x/y", 100), "cross-device");
}

}  // namespace
}  // namespace vault::tiers
