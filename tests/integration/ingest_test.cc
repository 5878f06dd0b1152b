// End-to-end ingest through the real vaultd and vaultctl.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "formats/mets/aip.h"
#include "formats/mets/schemas.h"
#include "formats/ocfl/validator.h"
#include "tests/integration/harness.h"
#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/catalog/catalog.h"
#include "vault/log/event_log.h"
#include "vault/clib/crypto.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class IngestTest : public DaemonTest {
 protected:
  CmdResult Ingest(const fs::path& p) {
    return Vaultctl({"--root", home_.string(), "ingest", p.string(), "--wait", "--json"});
  }
  fs::path hot() const { return home_ / "tiers" / "hot"; }

};

TEST_F(IngestTest, DirectoryBagIsStoredAsValidOcflWithAip) {
  fs::path bag = tmp_ / "bag1";
  MakeBag(bag, {{"a.txt", "hello"}, {"sub/b.bin", std::string(300000, 'b')}},
          {{"File-Code", "000.06.16.G09.2010.01.TH"}, {"Title", "Hồ sơ thử nghiệm"}});
  auto r = Ingest(bag);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = r.json();
  ASSERT_EQ(j["status"], "accepted") << r.out;
  std::string id = j["object_id"];
  EXPECT_EQ(id.rfind("urn:uuid:", 0), 0u);
  EXPECT_TRUE(fs::exists(bag / "data/a.txt")) << "the source must not be touched";

  auto list = Vaultctl({"--root", home_.string(), "objects", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0);
  json objs = list.json();
  ASSERT_EQ(objs.size(), 1u);
  EXPECT_EQ(objs[0]["id"], id);
  EXPECT_EQ(objs[0]["file_code"], "000.06.16.G09.2010.01.TH");
  EXPECT_EQ(objs[0]["title"], "Hồ sơ thử nghiệm");
  EXPECT_EQ(objs[0]["state"], "active");
  // The ingest tier's copy at once; the second (replication, after the receipt) may be there too.
  ASSERT_GE(objs[0]["copies"].size(), 1u);
  EXPECT_EQ(objs[0]["copies"][0]["tier"], "hot");
  EXPECT_EQ(objs[0]["copies"][0]["state"], "ok");
  for (const char* k : {"retention"}) EXPECT_TRUE(objs[0].contains(k));

  auto show = Vaultctl({"--root", home_.string(), "objects", "show", id, "--json"});
  ASSERT_EQ(show.exit_code, 0);
  json shown = show.json();
  std::set<std::string> paths;
  for (auto& f : shown["files_list"]) paths.insert(f["path"]);
  for (const char* p : {"METS.xml", "metadata/preservation/premis.xml",
                        "representations/rep1/data/a.txt", "representations/rep1/data/sub/b.bin",
                        "submission/bagit.txt", "submission/bag-info.txt",
                        "submission/manifest-sha256.txt"}) {
    EXPECT_TRUE(paths.count(p)) << p;
  }

  auto v = ocfl::ValidateStorageRoot(hot());
  ASSERT_OK(v);
  EXPECT_TRUE(v->valid) << ocfl::ReportToJson(*v).dump(2);
  EXPECT_EQ(v->objects_checked, 1);
  auto cli = Vaultctl({"ocfl", "validate", hot().string(), "--json"});
  EXPECT_EQ(cli.exit_code, 0) << cli.out;

  // The replica is valid once replication has finished (a copy in progress is files without
  // their root inventory yet).
  ASSERT_TRUE(WaitFor([&] {
    auto shown_now = Vaultctl({"--root", home_.string(), "objects", "show", id, "--json"});
    return shown_now.json().value("copies", json::array()).size() == 2;
  }, 60));
  auto warm = ocfl::ValidateStorageRoot(home_ / "tiers" / "warm");
  ASSERT_OK(warm);
  EXPECT_TRUE(warm->valid) << ocfl::ReportToJson(*warm).dump(2);

  auto ver = Vaultctl({"--root", home_.string(), "verify", id, "--json"});
  EXPECT_EQ(ver.exit_code, 0) << ver.out;
  EXPECT_TRUE(fs::exists(home_ / "receipts" / (id.substr(9) + ".json")));

  // The log holds validation + ingestion for the object, and its hash chain verifies.
  auto breaks = eventlog::EventLog::VerifyChain(home_ / "log");
  ASSERT_OK(breaks);
  EXPECT_TRUE(breaks->empty());

  // The AIP's METS and PREMIS, as stored, are valid against METS 1.12.1 and PREMIS 3.
  auto corpora = CorporaDir();
  if (!corpora) {
    GTEST_SKIP() << "corpora not found (VAULT_CORPORA): METS/PREMIS schema check skipped";
  }
  auto schema_files = mets::FindSchemaFiles(*corpora);
  ASSERT_OK(schema_files);
  auto mets_schema = mets::LoadMetsSchema(*schema_files);
  auto premis_schema = mets::LoadPremisSchema(*schema_files);
  ASSERT_OK(mets_schema);
  ASSERT_OK(premis_schema);
  int checked = 0;
  for (auto& e : fs::recursive_directory_iterator(hot())) {
    std::string name = e.path().filename().string();
    if (name == "METS.xml" || name == "premis.xml") {
      auto& schema = name == "METS.xml" ? *mets_schema : *premis_schema;
      auto errors = schema->Validate(ReadFile(e.path()));
      ASSERT_OK(errors);
      EXPECT_TRUE(errors->empty()) << name << ": " << (errors->empty() ? "" : errors->front());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
  EXPECT_EQ(CountEntries(home_ / "staging"), 0u);
}

TEST_F(IngestTest, VietnameseNfdAndNfcNamesRoundTrip) {
  const std::string nfc_name = "Tài liệu/Quyết định số 01.txt";
  const std::string nfd_name = *ToNfd("Hồ sơ/Biên bản họp.txt");
  ASSERT_NE(nfd_name, *ToNfc(nfd_name));
  fs::path bag = tmp_ / "bag-vn";
  MakeBag(bag, {{nfc_name, "nội dung 1"}, {nfd_name, "nội dung 2"}});
  auto r = Ingest(bag);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string id = r.json()["object_id"];
  auto show = Vaultctl({"--root", home_.string(), "objects", "show", id, "--json"});
  json shown = show.json();
  std::map<std::string, json> by_path;
  for (auto& f : shown["files_list"]) by_path[f["path"]] = f;
  std::string nfc_of_nfd = "representations/rep1/data/" + *ToNfc(nfd_name);
  ASSERT_TRUE(by_path.count("representations/rep1/data/" + nfc_name));
  ASSERT_TRUE(by_path.count(nfc_of_nfd)) << show.out;
  // Stored logical names are NFC; the names as submitted are kept byte for byte.
  EXPECT_EQ(by_path[nfc_of_nfd]["original_name"], "data/" + nfd_name);
  EXPECT_EQ(by_path["representations/rep1/data/" + nfc_name]["original_name"], "data/" + nfc_name);

  // The payload bytes in storage match the source.
  std::string content = by_path[nfc_of_nfd]["content_path"];
  bool found = false;
  for (auto& e : fs::recursive_directory_iterator(hot())) {
    std::string rel = e.path().string();
    if (rel.size() > content.size() && rel.compare(rel.size() - content.size(), content.size(), content) == 0) {
      EXPECT_EQ(ReadFile(e.path()), "nội dung 2");
      found = true;
    }
  }
  EXPECT_TRUE(found);

  // PREMIS in storage carries the original (NFD) name.
  std::string premis_cp = by_path["metadata/preservation/premis.xml"]["content_path"];
  for (auto& e : fs::recursive_directory_iterator(hot())) {
    std::string s = e.path().string();
    if (s.size() > premis_cp.size() && s.compare(s.size() - premis_cp.size(), premis_cp.size(), premis_cp) == 0) {
      auto aip = mets::ReadPremis(ReadFile(e.path()));
      ASSERT_OK(aip);
      bool seen = false;
      for (auto& f : aip->files) {
        if (f.path == nfc_of_nfd) {
          EXPECT_EQ(f.original_name, "data/" + nfd_name);
          seen = true;
        }
      }
      EXPECT_TRUE(seen);
    }
  }
}

TEST_F(IngestTest, ArchivesThroughInboxAndCli) {
  fs::path bag = tmp_ / "bag-zip";
  MakeBag(bag, {{"x.txt", "zip payload"}});
  Zip(bag, tmp_ / "pkg.zip");
  auto r = Ingest(tmp_ / "pkg.zip");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(tmp_ / "pkg.zip"));

  fs::path bag2 = tmp_ / "bag-tgz";
  MakeBag(bag2, {{"y.txt", "tar payload"}});
  TarGz(bag2, tmp_ / "pkg.tar.gz");
  // Dropped into the inbox atomically (rename): ingested and consumed.
  fs::rename(tmp_ / "pkg.tar.gz", home_ / "inbox" / "pkg.tar.gz");
  ASSERT_TRUE(WaitFor([&] {
    auto l = Vaultctl({"--root", home_.string(), "objects", "list", "--json"});
    return l.json().size() == 2 && CountEntries(home_ / "inbox") == 0;
  }, 30)) << daemon_->stderr_text();
  EXPECT_EQ(CountEntries(home_ / "quarantine"), 0u);
  EXPECT_EQ(CountEntries(home_ / "receipts"), 2u);
}

TEST_F(IngestTest, DuplicatePayloadIsRejectedNamingTheObject) {
  fs::path bag = tmp_ / "dup";
  MakeBag(bag, {{"same.txt", "same bytes"}});
  auto first = Ingest(bag);
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto second = Ingest(bag);
  EXPECT_EQ(second.exit_code, 1) << second.out;
  json j = second.json();
  EXPECT_EQ(j["status"], "rejected");
  EXPECT_EQ(j["reason"]["rule"], "ingest.duplicate");
  EXPECT_NE(j["reason"]["message"].get<std::string>().find(first.json()["object_id"].get<std::string>()),
            std::string::npos);
}

TEST_F(IngestTest, InvalidBagInInboxGoesToQuarantineUntouched) {
  fs::path bag = tmp_ / "broken";
  MakeBag(bag, {{"f.txt", "original"}});
  WriteFile(bag / "data/f.txt", "tampered");  // digest no longer matches
  fs::path staged = tmp_ / "broken.tar.gz";
  TarGz(bag, staged);
  std::string before = Sha256Hex(ReadFile(staged));
  fs::rename(staged, home_ / "inbox" / "broken.tar.gz");
  // The job directory is removed last, after the package and reason.json are in quarantine.
  ASSERT_TRUE(WaitFor([&] { return CountEntries(home_ / "quarantine") == 1 &&
                                   CountEntries(home_ / "inbox") == 0 &&
                                   CountEntries(home_ / "staging") == 0; }, 30));
  fs::path q = fs::directory_iterator(home_ / "quarantine")->path();
  EXPECT_EQ(Sha256Hex(ReadFile(q / "broken.tar.gz")), before) << "quarantined package must be untouched";
  json reason = json::parse(ReadFile(q / "reason.json"));
  EXPECT_EQ(reason["rule"], "bagit.manifest.digest_mismatch") << reason.dump(2);
  EXPECT_NE(reason["path"].get<std::string>().find("data/f.txt"), std::string::npos);
  EXPECT_EQ(daemon_->Get("/healthz").first, 200);
}

TEST_F(IngestTest, CatalogRebuildEqualsOriginal) {
  for (int i = 0; i < 4; ++i) {
    fs::path bag = tmp_ / ("rb" + std::to_string(i));
    MakeBag(bag, {{"f" + std::to_string(i) + ".txt", "payload " + std::to_string(i)},
                  {"Thư mục/ghi chú.txt", "x" + std::to_string(i)}},
            {{"Title", "Hồ sơ " + std::to_string(i)}});
    ASSERT_EQ(Ingest(bag).exit_code, 0);
  }
  fs::path bad = tmp_ / "rb-bad";
  MakeBag(bad, {{"f.txt", "a"}});
  WriteFile(bad / "data/extra.txt", "not in manifest");
  EXPECT_EQ(Ingest(bad).exit_code, 1);
  daemon_->Terminate();

  json before;
  {
    auto c = catalog::Catalog::Open(home_ / "catalog");
    ASSERT_OK(c);
    auto d = (*c)->DumpRebuildable();
    ASSERT_OK(d);
    before = *d;
  }
  auto r = Vaultctl({"--root", home_.string(), "catalog", "rebuild", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.json()["objects"], 4);
  auto c = catalog::Catalog::Open(home_ / "catalog");
  ASSERT_OK(c);
  auto after = (*c)->DumpRebuildable();
  ASSERT_OK(after);
  EXPECT_EQ(*after, before);
  EXPECT_EQ(before["objects"].size(), 4u) << before.dump().substr(0, 500);
}

TEST_F(IngestTest, ApiRequiresTokenAndRefusesSecondDaemon) {
  Daemon second(home_);
  EXPECT_FALSE(second.Start({}, 10));
  EXPECT_TRUE(WIFEXITED(second.exit_status()));
  EXPECT_NE(second.stderr_text().find("in use by another process"), std::string::npos);

  std::string api = ReadFile(home_ / "run" / "api");
  auto r = Vaultctl({"--server", api.substr(0, api.size() - 1), "--token-file", "/dev/null", "status"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(Vaultctl({"--root", home_.string(), "status", "--json"}).exit_code, 0);
  auto m = daemon_->Get("/metrics");
  EXPECT_EQ(m.first, 200);
  EXPECT_NE(m.second.find("vault_ingest_packages_total"), std::string::npos);
}

}  // namespace
}  // namespace vault::testing

namespace vault::testing {
namespace {

TEST_F(IngestTest, SigtermFinishesTheIngestInFlight) {
  fs::path bag = tmp_ / "big";
  std::map<std::string, std::string> files;
  for (int i = 0; i < 60; ++i) files["f" + std::to_string(i) + ".bin"] = std::string(2 << 20, static_cast<char>(i));
  MakeBag(bag, files);
  fs::rename(bag, home_ / "inbox" / "big");
  ASSERT_TRUE(WaitFor([&] { return CountEntries(home_ / "staging") > 0 ||
                                   CountEntries(home_ / "receipts") > 0; }, 30));
  daemon_->Terminate();
  EXPECT_TRUE(WIFEXITED(daemon_->exit_status()) && WEXITSTATUS(daemon_->exit_status()) == 0)
      << daemon_->stderr_text();
  EXPECT_EQ(CountEntries(home_ / "receipts"), 1u) << "the job in flight must be finished";
  EXPECT_EQ(CountEntries(home_ / "staging"), 0u);
  EXPECT_EQ(CountEntries(home_ / "inbox"), 0u);
  EXPECT_FALSE(fs::exists(home_ / "run" / "api"));
  auto v = ocfl::ValidateStorageRoot(hot());
  ASSERT_OK(v);
  EXPECT_TRUE(v->valid);
  EXPECT_EQ(v->objects_checked, 1);
}

}  // namespace
}  // namespace vault::testing

namespace vault::testing {
namespace {

TEST_F(IngestTest, ApiRefusesPackagesInsideTheVault) {
  auto r = Vaultctl({"--root", home_.string(), "ingest", (home_ / "staging").string(), "--wait"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("inside the vault"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vault::testing

namespace vault::testing {
namespace {

TEST(InboxSettleTest, PackageWrittenInPlaceIsTakenOnceUnchanged) {
  TempDir tmp;
  fs::path home = tmp / "vault";
  ASSERT_EQ(Vaultctl({"init", home.string()}).exit_code, 0);
  std::string cfg = ReadFile(home / "vault.toml");
  auto pos = cfg.find("settle_seconds = 5.0");
  ASSERT_NE(pos, std::string::npos);
  cfg.replace(pos, std::string("settle_seconds = 5.0").size(), "settle_seconds = 1.0");
  WriteFile(home / "vault.toml", cfg);
  Daemon d(home);
  ASSERT_TRUE(d.Start());
  fs::path bag = tmp / "inplace";
  MakeBag(bag, {{"a.txt", "written in place"}});
  fs::path tgz = tmp / "inplace.tar.gz";
  TarGz(bag, tgz);
  std::string bytes = ReadFile(tgz);
  // Written in place in two halves, 0.5 s apart: not taken before it stops changing.
  {
    std::ofstream f(home / "inbox" / "inplace.tar.gz", std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    f.flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_TRUE(fs::exists(home / "inbox" / "inplace.tar.gz")) << "taken before it settled";
    f.write(bytes.data() + bytes.size() / 2,
            static_cast<std::streamsize>(bytes.size() - bytes.size() / 2));
  }
  ASSERT_TRUE(WaitFor([&] { return CountEntries(home / "receipts") == 1 &&
                                   CountEntries(home / "inbox") == 0; }, 30))
      << d.stderr_text();
  EXPECT_EQ(CountEntries(home / "quarantine"), 0u);
  d.Terminate();
}

}  // namespace
}  // namespace vault::testing
