// Materialisation of the lifecycle events (docs/RETENTION.md §3, §5) into catalog ops, one
// event at a time (MaterializeEvent + Catalog::Apply) and by log replay (ReplayLog) for objects
// the log destroys.
#include "vault/ingest/materialize.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/catalog/catalog_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/catalog/catalog.h"
#include "vault/log/event_log.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/mem_tier.h"

namespace vault::ingest {
namespace {

using catalog::Catalog;
using catalog::CopyRecord;
using catalog::FileRecord;
using catalog::ObjectRecord;
using catalog::WriteBatch;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const json kR10 = {{"rule", "1.2"}, {"kind", "years"}, {"years", 10}, {"maintenance", false},
                   {"end_year", 2010}, {"expiry", "2020-12-31"}, {"mode", "auto"},
                   {"language", "vi"},
                   {"schedule", {{"id", "tt-2023"}, {"version", 1}, {"sha256", std::string(64, 'c')}}},
                   {"source", "bag-info"}};
const json kR20 = {{"rule", "1.2"}, {"kind", "years"}, {"years", 20}, {"end_year", 2010},
                   {"expiry", "2030-12-31"}, {"source", "bag-info"}};
const json kPermanent = {{"rule", "1.1"}, {"kind", "permanent"}, {"expiry", nullptr}};

std::string TimeOf(uint64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "2026-03-01T10:%02u:00.000+07:00", static_cast<unsigned>(seq % 60));
  return buf;
}

eventlog::Event Ev(uint64_t seq, std::string type, std::string object, std::string agent,
                   json detail, std::string outcome = "success") {
  eventlog::Event e;
  e.seq = seq;
  e.time = TimeOf(seq);
  e.type = std::move(type);
  e.object = std::move(object);
  e.agent = std::move(agent);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return e;
}

ObjectRecord Obj(const std::string& id, uint64_t bytes) {
  ObjectRecord r = catalog::fixtures::MakeObject(id, bytes, 2);
  r.file_code = "000.06.16.G09.2010.01." + id;
  r.created = "2026-01-05T09:00:00.000+07:00";
  r.retention = "10y";
  r.retention_info = kR10;
  return r;
}

class MaterializeLifecycleTest : public catalog::fixtures::TempCatalogTest {
 protected:
  void SetUp() override {
    cat_ = OpenCatalog();
    ASSERT_TRUE(cat_);
    // Objects as an ingestion would leave them: record, files, a copy on hot and on warm.
    WriteBatch seed;
    uint64_t seq = 0;
    for (const char* id : {"obj-1", "obj-2", "obj-3"}) {
      ObjectRecord o = Obj(id, 300);
      o.ingest_seq = ++seq;
      seed.PutObject(o);
      seed.PutFile(FileRecord{id, "a.pdf", "v1/content/a.pdf", "a.pdf", std::string(64, 'a'), 100, "", "", "", "", ""});
      seed.PutFile(FileRecord{id, "b.pdf", "v1/content/b.pdf", "b.pdf", std::string(64, 'b'), 200, "", "", "", "", ""});
      seed.PutCopy(CopyRecord{id, "hot", "ok", "v1", 1000, 300});
      seed.PutCopy(CopyRecord{id, "warm", "ok", "v1", 2000, 300});
      seed.PutFingerprint(o.fingerprint, id);
      seed.IndexEvent(seq, id, "ingestion");
    }
    seed.SetLastAppliedSeq(seq);
    ASSERT_OK(cat_->Apply(seed));
  }

  // Materialises one event and applies its batch.
  void Apply(const eventlog::Event& e) {
    WriteBatch b;
    ASSERT_OK(MaterializeEvent(e, stores_, b));
    ASSERT_OK(cat_->Apply(b));
  }

