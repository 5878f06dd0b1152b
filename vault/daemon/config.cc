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

Status ReadBool(const toml::table& t, std::string_view key, bool& out, std::string_view prefix) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  auto v = n->value<bool>();
  if (!v) return Bad(std::string(prefix) + std::string(key), "must be true or false", &n->source());
  out = *v;
  return Status::Ok();
}

Status ReadStrings(const toml::table& t, std::string_view key, std::vector<std::string>& out,
                   std::string_view prefix) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  auto* a = n->as_array();
  if (!a) return Bad(std::string(prefix) + std::string(key), "must be an array of strings", &n->source());
  out.clear();
  for (auto& e : *a) {
    auto v = e.value<std::string>();
    if (!v) return Bad(std::string(prefix) + std::string(key), "must be an array of strings", &e.source());
    out.push_back(*v);
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

# Storage tiers: each is an OCFL 1.1 storage root. The first takes new objects.
# `medium` names the physical medium: copies are kept on tiers with DIFFERENT media, so in
# production give each tier its own disk, array or site and label it truthfully (the daemon
# warns when two differently labelled tiers share one filesystem device).
# Fixity: every copy is verified at least once per fixity_period_days (at most 1096 = 3 years);
# check = "full" hashes every byte, "size-only" checks presence and sizes only.
# max_read_mb_s caps the background read rate (0 = no cap); windows restrict reading to
# local-time ranges, e.g. windows = ["22:00-06:00"].
[[tiers]]
name = "hot"
kind = "local"
path = "tiers/hot"
medium = "local-disk-1"
fixity_period_days = 365
check = "full"
max_read_mb_s = 0
windows = []

[[tiers]]
name = "warm"
kind = "local"
path = "tiers/warm"
medium = "local-disk-2"
fixity_period_days = 365
check = "full"
max_read_mb_s = 0
windows = []

[fixity]
enabled = true
headroom = 1.5          # read this much faster than strictly needed
utc_offset_hours = 7    # time zone of the windows (Vietnam)
threads = 0             # hashing threads, 0 = all cores
objects_per_tier = 0    # objects checked at once per tier, 0 = twice the hashing threads

# Retention: the approved schedule (bảng thời hạn bảo quản) and what packages without retention
# metadata get. "" rejects them (rule retention.missing). Rule ids are the schedule's, e.g. "TT05-06".
[retention]
schedule = "retention/schedule.toml"
default_rule_inbox = ""
default_rule_api = ""
disposal_deadline_days = 15   # approved destruction is executed within this many days (TT 06/2025)
sweep_hours = 24              # review sweep period (also at start and on demand)

# Signed checkpoints of the event log (Ed25519 key in keys/), for `vaultctl audit verify`.
[audit]
checkpoint_minutes = 60

# Format identification: PRONOM signature files (DROID binary + container signatures).
# "" = formats/pronom in the vault home, else $VAULT_PRONOM_DIR.
[formats]
signature_dir = ""
required = false

# Format migration of permanent records (policy: which formats, to what, with which tool).
# Every conversion runs sandboxed: own process, fresh HOME, no network, these limits.
[migration]
policy = "migration/policy.toml"
workers = 1
timeout_seconds = 600
cpu_seconds = 600
memory_mb = 4096
max_output_mb = 4096

# Placement: how many good copies each retention class needs, and on distinct media.
[placement]
copies = 2
distinct_media = true
# Per retention class (first match wins), e.g.:
# [[placement.rules]]
# retention = "permanent"
# copies = 3
# Age-based moves (copy, verify, switch, remove the source; the copy count is kept), e.g.:
# [[placement.moves]]
# from = "hot"
# to = "cold"
# after_days = 365
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
  VAULT_RETURN_IF_ERROR(CheckKeys(
      root, {"api", "ingest", "tiers", "fixity", "placement", "retention", "audit", "formats",
             "migration"},
      ""));
  c.retention.schedule = home / "retention" / "schedule.toml";
  c.migration.policy = home / "migration" / "policy.toml";
  if (auto* ft = root["formats"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(*ft, {"signature_dir", "required"}, "formats."));
    std::string dir;
    VAULT_RETURN_IF_ERROR(Read(*ft, "signature_dir", dir, "formats."));
    if (!dir.empty()) {
      std::filesystem::path dp = dir;
      c.formats.signature_dir = dp.is_absolute() ? dp : home / dp;
    }
    VAULT_RETURN_IF_ERROR(ReadBool(*ft, "required", c.formats.required, "formats."));
  }
  if (auto* mt = root["migration"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(*mt,
                                    {"policy", "workers", "timeout_seconds", "cpu_seconds",
                                     "memory_mb", "max_output_mb"},
                                    "migration."));
    auto& m = c.migration;
    std::string policy;
    VAULT_RETURN_IF_ERROR(Read(*mt, "policy", policy, "migration."));
    if (!policy.empty()) {
      std::filesystem::path pp = policy;
      m.policy = pp.is_absolute() ? pp : home / pp;
    }
    VAULT_RETURN_IF_ERROR(Read(*mt, "workers", m.workers, "migration."));
    VAULT_RETURN_IF_ERROR(Read(*mt, "timeout_seconds", m.timeout_seconds, "migration."));
    VAULT_RETURN_IF_ERROR(Read(*mt, "cpu_seconds", m.cpu_seconds, "migration."));
    VAULT_RETURN_IF_ERROR(Read(*mt, "memory_mb", m.memory_mb, "migration."));
    VAULT_RETURN_IF_ERROR(Read(*mt, "max_output_mb", m.max_output_mb, "migration."));
    if (m.workers < 1 || m.workers > 64) return Bad("migration.workers", "must be 1..64", nullptr);
    if (!(m.timeout_seconds >= 1 && m.timeout_seconds <= 86400)) {
      return Bad("migration.timeout_seconds", "must be 1..86400", nullptr);
    }
    if (!(m.cpu_seconds >= 1 && m.cpu_seconds <= 86400)) {
      return Bad("migration.cpu_seconds", "must be 1..86400", nullptr);
    }
    if (m.memory_mb < 256 || m.memory_mb > (1u << 20)) {
      return Bad("migration.memory_mb", "must be 256..1048576", nullptr);
    }
    if (m.max_output_mb < 1 || m.max_output_mb > (1u << 22)) {
      return Bad("migration.max_output_mb", "must be 1..4194304", nullptr);
    }
  }
  if (auto* rt = root["retention"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(*rt,
                                    {"schedule", "default_rule_inbox", "default_rule_api",
                                     "disposal_deadline_days", "sweep_hours"},
                                    "retention."));
    std::string schedule;
    VAULT_RETURN_IF_ERROR(Read(*rt, "schedule", schedule, "retention."));
    if (!schedule.empty()) {
      std::filesystem::path sp = schedule;
      c.retention.schedule = sp.is_absolute() ? sp : home / sp;
    }
    auto& r = c.retention;
    VAULT_RETURN_IF_ERROR(Read(*rt, "default_rule_inbox", r.default_rule_inbox, "retention."));
    VAULT_RETURN_IF_ERROR(Read(*rt, "default_rule_api", r.default_rule_api, "retention."));
    VAULT_RETURN_IF_ERROR(Read(*rt, "disposal_deadline_days", r.disposal_deadline_days, "retention."));
    VAULT_RETURN_IF_ERROR(Read(*rt, "sweep_hours", r.sweep_hours, "retention."));
    if (r.disposal_deadline_days < 1 || r.disposal_deadline_days > 365) {
      return Bad("retention.disposal_deadline_days", "must be 1..365", nullptr);
    }
    if (!(r.sweep_hours > 0 && r.sweep_hours <= 24 * 31)) {
      return Bad("retention.sweep_hours", "must be > 0 and at most 744 (31 days)", nullptr);
    }
  }
  if (auto* au = root["audit"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(*au, {"checkpoint_minutes"}, "audit."));
    VAULT_RETURN_IF_ERROR(Read(*au, "checkpoint_minutes", c.audit.checkpoint_minutes, "audit."));
    if (!(c.audit.checkpoint_minutes > 0 && c.audit.checkpoint_minutes <= 24 * 60)) {
      return Bad("audit.checkpoint_minutes", "must be > 0 and at most 1440 (one day)", nullptr);
    }
  }
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
      VAULT_RETURN_IF_ERROR(CheckKeys(*t,
                                      {"name", "kind", "path", "medium", "fixity_period_days",
                                       "check", "max_read_mb_s", "windows"},
                                      "tiers."));
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
      VAULT_RETURN_IF_ERROR(Read(*t, "fixity_period_days", tc.fixity_period_days, "tiers."));
      VAULT_RETURN_IF_ERROR(Read(*t, "check", tc.check, "tiers."));
      VAULT_RETURN_IF_ERROR(Read(*t, "max_read_mb_s", tc.max_read_mb_s, "tiers."));
      VAULT_RETURN_IF_ERROR(ReadStrings(*t, "windows", tc.windows, "tiers."));
      if (tc.fixity_period_days < 1 || tc.fixity_period_days > 1096) {
        return Bad("tiers.fixity_period_days",
                   "must be 1..1096 (every record must be checked within 3 years) for tier '" +
                       tc.name + "'",
                   &t->source());
      }
      if (tc.check != "full" && tc.check != "size-only") {
        return Bad("tiers.check", "must be \"full\" or \"size-only\" for tier '" + tc.name + "'",
                   &t->source());
      }
      if (tc.max_read_mb_s < 0) {
        return Bad("tiers.max_read_mb_s", "must be >= 0 for tier '" + tc.name + "'", &t->source());
      }
      for (const auto& w : tc.windows) {
        if (auto pw = policies::ParseTimeWindow(w); !pw.ok()) {
          return Bad("tiers.windows", std::string(pw.status().message()), &t->source());
        }
      }
      c.tiers.push_back(std::move(tc));
    }
  }
  if (c.tiers.empty()) return Bad("tiers", "at least one [[tiers]] entry is required", nullptr);

  if (auto* fx = root["fixity"].as_table()) {
    VAULT_RETURN_IF_ERROR(CheckKeys(
        *fx, {"enabled", "headroom", "utc_offset_hours", "threads", "tick_seconds", "objects_per_tier"},
        "fixity."));
    if (const toml::node* n = fx->get("enabled")) {
      auto v = n->value<bool>();
      if (!v) return Bad("fixity.enabled", "must be true or false", &n->source());
      c.fixity.enabled = *v;
    }
    VAULT_RETURN_IF_ERROR(Read(*fx, "headroom", c.fixity.headroom, "fixity."));
    if (const toml::node* n = fx->get("utc_offset_hours")) {
      auto v = n->value<int64_t>();
      if (!v || *v < -12 || *v > 14) {
        return Bad("fixity.utc_offset_hours", "must be an integer -12..14", &n->source());
      }
      c.fixity.utc_offset_hours = static_cast<int>(*v);
    }
    VAULT_RETURN_IF_ERROR(Read(*fx, "threads", c.fixity.threads, "fixity."));
    VAULT_RETURN_IF_ERROR(Read(*fx, "objects_per_tier", c.fixity.objects_per_tier, "fixity."));
    if (c.fixity.objects_per_tier > 256) return Bad("fixity.objects_per_tier", "must be 0..256", nullptr);
    VAULT_RETURN_IF_ERROR(Read(*fx, "tick_seconds", c.fixity.tick_seconds, "fixity."));
    if (c.fixity.headroom < 1.0 || c.fixity.headroom > 10.0) {
      return Bad("fixity.headroom", "must be 1.0..10.0", nullptr);
    }
    if (c.fixity.threads > 256) return Bad("fixity.threads", "must be 0..256", nullptr);
    if (c.fixity.tick_seconds < 0.05 || c.fixity.tick_seconds > 3600) {
      return Bad("fixity.tick_seconds", "must be 0.05..3600", nullptr);
    }
  }

  // Placement: a default rule from [placement] copies/distinct_media, then per-class rules.
  policies::PlacementRule any;
  if (auto* pl = root["placement"].as_table()) {
    VAULT_RETURN_IF_ERROR(
        CheckKeys(*pl, {"copies", "distinct_media", "rules", "moves"}, "placement."));
    VAULT_RETURN_IF_ERROR(Read(*pl, "copies", any.copies, "placement."));
    VAULT_RETURN_IF_ERROR(ReadBool(*pl, "distinct_media", any.distinct_media, "placement."));
    if (const toml::node* rn = pl->get("rules")) {
      auto* rules = rn->as_array();
      if (!rules) return Bad("placement.rules", "must be [[placement.rules]] tables", &rn->source());
      for (auto& node : *rules) {
        auto* t = node.as_table();
        if (!t) return Bad("placement.rules", "each entry must be a table", &node.source());
        VAULT_RETURN_IF_ERROR(
            CheckKeys(*t, {"retention", "copies", "distinct_media"}, "placement.rules."));
        policies::PlacementRule r;
        VAULT_RETURN_IF_ERROR(Read(*t, "retention", r.retention, "placement.rules."));
        VAULT_RETURN_IF_ERROR(Read(*t, "copies", r.copies, "placement.rules."));
        VAULT_RETURN_IF_ERROR(ReadBool(*t, "distinct_media", r.distinct_media, "placement.rules."));
        if (r.retention.empty()) {
          return Bad("placement.rules.retention", "must name a retention class or \"*\"",
                     &t->source());
        }
        c.placement.rules.push_back(std::move(r));
      }
    }
    if (const toml::node* mn = pl->get("moves")) {
      auto* moves = mn->as_array();
      if (!moves) return Bad("placement.moves", "must be [[placement.moves]] tables", &mn->source());
      for (auto& node : *moves) {
        auto* t = node.as_table();
        if (!t) return Bad("placement.moves", "each entry must be a table", &node.source());
        VAULT_RETURN_IF_ERROR(CheckKeys(*t, {"from", "to", "after_days"}, "placement.moves."));
        policies::MoveRule m;
        VAULT_RETURN_IF_ERROR(Read(*t, "from", m.from, "placement.moves."));
        VAULT_RETURN_IF_ERROR(Read(*t, "to", m.to, "placement.moves."));
        VAULT_RETURN_IF_ERROR(Read(*t, "after_days", m.after_days, "placement.moves."));
        c.placement.moves.push_back(std::move(m));
      }
    }
  }
  c.placement.rules.push_back(any);  // the catch-all, after the per-class rules
  if (Status s = policies::ValidatePlacementPolicy(c.placement, c.PlacementTiers()); !s.ok()) {
    return Status::InvalidArgument("vault.toml: " + std::string(s.message()));
  }
  return c;
}

const TierConfig* Config::FindTier(std::string_view name) const {
  for (const auto& t : tiers) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<policies::PlacementTier> Config::PlacementTiers() const {
  std::vector<policies::PlacementTier> out;
  for (const auto& t : tiers) out.push_back({t.name, t.medium});
  return out;
}

policies::FixityTierPolicy Config::FixityPolicy(const TierConfig& t) const {
  policies::FixityTierPolicy p;
  p.period_s = t.fixity_period_days * 86400;
  p.headroom = fixity.headroom;
  p.max_read_bytes_s = t.max_read_mb_s * 1e6;
  for (const auto& w : t.windows) {
    if (auto pw = policies::ParseTimeWindow(w); pw.ok()) p.windows.push_back(*pw);
  }
  p.utc_offset_s = static_cast<int64_t>(fixity.utc_offset_hours) * 3600;
  return p;
}

Result<Config> LoadConfig(const std::filesystem::path& home) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(home / "vault.toml", 1 << 20));
  return ParseConfig(text, home);
}

}  // namespace vault::daemon
