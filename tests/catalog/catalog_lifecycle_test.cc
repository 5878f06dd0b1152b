// Schema 3 of the catalog (docs/RETENTION.md §3, §5): object patches and the review index,
// object deletion, lifecycle records, the 2 → 3 migration and the rebuildable dump.
#include <climits>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/catalog/catalog_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/catalog/catalog.h"
#include "vault/clib/crypto.h"
#include "vault/clib/lmdb.h"

namespace vault::catalog {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using fixtures::Count;
using fixtures::File;
using fixtures::Get;
using fixtures::Has;
using fixtures::Keys;
using fixtures::QueueIds;
using fixtures::Record;

ObjectRecord Obj(const std::string& id, uint64_t bytes = 100, uint64_t files = 2) {
  ObjectRecord r = fixtures::MakeObject(id, bytes, files);
  r.retention = "10y";
  r.retention_info = json{{"rule", "1.2"}, {"kind", "years"}, {"years", 10},
                          {"expiry", "2020-12-31"}};
  return r;
}

CopyRecord Copy(const std::string& object_id, const std::string& tier, std::string state,
                int64_t verified, uint64_t bytes) {
  return CopyRecord{object_id, tier, std::move(state), "v1", verified, bytes};
}

using CatalogLifecycleTest = fixtures::TempCatalogTest;

// ---- PatchObject ----

TEST_F(CatalogLifecycleTest, PatchObjectSetsTopLevelFieldsOnly) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch seed;
  seed.PutObject(Obj("obj-a", 300, 3));
  seed.PutObject(Obj("obj-b", 50, 1));
  ASSERT_OK(cat->Apply(seed));

  const json new_info = {{"rule", "2.7"}, {"kind", "years"}, {"years", 20},
                         {"expiry", "2030-12-31"}, {"source", "default"}};
  WriteBatch p;
  p.PatchObject("obj-a", {{"retention_info", new_info}, {"retention", "20y"}, {"review", "due"},
                          {"title", "Hồ sơ mới"}});
  ASSERT_OK(cat->Apply(p));

  ObjectRecord want = Obj("obj-a", 300, 3);
  want.retention_info = new_info;
  want.retention = "20y";
  want.review = "due";
  want.title = "Hồ sơ mới";
  EXPECT_EQ(ToJson(Get(*cat, "obj-a")), ToJson(want));
  // The other object is untouched; stats did not move.
  EXPECT_EQ(ToJson(Get(*cat, "obj-b")), ToJson(Obj("obj-b", 50, 1)));
  ASSERT_NO_FATAL_FAILURE(fixtures::ExpectTotals(*cat, 2, 350, 4));

  // retention_info is replaced as a whole (top-level field), not merged.
  WriteBatch p2;
  p2.PatchObject("obj-a", {{"retention_info", {{"kind", "permanent"}}}});
  ASSERT_OK(cat->Apply(p2));
  EXPECT_EQ(Get(*cat, "obj-a").retention_info, (json{{"kind", "permanent"}}));
  EXPECT_EQ(Get(*cat, "obj-a").retention, "20y");  // not patched: kept
}

TEST_F(CatalogLifecycleTest, PatchObjectWithExpectBatchOnlyWhenStillInThatBatch) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  ObjectRecord in_b1 = Obj("obj-1");
  in_b1.review = "proposed";
  in_b1.batch = "batch-1";
  ObjectRecord in_none = Obj("obj-2");
  in_none.review = "due";
  WriteBatch seed;
  seed.PutObject(in_b1);
  seed.PutObject(in_none);
  ASSERT_OK(cat->Apply(seed));
  EXPECT_EQ(Record(*cat, "review/obj-1"), (json{{"review", "proposed"}, {"batch", "batch-1"}}));

  // A different batch: nothing changes, neither the record nor the review index.
  WriteBatch wrong;
  wrong.PatchObject("obj-1", {{"review", "approved"}}, "batch-2");
  wrong.PatchObject("obj-2", {{"review", "approved"}}, "batch-1");  // in no batch at all
  ASSERT_OK(cat->Apply(wrong));
  EXPECT_EQ(ToJson(Get(*cat, "obj-1")), ToJson(in_b1));
  EXPECT_EQ(ToJson(Get(*cat, "obj-2")), ToJson(in_none));
  EXPECT_EQ(Record(*cat, "review/obj-1"), (json{{"review", "proposed"}, {"batch", "batch-1"}}));
  EXPECT_EQ(Record(*cat, "review/obj-2"), (json{{"review", "due"}, {"batch", ""}}));

  // The right batch: applied.
  WriteBatch right;
  right.PatchObject("obj-1", {{"review", "approved"}}, "batch-1");
  ASSERT_OK(cat->Apply(right));
  EXPECT_EQ(Get(*cat, "obj-1").review, "approved");
  EXPECT_EQ(Get(*cat, "obj-1").batch, "batch-1");
  EXPECT_EQ(Record(*cat, "review/obj-1"), (json{{"review", "approved"}, {"batch", "batch-1"}}));

  // Leaving the batch; a later patch expecting it is then skipped.
  WriteBatch leave;
  leave.PatchObject("obj-1", {{"review", "due"}, {"batch", ""}}, "batch-1");
  leave.PatchObject("obj-1", {{"review", "destroying"}}, "batch-1");
  ASSERT_OK(cat->Apply(leave));
  EXPECT_EQ(Get(*cat, "obj-1").review, "due");
  EXPECT_EQ(Get(*cat, "obj-1").batch, "");
  EXPECT_EQ(Record(*cat, "review/obj-1"), (json{{"review", "due"}, {"batch", ""}}));
}

