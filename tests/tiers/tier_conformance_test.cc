// TierConformanceTest (restic's backend test suite): the behaviour every Tier must show. Each
// tier type adds a factory to TierTypes; the local tier is the first.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/tiers/local_tier.h"
#include "vault/tiers/mem_tier.h"
#include "vault/tiers/tier.h"

namespace vault::tiers {
namespace {

namespace fs = std::filesystem;
using ::vault::testing::TempDir;

struct LocalTierFactory {
  static std::unique_ptr<Tier> Make(const TempDir& dir) {
    auto r = OpenLocalTier("local", dir / "tier");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *std::move(r);
  }
};

struct MemTierFactory {
  static std::unique_ptr<Tier> Make(const TempDir&) { return std::make_unique<MemTier>("mem"); }
};

template <class Factory>
class TierConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override { tier_ = Factory::Make(dir_); }

  fs::path WriteSource(const std::string& name, const std::string& content) {
    fs::path p = dir_ / ("src-" + name);
    ::vault::testing::WriteFile(p, content);
    return p;
  }
  std::vector<std::string> Keys(std::string_view prefix) {
    std::vector<std::string> keys;
    EXPECT_OK(tier_->List(prefix, [&](std::string_view k, const ObjectInfo&) {
      keys.emplace_back(k);
      return true;
    }));
    return keys;
  }

  TempDir dir_;
  std::unique_ptr<Tier> tier_;
};

using TierTypes = ::testing::Types<LocalTierFactory, MemTierFactory>;
TYPED_TEST_SUITE(TierConformanceTest, TierTypes);

TYPED_TEST(TierConformanceTest, PutBytesThenReadAndStat) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("a/b/c.txt", "hello"));
  ASSERT_OK(t.Sync());
  auto all = t.ReadAll("a/b/c.txt", 100);
  ASSERT_OK(all);
  EXPECT_EQ(*all, "hello");
  auto info = t.Stat("a/b/c.txt");
  ASSERT_OK(info);
  EXPECT_EQ(info->size, 5u);
  EXPECT_GT(info->mtime_ms, 0);
  // An empty object is an object.
  ASSERT_OK(t.PutBytes("empty", ""));
  auto e = t.Stat("empty");
  ASSERT_OK(e);
  EXPECT_EQ(e->size, 0u);
}

TYPED_TEST(TierConformanceTest, ReadAtRanges) {
  Tier& t = *this->tier_;
  std::string data;
  for (int i = 0; i < 10000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  ASSERT_OK(t.PutBytes("blob", data));
  char buf[64];
  auto n = t.ReadAt("blob", 0, buf, 10);
  ASSERT_OK(n);
  EXPECT_EQ(std::string(buf, *n), data.substr(0, 10));
  n = t.ReadAt("blob", 4321, buf, 64);
  ASSERT_OK(n);
  EXPECT_EQ(std::string(buf, *n), data.substr(4321, 64));
  n = t.ReadAt("blob", 9995, buf, 64);  // short read at the end
  ASSERT_OK(n);
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(std::string(buf, *n), data.substr(9995));
  n = t.ReadAt("blob", 10000, buf, 64);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  n = t.ReadAt("blob", 1u << 30, buf, 64);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
}

TYPED_TEST(TierConformanceTest, ReadAllEnforcesLimit) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("big", std::string(1000, 'x')));
  EXPECT_EQ(t.ReadAll("big", 999).status().code(), Code::kResourceExhausted);
  auto ok = t.ReadAll("big", 1000);
  ASSERT_OK(ok);
  EXPECT_EQ(ok->size(), 1000u);
}

TYPED_TEST(TierConformanceTest, MissingKeysAreNotFound) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("dir/file", "x"));
  char buf[4];
  for (std::string key : {"nope", "dir/nope", "dir", "dir/file/below"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(t.Stat(key).status().code(), Code::kNotFound);
    EXPECT_EQ(t.ReadAll(key, 100).status().code(), Code::kNotFound);
    EXPECT_EQ(t.ReadAt(key, 0, buf, 4).status().code(), Code::kNotFound);
    EXPECT_EQ(t.Remove(key).code(), Code::kNotFound);
  }
}

