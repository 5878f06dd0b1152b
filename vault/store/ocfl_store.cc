#include "vault/store/ocfl_store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

// A path may not be both a file and a directory ("a" and "a/b"; OCFL E095).
Status CheckNoDirectoryConflict(const std::set<std::string>& paths) {
  for (const std::string& p : paths) {
    auto it = paths.lower_bound(p + "/");
    if (it != paths.end() && it->starts_with(p + "/")) {
      return Status::InvalidArgument("logical path conflicts with a directory: " + p);
    }
  }
  return Status::Ok();
}

// The new files of a request: safe, NFC, unique logical paths and well-formed digests. Adds the
// paths to *paths.
Status CheckNewFiles(const std::vector<NewFile>& files, std::set<std::string>* paths) {
  for (const NewFile& f : files) {
    VAULT_RETURN_IF_ERROR(CheckSafeRelativePath(f.logical_path));
    if (!IsNfc(f.logical_path)) {
      return Status::InvalidArgument("logical path is not NFC: " + f.logical_path);
    }
    if (!IsLowerHex(f.sha256, 64)) {
      return Status::InvalidArgument("not a lower-case sha256 hex digest for " + f.logical_path);
    }
    if (!paths->insert(f.logical_path).second) {
      return Status::InvalidArgument("duplicate logical path: " + f.logical_path);
    }
  }
  return Status::Ok();
}

// Each staged file is a regular file of the announced size. Returns their modes (to give moved
// files back as they came).
Result<std::vector<mode_t>> CheckStagedFiles(const std::vector<NewFile>& files) {
  std::vector<mode_t> modes;
  for (const NewFile& f : files) {
    struct stat st{};
    if (::stat(f.staged_path.c_str(), &st) != 0) {
      return Status::FromErrno(errno, "stat staged file", f.staged_path.string());
    }
    if (!S_ISREG(st.st_mode)) {
      return Status::InvalidArgument("staged file is not a regular file: " +
                                     f.staged_path.string());
    }
    if (static_cast<uint64_t>(st.st_size) != f.size) {
      return Status::Corruption("staged file " + f.staged_path.string() + " has " +
                                std::to_string(st.st_size) + " bytes, expected " +
                                std::to_string(f.size));
    }
    modes.push_back(st.st_mode & 07777);
  }
  return modes;
}

Status ValidateRequest(const CreateRequest& req) {
  if (req.id.empty()) return Status::InvalidArgument("object id is empty");
  if (!IsValidUtf8(req.id)) return Status::InvalidArgument("object id is not valid UTF-8");
  if (req.created.empty()) return Status::InvalidArgument("created time is empty");
  std::set<std::string> paths;
  VAULT_RETURN_IF_ERROR(CheckNewFiles(req.files, &paths));
  return CheckNoDirectoryConflict(paths);
}

Status ValidateVersionRequest(const AddVersionRequest& req) {
  if (req.id.empty()) return Status::InvalidArgument("object id is empty");
  if (!IsValidUtf8(req.id)) return Status::InvalidArgument("object id is not valid UTF-8");
  if (req.created.empty()) return Status::InvalidArgument("created time is empty");
  if (req.expected_head < 1) {
    return Status::InvalidArgument("expected head v" + std::to_string(req.expected_head) +
                                   " is not a version");
  }
  std::set<std::string> paths;
  VAULT_RETURN_IF_ERROR(CheckNewFiles(req.files, &paths));
  std::set<std::string> removed;
  for (const std::string& p : req.remove) {
    VAULT_RETURN_IF_ERROR(CheckSafeRelativePath(p));
    if (paths.count(p) != 0) {
      return Status::InvalidArgument("logical path both added and removed: " + p);
    }
    if (!removed.insert(p).second) {
      return Status::InvalidArgument("logical path removed twice: " + p);
    }
  }
  return Status::Ok();
}

// The state of the version AddVersion makes from `head` (the state of the version it builds
// on): head minus req.remove, plus req.files (replacing what is at the same path). Sorted.
// kInvalidArgument if a removed path is not in `head` or a path of the new state is also a
// directory of it.
Result<std::map<std::string, std::vector<std::string>>> NewVersionState(
    const ocfl::Version& head, const AddVersionRequest& req) {
  std::map<std::string, std::string> by_path;  // logical path -> digest
  for (const auto& [digest, paths] : head.state) {
    for (const std::string& p : paths) by_path[p] = digest;
  }
  for (const std::string& p : req.remove) {
    if (by_path.erase(p) == 0) {
      return Status::InvalidArgument("logical path to remove is not in the head state: " + p);
    }
  }
  for (const NewFile& f : req.files) by_path[f.logical_path] = f.sha256;
  std::set<std::string> paths;
  for (const auto& [p, d] : by_path) paths.insert(p);
  VAULT_RETURN_IF_ERROR(CheckNoDirectoryConflict(paths));
  std::map<std::string, std::vector<std::string>> state;
  for (const auto& [p, d] : by_path) state[d].push_back(p);  // in path order: sorted
  return state;
}

constexpr size_t kCopyBufferBytes = 1 << 20;
constexpr std::string_view kRootInventory = "inventory.json";

// Runs a callable when the scope ends.
template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ScopeExit(ScopeExit&&) = delete;
  ScopeExit& operator=(ScopeExit&&) = delete;
  ~ScopeExit() { f_(); }

 private:
  F f_;
};

// A temp file in a staging directory, unlinked on destruction unless Release()d (after a
// PutFile(move=true) took it: the name may be reused by then).
class StagedFile {
 public:
  StagedFile() = default;
  explicit StagedFile(fs::path p) : path_(std::move(p)) {}
  StagedFile(StagedFile&& o) noexcept : path_(std::exchange(o.path_, fs::path())) {}
  StagedFile& operator=(StagedFile&& o) noexcept {
    Reset();
    path_ = std::exchange(o.path_, fs::path());
    return *this;
  }
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile() { Reset(); }
  const fs::path& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  void Reset() {
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
  }
  fs::path path_;
};

struct Staged {
  StagedFile file;
  uint64_t size = 0;
  std::string digest;  // lower-case hex
};


// Streams `key` of `tier` into a new temp file in `staging_dir` ("vault-copy-*"), computing its
// digest on the way. Bounded memory: one 1 MiB buffer. The file is not fsynced: PutFile does.
Result<Staged> StageFromTier(const tiers::Tier& tier, const std::string& key,
                             DigestAlgorithm algorithm, const fs::path& staging_dir) {
  std::string name = (staging_dir / "vault-copy-XXXXXX").string();
  ScopedFd out(::mkostemp(name.data(), O_CLOEXEC));
  if (!out.valid()) return Status::FromErrno(errno, "create temp file in", staging_dir.string());
  Staged staged;
  staged.file = StagedFile(fs::path(name));
  if (::fchmod(out.get(), 0644) != 0) return Status::FromErrno(errno, "chmod", name);
  VAULT_ASSIGN_OR_RETURN(MultiHasher hasher, MultiHasher::Create({algorithm}));
  std::vector<char> buf(kCopyBufferBytes);
  uint64_t offset = 0;
  while (true) {
    auto n = tier.ReadAt(key, offset, buf.data(), buf.size());
    if (!n.ok()) return std::move(n).status().WithContext("tier " + tier.name() + ": read " + key);
    if (*n == 0) break;
    hasher.Update(buf.data(), *n);
    VAULT_RETURN_IF_ERROR(WriteAll(out.get(), std::string_view(buf.data(), *n), name));
    offset += *n;
  }
  VAULT_RETURN_IF_ERROR(out.Close(name));
  staged.size = offset;
  staged.digest = hasher.Finish().front();
  return staged;
}

// The built-in ContentHasher: one file after the other. Local tiers: HashFile with drop_cache
// (fixity must not evict the working set); others: ReadAt in 1 MiB chunks. Stops at the first
// hard error (the caller gives up there anyway): later outcomes are kCancelled.
std::vector<HashOutcome> HashSerially(const tiers::Tier& tier,
                                      const std::vector<HashRequest>& requests) {
  std::vector<HashOutcome> out(requests.size());
  std::vector<char> buf;
  bool stopped = false;
  for (size_t i = 0; i < requests.size(); ++i) {
    HashOutcome& o = out[i];
    if (stopped) {
      o.status = Status::Cancelled("an earlier request failed");
      continue;
    }
    const HashRequest& r = requests[i];
    auto algorithm = ParseDigestName(r.algorithm);
    if (!algorithm) {
      o.status = Status::InvalidArgument("unsupported digest algorithm " + r.algorithm);
    } else if (auto local = tier.LocalPath(r.key)) {
      auto d = HashFile(*local, {*algorithm}, /*drop_cache=*/true);
      if (d.ok()) {
        o.digest = d->hex.front();
        o.bytes = d->size;
      } else {
        o.status = std::move(d).status();
      }
    } else {
      auto hasher = MultiHasher::Create({*algorithm});
      if (!hasher.ok()) {
        o.status = std::move(hasher).status();
      } else {
        buf.resize(kCopyBufferBytes);
        while (true) {
          auto n = tier.ReadAt(r.key, o.bytes, buf.data(), buf.size());
          if (!n.ok()) {
            o.status = std::move(n).status();
            break;
          }
          if (*n == 0) break;
          hasher->Update(buf.data(), *n);
          o.bytes += *n;
        }
        if (o.status.ok()) o.digest = hasher->Finish().front();
      }
    }
    if (!o.status.ok() && o.status.code() != Code::kNotFound) stopped = true;
  }
  return out;
}

// Advises the kernel to drop the cached pages of a (clean, fsynced) file, so that the next
// read comes from the media. Best effort.
void DropCachedPages(const fs::path& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.valid()) ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
}

std::string FindingText(const Finding& f) {
  std::string s = std::string(FindingKindName(f.kind)) + " " + f.path;
  if (!f.expected.empty() || !f.actual.empty()) {
    s += " (expected " + (f.expected.empty() ? std::string("-") : f.expected) + ", actual " +
         (f.actual.empty() ? std::string("-") : f.actual) + ")";
  }
  return s;
}

// content path -> size, from the inventory's fixity "size" block (extension 0009).
std::map<std::string, uint64_t> FixitySizes(const ocfl::Inventory& inv) {
  std::map<std::string, uint64_t> sizes;
  auto it = inv.fixity.find(std::string(kSizeAlgorithm));
  if (it == inv.fixity.end()) return sizes;
  for (const auto& [size_text, paths] : it->second) {
    uint64_t size = 0;
    try {
      size = std::stoull(size_text);
    } catch (...) {
      continue;
    }
    for (const std::string& p : paths) sizes[p] = size;
  }
  return sizes;
}

// A root inventory that reads cleanly: its bytes as stored, parsed, sidecar agreeing.
struct TrustedRoot {
  std::string bytes;
  std::string sidecar;  // the sidecar file's bytes
  ocfl::Inventory inv;
};

