#include "policies/fixity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "vault/base/text.h"

namespace vault::policies {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kMinuteMs = 60'000;
constexpr int kDayMinutes = 1440;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b) {
    return std::numeric_limits<int64_t>::min();
  }
  return a + b;
}

// The union of the windows as sorted, disjoint [begin, end) intervals in ms since local
// midnight. Out-of-range or empty windows (only possible without validation) contribute
// what remains after clamping.
using Intervals = std::vector<std::pair<int64_t, int64_t>>;

Intervals DayIntervals(const std::vector<TimeWindow>& windows) {
  Intervals raw;
  for (const TimeWindow& w : windows) {
    const int64_t s = std::clamp(w.start_minute, 0, kDayMinutes) * kMinuteMs;
    const int64_t e = std::clamp(w.end_minute, 0, kDayMinutes) * kMinuteMs;
    if (s < e) {
      raw.emplace_back(s, e);
    } else if (s > e) {  // wraps past midnight
      raw.emplace_back(s, kDayMs);
      if (e > 0)
        raw.emplace_back(0, e);
    }
  }
  std::sort(raw.begin(), raw.end());
  Intervals merged;
  for (const auto& iv : raw) {
    if (!merged.empty() && iv.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, iv.second);
    } else {
      merged.push_back(iv);
    }
  }
  return merged;
}

// Allowed ms within [a, b) of one local day, 0 ≤ a ≤ b ≤ kDayMs.
int64_t OverlapMs(const Intervals& day, int64_t a, int64_t b) {
  int64_t sum = 0;
  for (const auto& [s, e] : day) {
    const int64_t lo = std::max(s, a);
    const int64_t hi = std::min(e, b);
    if (hi > lo)
      sum += hi - lo;
  }
  return sum;
}

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// "1.50 GiB", "12.0 KiB", "512 B".
std::string HumanBytes(double b) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  size_t u = 0;
  while (b >= 1024 && u + 1 < std::size(kUnits)) {
    b /= 1024;
    ++u;
  }
  if (u == 0)
    return Fmt("%.0f", b) + " B";
  return Fmt(b < 10 ? "%.2f" : (b < 100 ? "%.1f" : "%.0f"), b) + " " + kUnits[u];
}

std::string HumanRate(double bytes_per_s) {
  if (std::isinf(bytes_per_s))
    return "unbounded";
  return HumanBytes(bytes_per_s) + "/s";
}

std::string Hours(double seconds) { return Fmt("%.1f", seconds / 3600) + " h"; }

Status WindowError(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("invalid time window \"" + std::string(text) + "\": " + why +
                                 " (expected HH:MM-HH:MM, e.g. 22:00-06:00)");
}

// Parses "H:MM" or "HH:MM" into minutes since midnight; -1 if malformed. Range checks are the
// caller's, so that it can name the bad part.
int ParseClock(std::string_view s, int* hour, int* minute) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) {
    return -1;
  }
  int h = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    h = h * 10 + (s[i] - '0');
  }
  int m = 0;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    m = m * 10 + (s[i] - '0');
  }
  *hour = h;
  *minute = m;
  return h * 60 + m;
}

std::string_view Trim(std::string_view s) { return TrimBlanks(s); }

}  // namespace

Result<TimeWindow> ParseTimeWindow(std::string_view text) {
  const std::string_view t = Trim(text);
  if (t.empty())
    return WindowError(text, "empty");
  const size_t dash = t.find('-');
  if (dash == std::string_view::npos || t.find('-', dash + 1) != std::string_view::npos) {
    return WindowError(text, "needs exactly one '-' between start and end");
  }
  TimeWindow w;
  int* const out[2] = {&w.start_minute, &w.end_minute};
  const std::string_view parts[2] = {Trim(t.substr(0, dash)), Trim(t.substr(dash + 1))};
  for (int i = 0; i < 2; ++i) {
    const char* which = i == 0 ? "start" : "end";
    int h = 0;
    int m = 0;
    if (ParseClock(parts[i], &h, &m) < 0) {
      return WindowError(text,
                         std::string(which) + " \"" + std::string(parts[i]) + "\" is not HH:MM");
    }
    if (m > 59)
      return WindowError(
          text, std::string(which) + " minute " + std::to_string(m) + " is outside 00..59");
    const bool end_midnight = i == 1 && h == 24 && m == 0;
    if (h > 23 && !end_midnight) {
      return WindowError(text, std::string(which) + " hour " + std::to_string(h) +
                                   " is outside 00..23" + (i == 1 ? " (or 24:00)" : ""));
    }
    *out[i] = h * 60 + m;
  }
  // "00:00-24:00" is a whole day; equal ends are nothing (or ambiguous), so refused.
  if (w.start_minute == w.end_minute)
    return WindowError(text, "start equals end");
  return w;
}

