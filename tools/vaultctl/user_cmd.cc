// vaultctl user add | list | disable, and whoami (docs/RETENTION.md §4, §8).
#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/vaultctl/client.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/json_util.h"

namespace vault::ctl {

using nlohmann::json;

namespace {

std::string Joined(const json& arr) {
  std::string s;
  if (!arr.is_array())
    return s;
  for (const auto& v : arr) {
    if (v.is_string())
      s += (s.empty() ? "" : ",") + v.get<std::string>();
  }
  return s;
}

int CmdUserAdd(Context& ctx, const std::string& name, const std::vector<std::string>& roles,
               const std::string& token_out, bool as_json) {
  auto c = ApiClient::FromContext(ctx);
  if (!c)
    return kExitUnavailable;
  // The token file is created (0600, empty) before the user exists: a token that cannot be
  // written would be lost.
  int fd = -1;
  if (!token_out.empty()) {
    fd = ::open(token_out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      std::cerr << "vaultctl: user add: cannot create " << token_out << ": " << std::strerror(errno)
                << (errno == EEXIST ? " (it is never overwritten)" : "") << "\n";
      return kExitUsage;
    }
  }
  auto discard = [&] {
    if (fd < 0)
      return;
    ::close(fd);
    ::unlink(token_out.c_str());
  };
  auto r = c->Post("/api/v1/users", {{"name", name}, {"roles", roles}});
  if (r.http_status != 201) {
    discard();
    return ReportApiFailure(r, "user add");
  }
  const std::string token = Str(r.body, "token");
  if (fd >= 0) {
    const std::string line = token + "\n";
    bool ok = ::fchmod(fd, 0600) == 0 &&
              ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
              ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
      // The user exists; its token is only here now.
      std::cerr << "vaultctl: user add: cannot write " << token_out << ": " << std::strerror(errno)
                << "\nthe token of user " << name << " (shown once): " << token << "\n";
      return kExitUnavailable;
    }
  }
  if (as_json) {
    json out = r.body;
    if (!token_out.empty()) {
      out.erase("token");
      out["token_file"] = token_out;
    }
    Print(out);
    return kExitOk;
  }
  std::cout << "Đã tạo người dùng / user created: " << Str(r.body, "name") << " ("
            << Joined(Field(r.body, "roles")) << ")\n";
  if (token_out.empty()) {
    std::cout << "Mã truy cập / token (shown once, keep it secret):\n" << token << "\n";
  } else {
    std::cout << "Mã truy cập / token written to " << token_out << " (0600)\n";
  }
  return kExitOk;
}

int CmdUserList(Context& ctx, bool as_json) {
  auto c = ApiClient::FromContext(ctx);
  if (!c)
    return kExitUnavailable;
  auto r = c->Get("/api/v1/users");
  if (r.http_status != 200)
    return ReportApiFailure(r, "user list");
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  for (const auto& u : Arr(r.body, "users")) {
    bool disabled = Field(u, "disabled").is_boolean() && Field(u, "disabled").get<bool>();
    std::cout << Str(u, "name") << "  " << Joined(Field(u, "roles")) << "  "
              << (disabled ? "disabled" : "enabled") << "  created " << Str(u, "created") << " by "
              << Str(u, "created_by") << "\n";
  }
  return kExitOk;
}

int CmdUserDisable(Context& ctx, const std::string& name) {
  auto c = ApiClient::FromContext(ctx);
  if (!c)
    return kExitUnavailable;
  auto r = c->Post("/api/v1/users/" + httplib::detail::encode_query_param(name) + "/disable",
                   json::object());
  if (r.http_status != 200)
    return ReportApiFailure(r, "user disable");
  std::cout << "Đã vô hiệu hóa / user disabled: " << name << "\n";
  return kExitOk;
}

int CmdWhoami(Context& ctx, bool as_json) {
  auto c = ApiClient::FromContext(ctx);
  if (!c)
    return kExitUnavailable;
  auto r = c->Get("/api/v1/whoami");
  if (r.http_status != 200)
    return ReportApiFailure(r, "whoami");
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  std::cout << Str(r.body, "name") << " (" << Joined(Field(r.body, "roles")) << ")\n";
  return kExitOk;
}

}  // namespace

void AddUserCommands(CLI::App& app, Context& ctx) {
  auto* user = app.add_subcommand("user", "manage the API's users (admin)");
  user->require_subcommand(1);

  static std::string add_name, add_token_out;
  static std::vector<std::string> add_roles;
  static bool add_json = false;
  auto* add = user->add_subcommand("add", "add a user; prints its token once");
  add->add_option("NAME", add_name, "user name: [a-z][a-z0-9._-]{0,63}")->required();
  add->add_option("--role", add_roles, "admin, operator, archivist, approver or auditor")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "archivist", "approver", "auditor"}));
  add->add_option("--token-out", add_token_out,
                  "write the token to this new file (0600) instead of printing it");
  add->add_flag("--json", add_json, "print JSON");
  add->callback(
      [&ctx] { ctx.exit_code = CmdUserAdd(ctx, add_name, add_roles, add_token_out, add_json); });

  static bool list_json = false;
  auto* list = user->add_subcommand("list", "list users (never their tokens)");
  list->add_flag("--json", list_json, "print JSON");
  list->callback([&ctx] { ctx.exit_code = CmdUserList(ctx, list_json); });

  static std::string disable_name;
  auto* disable = user->add_subcommand("disable", "disable a user: its token stops working");
  disable->add_option("NAME", disable_name, "user name")->required();
  disable->callback([&ctx] { ctx.exit_code = CmdUserDisable(ctx, disable_name); });

  static bool whoami_json = false;
  auto* whoami = app.add_subcommand("whoami", "the user of the token in use, and its roles");
  whoami->add_flag("--json", whoami_json, "print JSON");
  whoami->callback([&ctx] { ctx.exit_code = CmdWhoami(ctx, whoami_json); });
}

}  // namespace vault::ctl