// Reads the root inventory of `obj` on `tier`. kNotFound if absent; kCorruption if the JSON is
// malformed, the sidecar is missing or disagrees, or the id is not `id`.
Result<TrustedRoot> ReadTrustedRoot(const tiers::Tier& tier, const std::string& obj,
                                    std::string_view id) {
  TrustedRoot root;
  auto bytes = tier.ReadAll(obj + "/inventory.json", OcflStore::kMaxInventoryBytes);
  if (!bytes.ok()) {
    if (bytes.status().code() == Code::kNotFound) {
      return Status::NotFound("no such object (no root inventory at " + obj + ")");
    }
    return std::move(bytes).status();
  }
  root.bytes = *std::move(bytes);
  auto inv = ocfl::ParseInventory(root.bytes);
  if (!inv.ok()) return Status::Corruption(inv.status().message());
  root.inv = *std::move(inv);
  auto sidecar =
      tier.ReadAll(obj + "/" + ocfl::SidecarName(root.inv.digest_algorithm), kMaxSmallFile);
  if (!sidecar.ok()) {
    if (sidecar.status().code() == Code::kNotFound) {
      return Status::Corruption("inventory sidecar missing");
    }
    return std::move(sidecar).status();
  }
  root.sidecar = *std::move(sidecar);
  auto digest = DigestHex(root.inv.digest_algorithm, root.bytes);
  if (!digest.ok()) return Status::Corruption(digest.status().message());
  if (SidecarDigest(root.sidecar) != *digest) {
    return Status::Corruption("inventory digest " + *digest + " disagrees with sidecar " +
                              SidecarDigest(root.sidecar));
  }
  if (root.inv.id != id) return Status::Corruption("inventory names another id: " + root.inv.id);
  return root;
}

// One content file of a trusted inventory.
struct ContentFile {
  std::string path;             // relative to the object root ("v1/content/...")
  std::string digest;           // lower-case hex, from the manifest
  std::optional<uint64_t> size;  // from fixity "size", when recorded
};

// The manifest's content files, each checked to lie in the content directory of one of the
// inventory's versions (so that no content path can stand for an inventory, the declaration or
// anything outside the object). kCorruption otherwise.
Result<std::vector<ContentFile>> ContentFiles(const ocfl::Inventory& inv) {
  const std::string content_dir =
      inv.content_directory.empty() ? std::string("content") : inv.content_directory;
  const std::map<std::string, uint64_t> sizes = FixitySizes(inv);
  std::vector<ContentFile> out;
  for (const auto& [digest, paths] : inv.manifest) {
    for (const std::string& p : paths) {
      bool ok = CheckSafeRelativePath(p).ok();
      size_t slash = p.find('/');
      if (ok) {
        auto n = VersionNumber(std::string_view(p).substr(0, slash));
        ok = slash != std::string::npos && n && inv.versions.count(*n) != 0 &&
             std::string_view(p).substr(slash + 1).starts_with(content_dir + "/");
      }
      if (!ok) {
        return Status::Corruption("inventory lists a content path outside the version content "
                                  "directories: " + p);
      }
      ContentFile f{p, Lower(digest), std::nullopt};
      if (auto it = sizes.find(p); it != sizes.end()) f.size = it->second;
      out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ContentFile& a, const ContentFile& b) { return a.path < b.path; });
  return out;
}

// Every inventory file of the state `root` describes, checked, in write order:
// vN/inventory.json and its sidecar for each version (ascending), then the root sidecar and
// the root inventory.json. Each version inventory must agree with its sidecar and the head
// version's must equal the root's bytes: else kCorruption naming the tier and path.
Result<std::vector<std::pair<std::string, std::string>>> LoadInventoryFiles(
    const tiers::Tier& tier, const std::string& obj, const TrustedRoot& root) {
  auto bad = [&](const std::string& rel, const std::string& why) {
    return Status::Corruption("tier " + tier.name() + ": " + obj + "/" + rel + ": " + why);
  };
  const auto head = VersionNumber(root.inv.head);
  if (!head || root.inv.versions.count(*head) == 0) {
    return bad("inventory.json", "head " + root.inv.head + " is not one of its versions");
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [n, version] : root.inv.versions) {
    const std::string dir = "v" + std::to_string(n) + "/";
    auto bytes = tier.ReadAll(obj + "/" + dir + "inventory.json", OcflStore::kMaxInventoryBytes);
    if (!bytes.ok()) {
      if (bytes.status().code() == Code::kNotFound) return bad(dir + "inventory.json", "missing");
      return std::move(bytes).status();
    }
    auto inv = ocfl::ParseInventory(*bytes);
    if (!inv.ok()) return bad(dir + "inventory.json", std::string(inv.status().message()));
    const std::string sidecar_rel = dir + ocfl::SidecarName(inv->digest_algorithm);
    auto sidecar = tier.ReadAll(obj + "/" + sidecar_rel, kMaxSmallFile);
    if (!sidecar.ok()) {
      if (sidecar.status().code() == Code::kNotFound) return bad(sidecar_rel, "missing");
      return std::move(sidecar).status();
    }
    auto digest = DigestHex(inv->digest_algorithm, *bytes);
    if (!digest.ok()) return bad(dir + "inventory.json", std::string(digest.status().message()));
    if (SidecarDigest(*sidecar) != *digest) {
      return bad(dir + "inventory.json",
                 "digest " + *digest + " disagrees with its sidecar " + SidecarDigest(*sidecar));
    }
    if (n == *head && *bytes != root.bytes) {
      return bad(dir + "inventory.json", "differs from the root inventory (head " +
                                             root.inv.head + ")");
    }
    files.emplace_back(dir + "inventory.json", *std::move(bytes));
    files.emplace_back(sidecar_rel, *std::move(sidecar));
  }
  files.emplace_back(ocfl::SidecarName(root.inv.digest_algorithm), root.sidecar);
  files.emplace_back(std::string(kRootInventory), root.bytes);
  return files;
}

// The object declaration of `obj` on `tier` must be there and right: else kCorruption.
Status CheckDeclaration(const tiers::Tier& tier, const std::string& obj) {
  const std::string key = obj + "/" + std::string(ocfl::kObjectNamaste);
  auto text = tier.ReadAll(key, kMaxSmallFile);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound ||
        text.status().code() == Code::kResourceExhausted) {
      return Status::Corruption("tier " + tier.name() + ": " + key + ": " +
                                std::string(text.status().message()));
    }
    return std::move(text).status();
  }
  if (*text != ocfl::kObjectNamasteContent) {
    return Status::Corruption("tier " + tier.name() + ": " + key + ": wrong declaration");
  }
  return Status::Ok();
}

// Moves the file `key` out of `tier` into the attic at `target` (or "<target>.1", ".2"... if
// taken), durably, and returns where it went. Same file system (local tiers): one rename, then
// both directories fsynced. Otherwise: the bytes are copied into a temp file next to `target`
// (fsynced), linked to their name without replacing anything, the attic directory fsynced, and
// only then is the key removed from the tier (made durable by the caller's tier Sync).
Result<fs::path> MoveAside(tiers::Tier& tier, const std::string& key, const fs::path& target) {
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(target.parent_path()));
  constexpr int kMaxSuffix = 1000;
  auto candidate = [&](int i) {
    return i == 0 ? target : fs::path(target.string() + "." + std::to_string(i));
  };
  const auto local = tier.LocalPath(key);
  bool is_symlink = false;
  if (local) {
    struct stat st{};
    if (::lstat(local->c_str(), &st) != 0) return Status::FromErrno(errno, "stat", local->string());
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument("a directory, not a file: " + key);
    is_symlink = S_ISLNK(st.st_mode);
    for (int i = 0; i < kMaxSuffix; ++i) {
      const fs::path dest = candidate(i);
      int err = RenameNoReplace(*local, dest);
      if (err == EEXIST) continue;
      if (err == EXDEV) break;
      if (err != 0) {
        return Status::FromErrno(err, "rename " + local->string() + " ->", dest.string());
      }
      VAULT_RETURN_IF_ERROR(FsyncDir(dest.parent_path()));
      VAULT_RETURN_IF_ERROR(FsyncDir(local->parent_path()));
      return dest;
    }
  }
  // Copy into a temp file in the attic, durably, then give it its name.
  const fs::path dir = target.parent_path();
  std::string tmp = (dir / ".vault-attic-tmp-XXXXXX").string();
  if (is_symlink) {
    // A stray symlink (local tiers list them): keep the link itself, not what it points to.
    std::error_code ec;
    const fs::path to = fs::read_symlink(*local, ec);
    if (ec) return Status::IoError("readlink " + local->string() + ": " + ec.message());
    ScopedFd probe(::mkostemp(tmp.data(), O_CLOEXEC));  // reserve a unique name
    if (!probe.valid()) return Status::FromErrno(errno, "create temp file in", dir.string());
    ::unlink(tmp.c_str());
    if (::symlink(to.c_str(), tmp.c_str()) != 0) return Status::FromErrno(errno, "symlink", tmp);
  } else {
    ScopedFd out(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!out.valid()) return Status::FromErrno(errno, "create temp file in", dir.string());
    auto fail = [&](Status s) {
      ::unlink(tmp.c_str());
      return s;
    };
    std::vector<char> buf(kCopyBufferBytes);
    uint64_t offset = 0;
    while (true) {
      auto n = tier.ReadAt(key, offset, buf.data(), buf.size());
      if (!n.ok()) return fail(std::move(n).status().WithContext("tier " + tier.name()));
      if (*n == 0) break;
      if (Status s = WriteAll(out.get(), std::string_view(buf.data(), *n), tmp); !s.ok()) {
        return fail(std::move(s));
      }
      offset += *n;
    }
    if (::fsync(out.get()) != 0) return fail(Status::FromErrno(errno, "fsync", tmp));
    if (Status s = out.Close(tmp); !s.ok()) return fail(std::move(s));
  }
  for (int i = 0; i < kMaxSuffix; ++i) {
    const fs::path dest = candidate(i);
    int err = RenameNoReplace(tmp, dest);
    if (err == EEXIST) continue;
    if (err != 0) {
      ::unlink(tmp.c_str());
      return Status::FromErrno(err, "rename " + tmp + " ->", dest.string());
    }
    VAULT_RETURN_IF_ERROR(FsyncDir(dir));
    CrashPoint("store:repair:attic-copy-durable");
    VAULT_RETURN_IF_ERROR(tier.Remove(key));
    return dest;
  }
  ::unlink(tmp.c_str());
  return Status::AlreadyExists("attic names taken: " + target.string() + ".1.." +
                               std::to_string(kMaxSuffix - 1));
}

}  // namespace

