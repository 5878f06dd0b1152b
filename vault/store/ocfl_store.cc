#include "vault/store/ocfl_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <map>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "vault/base/fs.h"
#include "vault/base/logging.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::store {
namespace {

constexpr std::string_view kLayoutKey = "ocfl_layout.json";
constexpr std::string_view kExtensionsDir = "extensions";
constexpr std::string_view kSizeAlgorithm = "size";  // OCFL extension 0009-digest-algorithms
constexpr uint64_t kMaxSmallFile = 64 * 1024;

std::string ExtensionConfigKey() {
  return std::string(kExtensionsDir) + "/" + std::string(ocfl::kHashedNTupleExtension) +
         "/config.json";
}

bool IsLowerHex(std::string_view s, size_t len) {
  if (s.size() != len) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "<hex>  inventory.json\n" → "<hex>" (lower case); "" when the sidecar has no token.
std::string SidecarDigest(std::string_view text) {
  size_t b = 0;
  while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  size_t e = b;
  while (e < text.size() && !std::isspace(static_cast<unsigned char>(text[e]))) ++e;
  return Lower(text.substr(b, e - b));
}

Result<std::string> DigestHex(std::string_view algorithm, std::string_view data) {
  auto alg = ParseDigestName(algorithm);
  if (!alg) return Status::InvalidArgument("unsupported digest algorithm: " + std::string(algorithm));
  VAULT_ASSIGN_OR_RETURN(MultiHasher h, MultiHasher::Create({*alg}));
  h.Update(data);
  return h.Finish().front();
}

// "v12" → 12; nullopt for anything else (zero-padded names included: not written here).
std::optional<int> VersionNumber(std::string_view name) {
  if (name.size() < 2 || name[0] != 'v' || name[1] == '0') return std::nullopt;
  int n = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9' || n > 100000) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Checks `path` is "t1", "t1/t2", "t1/t2/t3" or "t1/t2/t3/<64 hex starting t1t2t3>".
// Returns the depth (1..4) or 0 if it is not a path of the 0004 hierarchy.
int HierarchyDepth(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (parts.empty() || parts.size() > 4) return 0;
  std::string tuples;
  for (size_t i = 0; i < parts.size() && i < 3; ++i) {
    if (!IsLowerHex(parts[i], 3)) return 0;
    tuples.append(parts[i]);
  }
  if (parts.size() == 4 && (!IsLowerHex(parts[3], 64) || !parts[3].starts_with(tuples))) return 0;
  return static_cast<int>(parts.size());
}

// Depth-first walk of the 0004 hierarchy. fn(path, is_object_dir): object roots (depth 4) and
// tuple directories that are empty (is_object_dir=false). Returns false from fn to stop.
Status WalkHierarchy(const tiers::Tier& tier, const std::string& dir, int depth,
                     const std::function<bool(const std::string&, bool)>& fn, bool* stop) {
  std::vector<std::string> children;
  bool any_child = false;
  VAULT_RETURN_IF_ERROR(tier.ListDir(dir, [&](std::string_view name, bool is_prefix) {
    any_child = true;
    if (!is_prefix) return true;  // files inside tuple dirs are not objects; the validator flags them
    std::string path = dir.empty() ? std::string(name) : dir + "/" + std::string(name);
    if (HierarchyDepth(path) == depth + 1) children.push_back(std::move(path));
    return true;
  }));
  if (depth > 0 && !any_child) {
    if (!fn(dir, false)) *stop = true;
    return Status::Ok();
  }
  for (const std::string& child : children) {
    if (depth + 1 == 4) {
      if (!fn(child, true)) *stop = true;
    } else {
      VAULT_RETURN_IF_ERROR(WalkHierarchy(tier, child, depth + 1, fn, stop));
    }
    if (*stop) break;
  }
  return Status::Ok();
}

Status ValidateRequest(const CreateRequest& req) {
  if (req.id.empty()) return Status::InvalidArgument("object id is empty");
  if (!IsValidUtf8(req.id)) return Status::InvalidArgument("object id is not valid UTF-8");
  if (req.created.empty()) return Status::InvalidArgument("created time is empty");
  std::set<std::string> paths;
  for (const NewFile& f : req.files) {
    VAULT_RETURN_IF_ERROR(CheckSafeRelativePath(f.logical_path));
    if (!IsNfc(f.logical_path)) {
      return Status::InvalidArgument("logical path is not NFC: " + f.logical_path);
    }
    if (!IsLowerHex(f.sha256, 64)) {
      return Status::InvalidArgument("not a lower-case sha256 hex digest for " + f.logical_path);
    }
    if (!paths.insert(f.logical_path).second) {
      return Status::InvalidArgument("duplicate logical path: " + f.logical_path);
    }
  }
  // A path may not be both a file and a directory ("a" and "a/b"; OCFL E095).
  for (const std::string& p : paths) {
    auto it = paths.lower_bound(p + "/");
    if (it != paths.end() && it->starts_with(p + "/")) {
      return Status::InvalidArgument("logical path conflicts with a directory: " + p);
    }
  }
  return Status::Ok();
}

}  // namespace

std::string OcflStore::ObjectPath(std::string_view id) { return ocfl::HashedNTuplePath(id); }

Result<std::unique_ptr<OcflStore>> OcflStore::Open(tiers::Tier& tier) {
  std::unique_ptr<OcflStore> store(new OcflStore(tier));
  auto namaste = tier.Stat(ocfl::kRootNamaste);
  if (namaste.ok()) {
    VAULT_RETURN_IF_ERROR(store->CheckExistingRoot());
  } else if (namaste.status().code() == Code::kNotFound) {
    VAULT_RETURN_IF_ERROR(store->Initialise());
  } else {
    return std::move(namaste).status();
  }
  return store;
}

Status OcflStore::Initialise() {
  const std::map<std::string, std::string> files = {
      {std::string(kLayoutKey), ocfl::LayoutJson()},
      {ExtensionConfigKey(), ocfl::LayoutExtensionConfigJson()},
  };
  // Only a previous, interrupted initialisation may have left something behind.
  std::string foreign;
  std::vector<std::string> temps;
  VAULT_RETURN_IF_ERROR(tier_.List("", [&](std::string_view key, const tiers::ObjectInfo&) {
    if (tier_.IsTemporaryKey(key)) {
      temps.emplace_back(key);
      return true;
    }
    if (files.count(std::string(key)) == 0) {
      foreign = std::string(key);
      return false;
    }
    return true;
  }));
  if (!foreign.empty()) {
    return Status::FailedPrecondition("tier " + tier_.name() +
                                      " is not empty and not an OCFL storage root (found '" +
                                      foreign + "')");
  }
  for (const std::string& key : temps) VAULT_RETURN_IF_ERROR(tier_.Remove(key));
  for (const auto& [key, content] : files) {
    auto existing = tier_.ReadAll(key, kMaxSmallFile);
    if (existing.ok()) {
      if (*existing != content) {
        return Status::FailedPrecondition("tier " + tier_.name() + ": unexpected " + key);
      }
      continue;
    }
    if (existing.status().code() != Code::kNotFound) return std::move(existing).status();
    VAULT_RETURN_IF_ERROR(tier_.PutBytes(key, content));
  }
  VAULT_RETURN_IF_ERROR(tier_.Sync());
  CrashPoint("store:init:layout-durable");
  // The declaration last: its presence means "a complete storage root".
  VAULT_RETURN_IF_ERROR(tier_.PutBytes(ocfl::kRootNamaste, ocfl::kRootNamasteContent));
  VAULT_RETURN_IF_ERROR(tier_.Sync());
  LogInfo("store", "initialised OCFL 1.1 storage root on tier " + tier_.name());
  return Status::Ok();
}

Status OcflStore::CheckExistingRoot() {
  auto bad = [&](const std::string& why) {
    return Status::FailedPrecondition("tier " + tier_.name() + ": " + why);
  };
  VAULT_ASSIGN_OR_RETURN(std::string namaste, tier_.ReadAll(ocfl::kRootNamaste, kMaxSmallFile));
  if (namaste != ocfl::kRootNamasteContent) return bad("0=ocfl_1.1 does not declare OCFL 1.1");
  auto layout = tier_.ReadAll(kLayoutKey, kMaxSmallFile);
  if (!layout.ok()) {
    return bad("no usable ocfl_layout.json (" + layout.status().ToString() + ")");
  }
  nlohmann::json j = nlohmann::json::parse(*layout, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("extension") ||
      !j["extension"].is_string() ||
      j["extension"].get<std::string>() != ocfl::kHashedNTupleExtension) {
    return bad("storage root does not use " + std::string(ocfl::kHashedNTupleExtension));
  }
  auto config_text = tier_.ReadAll(ExtensionConfigKey(), kMaxSmallFile);
  if (config_text.ok()) {
    auto config = ocfl::ParseHashedNTupleConfig(*config_text);
    if (!config.ok()) return bad(std::string(config.status().message()));
    const ocfl::HashedNTupleConfig defaults;
    if (config->digest_algorithm != defaults.digest_algorithm ||
        config->tuple_size != defaults.tuple_size ||
        config->number_of_tuples != defaults.number_of_tuples ||
        config->short_object_root != defaults.short_object_root) {
      return bad("0004 layout parameters differ from the defaults this vault uses");
    }
  } else if (config_text.status().code() != Code::kNotFound) {
    return std::move(config_text).status();
  }
  return Status::Ok();
}

bool OcflStore::InFlight(const std::string& object_path) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& p : in_flight_) {
    if (p == object_path || p.starts_with(object_path + "/")) return true;
  }
  return false;
}

