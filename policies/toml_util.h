// TOML reading helpers shared by the policy parsers (retention.cc, migration.cc): ids, quoting,
// line numbers, "<source>:<line>: <what>: <why>" errors and the check for unknown keys.
#ifndef VAULT_POLICIES_TOML_UTIL_H_
#define VAULT_POLICIES_TOML_UTIL_H_

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <utility>

#include "vault/base/status.h"

namespace vault::policies::toml_util {

// A-Z a-z 0-9 . _ -
bool IsIdChar(char c);
// 1..max_len characters, each IsIdChar.
bool IsId(std::string_view s, size_t max_len);

// s in double quotes, as the messages name keys and values.
std::string Quote(std::string_view s);

// The 1-based line a node starts on.
int LineOf(const toml::node& n);

// "<source>:<line>: <what>: <why>" where <what> names the table being read (e.g. "policy",
// "schedule", "rule \"<id>\""); empty, it and its ": " are left out.
class Where {
 public:
  Where(std::string_view source, std::string what) : source_(source), what_(std::move(what)) {}
  void set_what(std::string what) { what_ = std::move(what); }
  Status Bad(int line, std::string_view why) const;

 private:
  std::string_view source_;
  std::string what_;
};

// Parses `text` (named `source` in messages) into `root`; a syntax error is
// "<source>:<line>: <description>".
Status Parse(std::string_view text, std::string_view source, toml::table& root);

// The table [name] of `root` in `out`: "missing [name]" (on line 1) when there is none, "name must
// be a table ([name])" when it is something else.
Status RequiredTable(const toml::table& root, std::string_view name, const Where& w,
                     const toml::table*& out);

// The unknown key of `t` on the smallest line, so the message names the first one in the file.
Status CheckKeys(const toml::table& t, const std::set<std::string_view>& allowed, const Where& w);

}  // namespace vault::policies::toml_util

#endif  // VAULT_POLICIES_TOML_UTIL_H_
