#include "vault/catalog/catalog.h"

#include <climits>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vault/clib/crypto.h"

#include "tests/catalog/catalog_fixtures.h"
#include "tests/testing/test_util.h"
#include "vault/clib/lmdb.h"

namespace vault::catalog {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using fixtures::File;
using fixtures::Ids;
using fixtures::Paths;

ObjectRecord Obj(const std::string& id, uint64_t bytes = 100, uint64_t files = 2) {
  return fixtures::MakeObject(id, bytes, files);
}

CopyRecord Copy(const std::string& object_id, const std::string& tier, int64_t verified = 0) {
  return CopyRecord{object_id, tier, "ok", "v1", verified};
}

using CatalogTest = fixtures::TempCatalogTest;

TEST_F(CatalogTest, FreshCatalogIsEmpty) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, 0u);
  EXPECT_EQ(stats->bytes, 0u);
  EXPECT_EQ(stats->last_applied_seq, 0u);
  auto missing = cat->GetObject("nope");
  ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());
  auto list = cat->ListObjects("", 10);
  ASSERT_OK(list);
  EXPECT_THAT(*list, IsEmpty());
}

TEST_F(CatalogTest, PutGetAndList) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  b.PutObject(Obj("obj-b", 300, 3));
  b.PutObject(Obj("obj-a", 200, 2));
  b.PutFile(File("obj-a", "z.pdf"));
  b.PutFile(File("obj-a", "a/b/Tờ trình.docx"));
  b.PutFile(File("obj-ab", "x.txt"));  // a different object sharing the prefix "obj-a"
  b.PutCopy(Copy("obj-a", "tier2"));
  b.PutCopy(Copy("obj-a", "tier1", 1234));
  b.PutFingerprint("fp-obj-a", "obj-a");
  b.IndexEvent(1, "obj-a", "ingestion");
  b.IndexEvent(2, "obj-b", "ingestion");
  b.IndexEvent(3, "obj-a", "replication");
  b.IndexEvent(4, "", "fixity audit");
  b.SetLastAppliedSeq(4);
  b.PutJob("job-1", json{{"kind", "ingest"}, {"state", "done"}});
  ASSERT_OK(cat->Apply(b));

  auto a = cat->GetObject("obj-a");
  ASSERT_OK(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->title, "Hồ sơ obj-a");
  EXPECT_EQ((*a)->bytes, 200u);
  EXPECT_EQ((*a)->head_version, "v1");
  EXPECT_EQ(ToJson(**a), ToJson(Obj("obj-a", 200, 2)));

  auto files = cat->ListFiles("obj-a");
  ASSERT_OK(files);
  EXPECT_THAT(Paths(*files), ElementsAre("a/b/Tờ trình.docx", "z.pdf"));
  EXPECT_EQ((*files)[1].content_path, "v1/content/z.pdf");

  auto copies = cat->ListCopies("obj-a");
  ASSERT_OK(copies);
  ASSERT_EQ(copies->size(), 2u);
  EXPECT_EQ((*copies)[0].tier, "tier1");
  EXPECT_EQ((*copies)[0].last_verified_ms, 1234);
  EXPECT_EQ((*copies)[1].tier, "tier2");

  auto fp = cat->FindFingerprint("fp-obj-a");
  ASSERT_OK(fp);
  EXPECT_EQ(*fp, std::optional<std::string>("obj-a"));
  auto no_fp = cat->FindFingerprint("fp-none");
  ASSERT_OK(no_fp);
  EXPECT_FALSE(no_fp->has_value());

  auto job = cat->GetJob("job-1");
  ASSERT_OK(job);
  ASSERT_TRUE(job->has_value());
  EXPECT_EQ((**job)["state"], "done");

  auto events = cat->ListObjectEvents("obj-a");
  ASSERT_OK(events);
  EXPECT_THAT(*events, ElementsAre(1u, 3u));

  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, 2u);
  EXPECT_EQ(stats->bytes, 500u);
  EXPECT_EQ(stats->files, 5u);
  EXPECT_EQ(stats->last_applied_seq, 4u);
}