Result<ocfl::Inventory> OcflStore::CreateObject(const CreateRequest& req) {
  VAULT_RETURN_IF_ERROR(ValidateRequest(req));
  const std::string obj = ObjectPath(req.id);
  auto ctx = [&](Status s) { return std::move(s).WithContext("create object " + req.id); };

  // Check the staged files before touching the tier.
  for (const NewFile& f : req.files) {
    struct stat st{};
    if (::stat(f.staged_path.c_str(), &st) != 0) {
      return ctx(Status::FromErrno(errno, "stat staged file", f.staged_path.string()));
    }
    if (!S_ISREG(st.st_mode)) {
      return ctx(Status::InvalidArgument("staged file is not a regular file: " +
                                         f.staged_path.string()));
    }
    if (static_cast<uint64_t>(st.st_size) != f.size) {
      return ctx(Status::Corruption("staged file " + f.staged_path.string() + " has " +
                                    std::to_string(st.st_size) + " bytes, expected " +
                                    std::to_string(f.size)));
    }
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!in_flight_.insert(obj).second) {
      return ctx(Status::AlreadyExists("object is being created"));
    }
  }
  struct Release {
    OcflStore* s;
    const std::string& p;
    ~Release() {
      std::lock_guard<std::mutex> lock(s->mu_);
      s->in_flight_.erase(p);
    }
  } release{this, obj};

  const std::string root_inv_key = obj + "/inventory.json";
  auto existing = tier_.Stat(root_inv_key);
  if (existing.ok()) return ctx(Status::AlreadyExists("object exists at " + obj));
  if (existing.status().code() != Code::kNotFound) return ctx(existing.status());
  bool leftovers = false;
  VAULT_RETURN_IF_ERROR(tier_.List(obj + "/", [&](std::string_view, const tiers::ObjectInfo&) {
    leftovers = true;
    return false;
  }));
  if (leftovers) {
    return ctx(Status::FailedPrecondition("an incomplete object is in the way at " + obj +
                                          "; run recovery (RemoveIncomplete)"));
  }

  // The inventory: one content path per logical path (no de-duplication within v1).
  ocfl::Inventory inv;
  inv.id = req.id;
  inv.head = "v1";
  ocfl::Version v1;
  v1.created = req.created;
  v1.message = req.message;
  if (!req.user_name.empty()) v1.user = ocfl::User{req.user_name, req.user_address};
  for (const NewFile& f : req.files) {
    std::string content_path = "v1/content/" + f.logical_path;
    inv.manifest[f.sha256].push_back(content_path);
    v1.state[f.sha256].push_back(f.logical_path);
    inv.fixity[std::string(kSizeAlgorithm)][std::to_string(f.size)].push_back(content_path);
  }
  for (auto& [d, paths] : inv.manifest) std::sort(paths.begin(), paths.end());
  for (auto& [d, paths] : v1.state) std::sort(paths.begin(), paths.end());
  for (auto& [s, paths] : inv.fixity[std::string(kSizeAlgorithm)]) {
    std::sort(paths.begin(), paths.end());
  }
  if (req.files.empty()) inv.fixity.clear();
  inv.versions.emplace(1, std::move(v1));

  const std::string json = ocfl::SerializeInventory(inv);
  const std::string sidecar = ocfl::SidecarContent(Sha256Hex(json));
  const std::string sidecar_name = ocfl::SidecarName(inv.digest_algorithm);

  size_t files_put = 0;
  auto fail = [&](Status s) -> Status {
    // Undo: give moved files back to staging where the tier can, then remove the rest.
    if (req.move_staged) {
      for (size_t i = 0; i < files_put; ++i) {
        auto local = tier_.LocalPath(obj + "/v1/content/" + req.files[i].logical_path);
        std::error_code ec;
        if (local) std::filesystem::rename(*local, req.files[i].staged_path, ec);
      }
    }
    std::vector<std::string> keys;
    (void)tier_.List(obj + "/", [&](std::string_view key, const tiers::ObjectInfo&) {
      keys.emplace_back(key);
      return true;
    });
    for (const std::string& k : keys) (void)tier_.Remove(k);
    (void)tier_.PruneEmpty(obj);
    (void)tier_.Sync();
    return ctx(std::move(s));
  };

  // 1. Content.
  for (const NewFile& f : req.files) {
    Status s = tier_.PutFile(obj + "/v1/content/" + f.logical_path, f.staged_path, req.move_staged);
    if (!s.ok()) return fail(std::move(s));
    ++files_put;
  }
  CrashPoint("store:create:content-put");
  // 2. Declaration and the version inventory, then make all of it durable.
  if (Status s = tier_.PutBytes(obj + "/" + std::string(ocfl::kObjectNamaste),
                                ocfl::kObjectNamasteContent);
      !s.ok()) {
    return fail(std::move(s));
  }
  if (Status s = tier_.PutBytes(obj + "/v1/inventory.json", json); !s.ok()) {
    return fail(std::move(s));
  }
  if (Status s = tier_.PutBytes(obj + "/v1/" + sidecar_name, sidecar); !s.ok()) {
    return fail(std::move(s));
  }
  if (Status s = tier_.Sync(); !s.ok()) return fail(std::move(s));
  CrashPoint("store:create:version-durable");
  // 3. The root sidecar, then the root inventory: the commit point of the object.
  if (Status s = tier_.PutBytes(obj + "/" + sidecar_name, sidecar); !s.ok()) {
    return fail(std::move(s));
  }
  if (Status s = tier_.PutBytes(root_inv_key, json); !s.ok()) return fail(std::move(s));
  CrashPoint("store:create:root-inventory-put");
  // From here on the object exists: never remove it, even if Sync fails (fail closed: the
  // caller does not commit; a retry sees kAlreadyExists and reconciliation adopts the object).
  VAULT_RETURN_IF_ERROR(ctx(tier_.Sync()));
  CrashPoint("store:create:committed");
  // 4. Read-only. Defence in depth only: a failure is logged, the object is stored.
  if (Status s = tier_.Seal(obj); !s.ok()) {
    LogWarning("store", "object " + req.id + " stored but not sealed: " + s.ToString());
  }
  return inv;
}