std::string OcflStore::ObjectPath(std::string_view id) { return ocfl::HashedNTuplePath(id); }

Result<std::unique_ptr<OcflStore>> OcflStore::Open(tiers::Tier& tier) {
  std::unique_ptr<OcflStore> store(new OcflStore(tier));
  auto namaste = tier.Stat(ocfl::kRootNamaste);
  if (namaste.ok()) {
    VAULT_RETURN_IF_ERROR(store->CheckExistingRoot());
    store->SealStorageRootFiles();  // mends a crash between initialising and sealing
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
  CrashPoint("store:init:declared");
  SealStorageRootFiles();
  LogInfo("store", "initialised OCFL 1.1 storage root on tier " + tier_.name());
  return Status::Ok();
}

void OcflStore::SealLogged(const std::string& key, std::string_view what) const {
  if (Status s = tier_.Seal(key); !s.ok()) {
    LogWarning("store", "tier " + tier_.name() + ": " + std::string(what) + " " + key +
                            " not sealed: " + s.ToString());
  }
}

void OcflStore::SealStorageRootFiles() {
  // Not the root directory and not the tuple directories: new objects are added there.
  SealLogged(std::string(ocfl::kRootNamaste), "storage root file");
  SealLogged(std::string(kLayoutKey), "storage root file");
  SealLogged(std::string(kExtensionsDir), "storage root extensions");
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
  auto modes = CheckStagedFiles(req.files);
  if (!modes.ok()) return ctx(std::move(modes).status());
  const std::vector<mode_t> staged_modes = *std::move(modes);  // to give moved files back

  if (!Claim(obj)) return ctx(Status::AlreadyExists("object is being created"));
  ScopeExit release([&] { Unclaim(obj); });
  VAULT_RETURN_IF_ERROR(ctx(CheckAbsent(obj)));

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
    // Undo: give moved files back to staging where the tier can (writable as they came: v1/
    // may have been sealed already), then remove the rest.
    if (req.move_staged) {
      (void)tier_.Unseal(obj);
      for (size_t i = 0; i < files_put; ++i) {
        auto local = tier_.LocalPath(obj + "/v1/content/" + req.files[i].logical_path);
        std::error_code ec;
        if (local) std::filesystem::rename(*local, req.files[i].staged_path, ec);
        if (local && !ec) ::chmod(req.files[i].staged_path.c_str(), staged_modes[i]);
      }
    }
    RemovePartial(obj);
    return ctx(std::move(s));
  };

  // 1. Content.
  for (const NewFile& f : req.files) {
    Status s = tier_.PutFile(obj + "/v1/content/" + f.logical_path, f.staged_path, req.move_staged);
    if (!s.ok()) return fail(std::move(s));
    ++files_put;
  }
  CrashPoint("store:create:content-put");
  // 2.-4. Declaration, v1 inventory + sidecar, Sync, root sidecar, ROOT inventory last, Sync,
  // Seal.
  bool committed = false;
  Status s = WriteObjectTail(obj,
                             {{"v1/inventory.json", json},
                              {"v1/" + sidecar_name, sidecar},
                              {sidecar_name, sidecar},
                              {std::string(kRootInventory), json}},
                             &committed);
  if (!s.ok()) {
    // Once the root inventory is in place the object exists: never remove it, even if Sync
    // failed (fail closed: the caller does not commit; a retry sees kAlreadyExists and
    // reconciliation adopts the object).
    return committed ? ctx(std::move(s)) : fail(std::move(s));
  }
  return inv;
}

bool OcflStore::Claim(const std::string& object_path) {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_.insert(object_path).second;
}

void OcflStore::Unclaim(const std::string& object_path) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(object_path);
}

Status OcflStore::CheckAbsent(const std::string& obj) {
  auto existing = tier_.Stat(obj + "/inventory.json");
  if (existing.ok()) {
    SealLogged(obj, "object");  // a crash may have come between its commit and its seal
    return Status::AlreadyExists("object exists at " + obj + " on tier " + tier_.name());
  }
  if (existing.status().code() != Code::kNotFound) return existing.status();
  bool leftovers = false;
  VAULT_RETURN_IF_ERROR(tier_.List(obj + "/", [&](std::string_view, const tiers::ObjectInfo&) {
    leftovers = true;
    return false;
  }));
  if (leftovers) {
    return Status::FailedPrecondition("an incomplete object is in the way at " + obj +
                                      " on tier " + tier_.name() +
                                      "; run recovery (RemoveIncomplete)");
  }
  return Status::Ok();
}

void OcflStore::RemovePartial(const std::string& obj) {
  (void)tier_.Unseal(obj);  // its versions may be sealed already
  std::vector<std::string> keys;
  (void)tier_.List(obj + "/", [&](std::string_view key, const tiers::ObjectInfo&) {
    keys.emplace_back(key);
    return true;
  });
  for (const std::string& k : keys) (void)tier_.Remove(k);
  (void)tier_.PruneEmpty(obj);
  (void)tier_.Sync();
}

Status OcflStore::WriteObjectTail(
    const std::string& obj, const std::vector<std::pair<std::string, std::string>>& inventory_files,
    bool* committed) {
  *committed = false;
  VAULT_CHECK(inventory_files.size() >= 2 && inventory_files.back().first == kRootInventory);
  // 2. Declaration and the version inventories, then make all of it durable.
  VAULT_RETURN_IF_ERROR(tier_.PutBytes(obj + "/" + std::string(ocfl::kObjectNamaste),
                                       ocfl::kObjectNamasteContent));
  for (size_t i = 0; i + 2 < inventory_files.size(); ++i) {
    VAULT_RETURN_IF_ERROR(
        tier_.PutBytes(obj + "/" + inventory_files[i].first, inventory_files[i].second));
  }
  VAULT_RETURN_IF_ERROR(tier_.Sync());
  CrashPoint("store:create:version-durable");
  // Read-only before the commit, so that a crash after it leaves only the root inventory, its
  // sidecar and the object root directory to seal (the next touch does: see the header).
  SealLogged(obj + "/" + std::string(ocfl::kObjectNamaste), "object declaration");
  std::set<std::string> version_dirs;
  for (const auto& [rel, bytes] : inventory_files) {
    if (size_t slash = rel.find('/'); slash != std::string::npos) {
      version_dirs.insert(rel.substr(0, slash));
    }
  }
  for (const std::string& dir : version_dirs) SealLogged(obj + "/" + dir, "object version");
  CrashPoint("store:create:versions-sealed");
  // 3. The root sidecar, then the root inventory: the commit point of the object.
  const auto& root_sidecar = inventory_files[inventory_files.size() - 2];
  VAULT_RETURN_IF_ERROR(tier_.PutBytes(obj + "/" + root_sidecar.first, root_sidecar.second));
  VAULT_RETURN_IF_ERROR(
      tier_.PutBytes(obj + "/" + std::string(kRootInventory), inventory_files.back().second));
  *committed = true;
  CrashPoint("store:create:root-inventory-put");
  VAULT_RETURN_IF_ERROR(tier_.Sync());
  CrashPoint("store:create:committed");
  // 4. Read-only: the root inventory, its sidecar and the object root directory (the rest is
  // already). Defence in depth only: a failure is logged, the object is stored.
  SealLogged(obj, "stored object");
  return Status::Ok();
}

Result<bool> OcflStore::Exists(std::string_view id) const {
  auto st = tier_.Stat(ObjectPath(id) + "/inventory.json");
  if (st.ok()) return true;
  if (st.status().code() == Code::kNotFound) return false;
  return std::move(st).status();
}

