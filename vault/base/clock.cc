#include "vault/base/clock.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>

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

}  // namespace vault