Result<bool> OcflStore::Exists(std::string_view id) const {
  auto st = tier_.Stat(ObjectPath(id) + "/inventory.json");
  if (st.ok()) return true;
  if (st.status().code() == Code::kNotFound) return false;
  return std::move(st).status();
}

Result<ocfl::Inventory> OcflStore::ReadInventory(std::string_view id) const {
  const std::string obj = ObjectPath(id);
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("read inventory of " + std::string(id));
  };
  auto bytes = tier_.ReadAll(obj + "/inventory.json", kMaxInventoryBytes);
  if (!bytes.ok()) {
    if (bytes.status().code() == Code::kNotFound) {
      return ctx(Status::NotFound("no such object (no root inventory at " + obj + ")"));
    }
    return ctx(bytes.status());
  }
  auto inv = ocfl::ParseInventory(*bytes);
  if (!inv.ok()) return ctx(Status::Corruption(inv.status().message()));
  auto sidecar = tier_.ReadAll(obj + "/" + ocfl::SidecarName(inv->digest_algorithm), kMaxSmallFile);
  if (!sidecar.ok()) {
    if (sidecar.status().code() == Code::kNotFound) {
      return ctx(Status::Corruption("inventory sidecar missing"));
    }
    return ctx(sidecar.status());
  }
  auto digest = DigestHex(inv->digest_algorithm, *bytes);
  if (!digest.ok()) return ctx(Status::Corruption(digest.status().message()));
  if (SidecarDigest(*sidecar) != *digest) {
    return ctx(Status::Corruption("inventory digest " + *digest + " disagrees with sidecar " +
                                  SidecarDigest(*sidecar)));
  }
  if (inv->id != id) return ctx(Status::Corruption("inventory names another id: " + inv->id));
  return inv;
}