Result<ocfl::Inventory> OcflStore::ReadInventory(std::string_view id) const {
  auto root = ReadTrustedRoot(tier_, ObjectPath(id), id);
  if (!root.ok()) {
    return std::move(root).status().WithContext("read inventory of " + std::string(id));
  }
  return std::move(root->inv);
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

Result<std::vector<Finding>> OcflStore::VerifyObject(std::string_view id,
                                                     bool check_digests) const {
  VerifyOptions o;
  o.mode = check_digests ? CheckMode::kFull : CheckMode::kSizeOnly;
  return VerifyObject(id, o);
}

Result<std::vector<Finding>> OcflStore::VerifyObject(std::string_view id, const VerifyOptions& o,
                                                     VerifyStats* stats) const {
  const std::string obj = ObjectPath(id);
  VerifyStats local_stats;
  VerifyStats& st = stats != nullptr ? *stats : local_stats;
  st = VerifyStats{};
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
  // The head version's inventory is normally byte-identical to the root one: it then shares
  // the root's parse (one parse per object, half the memory per object in flight).
  struct InvFile {
    std::string rel;
    std::shared_ptr<const std::string> bytes;
    std::shared_ptr<const ocfl::Inventory> inv;
    bool sidecar_ok = false;
  };
  const InvFile* root_file = nullptr;
  auto load = [&](const std::string& rel, const std::string& algorithm) -> Result<InvFile> {
    InvFile f;
    f.rel = rel;
    if (present.count(rel) == 0) {
      add(FindingKind::kMissingFile, rel, "", "");
      return f;
    }
    VAULT_ASSIGN_OR_RETURN(std::string bytes, read(rel));
    ++st.files_checked;
    st.bytes_hashed += bytes.size();
    if (root_file && root_file->bytes && root_file->inv && *root_file->bytes == bytes) {
      f.inv = root_file->inv;
    } else {
      auto parsed = ocfl::ParseInventory(bytes);
      if (parsed.ok()) {
        f.inv = std::make_shared<const ocfl::Inventory>(*std::move(parsed));
      } else {
        add(FindingKind::kInventoryMismatch, rel, "a valid inventory",
            std::string(parsed.status().message()));
      }
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
    if (root_file && root_file->bytes && *root_file->bytes == bytes) {
      f.bytes = root_file->bytes;
    } else {
      f.bytes = std::make_shared<const std::string>(std::move(bytes));
    }
    return f;
  };

  VAULT_ASSIGN_OR_RETURN(InvFile root, load("inventory.json", "sha256"));
  root_file = &root;
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

  // Content: presence and size first; then, in kFull mode, every digest in one hasher call.
  const std::map<std::string, uint64_t> sizes = FixitySizes(*trusted);
  auto algorithm = ParseDigestName(trusted->digest_algorithm);
  if (!algorithm) {
    return ctx(Status::InvalidArgument("unsupported digest algorithm " +
                                       trusted->digest_algorithm));
  }
  std::vector<HashRequest> requests;
  std::vector<std::pair<std::string, std::string>> requested;  // (content path, expected digest)
  for (const auto& [digest, paths] : trusted->manifest) {
    const std::string want = Lower(digest);
    for (const std::string& p : paths) {
      expected.insert(p);
      ++st.files_checked;
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
      if (o.mode != CheckMode::kFull) continue;
      requests.push_back(HashRequest{obj + "/" + p, trusted->digest_algorithm, it->second.size});
      requested.emplace_back(p, want);
    }
  }
  if (!requests.empty()) {
    std::vector<HashOutcome> outcomes =
        o.hasher != nullptr ? (*o.hasher)(tier_, requests) : HashSerially(tier_, requests);
    if (outcomes.size() != requests.size()) {
      return ctx(Status::Internal("hasher answered " + std::to_string(outcomes.size()) + " of " +
                                  std::to_string(requests.size()) + " requests"));
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto& [p, want] = requested[i];
      const HashOutcome& out = outcomes[i];
      if (!out.status.ok()) {
        if (out.status.code() == Code::kNotFound) {
          add(FindingKind::kMissingFile, p, want, "");
          continue;
        }
        return ctx(Status(out.status).WithContext("tier " + tier_.name() + ": " + requests[i].key));
      }
      st.bytes_hashed += out.bytes;
      const std::string got = Lower(out.digest);
      if (got != want) add(FindingKind::kDigestMismatch, p, want, got);
    }
  }

  for (const auto& [rel, info] : present) {
    if (expected.count(rel) == 0) {
      add(FindingKind::kUnexpectedFile, rel, "", std::to_string(info.size));
    }
  }
  if (findings.empty()) {
    // Clean: sealed again, in case a crash came between its commit (or repair) and its seal.
    // Under mu_, so that no create, copy, repair or purge of it starts meanwhile (they claim
    // the object first and unseal it); skipped while one runs (it seals when done).
    std::lock_guard<std::mutex> lock(mu_);
    if (in_flight_.count(obj) == 0) SealLogged(obj, "verified object");
  }
  return findings;
}

Status OcflStore::CopyObjectFrom(const OcflStore& source, std::string_view id,
                                 const std::filesystem::path& staging_dir, CopyStats* stats) {
  std::vector<std::string> written;
  return CopyObject(source, id, staging_dir, stats, &written);
}

Status OcflStore::CopyObject(const OcflStore& source, std::string_view id,
                             const std::filesystem::path& staging_dir, CopyStats* stats,
                             std::vector<std::string>* written) {
  const std::string obj = ObjectPath(id);
  const tiers::Tier& src = source.tier_;
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("copy " + std::string(id) + " from tier " + src.name() +
                                    " to tier " + tier_.name());
  };
  CopyStats local_stats;
  CopyStats& st = stats != nullptr ? *stats : local_stats;
  st = CopyStats{};
  written->clear();
  if (&src == &tier_) return ctx(Status::InvalidArgument("source and destination are one tier"));

  // 1. This store: nothing of the object may be here yet.
  if (!Claim(obj)) return ctx(Status::AlreadyExists("object is being written at " + obj));
  ScopeExit release([&] { Unclaim(obj); });
  VAULT_RETURN_IF_ERROR(ctx(CheckAbsent(obj)));

  // 2. The source: everything but the content bytes is checked before anything is written.
  auto root = ReadTrustedRoot(src, obj, id);
  if (!root.ok()) {
    return ctx(std::move(root).status().WithContext("source root inventory"));
  }
  auto algorithm = ParseDigestName(root->inv.digest_algorithm);
  if (!algorithm) {
    return ctx(Status::InvalidArgument("unsupported digest algorithm " +
                                       root->inv.digest_algorithm));
  }
  auto content = ContentFiles(root->inv);
  if (!content.ok()) return ctx(std::move(content).status().WithContext("tier " + src.name()));
  auto inventory_files = LoadInventoryFiles(src, obj, *root);
  if (!inventory_files.ok()) return ctx(std::move(inventory_files).status());
  VAULT_RETURN_IF_ERROR(ctx(CheckDeclaration(src, obj)));
  for (const ContentFile& f : *content) {
    auto info = src.Stat(obj + "/" + f.path);
    if (!info.ok()) {
      if (info.status().code() == Code::kNotFound) {
        return ctx(Status::Corruption("tier " + src.name() + ": " + obj + "/" + f.path +
                                      " is in the manifest but missing"));
      }
      return ctx(std::move(info).status());
    }
    if (f.size && info->size != *f.size) {
      return ctx(Status::Corruption("tier " + src.name() + ": " + obj + "/" + f.path + " has " +
                                    std::to_string(info->size) + " bytes, the inventory says " +
                                    std::to_string(*f.size)));
    }
  }
  std::error_code ec;
  fs::create_directories(staging_dir, ec);
  if (ec) return ctx(Status::IoError("create " + staging_dir.string() + ": " + ec.message()));

  auto fail = [&](Status s) -> Status {
    RemovePartial(obj);
    written->clear();
    return ctx(std::move(s));
  };
  // 3. Content: streamed through staging with its digest checked, then moved into the tier.
  for (const ContentFile& f : *content) {
    const std::string key = obj + "/" + f.path;
    auto staged = StageFromTier(src, key, *algorithm, staging_dir);
    if (!staged.ok()) {
      Status s = std::move(staged).status();
      if (s.code() == Code::kNotFound) s = Status::Corruption(s.message());  // vanished
      return fail(std::move(s));
    }
    if (f.size && staged->size != *f.size) {
      return fail(Status::Corruption("tier " + src.name() + ": " + key + ": read " +
                                     std::to_string(staged->size) + " bytes, the inventory says " +
                                     std::to_string(*f.size)));
    }
    if (staged->digest != f.digest) {
      return fail(Status::Corruption("tier " + src.name() + ": " + key + ": " +
                                     std::string(DigestName(*algorithm)) + " " + staged->digest +
                                     " disagrees with the source inventory (" + f.digest + ")"));
    }
    if (Status s = tier_.PutFile(key, staged->file.path(), /*move=*/true); !s.ok()) {
      return fail(std::move(s));
    }
    staged->file.Release();
    ++st.files;
    st.bytes += staged->size;
    written->push_back(f.path);
  }
  CrashPoint("store:copy:content-put");
  // 4. Declaration, inventories byte for byte, root inventory last; Seal.
  bool committed = false;
  if (Status s = WriteObjectTail(obj, *inventory_files, &committed); !s.ok()) {
    return committed ? ctx(std::move(s)) : fail(std::move(s));
  }
  written->push_back(std::string(ocfl::kObjectNamaste));
  ++st.files;
  st.bytes += ocfl::kObjectNamasteContent.size();
  for (const auto& [rel, bytes] : *inventory_files) {
    written->push_back(rel);
    ++st.files;
    st.bytes += bytes.size();
  }
  // 5. Read the copy back from the media, not from the page cache.
  for (const ContentFile& f : *content) {
    if (auto local = tier_.LocalPath(obj + "/" + f.path)) DropCachedPages(*local);
  }
  auto findings = VerifyObject(id, VerifyOptions{});
  if (!findings.ok()) {
    return ctx(std::move(findings).status().WithContext("read back"));
  }
  if (!findings->empty()) {
    return Status::Corruption("copy of " + std::string(id) + " on " + tier_.name() +
                              " failed verification after writing: " +
                              FindingText(findings->front()));
  }
  LogInfo("store", "copied " + std::string(id) + " from tier " + src.name() + " to tier " +
                       tier_.name() + " (" + std::to_string(st.files) + " files, " +
                       std::to_string(st.bytes) + " bytes), verified");
  return Status::Ok();
}

Status OcflStore::CheckSameState(const OcflStore& source, const std::string& obj,
                                 std::string_view id, const std::string& source_root_bytes,
                                 const ocfl::Inventory& source_root) const {
  auto differ = [&](const std::string& why) {
    return Status::FailedPrecondition("the copies on tier " + tier_.name() + " and tier " +
                                      source.tier_.name() + " are not the same object state: " +
                                      why);
  };
  auto mine = ReadTrustedRoot(tier_, obj, id);
  if (mine.ok()) {
    if (mine->bytes == source_root_bytes) return Status::Ok();
    return differ("root inventories differ (head " + mine->inv.head + " here, " +
                  source_root.head + " there)");
  }
  switch (mine.status().code()) {
    case Code::kNotFound:            // gone
    case Code::kCorruption:          // sidecar, JSON or id wrong
    case Code::kResourceExhausted:   // grown beyond any inventory
    case Code::kFailedPrecondition:  // not a regular file
      break;
    default:
      return mine.status();  // the tier could not be read: nothing is known
  }
  // This root inventory is damaged or gone: compare the version inventories that are intact
  // here (agree with their sidecar, name this id) with the source's.
  std::vector<int> versions;
  VAULT_RETURN_IF_ERROR(tier_.ListDir(obj, [&](std::string_view name, bool is_prefix) {
    if (auto n = VersionNumber(name); is_prefix && n) versions.push_back(*n);
    return true;
  }));
  const auto source_head = VersionNumber(source_root.head);
  for (int n : versions) {
    const std::string rel = "v" + std::to_string(n) + "/inventory.json";
    auto bytes = tier_.ReadAll(obj + "/" + rel, kMaxInventoryBytes);
    if (!bytes.ok()) continue;
    auto inv = ocfl::ParseInventory(*bytes);
    if (!inv.ok() || inv->id != id) continue;
    auto sidecar = tier_.ReadAll(
        obj + "/v" + std::to_string(n) + "/" + ocfl::SidecarName(inv->digest_algorithm),
        kMaxSmallFile);
    auto digest = DigestHex(inv->digest_algorithm, *bytes);
    if (!sidecar.ok() || !digest.ok() || SidecarDigest(*sidecar) != *digest) continue;
    if (source_root.versions.count(n) == 0) {
      return differ("v" + std::to_string(n) + " is here, the source's head is " +
                    source_root.head);
    }
    if (source_head && n == *source_head) {
      if (*bytes != source_root_bytes) return differ(rel + " differs from the source's");
      continue;
    }
    // An older version: compare with the source's copy of it when that one is intact.
    auto theirs = source.tier_.ReadAll(obj + "/" + rel, kMaxInventoryBytes);
    if (!theirs.ok()) continue;
    auto their_sidecar = source.tier_.ReadAll(
        obj + "/v" + std::to_string(n) + "/" + ocfl::SidecarName(inv->digest_algorithm),
        kMaxSmallFile);
    auto their_digest = DigestHex(inv->digest_algorithm, *theirs);
    if (!their_sidecar.ok() || !their_digest.ok() ||
        SidecarDigest(*their_sidecar) != *their_digest) {
      continue;
    }
    if (*bytes != *theirs) return differ(rel + " differs from the source's");
  }
  return Status::Ok();
}

Result<RepairReport> OcflStore::RepairFrom(const OcflStore& source, std::string_view id,
                                           const std::vector<Finding>& findings,
                                           const std::filesystem::path& attic_dir,
                                           const std::filesystem::path& staging_dir) {
  const std::string obj = ObjectPath(id);
  const tiers::Tier& src = source.tier_;
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("repair " + std::string(id) + " on tier " + tier_.name() +
                                    " from tier " + src.name());
  };
  if (&src == &tier_) return ctx(Status::InvalidArgument("source and destination are one tier"));
  RepairReport report;

  // The findings: which paths are damaged (to be put back) and which are strays.
  bool missing_object = false;
  bool inventory_finding = false;
  std::set<std::string> damaged, strays;
  for (const Finding& f : findings) {
    if (f.object_id != id || f.tier != tier_.name()) {
      return ctx(Status::InvalidArgument("finding about " + f.object_id + " on tier " + f.tier +
                                         " is not about this copy"));
    }
    if (f.kind == FindingKind::kMissingObject) {
      missing_object = true;
      continue;
    }
    if (Status s = CheckSafeRelativePath(f.path); !s.ok()) {
      return ctx(std::move(s).WithContext("finding path"));
    }
    if (f.kind == FindingKind::kInventoryMismatch) inventory_finding = true;
    (f.kind == FindingKind::kUnexpectedFile ? strays : damaged).insert(f.path);
  }
  if (missing_object) {
    std::vector<std::string> written;
    VAULT_RETURN_IF_ERROR(ctx(CopyObject(source, id, staging_dir, nullptr, &written)));
    report.restored = std::move(written);
    return report;
  }
  if (damaged.empty() && strays.empty()) return report;

  if (!Claim(obj)) return ctx(Status::FailedPrecondition("object is being written at " + obj));
  ScopeExit release([&] { Unclaim(obj); });

  // 1. The source's state, and that it is the same as this copy's. When the source's own root
  // inventory is damaged but this copy's is sound and only content is wrong here, this copy's
  // inventory says what every byte must be, and the source only supplies content (each file
  // still checked against that digest): two copies damaged in different places repair each
  // other.
  auto root = ReadTrustedRoot(src, obj, id);
  bool own_inventory = false;
  if (!root.ok()) {
    bool inventory_damage_here = false;
    for (const std::string& p : damaged) {
      inventory_damage_here = inventory_damage_here || p == kRootInventory ||
                              p.find("inventory.json") != std::string::npos;
    }
    auto mine = inventory_finding || inventory_damage_here
                    ? Result<TrustedRoot>(Status::FailedPrecondition("no sound inventory here"))
                    : ReadTrustedRoot(tier_, obj, id);
    if (!mine.ok()) return ctx(std::move(root).status().WithContext("source root inventory"));
    root = std::move(mine);
    own_inventory = true;
  }
  auto algorithm = ParseDigestName(root->inv.digest_algorithm);
  if (!algorithm) {
    return ctx(Status::InvalidArgument("unsupported digest algorithm " +
                                       root->inv.digest_algorithm));
  }
  auto content_files = ContentFiles(root->inv);
  if (!content_files.ok()) {
    return ctx(std::move(content_files).status().WithContext("tier " + src.name()));
  }
  if (!own_inventory) {
    VAULT_RETURN_IF_ERROR(ctx(CheckSameState(source, obj, id, root->bytes, root->inv)));
  }
  std::map<std::string, const ContentFile*> content;
  for (const ContentFile& f : *content_files) content.emplace(f.path, &f);
  std::set<std::string> inventory_paths = {std::string(kRootInventory),
                                           ocfl::SidecarName(root->inv.digest_algorithm)};
  for (const auto& [n, v] : root->inv.versions) {
    inventory_paths.insert("v" + std::to_string(n) + "/inventory.json");
    inventory_paths.insert("v" + std::to_string(n) + "/" +
                           ocfl::SidecarName(root->inv.digest_algorithm));
  }
  const std::string declaration(ocfl::kObjectNamaste);

  // 2. The plan. A stray at a path the source has is damage like any other.
  for (const std::string& p : strays) {
    if (content.count(p) != 0 || inventory_paths.count(p) != 0 || p == declaration) {
      damaged.insert(p);
    }
  }
  for (const std::string& p : damaged) {
    if (inventory_paths.count(p) != 0) inventory_finding = true;
    strays.erase(p);
  }
  auto exists_here = [&](const std::string& rel) -> Result<bool> {
    auto info = tier_.Stat(obj + "/" + rel);
    if (info.ok()) return true;
    if (info.status().code() == Code::kNotFound) return false;
    if (info.status().code() == Code::kFailedPrecondition) return true;  // symlink, device...
    return std::move(info).status();
  };
  std::vector<std::string> move_aside;  // the root inventory.json is kept apart: it goes last
  bool move_root_inventory = false;
  auto plan_move = [&](const std::string& rel) -> Status {
    auto here = exists_here(rel);
    if (!here.ok()) return std::move(here).status();
    if (!*here) return Status::Ok();
    if (rel == kRootInventory) {
      move_root_inventory = true;
    } else {
      move_aside.push_back(rel);
    }
    return Status::Ok();
  };
  std::vector<const ContentFile*> put_content;
  bool put_declaration = false;
  std::vector<std::pair<std::string, std::string>> put_inventories;  // in write order
  for (const std::string& p : strays) VAULT_RETURN_IF_ERROR(ctx(plan_move(p)));
  for (const std::string& p : damaged) {
    if (inventory_paths.count(p) != 0) continue;  // below, with all inventory files
    VAULT_RETURN_IF_ERROR(ctx(plan_move(p)));
    if (p == declaration) {
      put_declaration = true;
    } else if (auto it = content.find(p); it != content.end()) {
      put_content.push_back(it->second);
    }
    // Else a path the source object does not have: moved aside only.
  }
  if (inventory_finding) {
    // Every inventory file and sidecar is made byte-identical to the source's (checked against
    // the source's sidecars here); the ones that already are stay untouched.
    auto files = LoadInventoryFiles(src, obj, *root);
    if (!files.ok()) return ctx(std::move(files).status());
    for (auto& [rel, bytes] : *files) {
      auto mine = tier_.ReadAll(obj + "/" + rel, kMaxInventoryBytes);
      if (mine.ok() && *mine == bytes) continue;
      if (!mine.ok() && mine.status().code() != Code::kNotFound &&
          mine.status().code() != Code::kResourceExhausted &&
          mine.status().code() != Code::kFailedPrecondition) {
        return ctx(std::move(mine).status());
      }
      VAULT_RETURN_IF_ERROR(ctx(plan_move(rel)));
      put_inventories.emplace_back(rel, std::move(bytes));
    }
  }

  // 3. Fetch and check, from the source, everything that will be put back, before any change
  // here: a source damaged in the same file is found now, when nothing has moved.
  if (put_declaration) VAULT_RETURN_IF_ERROR(ctx(CheckDeclaration(src, obj)));
  std::vector<Staged> staged;
  if (!put_content.empty()) {
    std::error_code ec;
    fs::create_directories(staging_dir, ec);
    if (ec) return ctx(Status::IoError("create " + staging_dir.string() + ": " + ec.message()));
  }
  for (const ContentFile* f : put_content) {
    const std::string key = obj + "/" + f->path;
    auto s = StageFromTier(src, key, *algorithm, staging_dir);
    if (!s.ok()) {
      if (s.status().code() == Code::kNotFound) {
        return ctx(Status::Corruption("tier " + src.name() + ": " + key +
                                      " is in the manifest but missing: the source is damaged "
                                      "too"));
      }
      return ctx(std::move(s).status());
    }
    if ((f->size && s->size != *f->size) || s->digest != f->digest) {
      return ctx(Status::Corruption(
          "tier " + src.name() + ": " + key + " is damaged too (" +
          std::string(DigestName(*algorithm)) + " " + s->digest + ", " +
          std::to_string(s->size) + " bytes; the inventory says " + f->digest +
          (f->size ? ", " + std::to_string(*f->size) + " bytes" : std::string()) + ")"));
    }
    staged.push_back(*std::move(s));
  }
  if (move_aside.empty() && !move_root_inventory && put_content.empty() && !put_declaration &&
      put_inventories.empty()) {
    SealLogged(obj, "object");  // nothing here differs from the source any more
    return report;
  }

  // 4. Act. From here on every step keeps the copy repairable (see the header).
  VAULT_RETURN_IF_ERROR(ctx(tier_.Unseal(obj)));
  auto seal = [&] {
    if (Status s = tier_.Seal(obj); !s.ok()) {
      LogWarning("store", "tier " + tier_.name() + ": object " + std::string(id) +
                              " repaired but not sealed: " + s.ToString());
    }
  };
  auto stop = [&](Status s) -> Status {
    (void)tier_.Sync();
    seal();
    LogError("store", "tier " + tier_.name() + ": repair of " + std::string(id) +
                          " stopped after moving " + std::to_string(report.moved_aside.size()) +
                          " files aside and putting back " +
                          std::to_string(report.restored.size()) + ": " + s.ToString());
    return ctx(std::move(s));
  };
  auto do_move = [&](const std::string& rel) -> Status {
    auto dest = MoveAside(tier_, obj + "/" + rel, attic_dir / fs::path(rel));
    if (!dest.ok()) {
      return std::move(dest).status().WithContext("move " + obj + "/" + rel + " aside");
    }
    LogWarning("store", "tier " + tier_.name() + ": moved " + obj + "/" + rel + " of " +
                            std::string(id) + " aside to " + dest->string());
    report.moved_aside.push_back(rel);
    CrashPoint("store:repair:moved-aside");
    return Status::Ok();
  };
  for (const std::string& rel : move_aside) {
    if (Status s = do_move(rel); !s.ok()) return stop(std::move(s));
  }
  if (move_root_inventory) {
    if (Status s = do_move(std::string(kRootInventory)); !s.ok()) return stop(std::move(s));
  }
  for (size_t i = 0; i < put_content.size(); ++i) {
    const std::string& rel = put_content[i]->path;
    if (Status s = tier_.PutFile(obj + "/" + rel, staged[i].file.path(), /*move=*/true);
        !s.ok()) {
      return stop(std::move(s));
    }
    staged[i].file.Release();
    report.restored.push_back(rel);
    CrashPoint("store:repair:restored");
  }
  if (put_declaration) {
    if (Status s = tier_.PutBytes(obj + "/" + declaration, ocfl::kObjectNamasteContent);
        !s.ok()) {
      return stop(std::move(s));
    }
    report.restored.push_back(declaration);
  }
  // Version inventories and sidecars, durable, before the root sidecar and inventory.
  auto is_root_file = [](const std::string& rel) { return rel.find('/') == std::string::npos; };
  for (const auto& [rel, bytes] : put_inventories) {
    if (is_root_file(rel)) continue;
    if (Status s = tier_.PutBytes(obj + "/" + rel, bytes); !s.ok()) return stop(std::move(s));
    report.restored.push_back(rel);
  }
  if (Status s = tier_.Sync(); !s.ok()) return stop(std::move(s));
  CrashPoint("store:repair:versions-durable");
  for (const auto& [rel, bytes] : put_inventories) {  // root sidecar, then inventory.json
    if (!is_root_file(rel)) continue;
    if (Status s = tier_.PutBytes(obj + "/" + rel, bytes); !s.ok()) return stop(std::move(s));
    report.restored.push_back(rel);
  }
  // Directories emptied by moving strays aside go (an OCFL object has no empty directories).
  if (Status s = tier_.PruneEmpty(obj); !s.ok()) return stop(std::move(s));
  if (Status s = tier_.Sync(); !s.ok()) return stop(std::move(s));
  CrashPoint("store:repair:durable");
  seal();
  LogInfo("store", "tier " + tier_.name() + ": repaired " + std::string(id) + " from tier " +
                       src.name() + ": " + std::to_string(report.moved_aside.size()) +
                       " files moved aside, " + std::to_string(report.restored.size()) +
                       " put back");
  return report;
}

