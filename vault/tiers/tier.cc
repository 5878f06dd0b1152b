#include "vault/tiers/tier.h"

#include <map>

namespace vault::tiers {

// Derives the immediate children from a full listing: fine for tests and small object stores;
// real object stores override this with a delimiter listing.
Status Tier::ListDir(std::string_view dir,
                     const std::function<bool(std::string_view name, bool is_prefix)>& fn) const {
  std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
  std::map<std::string, bool> children;  // name -> is_prefix
  VAULT_RETURN_IF_ERROR(List(prefix, [&](std::string_view key, const ObjectInfo&) {
    std::string_view rest = key.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      children.emplace(std::string(rest), false);
    } else {
      children[std::string(rest.substr(0, slash))] = true;
    }
    return true;
  }));
  for (const auto& [name, is_prefix] : children) {
    if (!fn(name, is_prefix)) break;
  }
  return Status::Ok();
}

Status Tier::PruneEmpty(std::string_view /*prefix*/) { return Status::Ok(); }

}  // namespace vault::tiers