TEST_F(CatalogLifecycleTest, PatchObjectOfAnAbsentObjectIsANoOp) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  b.PatchObject("ghost", {{"review", "due"}});
  b.PatchObject("ghost", {{"review", "approved"}}, "batch-1");
  b.PutRecord("hold/h1", {{"object", "ghost"}});  // the rest of the batch still applies
  ASSERT_OK(cat->Apply(b));
  EXPECT_FALSE(Has(*cat, "ghost"));
  EXPECT_EQ(Count(*cat, "review/"), 0u);
  EXPECT_FALSE(Record(*cat, "review/ghost").has_value());
  EXPECT_TRUE(Record(*cat, "hold/h1").has_value());
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, 0u);
  EXPECT_FALSE(cat->FindObjectByHash(Sha256Hex("ghost"))->has_value());
}

TEST_F(CatalogLifecycleTest, PatchObjectRefusesIdAndTheWholeBatchFails) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch seed;
  seed.PutObject(Obj("obj-a", 300, 3));
  ASSERT_OK(cat->Apply(seed));
  const json before = ToJson(Get(*cat, "obj-a"));

  const std::vector<json> refused = {
      {{"id", "obj-z"}},
      {{"review", "due"}, {"id", "obj-a"}},  // even the same value, and with allowed fields
  };
  for (const json& fields : refused) {
    WriteBatch b;
    b.PutRecord("hold/h-before", {{"x", 1}});  // earlier op in the same batch
    b.PatchObject("obj-a", fields);
    Status s = cat->Apply(b);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << fields.dump() << ": " << s.ToString();
    EXPECT_EQ(ToJson(Get(*cat, "obj-a")), before) << fields.dump();
    EXPECT_FALSE(Record(*cat, "hold/h-before").has_value()) << "batch not atomic";
  }
  EXPECT_FALSE(Has(*cat, "obj-z"));
  EXPECT_EQ(Count(*cat, "review/"), 0u);

  // Fields that are not a JSON object are refused too.
  WriteBatch not_object;
  not_object.PatchObject("obj-a", json::array({"review", "due"}));
  EXPECT_EQ(cat->Apply(not_object).code(), Code::kInvalidArgument);
  EXPECT_EQ(ToJson(Get(*cat, "obj-a")), before);

  ASSERT_NO_FATAL_FAILURE(fixtures::ExpectTotals(*cat, 1, 300, 3));

  // A new version changes bytes and files: the record and the stats follow the patch.
  WriteBatch grow;
  grow.PatchObject("obj-a", {{"head_version", "v2"}, {"bytes", uint64_t{500}}, {"files", uint64_t{5}}});
  ASSERT_OK(cat->Apply(grow));
  EXPECT_EQ(Get(*cat, "obj-a").bytes, 500u);
  EXPECT_EQ(Get(*cat, "obj-a").head_version, "v2");
  ASSERT_NO_FATAL_FAILURE(fixtures::ExpectTotals(*cat, 1, 500, 5));
}

