#include "vault/fixity/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace vault::fixity {
namespace {

double Sanitize(double bytes_per_s) {
  return std::isfinite(bytes_per_s) && bytes_per_s > 0 ? bytes_per_s : 0.0;
}

}  // namespace

RateLimiter::RateLimiter(double bytes_per_s) : rate_(Sanitize(bytes_per_s)) {
  tokens_ = BurstLocked();  // start full
  last_refill_ = Clock::now();
  unlimited_.store(rate_ == 0, std::memory_order_release);
}

void RateLimiter::RefillLocked(Clock::time_point now) {
  if (now > last_refill_) {
    double dt = std::chrono::duration<double>(now - last_refill_).count();
    tokens_ = std::min(BurstLocked(), tokens_ + dt * rate_);
  }
  last_refill_ = now;
}

void RateLimiter::SetRate(double bytes_per_s) {
  {
    std::lock_guard lock(mu_);
    bool was_unlimited = rate_ == 0;
    RefillLocked(Clock::now());
    rate_ = Sanitize(bytes_per_s);
    // Leaving "unlimited" starts with a full bucket; otherwise keep the tokens (and the debt).
    tokens_ = was_unlimited ? BurstLocked() : std::min(tokens_, BurstLocked());
    unlimited_.store(rate_ == 0, std::memory_order_release);
  }
  cv_.notify_all();
}

double RateLimiter::rate() const {
  std::lock_guard lock(mu_);
  return rate_;
}

void RateLimiter::Acquire(uint64_t bytes) {
  total_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (bytes == 0 || cancelled() || unlimited_.load(std::memory_order_acquire)) {
    return;
  }

  std::unique_lock lock(mu_);
  const uint64_t ticket = next_ticket_++;
  while (true) {
    if (cancelled_.load(std::memory_order_acquire) || rate_ == 0) {
      break;
    }
    // `<=`: a later ticket may have left early (cancel, or a moment of "unlimited"), moving
    // now_serving_ past this one; this waiter is then at the head too.
    if (ticket <= now_serving_) {
      Clock::time_point now = Clock::now();
      RefillLocked(now);
      // A request larger than the burst needs a full bucket (then goes into debt); a smaller
      // one needs its own size.
      double need = std::min(static_cast<double>(bytes), BurstLocked());
      if (tokens_ >= need) {
        tokens_ -= static_cast<double>(bytes);
        break;
      }
      auto wait = std::chrono::duration<double>((need - tokens_) / rate_);
      cv_.wait_until(lock, now + std::chrono::duration_cast<Clock::duration>(wait) +
                               std::chrono::microseconds(1));
    } else {
      cv_.wait(lock);  // woken when the head of the queue is served, or on SetRate/Cancel
    }
  }
  // Served (or cancelled / now unlimited): let the next ticket go.
  now_serving_ = std::max(now_serving_, ticket + 1);
  lock.unlock();
  cv_.notify_all();
}

void RateLimiter::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

}  // namespace vault::fixity
