#include "vault/catalog/catalog.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <system_error>
#include <utility>

#include "vault/base/clock.h"
#include "vault/base/fs.h"
#include "vault/base/logging.h"
#include "vault/clib/crypto.h"
#include "vault/clib/lmdb.h"

namespace vault::catalog {
namespace {

using nlohmann::json;

constexpr std::string_view kComponent = "catalog";
// LMDB's compiled-in MDB_MAXKEYSIZE (0.9.x default). Longer file keys are shortened (below).
constexpr size_t kMaxKeyBytes = 511;
constexpr size_t kMaxIdBytes = 256;

// ---- JSON field helpers: missing → default, wrong type → kCorruption. ----

Status GetString(const json& j, const char* name, std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    return Status::Ok();
  }
  if (!it->is_string()) {
    return Status::Corruption(std::string("field ") + name + " is not a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

template <class Int>
Status GetInt(const json& j, const char* name, Int* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    return Status::Ok();
  }
  if (!it->is_number_integer()) {
    return Status::Corruption(std::string("field ") + name + " is not an integer");
  }
  if constexpr (std::is_unsigned_v<Int>) {
    if (!it->is_number_unsigned()) {
      return Status::Corruption(std::string("field ") + name + " is negative");
    }
  }
  *out = it->get<Int>();
  return Status::Ok();
}

Result<json> ParseValue(std::string_view bytes, std::string_view what) {
  json j = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption("catalog: unparseable JSON value in " + std::string(what));
  }
  return j;
}

// Serialises for storage. Strict UTF-8: a string with invalid UTF-8 is refused, never mangled.
Result<std::string> DumpValue(const json& j) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("catalog: value is not valid UTF-8 JSON: ") +
                                   e.what());
  }
}

std::string BigEndian64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

uint64_t FromBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (char c : s.substr(0, 8)) {
    v = (v << 8) | static_cast<unsigned char>(c);
  }
  return v;
}

std::string Composite(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + 1 + b.size());
  k.append(a);
  k.push_back('\0');
  k.append(b);
  return k;
}

// files key: object_id '\0' path. When that exceeds LMDB's key limit (deep paths with
// multi-byte names can), the key becomes object_id '\0' <path prefix> '\0' <sha256(path)>:
// still unique (a path never contains NUL) and still grouped under the object; the value keeps
// the full path, and ListFiles sorts by the value's path.
std::string FileKey(std::string_view object_id, std::string_view path) {
  std::string k = Composite(object_id, path);
  if (k.size() <= kMaxKeyBytes) {
    return k;
  }
  size_t keep = kMaxKeyBytes - object_id.size() - 2 - 64;
  return Composite(Composite(object_id, path.substr(0, keep)), Sha256Hex(path));
}

Status CheckId(std::string_view id, std::string_view what) {
  if (id.empty()) {
    return Status::InvalidArgument(std::string(what) + " is empty");
  }
  if (id.size() > kMaxIdBytes) {
    return Status::InvalidArgument(std::string(what) + " is longer than 256 bytes");
  }
  if (id.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " contains NUL");
  }
  return Status::Ok();
}

// Migration table: kMigrations[i] upgrades schema version i+1 to i+2 inside the open txn.
// Add a step here (and bump kSchemaVersion) when the stored layout changes.
struct Dbis;
using MigrationFn = Status (*)(const lmdb::Txn&, const Dbis&);
Status MigrateFrom1(const lmdb::Txn& txn, const Dbis& d);
Status MigrateFrom2(const lmdb::Txn& txn, const Dbis& d);
constexpr MigrationFn kMigrations[] = {&MigrateFrom1, &MigrateFrom2};
static_assert(std::size(kMigrations) + 1 >= static_cast<size_t>(kSchemaVersion));

// verify_queue key: tier '\0' BE64(last_verified_ms) '\0' object_id.
std::string QueueKey(std::string_view tier, int64_t last_verified_ms, std::string_view id) {
  return Composite(Composite(tier, BigEndian64(static_cast<uint64_t>(std::max<int64_t>(
                                       0, last_verified_ms)))),
                   id);
}

}  // namespace

// ---- JSON forms of the records. ----

json ToJson(const ObjectRecord& r) {
  return json{{"id", r.id},
              {"file_code", r.file_code},
              {"title", r.title},
              {"state", r.state},
              {"created", r.created},
              {"package", r.package},
              {"fingerprint", r.fingerprint},
              {"head_version", r.head_version},
              {"retention", r.retention},
              {"bytes", r.bytes},
              {"files", r.files},
              {"ingest_seq", r.ingest_seq},
              {"retention_info", r.retention_info},
              {"review", r.review},
              {"batch", r.batch}};
}

json ToJson(const FileRecord& r) {
  json j{{"object_id", r.object_id},         {"path", r.path},     {"content_path", r.content_path},
         {"original_name", r.original_name}, {"sha256", r.sha256}, {"size", r.size}};
  // Identification fields only when there is one (most records of old vaults have none).
  if (!r.format_basis.empty() || !r.puid.empty()) {
    j["puid"] = r.puid;
    j["format_name"] = r.format_name;
    j["format_version"] = r.format_version;
    j["format_basis"] = r.format_basis;
    j["format_signatures"] = r.format_signatures;
  }
  return j;
}

json ToJson(const CopyRecord& r) {
  return json{{"object_id", r.object_id},
              {"tier", r.tier},
              {"state", r.state},
              {"version", r.version},
              {"last_verified_ms", r.last_verified_ms},
              {"bytes", r.bytes}};
}

Result<ObjectRecord> ObjectFromJson(const json& j) {
  if (!j.is_object()) {
    return Status::Corruption("object record is not a JSON object");
  }
  ObjectRecord r;
  VAULT_RETURN_IF_ERROR(GetString(j, "id", &r.id));
  VAULT_RETURN_IF_ERROR(GetString(j, "file_code", &r.file_code));
  VAULT_RETURN_IF_ERROR(GetString(j, "title", &r.title));
  VAULT_RETURN_IF_ERROR(GetString(j, "state", &r.state));
  VAULT_RETURN_IF_ERROR(GetString(j, "created", &r.created));
  VAULT_RETURN_IF_ERROR(GetString(j, "package", &r.package));
  VAULT_RETURN_IF_ERROR(GetString(j, "fingerprint", &r.fingerprint));
  VAULT_RETURN_IF_ERROR(GetString(j, "head_version", &r.head_version));
  VAULT_RETURN_IF_ERROR(GetString(j, "retention", &r.retention));
  VAULT_RETURN_IF_ERROR(GetInt(j, "bytes", &r.bytes));
  VAULT_RETURN_IF_ERROR(GetInt(j, "files", &r.files));
  VAULT_RETURN_IF_ERROR(GetInt(j, "ingest_seq", &r.ingest_seq));
  if (auto it = j.find("retention_info"); it != j.end()) {
    if (!it->is_object()) return Status::Corruption("object record: retention_info is not an object");
    r.retention_info = *it;
  }
  VAULT_RETURN_IF_ERROR(GetString(j, "review", &r.review));
  VAULT_RETURN_IF_ERROR(GetString(j, "batch", &r.batch));
  return r;
}

