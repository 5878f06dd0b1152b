// Lower-case hexadecimal encoding of byte strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vault {

std::string HexEncode(const void* data, size_t n);
inline std::string HexEncode(std::string_view bytes) { return HexEncode(bytes.data(), bytes.size()); }
// Accepts upper or lower case; returns nullopt on odd length or a non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);
// True when `s` is non-empty and only [0-9a-f] (lower case).
bool IsLowerHex(std::string_view s);

}  // namespace vault
