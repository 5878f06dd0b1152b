#include "tools/vaultctl/client.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace vault::ctl {

namespace {
std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

std::unique_ptr<ApiClient> ApiClient::FromContext(const Context& ctx) {
  auto c = std::make_unique<ApiClient>();
  namespace fs = std::filesystem;
  if (!ctx.server.empty()) {
    c->base_ = ctx.server;
  } else if (!ctx.root.empty()) {
    fs::path api = fs::path(ctx.root) / "run" / "api";
    std::error_code ec;
    if (!fs::exists(api, ec)) {
      std::cerr << "vaultctl: no running vaultd for " << ctx.root << " (" << api.string()
                << " missing) — start it with: vaultd --root " << ctx.root << "\n";
      return nullptr;
    }
    c->base_ = Slurp(api);
  } else {
    std::cerr << "vaultctl: give --root DIR or --server URL\n";
    return nullptr;
  }
  std::string token_file = ctx.token_file;
  if (token_file.empty() && !ctx.root.empty()) {
    token_file = (fs::path(ctx.root) / "secrets" / "admin.token").string();
  }
  if (!token_file.empty()) {
    std::error_code ec;
    if (!fs::exists(token_file, ec)) {
      std::cerr << "vaultctl: cannot read the token file " << token_file << "\n";
      return nullptr;
    }
    c->token_ = Slurp(token_file);
  }
  return c;
}

static ApiReply Finish(const httplib::Result& res) {
  ApiReply r;
  if (!res) {
    r.error = httplib::to_string(res.error());
    return r;
  }
  r.http_status = res->status;
  r.body = nlohmann::json::parse(res->body, nullptr, false);
  return r;
}

ApiReply ApiClient::Get(const std::string& path) {
  httplib::Client cli(base_);
  cli.set_read_timeout(600, 0);
  cli.set_bearer_token_auth(token_);
  return Finish(cli.Get(path));
}

ApiReply ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  httplib::Client cli(base_);
  cli.set_read_timeout(3600, 0);
  cli.set_bearer_token_auth(token_);
  return Finish(cli.Post(path, body.dump(), "application/json"));
}

ApiReply ApiClient::Put(const std::string& path, const nlohmann::json& body) {
  httplib::Client cli(base_);
  cli.set_read_timeout(3600, 0);
  cli.set_bearer_token_auth(token_);
  return Finish(cli.Put(path, body.dump(), "application/json"));
}

ApiReply ApiClient::Delete(const std::string& path) {
  httplib::Client cli(base_);
  cli.set_read_timeout(3600, 0);
  cli.set_bearer_token_auth(token_);
  return Finish(cli.Delete(path));
}

TextReply ApiClient::GetText(const std::string& path) {
  httplib::Client cli(base_);
  cli.set_read_timeout(600, 0);
  cli.set_bearer_token_auth(token_);
  auto res = cli.Get(path);
  TextReply r;
  if (!res) {
    r.error = httplib::to_string(res.error());
    return r;
  }
  r.http_status = res->status;
  r.body = res->body;
  r.content_type = res->get_header_value("Content-Type");
  return r;
}

int ReportApiFailure(const ApiReply& r, const std::string& what) {
  if (r.http_status == 0) {
    std::cerr << "vaultctl: " << what << ": cannot reach vaultd: " << r.error << "\n";
    return kExitUnavailable;
  }
  std::string msg = r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string rule;
  if (r.body.is_object() && r.body.contains("error") && r.body["error"].is_object()) {
    const auto& e = r.body["error"];
    if (e.contains("message") && e["message"].is_string()) msg = e["message"].get<std::string>();
    if (e.contains("rule") && e["rule"].is_string()) rule = " " + e["rule"].get<std::string>();
  }
  std::cerr << "vaultctl: " << what << ": HTTP " << r.http_status << rule << ": " << msg << "\n";
  return r.http_status == 401 || r.http_status >= 500 ? kExitUnavailable : kExitNegative;
}

}  // namespace vault::ctl
