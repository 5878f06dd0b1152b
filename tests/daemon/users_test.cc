#include "vault/daemon/users.h"

#include <httplib.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/hex.h"
#include "vault/clib/crypto.h"

namespace vault::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FixedClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::seconds(1767225600)); }
};

constexpr char kAdminToken[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secrets_ = tmp_ / "secrets";
    fs::create_directories(secrets_);
    testing::WriteFile(secrets_ / "admin.token", std::string(kAdminToken) + "\n");
  }
  std::unique_ptr<UserStore> Open() {
    auto s = UserStore::Open(secrets_, clock_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string UsersJson() const { return testing::ReadFile(secrets_ / "users.json"); }
  unsigned Mode() const {
    struct stat st {};
    EXPECT_EQ(::stat((secrets_ / "users.json").c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  testing::TempDir tmp_;
  fs::path secrets_;
  FixedClock clock_;
};

TEST(RoleTest, NamesRoundTrip) {
  for (Role r :
       {Role::kAdmin, Role::kOperator, Role::kArchivist, Role::kApprover, Role::kAuditor}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_EQ(RoleName(Role::kApprover), "approver");
  EXPECT_FALSE(ParseRole("Admin"));
  EXPECT_FALSE(ParseRole(""));
  EXPECT_FALSE(ParseRole("root"));
}

TEST_F(UserStoreTest, FirstOpenCreatesAdminFromAdminTokenWithMode0600) {
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(Mode(), 0600u);
  auto users = s->List();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].name, "admin");
  EXPECT_EQ(users[0].roles, std::vector<Role>{Role::kAdmin});
  EXPECT_FALSE(users[0].disabled);
  EXPECT_EQ(users[0].created_by, "vaultd");
  EXPECT_FALSE(users[0].created.empty());
  auto who = s->Authenticate(kAdminToken);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "admin");
  // Only the digest is stored.
  std::string text = UsersJson();
  EXPECT_EQ(text.find(kAdminToken), std::string::npos);
  json doc = json::parse(text);
  EXPECT_EQ(doc["users"][0]["token_sha256"], Sha256Hex(kAdminToken));
  for (const char* k : {"name", "roles", "token_sha256", "created", "created_by", "disabled"}) {
    EXPECT_TRUE(doc["users"][0].contains(k)) << k;
  }
}

TEST_F(UserStoreTest, NoAdminTokenAndNoUsersFileIsAnError) {
  fs::remove(secrets_ / "admin.token");
  auto s = UserStore::Open(secrets_, clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("admin.token"), std::string::npos);
}

TEST_F(UserStoreTest, AddAuthenticatesWithTheTokenOnlyAndStoresItHashed) {
  auto s = Open();
  auto tok = s->Add("alice", {Role::kOperator, Role::kArchivist, Role::kOperator}, "admin");
  ASSERT_OK(tok);
  EXPECT_EQ(tok->size(), 64u);
  EXPECT_TRUE(IsLowerHex(*tok)) << *tok;
  auto who = s->Authenticate(*tok);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "alice");
  EXPECT_EQ(who->roles, (std::vector<Role>{Role::kOperator, Role::kArchivist}));
  EXPECT_TRUE(who->Has(Role::kArchivist));
  EXPECT_FALSE(who->Has(Role::kAdmin));
  EXPECT_EQ(who->created_by, "admin");

  EXPECT_FALSE(s->Authenticate(""));
  EXPECT_FALSE(s->Authenticate(tok->substr(0, 63)));
  EXPECT_FALSE(s->Authenticate(*tok + "0"));
  std::string wrong = *tok;
  wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(s->Authenticate(wrong));

  std::string text = UsersJson();
  EXPECT_EQ(text.find(*tok), std::string::npos) << "the token itself is never stored";
  EXPECT_NE(text.find(Sha256Hex(*tok)), std::string::npos);
  EXPECT_EQ(Mode(), 0600u);

  auto tok2 = s->Add("bob", {Role::kAuditor}, "admin");
  ASSERT_OK(tok2);
  EXPECT_NE(*tok, *tok2);
  EXPECT_EQ(s->Authenticate(*tok2)->name, "bob");
}

TEST_F(UserStoreTest, DuplicateNamesAndBadNamesAndNoRolesAreRefused) {
  auto s = Open();
  ASSERT_OK(s->Add("alice", {Role::kOperator}, "admin"));
  auto dup = s->Add("alice", {Role::kAuditor}, "admin");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(s->Add("admin", {Role::kAuditor}, "admin").status().code(), Code::kAlreadyExists);

  for (const std::string& bad :
       std::vector<std::string>{"", "Alice", "1abc", "-x", ".x", "a b", "a/b", "ałice", "a:b",
                                std::string(65, 'a'), "inbox", "vaultd", std::string("a\0b", 3)}) {
    auto r = s->Add(bad, {Role::kAuditor}, "admin");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  for (const std::string& good : std::vector<std::string>{"a", "a.b-c_d9", std::string(64, 'z')}) {
    EXPECT_OK(s->Add(good, {Role::kAuditor}, "admin"));
  }
  EXPECT_EQ(s->Add("nobody", {}, "admin").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s->List().size(), 5u);  // admin alice a a.b-c_d9 zzz…
}

TEST_F(UserStoreTest, DisabledUsersCannotAuthenticateAndTheLastAdminStays) {
  auto s = Open();
  auto tok = s->Add("alice", {Role::kOperator}, "admin");
  ASSERT_OK(tok);
  ASSERT_OK(s->Disable("alice"));
  EXPECT_FALSE(s->Authenticate(*tok));
  EXPECT_EQ(s->Disable("alice").code(), Code::kFailedPrecondition);
  EXPECT_EQ(s->Disable("nobody").code(), Code::kNotFound);
  EXPECT_TRUE(s->Find("alice")->disabled);
  EXPECT_EQ(s->Add("alice", {Role::kOperator}, "admin").status().code(), Code::kAlreadyExists)
      << "a disabled user's name is not reused";

  Status last = s->Disable("admin");
  EXPECT_EQ(last.code(), Code::kFailedPrecondition) << last.ToString();
  EXPECT_TRUE(s->Authenticate(kAdminToken));

  auto tok2 = s->Add("root2", {Role::kAdmin}, "admin");
  ASSERT_OK(tok2);
  ASSERT_OK(s->Disable("admin"));
  EXPECT_FALSE(s->Authenticate(kAdminToken));
  EXPECT_EQ(s->Disable("root2").code(), Code::kFailedPrecondition);

  // The disabled admin stays disabled across restarts while another admin is enabled.
  s.reset();
  s = Open();
  EXPECT_FALSE(s->Authenticate(kAdminToken));
  EXPECT_TRUE(s->Authenticate(*tok2));
  EXPECT_FALSE(s->Authenticate(*tok));
}

TEST_F(UserStoreTest, ReopenKeepsUsersTokensAndState) {
  std::string tok;
  {
    auto s = Open();
    auto t = s->Add("carol", {Role::kApprover, Role::kAuditor}, "admin");
    ASSERT_OK(t);
    tok = *t;
    ASSERT_OK(s->Add("dave", {Role::kArchivist}, "admin"));
    ASSERT_OK(s->Disable("dave"));
  }
  auto s = Open();
  auto who = s->Authenticate(tok);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "carol");
  EXPECT_EQ(who->roles, (std::vector<Role>{Role::kApprover, Role::kAuditor}));
  auto users = s->List();
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[2].name, "dave");
  EXPECT_TRUE(users[2].disabled);
  EXPECT_TRUE(s->Authenticate(kAdminToken));
}

