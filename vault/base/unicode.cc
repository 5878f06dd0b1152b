#include "vault/base/unicode.h"

#include <utf8proc.h>

#include <cstdlib>

namespace vault {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0 || cp < 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

static std::optional<std::string> Map(std::string_view s, int options) {
  if (!IsValidUtf8(s)) return std::nullopt;
  if (s.empty()) return std::string();
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                   static_cast<utf8proc_ssize_t>(s.size()), &out,
                   static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
  if (n < 0) return std::nullopt;
  std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return r;
}

std::optional<std::string> ToNfc(std::string_view s) { return Map(s, UTF8PROC_COMPOSE); }
std::optional<std::string> ToNfd(std::string_view s) { return Map(s, UTF8PROC_DECOMPOSE); }

std::string EscapeInvalidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0 || cp < 0) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.append("\\x");
      out.push_back(kHex[*p >> 4]);
      out.push_back(kHex[*p & 0xf]);
      ++p;
      --left;
      continue;
    }
    out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    p += n;
    left -= n;
  }
  return out;
}

bool IsNfc(std::string_view s) {
  auto n = ToNfc(s);
  return n && *n == s;
}

}  // namespace vault
