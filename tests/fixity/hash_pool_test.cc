#include "vault/fixity/hash_pool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/fs.h"
#include "vault/clib/crypto.h"
#include "vault/fixity/rate_limiter.h"
#include "vault/tiers/mem_tier.h"
#include "vault/tiers/tier.h"

namespace vault::fixity {
namespace {

namespace fs = std::filesystem;

// Byte i of a pattern file is i % 251 (the digests below come from Python's hashlib).
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>(i % 251);
  }
  return s;
}

struct Known {
  size_t size;
  const char* sha256;
};
constexpr std::array<Known, 6> kKnown = {{
    {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
    {(1U << 20) - 1, "8b55c6a2d3444092a316985030e00c1e6f8608eaf912c896dee7c374d440ed11"},
    {1U << 20, "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769"},
    {(1U << 20) + 1, "5769f52bc3eef28afa39c6fc68cadb7d0bd69812ae3a3d71452f519ec3c7aa56"},
    {20U << 20, "99254018a4506cae413a471f8b9d968a1ab1771565f3247b6e1c3f927e9a572f"},
}};

std::string Digest(DigestAlgorithm a, std::string_view data) {
  auto h = MultiHasher::Create({a});
  EXPECT_TRUE(h.ok());
  h->Update(data);
  return h->Finish()[0];
}

class HashPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = tiers::OpenLocalTier("primary", dir_ / "tier");
    ASSERT_OK(t);
    tier_ = std::move(*t);
  }
  // Writes a stored file directly (PutBytes fsyncs every file, too slow for a thousand).
  void Write(const std::string& key, const std::string& data) {
    testing::WriteFile(dir_ / "tier" / key, data);
  }
  fs::path PathOf(const std::string& key) const { return dir_ / "tier" / key; }

  testing::TempDir dir_;
  std::unique_ptr<tiers::Tier> tier_;
};

TEST_F(HashPoolTest, KnownDigestsLocalAndMem) {
  tiers::MemTier mem("mem");
  std::vector<HashRequest> reqs;
  for (const Known& k : kKnown) {
    std::string key = "k/" + std::to_string(k.size);
    std::string data = Pattern(k.size);
    Write(key, data);
    ASSERT_OK(mem.PutBytes(key, data));
    reqs.push_back({key, "sha256", k.size});
  }
  // Small buffers exercise many chunks; the default exercises the one-read path.
  for (size_t buffer : {size_t{4096}, size_t{1} << 20}) {
    for (bool drop : {true, false}) {
      HashPool pool({.threads = 2, .buffer_bytes = buffer, .drop_cache = drop});
      for (const tiers::Tier* tier :
           {static_cast<const tiers::Tier*>(tier_.get()), static_cast<const tiers::Tier*>(&mem)}) {
        auto out = pool.HashAll(*tier, reqs);
        ASSERT_EQ(out.size(), reqs.size());
        for (size_t i = 0; i < reqs.size(); ++i) {
          SCOPED_TRACE(tier->name() + " " + reqs[i].key + " buffer " + std::to_string(buffer));
          ASSERT_OK(out[i].status);
          EXPECT_EQ(out[i].digest, kKnown[i].sha256);
          EXPECT_EQ(out[i].bytes, kKnown[i].size);
        }
      }
    }
  }
}

