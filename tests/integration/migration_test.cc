// Identification at ingest and format migration end to end through the real vaultd and vaultctl
// (docs/FORMATS.md, docs/MIGRATION.md): real files from the format corpus are ingested in a
// permanent hồ sơ and a 10-year one, identified with PRONOM (container signatures for the OLE2
// files), planned, converted by the real LibreOffice / ImageMagick in their sandbox, validated,
// and stored as a new OCFL version on both tiers; the originals stay byte for byte; a crash
// between the version and its event is undone at the next start.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "formats/mets/aip.h"
#include "formats/ocfl/inventory.h"
#include "formats/ocfl/validator.h"
#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The real files (format corpus) of the permanent hồ sơ: name in the bag -> corpus path.
const std::vector<std::pair<std::string, std::string>> kSamples = {
    {"van-ban/cong-van-1998.doc", "variations/variations/application/msword/lorem-ipsum.doc"},
    {"van-ban/to-trinh.wpd", "office/wordprocessing/WordPerfect6/testWordPerfect_6_61.wpd"},
    {"van-ban/bao-cao.rtf", "office/wordprocessing/rtf/testRTF.rtf"},
    {"bang-tinh/so-lieu-2003.xls",
     "_extracted-from-zips/spreadsheets_historicaldates/spreadsheet-excel2003-nocalcs.xls"},
    {"anh/ban-do.bmp", "_extracted-from-zips/images_severalformats_historicaldates/image-24bit-300ppi.bmp"},
    {"anh/bieu-tuong.gif",
     "_extracted-from-zips/images_severalformats_historicaldates/image-enforcedtransparency-300ppi.gif"},
};

class MigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto corpora = CorporaDir();
    if (!corpora) GTEST_SKIP() << "corpora not found: set VAULT_CORPORA or provide ../shared/corpora";
    corpora_ = *corpora;
    home_ = tmp_ / "vault";
    ASSERT_EQ(Vaultctl({"init", home_.string()}).exit_code, 0);
    Start();
  }
  void TearDown() override {
    if (daemon_) daemon_->Terminate();
  }
  void Start(std::map<std::string, std::string> env = {}) {
    env["VAULT_PRONOM_DIR"] = (corpora_ / "pronom-droid").string();
    daemon_ = std::make_unique<Daemon>(home_);
    ASSERT_TRUE(daemon_->Start(env)) << daemon_->stderr_text();
  }
  json Api(const std::string& path) {
    auto [status, body] = daemon_->Get(path);
    EXPECT_EQ(status, 200) << path << ": " << body;
    return json::parse(body, nullptr, false);
  }
  CmdResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--root", home_.string()});
    return Vaultctl(args);
  }
  std::string Ingest(const std::string& name, const std::map<std::string, std::string>& files,
                     std::vector<std::pair<std::string, std::string>> info) {
    fs::path bag = tmp_ / name;
    MakeBag(bag, files, info);
    auto r = Ctl({"ingest", bag.string(), "--wait", "--json"});
    json j = r.json();
    EXPECT_EQ(j.value("status", ""), "accepted") << r.out << r.err;
    return j.value("object_id", "");
  }
  std::map<std::string, std::string> SampleFiles() {
    std::map<std::string, std::string> files;
    for (const auto& [name, rel] : kSamples) files[name] = ReadFile(corpora_ / "format-corpus" / rel);
    files["ghi-chu.txt"] = "Ghi chú: hồ sơ lưu trữ vĩnh viễn\n";
    return files;
  }
  // Waits until the object has a good copy on both tiers at `version`.
  bool WaitCopies(const std::string& id, const std::string& version) {
    return WaitFor(
        [&] {
          auto [status, body] = daemon_->Get("/api/v1/objects/" + id);
          json o = json::parse(body, nullptr, false);
          if (status != 200 || !o.is_object()) return false;
          int good = 0;
          for (const auto& c : o["copies"]) good += c["state"] == "ok" && c["version"] == version;
          return good == 2;
        },
        60);
  }
  std::map<std::string, json> FilesByPath(const std::string& id) {
    std::map<std::string, json> out;
    const json obj = Api("/api/v1/objects/" + id);
    for (const auto& f : obj["files_list"]) out[f["path"].get<std::string>()] = f;
    return out;
  }
  fs::path ObjectDir(const std::string& tier, const std::string& id) {
    return home_ / "tiers" / tier / ocfl::HashedNTuplePath(id);
  }
  std::string Head(const std::string& tier, const std::string& id) {
    auto inv = ocfl::ParseInventory(ReadFile(ObjectDir(tier, id) / "inventory.json"));
    return inv.ok() ? inv->head : "(unreadable)";
  }
  void ExpectValid(const std::string& tier, const std::string& id) {
    auto report = ocfl::ValidateObject(ObjectDir(tier, id));
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->errors.empty())
        << tier << ": " << (report->errors.empty() ? "" : report->errors[0].code + " " +
                                                              report->errors[0].message);
  }
  std::vector<json> LogEvents(const std::string& type) {
    std::vector<json> out;
    for (const auto& e : fs::directory_iterator(home_ / "log")) {
      if (e.path().filename().string().rfind("events-", 0) != 0) continue;
      std::ifstream in(e.path());
      for (std::string line; std::getline(in, line);) {
        json j = json::parse(line, nullptr, false);
        if (j.is_object() && j.value("type", "") == type) out.push_back(j);
      }
    }
    return out;
  }

  TempDir tmp_;
  fs::path corpora_, home_;
  std::unique_ptr<Daemon> daemon_;
};