  ObjectRecord Get(const std::string& id) { return catalog::fixtures::Get(*cat_, id); }
  bool Has(const std::string& id) { return catalog::fixtures::Has(*cat_, id); }
  std::optional<json> Record(const std::string& key) {
    return catalog::fixtures::Record(*cat_, key);
  }
  uint64_t Count(const std::string& prefix) { return catalog::fixtures::Count(*cat_, prefix); }
  std::vector<uint64_t> Events(const std::string& id) {
    auto v = cat_->ListObjectEvents(id);
    EXPECT_OK(v);
    return v.ok() ? *v : std::vector<uint64_t>{};
  }
  // The dump without the event index and last_applied_seq: the state the events act on.
  json State() {
    auto d = cat_->DumpRebuildable();
    EXPECT_OK(d);
    json j = d.ok() ? *d : json();
    j.erase("events");
    j.erase("object_events");
    j.erase("last_applied_seq");
    return j;
  }

  std::unique_ptr<Catalog> cat_;
  StoreMap stores_;  // no lifecycle event reads a store
};

TEST_F(MaterializeLifecycleTest, AFullDisposalStory) {
  const std::string kA = "batch-20260301-aaaa";
  const std::string kB = "batch-20260301-bbbb";
  auto listed = [](const std::string& id) {
    return json{{"id", id}, {"file_code", "000.06.16.G09.2010.01." + id},
                {"title", "Hồ sơ " + id}, {"rule", "1.2"}, {"expiry", "2020-12-31"}};
  };

  // The review sweep: due.
  for (uint64_t seq : {10u, 11u, 12u}) {
    std::string id = "obj-" + std::to_string(seq - 9);
    Apply(Ev(seq, "appraisal", id, "vaultd",
             {{"action", "due"}, {"rule", "1.2"}, {"expiry", "2020-12-31"}}));
    EXPECT_EQ(Get(id).review, "due");
    EXPECT_EQ(Get(id).batch, "");
    EXPECT_EQ(Record("review/" + id), (json{{"review", "due"}, {"batch", ""}}));
  }
  EXPECT_EQ(Count("review/"), 3u);
  EXPECT_EQ(*cat_->LastAppliedSeq(), 12u);

  // A hold, placed and released.
  Apply(Ev(13, "policy assignment", "obj-1", "alice",
           {{"action", "hold"}, {"hold", "hold-ab12"}, {"reason", "Thanh tra"},
            {"mandate", "QĐ 12/2026"}}));
  EXPECT_EQ(Record("hold/hold-ab12"),
            (json{{"hold", "hold-ab12"}, {"object", "obj-1"}, {"reason", "Thanh tra"},
                  {"mandate", "QĐ 12/2026"}, {"placed_by", "alice"}, {"placed", TimeOf(13)},
                  {"seq", 13}}));
  EXPECT_EQ(Get("obj-1").review, "due");  // a hold does not change the review state
  Apply(Ev(14, "policy assignment", "obj-1", "alice",
           {{"action", "release"}, {"hold", "hold-ab12"}, {"reason", "Xong"}}));
  EXPECT_FALSE(Record("hold/hold-ab12").has_value());
  EXPECT_EQ(Count("hold/"), 0u);
  EXPECT_EQ(Get("obj-1").review, "due");

  // Extension: the retention is replaced, the object leaves review.
  Apply(Ev(15, "policy assignment", "obj-3", "alice",
           {{"action", "extend"}, {"retention", kR20}, {"previous", kR10}, {"reason", "Còn giá trị"}}));
  {
    ObjectRecord o3 = Get("obj-3");
    EXPECT_EQ(o3.retention_info, kR20);
    EXPECT_EQ(o3.retention, "20y");
    EXPECT_EQ(o3.review, "");
    EXPECT_EQ(o3.batch, "");
    EXPECT_EQ(o3.bytes, 300u);
    EXPECT_EQ(o3.title, "Hồ sơ obj-3");
  }
  EXPECT_FALSE(Record("review/obj-3").has_value());

  // Batch A: proposed by alice.
  const json objects_a = json::array({listed("obj-1"), listed("obj-2")});
  Apply(Ev(16, "appraisal", "", "alice",
           {{"action", "propose"}, {"batch", kA}, {"reason", "Hết hạn"}, {"objects", objects_a}}));
  EXPECT_EQ(Record("batch/" + kA),
            (json{{"batch", kA}, {"state", "proposed"}, {"reason", "Hết hạn"},
                  {"objects", objects_a}, {"proposer", "alice"}, {"proposed", TimeOf(16)},
                  {"proposed_seq", 16}}));
  for (const char* id : {"obj-1", "obj-2"}) {
    EXPECT_EQ(Get(id).review, "proposed");
    EXPECT_EQ(Get(id).batch, kA);
    EXPECT_EQ(Record(std::string("review/") + id), (json{{"review", "proposed"}, {"batch", kA}}));
  }
  // A vault-wide event is in no object's history (MaterializeEvent indexes object events only).
  EXPECT_THAT(Events("obj-1"), ElementsAre(1u, 10u, 13u, 14u));

  // Approved by bob.
  Apply(Ev(17, "appraisal", "", "bob",
           {{"action", "approve"}, {"batch", kA}, {"decision", "QĐ 5/2026"},
            {"decision_date", "2026-03-01"}, {"deadline", "2026-03-16"},
            {"objects", {"obj-1", "obj-2"}}}));
  {
    json want = {{"batch", kA}, {"state", "approved"}, {"reason", "Hết hạn"},
                 {"objects", objects_a}, {"proposer", "alice"}, {"proposed", TimeOf(16)},
                 {"proposed_seq", 16}, {"approver", "bob"}, {"approved", TimeOf(17)},
                 {"decision", "QĐ 5/2026"}, {"decision_date", "2026-03-01"},
                 {"deadline", "2026-03-16"}, {"approved_seq", 17}};
    EXPECT_EQ(Record("batch/" + kA), want);
  }
  for (const char* id : {"obj-1", "obj-2"}) {
    EXPECT_EQ(Get(id).review, "approved");
    EXPECT_EQ(Get(id).batch, kA);
  }

  // obj-2 is extended while in the batch (it leaves it), then the batch is cancelled: only the
  // objects still in the batch go back to due.
  Apply(Ev(18, "policy assignment", "obj-2", "alice",
           {{"action", "extend"}, {"retention", kR20}, {"previous", kR10}, {"reason", "r"}}));
  EXPECT_EQ(Get("obj-2").review, "");
  EXPECT_EQ(Get("obj-2").batch, "");
  Apply(Ev(19, "appraisal", "", "bob",
           {{"action", "cancel"}, {"batch", kA}, {"reason", "Sai danh mục"},
            {"objects", {"obj-1", "obj-2"}}}));
  {
    auto a = Record("batch/" + kA);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ((*a)["state"], "cancelled");
    EXPECT_EQ((*a)["cancelled_by"], "bob");
    EXPECT_EQ((*a)["cancelled"], TimeOf(19));
    EXPECT_EQ((*a)["cancel_reason"], "Sai danh mục");
    EXPECT_EQ((*a)["approver"], "bob");  // the rest is kept
    EXPECT_EQ((*a)["objects"], objects_a);
  }
  EXPECT_EQ(Get("obj-1").review, "due");
  EXPECT_EQ(Get("obj-1").batch, "");
  EXPECT_EQ(Record("review/obj-1"), (json{{"review", "due"}, {"batch", ""}}));
  EXPECT_EQ(Get("obj-2").review, "");  // not put back in review: it had left the batch
  EXPECT_FALSE(Record("review/obj-2").has_value());
  EXPECT_EQ(Count("review/"), 1u);

  // Batch B with obj-1; the approval's list names obj-2 too, which is in no batch: untouched.
  const json objects_b = json::array({listed("obj-1")});
  Apply(Ev(20, "appraisal", "", "alice",
           {{"action", "propose"}, {"batch", kB}, {"reason", "Hết hạn"}, {"objects", objects_b}}));
  Apply(Ev(21, "appraisal", "", "bob",
           {{"action", "approve"}, {"batch", kB}, {"decision", "QĐ 6/2026"},
            {"decision_date", "2026-03-01"}, {"deadline", "2026-03-16"},
            {"objects", {"obj-1", "obj-2"}}}));
  EXPECT_EQ(Get("obj-1").review, "approved");
  EXPECT_EQ(Get("obj-1").batch, kB);
  EXPECT_EQ(Get("obj-2").review, "");
  EXPECT_EQ(Get("obj-2").batch, "");
  EXPECT_EQ((*Record("batch/" + kB))["state"], "approved");
  EXPECT_EQ((*Record("batch/" + kA))["state"], "cancelled");

  // Permanent.
  Apply(Ev(22, "policy assignment", "obj-3", "alice",
           {{"action", "permanent"}, {"retention", kPermanent}, {"previous", kR20}, {"reason", "r"}}));
  EXPECT_EQ(Get("obj-3").retention, "permanent");
  EXPECT_EQ(Get("obj-3").retention_info, kPermanent);

  // Execution: deaccession, a refused attempt on another object, deletion, executed.
  const json tomb = {{"id", "obj-1"}, {"file_code", "000.06.16.G09.2010.01.obj-1"},
                     {"title", "Hồ sơ obj-1"}, {"retention", kR10},
                     {"ingested", "2026-01-05T09:00:00.000+07:00"}, {"bytes", 300},
                     {"files", json::array({{{"path", "a.pdf"}, {"sha256", std::string(64, 'a')}, {"size", 100}},
                                            {{"path", "b.pdf"}, {"sha256", std::string(64, 'b')}, {"size", 200}}})},
                     {"batch", kB}, {"reason", "Hết hạn"}, {"decision", "QĐ 6/2026"},
                     {"decision_date", "2026-03-01"}, {"proposer", "alice"}, {"approver", "bob"}};
  Apply(Ev(23, "deaccession", "obj-1", "carol", {{"batch", kB}, {"tombstone", tomb}}));
  {
    json want = tomb;
    want["executor"] = "carol";
    want["started"] = TimeOf(23);
    want["destroyed"] = nullptr;
    EXPECT_EQ(Record("tombstone/obj-1"), want);
  }
  EXPECT_TRUE(Has("obj-1"));
  EXPECT_EQ(Get("obj-1").review, "destroying");
  EXPECT_EQ(Get("obj-1").batch, kB);
  EXPECT_EQ(Record("review/obj-1"), (json{{"review", "destroying"}, {"batch", kB}}));
  {
    auto b = Record("batch/" + kB);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ((*b)["state"], "executing");
    EXPECT_EQ((*b)["executor"], "carol");
    EXPECT_EQ((*b)["approver"], "bob");
  }

  const json before_refusal = State();
  Apply(Ev(24, "deletion", "obj-3", "dave",
           {{"rule", "disposal.not_approved"}, {"reason", "no batch"},
            {"via", "api DELETE /api/v1/objects/obj-3"}},
           "failure"));
  EXPECT_EQ(State(), before_refusal);
  EXPECT_THAT(Events("obj-3"), ElementsAre(3u, 12u, 15u, 22u, 24u));

  Apply(Ev(25, "deletion", "obj-1", "carol",
           {{"batch", kB}, {"tiers", {"hot", "warm"}}, {"verified_absent", true}}));
  EXPECT_FALSE(Has("obj-1"));
  EXPECT_THAT(*cat_->ListFiles("obj-1"), IsEmpty());
  EXPECT_THAT(*cat_->ListCopies("obj-1"), IsEmpty());
  EXPECT_FALSE(cat_->FindFingerprint("fp-obj-1")->has_value());
  EXPECT_FALSE(Record("review/obj-1").has_value());
  {
    json want = tomb;
    want["executor"] = "carol";
    want["started"] = TimeOf(23);
    want["destroyed"] = TimeOf(25);
    want["tiers"] = {"hot", "warm"};
    want["deletion_seq"] = 25;
    EXPECT_EQ(Record("tombstone/obj-1"), want);
  }
  {
    ASSERT_NO_FATAL_FAILURE(catalog::fixtures::ExpectTotals(*cat_, 2, 600, 4));
    auto ts = cat_->GetTierStats();
    ASSERT_OK(ts);
    EXPECT_EQ((*ts)["hot"].ok, 2u);
    EXPECT_EQ((*ts)["hot"].bytes, 600u);
    EXPECT_EQ((*ts)["warm"].ok, 2u);
    EXPECT_EQ(*cat_->CountVerifyQueueBefore("hot", INT64_MAX), 2u);
  }
  // Its history is kept.
  EXPECT_THAT(Events("obj-1"), ElementsAre(1u, 10u, 13u, 14u, 23u, 25u));

  Apply(Ev(26, "appraisal", "", "carol",
           {{"action", "executed"}, {"batch", kB}, {"objects", {"obj-1"}},
            {"record_sha256", std::string(64, 'd')}}));
  {
    auto b = Record("batch/" + kB);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ((*b)["state"], "executed");
    EXPECT_EQ((*b)["executed"], TimeOf(26));
    EXPECT_EQ((*b)["record_sha256"], std::string(64, 'd'));
    EXPECT_EQ((*b)["executor"], "carol");
    EXPECT_EQ((*b)["proposer"], "alice");
    EXPECT_EQ((*b)["approver"], "bob");
    EXPECT_EQ((*b)["decision"], "QĐ 6/2026");
    EXPECT_EQ((*b)["objects"], objects_b);
  }

  // Where it ends.
  EXPECT_EQ(Count("review/"), 0u);
  EXPECT_EQ(Count("hold/"), 0u);
  EXPECT_EQ(Count("batch/"), 2u);
  EXPECT_EQ(Count("tombstone/"), 1u);
  EXPECT_EQ(*cat_->LastAppliedSeq(), 26u);
  auto dump = cat_->DumpRebuildable();
  ASSERT_OK(dump);
  // Seeded ingestions + the object events among 10..26 (vault-wide ones are not indexed).
  std::vector<uint64_t> seqs;
  for (const auto& ev : (*dump)["events"]) seqs.push_back(ev["seq"].get<uint64_t>());
  EXPECT_THAT(seqs, ElementsAre(1u, 2u, 3u, 10u, 11u, 12u, 13u, 14u, 15u, 18u, 22u, 23u, 24u, 25u));
}

TEST_F(MaterializeLifecycleTest, FailedEventsChangeNothingButAreIndexed) {
  // Some lifecycle state to leave alone: obj-1 in a batch, a hold on obj-2.
  Apply(Ev(10, "appraisal", "obj-1", "vaultd", {{"action", "due"}}));
  Apply(Ev(11, "appraisal", "", "alice",
           {{"action", "propose"}, {"batch", "batch-x"}, {"objects", {{{"id", "obj-1"}}}}}));
  Apply(Ev(12, "policy assignment", "obj-2", "alice", {{"action", "hold"}, {"hold", "hold-1"}}));
  const json before = State();
  ASSERT_EQ(before["lifecycle"].size(), 3u);

  const json refusal = {{"rule", "disposal.state"}, {"reason", "no"}, {"via", "api"}};
  auto with = [&](json extra) {
    json d = refusal;
    d.update(extra);
    return d;
  };
  std::vector<eventlog::Event> failed = {
      Ev(13, "appraisal", "obj-2", "vaultd", with({{"action", "due"}}), "failure"),
      Ev(14, "policy assignment", "obj-1", "alice",
         with({{"action", "hold"}, {"hold", "hold-2"}}), "failure"),
      Ev(15, "policy assignment", "obj-2", "alice",
         with({{"action", "release"}, {"hold", "hold-1"}}), "failure"),
      Ev(16, "policy assignment", "obj-1", "alice",
         with({{"action", "extend"}, {"retention", kR20}}), "failure"),
      Ev(17, "appraisal", "", "alice",
         with({{"action", "propose"}, {"batch", "batch-y"}, {"objects", {{{"id", "obj-3"}}}}}),
         "failure"),
      Ev(18, "appraisal", "", "alice",
         with({{"action", "approve"}, {"batch", "batch-x"}, {"objects", {"obj-1"}}}), "failure"),
      Ev(19, "appraisal", "", "bob",
         with({{"action", "cancel"}, {"batch", "batch-x"}, {"objects", {"obj-1"}}}), "failure"),
      Ev(20, "deaccession", "obj-1", "carol",
         with({{"batch", "batch-x"}, {"tombstone", {{"id", "obj-1"}}}}), "failure"),
      Ev(21, "deletion", "obj-1", "carol", with({{"batch", "batch-x"}, {"tiers", {"hot"}}}),
         "failure"),
      Ev(22, "appraisal", "", "carol", with({{"action", "executed"}, {"batch", "batch-x"}}),
         "failure"),
      // A success whose detail is not an object: nothing to materialise either.
      Ev(23, "deletion", "obj-2", "carol", json("gone"), "success"),
  };
  for (const auto& e : failed) {
    Apply(e);
    EXPECT_EQ(State(), before) << "event " << e.seq << " (" << e.type << ") changed the state";
  }
  EXPECT_TRUE(Has("obj-1"));
  EXPECT_TRUE(Has("obj-2"));
  EXPECT_EQ(Get("obj-1").review, "proposed");
  EXPECT_FALSE(Record("tombstone/obj-1").has_value());
  // Every one about an object is indexed.
  EXPECT_THAT(Events("obj-1"), ElementsAre(1u, 10u, 14u, 16u, 20u, 21u));
  EXPECT_THAT(Events("obj-2"), ElementsAre(2u, 12u, 13u, 15u, 23u));
  auto dump = cat_->DumpRebuildable();
  ASSERT_OK(dump);
  std::vector<uint64_t> seqs;
  for (const auto& ev : (*dump)["events"]) seqs.push_back(ev["seq"].get<uint64_t>());
  EXPECT_THAT(seqs, ElementsAre(1u, 2u, 3u, 10u, 12u, 13u, 14u, 15u, 16u, 20u, 21u, 23u));
  EXPECT_EQ((*dump)["events"].back(), (json{{"seq", 23}, {"object", "obj-2"}, {"type", "deletion"}}));
  EXPECT_EQ((*dump)["last_applied_seq"], 23);
}

TEST_F(MaterializeLifecycleTest, IngestionOfADestroyedObjectComesFromTheEventAlone) {
  const json detail = {{"tier", "hot"}, {"file_code", "F-9"}, {"title", "Hồ sơ 9"},
                       {"package", "pkg-9"}, {"fingerprint", "fp-obj-9"}, {"version", "v1"},
                       {"retention", kR10}};
  const eventlog::Event e = Ev(40, "ingestion", "obj-9", "inbox", detail);
  // Not destroyed: the tier is unknown (no store) → kNotFound, nothing materialised.
  {
    WriteBatch b;
    Status s = MaterializeEvent(e, stores_, b);
    EXPECT_EQ(s.code(), Code::kNotFound) << s.ToString();
  }
  const std::set<std::string> destroyed = {"obj-9"};
  WriteBatch b;
  ASSERT_OK(MaterializeEvent(e, stores_, b, &destroyed));
  ASSERT_OK(cat_->Apply(b));
  ObjectRecord o = Get("obj-9");
  EXPECT_EQ(o.file_code, "F-9");
  EXPECT_EQ(o.title, "Hồ sơ 9");
  EXPECT_EQ(o.package, "pkg-9");
  EXPECT_EQ(o.head_version, "v1");
  EXPECT_EQ(o.created, TimeOf(40));
  EXPECT_EQ(o.retention, "10y");
  EXPECT_EQ(o.retention_info, kR10);
  EXPECT_EQ(o.ingest_seq, 40u);
  EXPECT_EQ(o.bytes, 0u);
  EXPECT_EQ(o.files, 0u);
  EXPECT_THAT(*cat_->ListFiles("obj-9"), IsEmpty());
  EXPECT_THAT(*cat_->ListCopies("obj-9"), IsEmpty());
  EXPECT_EQ(cat_->FindFingerprint("fp-obj-9")->value_or(""), "obj-9");
  EXPECT_THAT(Events("obj-9"), ElementsAre(40u));
}

// ---- ReplayLog ----

class FakeClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::milliseconds(1'795'000'000'000LL + 1000 * ticks_++));
  }

 private:
  mutable std::atomic<int64_t> ticks_{0};
};

