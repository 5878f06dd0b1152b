#include "vault/daemon/config.h"

#include <toml++/toml.h>

#include <set>
#include <sstream>

#include "vault/base/fs.h"

namespace vault::daemon {
namespace {

Status Bad(std::string_view key, std::string_view why, const toml::source_region* where) {
  std::string msg = "vault.toml: " + std::string(key) + ": " + std::string(why);
  if (where && where->begin.line) msg += " (line " + std::to_string(where->begin.line) + ")";
  return Status::InvalidArgument(msg);
}

template <class T>
Status Read(const toml::table& t, std::string_view key, T& out, std::string_view prefix) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  if constexpr (std::is_same_v<T, std::string>) {
    auto v = n->value<std::string>();
    if (!v) return Bad(std::string(prefix) + std::string(key), "must be a string", &n->source());
    out = *v;
  } else if constexpr (std::is_floating_point_v<T>) {
    auto v = n->value<double>();
    if (!v) return Bad(std::string(prefix) + std::string(key), "must be a number", &n->source());
    out = *v;
  } else {
    auto v = n->value<int64_t>();
    if (!v || *v < 0) {
      return Bad(std::string(prefix) + std::string(key), "must be a non-negative integer",
                 &n->source());
    }
    out = static_cast<T>(*v);
  }
  return Status::Ok();
}

Status CheckKeys(const toml::table& t, const std::set<std::string>& allowed, std::string_view where) {
  for (const auto& [k, v] : t) {
    if (!allowed.count(std::string(k.str()))) {
      return Bad(std::string(where) + std::string(k.str()), "unknown key", &v.source());
    }
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultConfigText() {
  return R"(# archive-vault configuration (cấu hình kho lưu trữ)
# Paths are relative to the vault home unless absolute.

[api]
# HTTP API address; loopback only by default. Port 0 picks a free port (written to run/api).
listen = "127.0.0.1:8470"

[ingest]
workers = 2
# A package written in place in inbox/ is taken once unchanged for this many seconds.
# Moving a finished package into inbox/ (rename) is taken at once.
settle_seconds = 5.0
max_unpacked_bytes = 274877906944   # 256 GiB
max_files = 100000
max_path_bytes = 1024
max_compression_ratio = 100.0
max_manifest_line_bytes = 65536
max_tag_file_bytes = 16777216

# Storage tiers: each is an OCFL 1.1 storage root. Put them on independent media in production.
[[tiers]]
name = "hot"
kind = "local"
path = "tiers/hot"
medium = "local-disk-1"

[[tiers]]
name = "warm"
kind = "local"
path = "tiers/warm"
medium = "local-disk-2"
)";
}

Result<Config> ParseConfig(std::string_view text, const std::filesystem::path& home) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view("vault.toml"));
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "vault.toml: " << e.description() << " (line " << e.source().begin.line << ")";
    return Status::InvalidArgument(os.str());
  }
  Config c;
  VAULT_RETURN_IF_ERROR(CheckKeys(root, {"api", "ingest", "tiers"}, ""));
  if (auto* api = root["api"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(*api, {"listen"}, "api."));
    VAULT_RETURN_IF_ERROR(Read(*api, "listen", c.listen, "api."));
  }
  if (auto* in = root["ingest"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(*in,
                                    {"workers", "settle_seconds", "max_unpacked_bytes", "max_files",
                                     "max_path_bytes", "max_compression_ratio",
                                     "max_manifest_line_bytes", "max_tag_file_bytes"},
                                    "ingest."));
    auto& g = c.ingest;
    VAULT_RETURN_IF_ERROR(Read(*in, "workers", g.workers, "ingest."));
    VAULT_RETURN_IF_ERROR(Read(*in, "settle_seconds", g.settle_seconds, "ingest."));
    VAULT_RETURN_IF_ERROR(Read(*in, "max_unpacked_bytes", g.max_unpacked_bytes, "ingest."));
    VAULT_RETURN_IF_ERROR(Read(*in, "max_files", g.max_files, "ingest."));
    VAULT_RETURN_IF_ERROR(Read(*in, "max_path_bytes", g.max_path_bytes, "ingest."));
    VAULT_RETURN_IF_ERROR(Read(*in, "max_compression_ratio", g.max_compression_ratio, "ingest."));
    VAULT_RETURN_IF_ERROR(
        Read(*in, "max_manifest_line_bytes", g.max_manifest_line_bytes, "ingest."));
    VAULT_RETURN_IF_ERROR(Read(*in, "max_tag_file_bytes", g.max_tag_file_bytes, "ingest."));
    if (g.workers < 1 || g.workers > 64) return Bad("ingest.workers", "must be 1..64", nullptr);
    if (g.settle_seconds < 0) return Bad("ingest.settle_seconds", "must be >= 0", nullptr);
    if (g.max_files > 100'000 || g.max_path_bytes > 4096) {
      return Bad("ingest.max_files", "at most 100000 files and 4096-byte paths per package "
                 "(the object's PREMIS and inventory must stay readable; split larger hồ sơ)", nullptr);
    }
    if (g.max_compression_ratio < 1) {
      return Bad("ingest.max_compression_ratio", "must be >= 1", nullptr);
    }
  }
  if (auto* tiers = root["tiers"].as_array()) {
    std::set<std::string> names;
    for (auto& node : *tiers) {
      auto* t = node.as_table();
      if (!t) return Bad("tiers", "each [[tiers]] entry must be a table", &node.source());
      VAULT_RETURN_IF_ERROR(CheckKeys(*t, {"name", "kind", "path", "medium"}, "tiers."));
      TierConfig tc;
      std::string path;
      VAULT_RETURN_IF_ERROR(Read(*t, "name", tc.name, "tiers."));
      VAULT_RETURN_IF_ERROR(Read(*t, "kind", tc.kind, "tiers."));
      VAULT_RETURN_IF_ERROR(Read(*t, "path", path, "tiers."));
      VAULT_RETURN_IF_ERROR(Read(*t, "medium", tc.medium, "tiers."));
      if (tc.name.empty() || tc.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
                                 std::string::npos) {
        return Bad("tiers.name", "must be non-empty [a-z0-9-]: '" + tc.name + "'", &t->source());
      }
      if (!names.insert(tc.name).second) {
        return Bad("tiers.name", "duplicate tier '" + tc.name + "'", &t->source());
      }
      if (tc.kind != "local") {
        return Bad("tiers.kind", "unsupported kind '" + tc.kind + "' (supported: local)",
                   &t->source());
      }
      if (path.empty()) return Bad("tiers.path", "missing for tier '" + tc.name + "'", &t->source());
      tc.path = std::filesystem::path(path).is_absolute() ? std::filesystem::path(path)
                                                          : home / path;
      if (tc.medium.empty()) tc.medium = tc.name;
      c.tiers.push_back(std::move(tc));
    }
  }
  if (c.tiers.empty()) return Bad("tiers", "at least one [[tiers]] entry is required", nullptr);
  return c;
}

Result<Config> LoadConfig(const std::filesystem::path& home) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(home / "vault.toml", 1 << 20));
  return ParseConfig(text, home);
}

}  // namespace vault::daemon
