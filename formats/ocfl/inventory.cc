// OCFL inventory model <-> JSON. See inventory.h for the contract.
//
// Serialisation relies on nlohmann::json's default object type (std::map), which sorts keys, so
// the same Inventory always yields the same bytes. Parsing never throws: nlohmann is used in its
// non-throwing mode and every field's type is checked before it is read.
#include "formats/ocfl/inventory.h"

#include <charconv>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace vault::ocfl {
namespace {

using nlohmann::json;

json PathMapToJson(const std::map<std::string, std::vector<std::string>>& m) {
  json out = json::object();
  for (const auto& [digest, paths] : m) {
    json arr = json::array();
    for (const auto& p : paths) arr.push_back(p);
    out[digest] = std::move(arr);
  }
  return out;
}

Status PathMapFromJson(const json& j, std::string_view what,
                       std::map<std::string, std::vector<std::string>>* out) {
  if (!j.is_object()) return Status::Corruption(std::string(what) + " is not a JSON object");
  for (const auto& [digest, paths] : j.items()) {
    if (!paths.is_array()) {
      return Status::Corruption(std::string(what) + "[" + digest + "] is not an array");
    }
    std::vector<std::string>& v = (*out)[digest];
    for (const auto& p : paths) {
      if (!p.is_string()) {
        return Status::Corruption(std::string(what) + "[" + digest + "] holds a non-string");
      }
      v.push_back(p.get<std::string>());
    }
  }
  return Status::Ok();
}

Status GetString(const json& obj, const char* key, bool required, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return Status::Corruption(std::string("inventory lacks \"") + key + "\"");
    return Status::Ok();
  }
  if (!it->is_string()) return Status::Corruption(std::string("\"") + key + "\" is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

std::optional<int> ParseVersionName(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v') return std::nullopt;
  int n = 0;
  const char* first = s.data() + 1;
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || ptr != last || n < 1) return std::nullopt;
  for (const char* c = first; c != last; ++c) {
    if (*c < '0' || *c > '9') return std::nullopt;
  }
  return n;
}


std::string SerializeInventory(const Inventory& inv) {
  json j = json::object();
  j["id"] = inv.id;
  j["type"] = inv.type;
  j["digestAlgorithm"] = inv.digest_algorithm;
  j["head"] = inv.head;
  if (!inv.content_directory.empty()) j["contentDirectory"] = inv.content_directory;
  j["manifest"] = PathMapToJson(inv.manifest);
  json versions = json::object();
  for (const auto& [num, v] : inv.versions) {
    json jv = json::object();
    jv["created"] = v.created;
    if (!v.message.empty()) jv["message"] = v.message;
    if (v.user) {
      json u = json::object();
      u["name"] = v.user->name;
      if (!v.user->address.empty()) u["address"] = v.user->address;
      jv["user"] = std::move(u);
    }
    jv["state"] = PathMapToJson(v.state);
    versions["v" + std::to_string(num)] = std::move(jv);
  }
  j["versions"] = std::move(versions);
  if (!inv.fixity.empty()) {
    json fx = json::object();
    for (const auto& [alg, m] : inv.fixity) fx[alg] = PathMapToJson(m);
    j["fixity"] = std::move(fx);
  }
  // Invalid UTF-8 would make dump() throw; the store only hands us NFC UTF-8, but a value type
  // must not throw across the module API, so replace bad bytes (U+FFFD) instead.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<Inventory> ParseInventory(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("inventory is not well-formed JSON");
  if (!j.is_object()) return Status::Corruption("inventory is not a JSON object");
  Inventory inv;
  VAULT_RETURN_IF_ERROR(GetString(j, "id", true, &inv.id));
  VAULT_RETURN_IF_ERROR(GetString(j, "type", true, &inv.type));
  VAULT_RETURN_IF_ERROR(GetString(j, "digestAlgorithm", true, &inv.digest_algorithm));
  VAULT_RETURN_IF_ERROR(GetString(j, "head", true, &inv.head));
  VAULT_RETURN_IF_ERROR(GetString(j, "contentDirectory", false, &inv.content_directory));
  auto man = j.find("manifest");
  if (man == j.end()) return Status::Corruption("inventory lacks \"manifest\"");
  VAULT_RETURN_IF_ERROR(PathMapFromJson(*man, "manifest", &inv.manifest));
  auto vers = j.find("versions");
  if (vers == j.end()) return Status::Corruption("inventory lacks \"versions\"");
  if (!vers->is_object()) return Status::Corruption("\"versions\" is not a JSON object");
  for (const auto& [name, jv] : vers->items()) {
    std::optional<int> num = ParseVersionName(name);
    if (!num) return Status::Corruption("bad version name \"" + name + "\"");
    if (!jv.is_object()) return Status::Corruption("version " + name + " is not an object");
    if (inv.versions.count(*num)) return Status::Corruption("duplicate version " + name);
    Version v;
    VAULT_RETURN_IF_ERROR(GetString(jv, "created", true, &v.created));
    VAULT_RETURN_IF_ERROR(GetString(jv, "message", false, &v.message));
    auto user = jv.find("user");
    if (user != jv.end()) {
      if (!user->is_object()) return Status::Corruption("version " + name + " user is not an object");
      User u;
      VAULT_RETURN_IF_ERROR(GetString(*user, "name", true, &u.name));
      VAULT_RETURN_IF_ERROR(GetString(*user, "address", false, &u.address));
      v.user = std::move(u);
    }
    auto state = jv.find("state");
    if (state == jv.end()) return Status::Corruption("version " + name + " lacks \"state\"");
    VAULT_RETURN_IF_ERROR(PathMapFromJson(*state, "state", &v.state));
    inv.versions.emplace(*num, std::move(v));
  }
  auto fx = j.find("fixity");
  if (fx != j.end()) {
    if (!fx->is_object()) return Status::Corruption("\"fixity\" is not a JSON object");
    for (const auto& [alg, m] : fx->items()) {
      VAULT_RETURN_IF_ERROR(PathMapFromJson(m, "fixity", &inv.fixity[alg]));
    }
  }
  return inv;
}

std::string SidecarName(std::string_view algorithm) {
  return "inventory.json." + std::string(algorithm);
}

std::string SidecarContent(std::string_view inventory_digest_hex) {
  return std::string(inventory_digest_hex) + "  inventory.json\n";
}

}  // namespace vault::ocfl