Status OcflStore::PurgeObject(const PurgeWarrant& w) { return PurgeObject(w.object_id(), w); }

Status OcflStore::PurgeObject(std::string_view id, const PurgeWarrant& w) {
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("purge " + std::string(id) + " (batch " + w.batch() +
                                    ") on tier " + tier_.name());
  };
  if (id.empty()) return ctx(Status::InvalidArgument("object id is empty"));
  if (id != w.object_id()) {
    return ctx(Status::FailedPrecondition("the warrant is for another object: " +
                                          w.object_id()));
  }
  const std::string obj = ObjectPath(id);
  if (!Claim(obj)) return ctx(Status::FailedPrecondition("object is being written at " + obj));
  ScopeExit release([&] { Unclaim(obj); });

  std::vector<std::string> keys;
  VAULT_RETURN_IF_ERROR(ctx(tier_.List(obj + "/", [&](std::string_view key,
                                                     const tiers::ObjectInfo&) {
    keys.emplace_back(key);
    return true;
  })));
  if (keys.empty()) {
    // Gone already, or a crash left empty directories behind: prune them.
    VAULT_RETURN_IF_ERROR(ctx(tier_.PruneEmpty(obj)));
    VAULT_RETURN_IF_ERROR(ctx(tier_.Sync()));
    return ctx(VerifyAbsent(id));
  }
  // The directory must hold this object: an inventory that parses must name `id`.
  std::vector<std::string> root_files;  // inventory.json first, then its sidecar(s)
  for (const std::string& key : keys) {
    const std::string rel = key.substr(obj.size() + 1);
    const bool root_file = rel.find('/') == std::string::npos;
    if (root_file && rel == kRootInventory) root_files.insert(root_files.begin(), key);
    if (root_file && rel.starts_with(std::string(kRootInventory) + ".")) root_files.push_back(key);
    const size_t slash = rel.find('/');
    const bool version_inventory = slash != std::string::npos &&
                                   VersionNumber(std::string_view(rel).substr(0, slash)) &&
                                   rel.substr(slash + 1) == kRootInventory;
    if (rel != kRootInventory && !version_inventory) continue;
    auto bytes = tier_.ReadAll(key, kMaxInventoryBytes);
    if (!bytes.ok()) continue;  // damaged or unreadable: still this id's object path
    auto inv = ocfl::ParseInventory(*bytes);
    if (inv.ok() && inv->id != id) {
      return ctx(Status::FailedPrecondition(key + " names another object: " + inv->id));
    }
  }
  LogWarning("store", "tier " + tier_.name() + ": purging " + std::string(id) + " at " + obj +
                          " (" + std::to_string(keys.size()) + " files), disposal batch " +
                          w.batch());
  VAULT_RETURN_IF_ERROR(ctx(tier_.Unseal(obj)));
  CrashPoint("store:purge:unsealed");
  // 1. The root inventory, then its sidecar: from then on the object does not exist.
  auto remove = [&](const std::string& key) -> Status {
    Status s = tier_.Remove(key);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
    return Status::Ok();
  };
  for (const std::string& key : root_files) VAULT_RETURN_IF_ERROR(ctx(remove(key)));
  VAULT_RETURN_IF_ERROR(ctx(tier_.Sync()));
  CrashPoint("store:purge:uncommitted");
  // 2. Everything else, deepest first; each directory goes when it becomes empty, and the
  // empty tuple directories above the object with the last file (Tier::Remove).
  auto depth = [](const std::string& k) { return std::count(k.begin(), k.end(), '/'); };
  std::sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    if (depth(a) != depth(b)) return depth(a) > depth(b);
    return a > b;
  });
  for (const std::string& key : keys) {
    if (std::find(root_files.begin(), root_files.end(), key) != root_files.end()) continue;
    VAULT_RETURN_IF_ERROR(ctx(remove(key)));
  }
  // Directories a crash emptied earlier, and the tuple directories above them.
  VAULT_RETURN_IF_ERROR(ctx(tier_.PruneEmpty(obj)));
  VAULT_RETURN_IF_ERROR(ctx(tier_.Sync()));
  CrashPoint("store:purge:durable");
  VAULT_RETURN_IF_ERROR(ctx(VerifyAbsent(id)));
  LogInfo("store", "tier " + tier_.name() + ": purged " + std::string(id) + " (" +
                       std::to_string(keys.size()) + " files), disposal batch " + w.batch());
  return Status::Ok();
}