TYPED_TEST(TierConformanceTest, NeverOverwrites) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("k", "first"));
  EXPECT_EQ(t.PutBytes("k", "second").code(), Code::kAlreadyExists);
  fs::path copy_src = this->WriteSource("copy", "third");
  EXPECT_EQ(t.PutFile("k", copy_src, /*move=*/false).code(), Code::kAlreadyExists);
  fs::path move_src = this->WriteSource("move", "fourth");
  EXPECT_EQ(t.PutFile("k", move_src, /*move=*/true).code(), Code::kAlreadyExists);
  // The key kept its bytes; the sources are untouched; no leftovers appear as keys.
  EXPECT_EQ(*t.ReadAll("k", 100), "first");
  EXPECT_EQ(::vault::testing::ReadFile(copy_src), "third");
  EXPECT_EQ(::vault::testing::ReadFile(move_src), "fourth");
  EXPECT_EQ(this->Keys(""), std::vector<std::string>{"k"});
}

TYPED_TEST(TierConformanceTest, ConcurrentPutsOfOneKeyHaveOneWinner) {
  Tier& t = *this->tier_;
  std::atomic<int> ok{0}, exists{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Status s = t.PutBytes("race/key", "writer " + std::to_string(i));
      if (s.ok()) {
        ++ok;
      } else if (s.code() == Code::kAlreadyExists) {
        ++exists;
      } else {
        ++other;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), 7);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(this->Keys("race/").size(), 1u);
}

TYPED_TEST(TierConformanceTest, BadKeysAreRejected) {
  Tier& t = *this->tier_;
  fs::path src = this->WriteSource("bad", "x");
  char buf[4];
  const std::vector<std::string> bad_keys = {"",    "/abs", "../up", "a/../b",
                                            "a//b", "./a", "a/.",   "a/",
                                            "a\\b", "C:/x", std::string("nul\0byte", 8),
                                            "\xff\xfe"};
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(t.PutBytes(key, "x").code(), Code::kInvalidArgument);
    EXPECT_EQ(t.PutFile(key, src, false).code(), Code::kInvalidArgument);
    EXPECT_EQ(t.Stat(key).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(t.ReadAll(key, 10).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(t.ReadAt(key, 0, buf, 4).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(t.Remove(key).code(), Code::kInvalidArgument);
    EXPECT_EQ(t.Seal(key).code(), key.empty() ? Code::kOk : Code::kInvalidArgument);
    EXPECT_FALSE(t.LocalPath(key).has_value());
  }
  EXPECT_EQ(t.List("../", [](std::string_view, const ObjectInfo&) { return true; }).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(this->Keys(""), std::vector<std::string>{});
  EXPECT_TRUE(fs::exists(src));
}

TYPED_TEST(TierConformanceTest, ListIsLexicographicWithPrefixes) {
  Tier& t = *this->tier_;
  // '-' (0x2d) and '.' (0x2e) sort before '/' (0x2f): "a-b" < "a.c" < "a/x" < "ab".
  std::vector<std::string> keys = {"b", "a/y/z", "ab", "a/x0", "a-b", "a/x", "a.c", "a/y/a b"};
  for (const auto& k : keys) ASSERT_OK(t.PutBytes(k, k));
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(this->Keys(""), sorted);
  EXPECT_EQ(this->Keys("a/"), (std::vector<std::string>{"a/x", "a/x0", "a/y/a b", "a/y/z"}));
  EXPECT_EQ(this->Keys("a/x"), (std::vector<std::string>{"a/x", "a/x0"}));
  EXPECT_EQ(this->Keys("a"),
            (std::vector<std::string>{"a-b", "a.c", "a/x", "a/x0", "a/y/a b", "a/y/z", "ab"}));
  EXPECT_EQ(this->Keys("a/y/"), (std::vector<std::string>{"a/y/a b", "a/y/z"}));
  EXPECT_EQ(this->Keys("zzz"), std::vector<std::string>{});
  EXPECT_EQ(this->Keys("q/r/"), std::vector<std::string>{});
  // Sizes are reported; fn can stop early.
  std::vector<std::string> first_two;
  ASSERT_OK(t.List("", [&](std::string_view k, const ObjectInfo& info) {
    EXPECT_EQ(info.size, k.size());
    first_two.emplace_back(k);
    return first_two.size() < 2;
  }));
  EXPECT_EQ(first_two, (std::vector<std::string>{"a-b", "a.c"}));
}

TYPED_TEST(TierConformanceTest, ListDirGivesChildrenAndPrefixes) {
  Tier& t = *this->tier_;
  for (std::string k : {"a/x", "a/y/z", "a-b", "b"}) ASSERT_OK(t.PutBytes(k, "."));
  std::vector<std::pair<std::string, bool>> got;
  auto collect = [&](std::string_view name, bool is_prefix) {
    got.emplace_back(std::string(name), is_prefix);
    return true;
  };
  ASSERT_OK(t.ListDir("", collect));
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{
                     {"a", true}, {"a-b", false}, {"b", false}}));
  got.clear();
  ASSERT_OK(t.ListDir("a", collect));
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"x", false}, {"y", true}}));
  got.clear();
  ASSERT_OK(t.ListDir("missing", collect));
  EXPECT_TRUE(got.empty());
}

