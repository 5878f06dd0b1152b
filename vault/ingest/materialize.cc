#include "vault/ingest/materialize.h"

#include <optional>
#include <unordered_map>

#include "vault/base/clock.h"

#include "formats/mets/aip.h"
#include "formats/ocfl/inventory.h"

namespace vault::ingest {
namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The class placement rules match on: "permanent" | "<N>y" | "event" | "unspecified".
std::string RetentionClass(const nlohmann::json& r) {
  std::string kind = r.value("kind", "");
  if (kind == "permanent" || kind == "event") return kind;
  if (kind == "years" && r.contains("years") && r["years"].is_number_integer()) {
    return std::to_string(r["years"].get<int64_t>()) + "y";
  }
  return "unspecified";
}

int64_t EventMillis(const eventlog::Event& e) { return ParseIso8601Millis(e.time).value_or(0); }

uint64_t U64(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

// The copy record an event about one copy implies: detail {tier, state, version, bytes}.
// The copy counts as verified at the event's time (found good, or found damaged).
std::optional<catalog::CopyRecord> CopyFromEvent(const eventlog::Event& e, std::string state) {
  catalog::CopyRecord c;
  c.object_id = e.object;
  c.tier = Str(e.detail, "tier");
  c.state = state.empty() ? Str(e.detail, "state") : std::move(state);
  c.version = Str(e.detail, "version");
  c.bytes = U64(e.detail, "bytes");
  c.last_verified_ms = EventMillis(e);
  if (c.tier.empty() || c.state.empty()) return std::nullopt;
  return c;
}

constexpr char kPremisPath[] = "metadata/preservation/premis.xml";

// Lifecycle events (docs/RETENTION.md §3): review, retention changes, holds, disposal batches
// and destruction. Pure: everything comes from the event, partial updates are catalog ops.
void MaterializeLifecycle(const eventlog::Event& e, catalog::WriteBatch& batch) {
  const auto& d = e.detail;
  if (!d.is_object() || e.outcome != "success") return;
  const std::string action = Str(d, "action");
  const std::string batch_id = Str(d, "batch");
  auto object_ids = [&]() {
    std::vector<std::string> ids;
    if (auto it = d.find("objects"); it != d.end() && it->is_array()) {
      for (const auto& o : *it) {
        if (o.is_string()) ids.push_back(o.get<std::string>());
        else if (o.is_object() && o.contains("id") && o["id"].is_string()) ids.push_back(o["id"].get<std::string>());
      }
    }
    return ids;
  };
  if (e.type == "appraisal" && !e.object.empty() && action == "due") {
    batch.PatchObject(e.object, {{"review", "due"}});
  } else if (e.type == "policy assignment" && !e.object.empty()) {
    if (action == "extend" || action == "permanent") {
      if (auto r = d.find("retention"); r != d.end() && r->is_object()) {
        batch.PatchObject(e.object, {{"retention_info", *r}, {"retention", RetentionClass(*r)},
                                     {"review", ""}, {"batch", ""}});
      }
    } else if (action == "hold") {
      std::string hold = Str(d, "hold");
      if (!hold.empty()) {
        batch.PutRecord("hold/" + hold, {{"hold", hold}, {"object", e.object},
                                         {"reason", Str(d, "reason")}, {"mandate", Str(d, "mandate")},
                                         {"placed_by", e.agent}, {"placed", e.time}, {"seq", e.seq}});
      }
    } else if (action == "release") {
      std::string hold = Str(d, "hold");
      if (!hold.empty()) batch.DeleteRecord("hold/" + hold);
    }
  } else if (e.type == "appraisal" && e.object.empty() && !batch_id.empty()) {
    const std::string key = "batch/" + batch_id;
    if (action == "propose") {
      nlohmann::json objects = d.contains("objects") ? d["objects"] : nlohmann::json::array();
      batch.PutRecord(key, {{"batch", batch_id}, {"state", "proposed"}, {"reason", Str(d, "reason")},
                            {"objects", objects}, {"proposer", e.agent}, {"proposed", e.time},
                            {"proposed_seq", e.seq}});
      for (const auto& id : object_ids()) {
        batch.PatchObject(id, {{"review", "proposed"}, {"batch", batch_id}});
      }
    } else if (action == "approve") {
      batch.MergeRecord(key, {{"state", "approved"}, {"approver", e.agent}, {"approved", e.time},
                              {"decision", Str(d, "decision")},
                              {"decision_date", Str(d, "decision_date")},
                              {"deadline", Str(d, "deadline")}, {"approved_seq", e.seq}});
      for (const auto& id : object_ids()) batch.PatchObject(id, {{"review", "approved"}}, batch_id);
    } else if (action == "cancel") {
      batch.MergeRecord(key, {{"state", "cancelled"}, {"cancelled_by", e.agent},
                              {"cancelled", e.time}, {"cancel_reason", Str(d, "reason")}});
      for (const auto& id : object_ids()) {
        batch.PatchObject(id, {{"review", "due"}, {"batch", ""}}, batch_id);
      }
    } else if (action == "executed") {
      batch.MergeRecord(key, {{"state", "executed"}, {"executed", e.time},
                              {"record_sha256", Str(d, "record_sha256")}});
    }
  } else if (e.type == "deaccession" && !e.object.empty()) {
    nlohmann::json tomb = d.contains("tombstone") && d["tombstone"].is_object()
                              ? d["tombstone"] : nlohmann::json::object();
    tomb["id"] = e.object;
    tomb["batch"] = batch_id;
    tomb["executor"] = e.agent;
    tomb["started"] = e.time;
    tomb["destroyed"] = nullptr;
    batch.PutRecord("tombstone/" + e.object, tomb);
    batch.PatchObject(e.object, {{"review", "destroying"}});
    if (!batch_id.empty()) {
      batch.MergeRecord("batch/" + batch_id, {{"state", "executing"}, {"executor", e.agent}});
    }
  } else if (e.type == "deletion" && !e.object.empty()) {
    nlohmann::json tiers = d.contains("tiers") ? d["tiers"] : nlohmann::json::array();
    batch.MergeRecord("tombstone/" + e.object,
                      {{"destroyed", e.time}, {"tiers", tiers}, {"deletion_seq", e.seq}});
    batch.DeleteObject(e.object);
  }
}

// The object record an ingestion event describes (files, bytes and version come from storage).
catalog::ObjectRecord ObjectFromEvent(const eventlog::Event& e) {
  const auto& d = e.detail;
  catalog::ObjectRecord obj;
  obj.id = e.object;
  obj.file_code = Str(d, "file_code");
  obj.title = Str(d, "title");
  obj.state = "active";
  obj.created = e.time;
  obj.package = Str(d, "package");
  obj.fingerprint = Str(d, "fingerprint");
  obj.head_version = Str(d, "version");
  obj.retention = "unspecified";
  if (auto r = d.find("retention"); r != d.end() && r->is_object()) {
    obj.retention_info = *r;
    obj.retention = RetentionClass(*r);
  }
  obj.ingest_seq = e.seq;
  return obj;
}

// An object destroyed later in the log: only what the event says (no files, no copies); the
// deaccession and deletion events that follow complete its history.
void MaterializeDestroyedIngestion(const eventlog::Event& e, catalog::WriteBatch& batch) {
  catalog::ObjectRecord obj = ObjectFromEvent(e);
  if (!obj.fingerprint.empty()) batch.PutFingerprint(obj.fingerprint, e.object);
  batch.PutObject(std::move(obj));
}



// One FileRecord per logical path of `state` (see PutVersionFiles).
Status PutStateFiles(const std::string& object, store::OcflStore& store, const ocfl::Inventory& inv,
                     const std::map<std::string, std::vector<std::string>>& state,
                     catalog::WriteBatch& batch, uint64_t* bytes, uint64_t* files) {
  // digest -> content path (first listed) from the manifest.
  std::unordered_map<std::string, std::string> content_of;
  for (const auto& [digest, paths] : inv.manifest) {
    if (!paths.empty()) content_of.emplace(digest, paths.front());
  }
  // PREMIS gives sizes, the names as submitted and the formats.
  mets::Aip aip;
  for (const auto& [digest, paths] : state) {
    for (const auto& p : paths) {
      if (p == kPremisPath) {
        VAULT_ASSIGN_OR_RETURN(std::string xml,
                               store.ReadContent(object, content_of[digest], 256ull << 20));
        VAULT_ASSIGN_OR_RETURN(aip, mets::ReadPremis(xml));
      }
    }
  }
  std::unordered_map<std::string, const mets::PremisFile*> premis_by_path;
  for (const auto& f : aip.files) premis_by_path.emplace(f.path, &f);
  *bytes = 0;
  *files = 0;
  for (const auto& [digest, paths] : state) {
    for (const auto& p : paths) {
      catalog::FileRecord f;
      f.object_id = object;
      f.path = p;
      f.content_path = content_of[digest];
      f.sha256 = digest;
      if (auto pf = premis_by_path.find(p); pf != premis_by_path.end()) {
        const mets::PremisFile& m = *pf->second;
        f.size = m.size;
        f.original_name = m.original_name;
        f.puid = m.format_puid;
        f.format_name = m.format_name;
        f.format_version = m.format_version;
        const mets::FormatNote note = mets::ReadFormatNote(m.format_note);
        f.format_basis = note.basis;
        f.format_signatures = note.signatures;
      } else {
        VAULT_ASSIGN_OR_RETURN(auto info,
                               store.tier().Stat(store.ObjectPath(object) + "/" + f.content_path));
        f.size = info.size;
      }
      *bytes += f.size;
      *files += 1;
      batch.PutFile(std::move(f));
    }
  }
  return Status::Ok();
}

// Reads the inventory of e.object from `tier`, or, when that copy is gone (moved to another
// tier later) or unreadable (damaged), from any other tier that holds it: every copy holds the
// same object. Sets *from to the store it came from.
Result<ocfl::Inventory> ReadInventoryAnywhere(const std::string& object, const std::string& tier,
                                              const StoreMap& stores, store::OcflStore** from) {
  auto it = stores.find(tier);
  if (it == stores.end()) return Status::NotFound("unknown tier '" + tier + "'");
  *from = it->second;
  auto inv_or = (*from)->ReadInventory(object);
  for (auto other = stores.begin(); !inv_or.ok() && other != stores.end(); ++other) {
    if (other->second == it->second) continue;
    auto alt = other->second->ReadInventory(object);
    if (alt.ok()) {
      *from = other->second;
      inv_or = std::move(alt);
    }
  }
  return inv_or;
}

// The files of version `version_key` ("v1", "v2", …; "" = head) of the object: one FileRecord
// per logical path (content path from the manifest, size, name as submitted and format from
// that version's PREMIS). Adds them to `batch`; *bytes / *files get the totals.
Status PutVersionFiles(const std::string& object, store::OcflStore& store,
                       const ocfl::Inventory& inv, const std::string& version_key,
                       catalog::WriteBatch& batch, uint64_t* bytes, uint64_t* files,
                       std::string* version_out) {
  auto ver = inv.versions.rbegin();
  if (ver == inv.versions.rend()) return Status::Corruption("inventory has no versions: " + object);
  if (!version_key.empty()) {
    auto want = ocfl::ParseVersionName(version_key);
    if (!want) return Status::Corruption("bad version '" + version_key + "' for " + object);
    auto found = inv.versions.find(*want);
    if (found == inv.versions.end()) {
      return Status::NotFound("object " + object + " has no version " + version_key +
                              " (head " + inv.head + ")");
    }
    *version_out = version_key;
    const auto& state = found->second.state;
    return PutStateFiles(object, store, inv, state, batch, bytes, files);
  }
  *version_out = inv.head;
  return PutStateFiles(object, store, inv, ver->second.state, batch, bytes, files);
}

Status MaterializeIngestion(const eventlog::Event& e, const StoreMap& stores,
                            catalog::WriteBatch& batch) {
  const auto& d = e.detail;
  std::string tier = Str(d, "tier");
  if (stores.find(tier) == stores.end()) {
    return Status::NotFound("event " + std::to_string(e.seq) + " names unknown tier '" + tier + "'");
  }
  store::OcflStore* from = nullptr;
  VAULT_ASSIGN_OR_RETURN(ocfl::Inventory inv, ReadInventoryAnywhere(e.object, tier, stores, &from));
  catalog::ObjectRecord obj = ObjectFromEvent(e);
  // The version the event stored (v1), not the head: later versions are their own events, so a
  // rebuild replays the object's history in order.
  VAULT_RETURN_IF_ERROR(PutVersionFiles(e.object, *from, inv, Str(d, "version"), batch, &obj.bytes,
                                        &obj.files, &obj.head_version));
  catalog::CopyRecord copy;
  copy.object_id = e.object;
  copy.tier = tier;
  copy.state = "ok";
  copy.version = obj.head_version;
  copy.bytes = obj.bytes;
  copy.last_verified_ms = EventMillis(e);  // every digest was checked while it was stored
  batch.PutCopy(std::move(copy));
  if (!obj.fingerprint.empty()) batch.PutFingerprint(obj.fingerprint, e.object);
  batch.PutObject(std::move(obj));
  return Status::Ok();
}

// A successful "migration" event (docs/MIGRATION.md): a new version on every tier it names,
// each verified before the event. The object's files become that version's state, its head and
// size follow, and every named copy is at that version, verified at the event's time.
Status MaterializeMigration(const eventlog::Event& e, const StoreMap& stores,
                            catalog::WriteBatch& batch) {
  const auto& d = e.detail;
  const std::string version = Str(d, "version");
  std::vector<std::string> tiers;
  if (auto it = d.find("tiers"); it != d.end() && it->is_array()) {
    for (const auto& t : *it) {
      if (t.is_string()) tiers.push_back(t.get<std::string>());
    }
  }
  if (version.empty() || tiers.empty()) {
    return Status::Corruption("migration event " + std::to_string(e.seq) +
                              " names no version or no tiers");
  }
  store::OcflStore* from = nullptr;
  VAULT_ASSIGN_OR_RETURN(ocfl::Inventory inv,
                         ReadInventoryAnywhere(e.object, tiers.front(), stores, &from));
  uint64_t bytes = 0, files = 0;
  std::string got;
  VAULT_RETURN_IF_ERROR(
      PutVersionFiles(e.object, *from, inv, version, batch, &bytes, &files, &got));
  batch.PatchObject(e.object, {{"head_version", version}, {"bytes", bytes}, {"files", files}});
  for (const auto& t : tiers) {
    catalog::CopyRecord copy;
    copy.object_id = e.object;
    copy.tier = t;
    copy.state = "ok";
    copy.version = version;
    copy.bytes = bytes;
    copy.last_verified_ms = EventMillis(e);
    batch.PutCopy(std::move(copy));
  }
  return Status::Ok();
}

}  // namespace

Status MaterializeEvent(const eventlog::Event& event, const StoreMap& stores,
                        catalog::WriteBatch& batch, const std::set<std::string>* destroyed) {
  if (event.type == "ingestion" && event.outcome == "success" && !event.object.empty()) {
    if (destroyed && destroyed->count(event.object)) {
      catalog::WriteBatch attempt;
      if (MaterializeIngestion(event, stores, attempt).ok()) {
        batch.Append(attempt);
      } else {
        MaterializeDestroyedIngestion(event, batch);
      }
    } else {
      VAULT_RETURN_IF_ERROR(MaterializeIngestion(event, stores, batch)
                                .WithContext("materialise event " + std::to_string(event.seq)));
    }
  }
  if (event.type == "migration" && !event.object.empty()) {
    // A failed attempt is remembered per source file, so the plan does not retry it on every
    // run (docs/MIGRATION.md); a success clears the sources it converted.
    std::vector<std::string> sources;
    if (auto it = event.detail.find("items"); it != event.detail.end() && it->is_array()) {
      for (const auto& i : *it) sources.push_back(i.is_object() ? Str(i, "source") : "");
    } else {
      sources.push_back(Str(event.detail, "source"));
    }
    for (const auto& src : sources) {
      if (src.empty()) continue;
      const std::string key = "migration_failed/" + event.object + "\n" + src;
      if (event.outcome == "success") {
        batch.DeleteRecord(key);
      } else {
        batch.PutRecord(key, {{"object", event.object}, {"source", src}, {"seq", event.seq},
                              {"time", event.time}, {"reason", Str(event.detail, "reason")}});
      }
    }
    if (event.outcome == "success" && !(destroyed && destroyed->count(event.object))) {
      VAULT_RETURN_IF_ERROR(MaterializeMigration(event, stores, batch)
                                .WithContext("materialise event " + std::to_string(event.seq)));
    }
  }
  if (event.type == "fixity check" && !event.object.empty()) {
    // A copy changed state (ok <-> damaged): the catalog's copy record follows the log.
    if (auto c = CopyFromEvent(event, "")) batch.PutCopy(std::move(*c));
  }
  if ((event.type == "replication" || event.type == "recovery") && !event.object.empty() &&
      event.outcome == "success") {
    // A new copy written and verified on a tier, or a damaged copy restored and re-verified.
    if (auto c = CopyFromEvent(event, "ok")) batch.PutCopy(std::move(*c));
  }
  if (event.type == "transfer" && !event.object.empty() && event.outcome == "success") {
    // A placement move switched from one tier to another: the source copy no longer counts,
    // and its files are to be removed (a pending removal survives a crash: see lifecycle).
    std::string from = Str(event.detail, "from");
    if (!from.empty()) {
      batch.DeleteCopy(event.object, from);
      batch.PutState("remove/" + from + "/" + event.object,
                     nlohmann::json{{"object", event.object}, {"tier", from}, {"seq", event.seq}});
    }
  }
  if (event.type == "appraisal" || event.type == "policy assignment" ||
      event.type == "deaccession" || event.type == "deletion") {
    MaterializeLifecycle(event, batch);
  }
  if (!event.object.empty()) batch.IndexEvent(event.seq, event.object, event.type);
  batch.SetLastAppliedSeq(event.seq);
  return Status::Ok();
}

Result<uint64_t> ReplayLog(const eventlog::EventLog& log, const StoreMap& stores,
                           catalog::Catalog& catalog) {
  VAULT_ASSIGN_OR_RETURN(uint64_t last, catalog.LastAppliedSeq());
  // Objects destroyed later in the part replayed: their content is gone from every tier.
  std::set<std::string> destroyed;
  VAULT_RETURN_IF_ERROR(log.ReadFrom(last, [&](const eventlog::Event& e) {
    if (e.type == "deletion" && e.outcome == "success" && !e.object.empty()) {
      destroyed.insert(e.object);
    }
    return true;
  }));
  uint64_t applied = 0;
  Status failure;
  auto batch = std::make_unique<catalog::WriteBatch>();
  size_t in_batch = 0;
  Status s = log.ReadFrom(last, [&](const eventlog::Event& e) {
    failure = MaterializeEvent(e, stores, *batch, &destroyed);
    if (!failure.ok()) return false;
    ++applied;
    if (++in_batch == 256) {
      failure = catalog.Apply(*batch);
      batch = std::make_unique<catalog::WriteBatch>();
      in_batch = 0;
      if (!failure.ok()) return false;
    }
    return true;
  });
  VAULT_RETURN_IF_ERROR(std::move(s));
  VAULT_RETURN_IF_ERROR(std::move(failure));
  if (in_batch > 0) VAULT_RETURN_IF_ERROR(catalog.Apply(*batch));
  return applied;
}

}  // namespace vault::ingest