Result<FileRecord> FileFromJson(const json& j) {
  if (!j.is_object()) {
    return Status::Corruption("file record is not a JSON object");
  }
  FileRecord r;
  VAULT_RETURN_IF_ERROR(GetString(j, "object_id", &r.object_id));
  VAULT_RETURN_IF_ERROR(GetString(j, "path", &r.path));
  VAULT_RETURN_IF_ERROR(GetString(j, "content_path", &r.content_path));
  VAULT_RETURN_IF_ERROR(GetString(j, "original_name", &r.original_name));
  VAULT_RETURN_IF_ERROR(GetString(j, "sha256", &r.sha256));
  VAULT_RETURN_IF_ERROR(GetInt(j, "size", &r.size));
  VAULT_RETURN_IF_ERROR(GetString(j, "puid", &r.puid));
  VAULT_RETURN_IF_ERROR(GetString(j, "format_name", &r.format_name));
  VAULT_RETURN_IF_ERROR(GetString(j, "format_version", &r.format_version));
  VAULT_RETURN_IF_ERROR(GetString(j, "format_basis", &r.format_basis));
  VAULT_RETURN_IF_ERROR(GetString(j, "format_signatures", &r.format_signatures));
  return r;
}

Result<CopyRecord> CopyFromJson(const json& j) {
  if (!j.is_object()) {
    return Status::Corruption("copy record is not a JSON object");
  }
  CopyRecord r;
  VAULT_RETURN_IF_ERROR(GetString(j, "object_id", &r.object_id));
  VAULT_RETURN_IF_ERROR(GetString(j, "tier", &r.tier));
  VAULT_RETURN_IF_ERROR(GetString(j, "state", &r.state));
  VAULT_RETURN_IF_ERROR(GetString(j, "version", &r.version));
  VAULT_RETURN_IF_ERROR(GetInt(j, "last_verified_ms", &r.last_verified_ms));
  VAULT_RETURN_IF_ERROR(GetInt(j, "bytes", &r.bytes));
  return r;
}

// ---- WriteBatch ----

void WriteBatch::PutObject(ObjectRecord r) { ops_.emplace_back(std::move(r)); }
void WriteBatch::PutFile(FileRecord r) { ops_.emplace_back(std::move(r)); }
void WriteBatch::PutCopy(CopyRecord r) { ops_.emplace_back(std::move(r)); }
void WriteBatch::DeleteObject(std::string object_id) {
  ops_.emplace_back(ObjectDelete{std::move(object_id)});
}
void WriteBatch::PutRecord(std::string key, nlohmann::json value) {
  ops_.emplace_back(RecordPut{std::move(key), std::move(value)});
}
void WriteBatch::DeleteRecord(std::string key) {
  ops_.emplace_back(RecordPut{std::move(key), std::nullopt});
}
void WriteBatch::MergeRecord(std::string key, nlohmann::json fields) {
  ops_.emplace_back(RecordPut{std::move(key), std::move(fields), true});
}
void WriteBatch::PatchObject(std::string object_id, nlohmann::json fields, std::string expect_batch) {
  ops_.emplace_back(ObjectPatch{std::move(object_id), std::move(fields), std::move(expect_batch)});
}
void WriteBatch::PutFingerprint(std::string fingerprint, std::string object_id) {
  ops_.emplace_back(Fingerprint{std::move(fingerprint), std::move(object_id)});
}
void WriteBatch::IndexEvent(uint64_t seq, std::string object_id, std::string type) {
  ops_.emplace_back(EventIndex{seq, std::move(object_id), std::move(type)});
}
void WriteBatch::SetLastAppliedSeq(uint64_t seq) { ops_.emplace_back(LastApplied{seq}); }
void WriteBatch::DeleteCopy(std::string object_id, std::string tier) {
  ops_.emplace_back(CopyDelete{std::move(object_id), std::move(tier)});
}
void WriteBatch::TouchCopy(std::string object_id, std::string tier, std::string expected_state,
                           int64_t last_verified_ms) {
  ops_.emplace_back(CopyTouch{std::move(object_id), std::move(tier), std::move(expected_state),
                              last_verified_ms});
}
void WriteBatch::PutState(std::string key, nlohmann::json value) {
  ops_.emplace_back(StatePut{std::move(key), std::move(value)});
}
void WriteBatch::DeleteState(std::string key) {
  ops_.emplace_back(StatePut{std::move(key), std::nullopt});
}
void WriteBatch::PutJob(std::string job_id, nlohmann::json job) {
  ops_.emplace_back(Job{std::move(job_id), std::move(job)});
}

// ---- Catalog ----

namespace {
struct Dbis {
  MDB_dbi meta = 0, objects = 0, files = 0, copies = 0, fingerprints = 0, events = 0,
          object_events = 0, jobs = 0, object_hash = 0, verify_queue = 0, damaged = 0, state = 0,
          lifecycle = 0;
};

using TierStatsMap = std::map<std::string, TierStats>;

Result<TierStatsMap> ReadTierStats(const lmdb::Txn& txn, const Dbis& d) {
  TierStatsMap m;
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(d.meta, "tier_stats"));
  if (!v) {
    return m;
  }
  VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "meta tier_stats"));
  if (!j.is_object()) {
    return Status::Corruption("catalog: meta tier_stats is not an object");
  }
  for (const auto& [tier, t] : j.items()) {
    TierStats s;
    VAULT_RETURN_IF_ERROR(GetInt(t, "ok", &s.ok));
    VAULT_RETURN_IF_ERROR(GetInt(t, "damaged", &s.damaged));
    VAULT_RETURN_IF_ERROR(GetInt(t, "missing", &s.missing));
    VAULT_RETURN_IF_ERROR(GetInt(t, "bytes", &s.bytes));
    m[tier] = s;
  }
  return m;
}

json TierStatsJson(const TierStatsMap& m) {
  json j = json::object();
  for (const auto& [tier, s] : m) {
    j[tier] = json{{"ok", s.ok}, {"damaged", s.damaged}, {"missing", s.missing}, {"bytes", s.bytes}};
  }
  return j;
}

void CountCopy(TierStatsMap& m, const CopyRecord& c, int sign) {
  TierStats& s = m[c.tier];
  auto adj = [sign](uint64_t& v, uint64_t by) { v = sign > 0 ? v + by : v - std::min(v, by); };
  if (c.state == "ok") {
    adj(s.ok, 1);
  } else if (c.state == "damaged") {
    adj(s.damaged, 1);
  } else {
    adj(s.missing, 1);
  }
  adj(s.bytes, c.bytes);
  if (s.copies() == 0 && s.bytes == 0) m.erase(c.tier);
}

