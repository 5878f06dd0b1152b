// Value types for checking stored content: what to hash and what was found. The store builds
// the requests from an inventory; a hashing engine (vault/fixity/hash_pool) answers them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vault/base/status.h"

namespace vault {

namespace tiers {
class Tier;
}

struct HashRequest {
  std::string key;            // tier key of the file
  std::string algorithm;      // "sha256" | "sha512" | ... (OCFL digest algorithm names)
  uint64_t expected_size = 0; // informational (the caller checked the size already)
};

struct HashOutcome {
  Status status;       // kNotFound if the key vanished; other errors if it could not be read
  std::string digest;  // lower-case hex, when status is OK
  uint64_t bytes = 0;  // bytes actually read
};

// Hashes every request (in any order, possibly in parallel) and returns one outcome per
// request, in request order. Blocking. Must be safe to call from several threads at once.
using ContentHasher =
    std::function<std::vector<HashOutcome>(const tiers::Tier&, const std::vector<HashRequest>&)>;

}  // namespace vault
