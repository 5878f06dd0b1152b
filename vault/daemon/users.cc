#include "vault/daemon/users.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "vault/base/fs.h"
#include "vault/base/hex.h"
#include "vault/base/logging.h"
#include "vault/clib/crypto.h"
#include "vault/daemon/http_util.h"
#include "vault/daemon/vault.h"

namespace vault::daemon {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr Role kAllRoles[] = {Role::kAdmin, Role::kOperator, Role::kArchivist, Role::kApprover,
                              Role::kAuditor};
constexpr char kAdmin[] = "admin";

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

json RolesJson(const std::vector<Role>& roles) {
  json a = json::array();
  for (Role r : roles)
    a.push_back(std::string(RoleName(r)));
  return a;
}

std::string RolesText(const std::vector<Role>& roles) {
  std::string s;
  for (Role r : roles)
    s += (s.empty() ? "" : ", ") + std::string(RoleName(r));
  return s.empty() ? "no role" : s;
}

// Known roles, each once, in the enum's order.
std::vector<Role> Normalized(std::vector<Role> roles) {
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles;
}

std::string NewToken() {
  unsigned char b[32];
  if (RAND_bytes(b, sizeof(b)) != 1)
    return "";
  std::string hex = HexEncode(b, sizeof(b));
  OPENSSL_cleanse(b, sizeof(b));
  return hex;
}

// secrets/admin.token, trimmed; "" when missing or unusable (shorter than 16 characters).
std::string ReadAdminToken(const fs::path& secrets_dir) {
  auto t = ReadFileToString(secrets_dir / "admin.token", 4096);
  if (!t.ok())
    return "";
  std::string tok = Trimmed(std::move(*t));
  return tok.size() < 16 ? "" : tok;
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
    case Role::kArchivist:
      return "archivist";
    case Role::kApprover:
      return "approver";
    case Role::kAuditor:
      return "auditor";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles) {
    if (RoleName(r) == name)
      return r;
  }
  return std::nullopt;
}

bool User::Has(Role r) const { return std::find(roles.begin(), roles.end(), r) != roles.end(); }