Result<std::string> OcflStore::IdForObject(const std::string& object_path) const {
  auto id_from = [&](const std::string& key) -> std::optional<std::string> {
    auto bytes = tier_.ReadAll(key, kMaxInventoryBytes);
    if (!bytes.ok()) return std::nullopt;
    auto inv = ocfl::ParseInventory(*bytes);
    if (!inv.ok() || ObjectPath(inv->id) != object_path) return std::nullopt;
    return inv->id;
  };
  if (auto id = id_from(object_path + "/inventory.json")) return *id;
  std::vector<int> versions;
  VAULT_RETURN_IF_ERROR(tier_.ListDir(object_path, [&](std::string_view name, bool is_prefix) {
    if (auto n = VersionNumber(name); is_prefix && n) versions.push_back(*n);
    return true;
  }));
  std::sort(versions.rbegin(), versions.rend());
  for (int n : versions) {
    if (auto id = id_from(object_path + "/v" + std::to_string(n) + "/inventory.json")) return *id;
  }
  return Status::Corruption("no usable inventory in " + object_path);
}

Status OcflStore::ListObjects(
    const std::function<bool(const std::string& id, const std::string& object_path)>& fn) const {
  Status inner;
  bool stop = false;
  VAULT_RETURN_IF_ERROR(WalkHierarchy(
      tier_, "", 0,
      [&](const std::string& path, bool is_object) {
        if (!is_object) return true;
        auto st = tier_.Stat(path + "/inventory.json");
        if (!st.ok()) {
          if (st.status().code() != Code::kNotFound) {
            inner = st.status();
            return false;
          }
          return true;  // incomplete
        }
        auto id = IdForObject(path);
        if (!id.ok()) {
          LogWarning("store", "tier " + tier_.name() + ": skipping " + path + ": " +
                                  id.status().ToString());
          return true;
        }
        return fn(*id, path);
      },
      &stop));
  return inner;
}

