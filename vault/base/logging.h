// Logging to stderr in a journald-friendly form: "<N>component: message", where N is the
// syslog priority (3 error, 4 warning, 6 info, 7 debug). systemd/journald parses the prefix.
// Threading: thread-safe; each call writes one line with one write(2).
#pragma once

#include <string_view>

namespace vault {

enum class LogLevel : int { kError = 3, kWarning = 4, kInfo = 6, kDebug = 7 };

// Messages above this level are dropped. Default kInfo; VAULT_LOG_LEVEL=debug raises it.
void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogError(std::string_view c, std::string_view m) { Log(LogLevel::kError, c, m); }
inline void LogWarning(std::string_view c, std::string_view m) { Log(LogLevel::kWarning, c, m); }
inline void LogInfo(std::string_view c, std::string_view m) { Log(LogLevel::kInfo, c, m); }
inline void LogDebug(std::string_view c, std::string_view m) { Log(LogLevel::kDebug, c, m); }

}  // namespace vault
