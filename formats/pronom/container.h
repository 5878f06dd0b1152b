// DROID container signature file (container-signature-YYYYMMDD.xml): loader and matcher.
//
// A container signature says: "a file of ContainerType OLE2 (compound file) or ZIP is format X
// when all of these named streams/entries exist, and each one that carries binary signatures
// starts with bytes matching at least one of them". <FileFormatMappings> map signature IDs to
// PUIDs; <TriggerPuids> say which binary identifications (fmt/111 OLE2, fmt/189 and x-fmt/263
// ZIP) make the container worth opening.
//
// Matching reads each named entry through a ContainerView, at most `max_entry_bytes` of it (and
// no more than the entry's signatures can look at when all of them are anchored to the entry's
// start with bounded offsets). An entry read up to the limit is treated as possibly truncated:
// its EOF-anchored signatures do not match.
//
// Errors while loading are kInvalidArgument naming the element ("container-...xml:
// ContainerSignature Id=1030: File 1 (Path [Content_Types].xml): InternalSignature ID=302:
// ..."). Threading: a loaded ContainerSignatureFile is immutable; MatchContainer is
// thread-safe for distinct views.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/pronom/signature.h"
#include "vault/base/status.h"

namespace vault::pronom {

enum class ContainerType : uint8_t { kOle2, kZip };
std::string_view ContainerTypeName(ContainerType t);  // "OLE2" "ZIP"

struct ContainerFileEntry {
  std::string path;                           // stream path / entry name ('/'-separated)
  std::vector<InternalSignature> signatures;  // empty: existence is enough
  uint64_t bytes_needed = 0;                  // 0 = existence only; kUnbounded = all
};

struct ContainerSignature {
  uint32_t id = 0;
  ContainerType type = ContainerType::kZip;
  std::string description;
  std::vector<ContainerFileEntry> files;
  std::vector<std::string> puids;  // from FileFormatMappings (usually one)
};

struct ContainerSignatureFile {
  std::string version;  // @signatureVersion
  std::vector<ContainerSignature> signatures;
  std::vector<std::pair<ContainerType, std::string>> triggers;  // (type, PUID)

  // The container type a binary identification of `puid` triggers, if any.
  std::optional<ContainerType> TriggerFor(std::string_view puid) const;
};

Result<ContainerSignatureFile> ParseContainerSignatureFile(std::string_view xml,
                                                           std::string_view name_for_errors);
// Reads (at most 64 MiB) and parses `path`.
Result<ContainerSignatureFile> LoadContainerSignatureFile(const std::filesystem::path& path);

// An opened container as matching sees it (implemented over Ole2Reader / ZipReader, or by
// tests over in-memory data).
class ContainerView {
 public:
  virtual ~ContainerView() = default;
  // Every stream path / entry name.
  virtual const std::vector<std::string>& Names() const = 0;
  // The first `max_bytes` bytes of `name` (fewer if the entry is shorter).
  virtual Result<std::string> Read(std::string_view name, uint64_t max_bytes) const = 0;
};

// Container signatures of `type` that match `view`, in file order. Read errors of an entry make
// the signatures needing it fail to match (never an error of the whole call).
std::vector<const ContainerSignature*> MatchContainer(const ContainerSignatureFile& file,
                                                      ContainerType type,
                                                      const ContainerView& view,
                                                      uint64_t max_entry_bytes);

}  // namespace vault::pronom