TEST_F(CatalogTest, StatsAreMaintainedIncrementally) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b1;
  b1.PutObject(Obj("o1", 100, 1));
  b1.PutObject(Obj("o2", 50, 5));
  ASSERT_OK(cat->Apply(b1));
  // Replacing o1 (a new version) adjusts bytes/files; the object count stays.
  WriteBatch b2;
  b2.PutObject(Obj("o1", 130, 2));
  b2.SetLastAppliedSeq(9);
  ASSERT_OK(cat->Apply(b2));
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, 2u);
  EXPECT_EQ(stats->bytes, 180u);
  EXPECT_EQ(stats->files, 7u);
  // last_applied_seq never moves backwards.
  WriteBatch b3;
  b3.SetLastAppliedSeq(3);
  ASSERT_OK(cat->Apply(b3));
  auto last = cat->LastAppliedSeq();
  ASSERT_OK(last);
  EXPECT_EQ(*last, 9u);
}

TEST_F(CatalogTest, ListObjectsPages) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "obj-%03d", (i * 7) % 25);  // inserted out of order
    ids.push_back(id);
    b.PutObject(Obj(id));
  }
  ASSERT_OK(cat->Apply(b));
  std::sort(ids.begin(), ids.end());

  std::vector<std::string> seen;
  std::string after;
  std::vector<size_t> page_sizes;
  for (;;) {
    auto page = cat->ListObjects(after, 10);
    ASSERT_OK(page);
    if (page->empty()) {
      break;
    }
    page_sizes.push_back(page->size());
    for (const auto& r : *page) {
      seen.push_back(r.id);
    }
    after = page->back().id;
  }
  EXPECT_THAT(page_sizes, ElementsAre(10u, 10u, 5u));
  EXPECT_EQ(seen, ids);
  // `after` need not exist: the page starts at the next id.
  auto mid = cat->ListObjects("obj-0105", 2);
  ASSERT_OK(mid);
  EXPECT_THAT(Ids(*mid), ElementsAre("obj-011", "obj-012"));
  // Ids that can never be stored are absent, not errors.
  const std::string long_id(2000, 'o');
  auto long_page = cat->ListObjects(long_id, 5);
  ASSERT_OK(long_page);
  EXPECT_THAT(*long_page, IsEmpty());
  auto long_get = cat->GetObject(long_id);
  ASSERT_OK(long_get);
  EXPECT_FALSE(long_get->has_value());
  auto long_files = cat->ListFiles(long_id);
  ASSERT_OK(long_files);
  EXPECT_THAT(*long_files, IsEmpty());
  auto zero = cat->ListObjects("", 0);
  ASSERT_OK(zero);
  EXPECT_THAT(*zero, IsEmpty());
}

TEST_F(CatalogTest, FailedBatchLeavesNothingBehind) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  b.PutObject(Obj("obj-1", 1000, 1000));
  for (int i = 0; i < 1000; ++i) {
    b.PutFile(File("obj-1", "f" + std::to_string(i)));
  }
  b.SetLastAppliedSeq(7);
  b.PutFile(File("", "bad"));  // invalid: fails the whole batch at the very end
  Status s = cat->Apply(b);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);

  auto obj = cat->GetObject("obj-1");
  ASSERT_OK(obj);
  EXPECT_FALSE(obj->has_value());
  auto files = cat->ListFiles("obj-1");
  ASSERT_OK(files);
  EXPECT_THAT(*files, IsEmpty());
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, 0u);
  EXPECT_EQ(stats->last_applied_seq, 0u);

  // Invalid UTF-8 is refused, not mangled.
  WriteBatch bad_utf8;
  bad_utf8.PutObject(Obj("obj-2"));
  ObjectRecord o = Obj("obj-3");
  o.title = "\xc3\x28";
  bad_utf8.PutObject(o);
  EXPECT_EQ(cat->Apply(bad_utf8).code(), Code::kInvalidArgument);
  auto obj2 = cat->GetObject("obj-2");
  ASSERT_OK(obj2);
  EXPECT_FALSE(obj2->has_value());
}

