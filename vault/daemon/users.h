// Users, roles and bearer tokens of the daemon's API (docs/RETENTION.md §4).
//
// secrets/users.json (0600): {"users": [{"name", "roles", "token_sha256", "created",
// "created_by", "disabled"}]}. A token is 32 random bytes (RAND_bytes) as 64 hex characters,
// shown once when the user is added; only its SHA-256 is stored. The user "admin" (role admin)
// holds the token in secrets/admin.token: it is created from that file at first start, and
// secrets/admin.token stays its token (a changed file replaces the stored digest; when no
// enabled admin is left, the file restores "admin").
//
// Authorization: every authenticated user may read (GET); the other routes name the roles they
// need (Authorize). Admin may do everything an operator may.
// Threading: UserStore is thread-safe.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/clock.h"
#include "vault/base/status.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace vault::daemon {

class Vault;

enum class Role { kAdmin, kOperator, kArchivist, kApprover, kAuditor };
// "admin", "operator", "archivist", "approver", "auditor".
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);

struct User {
  std::string name;
  std::vector<Role> roles;
  std::string created;     // ISO 8601
  std::string created_by;  // the admin who added the user ("vaultd" for the bootstrap admin)
  bool disabled = false;
  bool Has(Role r) const;
};

// Names: [a-z][a-z0-9._-]{0,63}, and not one of the daemon's own agents ("inbox", "vaultd").
Status CheckUserName(std::string_view name);

class UserStore {
 public:
  // Loads secrets/users.json, creating it (with "admin" from secrets/admin.token) when absent.
  // A users.json readable by group or others is made 0600 (with a warning).
  static Result<std::unique_ptr<UserStore>> Open(const std::filesystem::path& secrets_dir,
                                                 Clock& clock);

  // The enabled user whose token this is (digests compared in constant time); nullopt otherwise.
  std::optional<User> Authenticate(std::string_view bearer_token) const;
  // Adds a user and returns its token (never stored). kInvalidArgument for a bad name or
  // roles, kAlreadyExists for a name in use (also by a disabled user).
  Result<std::string> Add(std::string name, std::vector<Role> roles, std::string created_by);
  // kNotFound; kFailedPrecondition when already disabled or the last enabled admin.
  Status Disable(std::string_view name);
  // Removes a user that was just added (when its "user created" event could not be logged).
  Status Remove(std::string_view name);
  std::vector<User> List() const;
  std::optional<User> Find(std::string_view name) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Entry {
    User user;
    std::string token_sha256;  // lower-case hex
  };
  UserStore(std::filesystem::path path, Clock& clock) : path_(std::move(path)), clock_(clock) {}
  Status SaveLocked() const;  // REQUIRES(mu_)

  std::filesystem::path path_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;  // GUARDED_BY(mu_)
};

// For handlers: authenticates the request (Authorization: Bearer …). On failure replies 401
// rule "auth.unauthorized" and returns nullopt. When the user has none of `roles` (empty = any
// authenticated user; admin counts as operator) replies 403 rule "auth.role" naming the roles
// needed and returns nullopt.
std::optional<User> Authorize(const UserStore& users, const httplib::Request& req,
                              httplib::Response& res, std::initializer_list<Role> roles);

// GET /api/v1/whoami (any), POST /api/v1/users (admin), GET /api/v1/users (admin),
// POST /api/v1/users/{name}/disable (admin). User events go through the vault's ingester.
void UserRoutes(httplib::Server& http, UserStore& users, Vault& vault);

}  // namespace vault::daemon
