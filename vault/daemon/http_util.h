// Small helpers shared by the daemon's HTTP handlers.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace vault::daemon {

// {"error": {"rule": …, "message": …}}: every API error names the rule it enforces.
inline nlohmann::json ApiError(std::string_view rule, std::string_view message) {
  return {{"error", {{"rule", rule}, {"message", message}}}};
}

// Writes `body` as the JSON answer (invalid UTF-8 replaced, never thrown).
inline void ReplyJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json; charset=utf-8");
}

}  // namespace vault::daemon
