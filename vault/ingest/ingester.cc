#include "vault/ingest/ingester.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "formats/archive/extract.h"
#include "formats/bagit/bagit.h"
#include "formats/mets/aip.h"
#include "vault/base/fs.h"
#include "vault/base/hex.h"
#include "vault/base/ids.h"
#include "vault/base/logging.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::ingest {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kComponent[] = "ingest";
constexpr char kPayloadPrefix[] = "representations/rep1/data/";
constexpr char kSubmissionPrefix[] = "submission/";

// bag-info.txt labels read as descriptive metadata (first match wins). The Vietnamese-named
// labels mirror TT05 EAD elements: mã hồ sơ (fileCode), tiêu đề hồ sơ (title).
const char* const kFileCodeLabels[] = {"File-Code", "Ma-Ho-So", "External-Identifier"};
const char* const kTitleLabels[] = {"Title", "Tieu-De", "External-Description"};

std::string InfoValue(const std::vector<std::pair<std::string, std::string>>& info,
                      const char* const* labels, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [k, v] : info) {
      if (k == labels[i]) return v;
    }
  }
  return "";
}

// The "retention" of an ingestion event (docs/RETENTION.md §3).
json RetentionJson(const policies::Retention& r, const policies::RetentionSchedule& s,
                   const std::string& source) {
  json j = {{"rule", r.rule},
            {"kind", std::string(policies::RetentionKindName(r.kind))},
            {"years", r.years},
            {"maintenance", r.maintenance},
            {"end_year", r.end_year},
            {"expiry", r.Expiry().empty() ? json(nullptr) : json(r.Expiry())},
            {"mode", r.mode},
            {"language", r.language},
            {"schedule", {{"id", s.id}, {"version", s.version}, {"sha256", s.sha256}}},
            {"source", source}};
  if (!r.start_date.empty()) j["start_date"] = r.start_date;
  if (!r.end_date.empty()) j["end_date"] = r.end_date;
  return j;
}

json IssuesToJson(const std::vector<bagit::Issue>& issues) {
  json a = json::array();
  for (const auto& i : issues) {
    a.push_back({{"code", EscapeInvalidUtf8(i.code)},
                 {"path", EscapeInvalidUtf8(i.path)},
                 {"message", EscapeInvalidUtf8(i.message)}});
  }
  return a;
}

// JSON text that never throws: input-derived strings are escaped before they get here, and
// anything that slipped through is replaced rather than allowed to abort an ingest.
std::string Dump(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace) + (indent >= 0 ? "\n" : "");
}

// Names for quarantine entries: sortable time + job id.
std::string Stamp(TimePoint t) {
  std::string iso = FormatIso8601(t);  // 2026-11-23T16:32:05.123+07:00
  std::string s;
  for (char c : iso.substr(0, 19)) {
    if (c != '-' && c != ':') s.push_back(c);
  }
  return s;
}

// Makes the file data under `dir` durable with one syncfs(2) (like `sync` after `cp -r`),
// instead of one fsync per file.
Status SyncFilesystemOf(const fs::path& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open", dir.string());
  if (::syncfs(fd.get()) != 0) return Status::FromErrno(errno, "syncfs", dir.string());
  return Status::Ok();
}

// Moves `from` into `dir` as `name`, never replacing anything there (the inbox is live: a user
// may drop a package of the same name at any moment). Taken names get ".recovered-<tag>[-N]".
Status RenameIntoFreeName(const fs::path& from, const fs::path& dir, const std::string& name,
                          const std::string& tag) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string candidate = name;
    if (attempt > 0) candidate += ".recovered-" + tag;
    if (attempt > 1) candidate += "-" + std::to_string(attempt);
    fs::path to = dir / candidate;
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
      CrashPoint("ingest:renamed-back");
      VAULT_RETURN_IF_ERROR(FsyncDir(dir));
      return FsyncDir(from.parent_path());
    }
    if (errno != EEXIST) return Status::FromErrno(errno, "rename " + from.string() + " ->", to.string());
  }
  return Status::AlreadyExists("no free name for " + name + " in " + dir.string());
}

// PRONOM identification at ingest (docs/FORMATS.md): every file of the package, read within the
// identifier's byte budget; the result goes into PREMIS (and from there into the catalog), the
// tally into the ingestion event and the PREMIS "format identification" event.
struct IdentifyTally {
  const pronom::Identifier* identifier = nullptr;
  uint64_t files = 0, identified = 0;
  std::map<std::string, uint64_t> by_basis;
  std::vector<std::string> unidentified;  // logical-ish paths (first 100)

