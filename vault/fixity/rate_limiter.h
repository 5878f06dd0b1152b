// RateLimiter: a token bucket on bytes per second, shared by every thread that reads stored
// content for fixity checks, so that verification never takes more than its share of a tier's
// read bandwidth.
//
// Contract:
//   - Acquire(n) blocks until n bytes may be read, then counts them. Waiters are served in
//     arrival order (FIFO), so a large request is not starved by a stream of small ones.
//   - Burst: the bucket holds at most max(0.25 s worth of the rate, the request being served)
//     bytes, and starts full. A request larger than the 0.25 s burst waits for a full bucket and
//     then passes at once, leaving the bucket in debt; later callers wait until the debt is paid.
//     Over any long interval t the bytes granted are at most rate × t + burst + one request.
//   - Rate 0 means unlimited: Acquire returns at once (it still counts the bytes).
//   - SetRate() takes effect immediately, also for callers already waiting (they are woken and
//     recompute their wait). Tokens earned so far are kept, clamped to the new burst.
//   - Cancel() is for shutdown: it wakes every waiter, and from then on every Acquire returns at
//     once. It cannot be undone. Readers should check cancelled() and stop (HashPool does).
//   - Time is std::chrono::steady_clock; waiting uses a condition variable (no polling).
// Threading: every method is thread-safe. The limiter must outlive every thread that uses it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace vault::fixity {

class RateLimiter {
 public:
  // `bytes_per_s` <= 0 (or not finite) means unlimited.
  explicit RateLimiter(double bytes_per_s = 0);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = delete;
  RateLimiter& operator=(RateLimiter&&) = delete;
  ~RateLimiter() = default;

  // Changes the rate (bytes per second; <= 0 = unlimited) and wakes the waiters.
  void SetRate(double bytes_per_s);
  // The current rate (0 = unlimited).
  double rate() const;

  // Blocks until `bytes` may be read (see the contract above); returns at once when unlimited
  // or cancelled. Counts `bytes` in total_bytes() in every case.
  void Acquire(uint64_t bytes);

  // Wakes every waiter and makes every later Acquire return immediately. Idempotent.
  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Bytes passed through Acquire so far.
  uint64_t total_bytes() const { return total_bytes_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr double kBurstSeconds = 0.25;

  // Adds the tokens earned since last_refill_, up to the burst. Requires mu_.
  void RefillLocked(Clock::time_point now);
  double BurstLocked() const { return rate_ * kBurstSeconds; }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  double rate_ = 0;                    // guarded by mu_; 0 = unlimited
  double tokens_ = 0;                  // guarded by mu_; may be negative (debt)
  Clock::time_point last_refill_;      // guarded by mu_
  uint64_t next_ticket_ = 0;           // guarded by mu_: FIFO order of waiters
  uint64_t now_serving_ = 0;           // guarded by mu_
  std::atomic<bool> unlimited_{true};  // mirrors rate_ == 0, for a lock-free fast path
  std::atomic<bool> cancelled_{false};
  std::atomic<uint64_t> total_bytes_{0};
};

}  // namespace vault::fixity