TEST_F(CatalogLifecycleTest, ReviewIndexFollowsPatchesAndPuts) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch seed;
  for (const char* id : {"obj-1", "obj-2", "obj-3"}) seed.PutObject(Obj(id));
  seed.PutRecord("reviewx/obj-9", {{"not", "a review"}});  // shares the prefix "review"
  ASSERT_OK(cat->Apply(seed));
  EXPECT_EQ(Count(*cat, "review/"), 0u);

  WriteBatch due;
  due.PatchObject("obj-1", {{"review", "due"}});
  due.PatchObject("obj-2", {{"review", "due"}});
  ASSERT_OK(cat->Apply(due));
  EXPECT_EQ(Count(*cat, "review/"), 2u);
  EXPECT_EQ(Count(*cat, "review"), 3u);
  auto list = cat->ListRecords("review/");
  ASSERT_OK(list);
  EXPECT_THAT(Keys(*list), ElementsAre("review/obj-1", "review/obj-2"));
  EXPECT_EQ((*list)[0].second, (json{{"review", "due"}, {"batch", ""}}));

  WriteBatch proposed;
  proposed.PatchObject("obj-2", {{"review", "proposed"}, {"batch", "batch-7"}});
  proposed.PatchObject("obj-1", {{"review", ""}});  // kept: leaves review
  ASSERT_OK(cat->Apply(proposed));
  EXPECT_EQ(Count(*cat, "review/"), 1u);
  EXPECT_FALSE(Record(*cat, "review/obj-1").has_value());
  EXPECT_EQ(Record(*cat, "review/obj-2"), (json{{"review", "proposed"}, {"batch", "batch-7"}}));

  // PutObject keeps the index too: a record with a review is indexed, one without is not.
  ObjectRecord o3 = Obj("obj-3");
  o3.review = "due";
  WriteBatch put;
  put.PutObject(o3);
  put.PutObject(Obj("obj-2"));  // replaced by a record in no review
  ASSERT_OK(cat->Apply(put));
  EXPECT_EQ(Count(*cat, "review/"), 1u);
  EXPECT_EQ(Record(*cat, "review/obj-3"), (json{{"review", "due"}, {"batch", ""}}));
  EXPECT_FALSE(Record(*cat, "review/obj-2").has_value());
  EXPECT_TRUE(Record(*cat, "reviewx/obj-9").has_value());
}

// ---- DeleteObject ----

class DeleteObjectTest : public CatalogLifecycleTest {
 protected:
  // obj-a: 2 files, a damaged copy on hot and a missing one on warm (so it is in `damaged`),
  // in review (destroying). obj-ab (an id that extends obj-a): 1 file, a good copy on hot, in
  // review (due). obj-c: a duplicate whose fingerprint maps to obj-a.
  void SetUp() override {
    cat_ = OpenCatalog();
    ASSERT_TRUE(cat_);
    ObjectRecord a = Obj("obj-a", 300, 2);
    a.review = "destroying";
    a.batch = "batch-1";
    ObjectRecord ab = Obj("obj-ab", 40, 1);
    ab.review = "due";
    ObjectRecord c = Obj("obj-c", 7, 1);
    c.fingerprint = "fp-obj-a";
    WriteBatch b;
    b.PutObject(a);
    b.PutObject(ab);
    b.PutObject(c);
    b.PutFile(File("obj-a", "a.pdf", 100));
    b.PutFile(File("obj-a", "b/c.pdf", 200));
    b.PutFile(File("obj-ab", "x.pdf", 40));
    b.PutFile(File("obj-c", "y.pdf", 7));
    b.PutCopy(Copy("obj-a", "hot", "damaged", 1000, 300));
    b.PutCopy(Copy("obj-a", "warm", "missing", 2000, 300));
    b.PutCopy(Copy("obj-ab", "hot", "ok", 1500, 40));
    b.PutCopy(Copy("obj-c", "hot", "ok", 500, 7));
    b.PutFingerprint("fp-obj-a", "obj-a");
    b.PutFingerprint("fp-obj-ab", "obj-ab");
    b.IndexEvent(1, "obj-a", "ingestion");
    b.IndexEvent(2, "obj-ab", "ingestion");
    b.IndexEvent(3, "obj-c", "ingestion");
    b.IndexEvent(4, "obj-a", "deaccession");
    b.PutRecord("tombstone/obj-a", {{"id", "obj-a"}, {"destroyed", nullptr}});
    b.SetLastAppliedSeq(4);
    ASSERT_OK(cat_->Apply(b));

    // The starting point is what the test assumes.
    ASSERT_EQ(*cat_->CountDamaged(), 1u);
    ASSERT_EQ(Get(*cat_, "obj-a").state, "damaged");
    ASSERT_EQ(Count(*cat_, "review/"), 2u);
    auto ts = cat_->GetTierStats();
    ASSERT_OK(ts);
    ASSERT_EQ((*ts)["hot"].ok, 2u);
    ASSERT_EQ((*ts)["hot"].damaged, 1u);
    ASSERT_EQ((*ts)["hot"].bytes, 347u);
    ASSERT_EQ((*ts)["warm"].missing, 1u);
    ASSERT_EQ(*cat_->CountVerifyQueueBefore("hot", INT64_MAX), 3u);
  }

