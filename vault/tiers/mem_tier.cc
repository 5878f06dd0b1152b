#include "vault/tiers/mem_tier.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "vault/base/fs.h"

namespace vault::tiers {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckKey(const std::string& tier, std::string_view key) {
  if (Status s = CheckSafeRelativePath(key); !s.ok()) {
    return std::move(s).WithContext("tier " + tier + ": bad key");
  }
  return Status::Ok();
}

}  // namespace

bool MemTier::HasKeysUnder(const std::string& dir) const {
  const std::string prefix = dir + "/";
  auto it = objects_.lower_bound(prefix);
  return it != objects_.end() && it->first.starts_with(prefix);
}

Status MemTier::PutBytes(std::string_view key, std::string_view data) {
  VAULT_RETURN_IF_ERROR(CheckKey(name_, key));
  const std::string k(key);
  std::lock_guard<std::mutex> lock(mu_);
  if (objects_.count(k) != 0 || HasKeysUnder(k)) {
    return Status::AlreadyExists("tier " + name_ + ": key exists: " + k);
  }
  // Walk the parents: a parent may not be a key; the deepest existing parent must not be sealed.
  std::string deepest_existing;
  for (size_t slash = k.find('/'); slash != std::string::npos; slash = k.find('/', slash + 1)) {
    std::string parent = k.substr(0, slash);
    if (objects_.count(parent) != 0) {
      return Status::FailedPrecondition("tier " + name_ + ": a parent of " + k + " is a key");
    }
    if (HasKeysUnder(parent)) deepest_existing = parent;
  }
  if (!deepest_existing.empty() && sealed_dirs_.count(deepest_existing) != 0) {
    return Status::PermissionDenied("tier " + name_ + ": " + deepest_existing + " is sealed");
  }
  objects_.emplace(k, Object{std::string(data), NowMs()});
  return Status::Ok();
}

