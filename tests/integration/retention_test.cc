// Retention and disposal end to end through the real vaultd and vaultctl (docs/RETENTION.md):
// metadata at ingest, the review sweep, extend/permanent, holds, batches, approval by another
// user, execution and its refusals, destruction (every copy, absence, tombstone, record), the
// write-once refusals, metrics, and a catalog rebuild that agrees.
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <httplib.h>

#include <fstream>
#include <set>

#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/catalog/catalog.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<json> LogEvents(const fs::path& home) {
  std::vector<json> out;
  for (const auto& e : fs::directory_iterator(home / "log")) {
    if (e.path().filename().string().rfind("events-", 0) != 0) continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["seq"] < b["seq"]; });
  return out;
}

double Metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

class RetentionTest : public DaemonTest {
 protected:
  std::string AddUser(const std::string& name, std::vector<std::string> roles) {
    fs::path tok = tmp_ / (name + ".token");
    std::vector<std::string> args = {"--root", home_.string(), "user", "add", name};
    for (const auto& r : roles) {
      args.push_back("--role");
      args.push_back(r);
    }
    args.push_back("--token-out");
    args.push_back(tok.string());
    auto r = Vaultctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return tok.string();
  }
  // vaultctl as the user whose token is in `token_file` ("" = admin).
  CmdResult As(const std::string& token_file, std::vector<std::string> args) {
    std::vector<std::string> a = {"--root", home_.string()};
    if (!token_file.empty()) {
      a.push_back("--token-file");
      a.push_back(token_file);
    }
    a.insert(a.end(), args.begin(), args.end());
    return Vaultctl(a);
  }
  std::string Ingest(const std::string& name, std::vector<std::pair<std::string, std::string>> info) {
    fs::path bag = tmp_ / name;
    MakeBag(bag, {{"doc.txt", "noi dung " + name}}, info);
    auto r = Vaultctl({"--root", home_.string(), "ingest", bag.string(), "--wait", "--json"});
    json j = r.json();
    EXPECT_EQ(j.value("status", ""), "accepted") << r.out << r.err;
    return j.value("object_id", "");
  }
  json Api(const std::string& path) {
    auto [code, body] = daemon_->Get(path);
    EXPECT_EQ(code, 200) << path << " " << body;
    return json::parse(body, nullptr, false);
  }
  // The rule of a refused command's stderr ("refused: <rule>: …") — or of its JSON body.
  static bool Refused(const CmdResult& r, const std::string& rule) {
    return r.exit_code == 1 && (r.err.find(rule) != std::string::npos ||
                                r.out.find(rule) != std::string::npos);
  }
  fs::path Tier(const std::string& t) const { return home_ / "tiers" / t; }

};