  std::string Summary() const {
    if (identifier == nullptr) {
      return "format identification not run: no PRONOM signature file configured "
             "(định dạng chưa được nhận dạng)";
    }
    std::string s = "PRONOM identification (" + identifier->version() + "): " +
                    std::to_string(identified) + " of " + std::to_string(files) +
                    " files identified";
    for (const auto& [basis, n] : by_basis) s += "; " + basis + " " + std::to_string(n);
    return s;
  }
  json ToJson() const {
    json j = {{"signatures", identifier ? identifier->version() : std::string()},
              {"files", files},
              {"identified", identified},
              {"by_basis", by_basis}};
    if (!unidentified.empty()) j["unidentified"] = unidentified;
    return j;
  }
};

void IdentifyInto(const fs::path& file, mets::PremisFile& pf, IdentifyTally& t) {
  if (t.identifier == nullptr) return;
  ++t.files;
  auto r = t.identifier->IdentifyFile(file);
  std::string basis = "none";
  if (r.ok() && r->best() != nullptr) {
    const pronom::FormatMatch& m = *r->best();
    pf.format_puid = m.puid;
    pf.format_name = m.name;
    pf.format_version = m.version;
    pf.mime = m.mime;
    basis = std::string(pronom::BasisName(m.basis));
    ++t.identified;
  } else if (t.unidentified.size() < 100) {
    t.unidentified.push_back(EscapeInvalidUtf8(pf.path));
  }
  ++t.by_basis[basis];
  mets::FormatNote note{basis, t.identifier->version(), ""};
  auto remark = [&](const std::string& text) { note.remarks += (note.remarks.empty() ? "" : "; ") + text; };
  if (!r.ok()) {
    remark("error: " + std::string(r.status().message()));
  } else {
    if (r->extension_mismatch) remark("extension does not match the format");
    if (!r->warning.empty()) remark(r->warning);
  }
  pf.format_note = EscapeInvalidUtf8(mets::WriteFormatNote(note));
}

}  // namespace

json OutcomeToJson(const Outcome& o) {
  json j = {{"job_id", o.job_id},
            {"status", o.accepted ? "accepted" : "rejected"},
            {"object_id", o.object_id.empty() ? json(nullptr) : json(o.object_id)},
            {"bytes", o.bytes},
            {"files", o.files},
            {"seconds", o.seconds},
            {"warnings", o.warnings}};
  if (o.rejection) {
    j["reason"] = {{"rule", o.rejection->rule},
                   {"path", o.rejection->path},
                   {"message", o.rejection->message}};
    j["errors"] = o.errors;
    j["quarantine"] = o.quarantine_path;
  } else {
    j["reason"] = nullptr;
    j["receipt"] = o.receipt_path;
  }
  return j;
}

struct Ingester::Job {
  bool committed = false;     // past the commit point: never roll back
  std::string id;
  std::string kind;           // "inbox" | "external"
  std::string name;           // package name (inbox entry name or basename of the path)
  fs::path source;            // the package itself (claimed copy in staging, or external path)
  fs::path dir;               // staging/<job>
  std::string agent;
  json meta;                  // job.json content
  std::chrono::steady_clock::time_point started;
};

Ingester::Ingester(Env env) : env_(std::move(env)) {}

Status Ingester::WithCommitsPaused(const std::function<Status()>& fn) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  return fn();
}

std::string Ingester::halt_reason() const {
  std::lock_guard<std::mutex> lock(halt_mu_);
  return halt_reason_;
}

void Ingester::Halt(const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(halt_mu_);
    if (halt_reason_.empty()) halt_reason_ = why;
  }
  halted_ = true;
  LogError(kComponent, "ingest halted: " + why +
                           " — the job is left in staging; restart vaultd to recover");
}

Result<Outcome> Ingester::RunGuarded(Job& job) {
  Result<Outcome> r = Status::Internal("not run");
  try {
    r = Run(job);
  } catch (const std::exception& e) {
    r = Status::Internal(std::string("unexpected exception: ") + e.what());
  }
  if (r.ok()) return r;
  if (job.committed) {
    Halt("job " + job.id + " failed after its commit point: " + r.status().ToString());
  } else {
    LogError(kComponent, "job " + job.id + ": " + r.status().ToString() + "; rolled back");
    if (Status s = RollBack(job.meta, job.dir); !s.ok()) {
      Halt("rollback of job " + job.id + " failed: " + s.ToString());
    }
  }
  return r;
}

Result<std::vector<eventlog::Event>> Ingester::Commit(std::vector<eventlog::EventDraft> drafts) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  if (halted_) return Status::Unavailable("ingest is halted: " + halt_reason());
  auto events = env_.log->Append(std::move(drafts));
  if (!events.ok() && events.status().code() == Code::kInvalidArgument) {
    // Refused before a byte was written (e.g. not valid UTF-8): the caller's bug, not the
    // log's; nothing to recover, so ingest goes on.
    return std::move(events).status();
  }
  if (!events.ok()) {
    // The lines may be on disk even though the append failed (e.g. fsync after write): only a
    // restart (replay) can tell. Nothing may commit after this.
    Halt("event log append failed: " + events.status().ToString());
    return std::move(events).status();
  }
  CrashPoint("ingest:logged");
  catalog::WriteBatch batch;
  Status s;
  for (const auto& e : *events) {
    s = MaterializeEvent(e, env_.stores, batch);
    if (!s.ok()) break;
  }
  if (s.ok()) s = env_.catalog->Apply(batch);
  if (!s.ok()) {
    Halt("catalog commit after the log append failed: " + s.ToString());
    return s;
  }
  CrashPoint("ingest:committed");
  return events;
}

