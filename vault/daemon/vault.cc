#include "vault/daemon/vault.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/base/ids.h"
#include "vault/base/logging.h"
#include "vault/clib/crypto.h"
#include "vault/log/checkpoint.h"

namespace vault::daemon {

namespace fs = std::filesystem;

Status InitHome(const fs::path& home) {
  ingest::HomePaths h{home};
  for (const auto& d : {h.root, h.catalog(), h.log(), h.inbox(), h.staging(), h.quarantine(),
                        h.receipts(), h.run(), h.keys(), h.secrets()}) {
    VAULT_RETURN_IF_ERROR(CreateDirsDurable(d));
  }
  ::chmod(h.secrets().c_str(), 0700);
  ::chmod(h.keys().c_str(), 0700);
  std::error_code ec;
  if (!fs::exists(h.config(), ec)) {
    VAULT_RETURN_IF_ERROR(WriteFileDurable(h.config(), DefaultConfigText()));
  }
  fs::path token = h.secrets() / "admin.token";
  if (!fs::exists(token, ec)) {
    // Create with 0600 before any byte of the secret is written.
    fs::path tmp = token;
    tmp += ".new";
    ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return Status::FromErrno(errno, "create", tmp.string());
    VAULT_RETURN_IF_ERROR(WriteAll(fd.get(), RandomHex(32) + "\n", tmp.string()));
    if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync", tmp.string());
    VAULT_RETURN_IF_ERROR(fd.Close(tmp.string()));
    VAULT_RETURN_IF_ERROR(RenameDurable(tmp, token));
  }
  fs::path schedule = h.root / "retention" / "schedule.toml";
  if (!fs::exists(schedule, ec)) {
    VAULT_RETURN_IF_ERROR(CreateDirsDurable(schedule.parent_path()));
    VAULT_RETURN_IF_ERROR(WriteFileDurable(schedule, DefaultRetentionSchedule()));
  }
  fs::path policy = h.root / "migration" / "policy.toml";
  if (!fs::exists(policy, ec)) {
    VAULT_RETURN_IF_ERROR(CreateDirsDurable(policy.parent_path()));
    VAULT_RETURN_IF_ERROR(WriteFileDurable(policy, DefaultMigrationPolicy()));
  }
  VAULT_RETURN_IF_ERROR(checkpoint::EnsureAuditKey(h.keys()));
  return Status::Ok();
}

Result<std::shared_ptr<const policies::MigrationPolicy>> LoadMigrationPolicyFile(const Config& c) {
  VAULT_ASSIGN_OR_RETURN(auto policy, policies::LoadMigrationPolicy(c.migration.policy));
  return std::shared_ptr<const policies::MigrationPolicy>(
      std::make_shared<policies::MigrationPolicy>(std::move(policy)));
}

Result<std::shared_ptr<const pronom::Identifier>> LoadIdentifier(const Config& c,
                                                                 const fs::path& home) {
  std::error_code ec;
  const bool configured = !c.formats.signature_dir.empty();
  const fs::path own = configured ? c.formats.signature_dir : home / "formats" / "pronom";
  auto found = pronom::FindSignatureFiles(own);
  if (found.ok() && !configured && found->first.parent_path() != own) {
    // Keep the vault's own copy (with the DROID licence) so that identification does not
    // depend on where the files were found.
    VAULT_RETURN_IF_ERROR(CreateDirsDurable(own));
    fs::path licence = found->first.parent_path() / "LICENSE-DROID-BSD3.txt";
    for (const fs::path& f : {found->first, found->second, licence}) {
      if (f.empty() || !fs::exists(f, ec)) continue;
      VAULT_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(f, 64ull << 20));
      VAULT_RETURN_IF_ERROR(WriteFileDurable(own / f.filename(), bytes));
    }
    found = pronom::FindSignatureFiles(own);
  }
  if (!found.ok()) {
    if (c.formats.required) {
      return std::move(found).status().WithContext(
          "PRONOM signature files ([formats] required = true; put DROID_SignatureFile_V*.xml and "
          "container-signature-*.xml in " + own.string() + ")");
    }
    LogWarning("formats", "no PRONOM signature files in " + own.string() +
                              " or $VAULT_PRONOM_DIR: files are stored unidentified "
                              "(định dạng chưa được nhận dạng)");
    return std::shared_ptr<const pronom::Identifier>();
  }
  VAULT_ASSIGN_OR_RETURN(auto id, pronom::Identifier::Load(found->first, found->second));
  LogInfo("formats", "PRONOM identification: " + id->version() + " (" +
                         std::to_string(id->format_count()) + " formats, " +
                         std::to_string(id->signature_count()) + " signatures)");
  return id;
}

