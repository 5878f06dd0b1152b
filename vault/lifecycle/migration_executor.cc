#include "vault/lifecycle/migration_executor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <optional>
#include <set>

#include "formats/mets/aip.h"
#include "formats/ocfl/inventory.h"
#include "formats/migration/converters.h"
#include "formats/migration/validate.h"
#include "vault/base/fs.h"
#include "vault/base/ids.h"
#include "vault/base/logging.h"
#include "vault/clib/crypto.h"

namespace vault::lifecycle {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kComponent[] = "migration";
constexpr char kIntentPrefix[] = "migrating/";
// Lifecycle records of failed attempts (rebuilt from the log): "migration_failed/<object>\n<path>".
constexpr char kFailedPrefix[] = "migration_failed/";
constexpr char kPremisPath[] = "metadata/preservation/premis.xml";
constexpr char kMetsPath[] = "METS.xml";

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}


// A work-file name the converters can rely on: a fixed stem plus the source's extension when
// it is short and plain ASCII (LibreOffice chooses its import filter partly by extension).
std::string WorkName(std::string_view logical_path) {
  std::string_view base = logical_path.substr(logical_path.rfind('/') + 1);
  auto dot = base.rfind('.');
  std::string ext;
  if (dot != std::string_view::npos && base.size() - dot <= 6) {
    for (char c : base.substr(dot + 1)) {
      if (!std::isalnum(static_cast<unsigned char>(c))) {
        ext.clear();
        break;
      }
      ext += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return ext.empty() ? "source" : "source." + ext;
}

// Copies one stored content file out of `store` into `dest`, checking its SHA-256.
Status FetchContent(const store::OcflStore& store, const std::string& object_id,
                    const catalog::FileRecord& f, const fs::path& dest) {
  const std::string key = store::OcflStore::ObjectPath(object_id) + "/" + f.content_path;
  ScopedFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) return Status::FromErrno(errno, "create", dest.string());
  VAULT_ASSIGN_OR_RETURN(ReusableHasher hasher, ReusableHasher::Create("sha256"));
  std::vector<char> buf(1 << 20);
  uint64_t offset = 0;
  for (;;) {
    VAULT_ASSIGN_OR_RETURN(size_t n, store.tier().ReadAt(key, offset, buf.data(), buf.size()));
    if (n == 0) break;
    hasher.Update(buf.data(), n);
    VAULT_RETURN_IF_ERROR(WriteAll(out.get(), std::string_view(buf.data(), n), dest.string()));
    offset += n;
  }
  VAULT_RETURN_IF_ERROR(out.Close(dest.string()));
  std::string got = hasher.FinishHex();
  if (got != f.sha256 || offset != f.size) {
    return Status::Corruption("stored file " + f.path + " of " + object_id + " on tier " +
                              store.tier().name() + " does not match the catalog (sha256 " + got +
                              ", " + std::to_string(offset) + " bytes)");
  }
  return Status::Ok();
}

Result<std::string> ReadStored(const store::OcflStore& store, const std::string& object_id,
                               const catalog::FileRecord& f) {
  VAULT_ASSIGN_OR_RETURN(std::string bytes, store.ReadContent(object_id, f.content_path, 256ull << 20));
  if (Sha256Hex(bytes) != f.sha256) {
    return Status::Corruption("stored " + f.path + " of " + object_id + " on tier " +
                              store.tier().name() + " does not match the catalog");
  }
  return bytes;
}

}  // namespace

MigrationExecutor::MigrationExecutor(MigrationEnv env) : env_(std::move(env)) {}

MigrationExecutor::~MigrationExecutor() { Join(); }

void MigrationExecutor::Join() {
  cancel_ = true;
  std::thread t;
  {
    std::lock_guard lock(mu_);
    t = std::move(worker_);
  }
  if (t.joinable()) t.join();
}