class ReplayDestroyedTest : public catalog::fixtures::TempCatalogTest {
 protected:
  void SetUp() override {
    auto s = store::OcflStore::Open(hot_);
    ASSERT_OK(s);
    store_ = std::move(s).value();
    stores_.emplace("hot", store_.get());
    cat_ = OpenCatalog();
    ASSERT_TRUE(cat_);
  }

  static eventlog::EventDraft Draft(std::string type, std::string object, std::string agent,
                                    json detail) {
    return eventlog::EventDraft{std::move(type), std::move(object), std::move(agent), "success",
                                std::move(detail)};
  }

  // The life of obj-x up to its deaccession (its content is on no tier: the hot store never
  // held it, as after a destruction), with `fillers` vault-wide events in between.
  std::vector<eventlog::EventDraft> Story(int fillers) {
    std::vector<eventlog::EventDraft> d;
    d.push_back(Draft("ingestion", "obj-x", "inbox",
                      {{"tier", "hot"}, {"file_code", "F-X"}, {"title", "Hồ sơ X"},
                       {"fingerprint", "fp-x"}, {"version", "v1"}, {"package", "pkg-x"},
                       {"retention", kR10}, {"inventory_sha256", std::string(64, 'e')}}));
    d.push_back(Draft("appraisal", "obj-x", "vaultd", {{"action", "due"}, {"rule", "1.2"}}));
    for (int i = 0; i < fillers; ++i) d.push_back(Draft("fixity check", "", "vaultd", {{"cycle", i}}));
    d.push_back(Draft("appraisal", "", "alice",
                      {{"action", "propose"}, {"batch", "batch-x"}, {"reason", "Hết hạn"},
                       {"objects", {{{"id", "obj-x"}, {"file_code", "F-X"}}}}}));
    d.push_back(Draft("appraisal", "", "bob",
                      {{"action", "approve"}, {"batch", "batch-x"}, {"decision", "QĐ 1"},
                       {"decision_date", "2026-03-01"}, {"deadline", "2026-03-16"},
                       {"objects", {"obj-x"}}}));
    d.push_back(Draft("deaccession", "obj-x", "carol",
                      {{"batch", "batch-x"},
                       {"tombstone", {{"id", "obj-x"}, {"file_code", "F-X"}, {"title", "Hồ sơ X"}}}}));
    return d;
  }

