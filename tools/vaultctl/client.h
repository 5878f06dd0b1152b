// HTTP client for vaultd's API, found through --root (run/api + secrets/admin.token) or
// --server/--token-file. With --root and --token-file together, the address comes from
// DIR/run/api and the token (another user's: docs/RETENTION.md §4) from F.
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

// The raw answer of GetText (CSV, HTML, XML downloads; an error is JSON text in `body`).
struct TextReply {
  int http_status = 0;       // 0 = no connection
  std::string body;          // the bytes as sent
  std::string content_type;  // e.g. "text/csv; charset=utf-8"
  std::string error;         // connection error text
};

class ApiClient {
 public:
  // Fails (returns nullptr and prints why on stderr) when the daemon cannot be located.
  static std::unique_ptr<ApiClient> FromContext(const Context& ctx);
  ApiReply Get(const std::string& path);
  ApiReply Post(const std::string& path, const nlohmann::json& body);
  ApiReply Put(const std::string& path, const nlohmann::json& body);
  ApiReply Delete(const std::string& path);
  // GET of a document that is not JSON: its bytes and content type.
  TextReply GetText(const std::string& path);

 private:
  std::string base_;
  std::string token_;
};

// Prints an API failure on stderr; returns the exit code for it (3 unreachable, 1 otherwise).
int ReportApiFailure(const ApiReply& r, const std::string& what);

}  // namespace vault::ctl
