// UTF-8 validation and Unicode normalisation (NFC/NFD) through utf8proc.
// Every name the vault stores or compares is NFC; original bytes are kept separately.
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vault {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// NFC / NFD of `s`; nullopt when `s` is not valid UTF-8.
std::optional<std::string> ToNfc(std::string_view s);
std::optional<std::string> ToNfd(std::string_view s);
// True when `s` is valid UTF-8 and already NFC.
bool IsNfc(std::string_view s);
// `s` as valid UTF-8 for reports and JSON: every byte that is not part of a well-formed UTF-8
// sequence is written as the four characters "\xHH", so nothing is lost to the reader.
std::string EscapeInvalidUtf8(std::string_view s);

}  // namespace vault