// Removes the copy's previous record (if any) from the queue and the per-tier counts.
Result<bool> UnindexCopy(const lmdb::Txn& txn, const Dbis& d, std::string_view object_id,
                         std::string_view tier, TierStatsMap& stats) {
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> old,
                         txn.Get(d.copies, Composite(object_id, tier)));
  if (!old) return false;
  VAULT_ASSIGN_OR_RETURN(json oj, ParseValue(*old, "copies"));
  VAULT_ASSIGN_OR_RETURN(CopyRecord prev, CopyFromJson(oj));
  VAULT_RETURN_IF_ERROR(
      txn.Del(d.verify_queue, QueueKey(prev.tier, prev.last_verified_ms, prev.object_id)).status());
  CountCopy(stats, prev, -1);
  return true;
}

Status IndexCopy(const lmdb::Txn& txn, const Dbis& d, const CopyRecord& c, TierStatsMap& stats) {
  VAULT_RETURN_IF_ERROR(txn.Put(d.verify_queue, QueueKey(c.tier, c.last_verified_ms, c.object_id),
                                BigEndian64(c.bytes)));
  CountCopy(stats, c, +1);
  return Status::Ok();
}

// Recomputes whether `object_id` is damaged (copies, none ok) and keeps the damaged table and
// the object's state in step.
Status RefreshObjectState(const lmdb::Txn& txn, const Dbis& d, const std::string& object_id) {
  uint64_t copies = 0, ok = 0;
  {
    VAULT_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, d.copies));
    std::string prefix = Composite(object_id, "");
    std::string_view key = prefix, value;
    VAULT_ASSIGN_OR_RETURN(bool more, cur.Get(MDB_SET_RANGE, &key, &value));
    while (more && key.substr(0, prefix.size()) == prefix) {
      VAULT_ASSIGN_OR_RETURN(json j, ParseValue(value, "copies"));
      VAULT_ASSIGN_OR_RETURN(CopyRecord c, CopyFromJson(j));
      ++copies;
      if (c.state == "ok") ++ok;
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
  }
  const bool damaged = copies > 0 && ok == 0;
  if (damaged) {
    VAULT_RETURN_IF_ERROR(txn.Put(d.damaged, object_id, ""));
  } else {
    VAULT_RETURN_IF_ERROR(txn.Del(d.damaged, object_id).status());
  }
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> ov, txn.Get(d.objects, object_id));
  if (ov) {
    VAULT_ASSIGN_OR_RETURN(json oj, ParseValue(*ov, "objects"));
    VAULT_ASSIGN_OR_RETURN(ObjectRecord o, ObjectFromJson(oj));
    std::string want = damaged ? "damaged" : (o.state == "damaged" ? "active" : o.state);
    if (want != o.state) {
      o.state = want;
      VAULT_ASSIGN_OR_RETURN(std::string bytes, DumpValue(ToJson(o)));
      VAULT_RETURN_IF_ERROR(txn.Put(d.objects, object_id, bytes));
    }
  }
  return Status::Ok();
}

struct StatsCounters {
  uint64_t objects = 0, bytes = 0, files = 0;
};

Result<StatsCounters> ReadStats(const lmdb::Txn& txn, const Dbis& d) {
  StatsCounters s;
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(d.meta, "stats"));
  if (!v) {
    return s;
  }
  VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "meta stats"));
  if (!j.is_object()) {
    return Status::Corruption("catalog: meta stats is not an object");
  }
  VAULT_RETURN_IF_ERROR(GetInt(j, "objects", &s.objects));
  VAULT_RETURN_IF_ERROR(GetInt(j, "bytes", &s.bytes));
  VAULT_RETURN_IF_ERROR(GetInt(j, "files", &s.files));
  return s;
}

Result<uint64_t> ReadLastApplied(const lmdb::Txn& txn, const Dbis& d) {
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(d.meta, "last_applied_seq"));
  if (!v) {
    return uint64_t{0};
  }
  VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "meta last_applied_seq"));
  if (!j.is_number_unsigned()) {
    return Status::Corruption("catalog: last_applied_seq is not a number");
  }
  return j.get<uint64_t>();
}

Status PutJson(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view key, const json& value) {
  VAULT_ASSIGN_OR_RETURN(std::string bytes, DumpValue(value));
  return txn.Put(dbi, key, bytes);
}

// Visits every (key, value) whose key starts with `prefix` ("" = all), in key order.
template <class Fn>
Status ScanPrefix(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view prefix, Fn&& fn) {
  VAULT_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, dbi));
  std::string_view key = prefix, value;
  VAULT_ASSIGN_OR_RETURN(bool more,
                         cur.Get(prefix.empty() ? MDB_FIRST : MDB_SET_RANGE, &key, &value));
  while (more && key.substr(0, prefix.size()) == prefix) {
    VAULT_RETURN_IF_ERROR(fn(key, value));
    VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
  }
  return Status::Ok();
}

// 1 → 2: object_hash from objects; verify_queue, tier_stats and damaged from copies.
Status MigrateFrom1(const lmdb::Txn& txn, const Dbis& d) {
  std::vector<std::string> ids;
  VAULT_RETURN_IF_ERROR(ScanPrefix(txn, d.objects, "", [&](std::string_view k, std::string_view) {
    ids.emplace_back(k);
    return Status::Ok();
  }));
  for (const auto& id : ids) VAULT_RETURN_IF_ERROR(txn.Put(d.object_hash, Sha256Hex(id), id));
  TierStatsMap stats;
  std::vector<CopyRecord> copies;
  VAULT_RETURN_IF_ERROR(ScanPrefix(txn, d.copies, "", [&](std::string_view, std::string_view v) -> Status {
    VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "copies"));
    VAULT_ASSIGN_OR_RETURN(CopyRecord c, CopyFromJson(j));
    copies.push_back(std::move(c));
    return Status::Ok();
  }));
  std::set<std::string> touched;
  for (auto& c : copies) {
    // Schema 1 kept no sizes and left last_verified at 0 unless a verify ran: take the object's
    // bytes, and its ingest time as the last verification (every digest was checked then) —
    // what a rebuild from the log gives.
    if (c.bytes == 0 || c.last_verified_ms == 0) {
      if (auto ov = txn.Get(d.objects, c.object_id); ov.ok() && *ov) {
        if (auto oj = ParseValue(**ov, "objects"); oj.ok()) {
          if (auto o = ObjectFromJson(*oj); o.ok()) {
            if (c.bytes == 0) c.bytes = o->bytes;
            if (c.last_verified_ms == 0) c.last_verified_ms = ParseIso8601Millis(o->created).value_or(0);
          }
        }
      }
      VAULT_RETURN_IF_ERROR(PutJson(txn, d.copies, Composite(c.object_id, c.tier), ToJson(c)));
    }
    VAULT_RETURN_IF_ERROR(IndexCopy(txn, d, c, stats));
    touched.insert(c.object_id);
  }
  for (const auto& id : touched) VAULT_RETURN_IF_ERROR(RefreshObjectState(txn, d, id));
  return PutJson(txn, d.meta, "tier_stats", TierStatsJson(stats));
}

// 2 → 3: the lifecycle table (created empty by Open); object records gain retention_info,
// review and batch, which read as defaults when absent. Nothing to convert.
Status MigrateFrom2(const lmdb::Txn&, const Dbis&) { return Status::Ok(); }

}  // namespace