Status OcflStore::ListIncomplete(const std::function<bool(const std::string& object_path)>& fn) const {
  Status inner;
  bool stop = false;
  VAULT_RETURN_IF_ERROR(WalkHierarchy(
      tier_, "", 0,
      [&](const std::string& path, bool is_object) {
        if (InFlight(path)) return true;
        if (!is_object) return fn(path);  // an empty tuple directory
        auto st = tier_.Stat(path + "/inventory.json");
        if (st.ok()) return true;
        if (st.status().code() != Code::kNotFound) {
          inner = st.status();
          return false;
        }
        return fn(path);
      },
      &stop));
  return inner;
}

Status OcflStore::RemoveIncomplete(const std::string& object_path) {
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("remove incomplete object " + object_path);
  };
  const int depth = HierarchyDepth(object_path);
  if (depth == 0) return ctx(Status::InvalidArgument("not a path of the storage hierarchy"));
  if (InFlight(object_path)) return ctx(Status::FailedPrecondition("object is being created"));
  std::vector<std::string> keys;
  VAULT_RETURN_IF_ERROR(tier_.List(object_path + "/", [&](std::string_view key,
                                                          const tiers::ObjectInfo&) {
    keys.emplace_back(key);
    return true;
  }));
  if (depth == 4) {
    auto st = tier_.Stat(object_path + "/inventory.json");
    if (st.ok()) {
      return ctx(Status::FailedPrecondition("the object is complete (root inventory present)"));
    }
    if (st.status().code() != Code::kNotFound) return ctx(st.status());
  } else if (!keys.empty()) {
    return ctx(Status::FailedPrecondition("tuple directory is not empty"));
  }
  LogInfo("store", "tier " + tier_.name() + ": removing incomplete object " + object_path + " (" +
                       std::to_string(keys.size()) + " files)");
  for (const std::string& key : keys) {
    Status s = tier_.Remove(key);
    if (!s.ok() && s.code() != Code::kNotFound) return ctx(std::move(s));
  }
  VAULT_RETURN_IF_ERROR(ctx(tier_.PruneEmpty(object_path)));
  return ctx(tier_.Sync());
}