  void CheckObjAGone() {
    EXPECT_FALSE(Has(*cat_, "obj-a"));
    EXPECT_THAT(*cat_->ListFiles("obj-a"), IsEmpty());
    EXPECT_THAT(*cat_->ListCopies("obj-a"), IsEmpty());
    EXPECT_FALSE(cat_->FindFingerprint("fp-obj-a")->has_value());
    EXPECT_FALSE(cat_->FindObjectByHash(Sha256Hex("obj-a"))->has_value());
    EXPECT_EQ(*cat_->CountDamaged(), 0u);
    EXPECT_THAT(*cat_->ListDamaged(10), IsEmpty());
    EXPECT_FALSE(Record(*cat_, "review/obj-a").has_value());

    // Stats: obj-ab and obj-c are left.
    auto stats = cat_->GetStats();
    ASSERT_OK(stats);
    EXPECT_EQ(stats->objects, 2u);
    EXPECT_EQ(stats->bytes, 47u);
    EXPECT_EQ(stats->files, 2u);
    EXPECT_EQ(stats->last_applied_seq, 4u);

    // Per-tier counts and the fixity queue: obj-a's copies are gone, warm entirely.
    auto ts = cat_->GetTierStats();
    ASSERT_OK(ts);
    EXPECT_EQ(ts->count("warm"), 0u);
    ASSERT_EQ(ts->count("hot"), 1u);
    EXPECT_EQ(ts->at("hot").ok, 2u);
    EXPECT_EQ(ts->at("hot").damaged, 0u);
    EXPECT_EQ(ts->at("hot").missing, 0u);
    EXPECT_EQ(ts->at("hot").bytes, 47u);
    auto hot = cat_->ListVerifyQueue("hot", INT64_MAX, 10);
    ASSERT_OK(hot);
    EXPECT_THAT(QueueIds(*hot), ElementsAre("obj-c", "obj-ab"));
    EXPECT_EQ(*cat_->CountVerifyQueueBefore("hot", INT64_MAX), 2u);
    EXPECT_EQ(*cat_->CountVerifyQueueBefore("hot", 1200), 1u);  // obj-c (500); obj-a's 1000 gone
    EXPECT_THAT(*cat_->ListVerifyQueue("warm", INT64_MAX, 10), IsEmpty());
    EXPECT_EQ(*cat_->CountVerifyQueueBefore("warm", INT64_MAX), 0u);

    // The history stays; the tombstone (a lifecycle record) is not the catalog's to remove.
    EXPECT_THAT(*cat_->ListObjectEvents("obj-a"), ElementsAre(1u, 4u));
    EXPECT_TRUE(Record(*cat_, "tombstone/obj-a").has_value());

    // The neighbours are intact: obj-ab shares obj-a's prefix.
    ObjectRecord ab = Get(*cat_, "obj-ab");
    EXPECT_EQ(ab.state, "active");
    EXPECT_EQ(ab.review, "due");
    EXPECT_EQ(cat_->ListFiles("obj-ab")->size(), 1u);
    EXPECT_EQ(cat_->ListCopies("obj-ab")->size(), 1u);
    EXPECT_EQ(cat_->FindFingerprint("fp-obj-ab")->value_or(""), "obj-ab");
    EXPECT_EQ(cat_->FindObjectByHash(Sha256Hex("obj-ab"))->value_or(""), "obj-ab");
    EXPECT_EQ(Record(*cat_, "review/obj-ab"), (json{{"review", "due"}, {"batch", ""}}));
    EXPECT_THAT(*cat_->ListObjectEvents("obj-ab"), ElementsAre(2u));
    EXPECT_TRUE(Has(*cat_, "obj-c"));
  }

  std::unique_ptr<Catalog> cat_;
};

TEST_F(DeleteObjectTest, RemovesEverythingAboutTheObjectButItsHistory) {
  WriteBatch del;
  del.DeleteObject("obj-a");
  ASSERT_OK(cat_->Apply(del));
  CheckObjAGone();
}

TEST_F(DeleteObjectTest, DeletingTwiceOrAnAbsentObjectIsHarmless) {
  WriteBatch del;
  del.DeleteObject("obj-a");
  del.DeleteObject("obj-a");  // twice in one batch
  ASSERT_OK(cat_->Apply(del));
  auto dump = cat_->DumpRebuildable();
  ASSERT_OK(dump);
  WriteBatch again;
  again.DeleteObject("obj-a");  // and again later
  again.DeleteObject("never-there");
  ASSERT_OK(cat_->Apply(again));
  CheckObjAGone();
  auto dump2 = cat_->DumpRebuildable();
  ASSERT_OK(dump2);
  EXPECT_EQ(dump->dump(), dump2->dump());
}

