// Users, roles and attribution through the real vaultd and vaultctl (docs/RETENTION.md §4).
#include <httplib.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kRoles[] = {"admin", "operator", "archivist", "approver", "auditor"};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

class UsersTest : public DaemonTest {
 protected:

  // vaultctl --root H [--token-file F] args...
  CmdResult Ctl(const std::vector<std::string>& args, const fs::path& token_file = {}) {
    std::vector<std::string> a = {"--root", home_.string()};
    if (!token_file.empty()) {
      a.push_back("--token-file");
      a.push_back(token_file.string());
    }
    a.insert(a.end(), args.begin(), args.end());
    return Vaultctl(a);
  }

  // Adds NAME with ROLES as admin; returns the token file.
  fs::path AddUser(const std::string& name, const std::vector<std::string>& roles) {
    fs::path f = tmp_ / (name + ".token");
    std::vector<std::string> a = {"user", "add", name};
    for (const auto& r : roles) {
      a.push_back("--role");
      a.push_back(r);
    }
    a.insert(a.end(), {"--token-out", f.string(), "--json"});
    auto r = Ctl(a);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return f;
  }

  // An API request with any token ("" = no Authorization header).
  std::pair<int, json> Request(const std::string& method, const std::string& path,
                               const std::string& token, const std::string& body = "{}") {
    httplib::Client cli(Trim(ReadFile(home_ / "run" / "api")));
    cli.set_read_timeout(300, 0);
    if (!token.empty())
      cli.set_bearer_token_auth(token);
    auto res = method == "GET" ? cli.Get(path) : cli.Post(path, body, "application/json");
    if (!res)
      return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }
  std::string TokenOf(const fs::path& f) { return Trim(ReadFile(f)); }

  std::vector<json> Events() {
    std::vector<json> out;
    std::ifstream in(home_ / "log" / "events-000001.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty())
        out.push_back(json::parse(line));
    }
    return out;
  }

  fs::path Bag(const std::string& name, const std::string& content) {
    fs::path bag = tmp_ / name;
    MakeBag(
        bag, {{"a.txt", content}},
        {{"Retention-Rule", "TT05-06"}, {"End-Date", "2010"}, {"File-Code", "X"}, {"Title", "Y"}});
    return bag;
  }

};

