// DROID binary signature file (DROID_SignatureFile_V*.xml) loader.
//
// The file has two parts: <InternalSignatureCollection> (byte patterns, see signature.h) and
// <FileFormatCollection> (PRONOM formats: PUID, name, version, MIME type, extensions, the
// internal signatures that identify the format, and <HasPriorityOverFileFormatID>: when both
// formats match a file, the one with priority wins and the other is dropped).
//
// Loading is strict about what matching depends on: a malformed pattern, a missing or
// non-numeric ID or offset, an unknown Reference, or a format pointing at an unknown signature
// is an error (kInvalidArgument) naming the element, its ID and the problem, e.g.
// "DROID_SignatureFile_V122.xml: InternalSignature ID=12: ByteSequence 1: SubSequence
// Position=1: Sequence: pattern: set at offset 4: missing ']'". Unknown elements and
// attributes are ignored (forward compatibility). XML parsing uses vault::xml (no network, no
// entities) and refuses files above 64 MiB.
//
// Threading: a loaded SignatureFile is immutable; share it freely across threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/pronom/signature.h"
#include "vault/base/status.h"

namespace vault::pronom {

struct FileFormat {
  uint32_t id = 0;  // FileFormat/@ID (what priorities refer to)
  std::string puid, name, version, mime;
  std::vector<std::string> extensions;   // lower-case, without dot
  std::vector<uint32_t> signature_ids;   // InternalSignature IDs
  std::vector<uint32_t> priority_over;   // FileFormat IDs this format has priority over
};

struct SignatureFile {
  std::string version;        // FFSignatureFile/@Version, e.g. "122"
  std::string date_created;   // FFSignatureFile/@DateCreated
  std::vector<InternalSignature> signatures;
  std::vector<FileFormat> formats;

  // Lookups (indices into the vectors above).
  std::unordered_map<uint32_t, size_t> signature_index;   // signature ID -> signatures[i]
  std::unordered_map<uint32_t, size_t> format_index;      // format ID -> formats[i]
  std::unordered_map<std::string, size_t> puid_index;     // PUID -> formats[i]
  // For each signature (same order as `signatures`), the formats it identifies.
  std::vector<std::vector<size_t>> formats_of_signature;
  // Pre-tests, same order as `signatures` (see QuickCheck).
  std::vector<QuickCheck> quick_checks;
  // Extension (lower-case) -> formats listing it.
  std::unordered_map<std::string, std::vector<size_t>> formats_by_extension;

  const FileFormat* FindPuid(std::string_view puid) const;
};

// Parses a signature file from memory. `name_for_errors` prefixes every error.
Result<SignatureFile> ParseSignatureFile(std::string_view xml, std::string_view name_for_errors);
// Reads (at most 64 MiB) and parses `path`.
Result<SignatureFile> LoadSignatureFile(const std::filesystem::path& path);

}  // namespace vault::pronom

// libxml2's node type, forward-declared to keep libxml2 out of this header.
struct _xmlNode;  // NOLINT(bugprone-reserved-identifier): libxml2's own name

namespace vault::pronom::internal {

// Shared by the two loaders (droid.cc, container.cc).
// Parses one <InternalSignature> element (the container file embeds the same element);
// `where` prefixes errors.
Result<InternalSignature> ParseInternalSignatureNode(const _xmlNode* node, std::string_view where);
// Child elements of `node`, in document order.
std::vector<const _xmlNode*> ChildElements(const _xmlNode* node);
// Local name of an element ("" for null).
std::string_view ElementName(const _xmlNode* node);
// Attribute without namespace; "" when absent (`*present` tells absent from empty).
std::string Attr(const _xmlNode* node, std::string_view name, bool* present = nullptr);
// For an XML syntax error `s` ("...: line N: ...") in `xml`, the same error with the elements
// still open at that line appended, e.g. " (inside InternalSignatureCollection >
// InternalSignature ID=4 > ByteSequence)", so that a truncated file names the element it broke
// in. Other errors are returned unchanged.
Status WithOpenElements(const Status& s, std::string_view xml);
// Strict decimal uint32 (surrounding whitespace allowed); errors name `where` and `what`.
Status ParseU32(std::string_view text, std::string_view where, std::string_view what,
                uint32_t* out);

}  // namespace vault::pronom::internal