Status MemTier::PutFile(std::string_view key, const std::filesystem::path& src, bool move) {
  VAULT_RETURN_IF_ERROR(CheckKey(name_, key));
  VAULT_ASSIGN_OR_RETURN(std::string data, ReadFileToString(src, uint64_t{1} << 40));
  VAULT_RETURN_IF_ERROR(PutBytes(key, data));
  if (move) {
    std::error_code ec;
    std::filesystem::remove(src, ec);
    if (ec) return Status::IoError("remove " + src.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Result<size_t> MemTier::ReadAt(std::string_view key, uint64_t offset, void* buf,
                               size_t n) const {
  VAULT_RETURN_IF_ERROR(CheckKey(name_, key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound("tier " + name_ + ": no such key: " + std::string(key));
  const std::string& d = it->second.data;
  if (offset >= d.size()) return size_t{0};
  size_t len = std::min<uint64_t>(n, d.size() - offset);
  std::memcpy(buf, d.data() + offset, len);
  return len;
}

Result<std::string> MemTier::ReadAll(std::string_view key, uint64_t max_bytes) const {
  VAULT_RETURN_IF_ERROR(CheckKey(name_, key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound("tier " + name_ + ": no such key: " + std::string(key));
  if (it->second.data.size() > max_bytes) {
    return Status::ResourceExhausted("tier " + name_ + ": " + std::string(key) + " larger than " +
                                     std::to_string(max_bytes) + " bytes");
  }
  return it->second.data;
}

Result<ObjectInfo> MemTier::Stat(std::string_view key) const {
  VAULT_RETURN_IF_ERROR(CheckKey(name_, key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound("tier " + name_ + ": no such key: " + std::string(key));
  return ObjectInfo{it->second.data.size(), it->second.mtime_ms};
}

Status MemTier::List(std::string_view prefix,
                     const std::function<bool(std::string_view, const ObjectInfo&)>& fn) const {
  size_t slash = prefix.rfind('/');
  if (slash != std::string_view::npos) VAULT_RETURN_IF_ERROR(CheckKey(name_, prefix.substr(0, slash)));
  // Copy the matching entries first: fn may call back into the tier.
  std::vector<std::pair<std::string, ObjectInfo>> hits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = objects_.lower_bound(std::string(prefix));
         it != objects_.end() && it->first.starts_with(prefix); ++it) {
      hits.emplace_back(it->first, ObjectInfo{it->second.data.size(), it->second.mtime_ms});
    }
  }
  for (const auto& [k, info] : hits) {
    if (!fn(k, info)) break;
  }
  return Status::Ok();
}

Status MemTier::Remove(std::string_view key) {
  VAULT_RETURN_IF_ERROR(CheckKey(name_, key));
  std::lock_guard<std::mutex> lock(mu_);
  if (objects_.erase(std::string(key)) == 0) {
    return Status::NotFound("tier " + name_ + ": no such key: " + std::string(key));
  }
  // Directories that became empty vanish, with their sealed mark.
  std::string k(key);
  for (size_t slash = k.rfind('/'); slash != std::string::npos; slash = k.rfind('/', slash - 1)) {
    std::string parent = k.substr(0, slash);
    if (!HasKeysUnder(parent)) sealed_dirs_.erase(parent);
    if (slash == 0) break;
  }
  return Status::Ok();
}

Status MemTier::Seal(std::string_view prefix) {
  if (!prefix.empty()) VAULT_RETURN_IF_ERROR(CheckKey(name_, prefix));
  std::lock_guard<std::mutex> lock(mu_);
  const std::string p(prefix);
  if (auto it = objects_.find(p); it != objects_.end()) {
    it->second.sealed = true;  // a key: just that one
    return Status::Ok();
  }
  const std::string under = p.empty() ? "" : p + "/";
  for (auto it = objects_.lower_bound(under); it != objects_.end() && it->first.starts_with(under);
       ++it) {
    it->second.sealed = true;
    // Every directory between the prefix and the key.
    const std::string& k = it->first;
    for (size_t slash = k.find('/', under.size()); slash != std::string::npos;
         slash = k.find('/', slash + 1)) {
      sealed_dirs_.insert(k.substr(0, slash));
    }
  }
  if (!p.empty() && HasKeysUnder(p)) sealed_dirs_.insert(p);
  return Status::Ok();
}

Status MemTier::Unseal(std::string_view prefix) {
  if (!prefix.empty()) VAULT_RETURN_IF_ERROR(CheckKey(name_, prefix));
  std::lock_guard<std::mutex> lock(mu_);
  if (prefix.empty()) {
    sealed_dirs_.clear();
    return Status::Ok();
  }
  const std::string p(prefix);
  sealed_dirs_.erase(p);
  const std::string under = p + "/";
  for (auto it = sealed_dirs_.lower_bound(under);
       it != sealed_dirs_.end() && it->starts_with(under);) {
    it = sealed_dirs_.erase(it);
  }
  return Status::Ok();
}

Result<bool> MemTier::IsSealed(std::string_view prefix) const {
  if (!prefix.empty()) VAULT_RETURN_IF_ERROR(CheckKey(name_, prefix));
  std::lock_guard<std::mutex> lock(mu_);
  const std::string p(prefix);
  if (auto it = objects_.find(p); it != objects_.end()) return it->second.sealed;
  if (!p.empty() && HasKeysUnder(p) && sealed_dirs_.count(p) == 0) return false;
  const std::string under = p.empty() ? "" : p + "/";
  for (auto it = objects_.lower_bound(under); it != objects_.end() && it->first.starts_with(under);
       ++it) {
    if (!it->second.sealed) return false;
    const std::string& k = it->first;
    for (size_t slash = k.find('/', under.size()); slash != std::string::npos;
         slash = k.find('/', slash + 1)) {
      if (sealed_dirs_.count(k.substr(0, slash)) == 0) return false;
    }
  }
  return true;
}

Status MemTier::CorruptForTesting(std::string_view key, std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound(std::string(key));
  it->second.data = std::move(data);
  it->second.mtime_ms = NowMs();
  return Status::Ok();
}

}  // namespace vault::tiers