TEST_F(UsersTest, UsersOfEveryRoleAreCreatedAndKnowThemselves) {
  auto me = Ctl({"whoami", "--json"});
  ASSERT_EQ(me.exit_code, 0) << me.err;
  EXPECT_EQ(me.json()["name"], "admin");
  EXPECT_EQ(me.json()["roles"], json::array({"admin"}));

  std::map<std::string, fs::path> files;
  for (const char* role : kRoles) {
    std::string name = std::string("u-") + role;
    files[role] = AddUser(name, {role});
    struct stat st {};
    ASSERT_EQ(::stat(files[role].c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << role;
    std::string token = TokenOf(files[role]);
    EXPECT_TRUE(std::regex_match(token, std::regex("[0-9a-f]{64}"))) << token;

    auto who = Ctl({"whoami", "--json"}, files[role]);
    ASSERT_EQ(who.exit_code, 0) << who.err;
    EXPECT_EQ(who.json()["name"], name);
    EXPECT_EQ(who.json()["roles"], json::array({role}));
    auto text = Ctl({"whoami"}, files[role]);
    EXPECT_EQ(text.out, name + " (" + role + ")\n");
  }

  // Several roles; the token printed once when there is no --token-out.
  auto multi = Ctl({"user", "add", "multi", "--role", "archivist", "--role", "approver"});
  ASSERT_EQ(multi.exit_code, 0) << multi.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(multi.out, m, std::regex("\n([0-9a-f]{64})\n"))) << multi.out;
  auto who = Request("GET", "/api/v1/whoami", m[1]);
  EXPECT_EQ(who.first, 200);
  EXPECT_EQ(who.second["roles"], json::array({"archivist", "approver"}));

  // --json without --token-out: the token is in the JSON (once), and only there.
  auto j = Ctl({"user", "add", "jason", "--role", "auditor", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  std::string jtoken = j.json()["token"];
  EXPECT_EQ(Request("GET", "/api/v1/whoami", jtoken).second["name"], "jason");

  // Listing (admin only) never shows a token or its digest.
  auto list = Ctl({"user", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::set<std::string> names;
  const json listed = list.json();
  for (const auto& u : listed["users"]) {
    names.insert(u["name"].get<std::string>());
    EXPECT_FALSE(u.contains("token"));
    EXPECT_FALSE(u.contains("token_sha256"));
    EXPECT_EQ(u["disabled"], false);
  }
  EXPECT_EQ(names, (std::set<std::string>{"admin", "u-admin", "u-operator", "u-archivist",
                                          "u-approver", "u-auditor", "multi", "jason"}));
  EXPECT_EQ(list.out.find(jtoken), std::string::npos);

  // Only an admin manages users; an admin user made by admin can.
  auto refused = Ctl({"user", "list"}, files["operator"]);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("auth.role"), std::string::npos) << refused.err;
  EXPECT_EQ(Ctl({"user", "add", "x", "--role", "auditor"}, files["auditor"]).exit_code, 1);
  EXPECT_EQ(Ctl({"user", "add", "made-by-admin2", "--role", "auditor"}, files["admin"]).exit_code,
            0);

  // Refusals: a duplicate, a bad name (the daemon's), a bad role (vaultctl's usage check).
  auto dup = Ctl({"user", "add", "u-operator", "--role", "auditor"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("user.exists"), std::string::npos) << dup.err;
  auto bad = Ctl({"user", "add", "Bad Name", "--role", "auditor"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("api.bad_request"), std::string::npos) << bad.err;
  EXPECT_EQ(Ctl({"user", "add", "r", "--role", "root"}).exit_code, 2);
  EXPECT_EQ(Request("POST", "/api/v1/users", TokenOf(home_ / "secrets" / "admin.token"),
                    R"({"name": "r", "roles": ["root"]})")
                .first,
            400);

  // users.json: 0600, digests only.
  fs::path users = home_ / "secrets" / "users.json";
  struct stat st {};
  ASSERT_EQ(::stat(users.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string stored = ReadFile(users);
  for (const auto& [role, f] : files) {
    EXPECT_EQ(stored.find(TokenOf(f)), std::string::npos) << role;
  }
  EXPECT_EQ(stored.find(jtoken), std::string::npos);

  // The "user created" events: agent = the admin who did it, object "", no secrets.
  int created = 0;
  for (const auto& e : Events()) {
    if (e["type"] != "user created")
      continue;
    ++created;
    EXPECT_EQ(e["object"], "");
    EXPECT_EQ(e["outcome"], "success");
    EXPECT_TRUE(e["detail"]["user"].is_string());
    EXPECT_TRUE(e["detail"]["roles"].is_array());
    EXPECT_EQ(e["agent"], e["detail"]["user"] == "made-by-admin2" ? "u-admin" : "admin") << e;
    std::string dumped = e.dump();
    EXPECT_EQ(dumped.find("token"), std::string::npos) << dumped;
  }
  EXPECT_EQ(created, 8);  // 5 roles, multi, jason, made-by-admin2
}

TEST_F(UsersTest, RolesAreEnforcedOnEveryWritingRoute) {
  std::map<std::string, std::string> tok;
  for (const char* role : kRoles)
    tok[role] = TokenOf(AddUser(std::string("u-") + role, {role}));
  const std::string admin = TokenOf(home_ / "secrets" / "admin.token");

  // Any authenticated user reads.
  for (const auto& [role, t] : tok) {
    for (const char* path :
         {"/api/v1/status", "/api/v1/objects", "/api/v1/fixity", "/api/v1/whoami"}) {
      EXPECT_EQ(Request("GET", path, t).first, 200) << role << " " << path;
    }
  }
  // Wrong, missing or malformed tokens: 401 auth.unauthorized, on every /api/ path.
  for (const std::string& t : {std::string("wrong"), std::string(64, 'a'), std::string()}) {
    auto r = Request("GET", "/api/v1/status", t);
    EXPECT_EQ(r.first, 401) << t;
    EXPECT_EQ(r.second["error"]["rule"], "auth.unauthorized") << t;
    EXPECT_EQ(Request("POST", "/api/v1/ingest", t).first, 401);
    EXPECT_EQ(Request("GET", "/api/v1/no-such-route", t).first, 401);
  }
  auto bad = Ctl({"whoami"}, [&] {
    fs::path f = tmp_ / "wrong.token";
    WriteFile(f, std::string(64, 'b') + "\n");
    return f;
  }());
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("auth.unauthorized"), std::string::npos) << bad.err;

  // Ingest, verify, fixity runs and placement sweeps: operator or admin only.
  fs::path bag = Bag("bag-roles", "roles");
  const std::string ingest = json{{"path", bag.string()}}.dump();
  for (const char* role : {"archivist", "approver", "auditor"}) {
    for (auto [path, body] : std::vector<std::pair<std::string, std::string>>{
             {"/api/v1/ingest", ingest},
             {"/api/v1/fixity/runs", "{}"},
             {"/api/v1/placement/sweep", "{}"},
             {"/api/v1/objects/urn:uuid:x/verify", "{}"},
             {"/api/v1/users", R"({"name": "z", "roles": ["auditor"]})"},
             {"/api/v1/users/u-operator/disable", "{}"}}) {
      auto r = Request("POST", path, tok[role], body);
      EXPECT_EQ(r.first, 403) << role << " " << path;
      EXPECT_EQ(r.second["error"]["rule"], "auth.role") << role << " " << path << r.second;
    }
  }
  auto refused = Request("POST", "/api/v1/ingest", tok["archivist"], ingest);
  std::string msg = refused.second["error"]["message"];
  EXPECT_NE(msg.find("operator"), std::string::npos) << msg;
  EXPECT_NE(msg.find("u-archivist"), std::string::npos) << msg;
  auto via_ctl = Ctl({"ingest", bag.string(), "--wait"}, tmp_ / "u-auditor.token");
  EXPECT_EQ(via_ctl.exit_code, 1) << via_ctl.err;
  EXPECT_NE(via_ctl.err.find("auth.role"), std::string::npos) << via_ctl.err;
  EXPECT_EQ(Vaultctl({"--root", home_.string(), "objects", "list", "--json"}).json().size(), 0u)
      << "nothing was ingested";

  for (const std::string& t : {tok["operator"], tok["admin"], admin}) {
    EXPECT_EQ(Request("POST", "/api/v1/fixity/runs", t).first, 202);
    EXPECT_EQ(Request("POST", "/api/v1/placement/sweep", t).first, 200);
    EXPECT_EQ(Request("POST", "/api/v1/objects/urn:uuid:none/verify", t).first, 404)
        << "authorized: the object is unknown";
  }
  // Users are managed by admins only.
  EXPECT_EQ(
      Request("POST", "/api/v1/users", tok["operator"], R"({"name": "z", "roles": ["auditor"]})")
          .first,
      403);
  EXPECT_EQ(Request("GET", "/api/v1/users", tok["operator"]).first, 403);
  EXPECT_EQ(Request("GET", "/api/v1/users", tok["admin"]).first, 200);
}

TEST_F(UsersTest, DisabledUsersAreRefusedAndTheLastAdminStays) {
  fs::path f = AddUser("dora", {"operator"});
  const std::string t = TokenOf(f);
  EXPECT_EQ(Request("GET", "/api/v1/whoami", t).first, 200);

  auto d = Ctl({"user", "disable", "dora"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto r = Request("GET", "/api/v1/whoami", t);
  EXPECT_EQ(r.first, 401);
  EXPECT_EQ(r.second["error"]["rule"], "auth.unauthorized");
  EXPECT_EQ(Request("POST", "/api/v1/fixity/runs", t).first, 401);
  EXPECT_EQ(Ctl({"whoami"}, f).exit_code, 3);

  auto again = Ctl({"user", "disable", "dora"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("user.disabled"), std::string::npos) << again.err;
  auto nobody = Ctl({"user", "disable", "nobody"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.err.find("api.not_found"), std::string::npos) << nobody.err;
  auto last = Ctl({"user", "disable", "admin"});
  EXPECT_EQ(last.exit_code, 1);
  EXPECT_NE(last.err.find("user.last_admin"), std::string::npos) << last.err;
  EXPECT_EQ(Ctl({"whoami"}).exit_code, 0);

  auto list = Ctl({"user", "list", "--json"}).json();
  for (const auto& u : list["users"])
    EXPECT_EQ(u["disabled"], u["name"] == "dora") << u;

  int disabled_events = 0;
  for (const auto& e : Events()) {
    if (e["type"] != "user disabled")
      continue;
    ++disabled_events;
    EXPECT_EQ(e["agent"], "admin");
    EXPECT_EQ(e["object"], "");
    EXPECT_EQ(e["detail"], json({{"user", "dora"}, {"roles", {"operator"}}}));
  }
  EXPECT_EQ(disabled_events, 1);

  // A restart keeps users, tokens and their state.
  fs::path g = AddUser("gina", {"auditor"});
  daemon_->Terminate();
  ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();
  EXPECT_EQ(Request("GET", "/api/v1/whoami", TokenOf(g)).second["name"], "gina");
  EXPECT_EQ(Request("GET", "/api/v1/whoami", t).first, 401);
  EXPECT_EQ(Ctl({"whoami", "--json"}).json()["name"], "admin");
}

TEST_F(UsersTest, IngestEventsNameTheCallingUser) {
  fs::path f = AddUser("oscar", {"operator"});
  fs::path bag = Bag("bag-oscar", "attributed to oscar");
  auto r = Ctl({"ingest", bag.string(), "--wait", "--json"}, f);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(r.json()["status"], "accepted") << r.out;
  const std::string by_oscar = r.json()["object_id"];

  auto a = Ctl({"ingest", Bag("bag-admin", "attributed to admin").string(), "--wait", "--json"});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  const std::string by_admin = a.json()["object_id"];

  // An inbox ingest stays "inbox".
  fs::path inbox_bag = Bag("bag-inbox", "attributed to the inbox");
  fs::rename(inbox_bag, home_ / "inbox" / "bag-inbox");
  std::string by_inbox;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto l = Vaultctl({"--root", home_.string(), "objects", "list", "--json"}).json();
        for (const auto& o : l) {
          if (o["id"] != by_oscar && o["id"] != by_admin)
            by_inbox = o["id"];
        }
        return !by_inbox.empty();
      },
      60));

  std::map<std::string, std::string> agent;
  for (const auto& e : Events()) {
    if (e["type"] == "ingestion")
      agent[e["object"]] = e["agent"];
  }
  EXPECT_EQ(agent[by_oscar], "oscar");
  EXPECT_EQ(agent[by_admin], "admin");
  EXPECT_EQ(agent[by_inbox], "inbox");
}

}  // namespace
}  // namespace vault::testing