struct Catalog::Impl {
  Impl(lmdb::Env e, Options o) : env(std::move(e)), opts(o) {}

  lmdb::Env env;
  Options opts;
  Dbis d;
  // Lock order: write_mu, then map_mu. map_mu is held shared by every txn in flight and
  // exclusively while the map is resized (LMDB: no active txn during mdb_env_set_mapsize).
  std::mutex write_mu;
  mutable std::shared_mutex map_mu;

  // Runs fn(txn) in one short read txn.
  template <class Fn>
  auto Read(Fn&& fn) const -> decltype(fn(std::declval<const lmdb::Txn&>())) {
    std::shared_lock lock(map_mu);
    VAULT_ASSIGN_OR_RETURN(lmdb::Txn txn, lmdb::Txn::Begin(env.get(), MDB_RDONLY));
    return fn(txn);
  }

  Status ApplyOnce(const WriteBatch& b);
  Status Grow();
};

Status Catalog::Impl::ApplyOnce(const WriteBatch& b) {
  std::shared_lock lock(map_mu);
  VAULT_ASSIGN_OR_RETURN(lmdb::Txn txn, lmdb::Txn::Begin(env.get(), 0));
  VAULT_ASSIGN_OR_RETURN(StatsCounters stats, ReadStats(txn, d));
  const StatsCounters stats_before = stats;
  VAULT_ASSIGN_OR_RETURN(uint64_t last_applied, ReadLastApplied(txn, d));
  const uint64_t last_applied_before = last_applied;
  VAULT_ASSIGN_OR_RETURN(TierStatsMap tier_stats, ReadTierStats(txn, d));
  const json tier_stats_before = TierStatsJson(tier_stats);
  std::set<std::string> touched;  // objects whose copies changed

  for (const WriteBatch::Op& op : b.ops()) {
    Status s;
    if (const auto* o = std::get_if<ObjectRecord>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(o->id, "object id"));
      VAULT_ASSIGN_OR_RETURN(std::optional<std::string> old, txn.Get(d.objects, o->id));
      if (old) {
        VAULT_ASSIGN_OR_RETURN(json oj, ParseValue(*old, "objects"));
        VAULT_ASSIGN_OR_RETURN(ObjectRecord prev, ObjectFromJson(oj));
        stats.bytes -= std::min(stats.bytes, prev.bytes);
        stats.files -= std::min(stats.files, prev.files);
      } else {
        ++stats.objects;
      }
      stats.bytes += o->bytes;
      stats.files += o->files;
      s = PutJson(txn, d.objects, o->id, ToJson(*o));
      if (s.ok()) s = txn.Put(d.object_hash, Sha256Hex(o->id), o->id);
      if (s.ok()) {
        const std::string rk = "review/" + o->id;
        s = o->review.empty()
                ? txn.Del(d.lifecycle, rk).status()
                : PutJson(txn, d.lifecycle, rk, json{{"review", o->review}, {"batch", o->batch}});
      }
      touched.insert(o->id);
    } else if (const auto* od = std::get_if<WriteBatch::ObjectDelete>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(od->object_id, "object id"));
      const std::string& id = od->object_id;
      VAULT_ASSIGN_OR_RETURN(std::optional<std::string> old, txn.Get(d.objects, id));
      if (old) {
        VAULT_ASSIGN_OR_RETURN(json oj, ParseValue(*old, "objects"));
        VAULT_ASSIGN_OR_RETURN(ObjectRecord prev, ObjectFromJson(oj));
        stats.objects -= std::min<uint64_t>(stats.objects, 1);
        stats.bytes -= std::min(stats.bytes, prev.bytes);
        stats.files -= std::min(stats.files, prev.files);
        if (!prev.fingerprint.empty()) {
          VAULT_ASSIGN_OR_RETURN(std::optional<std::string> fv,
                                 txn.Get(d.fingerprints, prev.fingerprint));
          if (fv) {
            VAULT_ASSIGN_OR_RETURN(json fj, ParseValue(*fv, "fingerprints"));
            if (fj.is_object() && fj.value("object_id", "") == id) {
              VAULT_RETURN_IF_ERROR(txn.Del(d.fingerprints, prev.fingerprint).status());
            }
          }
        }
      }
      std::vector<std::string> file_keys, copy_tiers;
      const std::string prefix = Composite(id, "");
      VAULT_RETURN_IF_ERROR(ScanPrefix(txn, d.files, prefix, [&](std::string_view k, std::string_view) {
        file_keys.emplace_back(k);
        return Status::Ok();
      }));
      VAULT_RETURN_IF_ERROR(ScanPrefix(txn, d.copies, prefix, [&](std::string_view k, std::string_view) {
        copy_tiers.emplace_back(k.substr(prefix.size()));
        return Status::Ok();
      }));
      for (const auto& k : file_keys) VAULT_RETURN_IF_ERROR(txn.Del(d.files, k).status());
      for (const auto& t : copy_tiers) {
        VAULT_RETURN_IF_ERROR(UnindexCopy(txn, d, id, t, tier_stats).status());
        VAULT_RETURN_IF_ERROR(txn.Del(d.copies, Composite(id, t)).status());
      }
      VAULT_RETURN_IF_ERROR(txn.Del(d.object_hash, Sha256Hex(id)).status());
      VAULT_RETURN_IF_ERROR(txn.Del(d.damaged, id).status());
      VAULT_RETURN_IF_ERROR(txn.Del(d.lifecycle, "review/" + id).status());
      s = txn.Del(d.objects, id).status();
      touched.erase(id);
    } else if (const auto* rp = std::get_if<WriteBatch::RecordPut>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(rp->key, "record key"));
      if (rp->value && rp->merge) {
        if (!rp->value->is_object()) return Status::InvalidArgument("record merge: not an object");
        json cur = json::object();
        VAULT_ASSIGN_OR_RETURN(std::optional<std::string> old, txn.Get(d.lifecycle, rp->key));
        if (old) {
          VAULT_ASSIGN_OR_RETURN(cur, ParseValue(*old, "lifecycle"));
          if (!cur.is_object()) cur = json::object();
        }
        for (const auto& [k, v] : rp->value->items()) cur[k] = v;
        s = PutJson(txn, d.lifecycle, rp->key, cur);
      } else {
        s = rp->value ? PutJson(txn, d.lifecycle, rp->key, *rp->value)
                      : txn.Del(d.lifecycle, rp->key).status();
      }
    } else if (const auto* op_patch = std::get_if<WriteBatch::ObjectPatch>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(op_patch->object_id, "object id"));
      if (!op_patch->fields.is_object()) return Status::InvalidArgument("object patch: not an object");
      VAULT_ASSIGN_OR_RETURN(std::optional<std::string> old, txn.Get(d.objects, op_patch->object_id));
      if (old) {
        VAULT_ASSIGN_OR_RETURN(json oj, ParseValue(*old, "objects"));
        VAULT_ASSIGN_OR_RETURN(ObjectRecord prev, ObjectFromJson(oj));
        if (op_patch->expect_batch.empty() || prev.batch == op_patch->expect_batch) {
          json merged = ToJson(prev);
          for (const auto& [k, v] : op_patch->fields.items()) {
            if (k == "id") return Status::InvalidArgument("object patch may not change " + k);
            merged[k] = v;
          }
          VAULT_ASSIGN_OR_RETURN(ObjectRecord next, ObjectFromJson(merged));
          // A new version changes the object's size and file count: the stats follow.
          stats.bytes -= std::min(stats.bytes, prev.bytes);
          stats.files -= std::min(stats.files, prev.files);
          stats.bytes += next.bytes;
          stats.files += next.files;
          s = PutJson(txn, d.objects, next.id, ToJson(next));
          if (s.ok()) {
            const std::string rk = "review/" + next.id;
            s = next.review.empty() ? txn.Del(d.lifecycle, rk).status()
                                    : PutJson(txn, d.lifecycle, rk,
                                              json{{"review", next.review}, {"batch", next.batch}});
          }
        }
      }
    } else if (const auto* f = std::get_if<FileRecord>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(f->object_id, "file object_id"));
      if (f->path.empty() || f->path.find('\0') != std::string::npos) {
        return Status::InvalidArgument("file path is empty or contains NUL");
      }
      s = PutJson(txn, d.files, FileKey(f->object_id, f->path), ToJson(*f));
    } else if (const auto* c = std::get_if<CopyRecord>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(c->object_id, "copy object_id"));
      VAULT_RETURN_IF_ERROR(CheckId(c->tier, "copy tier"));
      VAULT_RETURN_IF_ERROR(UnindexCopy(txn, d, c->object_id, c->tier, tier_stats).status());
      s = PutJson(txn, d.copies, Composite(c->object_id, c->tier), ToJson(*c));
      if (s.ok()) s = IndexCopy(txn, d, *c, tier_stats);
      touched.insert(c->object_id);
    } else if (const auto* cd = std::get_if<WriteBatch::CopyDelete>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(cd->object_id, "copy object_id"));
      VAULT_RETURN_IF_ERROR(CheckId(cd->tier, "copy tier"));
      VAULT_ASSIGN_OR_RETURN(bool existed, UnindexCopy(txn, d, cd->object_id, cd->tier, tier_stats));
      if (existed) s = txn.Del(d.copies, Composite(cd->object_id, cd->tier)).status();
      touched.insert(cd->object_id);
    } else if (const auto* ct = std::get_if<WriteBatch::CopyTouch>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(ct->object_id, "copy object_id"));
      VAULT_RETURN_IF_ERROR(CheckId(ct->tier, "copy tier"));
      VAULT_ASSIGN_OR_RETURN(std::optional<std::string> old,
                             txn.Get(d.copies, Composite(ct->object_id, ct->tier)));
      if (old) {
        VAULT_ASSIGN_OR_RETURN(json oj, ParseValue(*old, "copies"));
        VAULT_ASSIGN_OR_RETURN(CopyRecord cur, CopyFromJson(oj));
        if (cur.state == ct->expected_state && cur.last_verified_ms != ct->last_verified_ms) {
          VAULT_RETURN_IF_ERROR(UnindexCopy(txn, d, cur.object_id, cur.tier, tier_stats).status());
          cur.last_verified_ms = ct->last_verified_ms;
          s = PutJson(txn, d.copies, Composite(cur.object_id, cur.tier), ToJson(cur));
          if (s.ok()) s = IndexCopy(txn, d, cur, tier_stats);
        }
      }
    } else if (const auto* sp = std::get_if<WriteBatch::StatePut>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(sp->key, "state key"));
      if (sp->value) {
        s = PutJson(txn, d.state, sp->key, *sp->value);
      } else {
        s = txn.Del(d.state, sp->key).status();
      }
    } else if (const auto* fp = std::get_if<WriteBatch::Fingerprint>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(fp->fingerprint, "fingerprint"));
      s = PutJson(txn, d.fingerprints, fp->fingerprint, json{{"object_id", fp->object_id}});
    } else if (const auto* ev = std::get_if<WriteBatch::EventIndex>(&op)) {
      if (ev->seq == 0) {
        return Status::InvalidArgument("event seq 0");
      }
      s = PutJson(txn, d.events, BigEndian64(ev->seq),
                  json{{"object", ev->object_id}, {"type", ev->type}});
      if (s.ok() && !ev->object_id.empty()) {
        VAULT_RETURN_IF_ERROR(CheckId(ev->object_id, "event object_id"));
        s = PutJson(txn, d.object_events, Composite(ev->object_id, BigEndian64(ev->seq)),
                    json{{"type", ev->type}});
      }
    } else if (const auto* la = std::get_if<WriteBatch::LastApplied>(&op)) {
      last_applied = std::max(last_applied, la->seq);
    } else if (const auto* job = std::get_if<WriteBatch::Job>(&op)) {
      VAULT_RETURN_IF_ERROR(CheckId(job->id, "job id"));
      s = PutJson(txn, d.jobs, job->id, job->job);
    }
    VAULT_RETURN_IF_ERROR(s);
  }

  for (const std::string& id : touched) {
    VAULT_RETURN_IF_ERROR(RefreshObjectState(txn, d, id));
  }
  if (json ts = TierStatsJson(tier_stats); ts != tier_stats_before) {
    VAULT_RETURN_IF_ERROR(PutJson(txn, d.meta, "tier_stats", ts));
  }
  if (stats.objects != stats_before.objects || stats.bytes != stats_before.bytes ||
      stats.files != stats_before.files) {
    VAULT_RETURN_IF_ERROR(
        PutJson(txn, d.meta, "stats",
                json{{"objects", stats.objects}, {"bytes", stats.bytes}, {"files", stats.files}}));
  }
  if (last_applied != last_applied_before) {
    VAULT_RETURN_IF_ERROR(PutJson(txn, d.meta, "last_applied_seq", json(last_applied)));
  }
  CrashPoint("catalog.apply.before_commit");
  VAULT_RETURN_IF_ERROR(std::move(txn).Commit());
  CrashPoint("catalog.apply.after_commit");
  return Status::Ok();
}