Status CheckUserName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("user name \"" + std::string(name.substr(0, 80)) + "\" " +
                                   std::string(why));
  };
  if (name.empty() || name.size() > 64)
    return bad("must be 1 to 64 characters");
  if (name[0] < 'a' || name[0] > 'z')
    return bad("must start with a lower-case letter a-z");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok)
      return bad("may hold only a-z, 0-9, '.', '_' and '-'");
  }
  if (name == "inbox" || name == "vaultd") {
    return bad("is reserved (it names the daemon's own work in the event log)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<UserStore>> UserStore::Open(const fs::path& secrets_dir, Clock& clock) {
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(secrets_dir));
  std::unique_ptr<UserStore> store(new UserStore(secrets_dir / "users.json", clock));
  const fs::path& path = store->path_;
  std::error_code ec;
  fs::path tmp = path;
  tmp += ".new";
  fs::remove(tmp, ec);  // a save interrupted by a crash
  const std::string admin_token = ReadAdminToken(secrets_dir);
  bool existed = false, changed = false;

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    existed = true;
    if (!S_ISREG(st.st_mode))
      return Status::FailedPrecondition(path.string() + " is not a file");
    if ((st.st_mode & 077) != 0) {
      LogWarning("users", path.string() + " was readable by others: made 0600");
      if (::chmod(path.c_str(), 0600) != 0)
        return Status::FromErrno(errno, "chmod", path.string());
    }
    VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16u << 20));
    json doc = json::parse(text, nullptr, false);
    auto corrupt = [&](const std::string& why) {
      return Status::Corruption(path.string() + ": " + why);
    };
    if (!doc.is_object() || !doc.contains("users") || !doc["users"].is_array()) {
      return corrupt("expected {\"users\": [...]}");
    }
    for (const json& u : doc["users"]) {
      if (!u.is_object() || !u.contains("name") || !u["name"].is_string()) {
        return corrupt("a user without a name");
      }
      Entry e;
      e.user.name = u["name"].get<std::string>();
      if (Status s = CheckUserName(e.user.name); !s.ok())
        return corrupt(std::string(s.message()));
      for (const auto& ex : store->entries_) {
        if (ex.user.name == e.user.name)
          return corrupt("user \"" + e.user.name + "\" twice");
      }
      if (!u.contains("roles") || !u["roles"].is_array()) {
        return corrupt("user \"" + e.user.name + "\": no roles");
      }
      for (const json& r : u["roles"]) {
        auto role = r.is_string() ? ParseRole(r.get<std::string>()) : std::nullopt;
        if (!role)
          return corrupt("user \"" + e.user.name + "\": unknown role " + r.dump());
        e.user.roles.push_back(*role);
      }
      e.user.roles = Normalized(std::move(e.user.roles));
      e.token_sha256 = u.value("token_sha256", "");
      if (e.token_sha256.size() != 64 || !IsLowerHex(e.token_sha256)) {
        return corrupt("user \"" + e.user.name + "\": token_sha256 is not 64 hex characters");
      }
      e.user.created = u.value("created", "");
      e.user.created_by = u.value("created_by", "");
      e.user.disabled = u.value("disabled", false);
      store->entries_.push_back(std::move(e));
    }
  } else if (errno != ENOENT) {
    return Status::FromErrno(errno, "stat", path.string());
  } else {
    if (admin_token.empty()) {
      return Status::FailedPrecondition((secrets_dir / "admin.token").string() +
                                        " is missing or too short: cannot create the admin user");
    }
    changed = true;
  }

  // secrets/admin.token is the token of "admin": first start, a rotated file, or no enabled
  // admin left (the file's holder restores access).
  if (!admin_token.empty()) {
    const std::string digest = Sha256Hex(admin_token);
    bool enabled_admin = false;
    for (const auto& e : store->entries_)
      enabled_admin |= !e.user.disabled && e.user.Has(Role::kAdmin);
    auto it = std::find_if(store->entries_.begin(), store->entries_.end(),
                           [](const Entry& e) { return e.user.name == kAdmin; });
    if (!enabled_admin) {
      if (it == store->entries_.end()) {
        Entry e;
        e.user.name = kAdmin;
        e.user.created = FormatIso8601(clock.Now());
        e.user.created_by = "vaultd";
        store->entries_.push_back(std::move(e));
        it = std::prev(store->entries_.end());
      }
      if (existed) {
        LogWarning("users", "no enabled admin in " + path.string() +
                                ": user \"admin\" restored from secrets/admin.token");
      }
      it->user.disabled = false;
      it->user.roles.push_back(Role::kAdmin);
      it->user.roles = Normalized(std::move(it->user.roles));
      it->token_sha256 = digest;
      changed = true;
    } else if (it != store->entries_.end() && !it->user.disabled && it->token_sha256 != digest) {
      LogInfo("users", "user \"admin\" takes the token now in secrets/admin.token");
      it->token_sha256 = digest;
      changed = true;
    }
  }
  if (changed) {
    std::lock_guard<std::mutex> lock(store->mu_);
    VAULT_RETURN_IF_ERROR(store->SaveLocked());
  }
  return store;
}

Status UserStore::SaveLocked() const {
  json users = json::array();
  for (const auto& e : entries_) {
    users.push_back({{"name", e.user.name},
                     {"roles", RolesJson(e.user.roles)},
                     {"token_sha256", e.token_sha256},
                     {"created", e.user.created},
                     {"created_by", e.user.created_by},
                     {"disabled", e.user.disabled}});
  }
  const std::string text = json{{"users", users}}.dump(2) + "\n";
  // 0600 before any byte is written; temp + fsync + rename + fsync of the directory.
  fs::path tmp = path_;
  tmp += ".new";
  ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid())
    return Status::FromErrno(errno, "create", tmp.string());
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd.get(), 0600) != 0)
    return fail(Status::FromErrno(errno, "chmod", tmp.string()));
  if (Status s = WriteAll(fd.get(), text, tmp.string()); !s.ok())
    return fail(std::move(s));
  if (::fsync(fd.get()) != 0)
    return fail(Status::FromErrno(errno, "fsync", tmp.string()));
  if (Status s = fd.Close(tmp.string()); !s.ok())
    return fail(std::move(s));
  if (Status s = RenameDurable(tmp, path_); !s.ok())
    return fail(std::move(s));
  return Status::Ok();
}

std::optional<User> UserStore::Authenticate(std::string_view bearer_token) const {
  if (bearer_token.empty() || bearer_token.size() > 1024)
    return std::nullopt;
  const std::string digest = Sha256Hex(bearer_token);
  std::lock_guard<std::mutex> lock(mu_);
  const Entry* found = nullptr;
  for (const auto& e : entries_) {
    // Every stored digest is compared, in constant time.
    bool same = e.token_sha256.size() == digest.size() &&
                CRYPTO_memcmp(e.token_sha256.data(), digest.data(), digest.size()) == 0;
    if (same)
      found = &e;
  }
  if (found == nullptr || found->user.disabled)
    return std::nullopt;
  return found->user;
}