TEST_F(UserStoreTest, AGroupReadableFileIsMade0600) {
  Open();
  ASSERT_EQ(::chmod((secrets_ / "users.json").c_str(), 0644), 0);
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(Mode(), 0600u);
  ASSERT_OK(s->Add("erin", {Role::kAuditor}, "admin"));
  EXPECT_EQ(Mode(), 0600u);
}

TEST_F(UserStoreTest, AdminTokenFileRestoresAMissingAdminAndFollowsRotation) {
  {
    auto s = Open();
    ASSERT_OK(s->Add("alice", {Role::kOperator}, "admin"));
  }
  // users.json without any admin (edited by hand): "admin" comes back from admin.token.
  json doc = json::parse(UsersJson());
  json kept = json::array();
  for (auto& u : doc["users"]) {
    if (u["name"] != "admin")
      kept.push_back(u);
  }
  doc["users"] = kept;
  testing::WriteFile(secrets_ / "users.json", doc.dump());
  ::chmod((secrets_ / "users.json").c_str(), 0600);
  {
    auto s = Open();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->Authenticate(kAdminToken)->name, "admin");
    EXPECT_EQ(s->List().size(), 2u);
  }
  // A new admin.token replaces the old one.
  const std::string rotated(64, 'e');
  testing::WriteFile(secrets_ / "admin.token", rotated + "\n");
  auto s = Open();
  EXPECT_FALSE(s->Authenticate(kAdminToken));
  ASSERT_TRUE(s->Authenticate(rotated));
  EXPECT_TRUE(s->Authenticate(rotated)->Has(Role::kAdmin));
}