const std::vector<std::pair<std::string, std::string>> kPermanent = {
    {"Retention-Rule", "TT05-01"}, {"End-Date", "2001"}, {"Title", "Hồ sơ lưu trữ vĩnh viễn"}};

TEST_F(MigrationTest, IdentifiesPlansConvertsAndStoresANewVersion) {
  const std::string perm = Ingest("perm", SampleFiles(), kPermanent);
  const std::string tenyear = Ingest(
      "ten", {{"cong-van.doc", ReadFile(corpora_ / "format-corpus" / kSamples[0].second)}},
      {{"Retention-Rule", "TT05-06"}, {"End-Date", "2020"}});
  ASSERT_FALSE(perm.empty());
  ASSERT_FALSE(tenyear.empty());
  ASSERT_TRUE(WaitCopies(perm, "v1"));
  ASSERT_TRUE(WaitCopies(tenyear, "v1"));

  // Identification at ingest, recorded in the catalog (from PREMIS).
  auto v1 = FilesByPath(perm);
  const std::string data = "representations/rep1/data/";
  EXPECT_EQ(v1[data + "van-ban/cong-van-1998.doc"]["puid"], "fmt/40");
  EXPECT_EQ(v1[data + "van-ban/cong-van-1998.doc"]["format_basis"], "container");
  EXPECT_EQ(v1[data + "van-ban/cong-van-1998.doc"]["format_signatures"],
            "DROID V122, container 20260119");
  EXPECT_EQ(v1[data + "bang-tinh/so-lieu-2003.xls"]["puid"], "fmt/61");
  EXPECT_EQ(v1[data + "bang-tinh/so-lieu-2003.xls"]["format_basis"], "container");
  EXPECT_EQ(v1[data + "anh/bieu-tuong.gif"]["puid"], "fmt/4");
  EXPECT_EQ(v1[data + "anh/ban-do.bmp"]["format_basis"], "signature");
  EXPECT_FALSE(v1[data + "van-ban/to-trinh.wpd"]["puid"].get<std::string>().empty());
  EXPECT_FALSE(v1[data + "van-ban/bao-cao.rtf"]["puid"].get<std::string>().empty());
  std::map<std::string, std::string> original_sha;
  for (const auto& [path, f] : v1) original_sha[path] = f["sha256"];

  // The plan (dry run): the permanent object's documents, spreadsheet and images; the 10-year
  // object is skipped as not permanent; nothing is changed by planning.
  auto plan_r = Ctl({"migrate", "plan", "--json"});
  ASSERT_EQ(plan_r.exit_code, 0) << plan_r.out << plan_r.err;
  json plan = plan_r.json();
  std::map<std::string, json> planned;
  for (const auto& i : plan["items"]) {
    EXPECT_EQ(i["object_id"], perm);
    planned[i["source_path"]] = i;
  }
  for (const auto& [name, rel] : kSamples) {
    EXPECT_TRUE(planned.count(data + name)) << name << " is not planned: " << plan.dump(1);
  }
  EXPECT_EQ(planned[data + "van-ban/cong-van-1998.doc"]["target"], "pdfa-2b");
  EXPECT_EQ(planned[data + "anh/ban-do.bmp"]["target"], "png");
  EXPECT_FALSE(planned.count(data + "ghi-chu.txt"));
  bool tenyear_skipped = false;
  for (const auto& s : plan["skipped"]) {
    if (s["object_id"] == tenyear) tenyear_skipped = s["reason_code"] == "not_permanent";
  }
  EXPECT_TRUE(tenyear_skipped) << plan["skipped"].dump(1);
  EXPECT_EQ(Head("hot", perm), "v1");

  // The run: converted in the sandbox, validated, one new version on both tiers.
  auto run = Ctl({"migrate", "run", "--wait", "--json"});
  json rj = run.json();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(rj["state"], "done");
  EXPECT_EQ(rj["migrated"].get<uint64_t>(), planned.size()) << rj.dump(1);
  EXPECT_EQ(rj["failed"].get<uint64_t>(), 0u) << rj.dump(1);
  ASSERT_TRUE(WaitCopies(perm, "v2"));
  for (const char* tier : {"hot", "warm"}) {
    EXPECT_EQ(Head(tier, perm), "v2") << tier;
    ExpectValid(tier, perm);
    EXPECT_EQ(Head(tier, tenyear), "v1") << tier;
  }
  // Both copies hold the same object, byte for byte.
  EXPECT_EQ(ReadFile(ObjectDir("hot", perm) / "inventory.json"),
            ReadFile(ObjectDir("warm", perm) / "inventory.json"));

  auto v2 = FilesByPath(perm);
  // The originals are kept, unchanged, in the new state and in v1.
  for (const auto& [path, sha] : original_sha) {
    if (path == "METS.xml" || path == "metadata/preservation/premis.xml") continue;
    ASSERT_TRUE(v2.count(path)) << path;
    EXPECT_EQ(v2[path]["sha256"], sha) << path;
    EXPECT_EQ(v2[path]["content_path"].get<std::string>().rfind("v1/content/", 0), 0u) << path;
  }
  for (const auto& [name, rel] : kSamples) {
    const std::string stored = ReadFile(ObjectDir("warm", perm) / "v1/content" / (data + name));
    EXPECT_EQ(Sha256Hex(stored), Sha256Hex(ReadFile(corpora_ / "format-corpus" / rel))) << name;
  }
  // The outputs: in rep2-<target>, identified as their target formats.
  const auto& doc_out = v2["representations/rep2-pdfa-2b/data/van-ban/cong-van-1998.pdf"];
  ASSERT_TRUE(doc_out.is_object()) << json(v2).dump(1);
  EXPECT_EQ(doc_out["content_path"].get<std::string>().rfind("v2/content/", 0), 0u);
  EXPECT_EQ(doc_out["puid"], "fmt/477");  // PDF/A-2b
  const auto& png_out = v2["representations/rep2-png/data/anh/ban-do.png"];
  ASSERT_TRUE(png_out.is_object());
  EXPECT_EQ(png_out["puid"].get<std::string>().rfind("fmt/1", 0), 0u) << png_out.dump();  // PNG fmt/11..13
  for (const auto& [path, item] : planned) EXPECT_TRUE(v2.count(item["output_path"])) << path;

  // PREMIS of v2: the outputs derived from their sources, migration events linking both.
  auto premis = mets::ReadPremis(ReadFile(ObjectDir("hot", perm) / v2["metadata/preservation/premis.xml"]["content_path"].get<std::string>()));
  ASSERT_TRUE(premis.ok()) << premis.status().ToString();
  int migrations = 0;
  for (const auto& e : premis->events) {
    if (e.type != "migration") continue;
    ++migrations;
    EXPECT_EQ(e.outcome, "success");
    ASSERT_EQ(e.object_paths.size(), 1u);
    ASSERT_EQ(e.outcome_paths.size(), 1u);
    EXPECT_TRUE(planned.count(e.object_paths[0])) << e.object_paths[0];
  }
  EXPECT_EQ(migrations, static_cast<int>(planned.size()));
  int derived = 0;
  for (const auto& f : premis->files) derived += !f.derived_from.empty();
  EXPECT_EQ(derived, static_cast<int>(planned.size()));
  const std::string mets = ReadFile(ObjectDir("hot", perm) / v2["METS.xml"]["content_path"].get<std::string>());
  EXPECT_NE(mets.find("Representations/rep2-pdfa-2b"), std::string::npos);

  // The log: one successful migration event naming v2, both tiers and the inventory digest.
  auto events = LogEvents("migration");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["outcome"], "success");
  EXPECT_EQ(events[0]["detail"]["version"], "v2");
  EXPECT_EQ(events[0]["detail"]["tiers"].size(), 2u);
  EXPECT_EQ(events[0]["detail"]["inventory_sha256"],
            Sha256Hex(ReadFile(ObjectDir("hot", perm) / "inventory.json")));

  // Nothing left to do; the offline audit is intact; a rebuilt catalog agrees.
  json again = Ctl({"migrate", "plan", "--json"}).json();
  EXPECT_TRUE(again["items"].empty()) << again.dump(1);
  daemon_->Terminate();
  daemon_.reset();
  auto audit = Ctl({"audit", "verify", "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  auto rebuilt = Ctl({"catalog", "rebuild", "--json"});
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.out << rebuilt.err;
  Start();
  auto after = FilesByPath(perm);
  EXPECT_EQ(after.size(), v2.size());
  for (const auto& [path, f] : v2) {
    EXPECT_EQ(after[path]["sha256"], f["sha256"]) << path;
    EXPECT_EQ(after[path]["puid"], f["puid"]) << path;
  }
  EXPECT_EQ(Api("/api/v1/objects/" + perm)["version"], "v2");
}

TEST_F(MigrationTest, CrashBetweenVersionAndEventIsUndoneAtStart) {
  const std::string perm = Ingest(
      "perm", {{"cong-van.rtf", ReadFile(corpora_ / "format-corpus/office/wordprocessing/rtf/testRTF.rtf")}},
      kPermanent);
  ASSERT_TRUE(WaitCopies(perm, "v1"));
  daemon_->Terminate();
  Start({{"VAULT_CRASH_NAME", "migration:versioned"}});
  auto run = Ctl({"migrate", "run", "--wait", "--json"});
  EXPECT_NE(run.exit_code, 0) << "vaultd should have been killed: " << run.out;
  ASSERT_TRUE(daemon_->WaitExit(60));
  EXPECT_TRUE(WIFSIGNALED(daemon_->exit_status()));
  // Killed with v2 on both tiers and no event: the next start puts every copy back at v1.
  EXPECT_EQ(Head("hot", perm), "v2");
  EXPECT_TRUE(LogEvents("migration").empty());
  daemon_.reset();
  Start();
  for (const char* tier : {"hot", "warm"}) {
    EXPECT_EQ(Head(tier, perm), "v1") << tier;
    EXPECT_FALSE(fs::exists(ObjectDir(tier, perm) / "v2")) << tier;
    ExpectValid(tier, perm);
  }
  EXPECT_EQ(Api("/api/v1/objects/" + perm)["version"], "v1");
  // The plan picks it up again, and this time it goes through.
  json plan = Ctl({"migrate", "plan", "--json"}).json();
  ASSERT_EQ(plan["items"].size(), 1u) << plan.dump(1);
  auto again = Ctl({"migrate", "run", "--wait", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  ASSERT_TRUE(WaitCopies(perm, "v2"));
  for (const char* tier : {"hot", "warm"}) ExpectValid(tier, perm);
  daemon_->Terminate();
  daemon_.reset();
  auto audit = Ctl({"audit", "verify", "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST_F(MigrationTest, AConversionOverItsTimeLimitFailsCleanlyAndChangesNothing) {
  // LibreOffice needs seconds to start: with a 1 s limit every conversion is killed at its limit.
  // The job fails, the failure is logged with its reason, the object stays at v1 and the plan
  // holds the file back until asked to retry.
  const std::string perm = Ingest(
      "slow", {{"cong-van.doc", ReadFile(corpora_ / "format-corpus" / kSamples[0].second)}}, kPermanent);
  ASSERT_TRUE(WaitCopies(perm, "v1"));
  daemon_->Terminate();
  {
    std::string cfg = ReadFile(home_ / "vault.toml");
    const std::string from = "timeout_seconds = 600";
    ASSERT_NE(cfg.find(from), std::string::npos);
    cfg.replace(cfg.find(from), from.size(), "timeout_seconds = 1");
    WriteFile(home_ / "vault.toml", cfg);
  }
  Start();
  json plan = Ctl({"migrate", "plan", "--json"}).json();
  ASSERT_EQ(plan["items"].size(), 1u) << plan.dump(1);
  auto run = Ctl({"migrate", "run", "--wait", "--json"});
  json rj = run.json();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(rj["failed"].get<uint64_t>(), 1u) << rj.dump(1);
  EXPECT_EQ(rj["migrated"].get<uint64_t>(), 0u);
  for (const char* tier : {"hot", "warm"}) {
    EXPECT_EQ(Head(tier, perm), "v1");
    ExpectValid(tier, perm);
  }
  auto events = LogEvents("migration");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["outcome"], "failure");
  const std::string reason = events[0]["detail"]["reason"];
  EXPECT_NE(reason.find("time"), std::string::npos) << reason;
  // No converter process is left behind (their command lines name the vault's work directory).
  int leftovers = 0;
  for (const auto& p : fs::directory_iterator("/proc")) {
    const std::string cmd = ReadFile(p.path() / "cmdline");
    if (cmd.find((home_ / "work").string()) != std::string::npos) ++leftovers;
  }
  EXPECT_EQ(leftovers, 0);
  json after = Ctl({"migrate", "plan", "--json"}).json();
  EXPECT_TRUE(after["items"].empty());
  bool held_back = false;
  for (const auto& s : after["skipped"]) held_back |= s["reason_code"] == "failed_before";
  EXPECT_TRUE(held_back) << after["skipped"].dump(1);
  json retry = Ctl({"migrate", "plan", "--json", "--retry-failed"}).json();
  EXPECT_EQ(retry["items"].size(), 1u);
}

}  // namespace
}  // namespace vault::testing