TEST_F(CatalogTest, ReadersSeeBatchesWhollyOrNotAtAll) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  constexpr int kObjects = 40;
  constexpr int kFilesPerObject = 300;
  std::atomic<bool> done{false};
  std::atomic<int> partial{0};
  std::atomic<int> observations{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (int i = 0; i < kObjects; ++i) {
        std::string id = "obj-" + std::to_string(i);
        auto files = cat->ListFiles(id);
        auto stats = cat->GetStats();
        if (!files.ok() || !stats.ok()) {
          ++partial;
          continue;
        }
        if (!files->empty() && files->size() != kFilesPerObject) {
          ++partial;
        }
        if (stats->files % kFilesPerObject != 0) {
          ++partial;
        }
        ++observations;
      }
    }
  });
  for (int i = 0; i < kObjects; ++i) {
    WriteBatch b;
    std::string id = "obj-" + std::to_string(i);
    b.PutObject(Obj(id, 1, kFilesPerObject));
    for (int f = 0; f < kFilesPerObject; ++f) {
      b.PutFile(File(id, "file-" + std::to_string(f)));
    }
    ASSERT_OK(cat->Apply(b));
  }
  done = true;
  reader.join();
  EXPECT_EQ(partial.load(), 0);
  EXPECT_GT(observations.load(), 0);
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->files, static_cast<uint64_t>(kObjects * kFilesPerObject));
}

TEST_F(CatalogTest, MapGrowsOnMapFull) {
  Catalog::Options o;
  o.initial_map_bytes = 256 << 10;
  o.max_map_bytes = 1ull << 30;
  auto cat = OpenCatalog(o);
  ASSERT_TRUE(cat);
  const uint64_t initial = cat->MapSizeForTesting();
  EXPECT_EQ(initial, 256u << 10);

  // 20 objects x 1000 files in separate batches, then one batch that alone is bigger than the
  // 256 KiB the map started with.
  constexpr int kObjects = 20;
  constexpr int kFiles = 1000;
  for (int i = 0; i < kObjects; ++i) {
    WriteBatch b;
    std::string id = "obj-" + std::to_string(i);
    b.PutObject(Obj(id, kFiles * 10, kFiles));
    for (int f = 0; f < kFiles; ++f) {
      b.PutFile(File(id, "representations/rep1/data/file-" + std::to_string(f) + ".pdf"));
    }
    ASSERT_OK(cat->Apply(b));
  }
  WriteBatch big;
  big.PutObject(Obj("obj-big", 1, 5000));
  for (int f = 0; f < 5000; ++f) {
    big.PutFile(File("obj-big", "f/" + std::to_string(f)));
  }
  ASSERT_OK(cat->Apply(big));

  const uint64_t grown = cat->MapSizeForTesting();
  EXPECT_GE(grown, initial * 8) << "expected several doublings";
  for (int i = 0; i < kObjects; ++i) {
    auto files = cat->ListFiles("obj-" + std::to_string(i));
    ASSERT_OK(files);
    EXPECT_EQ(files->size(), static_cast<size_t>(kFiles));
  }
  auto big_files = cat->ListFiles("obj-big");
  ASSERT_OK(big_files);
  EXPECT_EQ(big_files->size(), 5000u);
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, static_cast<uint64_t>(kObjects + 1));
  EXPECT_EQ(stats->files, static_cast<uint64_t>(kObjects * kFiles + 5000));

  // Reopening with the tiny initial size starts from the data file's size instead.
  cat.reset();
  auto again = OpenCatalog(o);
  ASSERT_TRUE(again);
  EXPECT_GE(again->MapSizeForTesting(), stdfs::file_size(dir_.path() / "catalog" / "data.mdb"));
  auto files0 = again->ListFiles("obj-0");
  ASSERT_OK(files0);
  EXPECT_EQ(files0->size(), static_cast<size_t>(kFiles));
}