Result<Outcome> Ingester::IngestInboxEntry(const std::string& name, const std::string& job_id,
                                           const std::string& agent) {
  Job job;
  job.id = job_id;
  job.kind = "inbox";
  job.name = name;
  job.agent = agent;
  job.dir = env_.home.staging() / job_id;
  job.started = std::chrono::steady_clock::now();
  fs::path entry = env_.home.inbox() / name;
  if (halted_) return Status::Unavailable("ingest is halted: " + halt_reason());
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(job.dir / "package"));
  job.meta = {{"job", job_id}, {"kind", "inbox"}, {"name", EscapeInvalidUtf8(name)},
              {"name_hex", HexEncode(name)}, {"agent", agent}};
  // job.json first: recovery must know where a claimed package came from.
  VAULT_RETURN_IF_ERROR(WriteFileDurable(job.dir / "job.json", Dump(job.meta)));
  CrashPoint("ingest:job-written");
  job.source = job.dir / "package" / name;
  if (Status s = RenameDurable(entry, job.source); !s.ok()) {
    // The rename itself may have happened (a failed fsync after it): put the package back.
    std::error_code ec;
    if (fs::exists(fs::symlink_status(job.source, ec))) {
      (void)RollBack(job.meta, job.dir);
    } else {
      (void)RemoveTree(job.dir);
    }
    return std::move(s).WithContext("claim inbox entry");
  }
  CrashPoint("ingest:claimed");
  return RunGuarded(job);
}

Result<Outcome> Ingester::IngestExternal(const fs::path& path, const std::string& job_id,
                                         const std::string& agent) {
  Job job;
  job.id = job_id;
  job.kind = "external";
  job.name = path.filename().string();
  job.agent = agent;
  job.source = path;
  job.dir = env_.home.staging() / job_id;
  job.started = std::chrono::steady_clock::now();
  if (halted_) return Status::Unavailable("ingest is halted: " + halt_reason());
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(job.dir));
  job.meta = {{"job", job_id}, {"kind", "external"}, {"name", EscapeInvalidUtf8(job.name)},
              {"source", EscapeInvalidUtf8(path.string())}, {"agent", agent}};
  VAULT_RETURN_IF_ERROR(WriteFileDurable(job.dir / "job.json", Dump(job.meta)));
  return RunGuarded(job);
}