Status OcflStore::VerifyAbsent(std::string_view id) const {
  const std::string obj = ObjectPath(id);
  auto left = [&](const std::string& what) {
    return Status::FailedPrecondition("object " + std::string(id) + " is not gone from tier " +
                                      tier_.name() + ": " + what);
  };
  size_t count = 0;
  std::string first;
  VAULT_RETURN_IF_ERROR(tier_.List(obj + "/", [&](std::string_view key, const tiers::ObjectInfo&) {
    if (count++ == 0) first = std::string(key);
    return true;
  }));
  if (count > 0) {
    return left(std::to_string(count) + " files left under " + obj + " (first: " + first + ")");
  }
  auto st = tier_.Stat(obj);
  if (st.ok() || st.status().code() == Code::kFailedPrecondition) {
    return left("an entry at the object path " + obj);
  }
  if (st.status().code() != Code::kNotFound) return std::move(st).status();
  // Directories (tiers that have them report them as prefixes, empty ones included): the object
  // directory must be gone, and each tuple directory on its path gone or holding something else.
  std::string parent;
  size_t start = 0;
  while (start <= obj.size()) {
    size_t end = obj.find('/', start);
    if (end == std::string::npos) end = obj.size();
    const std::string name = obj.substr(start, end - start);
    const std::string dir = obj.substr(0, end);
    bool there = false;
    VAULT_RETURN_IF_ERROR(tier_.ListDir(parent, [&](std::string_view child, bool is_prefix) {
      there = is_prefix && child == name;
      return !there;
    }));
    if (!there) return Status::Ok();  // nothing deeper either
    if (end == obj.size()) return left("the object directory " + obj + " is still there");
    bool any = false;
    VAULT_RETURN_IF_ERROR(tier_.ListDir(dir, [&](std::string_view, bool) {
      any = true;
      return false;
    }));
    if (!any) return left("empty directory " + dir);
    parent = dir;
    start = end + 1;
  }
  return Status::Ok();
}

namespace {

// One version's inventory as stored, checked: it agrees with its sidecar, names the object and
// has itself as head.
struct VersionInventory {
  std::string bytes;
  std::string sidecar;       // the sidecar file's bytes
  std::string sidecar_name;  // "inventory.json.sha256"
  ocfl::Inventory inv;
};

// Reads v<n>/inventory.json of `obj` and its sidecar. kNotFound if the inventory is absent;
// kCorruption (naming the file) if it is malformed, too large, its sidecar is missing or
// disagrees, or it names another id or head.
Result<VersionInventory> ReadVersionInventory(const tiers::Tier& tier, const std::string& obj,
                                              std::string_view id, int n) {
  const std::string rel = "v" + std::to_string(n) + "/inventory.json";
  auto bad = [&](const std::string& why) { return Status::Corruption(rel + ": " + why); };
  VersionInventory v;
  auto bytes = tier.ReadAll(obj + "/" + rel, OcflStore::kMaxInventoryBytes);
  if (!bytes.ok()) {
    if (bytes.status().code() == Code::kNotFound) return Status::NotFound(rel + " missing");
    if (bytes.status().code() == Code::kResourceExhausted) return bad("too large");
    return std::move(bytes).status();
  }
  v.bytes = *std::move(bytes);
  auto inv = ocfl::ParseInventory(v.bytes);
  if (!inv.ok()) return bad(std::string(inv.status().message()));
  v.inv = *std::move(inv);
  v.sidecar_name = ocfl::SidecarName(v.inv.digest_algorithm);
  auto sidecar = tier.ReadAll(obj + "/v" + std::to_string(n) + "/" + v.sidecar_name,
                              kMaxSmallFile);
  if (!sidecar.ok()) {
    if (sidecar.status().code() == Code::kNotFound) return bad("sidecar missing");
    if (sidecar.status().code() == Code::kResourceExhausted) return bad("sidecar too large");
    return std::move(sidecar).status();
  }
  v.sidecar = *std::move(sidecar);
  auto digest = DigestHex(v.inv.digest_algorithm, v.bytes);
  if (!digest.ok()) return bad(std::string(digest.status().message()));
  if (SidecarDigest(v.sidecar) != *digest) {
    return bad("digest " + *digest + " disagrees with its sidecar " + SidecarDigest(v.sidecar));
  }
  if (v.inv.id != id) return bad("names another id: " + v.inv.id);
  if (v.inv.head != "v" + std::to_string(n)) return bad("its head is " + v.inv.head);
  return v;
}

// The bytes of `key`, nullopt if absent. A file larger than `max_bytes` reads as "" with
// *too_large set (it is then certainly not the file expected).
Result<std::optional<std::string>> ReadIfPresent(const tiers::Tier& tier, const std::string& key,
                                                 uint64_t max_bytes) {
  auto bytes = tier.ReadAll(key, max_bytes);
  if (bytes.ok()) return std::optional<std::string>(*std::move(bytes));
  if (bytes.status().code() == Code::kNotFound) return std::optional<std::string>();
  if (bytes.status().code() == Code::kResourceExhausted) {
    return std::optional<std::string>(std::string());
  }
  return std::move(bytes).status();
}

// Makes the root inventory.json and its sidecar byte-identical to those of one version
// (`v`): the root sidecar, then the root inventory, are removed where they differ, Sync; the
// root inventory, then its sidecar, are put; Sync. The object must be unsealed. Crash points
// "<crash>:root-removed", "<crash>:root-inventory-put", "<crash>:root-committed".
// *inventory_put tells whether the new root inventory was put (the commit of AddVersion).
Status SwapRoot(tiers::Tier& tier, const std::string& obj, const VersionInventory& v,
                std::string_view crash, bool* inventory_put) {
  *inventory_put = false;
  const std::string inv_key = obj + "/" + std::string(kRootInventory);
  const std::string sidecar_key = obj + "/" + v.sidecar_name;
  VAULT_ASSIGN_OR_RETURN(auto inv, ReadIfPresent(tier, inv_key, OcflStore::kMaxInventoryBytes));
  VAULT_ASSIGN_OR_RETURN(auto sidecar, ReadIfPresent(tier, sidecar_key, kMaxSmallFile));
  const bool inv_same = inv && *inv == v.bytes;
  const bool sidecar_same = sidecar && *sidecar == v.sidecar;
  if (inv_same && sidecar_same) return Status::Ok();
  auto remove = [&](const std::string& key) -> Status {
    Status s = tier.Remove(key);
    return s.code() == Code::kNotFound ? Status::Ok() : s;
  };
  // The sidecar first: while the root inventory is there, the object exists (a crash here
  // leaves it with its sidecar missing, which the next call rewrites).
  if (sidecar && !sidecar_same) VAULT_RETURN_IF_ERROR(remove(sidecar_key));
  if (inv && !inv_same) VAULT_RETURN_IF_ERROR(remove(inv_key));
  VAULT_RETURN_IF_ERROR(tier.Sync());
  CrashPoint(std::string(crash) + ":root-removed");
  if (!inv_same) {
    VAULT_RETURN_IF_ERROR(tier.PutBytes(inv_key, v.bytes));
    *inventory_put = true;
    CrashPoint(std::string(crash) + ":root-inventory-put");
  }
  if (!sidecar_same) VAULT_RETURN_IF_ERROR(tier.PutBytes(sidecar_key, v.sidecar));
  VAULT_RETURN_IF_ERROR(tier.Sync());
  CrashPoint(std::string(crash) + ":root-committed");
  return Status::Ok();
}

// Version directories ("vN" prefixes) directly in the object root, ascending, and the
// leftovers of interrupted puts lying directly in the object root.
Status ListObjectRoot(const tiers::Tier& tier, const std::string& obj, std::vector<int>* versions,
                      std::vector<std::string>* temps) {
  VAULT_RETURN_IF_ERROR(tier.ListDir(obj, [&](std::string_view name, bool is_prefix) {
    if (is_prefix) {
      if (auto n = VersionNumber(name)) versions->push_back(*n);
    } else if (tier.IsTemporaryKey(obj + "/" + std::string(name))) {
      temps->push_back(obj + "/" + std::string(name));
    }
    return true;
  }));
  std::sort(versions->begin(), versions->end());
  return Status::Ok();
}

}  // namespace

