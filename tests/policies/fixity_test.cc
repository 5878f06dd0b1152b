#include "policies/fixity.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::policies {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr uint64_t kMiB = 1024 * 1024;
// 2025-01-01 00:00 local time in Vietnam (UTC+7) = 2024-12-31T17:00:00Z.
constexpr int64_t kLocalMidnight = 1'735'689'600'000 - 7 * kHour;

int64_t Local(int64_t day, int hh, int mm = 0) {
  return kLocalMidnight + day * kDay + hh * kHour + mm * 60'000;
}

FixityTierPolicy Nights() {
  FixityTierPolicy p;
  p.windows = {TimeWindow{22 * 60, 6 * 60}};
  return p;
}

// ---- ParseTimeWindow ------------------------------------------------------------------------

TEST(ParseTimeWindowTest, GoodCases) {
  struct Case {
    const char* text;
    int start, end;
  };
  for (const Case& c : std::vector<Case>{{"22:00-06:00", 1320, 360},
                                         {"08:30-17:00", 510, 1020},
                                         {"6:00-7:15", 360, 435},
                                         {"00:00-24:00", 0, 1440},
                                         {"22:00-24:00", 1320, 1440},
                                         {"23:59-00:00", 1439, 0},
                                         {"  22:00 - 06:00 ", 1320, 360}}) {
    const Result<TimeWindow> w = ParseTimeWindow(c.text);
    ASSERT_OK(w);
    EXPECT_EQ(w->start_minute, c.start) << c.text;
    EXPECT_EQ(w->end_minute, c.end) << c.text;
  }
  EXPECT_EQ(FormatTimeWindow(*ParseTimeWindow("22:00-06:00")), "22:00-06:00");
}

TEST(ParseTimeWindowTest, BadCasesNameTheText) {
  for (const char* text :
       {"25:00-01:00", "22-6", "", "   ", "06:00-06:00", "22:60-23:00", "22:00", "22:00-",
        "22:00-06:00-07:00", "ab:cd-01:00", "24:00-01:00", "22:0-06:00", "022:00-06:00",
        "22:00-24:30", "-1:00-02:00", "22h00-06h00"}) {
    const Result<TimeWindow> w = ParseTimeWindow(text);
    ASSERT_FALSE(w.ok()) << text;
    EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
    EXPECT_THAT(std::string(w.status().message()), HasSubstr("\"" + std::string(text) + "\""));
  }
  EXPECT_THAT(std::string(ParseTimeWindow("25:00-01:00").status().message()), HasSubstr("hour 25"));
}

// ---- ValidateFixityTierPolicy ---------------------------------------------------------------

