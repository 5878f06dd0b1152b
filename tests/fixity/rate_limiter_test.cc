#include "vault/fixity/rate_limiter.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vault::fixity {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(RateLimiterTest, UnlimitedNeverWaits) {
  RateLimiter limiter;
  auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    limiter.Acquire(1 << 30);
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(limiter.total_bytes(), 1000ULL << 30);
  EXPECT_EQ(limiter.rate(), 0);
}

// Bytes granted over ~1.5 s stay near rate × time. Ratios with generous bounds: the bucket
// starts full (+0.25 s worth), and a loaded machine may wake the threads late (the bucket then
// catches up, up to its burst).
TEST(RateLimiterTest, DeliversAboutTheRate) {
  constexpr double kRate = 16 << 20;  // 16 MiB/s
  constexpr uint64_t kChunk = 64 << 10;
  RateLimiter limiter(kRate);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> delivered{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        limiter.Acquire(kChunk);
        if (!stop.load()) {
          delivered += kChunk;
        }
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(1500));
  const uint64_t got = delivered.load();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  limiter.Cancel();
  for (auto& t : threads) {
    t.join();
  }
  const double ratio = static_cast<double>(got) / (kRate * seconds);
  EXPECT_GE(ratio, 0.8) << got << " bytes in " << seconds << " s";
  EXPECT_LE(ratio, 1.3) << got << " bytes in " << seconds << " s";
}

// A request larger than the burst passes at once and leaves a debt that later callers pay.
TEST(RateLimiterTest, LargeRequestPassesThenLaterCallersWait) {
  RateLimiter limiter(4 << 20);  // burst 1 MiB
  auto start = Clock::now();
  limiter.Acquire(8 << 20);  // 2 s worth
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    limiter.Acquire(1);
    done = true;
  });
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(done.load()) << "the debt of ~1.75 s was not waited for";
  limiter.Cancel();
  waiter.join();
  EXPECT_TRUE(done.load());
}

TEST(RateLimiterTest, CancelUnblocksWaitersAndLaterCalls) {
  RateLimiter limiter(1000);  // 1 kB/s
  limiter.Acquire(250);       // empties the bucket
  std::atomic<int> done{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      limiter.Acquire(1 << 20);  // would take ~17 minutes
      ++done;
    });
  }
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(done.load(), 0);
  limiter.Cancel();
  for (auto& t : waiters) {
    t.join();
  }
  EXPECT_EQ(done.load(), 3);
  EXPECT_TRUE(limiter.cancelled());
  auto start = Clock::now();
  limiter.Acquire(1 << 30);
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

TEST(RateLimiterTest, SetRateWakesWaiters) {
  RateLimiter limiter(1000);
  limiter.Acquire(250);
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    limiter.Acquire(1 << 20);
    done = true;
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(done.load());
  limiter.SetRate(0);  // unlimited
  waiter.join();
  EXPECT_TRUE(done.load());
  EXPECT_FALSE(limiter.cancelled());
  limiter.SetRate(1e9);  // limited again: starts with a full bucket
  auto start = Clock::now();
  limiter.Acquire(1000);
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

}  // namespace
}  // namespace vault::fixity
