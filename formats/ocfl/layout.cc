// Storage-root extension 0004-hashed-n-tuple-storage-layout
// (https://ocfl.github.io/extensions/0004-hashed-n-tuple-storage-layout.html).
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "formats/ocfl/inventory.h"
#include "vault/clib/crypto.h"

namespace vault::ocfl {
namespace {

using nlohmann::json;

constexpr std::string_view kLayoutDescription =
    "OCFL object identifiers are hashed and encoded as lowercase hex strings. These digests are "
    "then divided into N n-tuple segments, which are used to create nested paths under the OCFL "
    "storage root.";

std::string TuplePath(const std::string& hex, int tuple_size, int number_of_tuples,
                      bool short_root) {
  std::string out;
  size_t used = 0;
  for (int i = 0; i < number_of_tuples; ++i) {
    out.append(hex, used, static_cast<size_t>(tuple_size));
    out.push_back('/');
    used += static_cast<size_t>(tuple_size);
  }
  out.append(short_root ? hex.substr(used) : hex);
  return out;
}

}  // namespace

std::string HashedNTuplePath(std::string_view object_id) {
  return TuplePath(Sha256Hex(object_id), 3, 3, false);
}

Result<HashedNTupleConfig> ParseHashedNTupleConfig(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("0004 config.json is not a JSON object");
  }
  HashedNTupleConfig c;
  if (auto it = j.find("extensionName"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>() != kHashedNTupleExtension) {
      return Status::InvalidArgument("0004 config.json: extensionName is not " +
                                     std::string(kHashedNTupleExtension));
    }
  }
  if (auto it = j.find("digestAlgorithm"); it != j.end()) {
    if (!it->is_string()) return Status::InvalidArgument("0004 config: digestAlgorithm not a string");
    c.digest_algorithm = it->get<std::string>();
  }
  for (auto [key, dst] : {std::pair{"tupleSize", &c.tuple_size},
                          std::pair{"numberOfTuples", &c.number_of_tuples}}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 32) {
      return Status::InvalidArgument(std::string("0004 config: ") + key +
                                     " is not an integer in 0..32");
    }
    *dst = static_cast<int>(it->get<int64_t>());
  }
  if (auto it = j.find("shortObjectRoot"); it != j.end()) {
    if (!it->is_boolean()) return Status::InvalidArgument("0004 config: shortObjectRoot not a boolean");
    c.short_object_root = it->get<bool>();
  }
  std::optional<DigestAlgorithm> alg = ParseDigestName(c.digest_algorithm);
  if (!alg) return Status::InvalidArgument("0004 config: unsupported digestAlgorithm " + c.digest_algorithm);
  const size_t hex_len = DigestHexLength(*alg);
  const size_t product = static_cast<size_t>(c.tuple_size) * static_cast<size_t>(c.number_of_tuples);
  if ((c.tuple_size == 0) != (c.number_of_tuples == 0)) {
    return Status::InvalidArgument("0004 config: tupleSize and numberOfTuples must both be 0");
  }
  if (product > hex_len) return Status::InvalidArgument("0004 config: tuples exceed the digest");
  if (product == hex_len && c.short_object_root) {
    return Status::InvalidArgument("0004 config: shortObjectRoot with no digest left over");
  }
  return c;
}

Result<std::string> HashedNTuplePath(std::string_view object_id, const HashedNTupleConfig& c) {
  std::optional<DigestAlgorithm> alg = ParseDigestName(c.digest_algorithm);
  if (!alg) return Status::InvalidArgument("unsupported digest algorithm " + c.digest_algorithm);
  VAULT_ASSIGN_OR_RETURN(MultiHasher h, MultiHasher::Create({*alg}));
  h.Update(object_id);
  std::string hex = h.Finish().at(0);
  if (c.tuple_size < 0 || c.number_of_tuples < 0 ||
      static_cast<size_t>(c.tuple_size) * static_cast<size_t>(c.number_of_tuples) > hex.size()) {
    return Status::InvalidArgument("tuples exceed the digest length");
  }
  return TuplePath(hex, c.tuple_size, c.number_of_tuples, c.short_object_root);
}

std::string LayoutJson() {
  json j = json::object();
  j["extension"] = kHashedNTupleExtension;
  j["description"] = kLayoutDescription;
  return j.dump(2) + "\n";
}

std::string LayoutExtensionConfigJson() {
  json j = json::object();
  j["extensionName"] = kHashedNTupleExtension;
  j["digestAlgorithm"] = "sha256";
  j["tupleSize"] = 3;
  j["numberOfTuples"] = 3;
  j["shortObjectRoot"] = false;
  return j.dump(2) + "\n";
}

}  // namespace vault::ocfl
