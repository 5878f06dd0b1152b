// A Finding is one thing a verifier found wrong with a stored copy. Findings are data, not
// errors: a verifier returns all of them and a Status only when it could not run.
#pragma once

#include <string>
#include <string_view>

namespace vault {

enum class FindingKind {
  kMissingFile,        // a file the inventory lists is absent
  kSizeMismatch,       // present, wrong size
  kDigestMismatch,     // present, right size, wrong digest
  kUnexpectedFile,     // present, not listed by the inventory
  kInventoryMismatch,  // inventory vs sidecar, or root vs head-version inventory disagree
  kMissingObject,      // the whole object directory is absent
};

inline std::string_view FindingKindName(FindingKind k) {
  switch (k) {
    case FindingKind::kMissingFile: return "missing_file";
    case FindingKind::kSizeMismatch: return "size_mismatch";
    case FindingKind::kDigestMismatch: return "digest_mismatch";
    case FindingKind::kUnexpectedFile: return "unexpected_file";
    case FindingKind::kInventoryMismatch: return "inventory_mismatch";
    case FindingKind::kMissingObject: return "missing_object";
  }
  return "unknown";
}

struct Finding {
  FindingKind kind;
  std::string object_id;
  std::string tier;
  std::string path;      // content path inside the object ("v1/content/...") or object path
  std::string expected;  // digest or size, as text; empty when not applicable
  std::string actual;
};

}  // namespace vault
