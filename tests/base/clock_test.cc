#include "vault/base/clock.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

TEST(ClockTest, ParsesWhatItFormats) {
  TimePoint t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795430400123));
  auto ms = ParseIso8601Millis(FormatIso8601(t));
  ASSERT_TRUE(ms.has_value());
  EXPECT_EQ(*ms, 1795430400123);
}

TEST(ClockTest, ParsesOffsetsAndZulu) {
  EXPECT_EQ(ParseIso8601Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601Millis("1970-01-01T07:00:00+07:00"), 0);
  EXPECT_EQ(ParseIso8601Millis("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(ParseIso8601Millis("2026-11-23T16:32:05.123+07:00"), 1795426325123);
  EXPECT_EQ(ParseIso8601Millis("1969-12-31T19:00:00-05:00"), 0);
}

TEST(ClockTest, RefusesMalformed) {
  for (const char* bad : {"", "2026-11-23", "2026-11-23T16:32:05", "2026-13-01T00:00:00Z",
                          "2026-11-23T16:32:05.Z", "2026-11-23T16:32:05+0700",
                          "2026-11-23T16:32:05Zjunk", "20x6-11-23T16:32:05Z"}) {
    EXPECT_FALSE(ParseIso8601Millis(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vault