Result<Outcome> Ingester::Run(Job& job) {
  const auto& cfg = env_.config;
  fs::path unpacked = job.dir / "unpacked";
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(unpacked));

  // 1. Unpack or copy, hashing SHA-256 as the bytes stream through (read once).
  archive::ExtractLimits limits;
  limits.max_total_bytes = cfg.max_unpacked_bytes;
  limits.max_files = cfg.max_files;
  limits.max_path_bytes = cfg.max_path_bytes;
  limits.max_ratio = cfg.max_compression_ratio;
  std::error_code ec;
  auto st = fs::symlink_status(job.source, ec);
  archive::ExtractOutcome extracted;
  if (st.type() == fs::file_type::directory) {
    VAULT_ASSIGN_OR_RETURN(extracted, archive::CopyTree(job.source, unpacked, limits, false));
  } else if (st.type() == fs::file_type::regular && archive::LooksLikeArchive(job.source)) {
    VAULT_ASSIGN_OR_RETURN(extracted, archive::ExtractArchive(job.source, unpacked, limits, false));
  } else if (st.type() == fs::file_type::not_found) {
    return Reject(job, {"package.not_found", "", "no such package: " + job.source.string()},
                  json::array(), json::array());
  } else {
    return Reject(job,
                  {"package.unsupported", "",
                   "a package must be a directory or a zip/tar/tar.gz file (BagIt)"},
                  json::array(), json::array());
  }
  CrashPoint("ingest:unpacked");
  if (extracted.violation) {
    const auto& v = *extracted.violation;
    return Reject(job, {v.rule, v.path, v.message}, json::array(), json::array());
  }

  // 2. Validate the bag, reusing the digests computed while unpacking.
  auto root_r = bagit::FindBagRoot(unpacked);
  if (!root_r.ok()) {
    return Reject(job, {"bagit.not_a_bag", "", std::string(root_r.status().message())},
                  json::array(), json::array());
  }
  fs::path bag_root = *root_r;
  std::string prefix;
  if (bag_root != unpacked) prefix = fs::relative(bag_root, unpacked).string() + "/";
  std::map<std::string, std::string> sha_by_disk;
  std::map<std::string, uint64_t> size_by_disk;
  for (const auto& f : extracted.files) {
    if (f.path.compare(0, prefix.size(), prefix) != 0) continue;
    sha_by_disk[f.path.substr(prefix.size())] = f.sha256;
    size_by_disk[f.path.substr(prefix.size())] = f.size;
  }
  bagit::Options bopt;
  bopt.max_line_bytes = cfg.max_manifest_line_bytes;
  bopt.max_tag_file_bytes = cfg.max_tag_file_bytes;
  VAULT_ASSIGN_OR_RETURN(bagit::Report report, bagit::ValidateBag(bag_root, bopt, &sha_by_disk));
  CrashPoint("ingest:validated");
  json warnings = IssuesToJson(report.warnings);
  if (!report.valid) {
    json errors = IssuesToJson(report.errors);
    Rejection r{"bagit.invalid", "", "the bag is not valid"};
    if (!report.errors.empty()) {
      r = {report.errors.front().code, report.errors.front().path, report.errors.front().message};
    }
    return Reject(job, std::move(r), std::move(errors), std::move(warnings));
  }

  // 3. Names: NFC logical paths, original bytes kept; collisions after normalisation rejected.
  std::vector<store::NewFile> files;
  std::vector<mets::PremisFile> premis_files;
  std::map<std::string, std::string> logical_seen;  // NFC logical path -> original
  uint64_t payload_bytes = 0;
  std::string fingerprint_text;
  std::vector<std::pair<std::string, std::string>> fp_lines;
  IdentifyTally ident;
  ident.identifier = env_.identifier.get();
  auto add_file = [&](const std::string& disk_rel, const std::string& logical_tail,
                      const char* prefix_logical, bool payload) -> std::optional<Rejection> {
    auto nfc = ToNfc(logical_tail);
    if (!nfc) return Rejection{"names.invalid_utf8", disk_rel, "file name is not valid UTF-8"};
    std::string logical = std::string(prefix_logical) + *nfc;
    if (auto [it, inserted] = logical_seen.emplace(logical, disk_rel); !inserted) {
      return Rejection{"names.nfc_collision", disk_rel,
                       "'" + disk_rel + "' and '" + it->second +
                           "' are the same name after Unicode NFC normalisation"};
    }
    auto sha_it = sha_by_disk.find(disk_rel);
    std::string sha;
    uint64_t size = 0;
    if (sha_it != sha_by_disk.end()) {
      sha = sha_it->second;
      size = size_by_disk[disk_rel];
    } else {
      auto h = HashFile(bag_root / disk_rel, {DigestAlgorithm::kSha256});
      if (!h.ok()) return Rejection{"package.unreadable", disk_rel, h.status().ToString()};
      sha = h->hex[0];
      size = h->size;
    }
    store::NewFile nf;
    nf.logical_path = logical;
    nf.staged_path = bag_root / disk_rel;
    nf.size = size;
    nf.sha256 = sha;
    files.push_back(std::move(nf));
    mets::PremisFile pf;
    pf.path = logical;
    pf.original_name = disk_rel;
    pf.size = size;
    pf.sha256 = sha;
    IdentifyInto(bag_root / disk_rel, pf, ident);
    premis_files.push_back(std::move(pf));
    if (payload) {
      payload_bytes += size;
      fp_lines.emplace_back(logical, sha);
    }
    return std::nullopt;
  };
  size_t renamed = 0;
  for (const auto& p : report.payload) {
    // p.path is the manifest's name ("data/..."), p.disk_path the file actually present.
    std::string tail = p.path.size() > 5 ? p.path.substr(5) : p.path;
    if (auto rej = add_file(p.disk_path, tail, kPayloadPrefix, true)) {
      return Reject(job, std::move(*rej), json::array(), warnings);
    }
    if (premis_files.back().path != std::string(kPayloadPrefix) + p.disk_path.substr(5)) ++renamed;
  }
  for (const auto& t : report.tag_files) {
    if (auto rej = add_file(t, t, kSubmissionPrefix, false)) {
      return Reject(job, std::move(*rej), json::array(), warnings);
    }
  }
  std::sort(fp_lines.begin(), fp_lines.end());
  for (const auto& [path, sha] : fp_lines) fingerprint_text += sha + "  " + path + "\n";
  std::string fingerprint = Sha256Hex(fingerprint_text);

  // 3b. Retention (docs/RETENTION.md §2): read from bag-info.txt, or the source's default rule.
  json retention = nullptr;
  if (env_.schedule) {
    const std::string& default_rule = job.kind == "inbox" ? env_.retention.default_rule_inbox
                                                          : env_.retention.default_rule_api;
    const int year = LocalDateOf(env_.clock->Now(), env_.utc_offset_hours).year;
    auto got = policies::ReadRetentionInputs(report.info, *env_.schedule, default_rule, year);
    if (auto* err = std::get_if<policies::RetentionInputError>(&got)) {
      std::string msg = err->message;
      if (!err->label.empty()) msg = err->label + ": " + msg;
      return Reject(job, {err->rule, "bag-info.txt", msg}, json::array(), warnings);
    }
    const auto& in = std::get<policies::RetentionInputs>(got);
    retention = RetentionJson(in.retention, *env_.schedule, in.from_default ? "default" : "bag-info");
    if (!in.documents.empty()) retention["documents"] = in.documents;
  }

  // 4. Duplicates: the same payload (names and digests) is stored once.
  std::optional<std::string> duplicate_of;
  bool in_flight = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    VAULT_ASSIGN_OR_RETURN(duplicate_of, env_.catalog->FindFingerprint(fingerprint));
    in_flight = !duplicate_of && reserved_.count(fingerprint) > 0;
    if (!duplicate_of && !in_flight) reserved_.insert(fingerprint);
  }
  if (duplicate_of || in_flight) {
    std::string other = duplicate_of ? *duplicate_of : std::string("(an ingest in progress)");
    auto r = Reject(job,
                    {"ingest.duplicate", "", "the same payload is already stored as object " + other},
                    json::array(), warnings);
    if (r.ok() && duplicate_of) r->object_id = *duplicate_of;
    return r;
  }
  struct Unreserve {
    Ingester* self;
    std::string fp;
    ~Unreserve() {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->reserved_.erase(fp);
    }
  } unreserve{this, fingerprint};

  // 5. The AIP: PREMIS and METS next to the payload.
  TimePoint now = env_.clock->Now();
  std::string created = FormatIso8601(now);
  std::string object_id = "urn:uuid:" + NewUuid();
  job.meta["object_id"] = object_id;
  VAULT_RETURN_IF_ERROR(WriteFileDurable(job.dir / "job.json", Dump(job.meta)));
  CrashPoint("ingest:object-id");

  mets::Aip aip;
  aip.object_id = object_id;
  aip.file_code = InfoValue(report.info, kFileCodeLabels, std::size(kFileCodeLabels));
  aip.title = InfoValue(report.info, kTitleLabels, std::size(kTitleLabels));
  aip.created = created;
  aip.descriptive = report.info;
  aip.files = premis_files;
  aip.agents = {{"agent-vaultd", "archive-vault vaultd 0.1.0", "software", "ingest pipeline"},
                {"agent-submitter", job.agent, "person", "submitted the package"}};
  auto event = [&](std::string type, std::string detail) {
    mets::PremisEvent e;
    e.id = "event-" + NewUuid();
    e.type = std::move(type);
    e.time = created;
    e.detail = std::move(detail);
    e.outcome = "success";
    e.agent_ids = {"agent-vaultd"};
    return e;
  };
  aip.events.push_back(event("validation", "BagIt " + report.version + " bag validated: " +
                                               std::to_string(report.payload.size()) +
                                               " payload files, every manifest digest checked"));
  aip.events.push_back(event("message digest calculation",
                             "SHA-256 computed for every file while unpacking"));
  aip.events.push_back(event("format identification", ident.Summary()));
  if (retention.is_object()) {
    std::string expiry = retention["expiry"].is_string() ? retention["expiry"].get<std::string>()
                                                         : std::string("none / không hết hạn");
    aip.events.push_back(event(
        "policy assignment",
        "retention rule " + retention.value("rule", "") + " (" + retention.value("kind", "") +
            (retention.value("years", 0) > 0 ? " " + std::to_string(retention.value("years", 0)) + " years" : "") +
            ") of schedule " + retention["schedule"].value("id", "") + " " +
            retention["schedule"].value("version", "") + "; expiry " + expiry));
  }
  if (renamed > 0) {
    aip.events.push_back(event("filename change",
                               std::to_string(renamed) +
                                   " file names normalised to Unicode NFC; originals in originalName"));
  }
  const std::string display_name = EscapeInvalidUtf8(job.name);
  auto ingestion = event("ingestion", "package '" + display_name + "' ingested as OCFL object v1");
  ingestion.agent_ids.push_back("agent-submitter");
  aip.events.push_back(ingestion);

  fs::path meta_dir = job.dir / "aip";
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(meta_dir));
  std::string premis = mets::WritePremis(aip);
  std::string premis_sha = Sha256Hex(premis);
  std::string mets_xml = mets::WriteMets(aip, premis.size(), premis_sha);
  VAULT_RETURN_IF_ERROR(WriteFileDurable(meta_dir / "premis.xml", premis));
  VAULT_RETURN_IF_ERROR(WriteFileDurable(meta_dir / "METS.xml", mets_xml));
  files.push_back({"metadata/preservation/premis.xml", meta_dir / "premis.xml", premis.size(), premis_sha});
  files.push_back({"METS.xml", meta_dir / "METS.xml", mets_xml.size(), Sha256Hex(mets_xml)});

  // 6. Store: file data made durable (one syncfs), then OCFL v1 with the root inventory last.
  VAULT_RETURN_IF_ERROR(SyncFilesystemOf(job.dir));
  CrashPoint("ingest:synced");
  auto store_it = env_.stores.find(env_.first_tier);
  VAULT_CHECK(store_it != env_.stores.end());
  store::CreateRequest req;
  req.id = object_id;
  req.files = std::move(files);
  req.created = created;
  req.message = "Ingest of package " + display_name;
  req.user_name = job.agent;
  req.user_address = "urn:archive-vault:agent:" + EscapeInvalidUtf8(job.agent);  // OCFL W008
  req.move_staged = true;
  VAULT_RETURN_IF_ERROR(store_it->second->CreateObject(req).status());
  CrashPoint("ingest:stored");

  // 7. Commit: events (fsync) then the catalog, in sequence order.
  Outcome out;
  out.job_id = job.id;
  out.accepted = true;
  out.object_id = object_id;
  out.bytes = payload_bytes;
  out.files = report.payload.size();
  out.warnings = warnings;
  json detail = {{"tier", env_.first_tier},
                 {"object_path", store::OcflStore::ObjectPath(object_id)},
                 {"version", "v1"},
                 {"package", display_name},
                 {"job", job.id},
                 {"fingerprint", fingerprint},
                 {"file_code", aip.file_code},
                 {"title", aip.title},
                 {"payload_bytes", payload_bytes},
                 {"payload_files", report.payload.size()},
                 {"bag_version", report.version}};
  if (retention.is_object()) detail["retention"] = retention;
  detail["identification"] = ident.ToJson();
  {
    // The root inventory as written: audit verify compares every copy's inventory with it.
    auto inv_bytes = store_it->second->tier().ReadAll(
        store::OcflStore::ObjectPath(object_id) + "/inventory.json", 256ull << 20);
    VAULT_RETURN_IF_ERROR(inv_bytes.status());
    detail["inventory_sha256"] = Sha256Hex(*inv_bytes);
  }
  {
    // Before the commit point, run the very materialisation replay will run, on a draft of the
    // event: an object whose metadata cannot be read back is rolled back now, never logged.
    eventlog::Event probe;
    probe.type = "ingestion";
    probe.object = object_id;
    probe.outcome = "success";
    probe.time = created;
    probe.detail = detail;
    catalog::WriteBatch unused;
    VAULT_RETURN_IF_ERROR(MaterializeEvent(probe, env_.stores, unused)
                              .WithContext("reading the stored object back"));
  }
  std::vector<eventlog::EventDraft> drafts;
  drafts.push_back({"validation", object_id, job.agent, "success",
                    {{"bagit", report.version}, {"warnings", warnings}}});
  drafts.push_back({"ingestion", object_id, job.agent, "success", detail});
  job.committed = true;  // from here on the log may hold the event: never roll back
  VAULT_RETURN_IF_ERROR(Commit(std::move(drafts)).status());

  // 8. Receipt, then the staging directory goes (an inbox package is consumed here).
  VAULT_ASSIGN_OR_RETURN(auto obj, env_.catalog->GetObject(object_id));
  if (obj) VAULT_RETURN_IF_ERROR(WriteReceipt(*obj, {{"job", job.id}, {"warnings", warnings}}));
  out.receipt_path = (env_.home.receipts() / (object_id.substr(9) + ".json")).string();
  CrashPoint("ingest:receipt");
  VAULT_RETURN_IF_ERROR(RemoveTree(job.dir));
  CrashPoint("ingest:cleaned");
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count();
  LogInfo(kComponent, "accepted '" + display_name + "' as " + object_id + " (" +
                          std::to_string(out.files) + " files, " + std::to_string(out.bytes) +
                          " bytes)");
  return out;
}