Result<policies::MigrationPlan> MigrationExecutor::Plan(bool retry_failed) const {
  if (!env_.policy) return Status::FailedPrecondition("no migration policy loaded");
  std::set<std::string> on_hold;
  {
    VAULT_ASSIGN_OR_RETURN(auto holds, env_.catalog->ListRecords("hold/"));
    for (const auto& [k, h] : holds) on_hold.insert(Str(h, "object"));
  }
  std::set<std::string> failed;  // "<object>\n<path>"
  if (!retry_failed) {
    VAULT_ASSIGN_OR_RETURN(auto recs, env_.catalog->ListRecords(kFailedPrefix));
    for (const auto& [k, v] : recs) failed.insert(k.substr(std::strlen(kFailedPrefix)));
  }
  std::vector<policies::PlanObject> objects;
  std::string after;
  for (;;) {
    VAULT_ASSIGN_OR_RETURN(auto page, env_.catalog->ListObjects(after, 500));
    if (page.empty()) break;
    after = page.back().id;
    for (const auto& o : page) {
      policies::PlanObject po;
      po.id = o.id;
      po.retention_kind = o.retention_info.is_object() ? Str(o.retention_info, "kind") : "";
      po.on_hold = on_hold.count(o.id) > 0;
      po.being_destroyed = o.review == "destroying";
      if (po.retention_kind == env_.policy->applies_to && !po.being_destroyed) {
        VAULT_ASSIGN_OR_RETURN(auto files, env_.catalog->ListFiles(o.id));
        std::set<std::string> paths;
        for (const auto& f : files) paths.insert(f.path);
        for (const auto& f : files) {
          po.files.push_back({f.path, f.puid, f.format_name, f.size});
          // Done: the output of this file's rule is already in the object.
          if (const auto* rule = env_.policy->RuleFor(f.puid)) {
            if (paths.count(policies::OutputPathFor(f.path, rule->target)) ||
                paths.count(policies::OutputPathFor(f.path, rule->target, true))) {
              po.done.insert(f.path);
            }
          }
          if (failed.count(o.id + "\n" + f.path)) po.done.insert(f.path);
        }
      }
      objects.push_back(std::move(po));
    }
  }
  policies::MigrationPlan plan = policies::PlanMigrations(*env_.policy, objects);
  // Files held back by an earlier failure are reported as such, not as "already migrated".
  for (auto& s : plan.skipped) {
    if (s.reason_code == "already_migrated" && failed.count(s.object_id + "\n" + s.path)) {
      s.reason_code = "failed_before";
      s.reason = "lần chuyển đổi trước đã thất bại; chạy lại với --retry-failed / "
                 "an earlier attempt failed; run again with --retry-failed";
    }
  }
  return plan;
}

Result<json> MigrationExecutor::PlanJson(bool retry_failed) const {
  VAULT_ASSIGN_OR_RETURN(auto plan, Plan(retry_failed));
  json j = json::parse(policies::PlanToJson(plan), nullptr, false);
  if (j.is_discarded()) return Status::Internal("plan JSON");
  j["policy"] = {{"id", env_.policy->id},
                 {"version", env_.policy->version},
                 {"sha256", env_.policy->sha256}};
  return j;
}

Result<std::string> MigrationExecutor::Start(const std::string& agent, bool retry_failed) {
  std::lock_guard lock(mu_);
  if (running_) {
    return Status::FailedPrecondition("migration.running: a migration run is already going");
  }
  if (worker_.joinable()) worker_.join();
  const std::string id = "migration-" + NewUuid();
  runs_[id] = json{{"id", id}, {"state", "running"}, {"agent", agent},
                   {"started", FormatIso8601(env_.clock->Now())}};
  running_ = true;
  worker_ = std::thread([this, id, agent, retry_failed] {
    auto r = RunNow(agent, retry_failed);
    std::lock_guard done_lock(mu_);
    json& run = runs_[id];
    if (r.ok()) {
      for (const auto& [k, v] : r->items()) run[k] = v;
      run["state"] = "done";
    } else {
      run["state"] = "failed";
      run["error"] = r.status().ToString();
    }
    run["id"] = id;
    run["finished"] = FormatIso8601(env_.clock->Now());
    running_ = false;
  });
  return id;
}

std::optional<json> MigrationExecutor::RunStatus(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  return it->second;
}

MigrationExecutor::Counts MigrationExecutor::GetCounts() const {
  return {migrated_.load(), failed_.load(), versions_.load(), runs_total_.load()};
}