  Result<std::unique_ptr<eventlog::EventLog>> OpenLog() {
    return eventlog::EventLog::Open(dir_.path() / "log", clock_);
  }

  FakeClock clock_;
  tiers::MemTier hot_{"hot"};
  std::unique_ptr<store::OcflStore> store_;
  StoreMap stores_;
  std::unique_ptr<Catalog> cat_;
};

TEST_F(ReplayDestroyedTest, ADestroyedObjectReplaysToATombstone) {
  auto log = OpenLog();
  ASSERT_OK(log);
  std::vector<eventlog::EventDraft> drafts = Story(300);  // ingestion and deletion 2 batches apart
  drafts.push_back(Draft("deletion", "obj-x", "carol",
                         {{"batch", "batch-x"}, {"tiers", {"hot"}}, {"verified_absent", true}}));
  drafts.push_back(Draft("appraisal", "", "carol",
                         {{"action", "executed"}, {"batch", "batch-x"}, {"objects", {"obj-x"}},
                          {"record_sha256", std::string(64, 'f')}}));
  auto written = (*log)->Append(std::move(drafts));
  ASSERT_OK(written);
  const auto& events = *written;
  const eventlog::Event& deletion = events[events.size() - 2];
  ASSERT_EQ(deletion.type, "deletion");

  auto applied = ReplayLog(**log, stores_, *cat_);
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, events.size());
  EXPECT_EQ(*cat_->LastAppliedSeq(), events.back().seq);

  auto o = cat_->GetObject("obj-x");
  ASSERT_OK(o);
  EXPECT_FALSE(o->has_value());
  EXPECT_FALSE(cat_->FindFingerprint("fp-x")->has_value());
  EXPECT_THAT(*cat_->ListFiles("obj-x"), IsEmpty());
  EXPECT_THAT(*cat_->ListCopies("obj-x"), IsEmpty());
  auto tomb = cat_->GetRecord("tombstone/obj-x");
  ASSERT_OK(tomb);
  ASSERT_TRUE(tomb->has_value());
  EXPECT_EQ((**tomb)["destroyed"], deletion.time);
  EXPECT_EQ((**tomb)["tiers"], json::array({"hot"}));
  EXPECT_EQ((**tomb)["deletion_seq"], deletion.seq);
  EXPECT_EQ((**tomb)["executor"], "carol");
  EXPECT_EQ((**tomb)["file_code"], "F-X");
  auto batch = cat_->GetRecord("batch/batch-x");
  ASSERT_OK(batch);
  ASSERT_TRUE(batch->has_value());
  EXPECT_EQ((**batch)["state"], "executed");
  EXPECT_EQ((**batch)["approver"], "bob");
  EXPECT_EQ(*cat_->CountRecords("review/"), 0u);
  ASSERT_NO_FATAL_FAILURE(catalog::fixtures::ExpectTotals(*cat_, 0, 0, 0));
  EXPECT_THAT(*cat_->GetTierStats(), IsEmpty());
  // The object's whole history is indexed: ingestion, due, deaccession, deletion.
  auto hist = cat_->ListObjectEvents("obj-x");
  ASSERT_OK(hist);
  EXPECT_THAT(*hist, ElementsAre(1u, 2u, events.size() - 2, events.size() - 1));

  // Replaying again from where it stopped applies nothing more.
  auto again = ReplayLog(**log, stores_, *cat_);
  ASSERT_OK(again);
  EXPECT_EQ(*again, 0u);
}

