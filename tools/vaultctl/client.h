// HTTP client for vaultd's API, found through --root (run/api + secrets/admin.token) or
// --server/--token-file.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/vaultctl/commands.h"

namespace vault::ctl {

struct ApiReply {
  int http_status = 0;     // 0 = no connection
  nlohmann::json body;
  std::string error;       // connection error text
};

class ApiClient {
 public:
  // Fails (returns nullptr and prints why on stderr) when the daemon cannot be located.
  static std::unique_ptr<ApiClient> FromContext(const Context& ctx);
  ApiReply Get(const std::string& path);
  ApiReply Post(const std::string& path, const nlohmann::json& body);

 private:
  std::string base_;
  std::string token_;
};

// Prints an API failure on stderr; returns the exit code for it (3 unreachable, 1 otherwise).
int ReportApiFailure(const ApiReply& r, const std::string& what);

}  // namespace vault::ctl