std::string FormatTimeWindow(const TimeWindow& w) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", w.start_minute / 60, w.start_minute % 60,
                w.end_minute / 60, w.end_minute % 60);
  return buf;
}

Status ValidateFixityTierPolicy(const FixityTierPolicy& p) {
  if (p.period_s < kMinFixityPeriodS || p.period_s > kMaxFixityPeriodS) {
    return Status::InvalidArgument("fixity period_s = " + std::to_string(p.period_s) +
                                   " is outside " + std::to_string(kMinFixityPeriodS) + ".." +
                                   std::to_string(kMaxFixityPeriodS) + " (1 day .. 3 years, TT05)");
  }
  if (!std::isfinite(p.headroom) || p.headroom < 1.0) {
    return Status::InvalidArgument("fixity headroom = " + Fmt("%g", p.headroom) +
                                   " must be a finite number ≥ 1.0");
  }
  if (!std::isfinite(p.max_read_bytes_s) || p.max_read_bytes_s < 0) {
    return Status::InvalidArgument("fixity max_read_bytes_s = " + Fmt("%g", p.max_read_bytes_s) +
                                   " must be ≥ 0 (0 = no cap)");
  }
  for (size_t i = 0; i < p.windows.size(); ++i) {
    const TimeWindow& w = p.windows[i];
    const bool in_range = w.start_minute >= 0 && w.start_minute < kDayMinutes &&
                          w.end_minute >= 0 && w.end_minute <= kDayMinutes;
    if (!in_range || w.start_minute == w.end_minute) {
      return Status::InvalidArgument("fixity windows[" + std::to_string(i) + "] = {" +
                                     std::to_string(w.start_minute) + ", " +
                                     std::to_string(w.end_minute) +
                                     "}: minutes must be 0..1439 (end 0..1440) and start ≠ end");
    }
  }
  if (p.utc_offset_s < -kMaxUtcOffsetS || p.utc_offset_s > kMaxUtcOffsetS) {
    return Status::InvalidArgument("fixity utc_offset_s = " + std::to_string(p.utc_offset_s) +
                                   " is outside ±" + std::to_string(kMaxUtcOffsetS));
  }
  return Status::Ok();
}

bool InWindow(const FixityTierPolicy& p, int64_t now_ms) {
  if (p.windows.empty())
    return true;
  const int64_t local = SaturatingAdd(now_ms, p.utc_offset_s * 1000);
  const int64_t r = local - FloorDiv(local, kDayMs) * kDayMs;
  for (const auto& [s, e] : DayIntervals(p.windows)) {
    if (r >= s && r < e)
      return true;
  }
  return false;
}

namespace {
// AllowedSecondsBetween with the windows already folded into `day` (RateEstimator calls this
// once per copy and should not allocate each time).
double AllowedSeconds(const FixityTierPolicy& p, const Intervals& day, int64_t from_ms,
                      int64_t to_ms) {
  if (to_ms <= from_ms)
    return 0;
  if (p.windows.empty())
    return static_cast<double>(to_ms - from_ms) / 1000.0;
  // With a fixed UTC offset every local day has the same windows, so the whole days in the
  // middle are a multiplication; only the two partial days at the ends are integrated.
  const int64_t per_day = OverlapMs(day, 0, kDayMs);
  const int64_t lf = SaturatingAdd(from_ms, p.utc_offset_s * 1000);
  const int64_t lt = SaturatingAdd(to_ms, p.utc_offset_s * 1000);
  const int64_t d0 = FloorDiv(lf, kDayMs);
  const int64_t d1 = FloorDiv(lt, kDayMs);
  const int64_t r0 = lf - d0 * kDayMs;
  const int64_t r1 = lt - d1 * kDayMs;
  if (d0 == d1)
    return static_cast<double>(OverlapMs(day, r0, r1)) / 1000.0;
  const double ms = static_cast<double>(OverlapMs(day, r0, kDayMs)) +
                    static_cast<double>(d1 - d0 - 1) * static_cast<double>(per_day) +
                    static_cast<double>(OverlapMs(day, 0, r1));
  return ms / 1000.0;
}
}  // namespace