TEST_F(CatalogTest, MapFullAtMaximumIsResourceExhaustedAndAtomic) {
  Catalog::Options o;
  o.initial_map_bytes = 256 << 10;
  o.max_map_bytes = 512 << 10;
  auto cat = OpenCatalog(o);
  ASSERT_TRUE(cat);
  WriteBatch small;
  small.PutObject(Obj("small"));
  ASSERT_OK(cat->Apply(small));
  WriteBatch b;
  b.PutObject(Obj("huge", 1, 20000));
  for (int f = 0; f < 20000; ++f) {
    b.PutFile(File("huge", "file-" + std::to_string(f)));
  }
  Status s = cat->Apply(b);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  auto huge = cat->GetObject("huge");
  ASSERT_OK(huge);
  EXPECT_FALSE(huge->has_value());
  auto small_back = cat->GetObject("small");
  ASSERT_OK(small_back);
  EXPECT_TRUE(small_back->has_value());
}

TEST_F(CatalogTest, ReopenPersists) {
  {
    auto cat = OpenCatalog();
    ASSERT_TRUE(cat);
    WriteBatch b;
    b.PutObject(Obj("obj-1", 42, 1));
    b.PutFile(File("obj-1", "a.txt"));
    b.PutJob("job-9", json{{"x", 1}});
    b.SetLastAppliedSeq(17);
    ASSERT_OK(cat->Apply(b));
  }
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  auto obj = cat->GetObject("obj-1");
  ASSERT_OK(obj);
  ASSERT_TRUE(obj->has_value());
  EXPECT_EQ((*obj)->bytes, 42u);
  auto files = cat->ListFiles("obj-1");
  ASSERT_OK(files);
  EXPECT_EQ(files->size(), 1u);
  auto job = cat->GetJob("job-9");
  ASSERT_OK(job);
  EXPECT_TRUE(job->has_value());
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, 1u);
  EXPECT_EQ(stats->bytes, 42u);
  EXPECT_EQ(stats->last_applied_seq, 17u);
}

TEST_F(CatalogTest, NewerSchemaIsRefused) {
  { ASSERT_TRUE(OpenCatalog()); }
  {
    // Simulate a catalog written by a future build.
    lmdb::Env::Options eo;
    auto env = lmdb::Env::Open(dir_.path() / "catalog", eo);
    ASSERT_OK(env);
    auto txn = lmdb::Txn::Begin(env->get(), 0);
    ASSERT_OK(txn);
    auto meta = txn->OpenDbi("meta", 0);
    ASSERT_OK(meta);
    ASSERT_OK(txn->Put(*meta, "schema_version", std::to_string(kSchemaVersion + 1)));
    ASSERT_OK(std::move(*txn).Commit());
  }
  auto r = Catalog::Open(dir_.path() / "catalog");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("schema version " + std::to_string(kSchemaVersion + 1)));
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("newer"));
}

TEST_F(CatalogTest, LongPathsBeyondTheLmdbKeyLimitWork) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  std::string dir;
  for (int i = 0; i < 40; ++i) {
    dir += "thư mục " + std::to_string(i) + "/";  // ~500+ bytes
  }
  WriteBatch b;
  b.PutObject(Obj("obj-long"));
  b.PutFile(File("obj-long", dir + "b.pdf"));
  b.PutFile(File("obj-long", dir + "a.pdf"));
  b.PutFile(File("obj-long", "short.txt"));
  ASSERT_OK(cat->Apply(b));
  auto files = cat->ListFiles("obj-long");
  ASSERT_OK(files);
  EXPECT_THAT(Paths(*files), ElementsAre("short.txt", dir + "a.pdf", dir + "b.pdf"));
  // Overwriting a long-path file replaces it rather than adding a second entry.
  WriteBatch b2;
  b2.PutFile(File("obj-long", dir + "a.pdf", 999));
  ASSERT_OK(cat->Apply(b2));
  files = cat->ListFiles("obj-long");
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[1].size, 999u);
}