Status Catalog::Impl::Grow() {
  std::unique_lock lock(map_mu);  // waits for in-flight read txns
  uint64_t cur = env.MapSize();
  if (cur >= opts.max_map_bytes) {
    return Status::ResourceExhausted("catalog: LMDB map is full at its maximum size of " +
                                     std::to_string(opts.max_map_bytes) + " bytes");
  }
  uint64_t next = std::min(opts.max_map_bytes, cur * 2);
  VAULT_RETURN_IF_ERROR(env.SetMapSize(next));
  LogInfo(kComponent, "grew LMDB map from " + std::to_string(cur) + " to " +
                          std::to_string(env.MapSize()) + " bytes");
  return Status::Ok();
}

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::~Catalog() = default;

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::filesystem::path& dir) {
  return Open(dir, Options{});
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::filesystem::path& dir, Options o) {
  if (o.max_map_bytes < o.initial_map_bytes) {
    o.max_map_bytes = o.initial_map_bytes;
  }
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(dir));
  // Start from the larger of the configured size and what the data file already holds, so a
  // reopened catalog does not start with a string of MAP_FULL retries.
  uint64_t map_bytes = o.initial_map_bytes;
  std::error_code ec;
  uint64_t existing = std::filesystem::file_size(dir / "data.mdb", ec);
  if (!ec) {
    map_bytes = std::max(map_bytes, existing);
  }

  lmdb::Env::Options eo;
  eo.map_bytes = map_bytes;
  eo.max_dbs = 16;
  eo.flags = MDB_NOTLS;
  VAULT_ASSIGN_OR_RETURN(lmdb::Env env, lmdb::Env::Open(dir, eo));
  auto impl = std::make_unique<Impl>(std::move(env), o);
  Dbis& d = impl->d;

  // One write txn opens every DBI (they stay valid for the env's life) and checks/initialises
  // the schema. Nothing is committed when the schema is refused.
  VAULT_ASSIGN_OR_RETURN(lmdb::Txn txn, lmdb::Txn::Begin(impl->env.get(), 0));
  VAULT_ASSIGN_OR_RETURN(d.meta, txn.OpenDbi("meta", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> version, txn.Get(d.meta, "schema_version"));
  int64_t stored = 0;
  if (version) {
    json j = json::parse(*version, nullptr, false);
    if (!j.is_number_integer()) {
      return Status::Corruption("catalog " + dir.string() +
                                ": meta schema_version is not a number");
    }
    stored = j.get<int64_t>();
    if (stored > kSchemaVersion) {
      return Status::FailedPrecondition(
          "catalog " + dir.string() + " has schema version " + std::to_string(stored) +
          ", newer than this build supports (" + std::to_string(kSchemaVersion) +
          "): upgrade archive-vault, or stop the daemon and run `vaultctl catalog rebuild`");
    }
    if (stored < 1) {
      return Status::Corruption("catalog " + dir.string() + ": invalid schema version " +
                                std::to_string(stored));
    }
  }
  VAULT_ASSIGN_OR_RETURN(d.objects, txn.OpenDbi("objects", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.files, txn.OpenDbi("files", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.copies, txn.OpenDbi("copies", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.fingerprints, txn.OpenDbi("fingerprints", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.events, txn.OpenDbi("events", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.object_events, txn.OpenDbi("object_events", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.jobs, txn.OpenDbi("jobs", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.object_hash, txn.OpenDbi("object_hash", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.verify_queue, txn.OpenDbi("verify_queue", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.damaged, txn.OpenDbi("damaged", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.state, txn.OpenDbi("state", MDB_CREATE));
  VAULT_ASSIGN_OR_RETURN(d.lifecycle, txn.OpenDbi("lifecycle", MDB_CREATE));
  if (!version) {
    VAULT_RETURN_IF_ERROR(PutJson(txn, d.meta, "schema_version", json(kSchemaVersion)));
    VAULT_RETURN_IF_ERROR(
        PutJson(txn, d.meta, "created", json(FormatIso8601(SystemClock::Default().Now()))));
    VAULT_RETURN_IF_ERROR(PutJson(txn, d.meta, "last_applied_seq", json(0)));
    VAULT_RETURN_IF_ERROR(
        PutJson(txn, d.meta, "stats", json{{"objects", 0}, {"bytes", 0}, {"files", 0}}));
  } else if (stored < kSchemaVersion) {
    for (int64_t v = stored; v < kSchemaVersion; ++v) {
      MigrationFn step = kMigrations[v - 1];
      VAULT_CHECK(step != nullptr);
      VAULT_RETURN_IF_ERROR(step(txn, d));
      LogInfo(kComponent, "migrated schema " + std::to_string(v) + " → " + std::to_string(v + 1));
    }
    VAULT_RETURN_IF_ERROR(PutJson(txn, d.meta, "schema_version", json(kSchemaVersion)));
  }
  CrashPoint("catalog.open.before_commit");
  VAULT_RETURN_IF_ERROR(std::move(txn).Commit());
  return std::unique_ptr<Catalog>(new Catalog(std::move(impl)));
}

Status Catalog::Apply(const WriteBatch& b) {
  if (b.empty()) {
    return Status::Ok();
  }
  std::lock_guard w(impl_->write_mu);
  for (;;) {
    Status s = impl_->ApplyOnce(b);
    if (s.ok()) {
      return s;
    }
    if (IsLmdbMapFull(s)) {
      VAULT_RETURN_IF_ERROR(impl_->Grow());
      continue;
    }
    if (s.code() == Code::kUnavailable) {  // MDB_MAP_RESIZED: another process grew the map
      std::unique_lock lock(impl_->map_mu);
      VAULT_RETURN_IF_ERROR(impl_->env.SetMapSize(0));
      continue;
    }
    return std::move(s).WithContext("catalog apply");
  }
}

Result<std::optional<ObjectRecord>> Catalog::GetObject(std::string_view id) const {
  // Ids from requests may be anything; one that could never be stored is simply absent
  // (LMDB would reject an over-long key with an error).
  if (!CheckId(id, "id").ok()) {
    return std::optional<ObjectRecord>();
  }
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::optional<ObjectRecord>> {
    VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(impl_->d.objects, id));
    if (!v) {
      return std::optional<ObjectRecord>();
    }
    VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "objects"));
    VAULT_ASSIGN_OR_RETURN(ObjectRecord r, ObjectFromJson(j));
    return std::optional<ObjectRecord>(std::move(r));
  });
}

Result<std::vector<ObjectRecord>> Catalog::ListObjects(std::string_view after_id,
                                                       size_t limit) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<ObjectRecord>> {
    std::vector<ObjectRecord> out;
    if (limit == 0) {
      return out;
    }
    VAULT_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, impl_->d.objects));
    // Seek to the first id >= after_id (cut to a valid key length; ids are at most 256 bytes)
    // and step past ids <= after_id.
    std::string_view key = after_id.substr(0, kMaxIdBytes), value;
    VAULT_ASSIGN_OR_RETURN(bool more,
                           cur.Get(after_id.empty() ? MDB_FIRST : MDB_SET_RANGE, &key, &value));
    while (more && !after_id.empty() && key <= after_id) {
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
    while (more && out.size() < limit) {
      VAULT_ASSIGN_OR_RETURN(json j, ParseValue(value, "objects"));
      VAULT_ASSIGN_OR_RETURN(ObjectRecord r, ObjectFromJson(j));
      out.push_back(std::move(r));
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
    return out;
  });
}

Result<std::vector<FileRecord>> Catalog::ListFiles(std::string_view object_id) const {
  if (!CheckId(object_id, "id").ok()) {
    return std::vector<FileRecord>();
  }
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<FileRecord>> {
    std::vector<FileRecord> out;
    Status scan1 = ScanPrefix(txn, impl_->d.files, Composite(object_id, ""),
                              [&](std::string_view, std::string_view v) -> Status {
                                VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "files"));
                                VAULT_ASSIGN_OR_RETURN(FileRecord r, FileFromJson(j));
                                out.push_back(std::move(r));
                                return Status::Ok();
                              });
    VAULT_RETURN_IF_ERROR(scan1);
    // Keys of very long paths are shortened (FileKey), so restore exact path order.
    std::stable_sort(out.begin(), out.end(),
                     [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
    return out;
  });
}

Result<std::vector<CopyRecord>> Catalog::ListCopies(std::string_view object_id) const {
  if (!CheckId(object_id, "id").ok()) {
    return std::vector<CopyRecord>();
  }
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<CopyRecord>> {
    std::vector<CopyRecord> out;
    Status scan2 = ScanPrefix(txn, impl_->d.copies, Composite(object_id, ""),
                              [&](std::string_view, std::string_view v) -> Status {
                                VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "copies"));
                                VAULT_ASSIGN_OR_RETURN(CopyRecord r, CopyFromJson(j));
                                out.push_back(std::move(r));
                                return Status::Ok();
                              });
    VAULT_RETURN_IF_ERROR(scan2);
    return out;
  });
}