TEST_F(DeleteObjectTest, FingerprintIsKeptWhenItMapsToAnotherObject) {
  // obj-c's record names fp-obj-a, which maps to obj-a: deleting obj-c must leave it.
  WriteBatch del_c;
  del_c.DeleteObject("obj-c");
  ASSERT_OK(cat_->Apply(del_c));
  EXPECT_FALSE(Has(*cat_, "obj-c"));
  EXPECT_EQ(cat_->FindFingerprint("fp-obj-a")->value_or(""), "obj-a");
  EXPECT_THAT(*cat_->ListFiles("obj-c"), IsEmpty());
  ASSERT_NO_FATAL_FAILURE(fixtures::ExpectTotals(*cat_, 2, 340, 3));
  auto ts = cat_->GetTierStats();
  ASSERT_OK(ts);
  EXPECT_EQ((*ts)["hot"].ok, 1u);
  EXPECT_EQ((*ts)["hot"].bytes, 340u);
}

TEST_F(DeleteObjectTest, OpsAfterTheDeleteInTheSameBatchApply) {
  // A deletion followed by more ops about the same id in one batch (what a deletion event
  // materialises to): a patch of the now absent object is skipped, the tombstone merge applies.
  WriteBatch b;
  b.DeleteObject("obj-a");
  b.PatchObject("obj-a", {{"review", "due"}});  // absent now: skipped
  b.MergeRecord("tombstone/obj-a", {{"destroyed", "2026-01-01T00:00:00.000Z"}});
  ASSERT_OK(cat_->Apply(b));
  CheckObjAGone();
  EXPECT_EQ(Record(*cat_, "tombstone/obj-a"),
            (json{{"id", "obj-a"}, {"destroyed", "2026-01-01T00:00:00.000Z"}}));
}

// ---- lifecycle records ----

