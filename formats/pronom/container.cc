#include "formats/pronom/container.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "formats/pronom/droid.h"
#include "vault/base/fs.h"
#include "vault/clib/xml.h"

namespace vault::pronom {

namespace {

using internal::Attr;
using internal::ChildElements;
using internal::ElementName;
using internal::ParseU32;

constexpr size_t kMaxContainerSignatures = 100000;
constexpr size_t kMaxFilesPerSignature = 256;

// Bytes of an entry a signature can look at: bounded only when every sequence is BOF-anchored
// with a single bounded subsequence.
uint64_t BytesNeeded(const InternalSignature& sig) {
  uint64_t need = 0;
  for (const ByteSequence& s : sig.sequences) {
    if (s.reference != Reference::kBof || s.subsequences.size() != 1) return kUnbounded;
    const SubSequence& sub = s.subsequences[0];
    const uint64_t len = sub.pattern().MaxLength();
    if (len == kUnbounded) return kUnbounded;
    need = std::max(need, uint64_t{sub.max_offset()} + len);
  }
  return need;
}

Status ParseFileEntry(const xmlNode* node, std::string_view where, ContainerFileEntry* out) {
  const xmlNode* path = nullptr;
  const xmlNode* binsigs = nullptr;
  for (const xmlNode* c : ChildElements(node)) {
    if (ElementName(c) == "Path") path = c;
    if (ElementName(c) == "BinarySignatures") binsigs = c;
  }
  if (path == nullptr) return Status::InvalidArgument(std::string(where) + ": no Path");
  out->path = xml::NodeText(path);
  // Trim surrounding whitespace; the path itself may contain spaces ("PowerPoint Document").
  while (!out->path.empty() && std::isspace(static_cast<unsigned char>(out->path.back()))) {
    out->path.pop_back();
  }
  size_t lead = 0;
  while (lead < out->path.size() && std::isspace(static_cast<unsigned char>(out->path[lead]))) {
    ++lead;
  }
  out->path.erase(0, lead);
  if (out->path.empty()) return Status::InvalidArgument(std::string(where) + ": empty Path");
  const std::string fwhere = std::string(where) + " (Path " + out->path + ")";
  if (binsigs != nullptr) {
    for (const xmlNode* coll : ChildElements(binsigs)) {
      if (ElementName(coll) != "InternalSignatureCollection") continue;
      for (const xmlNode* s : ChildElements(coll)) {
        if (ElementName(s) != "InternalSignature") continue;
        VAULT_ASSIGN_OR_RETURN(InternalSignature sig,
                               internal::ParseInternalSignatureNode(s, fwhere));
        out->signatures.push_back(std::move(sig));
      }
    }
    if (out->signatures.empty()) {
      return Status::InvalidArgument(fwhere + ": BinarySignatures without InternalSignature");
    }
  }
  out->bytes_needed = 0;
  for (const InternalSignature& sig : out->signatures) {
    out->bytes_needed = std::max(out->bytes_needed, BytesNeeded(sig));
  }
  return Status::Ok();
}

Result<ContainerType> ParseType(std::string_view s, std::string_view where) {
  if (s == "OLE2") return ContainerType::kOle2;
  if (s == "ZIP") return ContainerType::kZip;
  return Status::InvalidArgument(std::string(where) + ": unsupported ContainerType \"" +
                                 std::string(s) + "\"");
}

}  // namespace

std::string_view ContainerTypeName(ContainerType t) {
  return t == ContainerType::kOle2 ? "OLE2" : "ZIP";
}

std::optional<ContainerType> ContainerSignatureFile::TriggerFor(std::string_view puid) const {
  for (const auto& [type, p] : triggers) {
    if (p == puid) return type;
  }
  return std::nullopt;
}

Result<ContainerSignatureFile> ParseContainerSignatureFile(std::string_view xml_text,
                                                           std::string_view name_for_errors) {
  const std::string name(name_for_errors);
  auto parsed = xml::ParseXml(xml_text, name);
  if (!parsed.ok()) return internal::WithOpenElements(parsed.status(), xml_text);
  const xml::XmlDocPtr doc = *std::move(parsed);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || ElementName(root) != "ContainerSignatureMapping") {
    return Status::InvalidArgument(name + ": root element is not ContainerSignatureMapping");
  }
  ContainerSignatureFile out;
  out.version = Attr(root, "signatureVersion");
  const xmlNode* sigs = nullptr;
  const xmlNode* mappings = nullptr;
  const xmlNode* triggers = nullptr;
  for (const xmlNode* c : ChildElements(root)) {
    const std::string_view n = ElementName(c);
    if (n == "ContainerSignatures") sigs = c;
    if (n == "FileFormatMappings") mappings = c;
    if (n == "TriggerPuids") triggers = c;
  }
  if (sigs == nullptr) return Status::InvalidArgument(name + ": no ContainerSignatures");
  if (mappings == nullptr) return Status::InvalidArgument(name + ": no FileFormatMappings");