TYPED_TEST(TierConformanceTest, CopyKeepsSourceMoveTakesIt) {
  Tier& t = *this->tier_;
  fs::path copy_src = this->WriteSource("c", "copied bytes");
  fs::path move_src = this->WriteSource("m", "moved bytes");
  ASSERT_OK(t.PutFile("x/copied", copy_src, /*move=*/false));
  ASSERT_OK(t.PutFile("x/moved", move_src, /*move=*/true));
  ASSERT_OK(t.Sync());
  EXPECT_TRUE(fs::exists(copy_src));
  EXPECT_EQ(::vault::testing::ReadFile(copy_src), "copied bytes");
  EXPECT_FALSE(fs::exists(move_src));
  EXPECT_EQ(*t.ReadAll("x/copied", 100), "copied bytes");
  EXPECT_EQ(*t.ReadAll("x/moved", 100), "moved bytes");
  EXPECT_EQ(t.PutFile("x/none", this->dir_ / "no-such-file", true).code(), Code::kNotFound);
  EXPECT_EQ(t.PutFile("x/none", this->dir_ / "no-such-file", false).code(), Code::kNotFound);
  EXPECT_EQ(this->Keys("x/"), (std::vector<std::string>{"x/copied", "x/moved"}));
}

TYPED_TEST(TierConformanceTest, RemoveDeletesKeyAndEmptyPrefixes) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("p/q/one", "1"));
  ASSERT_OK(t.PutBytes("p/two", "2"));
  ASSERT_OK(t.Remove("p/q/one"));
  ASSERT_OK(t.Sync());
  EXPECT_EQ(t.Stat("p/q/one").status().code(), Code::kNotFound);
  EXPECT_EQ(this->Keys(""), std::vector<std::string>{"p/two"});
  std::vector<std::string> children;
  ASSERT_OK(t.ListDir("p", [&](std::string_view n, bool) {
    children.emplace_back(n);
    return true;
  }));
  EXPECT_EQ(children, std::vector<std::string>{"two"});  // the empty prefix "q" is gone
  ASSERT_OK(t.Remove("p/two"));
  EXPECT_EQ(this->Keys(""), std::vector<std::string>{});
}