TEST_F(RetentionTest, MetadataIsRequiredAndRecordedWithTheScheduleVersion) {
  fs::path bag = tmp_ / "no-retention";
  MakeBag(bag, {{"a.txt", "x"}}, {{"X-Test-No-Retention", "1"}, {"Title", "Không có thời hạn"}});
  auto r = Vaultctl({"--root", home_.string(), "ingest", bag.string(), "--wait", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = r.json();
  EXPECT_EQ(j["status"], "rejected");
  EXPECT_EQ(j["reason"]["rule"], "retention.missing") << r.out;
  EXPECT_EQ(j["reason"]["path"], "bag-info.txt");
  EXPECT_NE(j["reason"]["message"].get<std::string>().find("Retention-Rule"), std::string::npos);

  fs::path bad = tmp_ / "bad-maintenance";
  MakeBag(bad, {{"b.txt", "y"}}, {{"Maintenance", "08"}, {"End-Date", "2010"}});
  r = Vaultctl({"--root", home_.string(), "ingest", bad.string(), "--wait", "--json"});
  EXPECT_EQ(r.json()["reason"]["rule"], "retention.invalid") << r.out;
  EXPECT_NE(r.json()["reason"]["message"].get<std::string>().find("Maintenance"), std::string::npos);

  // A hồ sơ of documents with 10 and 30 years keeps the longest; Vietnamese labels.
  std::string id = Ingest("hoso", {{"Ma-Ho-So", "000.06.16.G09.1990.01.TH"},
                                   {"Tieu-De", "Hồ sơ hai văn bản"},
                                   {"Quy-Tac-Bao-Quan", "TT05-06"},
                                   {"Thoi-Han-Bao-Quan", "04"},
                                   {"Nam-Ket-Thuc", "31/12/1990"}});
  json o = Api("/api/v1/objects/" + id);
  EXPECT_EQ(o["retention"], "30y");
  EXPECT_EQ(o["file_code"], "000.06.16.G09.1990.01.TH");
  EXPECT_EQ(o["retention_info"]["rule"], "TT05-04");
  EXPECT_EQ(o["retention_info"]["expiry"], "2020-12-31");
  EXPECT_EQ(o["retention_info"]["schedule"]["id"], "default");
  EXPECT_FALSE(o["retention_info"]["schedule"]["version"].get<std::string>().empty());
  EXPECT_EQ(o["retention_info"]["schedule"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(o["retention_info"]["source"], "bag-info");
}

// A default class for the inbox: packages dropped there without retention labels are accepted
// with that rule (source "default"); the same package through the API, which has no default,
// is still refused.
TEST_F(RetentionTest, InboxDefaultRuleAppliesOnlyToTheInbox) {
  daemon_->Terminate();
  {
    std::string cfg = Slurp(home_ / "vault.toml");
    const std::string from = "default_rule_inbox = \"\"";
    ASSERT_NE(cfg.find(from), std::string::npos);
    cfg.replace(cfg.find(from), from.size(), "default_rule_inbox = \"TT05-01\"");
    std::ofstream(home_ / "vault.toml", std::ios::trunc) << cfg;
  }
  daemon_ = std::make_unique<Daemon>(home_);
  ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();

  fs::path bag = tmp_ / "plain";
  MakeBag(bag, {{"a.txt", "không nhãn"}}, {{"X-Test-No-Retention", "1"}, {"Title", "Thư"}});
  auto api = Vaultctl({"--root", home_.string(), "ingest", bag.string(), "--wait", "--json"});
  EXPECT_EQ(api.json()["reason"]["rule"], "retention.missing") << api.out;

  fs::rename(bag, home_ / "inbox" / "plain");
  ASSERT_TRUE(WaitFor([&] {
    auto l = Vaultctl({"--root", home_.string(), "objects", "list", "--json"});
    return l.json().is_array() && l.json().size() == 1;
  }, 60));
  const json list = Vaultctl({"--root", home_.string(), "objects", "list", "--json"}).json();
  json o = Api("/api/v1/objects/" + list[0]["id"].get<std::string>());
  EXPECT_EQ(o["retention"], "permanent");
  EXPECT_EQ(o["retention_info"]["rule"], "TT05-01");
  EXPECT_EQ(o["retention_info"]["source"], "default");
}

// A schedule with an error keeps vaultd from starting, naming the file, the line and the rule.
TEST_F(RetentionTest, InvalidScheduleIsRefusedAtLoadWithLineAndReason) {
  daemon_->Terminate();
  std::string text = Slurp(home_ / "retention" / "schedule.toml");
  const std::string from = "years = 10";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "years = 80");
  std::ofstream(home_ / "retention" / "schedule.toml", std::ios::trunc) << text;
  daemon_ = std::make_unique<Daemon>(home_);
  EXPECT_FALSE(daemon_->Start());
  const std::string err = daemon_->stderr_text();
  EXPECT_NE(err.find("schedule.toml:"), std::string::npos) << err;
  EXPECT_NE(err.find("years = 80 is outside 2..70"), std::string::npos) << err;
  daemon_.reset();
}

TEST_F(RetentionTest, WholeWorkflowWithEveryRefusal) {
  const std::string alice = AddUser("alice", {"archivist"});
  const std::string bob = AddUser("bob", {"approver"});
  const std::string carol = AddUser("carol", {"auditor"});
  const std::string dave = AddUser("dave", {"archivist", "approver"});

  const std::string o1 = Ingest("o1", {{"File-Code", "F1"}, {"Title", "Hồ sơ một"},
                                       {"Retention-Rule", "TT05-06"}, {"End-Date", "2010"}});
  const std::string o2 = Ingest("o2", {{"File-Code", "F2"}, {"Title", "Hồ sơ hai"},
                                       {"Retention-Rule", "TT05-06"}, {"End-Date", "2010-06-30"}});
  const std::string o3 = Ingest("o3", {{"File-Code", "F3"}, {"Title", "Hồ sơ vĩnh viễn"},
                                       {"Retention-Rule", "TT05-01"}});
  const std::string o4 = Ingest("o4", {{"File-Code", "F4"}, {"Title", "Hồ sơ 20 năm"},
                                       {"Retention-Rule", "TT05-05"}, {"End-Date", "2010"}});
  const std::string o5 = Ingest("o5", {{"File-Code", "F5"}, {"Title", "Hồ sơ năm"},
                                       {"Maintenance", "06"}, {"End-Date", "2012"}});
  ASSERT_FALSE(o1.empty() || o2.empty() || o3.empty() || o4.empty() || o5.empty());

  // The sweep: an auditor may not run it; an archivist may. 10 years from 2010 and 2012
  // expired; permanent and 20 years from 2010 did not.
  EXPECT_TRUE(Refused(As(carol, {"retention", "sweep"}), "auth.role"));
  auto sw = As(alice, {"retention", "sweep", "--json"});
  ASSERT_EQ(sw.exit_code, 0) << sw.out << sw.err;
  auto due = As(carol, {"retention", "due", "--json"});
  ASSERT_EQ(due.exit_code, 0) << due.err;
  std::set<std::string> due_ids;
  const json due_json = due.json();  // kept alive: the loop iterates inside it
  for (const auto& o : due_json["objects"]) due_ids.insert(o["id"]);
  EXPECT_EQ(due_ids, (std::set<std::string>{o1, o2, o5})) << due.out << sw.out;
  // The review list for Excel (UTF-8 BOM) and for printing.
  fs::path csv = tmp_ / "due.csv", html = tmp_ / "due.html";
  ASSERT_EQ(As(alice, {"retention", "due", "--csv", csv.string()}).exit_code, 0);
  ASSERT_EQ(As(alice, {"retention", "due", "--html", html.string()}).exit_code, 0);
  std::string csv_text = Slurp(csv);
  EXPECT_EQ(csv_text.rfind("\xEF\xBB\xBF", 0), 0u);
  EXPECT_NE(csv_text.find("Mã hồ sơ"), std::string::npos);
  EXPECT_NE(csv_text.find("F1"), std::string::npos);
  EXPECT_NE(Slurp(html).find("lang=\"vi\""), std::string::npos);

  // Extend: longer only.
  EXPECT_TRUE(Refused(As(alice, {"retention", "extend", o4, "--rule", "TT05-06", "--reason", "thử"}),
                      "retention.shorter"));
  EXPECT_TRUE(Refused(As(alice, {"retention", "extend", o4, "--rule", "NO-SUCH", "--reason", "thử"}),
                      "retention.unknown_rule"));
  EXPECT_TRUE(Refused(As(carol, {"retention", "permanent", o5, "--reason", "giá trị lịch sử"}),
                      "auth.role"));

  // Holds block proposals.
  auto hold = As(alice, {"hold", "place", o2, "--reason", "Tranh chấp đất đai",
                         "--mandate", "Công văn 15/TA-2026 của Tòa án tỉnh", "--json"});
  ASSERT_EQ(hold.exit_code, 0) << hold.out << hold.err;
  const std::string hold_id = hold.json()["hold"];
  EXPECT_TRUE(Refused(As(alice, {"disposal", "propose", o1, o2, "--reason", "Hết giá trị"}),
                      "disposal.on_hold"));
  EXPECT_TRUE(Refused(As(alice, {"disposal", "propose", o4, "--reason", "Hết giá trị"}),
                      "disposal.not_due"));

  // Batch 1: o1, proposed by alice.
  auto p1 = As(alice, {"disposal", "propose", o1, "--reason", "Hết thời hạn bảo quản", "--json"});
  ASSERT_EQ(p1.exit_code, 0) << p1.out << p1.err;
  const std::string b1 = p1.json()["batch"];
  EXPECT_EQ(p1.json()["state"], "proposed");
  EXPECT_TRUE(Refused(As(alice, {"disposal", "propose", o1, "--reason", "lại"}), "disposal.in_batch"));
  EXPECT_TRUE(Refused(As(alice, {"disposal", "execute", b1}), "disposal.not_approved"));
  EXPECT_TRUE(Refused(As(alice, {"disposal", "approve", b1, "--decision", "12/QĐ-LT", "--date", "2026-01-01"}),
                      "auth.role"));
  // The danh mục of the proposal.
  fs::path list_html = tmp_ / "danh-muc.html";
  ASSERT_EQ(As(bob, {"disposal", "show", b1, "--html", list_html.string()}).exit_code, 0);
  EXPECT_NE(Slurp(list_html).find("DANH MỤC TÀI LIỆU HẾT THỜI HẠN"), std::string::npos);

  // Batch 2: o2 after its hold is released, proposed by dave (archivist and approver).
  ASSERT_EQ(As(alice, {"hold", "release", hold_id, "--reason", "Vụ việc đã kết thúc"}).exit_code, 0);
  auto p2 = As(dave, {"disposal", "propose", o2, "--reason", "Hết thời hạn bảo quản", "--json"});
  ASSERT_EQ(p2.exit_code, 0) << p2.out << p2.err;
  const std::string b2 = p2.json()["batch"];
  EXPECT_TRUE(Refused(As(dave, {"disposal", "approve", b2, "--decision", "13/QĐ-LT", "--date", "2026-11-20"}),
                      "disposal.self_approval"));
  // A decision older than the 15-day deadline cannot be approved for execution.
  EXPECT_TRUE(Refused(As(bob, {"disposal", "approve", b2, "--decision", "13/QĐ-LT", "--date", "2026-10-01"}),
                      "disposal.deadline_passed"));

  // Dates: the daemon's "today" is the real date here (UTC+7).
  time_t now = time(nullptr) + 7 * 3600;
  struct tm tm {};
  gmtime_r(&now, &tm);
  char today[16];
  strftime(today, sizeof(today), "%Y-%m-%d", &tm);
  auto a2 = As(bob, {"disposal", "approve", b2, "--decision", "Quyết định hủy số 13/QĐ-LT", "--date", today, "--json"});
  ASSERT_EQ(a2.exit_code, 0) << a2.out << a2.err;
  EXPECT_EQ(a2.json()["approver"], "bob");
  // A hold placed after approval blocks execution; after release, an extension does (not expired).
  auto hold2 = As(alice, {"hold", "place", o2, "--reason", "Thanh tra", "--mandate", "QĐ 7/TTr", "--json"});
  ASSERT_EQ(hold2.exit_code, 0) << hold2.err;
  EXPECT_TRUE(Refused(As(alice, {"disposal", "execute", b2}), "disposal.on_hold"));
  ASSERT_EQ(As(alice, {"hold", "release", hold2.json()["hold"], "--reason", "Xong"}).exit_code, 0);
  ASSERT_EQ(As(alice, {"retention", "extend", o2, "--rule", "TT05-05", "--reason", "Còn giá trị"}).exit_code, 0);
  EXPECT_TRUE(Refused(As(alice, {"disposal", "execute", b2}), "disposal.not_expired"));
  EXPECT_TRUE(fs::exists(Tier("hot")) && Api("/api/v1/objects/" + o2)["id"] == o2);

  // Batch 1 approved by bob and executed by alice.
  auto a1 = As(bob, {"disposal", "approve", b1, "--decision", "Quyết định hủy số 12/QĐ-LT", "--date", today, "--json"});
  ASSERT_EQ(a1.exit_code, 0) << a1.out << a1.err;
  // There is no flag that skips the rules.
  EXPECT_EQ(As(alice, {"disposal", "execute", b1, "--force"}).exit_code, 2);
  auto x1 = As(alice, {"disposal", "execute", b1, "--json"});
  ASSERT_EQ(x1.exit_code, 0) << x1.out << x1.err;
  EXPECT_EQ(x1.json()["state"], "executed");

  // Every copy is gone, both storage roots stay valid, the tombstone and the record remain.
  auto [code, body] = daemon_->Get("/api/v1/objects/" + o1);
  EXPECT_EQ(code, 404);
  for (const char* t : {"hot", "warm"}) {
    auto v = Vaultctl({"ocfl", "validate", Tier(t).string(), "--json"});
    EXPECT_EQ(v.exit_code, 0) << t << ": " << v.out;
    EXPECT_EQ(v.json()["valid"], true) << v.out;
    for (const auto& e : fs::recursive_directory_iterator(Tier(t))) {
      if (e.path().filename() == "inventory.json") {
        EXPECT_EQ(Slurp(e.path()).find(o1), std::string::npos) << "left on " << t << ": " << e.path();
      }
    }
  }
  json tomb = Api("/api/v1/tombstones/" + o1);
  EXPECT_EQ(tomb["file_code"], "F1");
  EXPECT_EQ(tomb["proposer"], "alice");
  EXPECT_EQ(tomb["approver"], "bob");
  EXPECT_EQ(tomb["executor"], "alice");
  EXPECT_EQ(tomb["decision"], "Quyết định hủy số 12/QĐ-LT");
  EXPECT_FALSE(tomb["destroyed"].is_null());
  ASSERT_FALSE(tomb["files"].empty());
  EXPECT_EQ(tomb["files"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(tomb["tiers"], json({"hot", "warm"}));
  fs::path xml = tmp_ / "record.xml", rhtml = tmp_ / "record.html";
  ASSERT_EQ(As(carol, {"disposal", "record", b1, "--xml", xml.string(), "--html", rhtml.string()}).exit_code, 0);
  EXPECT_NE(Slurp(xml).find("Quyết định hủy số 12/QĐ-LT"), std::string::npos);
  EXPECT_NE(Slurp(xml).find(tomb["files"][0]["sha256"].get<std::string>()), std::string::npos);
  EXPECT_NE(Slurp(rhtml).find("BIÊN BẢN HỦY TÀI LIỆU"), std::string::npos);
  EXPECT_TRUE(fs::exists(home_ / "disposals" / b1 / "bien-ban-huy.xml"));

  // Write once: every other path is refused and logged.
  EXPECT_TRUE(Refused(Vaultctl({"--root", home_.string(), "objects", "delete", o3}), "write_once.refused"));
  {
    std::string api = Slurp(home_ / "run" / "api");
    api = api.substr(0, api.find('\n'));
    httplib::Client cli(api);
    std::string admin = Slurp(home_ / "secrets" / "admin.token");
    admin = admin.substr(0, admin.find('\n'));
    httplib::Headers h = {{"Authorization", "Bearer " + admin}};
    auto del = cli.Delete("/api/v1/objects/" + o3, h);
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 403);
    EXPECT_NE(del->body.find("write_once.refused"), std::string::npos);
    auto put = cli.Put("/api/v1/objects/" + o3 + "/files/doc.txt", h, "x", "text/plain");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 403);
    auto patch = cli.Patch("/api/v1/objects/" + o3, h, "{}", "application/json");
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->status, 403);
  }
  EXPECT_EQ(Api("/api/v1/objects/" + o3)["id"], o3);
  // Stored files and directories are read-only.
  for (const auto& e : fs::recursive_directory_iterator(Tier("hot"))) {
    if (e.path().string().find("/0=ocfl_object") != std::string::npos ||
        e.path().filename() == "doc.txt") {
      struct stat st {};
      ASSERT_EQ(::lstat(e.path().c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0222, 0u) << e.path();
    }
  }

  // The log: who did what, refusals included.
  auto events = LogEvents(home_);
  int refused_deletes = 0, deaccessions = 0, deletions = 0;
  bool approved_by_bob = false, executed = false;
  for (const auto& e : events) {
    if (e["type"] == "deletion" && e["outcome"] == "failure" &&
        e["detail"].value("rule", "") == "write_once.refused") {
      ++refused_deletes;
    }
    if (e["type"] == "deaccession") {
      ++deaccessions;
      EXPECT_EQ(e["object"], o1);
      EXPECT_EQ(e["agent"], "alice");
    }
    if (e["type"] == "deletion" && e["outcome"] == "success") {
      ++deletions;
      EXPECT_EQ(e["detail"]["verified_absent"], true);
    }
    if (e["type"] == "appraisal" && e["detail"].value("action", "") == "approve" &&
        e["detail"].value("batch", "") == b1) {
      approved_by_bob = e["agent"] == "bob";
    }
    if (e["type"] == "appraisal" && e["detail"].value("action", "") == "executed") executed = true;
  }
  EXPECT_EQ(refused_deletes, 4);
  EXPECT_EQ(deaccessions, 1);
  EXPECT_EQ(deletions, 1);
  EXPECT_TRUE(approved_by_bob);
  EXPECT_TRUE(executed);

  // Metrics.
  auto [mcode, metrics] = daemon_->Get("/metrics");
  ASSERT_EQ(mcode, 200);
  EXPECT_EQ(Metric(metrics, "vault_objects_destroyed"), 1);
  EXPECT_EQ(Metric(metrics, "vault_write_once_refusals_total"), 4);
  EXPECT_EQ(Metric(metrics, "vault_legal_holds_active"), 0);
  EXPECT_EQ(Metric(metrics, "vault_retention_objects_due"), 1);  // o5 (o2 was extended)
  EXPECT_EQ(Metric(metrics, "vault_disposal_batches{state=\"approved\"}"), 1);  // b2

  // Sixteen days later b2's deadline has passed: execution is refused, the alert metric fires.
  daemon_->Terminate();
  daemon_ = std::make_unique<Daemon>(home_);
  ASSERT_TRUE(daemon_->Start({{"VAULT_TEST_CLOCK_OFFSET_DAYS", "16"}})) << daemon_->stderr_text();
  EXPECT_TRUE(Refused(As(alice, {"disposal", "execute", b2}), "disposal.deadline_passed"));
  auto [mcode2, metrics2] = daemon_->Get("/metrics");
  EXPECT_EQ(Metric(metrics2, "vault_disposal_batches_overdue"), 1);

  // The audit trail accounts for everything, offline.
  daemon_->Terminate();
  daemon_.reset();
  auto audit = Vaultctl({"--root", home_.string(), "audit", "verify", "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;

  // A catalog rebuilt from the storage and the log is the same, lifecycle records included.
  json before, after;
  {
    auto cat = catalog::Catalog::Open(home_ / "catalog");
    ASSERT_TRUE(cat.ok());
    before = *(*cat)->DumpRebuildable();
  }
  auto rb = Vaultctl({"--root", home_.string(), "catalog", "rebuild"});
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  {
    auto cat = catalog::Catalog::Open(home_ / "catalog");
    ASSERT_TRUE(cat.ok());
    after = *(*cat)->DumpRebuildable();
  }
  EXPECT_EQ(before["lifecycle"], after["lifecycle"]);
  EXPECT_EQ(before["objects"], after["objects"]);
  EXPECT_EQ(before["stats"], after["stats"]);
  EXPECT_TRUE(after["lifecycle"].contains("tombstone/" + o1));
  EXPECT_EQ(after["lifecycle"]["batch/" + b1]["state"], "executed");
}

// kill -9 at every step of an execution: the restarted daemon finishes the destruction (or a
// second `execute` does), and the vault ends consistent: objects gone from every tier, tombstones,
// one deletion each, the record written, valid storage roots, an intact audit.
TEST_F(RetentionTest, DestructionFinishesAfterKillAtEveryStep) {
  const std::string alice = AddUser("alice", {"archivist"});
  const std::string bob = AddUser("bob", {"approver"});
  const std::string o1 = Ingest("k1", {{"File-Code", "K1"}, {"Retention-Rule", "TT05-06"}, {"End-Date", "2001"}});
  const std::string o2 = Ingest("k2", {{"File-Code", "K2"}, {"Retention-Rule", "TT05-06"}, {"End-Date", "2002"}});
  const std::string keep = Ingest("k3", {{"File-Code", "K3"}, {"Retention-Rule", "TT05-01"}});
  ASSERT_EQ(As(alice, {"retention", "sweep"}).exit_code, 0);
  auto p = As(alice, {"disposal", "propose", o1, o2, "--reason", "Hết thời hạn", "--json"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string batch = p.json()["batch"];
  time_t now = time(nullptr) + 7 * 3600;
  struct tm tm {};
  gmtime_r(&now, &tm);
  char today[16];
  strftime(today, sizeof(today), "%Y-%m-%d", &tm);
  ASSERT_EQ(As(bob, {"disposal", "approve", batch, "--decision", "5/QĐ", "--date", today}).exit_code, 0);
  daemon_->Terminate();
  daemon_.reset();
  const fs::path snapshot = tmp_ / "snapshot";
  fs::copy(home_, snapshot, fs::copy_options::recursive);
  const fs::path base_home = home_;

  const std::vector<std::pair<std::string, int>> points = {
      {"disposal:deaccessioned", 1}, {"store:purge:unsealed", 1},  {"store:purge:uncommitted", 1},
      {"store:purge:durable", 1},    {"disposal:tier-purged", 1},  {"store:purge:uncommitted", 2},
      {"disposal:tier-purged", 2},   {"disposal:deleted", 1},      {"store:purge:uncommitted", 3},
      {"disposal:deleted", 2},       {"disposal:record-written", 1}};
  int n = 0;
  for (const auto& [name, nth] : points) {
    SCOPED_TRACE(name + " #" + std::to_string(nth));
    home_ = tmp_ / ("crash-" + std::to_string(n++));
    fs::copy(snapshot, home_, fs::copy_options::recursive);
    {
      Daemon d(home_);
      ASSERT_TRUE(d.Start({{"VAULT_CRASH_NAME", name}, {"VAULT_CRASH_NAME_N", std::to_string(nth)}}));
      auto x = As(alice, {"disposal", "execute", batch});
      EXPECT_NE(x.exit_code, 0) << "the daemon should have been killed at " << name;
      ASSERT_TRUE(d.WaitExit(30));
      EXPECT_TRUE(WIFSIGNALED(d.exit_status()));
    }
    daemon_ = std::make_unique<Daemon>(home_);
    ASSERT_TRUE(daemon_->Start()) << daemon_->stderr_text();
    json b = Api("/api/v1/disposals/" + batch);
    if (b["state"] != "executed") {
      auto x = As(alice, {"disposal", "execute", batch, "--json"});
      ASSERT_EQ(x.exit_code, 0) << x.out << x.err;
      b = Api("/api/v1/disposals/" + batch);
    }
    EXPECT_EQ(b["state"], "executed");
    for (const auto& id : {o1, o2}) {
      EXPECT_EQ(daemon_->Get("/api/v1/objects/" + id).first, 404);
      json t = Api("/api/v1/tombstones/" + id);
      EXPECT_FALSE(t["destroyed"].is_null());
    }
    EXPECT_EQ(Api("/api/v1/objects/" + keep)["copies"].size(), 2u);
    EXPECT_TRUE(fs::exists(home_ / "disposals" / batch / "bien-ban-huy.xml"));
    daemon_->Terminate();
    daemon_.reset();
    int deletions = 0, executed = 0;
    for (const auto& e : LogEvents(home_)) {
      if (e["type"] == "deletion" && e["outcome"] == "success") ++deletions;
      if (e["type"] == "appraisal" && e["detail"].value("action", "") == "executed") ++executed;
    }
    EXPECT_EQ(deletions, 2);
    EXPECT_EQ(executed, 1);
    for (const char* t : {"hot", "warm"}) {
      auto v = Vaultctl({"ocfl", "validate", Tier(t).string(), "--json"});
      EXPECT_EQ(v.json()["valid"], true) << t << ": " << v.out;
    }
    auto audit = Vaultctl({"--root", home_.string(), "audit", "verify", "--json"});
    EXPECT_EQ(audit.exit_code, 0) << audit.out;
  }
  home_ = base_home;
}

}  // namespace
}  // namespace vault::testing