TEST_F(HashPoolTest, OrderMatchesRequestsWithThousandMixedFiles) {
  std::mt19937_64 rng(42);
  std::vector<HashRequest> reqs;
  std::vector<std::string> want;  // "" = missing
  const std::array<const char*, 4> algorithms = {"sha256", "sha512", "md5", "sha1"};
  for (int i = 0; i < 1000; ++i) {
    std::string key = "d" + std::to_string(i / 100) + "/f" + std::to_string(i);
    size_t size = rng() % (48 << 10);
    if (i % 250 == 7) {
      size = (5U << 20) + rng() % 4096;  // a few large files, one per task
    }
    const char* algorithm = algorithms[rng() % 4];
    if (i % 97 == 3) {  // missing
      reqs.push_back({key, algorithm, size});
      want.emplace_back();
      continue;
    }
    std::string data(size, '\0');
    for (auto& c : data) {
      c = static_cast<char>(rng());
    }
    Write(key, data);
    // Some requests carry a wrong or unknown size: scheduling hint only.
    uint64_t expected = i % 13 == 0 ? 0 : i % 17 == 0 ? size + 10 : size;
    reqs.push_back({key, algorithm, expected});
    want.push_back(Digest(*ParseDigestName(algorithm), data));
  }
  HashPool pool({.threads = 3});
  auto out = pool.HashAll(*tier_, reqs);
  ASSERT_EQ(out.size(), reqs.size());
  uint64_t found = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    SCOPED_TRACE(reqs[i].key);
    if (want[i].empty()) {
      EXPECT_EQ(out[i].status.code(), Code::kNotFound);
    } else {
      ASSERT_OK(out[i].status);
      EXPECT_EQ(out[i].digest, want[i]);
      ++found;
    }
  }
  EXPECT_EQ(pool.files_hashed(), found);
}

TEST_F(HashPoolTest, MissingAndBrokenFilesAreOutcomesNotCrashes) {
  Write("ok", "x");
  Write("file", "not a directory");
  fs::create_directories(PathOf("dir/sub"));
  Write("dir/sub/y", "y");
  fs::create_symlink(PathOf("ok"), PathOf("link"));
  std::vector<HashRequest> reqs = {
      {"missing", "sha256", 0},   {"file/below", "sha256", 0},  // ENOTDIR
      {"dir", "sha256", 0},                                     // a directory: EISDIR
      {"link", "sha256", 1},                                    // a symlink: ELOOP
      {"../escape", "sha256", 0},                               // bad key
      {"ok", "crc32", 1},                                       // unknown algorithm
      {"ok", "sha256", 1},
  };
  HashPool pool({.threads = 2});
  auto out = pool.HashAll(*tier_, reqs);
  ASSERT_EQ(out.size(), reqs.size());
  EXPECT_EQ(out[0].status.code(), Code::kNotFound) << out[0].status.ToString();
  EXPECT_EQ(out[1].status.code(), Code::kNotFound) << out[1].status.ToString();
  EXPECT_EQ(out[2].status.code(), Code::kIoError) << out[2].status.ToString();
  EXPECT_EQ(out[3].status.code(), Code::kIoError) << out[3].status.ToString();
  EXPECT_FALSE(out[4].status.ok());
  EXPECT_EQ(out[5].status.code(), Code::kInvalidArgument) << out[5].status.ToString();
  ASSERT_OK(out[6].status);
  EXPECT_EQ(out[6].digest, Sha256Hex("x"));
  // Messages name the tier and the key.
  for (size_t i = 0; i < 6; ++i) {
    std::string m(out[i].status.message());
    EXPECT_NE(m.find("primary"), std::string::npos) << m;
    EXPECT_NE(m.find(reqs[i].key), std::string::npos) << m;
  }
}

TEST_F(HashPoolTest, UnreadableFile) {
  Write("secret", "s");
  fs::permissions(PathOf("secret"), fs::perms::none);
  HashPool pool({.threads = 1});
  auto out = pool.HashAll(*tier_, {{"secret", "sha256", 1}});
  ASSERT_EQ(out.size(), 1U);
  if (::geteuid() == 0) {
    ASSERT_OK(out[0].status);  // root reads anyway
  } else {
    EXPECT_EQ(out[0].status.code(), Code::kIoError) << out[0].status.ToString();
  }
}