Result<std::string> UserStore::Add(std::string name, std::vector<Role> roles,
                                   std::string created_by) {
  VAULT_RETURN_IF_ERROR(CheckUserName(name));
  roles = Normalized(std::move(roles));
  if (roles.empty())
    return Status::InvalidArgument("a user needs at least one role");
  std::string token = NewToken();
  if (token.empty())
    return Status::Internal("RAND_bytes failed");
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e.user.name == name)
      return Status::AlreadyExists("user \"" + name + "\" exists");
  }
  Entry e;
  e.user.name = std::move(name);
  e.user.roles = std::move(roles);
  e.user.created = FormatIso8601(clock_.Now());
  e.user.created_by = std::move(created_by);
  e.token_sha256 = Sha256Hex(token);
  entries_.push_back(std::move(e));
  if (Status s = SaveLocked(); !s.ok()) {
    entries_.pop_back();
    return s;
  }
  return token;
}

Status UserStore::Disable(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.user.name == name; });
  if (it == entries_.end())
    return Status::NotFound("no user \"" + std::string(name) + "\"");
  if (it->user.disabled) {
    return Status::FailedPrecondition("user \"" + std::string(name) + "\" is already disabled");
  }
  if (it->user.Has(Role::kAdmin)) {
    int admins = 0;
    for (const auto& e : entries_)
      admins += !e.user.disabled && e.user.Has(Role::kAdmin);
    if (admins <= 1) {
      return Status::FailedPrecondition("user \"" + std::string(name) +
                                        "\" is the last enabled admin");
    }
  }
  it->user.disabled = true;
  if (Status s = SaveLocked(); !s.ok()) {
    it->user.disabled = false;
    return s;
  }
  return Status::Ok();
}

Status UserStore::Remove(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.user.name == name; });
  if (it == entries_.end())
    return Status::NotFound("no user \"" + std::string(name) + "\"");
  Entry saved = *it;
  size_t at = static_cast<size_t>(it - entries_.begin());
  entries_.erase(it);
  if (Status s = SaveLocked(); !s.ok()) {
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(at), std::move(saved));
    return s;
  }
  return Status::Ok();
}

std::vector<User> UserStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<User> out;
  for (const auto& e : entries_)
    out.push_back(e.user);
  return out;
}

std::optional<User> UserStore::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e.user.name == name)
      return e.user;
  }
  return std::nullopt;
}

std::optional<User> Authorize(const UserStore& users, const httplib::Request& req,
                              httplib::Response& res, std::initializer_list<Role> roles) {
  const std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  std::optional<User> u;
  if (h.size() > kPrefix.size() && std::string_view(h).substr(0, kPrefix.size()) == kPrefix) {
    u = users.Authenticate(std::string_view(h).substr(kPrefix.size()));
  }
  if (!u) {
    ReplyJson(res, 401, ApiError("auth.unauthorized", "missing, wrong or disabled bearer token"));
    return std::nullopt;
  }
  if (roles.size() == 0)
    return u;
  std::vector<Role> needed(roles);
  for (Role r : roles) {
    if (u->Has(r) || (r == Role::kOperator && u->Has(Role::kAdmin)))
      return u;
    if (r == Role::kOperator)
      needed.push_back(Role::kAdmin);
  }
  ReplyJson(res, 403,
            ApiError("auth.role", req.method + " " + req.path + " needs the role " +
                                      RolesText(Normalized(needed)) + "; user \"" + u->name +
                                      "\" has " + RolesText(u->roles)));
  return std::nullopt;
}

