// OCFL 1.1 inventory model (https://ocfl.io/1.1/spec/#inventory) and its JSON form.
//
// This is a plain value type: no I/O. The object store (vault/store) builds an Inventory for a
// new object or version and serialises it; the validator (formats/ocfl/validator.h) checks
// inventories read from disk far more strictly than ParseInventory does.
// Threading: values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault::ocfl {

inline constexpr std::string_view kInventoryType = "https://ocfl.io/1.1/spec/#inventory";
inline constexpr std::string_view kObjectNamaste = "0=ocfl_object_1.1";
inline constexpr std::string_view kObjectNamasteContent = "ocfl_object_1.1\n";
inline constexpr std::string_view kRootNamaste = "0=ocfl_1.1";
inline constexpr std::string_view kRootNamasteContent = "ocfl_1.1\n";

struct User {
  std::string name;
  std::string address;  // optional; empty = absent
};

struct Version {
  std::string created;  // RFC 3339 with time zone, e.g. "2026-11-23T09:40:00.123+07:00"
  std::string message;  // optional; empty = absent
  std::optional<User> user;
  // digest -> logical paths (NFC, '/'-separated, relative).
  std::map<std::string, std::vector<std::string>> state;
};

struct Inventory {
  std::string id;
  std::string type = std::string(kInventoryType);
  std::string digest_algorithm = "sha256";
  std::string head;               // "v1", "v2", ... (no zero-padding in this vault)
  std::string content_directory;  // empty = absent (the default "content")
  // digest -> content paths relative to the object root ("v1/content/...").
  std::map<std::string, std::vector<std::string>> manifest;
  // version number (1, 2, ...) -> version. Serialised with keys "v1", "v2", ...
  std::map<int, Version> versions;
  // algorithm -> digest -> content paths. Optional.
  std::map<std::string, std::map<std::string, std::vector<std::string>>> fixity;
};

// Deterministic JSON text (sorted keys, two-space indent, trailing newline).
std::string SerializeInventory(const Inventory& inv);
// Parses an inventory's JSON. Checks only what is needed to build the model (types of the
// fields it reads); use the validator for conformance. kCorruption on malformed JSON.
Result<Inventory> ParseInventory(std::string_view json);

// Sidecar file name and content for an inventory digest: "inventory.json.sha256" and
// "<hex>  inventory.json\n".
std::string SidecarName(std::string_view algorithm);
std::string SidecarContent(std::string_view inventory_digest_hex);

// Storage-root extension 0004-hashed-n-tuple-storage-layout with the defaults
// (digestAlgorithm sha256, tupleSize 3, numberOfTuples 3, shortObjectRoot false):
// id -> "abc/def/ghi/<full sha256 hex of id>".
std::string HashedNTuplePath(std::string_view object_id);
// The ocfl_layout.json text written at the storage root for that extension, and the
// extensions/0004-hashed-n-tuple-storage-layout/config.json text.
std::string LayoutJson();
std::string LayoutExtensionConfigJson();

// --- Additions (beyond the original contract) -------------------------------------------------
// "v1", "v02", ... -> the version number (>= 1); nullopt for anything else (or overflow).
std::optional<int> ParseVersionName(std::string_view s);

inline constexpr std::string_view kHashedNTupleExtension = "0004-hashed-n-tuple-storage-layout";

// Parameters of extension 0004, with the extension's defaults.
struct HashedNTupleConfig {
  std::string digest_algorithm = "sha256";
  int tuple_size = 3;
  int number_of_tuples = 3;
  bool short_object_root = false;
};
// Parses an extensions/0004-hashed-n-tuple-storage-layout/config.json text; absent members keep
// their defaults. kInvalidArgument when the JSON is malformed or a value breaks the extension's
// constraints (unknown algorithm, sizes outside 0..32, tuples longer than the digest...).
Result<HashedNTupleConfig> ParseHashedNTupleConfig(std::string_view json);
// The object root path of `object_id` under `config` (relative to the storage root, '/'-joined).
Result<std::string> HashedNTuplePath(std::string_view object_id, const HashedNTupleConfig& config);

}  // namespace vault::ocfl