TEST_F(HashPoolTest, OtherAlgorithms) {
  tiers::MemTier mem("mem");
  Write("abc", "abc");
  ASSERT_OK(mem.PutBytes("abc", "abc"));
  std::vector<HashRequest> reqs = {
      {"abc", "sha512", 3}, {"abc", "SHA-512", 3}, {"abc", "blake2b-512", 3},
      {"abc", "md5", 3},    {"abc", "sha1", 3},
  };
  const std::string sha512 =
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
  const std::string blake2b =
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
      "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
  HashPool pool({.threads = 2});
  for (const tiers::Tier* tier :
       {static_cast<const tiers::Tier*>(tier_.get()), static_cast<const tiers::Tier*>(&mem)}) {
    auto out = pool.HashAll(*tier, reqs);
    ASSERT_EQ(out.size(), reqs.size());
    for (const auto& o : out) {
      ASSERT_OK(o.status);
    }
    EXPECT_EQ(out[0].digest, sha512);
    EXPECT_EQ(out[1].digest, sha512);
    EXPECT_EQ(out[2].digest, blake2b);
    EXPECT_EQ(out[3].digest, "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(out[4].digest, "a9993e364706816aba3e25717850c26c9cd0d89d");
  }
}

TEST_F(HashPoolTest, ConcurrentCallersShareThePool) {
  constexpr int kCallers = 4;
  std::vector<std::vector<HashRequest>> reqs(kCallers);
  std::vector<std::vector<std::string>> want(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    for (int i = 0; i < 150; ++i) {
      std::string key = "c" + std::to_string(c) + "/f" + std::to_string(i);
      std::string data =
          key + std::string(static_cast<size_t>(i * 97 + c * 1000), static_cast<char>('a' + c));
      if (i == 5) {
        data += Pattern(5U << 20);
      }
      Write(key, data);
      reqs[c].push_back({key, "sha256", data.size()});
      want[c].push_back(Sha256Hex(data));
    }
  }
  HashPool pool({.threads = 2});
  ContentHasher hasher = pool.AsContentHasher();
  std::vector<std::vector<HashOutcome>> got(kCallers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kCallers; ++c) {
    threads.emplace_back([&, c] {
      for (int round = 0; round < 3; ++round) {
        got[c] = hasher(*tier_, reqs[c]);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int c = 0; c < kCallers; ++c) {
    ASSERT_EQ(got[c].size(), reqs[c].size());
    for (size_t i = 0; i < got[c].size(); ++i) {
      ASSERT_OK(got[c][i].status);
      EXPECT_EQ(got[c][i].digest, want[c][i]) << reqs[c][i].key;
    }
  }
  EXPECT_EQ(pool.files_hashed(), 3U * kCallers * 150);
}

TEST_F(HashPoolTest, EmptyRequestList) {
  HashPool pool({});
  EXPECT_GE(pool.threads(), 1);
  EXPECT_TRUE(pool.HashAll(*tier_, {}).empty());
}

TEST_F(HashPoolTest, LimiterCountsEveryByteRead) {
  std::vector<HashRequest> reqs;
  uint64_t total = 0;
  for (int i = 0; i < 20; ++i) {
    std::string key = "f" + std::to_string(i);
    size_t size = static_cast<size_t>(i) * 70001;
    Write(key, Pattern(size));
    // Half of the requests understate the size: the surprise is paid after the read.
    reqs.push_back({key, "sha256", i % 2 == 1 ? size : size / 2});
    total += size;
  }
  RateLimiter limiter(1e12);  // limited (takes the slow path), but never waits long
  HashPool pool({.threads = 2, .buffer_bytes = 64 << 10});
  auto out = pool.HashAll(*tier_, reqs, &limiter);
  for (const auto& o : out) {
    ASSERT_OK(o.status);
  }
  EXPECT_EQ(limiter.total_bytes(), total);
  EXPECT_EQ(pool.bytes_hashed(), total);
}

TEST_F(HashPoolTest, CancelledLimiterStopsHashing) {
  std::vector<HashRequest> reqs;
  for (int i = 0; i < 50; ++i) {
    std::string key = "f" + std::to_string(i);
    Write(key, Pattern(256 << 10));
    reqs.push_back({key, "sha256", 256 << 10});
  }
  // 64 KiB/s: hashing everything would take over three minutes.
  RateLimiter limiter(64 << 10);
  HashPool pool({.threads = 2, .buffer_bytes = 64 << 10});
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    limiter.Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto out = pool.HashAll(*tier_, reqs, &limiter);
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_LT(took, std::chrono::seconds(30));
  ASSERT_EQ(out.size(), reqs.size());
  int cancelled = 0;
  for (const auto& o : out) {
    if (o.status.code() == Code::kCancelled) {
      ++cancelled;
    }
  }
  EXPECT_GT(cancelled, 40);
}

// Page-cache tests: files are written, fsynced (dirty pages cannot be dropped) and then either
// evicted (cold) or read once (warm) before hashing. Not on tmpfs, which cannot drop pages.
class HashPoolCacheTest : public HashPoolTest {
 protected:
  static constexpr size_t kSize = 24U << 20;

  void SetUp() override {
    HashPoolTest::SetUp();
    struct statfs sfs {};
    ASSERT_EQ(::statfs(dir_.path().c_str(), &sfs), 0);
    if (sfs.f_type == 0x01021994 /* TMPFS_MAGIC */) {
      GTEST_SKIP() << "tmpfs keeps its pages";
    }
    Write("big", Pattern(kSize));
    ASSERT_OK(FsyncPath(PathOf("big")));
  }
  // Fraction of the file's pages in the page cache (mincore).
  double Resident() {
    ScopedFd fd(::open(PathOf("big").c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    void* map = ::mmap(nullptr, kSize, PROT_READ, MAP_SHARED, fd.get(), 0);
    EXPECT_NE(map, MAP_FAILED);
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((kSize + page - 1) / page);
    EXPECT_EQ(::mincore(map, kSize, vec.data()), 0);
    ::munmap(map, kSize);
    size_t resident = 0;
    for (unsigned char v : vec) {
      resident += v & 1;
    }
    return static_cast<double>(resident) / static_cast<double>(vec.size());
  }
  void Evict() {
    ScopedFd fd(::open(PathOf("big").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_EQ(::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED), 0);
  }
  void Warm() { (void)testing::ReadFile(PathOf("big")); }
  static bool HaveCachestat() {
    ScopedFd fd(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    std::array<uint64_t, 2> range{};
    std::array<uint64_t, 5> stat{};
    return ::syscall(451, fd.get(), range.data(), stat.data(), 0) == 0;
  }
  void Hash(HashPool::Options options) {
    HashPool pool(options);
    auto out = pool.HashAll(*tier_, {{"big", "sha256", kSize}});
    ASSERT_OK(out[0].status);
    EXPECT_EQ(out[0].digest, Sha256Hex(Pattern(kSize)));
  }
};

// What the verifier read from disk does not stay in the cache.
TEST_F(HashPoolCacheTest, ColdFileIsDropped) {
  Evict();
  if (Resident() > 0.5) {
    GTEST_SKIP() << "this file system does not drop clean pages on DONTNEED";
  }
  Hash({.threads = 1, .drop_cache = true});
  EXPECT_LT(Resident(), 0.25);
}

// A file someone else had cached is left cached (needs cachestat); without keep_warm_files it
// is dropped like any other.
TEST_F(HashPoolCacheTest, WarmFileIsLeftCached) {
  if (!HaveCachestat()) {
    GTEST_SKIP() << "no cachestat(2) (Linux < 6.5): every file is dropped";
  }
  Warm();
  ASSERT_GT(Resident(), 0.9);
  Hash({.threads = 1, .drop_cache = true});
  EXPECT_GT(Resident(), 0.9);
  Hash({.threads = 1, .drop_cache = true, .keep_warm_files = false});
  EXPECT_LT(Resident(), 0.25);
}

TEST_F(HashPoolCacheTest, NoDropCacheKeepsWhatWasRead) {
  Evict();
  Hash({.threads = 1, .drop_cache = false});
  EXPECT_GT(Resident(), 0.5);
}

}  // namespace
}  // namespace vault::fixity
