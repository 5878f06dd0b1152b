#include "policies/toml_util.h"

#include <algorithm>

namespace vault::policies::toml_util {

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsId(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len)
    return false;
  return std::all_of(s.begin(), s.end(), IsIdChar);
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

Status Where::Bad(int line, std::string_view why) const {
  std::string msg = std::string(source_) + ":" + std::to_string(line) + ": ";
  if (!what_.empty())
    msg += what_ + ": ";
  msg += why;
  return Status::InvalidArgument(msg);
}

Status Parse(std::string_view text, std::string_view source, toml::table& root) {
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return Where(source, "").Bad(static_cast<int>(e.source().begin.line), e.description());
  }
  return Status::Ok();
}

Status RequiredTable(const toml::table& root, std::string_view name, const Where& w,
                     const toml::table*& out) {
  const toml::node* n = root.get(name);
  if (!n)
    return w.Bad(1, "missing [" + std::string(name) + "]");
  out = n->as_table();
  if (!out) {
    return w.Bad(LineOf(*n),
                 std::string(name) + " must be a table ([" + std::string(name) + "])");
  }
  return Status::Ok();
}

Status CheckKeys(const toml::table& t, const std::set<std::string_view>& allowed, const Where& w) {
  const toml::node* worst = nullptr;
  std::string_view worst_key;
  for (const auto& [k, v] : t) {
    if (allowed.count(k.str()))
      continue;
    if (!worst || LineOf(v) < LineOf(*worst)) {
      worst = &v;
      worst_key = k.str();
    }
  }
  if (worst)
    return w.Bad(LineOf(*worst), "unknown key " + Quote(worst_key));
  return Status::Ok();
}

}  // namespace vault::policies::toml_util