Status Ingester::WriteReceipt(const catalog::ObjectRecord& obj, const json& extra) {
  json r = {{"object_id", obj.id},
            {"package", obj.package},
            {"accepted", obj.created},
            {"fingerprint", obj.fingerprint},
            {"version", obj.head_version},
            {"object_path", store::OcflStore::ObjectPath(obj.id)},
            {"files", obj.files},   // every file of the object: payload, tag files, METS, PREMIS
            {"bytes", obj.bytes},
            {"event_seq", obj.ingest_seq},
            {"file_code", obj.file_code},
            {"title", obj.title}};
  for (auto& [k, v] : extra.items()) r[k] = v;
  VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(obj.id));
  r["copies"] = json::array();
  for (const auto& c : copies) r["copies"].push_back({{"tier", c.tier}, {"state", c.state}});
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(env_.home.receipts()));
  return WriteFileDurable(env_.home.receipts() / (obj.id.substr(9) + ".json"), Dump(r, 2));
}

Result<Outcome> Ingester::Reject(Job& job, Rejection r, json errors, json warnings) {
  // Reports are JSON and XML: names from a hostile package may not be valid UTF-8.
  r.rule = EscapeInvalidUtf8(r.rule);
  r.path = EscapeInvalidUtf8(r.path);
  r.message = EscapeInvalidUtf8(r.message);
  const std::string safe_name = EscapeInvalidUtf8(job.name);
  Outcome out;
  out.job_id = job.id;
  out.accepted = false;
  if (errors.empty()) {
    errors.push_back({{"code", r.rule}, {"path", r.path}, {"message", r.message}});
  }
  TimePoint now = env_.clock->Now();
  std::string qname = Stamp(now) + "-" + job.id;
  fs::path qdir = env_.home.quarantine() / qname;
  json reason = {{"rule", r.rule},
                 {"path", r.path},
                 {"message", r.message},
                 {"errors", errors},
                 {"warnings", warnings},
                 {"package", safe_name},
                 {"job", job.id},
                 {"time", FormatIso8601(now)},
                 {"source", job.kind == "inbox" ? std::string("inbox")
                                                : EscapeInvalidUtf8(job.source.string())}};
  // 1. The decision is recorded first: from here Recover() completes the quarantine.
  job.meta["quarantine"] = qname;
  job.meta["reason"] = reason;
  VAULT_RETURN_IF_ERROR(WriteFileDurable(job.dir / "job.json", Dump(job.meta)));
  job.committed = true;
  CrashPoint("ingest:rejection-recorded");
  // 2. Content before the log: the package goes to quarantine untouched (a rename).
  VAULT_RETURN_IF_ERROR(FinishRejection(job.meta, job.dir));
  out.rejection = std::move(r);
  out.errors = std::move(errors);
  out.warnings = std::move(warnings);
  out.quarantine_path = qdir.string();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count();
  LogWarning(kComponent, "rejected '" + safe_name + "': " + out.rejection->rule + " " +
                             out.rejection->path + ": " + out.rejection->message);
  return out;
}