void UserRoutes(httplib::Server& http, UserStore& users, Vault& vault) {
  auto user_json = [](const User& u) {
    return json{{"name", u.name},
                {"roles", RolesJson(u.roles)},
                {"created", u.created},
                {"created_by", u.created_by},
                {"disabled", u.disabled}};
  };
  http.Get("/api/v1/whoami", [&users](const httplib::Request& req, httplib::Response& res) {
    auto u = Authorize(users, req, res, {});
    if (!u)
      return;
    ReplyJson(res, 200, {{"name", u->name}, {"roles", RolesJson(u->roles)}});
  });
  http.Get("/api/v1/users",
           [&users, user_json](const httplib::Request& req, httplib::Response& res) {
             if (!Authorize(users, req, res, {Role::kAdmin}))
               return;
             json list = json::array();
             for (const auto& u : users.List())
               list.push_back(user_json(u));
             ReplyJson(res, 200, {{"users", list}});
           });
  http.Post("/api/v1/users", [&users, &vault](const httplib::Request& req, httplib::Response& res) {
    auto admin = Authorize(users, req, res, {Role::kAdmin});
    if (!admin)
      return;
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
        !body.contains("roles") || !body["roles"].is_array() || body["roles"].empty()) {
      return ReplyJson(
          res, 400,
          ApiError("api.bad_request",
                   "body must be {\"name\": \"...\", \"roles\": [\"operator\", ...]}"));
    }
    std::vector<Role> roles;
    for (const json& r : body["roles"]) {
      auto role = r.is_string() ? ParseRole(r.get<std::string>()) : std::nullopt;
      if (!role) {
        return ReplyJson(
            res, 400,
            ApiError("api.bad_request", "unknown role " + r.dump() +
                                            " (admin, operator, archivist, approver, auditor)"));
      }
      roles.push_back(*role);
    }
    roles = Normalized(std::move(roles));
    const std::string name = body["name"].get<std::string>();
    auto token = users.Add(name, roles, admin->name);
    if (!token.ok()) {
      Code c = token.status().code();
      if (c == Code::kInvalidArgument) {
        return ReplyJson(res, 400, ApiError("api.bad_request", token.status().message()));
      }
      if (c == Code::kAlreadyExists) {
        return ReplyJson(res, 409, ApiError("user.exists", token.status().message()));
      }
      return ReplyJson(res, 500, ApiError("users.store", token.status().ToString()));
    }
    auto ev = vault.ingester().Commit({{"user created",
                                        "",
                                        admin->name,
                                        "success",
                                        {{"user", name}, {"roles", RolesJson(roles)}}}});
    if (!ev.ok()) {
      // No user without its event: undo.
      if (Status s = users.Remove(name); !s.ok()) {
        LogError("users",
                 "user \"" + name + "\" added but not logged, and not removed: " + s.ToString());
      }
      return ReplyJson(
          res, 503,
          ApiError("log.unavailable", "the user event could not be logged (user not added): " +
                                          ev.status().ToString()));
    }
    LogInfo("users", "user \"" + name + "\" (" + RolesText(roles) + ") added by " + admin->name);
    res.set_header("Cache-Control", "no-store");
    ReplyJson(res, 201, {{"name", name}, {"roles", RolesJson(roles)}, {"token", *token}});
  });
  http.Post(R"(/api/v1/users/([^/]+)/disable)", [&users, &vault](const httplib::Request& req,
                                                                 httplib::Response& res) {
    auto admin = Authorize(users, req, res, {Role::kAdmin});
    if (!admin)
      return;
    const std::string name = req.matches[1];
    auto target = users.Find(name);
    if (!target)
      return ReplyJson(res, 404, ApiError("api.not_found", "no user \"" + name + "\""));
    if (target->disabled) {
      return ReplyJson(res, 409,
                       ApiError("user.disabled", "user \"" + name + "\" is already disabled"));
    }
    if (Status s = users.Disable(name); !s.ok()) {
      if (s.code() == Code::kNotFound) {
        return ReplyJson(res, 404, ApiError("api.not_found", s.message()));
      }
      if (s.code() == Code::kFailedPrecondition) {
        return ReplyJson(res, 409, ApiError("user.last_admin", s.message()));
      }
      return ReplyJson(res, 500, ApiError("users.store", s.ToString()));
    }
    auto ev = vault.ingester().Commit({{"user disabled",
                                        "",
                                        admin->name,
                                        "success",
                                        {{"user", name}, {"roles", RolesJson(target->roles)}}}});
    if (!ev.ok()) {
      // The user stays disabled: refusing access matters more than the record of it.
      LogError("users", "user \"" + name +
                            "\" disabled, but the event was not logged: " + ev.status().ToString());
      return ReplyJson(
          res, 503,
          ApiError("log.unavailable",
                   "user disabled, but the event could not be logged: " + ev.status().ToString()));
    }
    LogInfo("users", "user \"" + name + "\" disabled by " + admin->name);
    ReplyJson(res, 200, {{"name", name}, {"disabled", true}});
  });
}

}  // namespace vault::daemon
