// Vault: one open vault home — configuration, tiers and their OCFL stores, the event log, the
// LMDB catalog and the ingest pipeline — with the single-writer lock held.
//
// Open() runs startup recovery in the order DESIGN.md §3 requires: replay log events beyond the
// catalog's last applied sequence number, then sweep staging (finish or roll back interrupted
// ingests) and remove incomplete object directories. Both vaultd and the offline vaultctl
// commands (catalog rebuild) open a vault through this class, so only one process can ever
// write a vault at a time.
// Threading: the accessors are safe to use from many threads once Open() returned.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "formats/pronom/identify.h"
#include "policies/migration.h"
#include "policies/retention.h"
#include "vault/base/clock.h"
#include "vault/base/fs.h"
#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/daemon/config.h"
#include "vault/ingest/home.h"
#include "vault/ingest/ingester.h"
#include "vault/log/event_log.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/tier.h"

namespace vault::daemon {

// Creates a vault home with defaults if `home` has no vault.toml: the directories of
// DESIGN.md §3, vault.toml, secrets/admin.token (0600), retention/schedule.toml (the shipped
// policies/retention/default.toml), the audit signing key in keys/. Idempotent; never
// overwrites.
Status InitHome(const std::filesystem::path& home);

// The text of policies/retention/default.toml, built in.
std::string_view DefaultRetentionSchedule();

// Loads and checks the schedule vault.toml names (sha256 filled in) and that the default rules
// exist in it.
Result<std::shared_ptr<const policies::RetentionSchedule>> LoadRetentionSchedule(const Config& c);

// The shipped migration policy (policies/migration/default.toml), written to a new vault.
std::string_view DefaultMigrationPolicy();
Result<std::shared_ptr<const policies::MigrationPolicy>> LoadMigrationPolicyFile(const Config& c);

// The PRONOM identifier for a vault (docs/FORMATS.md): the signature files in [formats]
// signature_dir, else <home>/formats/pronom; when that is empty, the files found through
// $VAULT_PRONOM_DIR or the corpora are copied there with their licence first, so the vault keeps
// its own copy. null (with a warning) when none is found, unless [formats] required.
Result<std::shared_ptr<const pronom::Identifier>> LoadIdentifier(const Config& c,
                                                                 const std::filesystem::path& home);

class Vault {
 public:
  struct Options {
    bool create_if_missing = true;
    bool recover = true;          // replay + staging sweep (off for `catalog rebuild`)
    bool open_catalog = true;
  };
  static Result<std::unique_ptr<Vault>> Open(const std::filesystem::path& home, Options o,
                                             Clock& clock = SystemClock::Default());
  ~Vault();

  const ingest::HomePaths& home() const { return home_; }
  const Config& config() const { return config_; }
  catalog::Catalog& catalog() { return *catalog_; }
  eventlog::EventLog& log() { return *log_; }
  ingest::Ingester& ingester() { return *ingester_; }
  const ingest::StoreMap& stores() const { return stores_; }
  store::OcflStore& store(const std::string& tier) { return *stores_.at(tier); }
  Clock& clock() { return *clock_; }
  // The retention schedule in force (null when the vault was opened without a catalog).
  std::shared_ptr<const policies::RetentionSchedule> schedule() const { return schedule_; }
  // PRONOM identification (null without signature files) and the migration policy (null when
  // opened without a catalog).
  std::shared_ptr<const pronom::Identifier> identifier() const { return identifier_; }
  std::shared_ptr<const policies::MigrationPolicy> migration_policy() const { return migration_policy_; }
  uint64_t replayed_events() const { return replayed_; }
  int recovered_jobs() const { return recovered_; }

 private:
  Vault() = default;
  ingest::HomePaths home_;
  Config config_;
  Clock* clock_ = nullptr;
  ScopedFd lock_fd_;
  std::vector<std::unique_ptr<tiers::Tier>> tiers_;
  std::vector<std::unique_ptr<store::OcflStore>> store_owners_;
  ingest::StoreMap stores_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::unique_ptr<ingest::Ingester> ingester_;
  std::shared_ptr<const policies::RetentionSchedule> schedule_;
  std::shared_ptr<const pronom::Identifier> identifier_;
  std::shared_ptr<const policies::MigrationPolicy> migration_policy_;
  uint64_t replayed_ = 0;
  int recovered_ = 0;
};

}  // namespace vault::daemon