// Completes a recorded rejection (at run time or in recovery): package into quarantine,
// reason.json beside it, the failure event, then the job directory goes. Idempotent.
Status Ingester::FinishRejection(const json& meta, const fs::path& job_dir) {
  std::string qname = meta.value("quarantine", "");
  if (qname.empty() || qname.find('/') != std::string::npos || qname[0] == '.') {
    return Status::Corruption("job.json names a bad quarantine entry: " + EscapeInvalidUtf8(qname));
  }
  fs::path qdir = env_.home.quarantine() / qname;
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(qdir));
  std::error_code ec;
  if (meta.value("kind", "") == "inbox") {
    auto raw = HexDecode(meta.value("name_hex", ""));
    if (raw && !raw->empty()) {
      fs::path claimed = job_dir / "package" / *raw;
      if (fs::exists(fs::symlink_status(claimed, ec))) {
        VAULT_RETURN_IF_ERROR(RenameDurable(claimed, qdir / *raw));
        CrashPoint("ingest:quarantined");
      }
    }
  }
  if (!fs::exists(qdir / "reason.json", ec)) {
    json reason = meta.contains("reason") ? meta["reason"] : json::object();
    VAULT_RETURN_IF_ERROR(WriteFileDurable(qdir / "reason.json", Dump(reason, 2)));
    CrashPoint("ingest:reason-written");
    std::vector<eventlog::EventDraft> drafts;
    drafts.push_back({"ingestion", "", meta.value("agent", ""), "failure",
                      {{"package", meta.value("name", "")},
                       {"job", meta.value("job", "")},
                       {"rule", reason.value("rule", "")},
                       {"path", reason.value("path", "")},
                       {"message", reason.value("message", "")},
                       {"quarantine", qname}}});
    VAULT_RETURN_IF_ERROR(Commit(std::move(drafts)).status());
  }
  return RemoveTree(job_dir);
}

