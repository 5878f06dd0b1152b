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

#include "vault/base/status.h"

namespace vault::daemon {

struct TierConfig {
  std::string name;    // [a-z0-9-]+
  std::string kind = "local";
  std::filesystem::path path;  // absolute after loading
  std::string medium;  // independent-medium label (issue: placement)
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

struct Config {
  std::string listen = "127.0.0.1:8470";
  IngestConfig ingest;
  std::vector<TierConfig> tiers;
};

// The text written for a new vault.
std::string DefaultConfigText();
// Parses and checks vault.toml text; tier paths resolved against `home`.
// kInvalidArgument names the key (and line when toml++ gives one).
Result<Config> ParseConfig(std::string_view text, const std::filesystem::path& home);
Result<Config> LoadConfig(const std::filesystem::path& home);

}  // namespace vault::daemon