Result<int> OcflStore::HeadVersion(std::string_view id) const {
  VAULT_ASSIGN_OR_RETURN(ocfl::Inventory inv, ReadInventory(id));
  auto n = VersionNumber(inv.head);
  if (!n || inv.versions.count(*n) == 0) {
    return Status::Corruption("head of " + std::string(id) + " is not one of its versions: " +
                              inv.head);
  }
  return *n;
}

Status OcflStore::RollbackVersion(std::string_view id, int keep_head) {
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("roll back " + std::string(id) + " to v" +
                                    std::to_string(keep_head) + " on tier " + tier_.name());
  };
  if (id.empty()) return ctx(Status::InvalidArgument("object id is empty"));
  if (keep_head < 1) return ctx(Status::FailedPrecondition("no version to keep"));
  const std::string obj = ObjectPath(id);
  if (!Claim(obj)) return ctx(Status::FailedPrecondition("object is being written at " + obj));
  ScopeExit release([&] { Unclaim(obj); });
  return ctx(RollbackLocked(obj, id, keep_head, "unacknowledged"));
}

Status OcflStore::RollbackLocked(const std::string& obj, std::string_view id, int keep_head,
                                 std::string_view why) {
  const std::string keep_name = "v" + std::to_string(keep_head);
  // 1. The version to keep must be sound: it becomes the root inventory.
  auto keep = ReadVersionInventory(tier_, obj, id, keep_head);
  if (!keep.ok()) {
    if (keep.status().code() == Code::kNotFound) {
      bool any = false;
      VAULT_RETURN_IF_ERROR(tier_.List(obj + "/", [&](std::string_view, const tiers::ObjectInfo&) {
        any = true;
        return false;
      }));
      if (!any) return Status::NotFound("no such object at " + obj);
      return Status::FailedPrecondition("the object has no " + keep_name + "/inventory.json");
    }
    if (keep.status().code() == Code::kCorruption) {
      return Status::FailedPrecondition("the inventory of the version to keep does not verify: " +
                                        std::string(keep.status().message()));
    }
    return std::move(keep).status();
  }
  std::vector<int> versions;
  std::vector<std::string> temps;
  VAULT_RETURN_IF_ERROR(ListObjectRoot(tier_, obj, &versions, &temps));
  std::vector<int> above;
  for (int n : versions) {
    if (n > keep_head) above.push_back(n);
  }
  // 2. The root inventory: absent, equal to the one kept, or a later head; never an older one.
  const std::string root_key = obj + "/" + std::string(kRootInventory);
  VAULT_ASSIGN_OR_RETURN(auto root, ReadIfPresent(tier_, root_key, kMaxInventoryBytes));
  const bool root_same = root && *root == keep->bytes;
  if (root && !root_same) {
    auto inv = ocfl::ParseInventory(*root);
    if (!inv.ok()) {
      return Status::Corruption("root inventory unreadable (" +
                                std::string(inv.status().message()) +
                                "): repair the copy, not a rollback");
    }
    if (inv->id != id) {
      return Status::FailedPrecondition("root inventory names another id: " + inv->id);
    }
    auto head = VersionNumber(inv->head);
    if (!head) return Status::Corruption("root inventory head is not a version: " + inv->head);
    if (*head < keep_head) {
      return Status::FailedPrecondition("the copy is at " + inv->head + ", behind " + keep_name +
                                        ": nothing to roll back (repair it from another copy)");
    }
    if (*head == keep_head) {
      return Status::Corruption("root inventory claims head " + keep_name + " but differs from " +
                                keep_name + "/inventory.json: repair the copy");
    }
  }
  VAULT_ASSIGN_OR_RETURN(auto sidecar,
                         ReadIfPresent(tier_, obj + "/" + keep->sidecar_name, kMaxSmallFile));
  const bool sidecar_same = sidecar && *sidecar == keep->sidecar;
  if (root_same && sidecar_same && above.empty() && temps.empty()) {
    SealLogged(obj, "object");  // a crash may have come between a rollback's end and its seal
    return Status::Ok();
  }
  std::string what;
  for (int n : above) what += (what.empty() ? "v" : ", v") + std::to_string(n);
  LogWarning("store", "tier " + tier_.name() + ": rolling " + std::string(id) + " back to " +
                          keep_name + " (" + std::string(why) + "; removing " +
                          (what.empty() ? std::string("nothing above it") : what) +
                          (root_same && sidecar_same ? "" : "; root inventory put back") + ")");
  // 3. Act: root first (from then on the copy is at keep_head), then the versions above it.
  VAULT_RETURN_IF_ERROR(tier_.Unseal(obj));
  CrashPoint("store:rollback:unsealed");
  auto seal_on_error = [&](Status s) {
    SealLogged(obj, "object");
    return s;
  };
  bool put = false;
  if (Status s = SwapRoot(tier_, obj, *keep, "store:rollback", &put); !s.ok()) {
    return seal_on_error(std::move(s));
  }
  auto remove = [&](const std::string& key) -> Status {
    Status s = tier_.Remove(key);
    return s.code() == Code::kNotFound ? Status::Ok() : s;
  };
  for (const std::string& key : temps) {
    if (Status s = remove(key); !s.ok()) return seal_on_error(std::move(s));
  }
  auto depth = [](const std::string& k) { return std::count(k.begin(), k.end(), '/'); };
  for (auto it = above.rbegin(); it != above.rend(); ++it) {
    std::vector<std::string> keys;
    Status s = tier_.List(obj + "/v" + std::to_string(*it) + "/",
                          [&](std::string_view key, const tiers::ObjectInfo&) {
                            keys.emplace_back(key);
                            return true;
                          });
    if (!s.ok()) return seal_on_error(std::move(s));
    std::sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
      if (depth(a) != depth(b)) return depth(a) > depth(b);
      return a > b;
    });
    for (const std::string& key : keys) {
      if (s = remove(key); !s.ok()) return seal_on_error(std::move(s));
    }
    CrashPoint("store:rollback:version-removed");
  }
  // Directories emptied above (and empty ones a crash left behind).
  if (Status s = tier_.PruneEmpty(obj); !s.ok()) return seal_on_error(std::move(s));
  if (Status s = tier_.Sync(); !s.ok()) return seal_on_error(std::move(s));
  CrashPoint("store:rollback:durable");
  SealLogged(obj, "rolled back object");
  LogInfo("store", "tier " + tier_.name() + ": " + std::string(id) + " is at " + keep_name);
  return Status::Ok();
}