TEST_F(CatalogLifecycleTest, RecordsPutMergeDeleteGetListCount) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  b.PutRecord("hold/h2", {{"hold", "h2"}, {"object", "obj-2"}});
  b.PutRecord("hold/h1", {{"hold", "h1"}, {"object", "obj-1"}});
  b.PutRecord("holdx/h3", {{"hold", "h3"}});
  b.PutRecord("hold", {{"bare", true}});
  b.PutRecord("batch/b1", {{"batch", "b1"}, {"state", "proposed"},
                           {"nested", {{"x", 1}, {"y", 2}}}});
  b.PutRecord("tombstone/obj-9", {{"id", "obj-9"}, {"destroyed", nullptr}});
  ASSERT_OK(cat->Apply(b));

  EXPECT_EQ(Record(*cat, "hold/h1"), (json{{"hold", "h1"}, {"object", "obj-1"}}));
  EXPECT_FALSE(Record(*cat, "hold/h9").has_value());
  EXPECT_FALSE(Record(*cat, "").has_value());  // a key that can never be stored: absent

  // Prefixes: "hold/" does not match "holdx/…" nor "hold" itself; "hold" matches all three.
  auto holds = cat->ListRecords("hold/");
  ASSERT_OK(holds);
  EXPECT_THAT(Keys(*holds), ElementsAre("hold/h1", "hold/h2"));
  EXPECT_EQ((*holds)[1].second, (json{{"hold", "h2"}, {"object", "obj-2"}}));
  EXPECT_THAT(Keys(*cat->ListRecords("hold")), ElementsAre("hold", "hold/h1", "hold/h2", "holdx/h3"));
  EXPECT_THAT(Keys(*cat->ListRecords("holdx/")), ElementsAre("holdx/h3"));
  EXPECT_EQ(Count(*cat, "hold/"), 2u);
  EXPECT_EQ(Count(*cat, "holdx/"), 1u);
  EXPECT_EQ(Count(*cat, "hold"), 4u);
  EXPECT_EQ(Count(*cat, ""), 6u);
  EXPECT_EQ(Count(*cat, "nothing/"), 0u);
  EXPECT_EQ(Count(*cat, "zzz"), 0u);  // past the last key
  // Limits.
  EXPECT_THAT(Keys(*cat->ListRecords("hold/", 1)), ElementsAre("hold/h1"));
  EXPECT_THAT(Keys(*cat->ListRecords("", 2)), ElementsAre("batch/b1", "hold"));
  EXPECT_THAT(*cat->ListRecords("hold/", 0), IsEmpty());
  EXPECT_THAT(*cat->ListRecords("nothing/"), IsEmpty());
  EXPECT_EQ(cat->ListRecords("")->size(), 6u);

  // Merge sets top-level fields (a nested object is replaced, not merged) and keeps the rest;
  // merging into an absent key creates it; put replaces the whole value.
  WriteBatch m;
  m.MergeRecord("batch/b1", {{"state", "approved"}, {"approver", "bob"}, {"nested", {{"x", 9}}}});
  m.MergeRecord("batch/b2", {{"state", "proposed"}});
  m.PutRecord("hold/h2", {{"replaced", true}});
  ASSERT_OK(cat->Apply(m));
  EXPECT_EQ(Record(*cat, "batch/b1"), (json{{"batch", "b1"}, {"state", "approved"},
                                            {"approver", "bob"}, {"nested", {{"x", 9}}}}));
  EXPECT_EQ(Record(*cat, "batch/b2"), (json{{"state", "proposed"}}));
  EXPECT_EQ(Record(*cat, "hold/h2"), (json{{"replaced", true}}));
  EXPECT_EQ(Count(*cat, "batch/"), 2u);

  // Delete, also of an absent key; ops apply in the order added.
  WriteBatch d;
  d.DeleteRecord("hold/h1");
  d.DeleteRecord("hold/never");
  d.PutRecord("hold/h4", {{"v", 1}});
  d.MergeRecord("hold/h4", {{"w", 2}});
  d.DeleteRecord("holdx/h3");
  d.MergeRecord("holdx/h3", {{"again", true}});
  ASSERT_OK(cat->Apply(d));
  EXPECT_FALSE(Record(*cat, "hold/h1").has_value());
  EXPECT_EQ(Record(*cat, "hold/h4"), (json{{"v", 1}, {"w", 2}}));
  EXPECT_EQ(Record(*cat, "holdx/h3"), (json{{"again", true}}));
  EXPECT_THAT(Keys(*cat->ListRecords("hold/")), ElementsAre("hold/h2", "hold/h4"));

  // Refusals fail the whole batch.
  WriteBatch bad_merge;
  bad_merge.DeleteRecord("hold/h2");
  bad_merge.MergeRecord("hold/h4", json::array({1, 2}));
  EXPECT_EQ(cat->Apply(bad_merge).code(), Code::kInvalidArgument);
  WriteBatch bad_key;
  bad_key.DeleteRecord("hold/h2");
  bad_key.PutRecord("", {{"x", 1}});
  EXPECT_EQ(cat->Apply(bad_key).code(), Code::kInvalidArgument);
  EXPECT_TRUE(Record(*cat, "hold/h2").has_value());

  // Records are durable.
  cat.reset();
  cat = OpenCatalog();
  ASSERT_TRUE(cat);
  EXPECT_EQ(Record(*cat, "hold/h4"), (json{{"v", 1}, {"w", 2}}));
  EXPECT_EQ(Count(*cat, ""), 7u);
}

// ---- migration 2 → 3 ----