  std::unordered_map<uint32_t, size_t> by_id;
  for (const xmlNode* c : ChildElements(sigs)) {
    if (ElementName(c) != "ContainerSignature") continue;
    if (out.signatures.size() >= kMaxContainerSignatures) {
      return Status::InvalidArgument(name + ": too many ContainerSignature elements");
    }
    ContainerSignature cs;
    bool has_id = false;
    const std::string id_s = Attr(c, "Id", &has_id);
    if (!has_id) return Status::InvalidArgument(name + ": ContainerSignature without Id");
    VAULT_RETURN_IF_ERROR(ParseU32(id_s, name + ": ContainerSignature", "Id", &cs.id));
    const std::string where = name + ": ContainerSignature Id=" + id_s;
    VAULT_ASSIGN_OR_RETURN(cs.type, ParseType(Attr(c, "ContainerType"), where));
    const xmlNode* files = nullptr;
    for (const xmlNode* k : ChildElements(c)) {
      if (ElementName(k) == "Description") cs.description = xml::NodeText(k);
      if (ElementName(k) == "Files") files = k;
    }
    if (files == nullptr) return Status::InvalidArgument(where + ": no Files");
    size_t n = 0;
    for (const xmlNode* f : ChildElements(files)) {
      if (ElementName(f) != "File") continue;
      if (++n > kMaxFilesPerSignature) {
        return Status::InvalidArgument(where + ": more than " +
                                       std::to_string(kMaxFilesPerSignature) + " File elements");
      }
      ContainerFileEntry entry;
      VAULT_RETURN_IF_ERROR(ParseFileEntry(f, where + ": File " + std::to_string(n), &entry));
      cs.files.push_back(std::move(entry));
    }
    if (cs.files.empty()) return Status::InvalidArgument(where + ": no File");
    if (!by_id.emplace(cs.id, out.signatures.size()).second) {
      return Status::InvalidArgument(where + ": duplicate Id");
    }
    out.signatures.push_back(std::move(cs));
  }

  for (const xmlNode* m : ChildElements(mappings)) {
    if (ElementName(m) != "FileFormatMapping") continue;
    uint32_t sid = 0;
    VAULT_RETURN_IF_ERROR(ParseU32(Attr(m, "signatureId"), name + ": FileFormatMapping",
                                   "signatureId", &sid));
    const std::string puid = Attr(m, "Puid");
    const std::string where = name + ": FileFormatMapping signatureId=" + std::to_string(sid);
    if (puid.empty()) return Status::InvalidArgument(where + ": no Puid");
    auto it = by_id.find(sid);
    if (it == by_id.end()) {
      return Status::InvalidArgument(where + ": no ContainerSignature with that Id");
    }
    out.signatures[it->second].puids.push_back(puid);
  }