Result<ocfl::Inventory> OcflStore::AddVersion(const AddVersionRequest& req) {
  const int base = req.expected_head;
  const int next = base + 1;
  const std::string next_name = "v" + std::to_string(next);
  auto ctx = [&](Status s) {
    return std::move(s).WithContext("add version " + next_name + " to " + req.id + " on tier " +
                                    tier_.name());
  };
  VAULT_RETURN_IF_ERROR(ctx(ValidateVersionRequest(req)));
  const std::string obj = ObjectPath(req.id);
  auto modes = CheckStagedFiles(req.files);
  if (!modes.ok()) return ctx(std::move(modes).status());
  const std::vector<mode_t> staged_modes = *std::move(modes);

  if (!Claim(obj)) return ctx(Status::FailedPrecondition("object is being written at " + obj));
  ScopeExit release([&] { Unclaim(obj); });

  // 1. The root inventory, settled first if a crash inside a root swap left it incomplete.
  auto root = ReadTrustedRoot(tier_, obj, req.id);
  if (!root.ok() && (root.status().code() == Code::kNotFound ||
                     root.status().code() == Code::kCorruption)) {
    // Which version's inventory the root must be: the one it is byte-identical to (its sidecar
    // is then what is missing or wrong: "finish the commit"), or, with no root inventory at
    // all, v<next> when it verifies and holds exactly this request's state (the swap of this
    // very request was interrupted), else v<base>.
    const Status first = root.status();
    std::optional<VersionInventory> target;
    auto present = ReadIfPresent(tier_, obj + "/" + std::string(kRootInventory),
                                 kMaxInventoryBytes);
    if (!present.ok()) return ctx(std::move(present).status());
    if (*present) {
      auto inv = ocfl::ParseInventory(**present);
      auto n = inv.ok() ? VersionNumber(inv->head) : std::nullopt;
      if (n) {
        auto v = ReadVersionInventory(tier_, obj, req.id, *n);
        if (v.ok() && v->bytes == **present) target = *std::move(v);
      }
    } else {
      auto v_next = ReadVersionInventory(tier_, obj, req.id, next);
      if (v_next.ok() && v_next->inv.versions.count(base) != 0) {
        auto state = NewVersionState(v_next->inv.versions.at(base), req);
        if (state.ok() && *state == v_next->inv.versions.at(next).state) {
          target = *std::move(v_next);
        }
      }
      if (!target) {
        auto v_base = ReadVersionInventory(tier_, obj, req.id, base);
        if (v_base.ok()) target = *std::move(v_base);
      }
      if (!target && first.code() == Code::kNotFound) {
        bool any = false;
        VAULT_RETURN_IF_ERROR(ctx(tier_.List(obj + "/", [&](std::string_view,
                                                            const tiers::ObjectInfo&) {
          any = true;
          return false;
        })));
        if (!any) return ctx(first);
      }
    }
    if (!target && *present) {
      return ctx(Status(first).WithContext(
          "root inventory damaged and equal to no version inventory; repair the copy first"));
    }
    if (!target) {
      return ctx(Status::FailedPrecondition(
          "no root inventory, and neither v" + std::to_string(base) + " nor " + next_name +
          " has an inventory to settle it on: repair the copy first"));
    }
    LogWarning("store", "tier " + tier_.name() + ": " + req.id + ": root inventory settled on " +
                            target->inv.head + " (" + first.ToString() +
                            "; an interrupted version write)");
    VAULT_RETURN_IF_ERROR(ctx(tier_.Unseal(obj)));
    bool put = false;
    Status s = SwapRoot(tier_, obj, *target, "store:version:settle", &put);
    SealLogged(obj, "object");
    VAULT_RETURN_IF_ERROR(ctx(std::move(s)));
    root = ReadTrustedRoot(tier_, obj, req.id);
  }
  if (!root.ok()) return ctx(std::move(root).status());
  const auto head = VersionNumber(root->inv.head);
  if (!head || root->inv.versions.count(*head) == 0) {
    return ctx(Status::Corruption("root inventory head is not one of its versions: " +
                                  root->inv.head));
  }

  // 2. Already done (a retry after a crash behind the commit)?
  if (*head == next && root->inv.versions.count(base) != 0) {
    auto state = NewVersionState(root->inv.versions.at(base), req);
    if (state.ok() && *state == root->inv.versions.at(next).state) {
      // Leftovers of a put interrupted in the root swap go.
      std::vector<int> versions;
      std::vector<std::string> temps;
      VAULT_RETURN_IF_ERROR(ctx(ListObjectRoot(tier_, obj, &versions, &temps)));
      if (!temps.empty()) {
        VAULT_RETURN_IF_ERROR(ctx(tier_.Unseal(obj)));
        for (const std::string& key : temps) {
          if (Status s = tier_.Remove(key); !s.ok() && s.code() != Code::kNotFound) {
            SealLogged(obj, "object");
            return ctx(std::move(s));
          }
        }
        if (Status s = tier_.Sync(); !s.ok()) {
          SealLogged(obj, "object");
          return ctx(std::move(s));
        }
      }
      SealLogged(obj, "object");  // a crash may have come between the commit and the seal
      LogInfo("store", "tier " + tier_.name() + ": " + req.id + " is already at " + next_name +
                           " with this state");
      return std::move(root->inv);
    }
  }
  if (*head != base) return ctx(Status::FailedPrecondition("head is " + root->inv.head));
  {
    auto v_base = ReadVersionInventory(tier_, obj, req.id, base);
    if (!v_base.ok()) return ctx(std::move(v_base).status());
    if (v_base->bytes != root->bytes) {
      return ctx(Status::Corruption("v" + std::to_string(base) +
                                    "/inventory.json differs from the root inventory"));
    }
  }

  // 3. The new inventory (before any change: a bad request changes nothing).
  ocfl::Inventory inv = root->inv;
  auto state = NewVersionState(inv.versions.at(base), req);
  if (!state.ok()) return ctx(std::move(state).status());
  ocfl::Version version;
  version.created = req.created;
  version.message = req.message;
  if (!req.user_name.empty()) version.user = ocfl::User{req.user_name, req.user_address};
  version.state = *std::move(state);
  // New content in logical path order (so that de-duplication within the request does not
  // depend on the order of req.files).
  std::vector<size_t> order(req.files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return req.files[a].logical_path < req.files[b].logical_path;
  });
  // "v<next>/content/" (or the object's own contentDirectory, which all versions share).
  if (const std::string& cd = inv.content_directory;
      cd == "." || cd == ".." || cd.find('/') != std::string::npos) {
    return ctx(Status::Corruption("inventory contentDirectory is not allowed (OCFL E017): " + cd));
  }
  const std::string content_prefix =
      next_name + "/" + (inv.content_directory.empty() ? "content" : inv.content_directory) + "/";
  std::map<std::string, uint64_t> sizes = FixitySizes(inv);  // content path -> size
  std::vector<size_t> to_put;  // indices into req.files, in put order
  for (size_t i : order) {
    const NewFile& f = req.files[i];
    if (auto it = inv.manifest.find(f.sha256); it != inv.manifest.end() && !it->second.empty()) {
      for (const std::string& p : it->second) {
        if (auto s = sizes.find(p); s != sizes.end() && s->second != f.size) {
          return ctx(Status::Corruption("digest " + f.sha256 + " of " + f.logical_path +
                                        " is stored as " + p + " with " +
                                        std::to_string(s->second) + " bytes, not " +
                                        std::to_string(f.size)));
        }
      }
      continue;  // de-duplicated: the content is stored already (or put for an earlier path)
    }
    const std::string content_path = content_prefix + f.logical_path;
    inv.manifest[f.sha256].push_back(content_path);
    inv.fixity[std::string(kSizeAlgorithm)][std::to_string(f.size)].push_back(content_path);
    sizes[content_path] = f.size;
    to_put.push_back(i);
  }
  for (auto& [d, paths] : inv.manifest) std::sort(paths.begin(), paths.end());
  if (auto fx = inv.fixity.find(std::string(kSizeAlgorithm)); fx != inv.fixity.end()) {
    for (auto& [s, paths] : fx->second) std::sort(paths.begin(), paths.end());
  }
  inv.versions.emplace(next, std::move(version));
  inv.head = next_name;
  VersionInventory written;
  written.bytes = ocfl::SerializeInventory(inv);
  auto digest = DigestHex(inv.digest_algorithm, written.bytes);
  if (!digest.ok()) return ctx(std::move(digest).status());
  written.sidecar = ocfl::SidecarContent(*digest);
  written.sidecar_name = ocfl::SidecarName(inv.digest_algorithm);

  // 4. Versions above the head are uncommitted leftovers (a crash before a commit): removed.
  std::vector<int> versions;
  std::vector<std::string> temps;
  VAULT_RETURN_IF_ERROR(ctx(ListObjectRoot(tier_, obj, &versions, &temps)));
  if (!temps.empty() || (!versions.empty() && versions.back() > base)) {
    VAULT_RETURN_IF_ERROR(ctx(RollbackLocked(obj, req.id, base, "uncommitted leftovers")));
  }

  // 5. Write.
  size_t files_put = 0;
  auto fail = [&](Status s) -> Status {
    // Undo: give moved files back to staging where the tier can (writable as they came), then
    // remove v<next>/ (a rollback to v<base>, which also mends an interrupted swap).
    if (req.move_staged) {
      (void)tier_.Unseal(obj);
      for (size_t k = 0; k < files_put; ++k) {
        const NewFile& f = req.files[to_put[k]];
        auto local = tier_.LocalPath(obj + "/" + content_prefix + f.logical_path);
        std::error_code ec;
        if (local) std::filesystem::rename(*local, f.staged_path, ec);
        if (local && !ec) ::chmod(f.staged_path.c_str(), staged_modes[to_put[k]]);
      }
    }
    if (Status r = RollbackLocked(obj, req.id, base, "failed version write"); !r.ok()) {
      LogWarning("store", "tier " + tier_.name() + ": " + req.id + ": " + next_name +
                              " not removed after a failed write (recovery will): " +
                              r.ToString());
      SealLogged(obj, "object");
    }
    return ctx(std::move(s));
  };
  VAULT_RETURN_IF_ERROR(ctx(tier_.Unseal(obj)));
  CrashPoint("store:version:unsealed");
  for (size_t i : to_put) {
    const NewFile& f = req.files[i];
    Status s = tier_.PutFile(obj + "/" + content_prefix + f.logical_path, f.staged_path,
                             req.move_staged);
    if (!s.ok()) return fail(std::move(s));
    ++files_put;
  }
  if (Status s = tier_.Sync(); !s.ok()) return fail(std::move(s));
  CrashPoint("store:version:content-put");
  const std::string vdir = obj + "/" + next_name + "/";
  if (Status s = tier_.PutBytes(vdir + "inventory.json", written.bytes); !s.ok()) {
    return fail(std::move(s));
  }
  if (Status s = tier_.PutBytes(vdir + written.sidecar_name, written.sidecar); !s.ok()) {
    return fail(std::move(s));
  }
  if (Status s = tier_.Sync(); !s.ok()) return fail(std::move(s));
  CrashPoint("store:version:version-durable");
  SealLogged(obj + "/" + next_name, "object version");
  CrashPoint("store:version:version-sealed");
  // 6. The root: old sidecar and inventory out, new inventory (THE COMMIT) and sidecar in.
  bool committed = false;
  if (Status s = SwapRoot(tier_, obj, written, "store:version", &committed); !s.ok()) {
    if (!committed) return fail(std::move(s));
    // The version stands (the caller rolls it back if it cannot acknowledge it).
    SealLogged(obj, "object");
    return ctx(std::move(s));
  }
  SealLogged(obj, "object");
  LogInfo("store", "tier " + tier_.name() + ": " + req.id + " now at " + next_name + " (" +
                       std::to_string(to_put.size()) + " new content files, " +
                       std::to_string(req.files.size() - to_put.size()) + " de-duplicated, " +
                       std::to_string(req.remove.size()) + " removed)");
  return inv;
}

Result<std::string> OcflStore::ReadContent(std::string_view id, std::string_view content_path,
                                           uint64_t max_bytes) const {
  VAULT_RETURN_IF_ERROR(CheckSafeRelativePath(content_path));
  return tier_.ReadAll(ObjectPath(id) + "/" + std::string(content_path), max_bytes);
}

}  // namespace vault::store
