#include "vault/base/clock.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <tuple>

namespace vault {

Clock& SystemClock::Default() {
  static SystemClock clock;
  return clock;
}

std::string FormatIso8601(TimePoint t) {
  int64_t ms = ToUnixMillis(t);
  time_t secs = static_cast<time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  struct tm tm_local{};
  localtime_r(&secs, &tm_local);
  long off = tm_local.tm_gmtoff;  // seconds east of UTC
  char sign = off < 0 ? '-' : '+';
  long aoff = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld",
                tm_local.tm_year + 1900, tm_local.tm_mon + 1, tm_local.tm_mday, tm_local.tm_hour,
                tm_local.tm_min, tm_local.tm_sec, millis, sign, aoff / 3600, (aoff % 3600) / 60);
  return buf;
}

std::optional<int64_t> ParseIso8601Millis(std::string_view s) {
  auto digits = [&](size_t pos, size_t n, int* out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!digits(0, 4, &y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, &mo) || s[7] != '-' ||
      !digits(8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits(11, 2, &h) || s[13] != ':' ||
      !digits(14, 2, &mi) || s[16] != ':' || !digits(17, 2, &sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  long off = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, &om)) {
      return std::nullopt;
    }
    off = (oh * 3600L + om * 60L) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  struct tm tm_utc{};
  tm_utc.tm_year = y - 1900;
  tm_utc.tm_mon = mo - 1;
  tm_utc.tm_mday = d;
  tm_utc.tm_hour = h;
  tm_utc.tm_min = mi;
  tm_utc.tm_sec = sec;
  time_t t = timegm(&tm_utc);
  return (static_cast<int64_t>(t) - off) * 1000 + millis;
}

namespace {
LocalDate FromDays(std::chrono::sys_days d) {
  std::chrono::year_month_day ymd(d);
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}
std::chrono::sys_days ToDays(const LocalDate& d) {
  return std::chrono::sys_days(std::chrono::year(d.year) / d.month / d.day);
}
}  // namespace

std::string LocalDate::Iso() const {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);
  return buf;
}

LocalDate LocalDateOf(TimePoint t, int utc_offset_hours) {
  return FromDays(std::chrono::floor<std::chrono::days>(t + std::chrono::hours(utc_offset_hours)));
}

std::optional<LocalDate> ParseIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  LocalDate d{num(0, 4), num(5, 2), num(8, 2)};
  std::chrono::year_month_day ymd(std::chrono::year(d.year), std::chrono::month(d.month),
                                  std::chrono::day(d.day));
  if (d.year < 1900 || !ymd.ok()) return std::nullopt;
  return d;
}

LocalDate AddDays(LocalDate d, int days) { return FromDays(ToDays(d) + std::chrono::days(days)); }

bool operator<(const LocalDate& a, const LocalDate& b) {
  return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

}  // namespace vault