  if (triggers != nullptr) {
    for (const xmlNode* t : ChildElements(triggers)) {
      if (ElementName(t) != "TriggerPuid") continue;
      const std::string where = name + ": TriggerPuid";
      VAULT_ASSIGN_OR_RETURN(ContainerType type, ParseType(Attr(t, "ContainerType"), where));
      const std::string puid = Attr(t, "Puid");
      if (puid.empty()) return Status::InvalidArgument(where + ": no Puid");
      out.triggers.emplace_back(type, puid);
    }
  }
  return out;
}

Result<ContainerSignatureFile> LoadContainerSignatureFile(const std::filesystem::path& path) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, uint64_t{64} << 20));
  return ParseContainerSignatureFile(text, path.filename().string());
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Resolves container paths against the view's names: exact match; a path ending in '/' is a
// directory that exists when any entry lies below it; OLE2 names compare case-insensitively
// (compound file directory names are case-insensitive).
class NameResolver {
 public:
  NameResolver(const ContainerView& view, ContainerType type) : view_(view), type_(type) {
    names_.insert(view.Names().begin(), view.Names().end());
  }
  // The view's name for `path`, or nullopt.
  std::optional<std::string> Resolve(const std::string& path) const {
    if (names_.count(path) != 0) return path;
    if (!path.empty() && path.back() == '/') {
      for (const std::string& n : view_.Names()) {
        if (n.size() > path.size() && n.compare(0, path.size(), path) == 0) return n;
      }
      return std::nullopt;
    }
    if (type_ == ContainerType::kOle2) {
      for (const std::string& n : view_.Names()) {
        if (EqualsIgnoreCase(n, path)) return n;
      }
    }
    return std::nullopt;
  }

 private:
  const ContainerView& view_;
  const ContainerType type_;
  std::unordered_set<std::string> names_;
};

}  // namespace

std::vector<const ContainerSignature*> MatchContainer(const ContainerSignatureFile& file,
                                                      ContainerType type,
                                                      const ContainerView& view,
                                                      uint64_t max_entry_bytes) {
  std::vector<const ContainerSignature*> out;
  const NameResolver resolver(view, type);
  // Entry contents read so far (several signatures look at the same entry), with whether the
  // read may have been cut short by the limit.
  struct Content {
    bool ok = false;
    std::string bytes;
    uint64_t asked = 0;
  };
  std::map<std::string, Content> cache;
  auto read = [&](const std::string& name, uint64_t want) -> const Content& {
    Content& c = cache[name];
    if (c.asked >= want && (c.ok || c.asked != 0)) return c;
    auto r = view.Read(name, want);
    c.asked = want;
    c.ok = r.ok();
    c.bytes = r.ok() ? *std::move(r) : std::string();
    return c;
  };

  for (const ContainerSignature& cs : file.signatures) {
    if (cs.type != type) continue;
    bool all = true;
    for (const ContainerFileEntry& entry : cs.files) {
      const std::optional<std::string> name = resolver.Resolve(entry.path);
      if (!name) {
        all = false;
        break;
      }
      if (entry.signatures.empty()) continue;
      if (name->back() == '/') {  // a directory has no bytes
        all = false;
        break;
      }
      const uint64_t want = std::min<uint64_t>(
          max_entry_bytes, entry.bytes_needed == kUnbounded ? max_entry_bytes : entry.bytes_needed);
      const Content& c = read(*name, want);
      if (!c.ok) {
        all = false;
        break;
      }
      const bool maybe_truncated = c.bytes.size() >= want;
      Window w{c.bytes, maybe_truncated ? std::string_view() : std::string_view(c.bytes),
               c.bytes.size()};
      MatchContext ctx(w);
      bool any = false;
      for (const InternalSignature& sig : entry.signatures) {
        if (Matcher::Matches(sig, ctx)) {
          any = true;
          break;
        }
      }
      if (!any) {
        all = false;
        break;
      }
    }
    if (all) out.push_back(&cs);
  }
  return out;
}

}  // namespace vault::pronom