Status Ingester::RollBack(const json& meta, const fs::path& job_dir) {
  std::string object_id;
  if (meta.contains("object_id") && meta["object_id"].is_string()) {
    object_id = meta["object_id"].get<std::string>();
  }
  if (!object_id.empty()) {
    // Never an object the catalog knows: that one is stored, whatever happened to the job.
    VAULT_ASSIGN_OR_RETURN(auto known, env_.catalog->GetObject(object_id));
    if (known) {
      return Status::FailedPrecondition("refusing to roll back stored object " + object_id);
    }
    // An object without a logged event was never acknowledged: remove it from every tier.
    for (auto& [tier, store] : env_.stores) {
      std::string opath = store::OcflStore::ObjectPath(object_id);
      VAULT_ASSIGN_OR_RETURN(bool exists, store->Exists(object_id));
      if (exists) {
        LogWarning(kComponent, "rolling back unacknowledged object " + object_id + " on " + tier);
        VAULT_RETURN_IF_ERROR(store->tier().Remove(opath + "/inventory.json"));
      }
      bool any = false;
      VAULT_RETURN_IF_ERROR(store->tier().List(opath + "/", [&](std::string_view, const auto&) {
        any = true;
        return false;
      }));
      if (any) VAULT_RETURN_IF_ERROR(store->RemoveIncomplete(opath));
    }
  }
  // Whatever was claimed into package/ goes back to the inbox, under a free name.
  std::error_code ec;
  std::vector<fs::path> claimed;
  for (auto it = fs::directory_iterator(job_dir / "package", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    claimed.push_back(it->path());
  }
  for (const auto& c : claimed) {
    std::string name = c.filename().string();
    VAULT_RETURN_IF_ERROR(
        RenameIntoFreeName(c, env_.home.inbox(), name, job_dir.filename().string()));
    LogWarning(kComponent, "returned '" + EscapeInvalidUtf8(name) + "' to the inbox");
  }
  return RemoveTree(job_dir);
}

Result<int> Ingester::Recover() {
  int recovered = 0;
  std::error_code ec;
  if (!fs::exists(env_.home.staging(), ec)) return 0;
  std::vector<fs::path> jobs;
  for (auto it = fs::directory_iterator(env_.home.staging(), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    jobs.push_back(it->path());
  }
  for (const auto& dir : jobs) {
    ++recovered;
    const std::string job_name = dir.filename().string();
    auto text = ReadFileToString(dir / "job.json", 1 << 20);
    if (!text.ok() && text.status().code() != Code::kNotFound) {
      return std::move(text).status().WithContext("recovery: read job " + job_name);
    }
    json meta = text.ok() ? json::parse(*text, nullptr, false) : json();
    if (!meta.is_object()) {
      // job.json is written before anything is claimed; still, never delete what may be a
      // package: anything under package/ goes back to the inbox.
      LogWarning(kComponent, "recovery: job " + job_name + " has no usable job.json; salvaging");
      VAULT_RETURN_IF_ERROR(RollBack(json::object(), dir));
      continue;
    }
    std::string object_id;
    if (meta.contains("object_id") && meta["object_id"].is_string()) {
      object_id = meta["object_id"].get<std::string>();
    }
    if (object_id.size() > 9 && object_id.rfind("urn:uuid:", 0) == 0) {
      VAULT_ASSIGN_OR_RETURN(auto obj, env_.catalog->GetObject(object_id));
      if (obj) {
        // Acknowledged (its event is in the log and was replayed): finish the job.
        if (!fs::exists(env_.home.receipts() / (object_id.substr(9) + ".json"), ec)) {
          VAULT_RETURN_IF_ERROR(
              WriteReceipt(*obj, {{"job", meta.value("job", "")}, {"recovered", true}}));
        }
        VAULT_RETURN_IF_ERROR(RemoveTree(dir));
        LogInfo(kComponent, "recovery: finished job " + job_name + " (" + object_id + ")");
        continue;
      }
    }
    if (meta.contains("quarantine") && meta["quarantine"].is_string()) {
      LogInfo(kComponent, "recovery: completing the rejection of job " + job_name);
      VAULT_RETURN_IF_ERROR(FinishRejection(meta, dir));
      continue;
    }
    LogWarning(kComponent, "recovery: rolling back job " + job_name);
    VAULT_RETURN_IF_ERROR(RollBack(meta, dir));
  }
  // Incomplete object directories (a crash inside an object write) are never acknowledged.
  for (auto& [tier, store] : env_.stores) {
    std::vector<std::string> incomplete;
    VAULT_RETURN_IF_ERROR(store->ListIncomplete([&](const std::string& p) {
      incomplete.push_back(p);
      return true;
    }));
    for (const auto& p : incomplete) {
      // A directory of an object the catalog has a copy of on this tier is a stored copy that
      // lost its root inventory (bit rot, or a crash inside a repair): never removed here —
      // fixity finds it damaged and repairs it from another copy. The last component of an
      // object path is sha256(id).
      const std::string hash = p.substr(p.find_last_of('/') + 1);
      VAULT_ASSIGN_OR_RETURN(std::optional<std::string> known,
                             env_.catalog->FindObjectByHash(hash));
      if (known) {
        VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(*known));
        bool has_copy = false;
        for (const auto& c : copies) has_copy = has_copy || c.tier == tier;
        if (has_copy) {
          LogWarning(kComponent, "recovery: object " + *known + " on " + tier +
                                     " has no root inventory; left for fixity to repair");
          continue;
        }
      }
      LogWarning(kComponent, "recovery: removing incomplete object directory " + p + " on " + tier);
      VAULT_RETURN_IF_ERROR(store->RemoveIncomplete(p));
    }
  }
  return recovered;
}

}  // namespace vault::ingest