Result<std::optional<std::string>> Catalog::FindFingerprint(std::string_view fingerprint) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::optional<std::string>> {
    if (fingerprint.empty() || fingerprint.size() > kMaxKeyBytes) {
      return std::optional<std::string>();
    }
    VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v,
                           txn.Get(impl_->d.fingerprints, fingerprint));
    if (!v) {
      return std::optional<std::string>();
    }
    VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "fingerprints"));
    std::string id;
    VAULT_RETURN_IF_ERROR(GetString(j, "object_id", &id));
    return std::optional<std::string>(std::move(id));
  });
}

Result<std::optional<nlohmann::json>> Catalog::GetJob(std::string_view job_id) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::optional<json>> {
    if (job_id.empty() || job_id.size() > kMaxKeyBytes) {
      return std::optional<json>();
    }
    VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(impl_->d.jobs, job_id));
    if (!v) {
      return std::optional<json>();
    }
    VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "jobs"));
    return std::optional<json>(std::move(j));
  });
}

Result<std::vector<uint64_t>> Catalog::ListObjectEvents(std::string_view object_id) const {
  if (!CheckId(object_id, "id").ok()) {
    return std::vector<uint64_t>();
  }
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<uint64_t>> {
    std::vector<uint64_t> out;
    std::string prefix = Composite(object_id, "");
    Status scan3 = ScanPrefix(txn, impl_->d.object_events, prefix,
                              [&](std::string_view k, std::string_view) -> Status {
                                out.push_back(FromBigEndian64(k.substr(prefix.size())));
                                return Status::Ok();
                              });
    VAULT_RETURN_IF_ERROR(scan3);
    return out;
  });
}