Result<std::shared_ptr<const policies::RetentionSchedule>> LoadRetentionSchedule(const Config& c) {
  auto text = ReadFileToString(c.retention.schedule, 16ull << 20);
  if (!text.ok()) {
    return std::move(text).status().WithContext(
        "retention schedule (vault.toml [retention] schedule)");
  }
  VAULT_ASSIGN_OR_RETURN(auto parsed,
                         policies::ParseRetentionSchedule(*text, c.retention.schedule.string()));
  parsed.sha256 = Sha256Hex(*text);
  for (const auto& [key, rule] : {std::pair{"default_rule_inbox", c.retention.default_rule_inbox},
                                  std::pair{"default_rule_api", c.retention.default_rule_api}}) {
    if (!rule.empty() && parsed.Find(rule) == nullptr) {
      return Status::InvalidArgument("vault.toml: retention." + std::string(key) + " = \"" + rule +
                                     "\" is not a rule of " + c.retention.schedule.string());
    }
  }
  return std::shared_ptr<const policies::RetentionSchedule>(
      std::make_shared<policies::RetentionSchedule>(std::move(parsed)));
}

Vault::~Vault() = default;

Result<std::unique_ptr<Vault>> Vault::Open(const fs::path& home_in, Options o, Clock& clock) {
  std::error_code ec;
  fs::path home = fs::absolute(home_in, ec);
  if (!fs::exists(home / "vault.toml", ec)) {
    if (!o.create_if_missing) {
      return Status::NotFound("no vault at " + home.string() + " (vault.toml missing)");
    }
    VAULT_RETURN_IF_ERROR(InitHome(home));
  }
  std::unique_ptr<Vault> v(new Vault());
  v->home_ = ingest::HomePaths{home};
  v->clock_ = &clock;
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(v->home_.run()));

  // One writer per vault: an flock on run/vaultd.lock, released by the kernel on any exit.
  fs::path lock_path = v->home_.run() / "vaultd.lock";
  v->lock_fd_ = ScopedFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!v->lock_fd_.valid()) return Status::FromErrno(errno, "open", lock_path.string());
  if (::flock(v->lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::FailedPrecondition("the vault at " + home.string() +
                                      " is in use by another process (lock " +
                                      lock_path.string() + ")");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  (void)::ftruncate(v->lock_fd_.get(), 0);
  (void)WriteAll(v->lock_fd_.get(), pid, lock_path.string());

  VAULT_ASSIGN_OR_RETURN(v->config_, LoadConfig(home));
  for (const auto& d : {v->home_.inbox(), v->home_.staging(), v->home_.quarantine(),
                        v->home_.receipts(), v->home_.log()}) {
    VAULT_RETURN_IF_ERROR(CreateDirsDurable(d));
  }
  if (o.open_catalog) {
    VAULT_ASSIGN_OR_RETURN(v->catalog_, catalog::Catalog::Open(v->home_.catalog()));
    // A vault from before retention existed gets the shipped schedule and its signing key.
    std::error_code sec;
    if (!fs::exists(v->config_.retention.schedule, sec) &&
        v->config_.retention.schedule == home / "retention" / "schedule.toml") {
      VAULT_RETURN_IF_ERROR(CreateDirsDurable(v->config_.retention.schedule.parent_path()));
      VAULT_RETURN_IF_ERROR(WriteFileDurable(v->config_.retention.schedule, DefaultRetentionSchedule()));
    }
    VAULT_RETURN_IF_ERROR(checkpoint::EnsureAuditKey(v->home_.keys()));
    VAULT_ASSIGN_OR_RETURN(v->schedule_, LoadRetentionSchedule(v->config_));
    if (!fs::exists(v->config_.migration.policy, sec) &&
        v->config_.migration.policy == home / "migration" / "policy.toml") {
      VAULT_RETURN_IF_ERROR(CreateDirsDurable(v->config_.migration.policy.parent_path()));
      VAULT_RETURN_IF_ERROR(WriteFileDurable(v->config_.migration.policy, DefaultMigrationPolicy()));
    }
    VAULT_ASSIGN_OR_RETURN(v->migration_policy_, LoadMigrationPolicyFile(v->config_));
    VAULT_ASSIGN_OR_RETURN(v->identifier_, LoadIdentifier(v->config_, home));
  }
  for (const auto& tc : v->config_.tiers) {
    // A tier the catalog holds copies on must still be a storage root: an empty directory there
    // is a disk that is not mounted, and initialising it would let repair fill the mount point.
    if (v->catalog_ && !fs::exists(tc.path / "0=ocfl_1.1", ec)) {
      VAULT_ASSIGN_OR_RETURN(auto ts, v->catalog_->GetTierStats());
      if (auto it = ts.find(tc.name); it != ts.end() && it->second.copies() > 0) {
        return Status::FailedPrecondition(
            "tier '" + tc.name + "' at " + tc.path.string() + " is not an OCFL storage root, "
            "but the catalog has " + std::to_string(it->second.copies()) +
            " copies on it: is its disk mounted? (vaultd will not initialise it)");
      }
    }
    VAULT_ASSIGN_OR_RETURN(auto tier, tiers::OpenLocalTier(tc.name, tc.path));
    VAULT_ASSIGN_OR_RETURN(auto store, store::OcflStore::Open(*tier));
    v->stores_[tc.name] = store.get();
    v->tiers_.push_back(std::move(tier));
    v->store_owners_.push_back(std::move(store));
  }
  VAULT_ASSIGN_OR_RETURN(v->log_, eventlog::EventLog::Open(v->home_.log(), clock));
  if (!o.open_catalog) return v;

  ingest::Ingester::Env env;
  env.home = v->home_;
  env.catalog = v->catalog_.get();
  env.log = v->log_.get();
  env.stores = v->stores_;
  env.first_tier = v->config_.tiers.front().name;
  env.clock = &clock;
  env.config = v->config_.ingest;
  env.schedule = v->schedule_;
  env.retention = v->config_.retention;
  env.utc_offset_hours = v->config_.fixity.utc_offset_hours;
  env.identifier = v->identifier_;
  v->ingester_ = std::make_unique<ingest::Ingester>(std::move(env));

  if (o.recover) {
    // Temp files of durable writes interrupted by a crash (never renamed into place).
    // In quarantine only reason.json's temps: the packages there are kept byte for byte, even
    // one whose own name looks like a temp file.
    for (const auto& d : {v->home_.receipts(), v->home_.run(), v->home_.root}) {
      VAULT_RETURN_IF_ERROR(SweepDurableWriteTemps(d).status());
    }
    for (auto it = fs::directory_iterator(v->home_.quarantine(), ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
      VAULT_RETURN_IF_ERROR(SweepDurableWriteTemps(it->path(), "reason.json").status());
    }
    // Scratch of replication and repair interrupted by a crash: copies of stored bytes only.
    if (fs::exists(v->home_.root / "work", ec)) {
      VAULT_RETURN_IF_ERROR(RemoveTree(v->home_.root / "work"));
    }
    VAULT_ASSIGN_OR_RETURN(v->replayed_, ingest::ReplayLog(*v->log_, v->stores_, *v->catalog_));
    if (v->replayed_ > 0) {
      LogInfo("vault", "replayed " + std::to_string(v->replayed_) + " logged events into the catalog");
    }
    VAULT_ASSIGN_OR_RETURN(v->recovered_, v->ingester_->Recover());
  }
  return v;
}

}  // namespace vault::daemon