TYPED_TEST(TierConformanceTest, SealMakesReadOnly) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("obj/v1/content/a", "a"));
  ASSERT_OK(t.PutBytes("obj/inventory.json", "{}"));
  ASSERT_OK(t.PutBytes("other/b", "b"));
  ASSERT_OK(t.Seal("obj"));
  // Reads still work; the rest of the tier is unaffected.
  EXPECT_EQ(*t.ReadAll("obj/v1/content/a", 10), "a");
  ASSERT_OK(t.PutBytes("other/c", "c"));
  if (auto p = t.LocalPath("obj/v1/content/a")) {
    struct stat st{};
    ASSERT_EQ(::stat(p->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0444u);
    ASSERT_EQ(::stat(p->parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0555u);
    ASSERT_EQ(::stat(t.LocalPath("obj/inventory.json")->parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0555u);
  }
  if (!t.LocalPath("obj").has_value() || ::geteuid() != 0) {  // root ignores permission bits
    EXPECT_EQ(t.PutBytes("obj/v1/content/new", "n").code(), Code::kPermissionDenied);
    EXPECT_EQ(t.PutBytes("obj/new", "n").code(), Code::kPermissionDenied);
    EXPECT_EQ(t.PutBytes("obj/v2/content/new", "n").code(), Code::kPermissionDenied);
  }
  // Recovery can still remove from a sealed tree.
  ASSERT_OK(t.Remove("obj/v1/content/a"));
  EXPECT_EQ(this->Keys("obj/"), std::vector<std::string>{"obj/inventory.json"});
  if (auto p = t.LocalPath("obj/inventory.json")) {
    struct stat st{};
    ASSERT_EQ(::stat(p->parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0555u) << "Remove restores the sealed mode";
  }
}

TYPED_TEST(TierConformanceTest, UnsealMakesDirectoriesWritableAgain) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("obj/v1/content/a", "a"));
  ASSERT_OK(t.PutBytes("obj/inventory.json", "{}"));
  ASSERT_OK(t.Seal("obj"));
  // Root ignores permission bits: the local tier cannot refuse anything to it.
  const bool enforced = !t.LocalPath("obj").has_value() || ::geteuid() != 0;
  auto mode = [&](const std::string& key) -> unsigned {
    struct stat st{};
    EXPECT_EQ(::lstat(t.LocalPath(key)->c_str(), &st), 0) << key;
    return st.st_mode & 0777;
  };
  if (enforced) {
    EXPECT_EQ(t.PutBytes("obj/v1/content/b", "b").code(), Code::kPermissionDenied);
  }

  ASSERT_OK(t.Unseal("obj"));
  if (t.LocalPath("obj")) {
    EXPECT_EQ(mode("obj"), 0755u);
    EXPECT_EQ(mode("obj/v1"), 0755u);
    EXPECT_EQ(mode("obj/v1/content"), 0755u);
    EXPECT_EQ(mode("obj/v1/content/a"), 0444u) << "files stay read-only";
    EXPECT_EQ(mode("obj/inventory.json"), 0444u);
  }
  ASSERT_OK(t.PutBytes("obj/v1/content/b", "b"));
  ASSERT_OK(t.PutBytes("obj/new", "n"));
  ASSERT_OK(t.PutBytes("obj/v2/content/c", "c"));
  ASSERT_OK(t.Remove("obj/v1/content/a"));
  // Write once still holds: existing keys are not overwritten.
  EXPECT_EQ(t.PutBytes("obj/inventory.json", "x").code(), Code::kAlreadyExists);
  EXPECT_EQ(*t.ReadAll("obj/inventory.json", 10), "{}");

  ASSERT_OK(t.Seal("obj"));
  if (t.LocalPath("obj")) {
    EXPECT_EQ(mode("obj"), 0555u);
    EXPECT_EQ(mode("obj/v2/content"), 0555u);
    EXPECT_EQ(mode("obj/v2/content/c"), 0444u);
  }
  if (enforced) {
    EXPECT_EQ(t.PutBytes("obj/v1/content/d", "d").code(), Code::kPermissionDenied);
    EXPECT_EQ(t.PutBytes("obj/v3/x", "d").code(), Code::kPermissionDenied);
  }
  EXPECT_EQ(this->Keys("obj/"), (std::vector<std::string>{"obj/inventory.json", "obj/new",
                                                          "obj/v1/content/b",
                                                          "obj/v2/content/c"}));
}

TYPED_TEST(TierConformanceTest, IsSealedFollowsSealAndUnseal) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("obj/v1/content/a", "a"));
  ASSERT_OK(t.PutBytes("obj/inventory.json", "{}"));
  ASSERT_OK(t.PutBytes("other/x", "x"));
  EXPECT_FALSE(*t.IsSealed("obj"));
  EXPECT_FALSE(*t.IsSealed("obj/inventory.json"));
  EXPECT_TRUE(*t.IsSealed("missing/prefix")) << "nothing there to write to";
  EXPECT_EQ(t.IsSealed("../up").status().code(), Code::kInvalidArgument);
  // A key alone.
  ASSERT_OK(t.Seal("obj/inventory.json"));
  EXPECT_TRUE(*t.IsSealed("obj/inventory.json"));
  EXPECT_FALSE(*t.IsSealed("obj"));
  // A subtree; twice is fine (idempotent), and nothing else is touched.
  ASSERT_OK(t.Seal("obj"));
  ASSERT_OK(t.Seal("obj"));
  EXPECT_TRUE(*t.IsSealed("obj"));
  EXPECT_TRUE(*t.IsSealed("obj/v1/content"));
  EXPECT_FALSE(*t.IsSealed("other"));
  EXPECT_FALSE(*t.IsSealed(""));
  // A missing prefix is nothing to seal.
  ASSERT_OK(t.Seal("missing/prefix"));
  // Unseal opens the directories, the files stay read-only.
  ASSERT_OK(t.Unseal("obj/v1"));
  EXPECT_FALSE(*t.IsSealed("obj"));
  EXPECT_FALSE(*t.IsSealed("obj/v1"));
  EXPECT_TRUE(*t.IsSealed("obj/v1/content/a"));
  EXPECT_TRUE(*t.IsSealed("obj/inventory.json"));
  ASSERT_OK(t.Seal("obj"));
  EXPECT_TRUE(*t.IsSealed("obj"));
  ASSERT_OK(t.Seal(""));
  EXPECT_TRUE(*t.IsSealed(""));
  if (auto p = t.LocalPath("obj")) {
    struct stat st{};
    ASSERT_EQ(::stat(p->parent_path().c_str(), &st), 0);
    EXPECT_NE(st.st_mode & 0200, 0u) << "the tier root itself is never sealed";
  }
}