TEST_F(CatalogTest, DumpRebuildableIsOrderIndependent) {
  std::vector<WriteBatch> batches;
  for (int i = 0; i < 12; ++i) {
    WriteBatch b;
    std::string id = "obj-" + std::to_string(i);
    b.PutObject(Obj(id, 10 * i, 3));
    for (int f = 0; f < 3; ++f) {
      b.PutFile(File(id, "f" + std::to_string(f)));
    }
    b.PutCopy(Copy(id, "tier1"));
    b.PutFingerprint("fp-" + id, id);
    b.IndexEvent(2 * i + 1, id, "ingestion");
    b.IndexEvent(2 * i + 2, id, "replication");
    b.SetLastAppliedSeq(2 * i + 2);
    batches.push_back(std::move(b));
  }
  testing::TempDir other;
  auto a = OpenCatalog();
  auto rb = Catalog::Open(other.path() / "catalog");
  ASSERT_TRUE(a);
  ASSERT_OK(rb);
  auto& b = *rb;
  for (const auto& batch : batches) {
    ASSERT_OK(a->Apply(batch));
  }
  std::vector<size_t> order(batches.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (size_t i : order) {
    ASSERT_OK(b->Apply(batches[i]));
  }

  // Operational state differs and must not show in the dump: jobs, last-verified times.
  WriteBatch ops_a, ops_b;
  ops_a.PutJob("job-1", json{{"state", "running"}});
  ops_a.PutCopy(Copy("obj-3", "tier1", 111));
  ops_b.PutCopy(Copy("obj-3", "tier1", 999));
  ASSERT_OK(a->Apply(ops_a));
  ASSERT_OK(b->Apply(ops_b));

  auto da = a->DumpRebuildable();
  auto db = b->DumpRebuildable();
  ASSERT_OK(da);
  ASSERT_OK(db);
  EXPECT_EQ(da->dump(), db->dump());
  EXPECT_EQ((*da)["objects"].size(), 12u);
  EXPECT_EQ((*da)["files"].size(), 36u);
  EXPECT_EQ((*da)["events"].size(), 24u);
  EXPECT_EQ((*da)["last_applied_seq"], 24);
  EXPECT_EQ((*da)["object_events"]["obj-3"].size(), 2u);
  EXPECT_FALSE((*da)["copies"][0].contains("last_verified_ms"));
  EXPECT_FALSE(da->contains("jobs"));

  // A real difference does show.
  WriteBatch diff;
  diff.PutCopy(CopyRecord{"obj-3", "tier1", "damaged", "v1", 0});
  ASSERT_OK(b->Apply(diff));
  auto db2 = b->DumpRebuildable();
  ASSERT_OK(db2);
  EXPECT_NE(da->dump(), db2->dump());
}

TEST_F(CatalogTest, ConcurrentAppliesAndReads) {
  Catalog::Options o;
  o.initial_map_bytes = 256 << 10;  // forces growth while readers are active
  auto cat = OpenCatalog(o);
  ASSERT_TRUE(cat);
  constexpr int kWriters = 3;
  constexpr int kPerWriter = 40;
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto page = cat->ListObjects("", 1000);
      if (!page.ok()) {
        ++errors;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        WriteBatch b;
        std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        b.PutObject(Obj(id, 1, 100));
        for (int f = 0; f < 100; ++f) {
          b.PutFile(File(id, "file-" + std::to_string(f)));
        }
        if (!cat->Apply(b).ok()) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  done = true;
  reader.join();
  EXPECT_EQ(errors.load(), 0);
  auto stats = cat->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, static_cast<uint64_t>(kWriters * kPerWriter));
  EXPECT_EQ(stats->files, static_cast<uint64_t>(kWriters * kPerWriter * 100));
}

// ---- schema 2: fixity queue, per-tier counts, damaged objects, operational state ----

TEST_F(CatalogTest, VerifyQueueIsOldestFirstPerTierAndFollowsPutCopy) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  for (int i = 0; i < 5; ++i) {
    std::string id = "obj-" + std::to_string(i);
    b.PutObject(Obj(id, 100 + i));
    CopyRecord hot = Copy(id, "hot", 1000 - i * 100);  // obj-4 is the oldest
    hot.bytes = 100 + i;
    b.PutCopy(hot);
    b.PutCopy(Copy(id, "warm", 5000 + i));
  }
  ASSERT_OK(cat->Apply(b));
  auto q = cat->ListVerifyQueue("hot", INT64_MAX, 10);
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0].object_id, "obj-4");
  EXPECT_EQ((*q)[0].last_verified_ms, 600);
  EXPECT_EQ((*q)[0].bytes, 104u);
  EXPECT_EQ((*q)[4].object_id, "obj-0");
  // before_ms bounds the scan; `after` pages.
  auto early = cat->ListVerifyQueue("hot", 800, 10);
  ASSERT_OK(early);
  EXPECT_EQ(early->size(), 2u);  // 600, 700
  auto page = cat->ListVerifyQueue("hot", INT64_MAX, 2, &(*q)[1]);
  ASSERT_OK(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].object_id, "obj-2");
  // Re-verifying moves the copy to the end; the old queue entry is gone.
  WriteBatch b2;
  CopyRecord again = Copy("obj-4", "hot", 9000);
  again.bytes = 104;
  b2.PutCopy(again);
  ASSERT_OK(cat->Apply(b2));
  q = cat->ListVerifyQueue("hot", INT64_MAX, 10);
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0].object_id, "obj-3");
  EXPECT_EQ((*q)[4].object_id, "obj-4");
  auto warm = cat->ListVerifyQueue("warm", INT64_MAX, 10);
  ASSERT_OK(warm);
  EXPECT_EQ(warm->size(), 5u);
}

