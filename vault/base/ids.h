// Identifiers: random UUIDs (v4) from getrandom(2).
#pragma once

#include <string>

namespace vault {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case.
std::string NewUuid();
// A short random token of `bytes` random bytes, hex-encoded (for API tokens, job ids).
std::string RandomHex(size_t bytes);

}  // namespace vault