TEST_F(ReplayDestroyedTest, WithoutTheDeletionTheIngestionOfAnAbsentObjectFails) {
  auto log = OpenLog();
  ASSERT_OK(log);
  ASSERT_OK((*log)->Append(Story(3)));
  auto applied = ReplayLog(**log, stores_, *cat_);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), Code::kNotFound) << applied.status().ToString();
  // Nothing was applied: the catalog does not claim what no tier holds.
  EXPECT_FALSE(cat_->GetObject("obj-x")->has_value());
  EXPECT_EQ(*cat_->LastAppliedSeq(), 0u);
  EXPECT_EQ(*cat_->CountRecords(""), 0u);

  // Same with no store at all for the tier the event names.
  StoreMap none;
  auto applied2 = ReplayLog(**log, none, *cat_);
  ASSERT_FALSE(applied2.ok());
  EXPECT_EQ(applied2.status().code(), Code::kNotFound) << applied2.status().ToString();
  EXPECT_EQ(*cat_->LastAppliedSeq(), 0u);
}

TEST_F(ReplayDestroyedTest, AFailedDeletionDoesNotCountAsDestroyed) {
  auto log = OpenLog();
  ASSERT_OK(log);
  std::vector<eventlog::EventDraft> drafts = Story(0);
  drafts.push_back(eventlog::EventDraft{"deletion", "obj-x", "carol", "failure",
                                        {{"rule", "disposal.on_hold"}, {"reason", "held"}}});
  ASSERT_OK((*log)->Append(std::move(drafts)));
  auto applied = ReplayLog(**log, stores_, *cat_);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), Code::kNotFound) << applied.status().ToString();
}

}  // namespace
}  // namespace vault::ingest
