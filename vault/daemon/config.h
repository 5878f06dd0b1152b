// vault.toml: the configuration of one vault home.
//
// Created with defaults by `vaultctl init` or on the daemon's first start. Every value has a
// safe default; unknown keys are refused (a typo must not silently fall back to a default).
// Relative tier paths are relative to the vault home.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "policies/fixity.h"
#include "policies/placement.h"
#include "vault/base/status.h"

namespace vault::daemon {

struct TierConfig {
  std::string name;    // [a-z0-9-]+
  std::string kind = "local";
  std::filesystem::path path;  // absolute after loading
  std::string medium;  // independent-medium label: copies that must be independent go to
                       // tiers with different labels (placement policy)
  // Fixity: every copy on this tier is verified at least once per period (1 day .. 3 years;
  // Vietnamese rules: every record checked within 3 years).
  int64_t fixity_period_days = 365;
  std::string check = "full";           // "full" (every byte hashed) | "size-only"
  double max_read_mb_s = 0;             // cap on the scheduler's read rate (MB/s); 0 = none
  std::vector<std::string> windows;     // local-time windows when reading is allowed, "22:00-06:00"
};

struct FixityConfig {
  bool enabled = true;          // the background scheduler (verify --all works regardless)
  double headroom = 1.5;        // read faster than the bare need by this factor
  int utc_offset_hours = 7;     // local time of tier windows (Vietnam: UTC+7)
  int threads = 0;              // hashing threads; 0 = all cores
  int objects_per_tier = 0;     // objects checked at once per tier; 0 = 2 × hashing threads
                                // (memory grows with this × the largest object's file count)
  double tick_seconds = 2.0;    // how often the scheduler wakes
};

struct IngestConfig {
  int workers = 2;
  double settle_seconds = 5.0;   // a package written in place counts once unchanged this long
  uint64_t max_unpacked_bytes = 256ull << 30;
  // 100,000 files keeps the object's own metadata (PREMIS, inventory) readable back within the
  // store's and materialiser's read caps even with max_path_bytes-long names.
  uint64_t max_files = 100'000;
  uint64_t max_path_bytes = 1024;
  double max_compression_ratio = 100.0;
  uint64_t max_manifest_line_bytes = 64 * 1024;
  uint64_t max_tag_file_bytes = 16ull << 20;
};

// Retention and disposal (docs/RETENTION.md).
struct RetentionConfig {
  std::filesystem::path schedule;   // absolute after loading; default <home>/retention/schedule.toml
  std::string default_rule_inbox;   // rule for inbox packages without retention metadata ("" = reject)
  std::string default_rule_api;     // the same for `vaultctl ingest` / POST /api/v1/ingest
  int disposal_deadline_days = 15;  // execution within this many days of the decision (TT 06/2025)
  double sweep_hours = 24;          // the review sweep runs at start and then this often
};

// Signed checkpoints of the log (docs/RETENTION.md §6).
struct AuditConfig {
  double checkpoint_minutes = 60;   // a checkpoint when the log moved and this much time passed
};

// Format identification (docs/FORMATS.md).
struct FormatsConfig {
  // Directory holding DROID_SignatureFile_V*.xml and container-signature-*.xml (the newest of
  // each is used). "" = <home>/formats/pronom, else $VAULT_PRONOM_DIR, else the corpora.
  std::filesystem::path signature_dir;
  bool required = false;  // refuse to start without signature files (else: files not identified)
};

// Format migration of permanent records (docs/MIGRATION.md).
struct MigrationConfig {
  std::filesystem::path policy;     // absolute after loading; default <home>/migration/policy.toml
  int workers = 1;                  // conversions at once (each may use a core and ~1 GiB)
  double timeout_seconds = 600;     // wall-clock limit per conversion
  double cpu_seconds = 600;         // CPU limit per conversion
  uint64_t memory_mb = 4096;        // address-space limit per conversion
  uint64_t max_output_mb = 4096;    // output-size limit per conversion
};

struct Config {
  std::string listen = "127.0.0.1:8470";
  RetentionConfig retention;
  FormatsConfig formats;
  MigrationConfig migration;
  AuditConfig audit;
  IngestConfig ingest;
  std::vector<TierConfig> tiers;
  FixityConfig fixity;
  policies::PlacementPolicy placement;  // [placement] + [[placement.rules]] + [[placement.moves]]

  const TierConfig* FindTier(std::string_view name) const;
  std::vector<policies::PlacementTier> PlacementTiers() const;
  policies::FixityTierPolicy FixityPolicy(const TierConfig& t) const;
};

// The text written for a new vault.
std::string DefaultConfigText();
// Parses and checks vault.toml text; tier paths resolved against `home`.
// kInvalidArgument names the key (and line when toml++ gives one).
Result<Config> ParseConfig(std::string_view text, const std::filesystem::path& home);
Result<Config> LoadConfig(const std::filesystem::path& home);

}  // namespace vault::daemon
