#include "vault/base/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vault {
namespace {
std::atomic<int> g_level = [] {
  const char* env = std::getenv("VAULT_LOG_LEVEL");
  if (env && std::strcmp(env, "debug") == 0) return static_cast<int>(LogLevel::kDebug);
  if (env && std::strcmp(env, "warning") == 0) return static_cast<int>(LogLevel::kWarning);
  if (env && std::strcmp(env, "error") == 0) return static_cast<int>(LogLevel::kError);
  return static_cast<int>(LogLevel::kInfo);
}();
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(component.size() + message.size() + 8);
  line.push_back('<');
  line.push_back(static_cast<char>('0' + static_cast<int>(level)));
  line.push_back('>');
  line.append(component).append(": ");
  for (char c : message) line.push_back(c == '\n' ? ' ' : c);  // one record per line
  line.push_back('\n');
  ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}

}  // namespace vault