TEST_F(UserStoreTest, CorruptFilesAreRefused) {
  for (const std::string& bad : std::vector<std::string>{
           "", "[]", "{\"users\": 3}", "{\"users\": [{\"roles\": []}]}",
           R"({"users": [{"name": "x", "roles": ["god"], "token_sha256": ""}]})",
           R"({"users": [{"name": "x", "roles": ["auditor"], "token_sha256": "zz"}]})"}) {
    testing::WriteFile(secrets_ / "users.json", bad);
    ::chmod((secrets_ / "users.json").c_str(), 0600);
    auto s = UserStore::Open(secrets_, clock_);
    EXPECT_FALSE(s.ok()) << bad;
  }
}

TEST_F(UserStoreTest, RemoveUndoesAnAdd) {
  auto s = Open();
  auto tok = s->Add("frank", {Role::kOperator}, "admin");
  ASSERT_OK(tok);
  ASSERT_OK(s->Remove("frank"));
  EXPECT_FALSE(s->Authenticate(*tok));
  EXPECT_FALSE(s->Find("frank"));
  EXPECT_EQ(s->Remove("frank").code(), Code::kNotFound);
  s.reset();
  EXPECT_EQ(Open()->List().size(), 1u);
}

// Authorize() on requests built by hand: 401 without a good token, 403 auth.role without a role.
TEST_F(UserStoreTest, AuthorizeRepliesWithTheContractsRules) {
  auto s = Open();
  auto op = s->Add("oscar", {Role::kOperator}, "admin");
  auto au = s->Add("audrey", {Role::kAuditor}, "admin");
  ASSERT_OK(op);
  ASSERT_OK(au);
  auto request = [](const std::string& token) {
    httplib::Request req;
    req.method = "POST";
    req.path = "/api/v1/ingest";
    if (!token.empty())
      req.set_header("Authorization", "Bearer " + token);
    return req;
  };
  {
    httplib::Response res;
    EXPECT_FALSE(Authorize(*s, request(""), res, {}));
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(json::parse(res.body)["error"]["rule"], "auth.unauthorized");
  }
  {
    httplib::Response res;
    EXPECT_FALSE(Authorize(*s, request("nope"), res, {}));
    EXPECT_EQ(res.status, 401);
  }
  {
    httplib::Response res;
    auto u = Authorize(*s, request(*au), res, {});
    ASSERT_TRUE(u);
    EXPECT_EQ(u->name, "audrey");
  }
  {
    httplib::Response res;
    EXPECT_FALSE(Authorize(*s, request(*au), res, {Role::kOperator}));
    EXPECT_EQ(res.status, 403);
    json e = json::parse(res.body)["error"];
    EXPECT_EQ(e["rule"], "auth.role");
    std::string msg = e["message"];
    EXPECT_NE(msg.find("operator"), std::string::npos) << msg;
    EXPECT_NE(msg.find("audrey"), std::string::npos) << msg;
  }
  {
    httplib::Response res;
    EXPECT_TRUE(Authorize(*s, request(*op), res, {Role::kOperator}));
    EXPECT_TRUE(Authorize(*s, request(kAdminToken), res, {Role::kOperator}))
        << "admin may do what an operator may";
    EXPECT_FALSE(Authorize(*s, request(*op), res, {Role::kAdmin}));
    EXPECT_EQ(res.status, 403);
  }
  {
    httplib::Response res;
    httplib::Request req = request("");
    req.set_header("Authorization", "Basic " + std::string(kAdminToken));
    EXPECT_FALSE(Authorize(*s, req, res, {}));
    EXPECT_EQ(res.status, 401);
  }
}

}  // namespace
}  // namespace vault::daemon