Result<Stats> Catalog::GetStats() const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<Stats> {
    VAULT_ASSIGN_OR_RETURN(StatsCounters c, ReadStats(txn, impl_->d));
    VAULT_ASSIGN_OR_RETURN(uint64_t last, ReadLastApplied(txn, impl_->d));
    return Stats{c.objects, c.bytes, c.files, last};
  });
}

Result<uint64_t> Catalog::LastAppliedSeq() const {
  return impl_->Read(
      [&](const lmdb::Txn& txn) -> Result<uint64_t> { return ReadLastApplied(txn, impl_->d); });
}

Result<std::optional<nlohmann::json>> Catalog::GetRecord(std::string_view key) const {
  if (!CheckId(key, "key").ok()) return std::optional<json>();
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::optional<json>> {
    VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(impl_->d.lifecycle, key));
    if (!v) return std::optional<json>();
    VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "lifecycle"));
    return std::optional<json>(std::move(j));
  });
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> Catalog::ListRecords(
    std::string_view prefix, size_t limit) const {
  using Out = std::vector<std::pair<std::string, json>>;
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<Out> {
    Out out;
    if (limit == 0) return out;
    VAULT_RETURN_IF_ERROR(ScanPrefix(txn, impl_->d.lifecycle, prefix,
                                     [&](std::string_view k, std::string_view v) -> Status {
                                       if (out.size() >= limit) return Status::Ok();
                                       VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "lifecycle"));
                                       out.emplace_back(std::string(k), std::move(j));
                                       return Status::Ok();
                                     }));
    return out;
  });
}

Result<uint64_t> Catalog::CountRecords(std::string_view prefix) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<uint64_t> {
    uint64_t n = 0;
    VAULT_RETURN_IF_ERROR(ScanPrefix(txn, impl_->d.lifecycle, prefix,
                                     [&](std::string_view, std::string_view) {
                                       ++n;
                                       return Status::Ok();
                                     }));
    return n;
  });
}

Result<nlohmann::json> Catalog::DumpRebuildable() const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<json> {
    const Dbis& d = impl_->d;
    json out = json::object();
    out["schema_version"] = kSchemaVersion;

    json objects = json::array();
    Status scan4 =
        ScanPrefix(txn, d.objects, "", [&](std::string_view, std::string_view v) -> Status {
          VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "objects"));
          VAULT_ASSIGN_OR_RETURN(ObjectRecord r, ObjectFromJson(j));
          objects.push_back(ToJson(r));
          return Status::Ok();
        });
    VAULT_RETURN_IF_ERROR(scan4);
    out["objects"] = std::move(objects);

    json files = json::array();
    Status scan5 =
        ScanPrefix(txn, d.files, "", [&](std::string_view, std::string_view v) -> Status {
          VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "files"));
          VAULT_ASSIGN_OR_RETURN(FileRecord r, FileFromJson(j));
          files.push_back(ToJson(r));
          return Status::Ok();
        });
    VAULT_RETURN_IF_ERROR(scan5);
    out["files"] = std::move(files);

    json copies = json::array();
    Status scan6 =
        ScanPrefix(txn, d.copies, "", [&](std::string_view, std::string_view v) -> Status {
          VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "copies"));
          VAULT_ASSIGN_OR_RETURN(CopyRecord r, CopyFromJson(j));
          json cj = ToJson(r);
          cj.erase("last_verified_ms");  // operational, not rebuildable
          copies.push_back(std::move(cj));
          return Status::Ok();
        });
    VAULT_RETURN_IF_ERROR(scan6);
    out["copies"] = std::move(copies);

    json fingerprints = json::object();
    Status scan7 =
        ScanPrefix(txn, d.fingerprints, "", [&](std::string_view k, std::string_view v) -> Status {
          VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "fingerprints"));
          std::string id;
          VAULT_RETURN_IF_ERROR(GetString(j, "object_id", &id));
          fingerprints[std::string(k)] = id;
          return Status::Ok();
        });
    VAULT_RETURN_IF_ERROR(scan7);
    out["fingerprints"] = std::move(fingerprints);

    json events = json::array();
    Status scan8 =
        ScanPrefix(txn, d.events, "", [&](std::string_view k, std::string_view v) -> Status {
          VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "events"));
          std::string object, type;
          VAULT_RETURN_IF_ERROR(GetString(j, "object", &object));
          VAULT_RETURN_IF_ERROR(GetString(j, "type", &type));
          events.push_back(json{{"seq", FromBigEndian64(k)}, {"object", object}, {"type", type}});
          return Status::Ok();
        });
    VAULT_RETURN_IF_ERROR(scan8);
    out["events"] = std::move(events);

    json object_events = json::object();
    Status scan9 =
        ScanPrefix(txn, d.object_events, "", [&](std::string_view k, std::string_view v) -> Status {
          size_t nul = k.find('\0');
          if (nul == std::string_view::npos || k.size() != nul + 9) {
            return Status::Corruption("catalog: malformed object_events key");
          }
          VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "object_events"));
          std::string type;
          VAULT_RETURN_IF_ERROR(GetString(j, "type", &type));
          object_events[std::string(k.substr(0, nul))].push_back(
              json{{"seq", FromBigEndian64(k.substr(nul + 1))}, {"type", type}});
          return Status::Ok();
        });
    VAULT_RETURN_IF_ERROR(scan9);
    out["object_events"] = std::move(object_events);

    json damaged = json::array();
    VAULT_RETURN_IF_ERROR(ScanPrefix(txn, d.damaged, "", [&](std::string_view k, std::string_view) {
      damaged.push_back(std::string(k));
      return Status::Ok();
    }));
    out["damaged"] = std::move(damaged);
    json lifecycle = json::object();
    VAULT_RETURN_IF_ERROR(ScanPrefix(txn, d.lifecycle, "", [&](std::string_view k, std::string_view v) -> Status {
      VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "lifecycle"));
      lifecycle[std::string(k)] = std::move(j);
      return Status::Ok();
    }));
    out["lifecycle"] = std::move(lifecycle);
    VAULT_ASSIGN_OR_RETURN(TierStatsMap ts, ReadTierStats(txn, d));
    out["tier_stats"] = TierStatsJson(ts);

    VAULT_ASSIGN_OR_RETURN(StatsCounters c, ReadStats(txn, d));
    out["stats"] = json{{"objects", c.objects}, {"bytes", c.bytes}, {"files", c.files}};
    VAULT_ASSIGN_OR_RETURN(uint64_t last, ReadLastApplied(txn, d));
    out["last_applied_seq"] = last;
    return out;
  });
}