Result<json> MigrationExecutor::RunNow(const std::string& agent, bool retry_failed) {
  VAULT_ASSIGN_OR_RETURN(auto plan, Plan(retry_failed));
  ++runs_total_;
  std::map<std::string, std::vector<policies::PlannedMigration>> by_object;
  for (auto& item : plan.items) by_object[item.object_id].push_back(std::move(item));
  std::deque<std::string> queue;
  for (const auto& [id, items] : by_object) queue.push_back(id);

  std::mutex qmu;
  json results = json::array();
  auto worker = [&] {
    for (;;) {
      std::string id;
      {
        std::lock_guard lock(qmu);
        if (queue.empty() || cancel_) return;
        id = std::move(queue.front());
        queue.pop_front();
      }
      json r = MigrateObject(id, by_object[id], agent);
      std::lock_guard lock(qmu);
      results.push_back(std::move(r));
    }
  };
  const int n = std::max(1, std::min<int>(env_.config.workers, static_cast<int>(queue.size())));
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();

  uint64_t migrated = 0, failed = 0, skipped_objects = 0;
  for (const auto& r : results) {
    migrated += r.value("migrated", 0);
    failed += r.value("failed", 0);
    if (r.value("skipped", false)) ++skipped_objects;
  }
  std::sort(results.begin(), results.end(),
            [](const json& a, const json& b) { return Str(a, "object") < Str(b, "object"); });
  return json{{"planned", plan.items.size() + 0},
              {"objects", by_object.size()},
              {"migrated", migrated},
              {"failed", failed},
              {"skipped_objects", skipped_objects},
              {"results", results}};
}