// Builds a genuine schema-2 catalog: written by this build (so every schema-2 table is
// maintained by the real code), then taken back to schema 2 — the lifecycle table dropped,
// the schema-3 fields removed from the object records, schema_version 2.
TEST_F(CatalogLifecycleTest, SchemaTwoCatalogIsMigratedToThree) {
  const auto dir = dir_.path() / "catalog";
  json dump_before;
  {
    auto cat = OpenCatalog(dir);
    ASSERT_TRUE(cat);
    WriteBatch b;
    b.PutObject(Obj("obj-a", 300, 2));
    b.PutObject(Obj("obj-b", 20, 1));
    b.PutFile(File("obj-a", "a.pdf", 100));
    b.PutFile(File("obj-a", "b.pdf", 200));
    b.PutFile(File("obj-b", "c.pdf", 20));
    b.PutCopy(Copy("obj-a", "hot", "ok", 111, 300));
    b.PutCopy(Copy("obj-b", "hot", "damaged", 222, 20));
    b.PutFingerprint("fp-obj-a", "obj-a");
    b.IndexEvent(1, "obj-a", "ingestion");
    b.IndexEvent(2, "obj-b", "ingestion");
    b.SetLastAppliedSeq(2);
    ASSERT_OK(cat->Apply(b));
    auto d = cat->DumpRebuildable();
    ASSERT_OK(d);
    dump_before = *d;
  }
  {
    lmdb::Env::Options eo;
    auto env = lmdb::Env::Open(dir, eo);
    ASSERT_OK(env);
    auto txn = lmdb::Txn::Begin(env->get(), 0);
    ASSERT_OK(txn);
    auto meta = txn->OpenDbi("meta", 0);
    auto objects = txn->OpenDbi("objects", 0);
    auto lifecycle = txn->OpenDbi("lifecycle", 0);
    ASSERT_OK(meta);
    ASSERT_OK(objects);
    ASSERT_OK(lifecycle);
    ASSERT_EQ(mdb_drop(txn->get(), *lifecycle, 1), 0);  // delete the DBI itself
    for (const char* id : {"obj-a", "obj-b"}) {
      auto v = txn->Get(*objects, id);
      ASSERT_OK(v);
      ASSERT_TRUE(v->has_value());
      json j = json::parse(**v);
      ASSERT_TRUE(j.contains("retention_info"));
      j.erase("retention_info");
      j.erase("review");
      j.erase("batch");
      ASSERT_OK(txn->Put(*objects, id, j.dump()));
    }
    ASSERT_OK(txn->Put(*meta, "schema_version", "2"));
    ASSERT_OK(std::move(*txn).Commit());
  }
  {
    // It really is schema 2 now: no lifecycle table.
    lmdb::Env::Options eo;
    auto env = lmdb::Env::Open(dir, eo);
    ASSERT_OK(env);
    auto txn = lmdb::Txn::Begin(env->get(), MDB_RDONLY);
    ASSERT_OK(txn);
    EXPECT_FALSE(txn->OpenDbi("lifecycle", 0).ok());
  }

  {
    auto cat = OpenCatalog(dir);
    ASSERT_TRUE(cat);
    // Objects without the new fields read with defaults.
    ObjectRecord a = Get(*cat, "obj-a");
    EXPECT_EQ(a.retention_info, json::object());
    EXPECT_EQ(a.review, "");
    EXPECT_EQ(a.batch, "");
    EXPECT_EQ(a.retention, "10y");
    EXPECT_EQ(a.bytes, 300u);
    EXPECT_EQ(Get(*cat, "obj-b").state, "damaged");
    // The lifecycle table exists and is empty.
    EXPECT_EQ(Count(*cat, ""), 0u);
    EXPECT_THAT(*cat->ListRecords(""), IsEmpty());
    // Everything else is as it was (the dump differs only by the retention_info defaults).
    auto d = cat->DumpRebuildable();
    ASSERT_OK(d);
    json want = dump_before;
    for (auto& o : want["objects"]) o["retention_info"] = json::object();
    EXPECT_EQ(d->dump(), want.dump());
    EXPECT_EQ((*d)["schema_version"], 3);
    EXPECT_EQ(*cat->CountVerifyQueueBefore("hot", INT64_MAX), 2u);
    EXPECT_EQ(*cat->CountDamaged(), 1u);

    // Schema-3 operations work on the migrated catalog.
    WriteBatch b;
    b.PatchObject("obj-a", {{"review", "due"}, {"retention_info", {{"kind", "years"}, {"years", 5}}}});
    b.PutRecord("hold/h1", {{"object", "obj-b"}});
    ASSERT_OK(cat->Apply(b));
    EXPECT_EQ(Get(*cat, "obj-a").review, "due");
    EXPECT_EQ(Count(*cat, "review/"), 1u);
    EXPECT_EQ(Count(*cat, "hold/"), 1u);
  }
  {
    // The version written is 3, and a reopen does not migrate again (the data survives).
    lmdb::Env::Options eo;
    auto env = lmdb::Env::Open(dir, eo);
    ASSERT_OK(env);
    auto txn = lmdb::Txn::Begin(env->get(), MDB_RDONLY);
    ASSERT_OK(txn);
    auto meta = txn->OpenDbi("meta", 0);
    ASSERT_OK(meta);
    auto v = txn->Get(*meta, "schema_version");
    ASSERT_OK(v);
    EXPECT_EQ(v->value_or(""), "3");
  }
  auto cat = OpenCatalog(dir);
  ASSERT_TRUE(cat);
  EXPECT_EQ(Count(*cat, ""), 2u);
  EXPECT_EQ(Get(*cat, "obj-a").review, "due");
}

// ---- DumpRebuildable ----

