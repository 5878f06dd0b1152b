// Fixity policy: how fast the fixity scheduler of one tier must read, and when it may read.
//
// DESIGN.md §4: every copy on a tier is verified at least once per period P (default 365
// days, never above 3 years: TT05 requires every record checked within 3 years). The
// scheduler in vault/fixity turns P into a read rate; this file is the pure half of that
// decision (DESIGN.md §2): no I/O, no clock. The current time is always a parameter, in UTC
// milliseconds since the Unix epoch.
//
// Windows. A tier may restrict reading to local-time windows ("22:00-06:00": nights only, so
// daytime users keep the disks). Local time is UTC + utc_offset_s, a fixed offset (Vietnam is
// UTC+7 with no daylight saving time), so every local day has the same allowed seconds. The
// allowed set is the union of the windows; no windows means always allowed.
//
// Rate. RateEstimator consumes the tier's copies oldest-verified first and returns the rate
// that, read oldest-first and only inside the windows, verifies every copy before its deadline
// (last_verified + P):
//   steady   = total bytes / allowed seconds in [now, now + P)
//   catch-up = max over i of (bytes of copies 1..i) / allowed seconds in [now, deadline_i)
//   needed   = max(steady, catch-up) × headroom; the plan runs at min(needed, cap).
// The allowed time before a deadline is floored at kMinAllowedSeconds (1 hour of reading), so
// a deadline that is already past ("overdue") or falls before the next window opens gives a
// high but finite rate; such copies make the plan at_risk when the rate still cannot meet
// them. Headroom covers copies that arrive after the plan was made; the scheduler re-plans
// periodically (e.g. daily), which is cheap: O(1) memory, O(copies) time.
//
// Threading: free functions and a value-type estimator; one estimator per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/base/status.h"

namespace vault::policies {

// Minutes since local midnight, [start, end). end < start wraps past midnight; start == end
// is invalid. end may be 1440 ("24:00") to reach midnight exactly.
struct TimeWindow {
  int start_minute = 0, end_minute = 0;
};

// "22:00-06:00" → {1320, 360}; "H:MM" is accepted for the hour, minutes are two digits,
// "24:00" only as the end, surrounding blanks are ignored. kInvalidArgument naming the text for
// anything malformed ("25:00-01:00", "22-6", "", "06:00-06:00").
Result<TimeWindow> ParseTimeWindow(std::string_view text);
// "22:00-06:00".
std::string FormatTimeWindow(const TimeWindow& w);

inline constexpr int64_t kMinFixityPeriodS = 86'400;           // 1 day
inline constexpr int64_t kMaxFixityPeriodS = 1096LL * 86'400;  // 3 years (TT05)
inline constexpr int64_t kMaxUtcOffsetS = 14 * 3600;           // UTC−14 .. UTC+14
inline constexpr double kMinAllowedSeconds = 3600;             // floor per deadline, see above

struct FixityTierPolicy {
  int64_t period_s = 365LL * 86400;  // every copy verified at least this often; 1 day .. 1096 days
  double headroom = 1.5;             // multiply the needed rate (≥ 1.0)
  double max_read_bytes_s = 0;       // 0 = no cap
  std::vector<TimeWindow> windows;   // empty = always allowed
  int64_t utc_offset_s = 7 * 3600;   // local time of the windows (Vietnam, UTC+7, no DST)
};

// kInvalidArgument naming the field: period_s outside 1 day..1096 days, headroom < 1 or not
// finite, max_read_bytes_s < 0 or not finite, a window out of range or empty (start == end),
// utc_offset_s outside ±14 h.
Status ValidateFixityTierPolicy(const FixityTierPolicy& p);

// Whether reading is allowed at `now_ms` (UTC ms since the epoch).
bool InWindow(const FixityTierPolicy& p, int64_t now_ms);
// Seconds of allowed time in [from_ms, to_ms) (0 when to_ms ≤ from_ms). Exact to the
// millisecond; O(windows) whatever the span, because every local day is alike.
double AllowedSecondsBetween(const FixityTierPolicy& p, int64_t from_ms, int64_t to_ms);

// The read rate needed so that every copy is verified before its deadline (last_verified +
// period), oldest-verified first, reading only inside the windows. Feed copies in ascending
// last_verified_ms order (streaming: O(1) memory). Input out of order is noticed and named in
// the reason (the estimate is then too low), never a crash.
class RateEstimator {
 public:
  RateEstimator(const FixityTierPolicy& p, int64_t now_ms);
  void Add(int64_t last_verified_ms, uint64_t bytes);

  struct Plan {
    double bytes_per_s = 0;         // the rate to run at (after headroom, after the cap)
    double needed_bytes_per_s = 0;  // before the cap (after headroom)
    bool capped = false;            // the cap is below the needed rate
    bool at_risk = false;  // even at the planned rate some copy will miss its deadline (or has)
    uint64_t overdue_copies = 0;  // copies whose deadline is already past
    std::string reason;           // one line: how the rate was derived
  };
  Plan Finish() const;

 private:
  FixityTierPolicy p_;
  int64_t now_ms_;
  // The windows folded into one local day: sorted, disjoint [begin, end) ms since midnight.
  std::vector<std::pair<int64_t, int64_t>> day_ms_;
  double period_allowed_s_ = 0;  // AllowedSecondsBetween(now, now + period)
  uint64_t copies_ = 0;
  double total_bytes_ = 0;      // double: sums of uint64 may exceed 2^64 in theory
  double catch_up_ = 0;         // max cumulative / floored allowed time
  uint64_t catch_up_copy_ = 0;  // 1-based index of the copy that sets catch_up_
  double catch_up_allowed_s_ = 0;
  double strict_need_ = 0;  // max cumulative / unfloored allowed time (inf if 0)
  uint64_t overdue_ = 0;
  int64_t last_seen_ms_ = 0;
  bool out_of_order_ = false;
};

}  // namespace vault::policies