json MigrationExecutor::MigrateObject(const std::string& object_id,
                                      const std::vector<policies::PlannedMigration>& items,
                                      const std::string& agent) {
  json result = {{"object", object_id}, {"migrated", 0}, {"failed", 0}, {"items", json::array()}};
  auto skip = [&](const std::string& rule, const std::string& why) {
    result["skipped"] = true;
    result["rule"] = rule;
    result["reason"] = why;
    LogWarning(kComponent, object_id + ": skipped: " + why);
    return result;
  };
  std::optional<fixity::Fixity::ObjectLock> lock;
  if (env_.fixity) lock.emplace(*env_.fixity, object_id);

  // 1. The object as the catalog knows it now (under the lock): every copy good, at the head.
  auto obj_r = env_.catalog->GetObject(object_id);
  if (!obj_r.ok() || !*obj_r) return skip("migration.object_gone", "object not in the catalog");
  const catalog::ObjectRecord obj = **obj_r;
  if (obj.review == "destroying") return skip("migration.destroying", "object is being destroyed");
  auto head = ocfl::ParseVersionName(obj.head_version);
  if (!head) return skip("migration.bad_head", "catalog head version '" + obj.head_version + "'");
  auto copies_r = env_.catalog->ListCopies(object_id);
  if (!copies_r.ok() || copies_r->empty()) return skip("migration.no_copies", "no copies");
  std::vector<std::pair<std::string, store::OcflStore*>> targets;
  for (const auto& c : *copies_r) {
    if (c.state != "ok" || c.version != obj.head_version) {
      return skip("migration.copies_not_ok", "copy on " + c.tier + " is " + c.state + " at " +
                                                 c.version + ": fixity must repair it first");
    }
    auto it = std::find_if(env_.tiers.begin(), env_.tiers.end(),
                           [&](const auto& t) { return t.first == c.tier; });
    if (it == env_.tiers.end()) return skip("migration.unknown_tier", "tier " + c.tier);
    targets.push_back(*it);
  }
  store::OcflStore& source_store = *targets.front().second;
  auto files_r = env_.catalog->ListFiles(object_id);
  if (!files_r.ok()) return skip("migration.catalog", files_r.status().ToString());
  std::map<std::string, catalog::FileRecord> files;
  for (auto& f : *files_r) files.emplace(f.path, std::move(f));

  fs::path work = env_.work_dir / NewUuid();
  if (auto s = CreateDirsDurable(work); !s.ok()) return skip("migration.io", s.ToString());
  struct WorkDirGuard {
    fs::path p;
    ~WorkDirGuard() { (void)RemoveTree(p); }
  } guard{work};

  // 2. Convert and validate each file; nothing stored changes here.
  struct Done {
    const policies::PlannedMigration* item;
    fs::path output;
    std::string sha256, puid, name, version, mime, basis, converter_id, converter_version;
    uint64_t size = 0;
    json validation;
  };
  std::vector<Done> done;
  std::vector<eventlog::EventDraft> failures;
  const TimePoint now = env_.clock->Now();
  const std::string created = FormatIso8601(now);
  size_t n = 0;
  for (const auto& item : items) {
    ++n;
    json rec = {{"source", item.source_path}, {"source_puid", item.source_puid},
                {"rule", item.rule_id},       {"target", item.target},
                {"converter", item.converter}, {"output", item.output_path}};
    auto fail = [&](const std::string& rule, const std::string& why) {
      rec["outcome"] = "failure";
      rec["rule_broken"] = rule;
      rec["reason"] = why;
      result["failed"] = result["failed"].get<int>() + 1;
      result["items"].push_back(rec);
      json d = rec;
      d["policy"] = {{"id", env_.policy->id}, {"version", env_.policy->version}};
      failures.push_back({"migration", object_id, agent, "failure", d});
      LogWarning(kComponent, object_id + " " + item.source_path + ": " + rule + ": " + why);
    };
    auto f = files.find(item.source_path);
    if (f == files.end()) {
      fail("migration.source_missing", "the source file is not in the object");
      continue;
    }
    auto target = migration::TargetFromName(item.target);
    if (!target) {
      fail("migration.target", "unknown target " + item.target);
      continue;
    }
    fs::path job = work / std::to_string(n);
    if (auto s = CreateDirsDurable(job / "in"); !s.ok()) {
      fail("migration.io", s.ToString());
      continue;
    }
    fs::path input = job / "in" / WorkName(item.source_path);
    if (auto s = FetchContent(source_store, object_id, f->second, input); !s.ok()) {
      fail("migration.source_damaged", s.ToString());
      continue;
    }
    migration::ConversionRequest req;
    req.input = input;
    req.work_dir = job / "run";
    req.target = *target;
    req.converter = item.converter;
    req.limits.wall = std::chrono::milliseconds(static_cast<int64_t>(env_.config.timeout_seconds * 1000));
    req.limits.cpu_seconds = static_cast<uint64_t>(env_.config.cpu_seconds);
    req.limits.address_space_bytes = env_.config.memory_mb << 20;
    req.limits.output_bytes = env_.config.max_output_mb << 20;
    auto conv = migration::Convert(req);
    if (!conv.ok()) {
      fail("migration.convert", conv.status().ToString());
      continue;
    }
    rec["converter_version"] = conv->converter.version;
    rec["seconds"] = conv->run.wall_seconds;
    rec["network_isolation"] = conv->run.network_isolation;
    migration::IdentifyFn identify;
    if (env_.identifier) {
      identify = [this](const fs::path& p) -> std::string {
        auto r = env_.identifier->IdentifyFile(p);
        return r.ok() && r->best() ? r->best()->puid : std::string();
      };
    }
    auto val = migration::ValidateOutput(input, conv->output, *target, identify);
    if (!val.ok()) {
      fail("migration.validate", val.status().ToString());
      continue;
    }
    json vj = {{"ok", val->ok},
               {"problems", val->problems},
               {"output_puid", val->output_puid},
               {"pdfa_part", val->pdfa_part},
               {"pdfa_conformance", val->pdfa_conformance},
               {"source_pages", val->source_pages},
               {"output_pages", val->output_pages},
               {"source_has_text", val->source_has_text},
               {"output_has_text", val->output_has_text}};
    rec["validation"] = vj;
    if (!val->ok) {
      std::string why;
      for (const auto& p : val->problems) why += (why.empty() ? "" : "; ") + p;
      fail("migration.validation_failed", why);
      continue;
    }
    auto h = HashFile(conv->output, {DigestAlgorithm::kSha256});
    if (!h.ok()) {
      fail("migration.io", h.status().ToString());
      continue;
    }
    Done d;
    d.item = &item;
    d.output = conv->output;
    d.sha256 = h->hex[0];
    d.size = h->size;
    d.validation = vj;
    d.converter_id = conv->converter.id;
    d.converter_version = conv->converter.tool + " " + conv->converter.version;
    d.basis = "none";
    if (env_.identifier) {
      auto id = env_.identifier->IdentifyFile(conv->output);
      if (id.ok() && id->best()) {
        d.puid = id->best()->puid;
        d.name = id->best()->name;
        d.version = id->best()->version;
        d.mime = id->best()->mime;
        d.basis = std::string(pronom::BasisName(id->best()->basis));
      }
    }
    rec["output_sha256"] = d.sha256;
    rec["output_size"] = d.size;
    rec["output_puid"] = d.puid;
    rec["outcome"] = "success";
    result["items"].push_back(rec);
    done.push_back(std::move(d));
  }
  auto log_failures = [&] {
    if (failures.empty()) return;
    if (auto r = env_.commit(std::move(failures)); !r.ok()) {
      LogError(kComponent, "logging failed migrations of " + object_id + ": " + r.status().ToString());
    }
    failed_ += static_cast<uint64_t>(result["failed"].get<int>());
    failures.clear();
  };
  if (done.empty()) {
    log_failures();
    return result;
  }

  // 3. The new version: outputs, PREMIS (sources kept, outputs derived from them, events),
  // METS listing the new representation.
  auto premis_f = files.find(kPremisPath);
  auto mets_f = files.find(kMetsPath);
  if (premis_f == files.end() || mets_f == files.end()) {
    log_failures();
    return skip("migration.metadata_missing", "object has no METS.xml or PREMIS");
  }
  auto premis_xml = ReadStored(source_store, object_id, premis_f->second);
  auto mets_xml = ReadStored(source_store, object_id, mets_f->second);
  if (!premis_xml.ok() || !mets_xml.ok()) {
    log_failures();
    return skip("migration.metadata_unreadable",
                (!premis_xml.ok() ? premis_xml.status() : mets_xml.status()).ToString());
  }
  auto aip_r = mets::ReadPremis(*premis_xml);
  auto mets_r = mets::ReadMets(*mets_xml);
  if (!aip_r.ok() || !mets_r.ok()) {
    log_failures();
    return skip("migration.metadata_invalid",
                (!aip_r.ok() ? aip_r.status() : mets_r.status()).ToString());
  }
  mets::Aip aip = *std::move(aip_r);
  aip.title = mets_r->title;
  aip.file_code = mets_r->file_code;
  aip.created = mets_r->created;
  aip.descriptive = mets_r->descriptive;
  aip.content_category = mets_r->content_category;
  std::set<std::string> agent_ids;
  for (const auto& a : aip.agents) agent_ids.insert(a.id);
  auto add_agent = [&](mets::PremisAgent a) {
    if (agent_ids.insert(a.id).second) aip.agents.push_back(std::move(a));
  };
  add_agent({"agent-vaultd", "archive-vault vaultd 0.1.0", "software", "ingest pipeline"});
  add_agent({"agent-migration-" + NewUuid().substr(0, 8), agent, "person", "started the migration run"});
  const std::string run_agent = aip.agents.back().id;
  std::vector<store::NewFile> new_files;
  json items_json = json::array();
  for (const auto& d : done) {
    const auto& item = *d.item;
    mets::PremisFile pf;
    pf.path = item.output_path;
    pf.original_name = item.output_path.substr(item.output_path.rfind('/') + 1);
    pf.size = d.size;
    pf.sha256 = d.sha256;
    pf.format_puid = d.puid;
    pf.format_name = d.name;
    pf.format_version = d.version;
    pf.mime = d.mime;
    pf.format_note = mets::WriteFormatNote(
        {d.basis, env_.identifier ? env_.identifier->version() : std::string(), ""});
    pf.derived_from = item.source_path;
    aip.files.push_back(std::move(pf));
    const std::string conv_agent = "agent-" + d.converter_id;
    add_agent({conv_agent, d.converter_version, "software", "converter, run sandboxed (no network)"});
    mets::PremisEvent mig;
    mig.id = "event-" + NewUuid();
    mig.type = "migration";
    mig.time = created;
    mig.detail = item.source_path + " (" + item.source_puid + " " + item.source_format + ") → " +
                 item.output_path + " (" + item.target + ", " + d.puid + ") by " +
                 d.converter_version + "; policy " + env_.policy->id + " v" +
                 std::to_string(env_.policy->version) + " rule " + item.rule_id;
    mig.outcome = "success";
    mig.agent_ids = {"agent-vaultd", conv_agent, run_agent};
    mig.object_paths = {item.source_path};
    mig.outcome_paths = {item.output_path};
    aip.events.push_back(mig);
    mets::PremisEvent val;
    val.id = "event-" + NewUuid();
    val.type = "validation";
    val.time = created;
    val.detail = "output checked: " + d.validation.dump();
    val.outcome = "success";
    val.agent_ids = {"agent-vaultd"};
    val.object_paths = {item.output_path};
    aip.events.push_back(val);
    new_files.push_back({item.output_path, d.output, d.size, d.sha256});
    items_json.push_back({{"source", item.source_path},
                          {"source_puid", item.source_puid},
                          {"output", item.output_path},
                          {"output_puid", d.puid},
                          {"output_sha256", d.sha256},
                          {"output_size", d.size},
                          {"rule", item.rule_id},
                          {"target", item.target},
                          {"converter", d.converter_version},
                          {"validation", d.validation}});
  }
  const std::string premis = mets::WritePremis(aip);
  const std::string premis_sha = Sha256Hex(premis);
  const std::string mets_out = mets::WriteMets(aip, premis.size(), premis_sha);
  fs::path meta = work / "meta";
  Status ws = CreateDirsDurable(meta);
  if (ws.ok()) ws = WriteFileDurable(meta / "premis.xml", premis);
  if (ws.ok()) ws = WriteFileDurable(meta / "METS.xml", mets_out);
  if (!ws.ok()) {
    log_failures();
    return skip("migration.io", ws.ToString());
  }
  new_files.push_back({kPremisPath, meta / "premis.xml", premis.size(), premis_sha});
  new_files.push_back({kMetsPath, meta / "METS.xml", mets_out.size(), Sha256Hex(mets_out)});

  store::AddVersionRequest req;
  req.id = object_id;
  req.expected_head = *head;
  req.files = std::move(new_files);
  req.created = created;
  req.message = "Format migration (chuyển đổi định dạng): " + std::to_string(done.size()) +
                " files, policy " + env_.policy->id + " v" + std::to_string(env_.policy->version);
  req.user_name = agent;
  req.user_address = "urn:archive-vault:agent:" + agent;
  req.move_staged = false;  // the same staged bytes go to every tier
  const std::string version = "v" + std::to_string(*head + 1);

  // 4. Intent, then the version on every copy, each verified.
  auto undo = [&](const std::string& why) {
    for (const auto& [tier, store] : targets) {
      if (auto s = store->RollbackVersion(object_id, *head); !s.ok()) {
        LogError(kComponent, "undoing " + version + " of " + object_id + " on " + tier + ": " +
                                 s.ToString() + " (recovery retries at the next start)");
        return;
      }
    }
    catalog::WriteBatch b;
    b.DeleteState(std::string(kIntentPrefix) + object_id);
    (void)env_.catalog->Apply(b);
    LogWarning(kComponent, "undid " + version + " of " + object_id + ": " + why);
  };
  {
    catalog::WriteBatch b;
    std::vector<std::string> tier_names;
    for (const auto& t : targets) tier_names.push_back(t.first);
    b.PutState(std::string(kIntentPrefix) + object_id,
               json{{"object", object_id}, {"from", *head}, {"to", *head + 1}, {"tiers", tier_names},
                    {"started", created}});
    if (auto s = env_.catalog->Apply(b); !s.ok()) {
      log_failures();
      return skip("migration.catalog", s.ToString());
    }
  }
  std::string inventory_sha;
  for (const auto& [tier, store] : targets) {
    auto inv = store->AddVersion(req);
    Status s = inv.status();
    if (s.ok()) {
      auto findings = store->VerifyObject(object_id, true);
      if (!findings.ok()) {
        s = findings.status();
      } else if (!findings->empty()) {
        s = Status::Corruption("copy on " + tier + " failed verification after " + version +
                               ": " + std::string(FindingKindName((*findings)[0].kind)) + " " +
                               (*findings)[0].path);
      }
    }
    if (s.ok() && inventory_sha.empty()) {
      auto bytes = store->tier().ReadAll(store::OcflStore::ObjectPath(object_id) + "/inventory.json",
                                         store::OcflStore::kMaxInventoryBytes);
      if (bytes.ok()) {
        inventory_sha = Sha256Hex(*bytes);
      } else {
        s = bytes.status();
      }
    }
    if (!s.ok()) {
      undo(s.ToString());
      log_failures();
      json d = {{"version", version}, {"tier", tier}, {"reason", s.ToString()}, {"items", items_json}};
      failed_ += done.size();
      (void)env_.commit({{"migration", object_id, agent, "failure", d}});
      result["failed"] = result["failed"].get<int>() + static_cast<int>(done.size());
      result["error"] = s.ToString();
      return result;
    }
  }
  CrashPoint("migration:versioned");

  // 5. The event (the point of no return), then the intent goes.
  std::vector<std::string> tier_names;
  for (const auto& t : targets) tier_names.push_back(t.first);
  json detail = {{"version", version},
                 {"from_version", obj.head_version},
                 {"tiers", tier_names},
                 {"inventory_sha256", inventory_sha},
                 {"policy",
                  {{"id", env_.policy->id},
                   {"version", env_.policy->version},
                   {"sha256", env_.policy->sha256}}},
                 {"items", items_json}};
  std::vector<eventlog::EventDraft> drafts = std::move(failures);
  drafts.push_back({"migration", object_id, agent, "success", detail});
  failed_ += static_cast<uint64_t>(result["failed"].get<int>());
  if (auto r = env_.commit(std::move(drafts)); !r.ok()) {
    // Whether the event reached the log is unknown: recovery decides from the log.
    result["error"] = r.status().ToString();
    LogError(kComponent, "logging " + version + " of " + object_id + ": " + r.status().ToString());
    return result;
  }
  CrashPoint("migration:logged");
  {
    catalog::WriteBatch b;
    b.DeleteState(std::string(kIntentPrefix) + object_id);
    (void)env_.catalog->Apply(b);
  }
  migrated_ += done.size();
  ++versions_;
  result["migrated"] = static_cast<int>(done.size());
  result["version"] = version;
  LogInfo(kComponent, object_id + ": " + version + " with " + std::to_string(done.size()) +
                          " migrated files on " + std::to_string(targets.size()) + " tiers");
  return result;
}

Status MigrationExecutor::Recover() {
  VAULT_ASSIGN_OR_RETURN(auto intents, env_.catalog->ListState(kIntentPrefix));
  for (const auto& [key, intent] : intents) {
    const std::string object_id = Str(intent, "object");
    VAULT_ASSIGN_OR_RETURN(auto obj, env_.catalog->GetObject(object_id));
    if (obj) {
      // The log (replayed into the catalog) says which version is acknowledged.
      auto head = ocfl::ParseVersionName(obj->head_version);
      if (!head) return Status::Corruption("catalog head version of " + object_id);
      for (const auto& [tier, store] : env_.tiers) {
        Status s = store->RollbackVersion(object_id, *head);
        if (!s.ok() && s.code() != Code::kNotFound) {
          return std::move(s).WithContext("undoing an unlogged version of " + object_id + " on " + tier);
        }
      }
      LogInfo(kComponent, "recovered " + object_id + ": every copy at " + obj->head_version +
                              " (the log's version)");
    }
    catalog::WriteBatch b;
    b.DeleteState(key);
    VAULT_RETURN_IF_ERROR(env_.catalog->Apply(b));
  }
  return Status::Ok();
}

}  // namespace vault::lifecycle
