#include "vault/ingest/materialize.h"

#include <unordered_map>

#include "formats/mets/aip.h"

namespace vault::ingest {
namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

constexpr char kPremisPath[] = "metadata/preservation/premis.xml";

Status MaterializeIngestion(const eventlog::Event& e, const StoreMap& stores,
                            catalog::WriteBatch& batch) {
  const auto& d = e.detail;
  std::string tier = Str(d, "tier");
  auto it = stores.find(tier);
  if (it == stores.end()) {
    return Status::NotFound("event " + std::to_string(e.seq) + " names unknown tier '" + tier + "'");
  }
  store::OcflStore& store = *it->second;
  VAULT_ASSIGN_OR_RETURN(ocfl::Inventory inv, store.ReadInventory(e.object));
  auto head = inv.versions.rbegin();
  if (head == inv.versions.rend()) return Status::Corruption("inventory has no versions: " + e.object);

  // digest -> content path (first listed) from the manifest.
  std::unordered_map<std::string, std::string> content_of;
  for (const auto& [digest, paths] : inv.manifest) {
    if (!paths.empty()) content_of.emplace(digest, paths.front());
  }
  // PREMIS gives sizes and the names as submitted.
  std::unordered_map<std::string, const mets::PremisFile*> premis_by_path;
  mets::Aip aip;
  for (const auto& [digest, paths] : head->second.state) {
    for (const auto& p : paths) {
      if (p == kPremisPath) {
        VAULT_ASSIGN_OR_RETURN(std::string xml,
                               store.ReadContent(e.object, content_of[digest], 256ull << 20));
        VAULT_ASSIGN_OR_RETURN(aip, mets::ReadPremis(xml));
      }
    }
  }
  for (const auto& f : aip.files) premis_by_path.emplace(f.path, &f);

  catalog::ObjectRecord obj;
  obj.id = e.object;
  obj.file_code = Str(d, "file_code");
  obj.title = Str(d, "title");
  obj.state = "active";
  obj.created = e.time;
  obj.package = Str(d, "package");
  obj.fingerprint = Str(d, "fingerprint");
  obj.head_version = inv.head;
  obj.retention = Str(d, "retention").empty() ? "unspecified" : Str(d, "retention");
  obj.ingest_seq = e.seq;
  for (const auto& [digest, paths] : head->second.state) {
    for (const auto& p : paths) {
      catalog::FileRecord f;
      f.object_id = e.object;
      f.path = p;
      f.content_path = content_of[digest];
      f.sha256 = digest;
      if (auto pf = premis_by_path.find(p); pf != premis_by_path.end()) {
        f.size = pf->second->size;
        f.original_name = pf->second->original_name;
      } else {
        VAULT_ASSIGN_OR_RETURN(auto info,
                               store.tier().Stat(store.ObjectPath(e.object) + "/" + f.content_path));
        f.size = info.size;
      }
      obj.bytes += f.size;
      obj.files += 1;
      batch.PutFile(std::move(f));
    }
  }
  catalog::CopyRecord copy;
  copy.object_id = e.object;
  copy.tier = tier;
  copy.state = "ok";
  copy.version = inv.head;
  batch.PutCopy(std::move(copy));
  if (!obj.fingerprint.empty()) batch.PutFingerprint(obj.fingerprint, e.object);
  batch.PutObject(std::move(obj));
  return Status::Ok();
}

}  // namespace

Status MaterializeEvent(const eventlog::Event& event, const StoreMap& stores,
                        catalog::WriteBatch& batch) {
  if (event.type == "ingestion" && event.outcome == "success" && !event.object.empty()) {
    VAULT_RETURN_IF_ERROR(MaterializeIngestion(event, stores, batch)
                              .WithContext("materialise event " + std::to_string(event.seq)));
  }
  if (event.type == "fixity check" && !event.object.empty()) {
    // A copy changed state (ok <-> damaged): the catalog's copy record follows the log.
    catalog::CopyRecord c;
    c.object_id = event.object;
    c.tier = Str(event.detail, "tier");
    c.state = Str(event.detail, "state");
    c.version = Str(event.detail, "version");
    if (!c.tier.empty() && !c.state.empty()) batch.PutCopy(std::move(c));
  }
  if (!event.object.empty()) batch.IndexEvent(event.seq, event.object, event.type);
  batch.SetLastAppliedSeq(event.seq);
  return Status::Ok();
}

Result<uint64_t> ReplayLog(const eventlog::EventLog& log, const StoreMap& stores,
                           catalog::Catalog& catalog) {
  VAULT_ASSIGN_OR_RETURN(uint64_t last, catalog.LastAppliedSeq());
  uint64_t applied = 0;
  Status failure;
  auto batch = std::make_unique<catalog::WriteBatch>();
  size_t in_batch = 0;
  Status s = log.ReadFrom(last, [&](const eventlog::Event& e) {
    failure = MaterializeEvent(e, stores, *batch);
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