TEST_F(CatalogTest, TierStatsAndDamagedStateFollowCopies) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  b.PutObject(Obj("obj-a", 100));
  CopyRecord hot = Copy("obj-a", "hot", 1);
  hot.bytes = 100;
  CopyRecord warm = Copy("obj-a", "warm", 1);
  warm.bytes = 100;
  b.PutCopy(hot);
  b.PutCopy(warm);
  ASSERT_OK(cat->Apply(b));
  auto ts = cat->GetTierStats();
  ASSERT_OK(ts);
  EXPECT_EQ((*ts)["hot"].ok, 1u);
  EXPECT_EQ((*ts)["hot"].bytes, 100u);
  EXPECT_EQ((*ts)["warm"].ok, 1u);

  // One copy damaged: the object is still fine (a good copy is left).
  WriteBatch b2;
  hot.state = "damaged";
  b2.PutCopy(hot);
  ASSERT_OK(cat->Apply(b2));
  EXPECT_EQ(*cat->CountDamaged(), 0u);
  EXPECT_EQ((*cat->GetObject("obj-a"))->state, "active");
  ts = cat->GetTierStats();
  EXPECT_EQ((*ts)["hot"].ok, 0u);
  EXPECT_EQ((*ts)["hot"].damaged, 1u);

  // Both damaged: the object is damaged.
  WriteBatch b3;
  warm.state = "damaged";
  b3.PutCopy(warm);
  ASSERT_OK(cat->Apply(b3));
  EXPECT_EQ(*cat->CountDamaged(), 1u);
  EXPECT_EQ(*cat->ListDamaged(10), std::vector<std::string>{"obj-a"});
  EXPECT_EQ((*cat->GetObject("obj-a"))->state, "damaged");

  // Repaired: back to active. A copy deleted leaves the counts right.
  WriteBatch b4;
  hot.state = "ok";
  b4.PutCopy(hot);
  b4.DeleteCopy("obj-a", "warm");
  ASSERT_OK(cat->Apply(b4));
  EXPECT_EQ(*cat->CountDamaged(), 0u);
  EXPECT_EQ((*cat->GetObject("obj-a"))->state, "active");
  ts = cat->GetTierStats();
  EXPECT_EQ(ts->count("warm"), 0u);
  EXPECT_EQ(cat->ListCopies("obj-a")->size(), 1u);
  EXPECT_TRUE(cat->ListVerifyQueue("warm", INT64_MAX, 10)->empty());
}