TEST(ValidateFixityTierPolicyTest, NamesTheField) {
  EXPECT_OK(ValidateFixityTierPolicy(FixityTierPolicy{}));
  EXPECT_OK(ValidateFixityTierPolicy(Nights()));
  struct Case {
    const char* field;
    FixityTierPolicy p;
  };
  std::vector<Case> cases;
  auto add = [&](const char* field, auto mutate) {
    FixityTierPolicy p;
    mutate(p);
    cases.push_back({field, p});
  };
  add("period_s", [](FixityTierPolicy& p) { p.period_s = 86'399; });
  add("period_s", [](FixityTierPolicy& p) { p.period_s = 1097LL * 86'400; });
  add("headroom", [](FixityTierPolicy& p) { p.headroom = 0.9; });
  add("headroom", [](FixityTierPolicy& p) { p.headroom = std::nan(""); });
  add("max_read_bytes_s", [](FixityTierPolicy& p) { p.max_read_bytes_s = -1; });
  add("windows[1]", [](FixityTierPolicy& p) { p.windows = {{0, 60}, {300, 300}}; });
  add("windows[0]", [](FixityTierPolicy& p) { p.windows = {{0, 1441}}; });
  add("utc_offset_s", [](FixityTierPolicy& p) { p.utc_offset_s = 15 * 3600; });
  for (const Case& c : cases) {
    const Status s = ValidateFixityTierPolicy(c.p);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.field;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.field));
  }
  FixityTierPolicy three_years;
  three_years.period_s = 1096LL * 86'400;
  EXPECT_OK(ValidateFixityTierPolicy(three_years));
}

// ---- InWindow -------------------------------------------------------------------------------

TEST(InWindowTest, AroundMidnightWithWrapAndOffset) {
  const FixityTierPolicy p = Nights();  // 22:00-06:00 local, UTC+7
  struct Case {
    int64_t t;
    bool in;
  };
  for (const Case& c : std::vector<Case>{{Local(3, 21, 59), false},
                                         {Local(3, 22) - 1, false},
                                         {Local(3, 22), true},
                                         {Local(3, 23, 59), true},
                                         {Local(4, 0), true},
                                         {Local(4, 5, 59), true},
                                         {Local(4, 6) - 1, true},
                                         {Local(4, 6), false},
                                         {Local(4, 12), false},
                                         // Before the epoch: floor, not truncation.
                                         {-7 * kHour, true},  // 1970-01-01 00:00 local
                                         {-7 * kHour - 8 * kHour - 1, false}}) {
    EXPECT_EQ(InWindow(p, c.t), c.in) << c.t;
  }
  // 22:00 local is 15:00 UTC: at 23:00 UTC (06:00 local) the window has just closed.
  EXPECT_TRUE(InWindow(p, 1'735'689'600'000 - 9 * kHour));   // 2024-12-31T15:00Z
  EXPECT_FALSE(InWindow(p, 1'735'689'600'000 - 1 * kHour));  // 2024-12-31T23:00Z = 06:00 local
  FixityTierPolicy utc = p;
  utc.utc_offset_s = 0;
  EXPECT_TRUE(InWindow(utc, 1'735'689'600'000 - 1 * kHour));  // 23:00 UTC
  EXPECT_TRUE(InWindow(FixityTierPolicy{}, Local(4, 12)));    // no windows: always
}

// ---- AllowedSecondsBetween ------------------------------------------------------------------

TEST(AllowedSecondsTest, NoWindowsIsWallTime) {
  const FixityTierPolicy p;
  EXPECT_EQ(AllowedSecondsBetween(p, Local(0, 0), Local(0, 0)), 0);
  EXPECT_EQ(AllowedSecondsBetween(p, Local(1, 0), Local(0, 0)), 0);
  EXPECT_EQ(AllowedSecondsBetween(p, Local(0, 3, 17), Local(2, 1, 5)),
            (2 * 86400 - 2 * 3600 - 12 * 60));
  EXPECT_EQ(AllowedSecondsBetween(p, 0, 1096 * kDay), 1096.0 * 86400);
  EXPECT_DOUBLE_EQ(AllowedSecondsBetween(p, 0, 1), 0.001);
}

TEST(AllowedSecondsTest, EightHourWindowOverThreeDaysIsTwentyFourHours) {
  const FixityTierPolicy p = Nights();
  for (int64_t start : {Local(0, 0), Local(0, 6), Local(0, 22), Local(0, 23, 17), Local(5, 13, 1),
                        Local(0, 0) + 12345, int64_t{0}, int64_t{-5 * kDay + 777}}) {
    EXPECT_EQ(AllowedSecondsBetween(p, start, start + 3 * kDay), 24.0 * 3600) << start;
  }
  EXPECT_EQ(AllowedSecondsBetween(p, Local(0, 0), Local(365, 0)), 365 * 8.0 * 3600);
}

TEST(AllowedSecondsTest, PartialDays) {
  const FixityTierPolicy p = Nights();
  struct Case {
    int64_t from, to;
    double hours;
  };
  for (const Case& c :
       std::vector<Case>{{Local(0, 23), Local(1, 2), 3},  // inside, across midnight
                         {Local(0, 5), Local(0, 23), 2},  // tail of one night + head of the next
                         {Local(0, 7), Local(0, 21), 0},  // daytime only
                         {Local(0, 21), Local(0, 22, 30), 0.5},
                         {Local(0, 5, 30), Local(2, 22, 30), 0.5 + 8 + 8 + 0.5},
                         {Local(0, 12), Local(3, 12), 24}}) {
    EXPECT_DOUBLE_EQ(AllowedSecondsBetween(p, c.from, c.to), c.hours * 3600)
        << c.from << " " << c.to;
  }
}

TEST(AllowedSecondsTest, MatchesMinuteByMinuteCount) {
  FixityTierPolicy p;
  p.utc_offset_s = 7 * 3600;
  // Overlapping and wrapping windows: the union is 01:00-04:00, 12:00-12:30, 23:00-00:15.
  p.windows = {{60, 180}, {120, 240}, {720, 750}, {1380, 15}, {1410, 10}};
  ASSERT_OK(ValidateFixityTierPolicy(p));
  EXPECT_EQ(AllowedSecondsBetween(p, Local(0, 0), Local(1, 0)), (180 + 30 + 75) * 60.0);
  uint64_t seed = 42;
  auto next = [&seed](int64_t mod) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((seed >> 33) % static_cast<uint64_t>(mod));
  };
  for (int i = 0; i < 200; ++i) {
    const int64_t from = Local(0, 0) + next(4 * 1440) * 60'000;  // minute-aligned
    const int64_t to = from + next(3 * 1440) * 60'000;
    int64_t minutes = 0;
    for (int64_t t = from; t < to; t += 60'000)
      minutes += InWindow(p, t) ? 1 : 0;
    EXPECT_EQ(AllowedSecondsBetween(p, from, to), static_cast<double>(minutes) * 60) << i;
  }
}

// ---- RateEstimator --------------------------------------------------------------------------

constexpr int64_t kNow = 1'735'689'600'000;

TEST(RateEstimatorTest, EmptyIsZero) {
  const RateEstimator::Plan plan = RateEstimator(FixityTierPolicy{}, kNow).Finish();
  EXPECT_EQ(plan.bytes_per_s, 0);
  EXPECT_EQ(plan.needed_bytes_per_s, 0);
  EXPECT_FALSE(plan.capped);
  EXPECT_FALSE(plan.at_risk);
  EXPECT_EQ(plan.overdue_copies, 0u);
  EXPECT_THAT(plan.reason, HasSubstr("no copies"));
}

// 365 copies of 1 GiB, last verified uniformly over the past year: copy i is due in i days.
RateEstimator::Plan YearOfGiB(const FixityTierPolicy& p) {
  RateEstimator est(p, kNow);
  for (int64_t i = 1; i <= 365; ++i) {
    est.Add(kNow - (365 - i) * kDay, static_cast<uint64_t>(kGiB));
  }
  return est.Finish();
}

TEST(RateEstimatorTest, OneGiBPerDayWithoutWindows) {
  const RateEstimator::Plan plan = YearOfGiB(FixityTierPolicy{});
  const double expected = 1.5 * kGiB / 86400;
  EXPECT_NEAR(plan.bytes_per_s, expected, expected * 1e-9);
  EXPECT_EQ(plan.needed_bytes_per_s, plan.bytes_per_s);
  EXPECT_FALSE(plan.capped);
  EXPECT_FALSE(plan.at_risk);
  EXPECT_EQ(plan.overdue_copies, 0u);
  EXPECT_THAT(plan.reason, HasSubstr("365 copies, 365 GiB"));

  // The same bytes all verified just now: the steady rate alone, same figure.
  RateEstimator fresh(FixityTierPolicy{}, kNow);
  for (int i = 0; i < 365; ++i)
    fresh.Add(kNow, static_cast<uint64_t>(kGiB));
  EXPECT_NEAR(fresh.Finish().bytes_per_s, expected, expected * 1e-9);
}

TEST(RateEstimatorTest, NightsOnlyWindowTriplesTheRate) {
  const double base = YearOfGiB(FixityTierPolicy{}).bytes_per_s;
  const RateEstimator::Plan plan = YearOfGiB(Nights());
  EXPECT_NEAR(plan.bytes_per_s, 3 * base, 3 * base * 1e-9);
  EXPECT_FALSE(plan.at_risk);
}

TEST(RateEstimatorTest, BacklogIsAtRiskAndCountsOverdue) {
  RateEstimator est(FixityTierPolicy{}, kNow);
  for (int i = 0; i < 10; ++i)
    est.Add(kNow - 400 * kDay, static_cast<uint64_t>(kGiB));
  for (int i = 0; i < 5; ++i)
    est.Add(kNow - 10 * kDay, static_cast<uint64_t>(kGiB));
  const RateEstimator::Plan plan = est.Finish();
  EXPECT_TRUE(plan.at_risk);
  EXPECT_EQ(plan.overdue_copies, 10u);
  // The overdue 10 GiB within the one-hour floor dominates: high but finite.
  EXPECT_TRUE(std::isfinite(plan.bytes_per_s));
  EXPECT_NEAR(plan.bytes_per_s, 1.5 * 10 * kGiB / 3600, 1);
  EXPECT_THAT(plan.reason, HasSubstr("10 overdue"));
}

TEST(RateEstimatorTest, DeadlineBeforeTheWindowOpensIsAtRisk) {
  // Noon local; the copy is due at 14:00, the window opens at 22:00.
  RateEstimator est(Nights(), Local(0, 12));
  est.Add(Local(0, 14) - 365 * kDay, kMiB);
  const RateEstimator::Plan plan = est.Finish();
  EXPECT_EQ(plan.overdue_copies, 0u);
  EXPECT_TRUE(plan.at_risk);
  EXPECT_TRUE(std::isfinite(plan.bytes_per_s));
}

TEST(RateEstimatorTest, CapLimitsTheRate) {
  FixityTierPolicy p;
  p.max_read_bytes_s = 1000;  // far below ~18 KiB/s
  const RateEstimator::Plan plan = YearOfGiB(p);
  EXPECT_TRUE(plan.capped);
  EXPECT_EQ(plan.bytes_per_s, 1000);
  EXPECT_NEAR(plan.needed_bytes_per_s, 1.5 * kGiB / 86400, 1e-3);
  EXPECT_TRUE(plan.at_risk);  // the cap is below even the rate without headroom
  EXPECT_THAT(plan.reason, HasSubstr("capped"));

  // A cap between the bare rate and the rate with headroom: capped, but not at risk.
  p.max_read_bytes_s = 1.2 * kGiB / 86400;
  const RateEstimator::Plan mid = YearOfGiB(p);
  EXPECT_TRUE(mid.capped);
  EXPECT_EQ(mid.bytes_per_s, p.max_read_bytes_s);
  EXPECT_FALSE(mid.at_risk);

  p.max_read_bytes_s = 1e12;  // above the need: not capped
  const RateEstimator::Plan high = YearOfGiB(p);
  EXPECT_FALSE(high.capped);
  EXPECT_NEAR(high.bytes_per_s, 1.5 * kGiB / 86400, 1e-3);
}

TEST(RateEstimatorTest, OutOfOrderInputIsNamed) {
  RateEstimator est(FixityTierPolicy{}, kNow);
  est.Add(kNow - kDay, kMiB);
  est.Add(kNow - 2 * kDay, kMiB);
  EXPECT_THAT(est.Finish().reason, HasSubstr("not given oldest-verified first"));
}

// Runs the planned rate through an hour-by-hour simulation for three periods: copies read
// oldest-first, only inside the window, new copies arriving all the time, the plan redone
// daily as the scheduler would. No copy may ever go longer than the period unverified.
TEST(RateEstimatorTest, SimulationKeepsEveryCopyWithinItsPeriod) {
  FixityTierPolicy p = Nights();
  p.period_s = 30 * 86'400;
  ASSERT_OK(ValidateFixityTierPolicy(p));
  const int64_t period_ms = p.period_s * 1000;

  struct Copy {
    int64_t last_verified_ms;
    uint64_t bytes;
  };
  uint64_t seed = 7;
  auto size = [&seed]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (1 + (seed >> 33) % 100) * kMiB;  // 1..100 MiB
  };
  const int64_t start = Local(0, 9, 17);
  std::deque<Copy> q;  // ascending last_verified_ms: the front is the oldest
  constexpr int kInitial = 300;
  for (int i = 0; i < kInitial; ++i) {
    // Spread over the last 90% of a period.
    q.push_back({start - (period_ms * 9 / 10) * (kInitial - i) / kInitial, size()});
  }

  double rate = 0;
  uint64_t done_on_front = 0;  // bytes of the front copy already read
  int64_t max_age = 0;
  uint64_t verified = 0;
  for (int64_t t = start; t < start + 3 * period_ms; t += kHour) {
    if ((t - start) % kDay == 0) {
      RateEstimator est(p, t);
      for (const Copy& c : q)
        est.Add(c.last_verified_ms, c.bytes);
      const RateEstimator::Plan plan = est.Finish();
      ASSERT_FALSE(plan.at_risk) << plan.reason;
      ASSERT_EQ(plan.overdue_copies, 0u);
      rate = plan.bytes_per_s;
    }
    if ((t - start) % (3 * kHour) == 0)
      q.push_back({t, size()});  // 8 new copies a day

    double budget = rate * AllowedSecondsBetween(p, t, t + kHour);
    const int64_t end = t + kHour;
    while (!q.empty() && q.front().last_verified_ms <= t) {
      const double left = static_cast<double>(q.front().bytes - done_on_front);
      if (budget < left) {
        done_on_front += static_cast<uint64_t>(budget);
        break;
      }
      budget -= left;
      Copy c = q.front();
      q.pop_front();
      c.last_verified_ms = end;  // stamped at the end of the hour: conservative
      q.push_back(c);
      done_on_front = 0;
      ++verified;
    }
    max_age = std::max(max_age, end - q.front().last_verified_ms);
    ASSERT_LE(end - q.front().last_verified_ms, period_ms) << "at hour " << (t - start) / kHour;
  }
  EXPECT_GT(verified, 3u * kInitial);
  // The headroom is a margin, not a sledgehammer: copies do get old before they are read.
  EXPECT_GT(max_age, period_ms / 2);
}

}  // namespace
}  // namespace vault::policies