TEST_F(CatalogLifecycleTest, DumpIncludesLifecycleAndIsIndependentOfBatchSplits) {
  // The facts, one op per batch; catalog A gets them in one batch, B one by one, C in halves.
  std::vector<WriteBatch> ops;
  auto add = [&](auto&& fn) {
    WriteBatch b;
    fn(b);
    ops.push_back(std::move(b));
  };
  for (const char* id : {"obj-1", "obj-2", "obj-3"}) {
    add([&](WriteBatch& b) { b.PutObject(Obj(id, 10, 1)); });
    add([&](WriteBatch& b) { b.PutFile(File(id, "f.pdf", 10)); });
    add([&](WriteBatch& b) { b.PutCopy(Copy(id, "hot", "ok", 100, 10)); });
    add([&](WriteBatch& b) { b.PutFingerprint(std::string("fp-") + id, id); });
  }
  uint64_t seq = 0;
  for (const char* id : {"obj-1", "obj-2", "obj-3"}) {
    add([&](WriteBatch& b) { b.IndexEvent(++seq, id, "ingestion"); });
    add([&](WriteBatch& b) { b.PatchObject(id, {{"review", "due"}}); });
  }
  add([&](WriteBatch& b) { b.PutRecord("hold/h1", {{"hold", "h1"}, {"object", "obj-3"}}); });
  add([&](WriteBatch& b) {
    b.PutRecord("batch/b1", {{"batch", "b1"}, {"state", "proposed"}, {"proposer", "alice"}});
  });
  add([&](WriteBatch& b) { b.PatchObject("obj-1", {{"review", "proposed"}, {"batch", "b1"}}); });
  add([&](WriteBatch& b) { b.PatchObject("obj-2", {{"review", "proposed"}, {"batch", "b1"}}); });
  add([&](WriteBatch& b) { b.MergeRecord("batch/b1", {{"state", "approved"}, {"approver", "bob"}}); });
  add([&](WriteBatch& b) { b.PatchObject("obj-1", {{"review", "approved"}}, "b1"); });
  add([&](WriteBatch& b) { b.PatchObject("obj-2", {{"review", ""}, {"batch", ""}}); });  // extended
  add([&](WriteBatch& b) { b.PatchObject("obj-2", {{"review", "approved"}}, "b1"); });  // skipped
  add([&](WriteBatch& b) { b.PutRecord("tombstone/obj-1", {{"id", "obj-1"}, {"destroyed", nullptr}}); });
  add([&](WriteBatch& b) { b.PatchObject("obj-1", {{"review", "destroying"}}); });
  add([&](WriteBatch& b) { b.MergeRecord("tombstone/obj-1", {{"destroyed", "2026-05-01"}}); });
  add([&](WriteBatch& b) { b.DeleteObject("obj-1"); });
  add([&](WriteBatch& b) { b.DeleteRecord("hold/h1"); });
  add([&](WriteBatch& b) { b.IndexEvent(++seq, "obj-1", "deletion"); });
  add([&](WriteBatch& b) { b.SetLastAppliedSeq(seq); });

  testing::TempDir db, dc;
  auto a = OpenCatalog();
  auto b = OpenCatalog(db.path() / "catalog");
  auto c = OpenCatalog(dc.path() / "catalog");
  ASSERT_TRUE(a && b && c);
  WriteBatch all, first, second;
  for (size_t i = 0; i < ops.size(); ++i) {
    all.Append(ops[i]);
    (i < ops.size() / 2 ? first : second).Append(ops[i]);
    ASSERT_OK(b->Apply(ops[i]));
  }
  ASSERT_OK(a->Apply(all));
  ASSERT_OK(c->Apply(first));
  ASSERT_OK(c->Apply(second));

  auto da = a->DumpRebuildable();
  auto dbb = b->DumpRebuildable();
  auto dcc = c->DumpRebuildable();
  ASSERT_OK(da);
  ASSERT_OK(dbb);
  ASSERT_OK(dcc);
  EXPECT_EQ(da->dump(), dbb->dump());
  EXPECT_EQ(da->dump(), dcc->dump());

  ASSERT_TRUE(da->contains("lifecycle"));
  const json& lc = (*da)["lifecycle"];
  EXPECT_EQ(lc, (json{{"batch/b1",
                       {{"batch", "b1"}, {"state", "approved"}, {"proposer", "alice"},
                        {"approver", "bob"}}},
                      {"review/obj-3", {{"review", "due"}, {"batch", ""}}},
                      {"tombstone/obj-1", {{"id", "obj-1"}, {"destroyed", "2026-05-01"}}}}));
  EXPECT_EQ((*da)["objects"].size(), 2u);
  EXPECT_EQ((*da)["stats"], (json{{"objects", 2}, {"bytes", 20}, {"files", 2}}));
  EXPECT_EQ((*da)["events"].size(), 4u);
  EXPECT_EQ((*da)["object_events"]["obj-1"].size(), 2u);

  // A lifecycle difference shows in the dump.
  WriteBatch diff;
  diff.MergeRecord("batch/b1", {{"state", "cancelled"}});
  ASSERT_OK(b->Apply(diff));
  auto db2 = b->DumpRebuildable();
  ASSERT_OK(db2);
  EXPECT_NE(da->dump(), db2->dump());
}

}  // namespace
}  // namespace vault::catalog