Result<std::map<std::string, TierStats>> Catalog::GetTierStats() const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::map<std::string, TierStats>> {
    return ReadTierStats(txn, impl_->d);
  });
}

Result<std::vector<QueuedCopy>> Catalog::ListVerifyQueue(std::string_view tier, int64_t before_ms,
                                                         size_t limit,
                                                         const QueuedCopy* after) const {
  if (!CheckId(tier, "tier").ok()) return std::vector<QueuedCopy>();
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<QueuedCopy>> {
    std::vector<QueuedCopy> out;
    if (limit == 0) return out;
    const std::string prefix = Composite(tier, "");
    const std::string start =
        after ? QueueKey(tier, after->last_verified_ms, after->object_id) : prefix;
    VAULT_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, impl_->d.verify_queue));
    std::string_view key = start, value;
    VAULT_ASSIGN_OR_RETURN(bool more, cur.Get(MDB_SET_RANGE, &key, &value));
    if (more && after && key == start) {
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
    while (more && out.size() < limit && key.substr(0, prefix.size()) == prefix) {
      if (key.size() < prefix.size() + 9) return Status::Corruption("catalog: malformed verify_queue key");
      QueuedCopy q;
      q.last_verified_ms = static_cast<int64_t>(FromBigEndian64(key.substr(prefix.size(), 8)));
      if (q.last_verified_ms >= before_ms) break;
      q.object_id = std::string(key.substr(prefix.size() + 9));
      q.bytes = FromBigEndian64(value);
      out.push_back(std::move(q));
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
    return out;
  });
}

Result<uint64_t> Catalog::CountVerifyQueueBefore(std::string_view tier, int64_t before_ms) const {
  if (!CheckId(tier, "tier").ok()) return uint64_t{0};
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<uint64_t> {
    const std::string prefix = Composite(tier, "");
    const std::string end = Composite(tier, BigEndian64(static_cast<uint64_t>(std::max<int64_t>(0, before_ms))));
    VAULT_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, impl_->d.verify_queue));
    std::string_view key = prefix, value;
    uint64_t n = 0;
    VAULT_ASSIGN_OR_RETURN(bool more, cur.Get(MDB_SET_RANGE, &key, &value));
    while (more && key.substr(0, prefix.size()) == prefix && key < end) {
      ++n;
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
    return n;
  });
}

Result<std::vector<std::string>> Catalog::ListDamaged(size_t limit) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<std::string>> {
    std::vector<std::string> out;
    VAULT_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, impl_->d.damaged));
    std::string_view key, value;
    VAULT_ASSIGN_OR_RETURN(bool more, cur.Get(MDB_FIRST, &key, &value));
    while (more && out.size() < limit) {
      out.emplace_back(key);
      VAULT_ASSIGN_OR_RETURN(more, cur.Get(MDB_NEXT, &key, &value));
    }
    return out;
  });
}

Result<uint64_t> Catalog::CountDamaged() const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<uint64_t> {
    MDB_stat st;
    int rc = mdb_stat(txn.get(), impl_->d.damaged, &st);
    if (rc != 0) return Status::IoError(std::string("mdb_stat: ") + mdb_strerror(rc));
    return static_cast<uint64_t>(st.ms_entries);
  });
}

Result<std::optional<std::string>> Catalog::FindObjectByHash(std::string_view hash) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::optional<std::string>> {
    if (hash.empty() || hash.size() > kMaxKeyBytes) return std::optional<std::string>();
    return txn.Get(impl_->d.object_hash, hash);
  });
}

Result<std::optional<nlohmann::json>> Catalog::GetState(std::string_view key) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::optional<json>> {
    if (key.empty() || key.size() > kMaxKeyBytes) return std::optional<json>();
    VAULT_ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(impl_->d.state, key));
    if (!v) return std::optional<json>();
    VAULT_ASSIGN_OR_RETURN(json j, ParseValue(*v, "state"));
    return std::optional<json>(std::move(j));
  });
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> Catalog::ListState(
    std::string_view prefix) const {
  return impl_->Read([&](const lmdb::Txn& txn) -> Result<std::vector<std::pair<std::string, json>>> {
    std::vector<std::pair<std::string, json>> out;
    VAULT_RETURN_IF_ERROR(ScanPrefix(txn, impl_->d.state, prefix,
                                     [&](std::string_view k, std::string_view v) -> Status {
                                       VAULT_ASSIGN_OR_RETURN(json j, ParseValue(v, "state"));
                                       out.emplace_back(std::string(k), std::move(j));
                                       return Status::Ok();
                                     }));
    return out;
  });
}

uint64_t Catalog::MapSizeForTesting() const {
  std::shared_lock lock(impl_->map_mu);
  return impl_->env.MapSize();
}

}  // namespace vault::catalog