TEST_F(CatalogTest, ObjectHashAndOperationalState) {
  auto cat = OpenCatalog();
  ASSERT_TRUE(cat);
  WriteBatch b;
  b.PutObject(Obj("urn:uuid:1"));
  b.PutState("fixity/hot", nlohmann::json{{"cycle", 3}});
  b.PutState("remove/hot/x", nlohmann::json{{"object", "x"}});
  ASSERT_OK(cat->Apply(b));
  auto found = cat->FindObjectByHash(Sha256Hex("urn:uuid:1"));
  ASSERT_OK(found);
  EXPECT_EQ(found->value_or(""), "urn:uuid:1");
  EXPECT_FALSE(cat->FindObjectByHash(Sha256Hex("nope"))->has_value());
  EXPECT_EQ((*cat->GetState("fixity/hot"))->at("cycle"), 3);
  EXPECT_EQ(cat->ListState("remove/")->size(), 1u);
  WriteBatch b2;
  b2.DeleteState("remove/hot/x");
  b2.DeleteState("never-there");
  ASSERT_OK(cat->Apply(b2));
  EXPECT_TRUE(cat->ListState("remove/")->empty());
}

TEST_F(CatalogTest, SchemaOneCatalogIsMigrated) {
  // A version-1 catalog: objects and copies, no schema-2 tables or counts.
  {
    lmdb::Env::Options eo;
    eo.max_dbs = 16;
    std::filesystem::create_directories(dir_.path() / "catalog");
    auto env = lmdb::Env::Open(dir_.path() / "catalog", eo);
    ASSERT_OK(env);
    auto txn = lmdb::Txn::Begin(env->get(), 0);
    ASSERT_OK(txn);
    auto meta = txn->OpenDbi("meta", MDB_CREATE);
    auto objects = txn->OpenDbi("objects", MDB_CREATE);
    auto copies = txn->OpenDbi("copies", MDB_CREATE);
    ASSERT_OK(meta);
    ASSERT_OK(txn->Put(*meta, "schema_version", "1"));
    ASSERT_OK(txn->Put(*meta, "last_applied_seq", "7"));
    ASSERT_OK(txn->Put(*objects, "obj-a", ToJson(Obj("obj-a", 123)).dump()));
    std::string key = std::string("obj-a") + '\0' + "hot";
    nlohmann::json c = ToJson(Copy("obj-a", "hot", 42));
    c.erase("bytes");
    c["state"] = "damaged";
    ASSERT_OK(txn->Put(*copies, key, c.dump()));
    ASSERT_OK(std::move(*txn).Commit());
  }
  auto cat = Catalog::Open(dir_.path() / "catalog");
  ASSERT_OK(cat);
  EXPECT_EQ((*cat)->FindObjectByHash(Sha256Hex("obj-a"))->value_or(""), "obj-a");
  auto q = (*cat)->ListVerifyQueue("hot", INT64_MAX, 10);
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 1u);
  EXPECT_EQ((*q)[0].last_verified_ms, 42);
  EXPECT_EQ((*q)[0].bytes, 123u);
  EXPECT_EQ((*(*cat)->GetTierStats())["hot"].damaged, 1u);
  EXPECT_EQ(*(*cat)->CountDamaged(), 1u);
  EXPECT_EQ((*(*cat)->GetObject("obj-a"))->state, "damaged");
}

}  // namespace
}  // namespace vault::catalog