TYPED_TEST(TierConformanceTest, UnsealOfPartsAndMissingPrefixes) {
  Tier& t = *this->tier_;
  ASSERT_OK(t.PutBytes("obj/v1/content/a", "a"));
  ASSERT_OK(t.PutBytes("other/x", "x"));
  ASSERT_OK(t.Seal(""));
  // A missing prefix or a key is nothing to unseal; a bad key is still refused.
  ASSERT_OK(t.Unseal("missing/prefix"));
  ASSERT_OK(t.Unseal("obj/v1/content/a"));
  EXPECT_EQ(t.Unseal("../up").code(), Code::kInvalidArgument);
  // Unsealing a subtree leaves the rest sealed.
  ASSERT_OK(t.Unseal("obj/v1"));
  ASSERT_OK(t.PutBytes("obj/v1/content/b", "b"));
  ASSERT_OK(t.PutBytes("obj/v1/new", "n"));
  const bool enforced = !t.LocalPath("obj").has_value() || ::geteuid() != 0;
  if (enforced) {
    EXPECT_EQ(t.PutBytes("obj/top", "t").code(), Code::kPermissionDenied);
    EXPECT_EQ(t.PutBytes("other/y", "y").code(), Code::kPermissionDenied);
  }
  // Unseal("") opens everything.
  ASSERT_OK(t.Unseal(""));
  ASSERT_OK(t.PutBytes("obj/top", "t"));
  ASSERT_OK(t.PutBytes("other/y", "y"));
  if (auto p = t.LocalPath("other")) {
    struct stat st{};
    ASSERT_EQ(::stat(p->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
  }
}

}  // namespace
}  // namespace vault::tiers
