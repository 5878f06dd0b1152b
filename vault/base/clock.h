// Clock seam: the only way code reads the time, so tests can use a FakeClock.
// Threading: implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>

namespace vault {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real wall clock. Default() returns a process-wide instance.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  static Clock& Default();
};

// A calendar date in a fixed UTC offset (Vietnam: +7): retention years, deadlines.
struct LocalDate {
  int year = 0, month = 0, day = 0;
  std::string Iso() const;  // "YYYY-MM-DD"
};
LocalDate LocalDateOf(TimePoint t, int utc_offset_hours);
// Parses "YYYY-MM-DD" (a real date, year >= 1900); nullopt otherwise.
std::optional<LocalDate> ParseIsoDate(std::string_view s);
LocalDate AddDays(LocalDate d, int days);
bool operator<(const LocalDate& a, const LocalDate& b);

// ISO 8601 with the local UTC offset and millisecond precision: "2026-11-23T16:32:05.123+07:00".
std::string FormatIso8601(TimePoint t);
// Parses what FormatIso8601 writes (also "Z", no fraction, or any fraction digits) into Unix
// milliseconds; nullopt when malformed.
std::optional<int64_t> ParseIso8601Millis(std::string_view text);
// Unix milliseconds.
inline int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace vault