double AllowedSecondsBetween(const FixityTierPolicy& p, int64_t from_ms, int64_t to_ms) {
  if (to_ms <= from_ms)
    return 0;
  return AllowedSeconds(p, DayIntervals(p.windows), from_ms, to_ms);
}

RateEstimator::RateEstimator(const FixityTierPolicy& p, int64_t now_ms) : p_(p), now_ms_(now_ms) {
  // Without validation the period could be anything; keep the arithmetic finite.
  p_.period_s = std::clamp<int64_t>(p_.period_s, 1, 100 * kMaxFixityPeriodS);
  day_ms_ = DayIntervals(p_.windows);
  period_allowed_s_ =
      AllowedSeconds(p_, day_ms_, now_ms_, SaturatingAdd(now_ms_, p_.period_s * 1000));
}

void RateEstimator::Add(int64_t last_verified_ms, uint64_t bytes) {
  if (copies_ > 0 && last_verified_ms < last_seen_ms_)
    out_of_order_ = true;
  last_seen_ms_ = last_verified_ms;
  ++copies_;
  total_bytes_ += static_cast<double>(bytes);
  if (total_bytes_ <= 0)
    return;  // nothing to read yet: no constraint

  const int64_t deadline = SaturatingAdd(last_verified_ms, p_.period_s * 1000);
  double allowed = 0;
  if (deadline <= now_ms_) {
    ++overdue_;
  } else {
    allowed = AllowedSeconds(p_, day_ms_, now_ms_, deadline);
  }
  const double strict =
      allowed > 0 ? total_bytes_ / allowed : std::numeric_limits<double>::infinity();
  strict_need_ = std::max(strict_need_, strict);
  const double floored = std::max(allowed, kMinAllowedSeconds);
  const double rate = total_bytes_ / floored;
  if (rate > catch_up_) {
    catch_up_ = rate;
    catch_up_copy_ = copies_;
    catch_up_allowed_s_ = floored;
  }
}

RateEstimator::Plan RateEstimator::Finish() const {
  Plan plan;
  plan.overdue_copies = overdue_;
  if (copies_ == 0) {
    plan.reason = "no copies: nothing to verify";
    return plan;
  }
  const double steady = total_bytes_ / std::max(period_allowed_s_, kMinAllowedSeconds);
  const double headroom = p_.headroom >= 1.0 && std::isfinite(p_.headroom) ? p_.headroom : 1.0;
  plan.needed_bytes_per_s = std::max(steady, catch_up_) * headroom;
  const double cap = p_.max_read_bytes_s;
  plan.capped = cap > 0 && cap < plan.needed_bytes_per_s;
  plan.bytes_per_s = plan.capped ? cap : plan.needed_bytes_per_s;
  plan.at_risk =
      overdue_ > 0 || strict_need_ > plan.bytes_per_s || (plan.capped && cap < catch_up_);

  std::string& r = plan.reason;
  r = std::to_string(copies_) + (copies_ == 1 ? " copy, " : " copies, ") +
      HumanBytes(total_bytes_) + "; steady " + HumanRate(steady) + " (" + Hours(period_allowed_s_) +
      " allowed in a " + Fmt("%.0f", static_cast<double>(p_.period_s) / 86400) + "-day period)";
  if (catch_up_ > 0) {
    r += "; catch-up " + HumanRate(catch_up_) + " (first " + std::to_string(catch_up_copy_) +
         " oldest " + (catch_up_copy_ == 1 ? "copy" : "copies") + " within " +
         Hours(catch_up_allowed_s_) + " allowed)";
  }
  r += "; \u00d7" + Fmt("%.2f", headroom) + " headroom = " + HumanRate(plan.needed_bytes_per_s);
  if (plan.capped)
    r += "; capped at " + HumanRate(cap);
  if (overdue_ > 0)
    r += "; " + std::to_string(overdue_) + " overdue";
  if (plan.at_risk) {
    r += "; at risk: ";
    if (overdue_ > 0) {
      r += "deadlines already missed";
    } else if (plan.capped && cap < catch_up_) {
      r += "the cap is below the catch-up rate";
    } else {
      r += "some deadline comes before enough allowed time (needs " + HumanRate(strict_need_) + ")";
    }
  }
  if (out_of_order_)
    r += "; copies were not given oldest-verified first, the rate may be low";
  return plan;
}

}  // namespace vault::policies
