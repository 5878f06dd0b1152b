// Helpers shared by the catalog tests (catalog_test.cc, catalog_lifecycle_test.cc,
// materialize_lifecycle_test.cc): record builders, a catalog in a temporary directory and
// lookups that fail the test on an error.
#ifndef VAULT_TESTS_CATALOG_CATALOG_FIXTURES_H_
#define VAULT_TESTS_CATALOG_CATALOG_FIXTURES_H_

#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/catalog/catalog.h"

namespace vault::catalog::fixtures {

// An active object with `bytes` bytes in `files` files, its package, fingerprint and version v1;
// retention "unspecified". Tests set what else they need.
inline ObjectRecord MakeObject(const std::string& id, uint64_t bytes, uint64_t files) {
  ObjectRecord r;
  r.id = id;
  r.file_code = "000.06.16.G09.2010.01.TH";
  r.title = "Hồ sơ " + id;
  r.state = "active";
  r.created = "2026-11-23T16:32:05.123+07:00";
  r.package = "pkg-" + id;
  r.fingerprint = "fp-" + id;
  r.head_version = "v1";
  r.retention = "unspecified";
  r.bytes = bytes;
  r.files = files;
  r.ingest_seq = 1;
  return r;
}

// A file of version v1 whose content has the hash "aa…a".
inline FileRecord File(const std::string& object_id, const std::string& path,
                       uint64_t size = 10) {
  FileRecord f;
  f.object_id = object_id;
  f.path = path;
  f.content_path = "v1/content/" + path;
  f.original_name = path;
  f.sha256 = std::string(64, 'a');
  f.size = size;
  return f;
}

// One member of every element of v, in order.
template <typename T>
std::vector<std::string> Fields(const std::vector<T>& v, std::string T::*member) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.*member);
  return out;
}
inline std::vector<std::string> Ids(const std::vector<ObjectRecord>& v) {
  return Fields(v, &ObjectRecord::id);
}
inline std::vector<std::string> Paths(const std::vector<FileRecord>& v) {
  return Fields(v, &FileRecord::path);
}
inline std::vector<std::string> Keys(const std::vector<std::pair<std::string, nlohmann::json>>& v) {
  return Fields(v, &std::pair<std::string, nlohmann::json>::first);
}
inline std::vector<std::string> QueueIds(const std::vector<QueuedCopy>& v) {
  return Fields(v, &QueuedCopy::object_id);
}

// The object as stored (fails the test when absent).
inline ObjectRecord Get(const Catalog& cat, const std::string& id) {
  auto o = cat.GetObject(id);
  EXPECT_OK(o);
  EXPECT_TRUE(o.ok() && o->has_value()) << id << " is absent";
  return o.ok() && o->has_value() ? **o : ObjectRecord{};
}
inline bool Has(const Catalog& cat, const std::string& id) {
  auto o = cat.GetObject(id);
  EXPECT_OK(o);
  return o.ok() && o->has_value();
}
inline std::optional<nlohmann::json> Record(const Catalog& cat, const std::string& key) {
  auto r = cat.GetRecord(key);
  EXPECT_OK(r);
  return r.ok() ? *r : std::nullopt;
}
inline uint64_t Count(const Catalog& cat, const std::string& prefix) {
  auto n = cat.CountRecords(prefix);
  EXPECT_OK(n);
  return n.ok() ? *n : UINT64_MAX;
}

// Checks the catalog's totals; call it under ASSERT_NO_FATAL_FAILURE to stop where they cannot
// be read.
inline void ExpectTotals(const Catalog& cat, uint64_t objects, uint64_t bytes, uint64_t files) {
  auto stats = cat.GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->objects, objects);
  EXPECT_EQ(stats->bytes, bytes);
  EXPECT_EQ(stats->files, files);
}

// A test with a temporary directory in which it opens catalogs.
class TempCatalogTest : public ::testing::Test {
 protected:
  std::unique_ptr<Catalog> OpenCatalog(const std::filesystem::path& dir,
                                       Catalog::Options o = {}) {
    auto r = Catalog::Open(dir, o);
    EXPECT_OK(r);
    return r.ok() ? std::move(r).value() : nullptr;
  }
  // The catalog in dir_/catalog.
  std::unique_ptr<Catalog> OpenCatalog(Catalog::Options o = {}) {
    return OpenCatalog(dir_.path() / "catalog", o);
  }

  ::vault::testing::TempDir dir_;
};

}  // namespace vault::catalog::fixtures

#endif  // VAULT_TESTS_CATALOG_CATALOG_FIXTURES_H_
