// Output shared by the offline validators (bag validate, ocfl validate): a report has
// `valid`, `errors` and `warnings` whose items have `code`, `path`, `message`.
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/vaultctl/commands.h"
#include "vault/base/status.h"

namespace vault::ctl {

// Prints a JSON document; names read from disk may be invalid UTF-8, so they are replaced.
inline void PrintJsonReport(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// The validator could not run (PATH unreadable): exit 3, with a JSON body under --json.
inline int ReportUnreadable(const char* command, const std::string& path, const Status& s,
                            bool as_json) {
  if (as_json) {
    PrintJsonReport({{"valid", false},
                     {"error", std::string(s.message())},
                     {"errors", nlohmann::json::array()},
                     {"warnings", nlohmann::json::array()}});
  } else {
    std::cerr << "vaultctl " << command << ": cannot read " << path << ": " << s.message() << "\n";
  }
  return kExitUnavailable;
}

template <class Issue>
void PrintIssues(const char* label, const std::vector<Issue>& issues) {
  for (const auto& i : issues) {
    std::cout << label << " " << i.code << " " << (i.path.empty() ? "." : i.path) << ": "
              << i.message << "\n";
  }
}

// Human output: every error and warning, then `summary`; returns the exit code for `valid`.
template <class Report>
int PrintHumanReport(const Report& r, const std::string& summary) {
  PrintIssues("ERROR", r.errors);
  PrintIssues("WARN ", r.warnings);
  std::cout << summary << "\n";
  return r.valid ? kExitOk : kExitNegative;
}

}  // namespace vault::ctl