Result<std::vector<Finding>> OcflStore::VerifyObject(std::string_view id, bool check_digests) const {
  const std::string obj = ObjectPath(id);
  std::vector<Finding> findings;
  auto add = [&](FindingKind kind, std::string path, std::string expected, std::string actual) {
    findings.push_back(Finding{kind, std::string(id), tier_.name(), std::move(path),
                               std::move(expected), std::move(actual)});
  };
  auto ctx = [&](Status s) { return std::move(s).WithContext("verify " + std::string(id)); };

  // Everything that is there, relative to the object root.
  std::map<std::string, tiers::ObjectInfo> present;
  VAULT_RETURN_IF_ERROR(ctx(tier_.List(obj + "/", [&](std::string_view key,
                                                      const tiers::ObjectInfo& info) {
    present.emplace(std::string(key.substr(obj.size() + 1)), info);
    return true;
  })));
  if (present.empty()) {
    add(FindingKind::kMissingObject, obj, "", "");
    return findings;
  }
  auto read = [&](const std::string& rel) -> Result<std::string> {
    return tier_.ReadAll(obj + "/" + rel, kMaxInventoryBytes);
  };

  // An inventory file as found: bytes, parse, and agreement with its sidecar.
  struct InvFile {
    std::string rel;
    std::optional<std::string> bytes;
    std::optional<ocfl::Inventory> inv;
    bool sidecar_ok = false;
  };
  auto load = [&](const std::string& rel, const std::string& algorithm) -> Result<InvFile> {
    InvFile f;
    f.rel = rel;
    if (present.count(rel) == 0) {
      add(FindingKind::kMissingFile, rel, "", "");
      return f;
    }
    VAULT_ASSIGN_OR_RETURN(std::string bytes, read(rel));
    auto parsed = ocfl::ParseInventory(bytes);
    if (parsed.ok()) {
      f.inv = *std::move(parsed);
    } else {
      add(FindingKind::kInventoryMismatch, rel, "a valid inventory",
          std::string(parsed.status().message()));
    }
    const std::string alg = f.inv ? f.inv->digest_algorithm : algorithm;
    const std::string dir = rel.substr(0, rel.size() - std::string("inventory.json").size());
    const std::string sidecar_rel = dir + ocfl::SidecarName(alg);
    auto digest = DigestHex(alg, bytes);
    if (!digest.ok()) return digest.status();
    if (present.count(sidecar_rel) == 0) {
      add(FindingKind::kMissingFile, sidecar_rel, *digest, "");
    } else {
      VAULT_ASSIGN_OR_RETURN(std::string sidecar, read(sidecar_rel));
      if (SidecarDigest(sidecar) == *digest) {
        f.sidecar_ok = true;
      } else {
        add(FindingKind::kInventoryMismatch, rel, SidecarDigest(sidecar), *digest);
      }
    }
    if (f.inv && f.inv->id != id) {
      add(FindingKind::kInventoryMismatch, rel, std::string(id), f.inv->id);
    }
    f.bytes = std::move(bytes);
    return f;
  };

  VAULT_ASSIGN_OR_RETURN(InvFile root, load("inventory.json", "sha256"));
  const std::string alg = root.inv ? root.inv->digest_algorithm : "sha256";

  // Versions: those the root inventory lists, else the vN directories found.
  std::set<int> versions;
  if (root.inv) {
    for (const auto& [n, v] : root.inv->versions) versions.insert(n);
  } else {
    for (const auto& [rel, info] : present) {
      size_t slash = rel.find('/');
      if (slash == std::string::npos) continue;
      if (auto n = VersionNumber(std::string_view(rel).substr(0, slash))) versions.insert(*n);
    }
  }
  int head = versions.empty() ? 0 : *versions.rbegin();
  if (root.inv) {
    if (auto n = VersionNumber(root.inv->head)) head = *n;
  }

  std::map<int, InvFile> version_invs;
  for (int n : versions) {
    const std::string rel = "v" + std::to_string(n) + "/inventory.json";
    VAULT_ASSIGN_OR_RETURN(InvFile f, load(rel, alg));
    version_invs.emplace(n, std::move(f));
  }
  const InvFile* head_inv = version_invs.count(head) ? &version_invs.at(head) : nullptr;
  if (root.bytes && head_inv && head_inv->bytes && *root.bytes != *head_inv->bytes) {
    add(FindingKind::kInventoryMismatch, "inventory.json",
        Sha256Hex(*head_inv->bytes) + " (v" + std::to_string(head) + "/inventory.json)",
        Sha256Hex(*root.bytes));
  }

  // The inventory to check the content against: the first one that agrees with its sidecar.
  const ocfl::Inventory* trusted = nullptr;
  auto usable = [&](const InvFile& f) { return f.inv && f.sidecar_ok && f.inv->id == id; };
  if (usable(root)) {
    trusted = &*root.inv;
  } else if (head_inv && usable(*head_inv)) {
    trusted = &*head_inv->inv;
  } else if (root.inv) {
    trusted = &*root.inv;
  } else if (head_inv && head_inv->inv) {
    trusted = &*head_inv->inv;
  }
  if (trusted == nullptr) return findings;  // no manifest to check against: findings say why

  std::set<std::string> expected = {"inventory.json", ocfl::SidecarName(alg)};
  for (const auto& [n, v] : trusted->versions) {
    expected.insert("v" + std::to_string(n) + "/inventory.json");
    expected.insert("v" + std::to_string(n) + "/" + ocfl::SidecarName(trusted->digest_algorithm));
  }
  for (int n : versions) {
    expected.insert("v" + std::to_string(n) + "/inventory.json");
    expected.insert("v" + std::to_string(n) + "/" + ocfl::SidecarName(alg));
  }

  // The object declaration.
  const std::string namaste(ocfl::kObjectNamaste);
  expected.insert(namaste);
  if (present.count(namaste) == 0) {
    add(FindingKind::kMissingFile, namaste, "", "");
  } else {
    VAULT_ASSIGN_OR_RETURN(std::string text, read(namaste));
    if (text.size() != ocfl::kObjectNamasteContent.size()) {
      add(FindingKind::kSizeMismatch, namaste, std::to_string(ocfl::kObjectNamasteContent.size()),
          std::to_string(text.size()));
    } else if (text != ocfl::kObjectNamasteContent) {
      add(FindingKind::kDigestMismatch, namaste, Sha256Hex(ocfl::kObjectNamasteContent),
          Sha256Hex(text));
    }
  }

  // Content.
  std::map<std::string, uint64_t> sizes;  // content path -> size, from fixity "size"
  if (auto it = trusted->fixity.find(std::string(kSizeAlgorithm)); it != trusted->fixity.end()) {
    for (const auto& [size_text, paths] : it->second) {
      uint64_t size = 0;
      try {
        size = std::stoull(size_text);
      } catch (...) {
        continue;
      }
      for (const std::string& p : paths) sizes[p] = size;
    }
  }
  auto algorithm = ParseDigestName(trusted->digest_algorithm);
  if (!algorithm) {
    return ctx(Status::InvalidArgument("unsupported digest algorithm " +
                                       trusted->digest_algorithm));
  }
  for (const auto& [digest, paths] : trusted->manifest) {
    const std::string want = Lower(digest);
    for (const std::string& p : paths) {
      expected.insert(p);
      auto it = present.find(p);
      if (it == present.end()) {
        add(FindingKind::kMissingFile, p, want, "");
        continue;
      }
      if (auto s = sizes.find(p); s != sizes.end() && s->second != it->second.size) {
        add(FindingKind::kSizeMismatch, p, std::to_string(s->second),
            std::to_string(it->second.size));
        continue;
      }
      if (!check_digests) continue;
      std::string got;
      const std::string key = obj + "/" + p;
      if (auto local = tier_.LocalPath(key)) {
        auto d = HashFile(*local, {*algorithm}, /*drop_cache=*/true);
        if (!d.ok()) {
          if (d.status().code() == Code::kNotFound) {
            add(FindingKind::kMissingFile, p, want, "");
            continue;
          }
          return ctx(d.status());
        }
        got = d->hex.front();
      } else {
        VAULT_ASSIGN_OR_RETURN(MultiHasher h, MultiHasher::Create({*algorithm}));
        std::vector<char> buf(1 << 20);
        uint64_t off = 0;
        while (true) {
          VAULT_ASSIGN_OR_RETURN(size_t n, tier_.ReadAt(key, off, buf.data(), buf.size()));
          if (n == 0) break;
          h.Update(buf.data(), n);
          off += n;
        }
        got = h.Finish().front();
      }
      if (got != want) add(FindingKind::kDigestMismatch, p, want, got);
    }
  }

  for (const auto& [rel, info] : present) {
    if (expected.count(rel) == 0) {
      add(FindingKind::kUnexpectedFile, rel, "", std::to_string(info.size));
    }
  }
  return findings;
}

Result<std::string> OcflStore::ReadContent(std::string_view id, std::string_view content_path,
                                           uint64_t max_bytes) const {
  VAULT_RETURN_IF_ERROR(CheckSafeRelativePath(content_path));
  return tier_.ReadAll(ObjectPath(id) + "/" + std::string(content_path), max_bytes);
}

}  // namespace vault::store
