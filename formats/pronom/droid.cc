#include "formats/pronom/droid.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <utility>

#include "vault/base/fs.h"
#include "vault/clib/xml.h"

namespace vault::pronom {

namespace {

using internal::Attr;
using internal::ChildElements;
using internal::ElementName;
using internal::ParseInternalSignatureNode;
using internal::ParseU32;

// One <LeftFragment>/<RightFragment>.
struct Fragment {
  uint32_t position = 0;
  uint32_t min = 0, max = 0;
  Pattern pattern;
};

// Alternatives at one fragment position, each with its own gap to the neighbour nearer the
// anchor: left fragments end `gap` bytes before it, right fragments start `gap` bytes after it.
void AppendFragments(const std::vector<const Fragment*>& alts, bool left, Pattern* out) {
  std::vector<Pattern> options;
  for (const Fragment* f : alts) {
    Pattern o;
    if (left) {
      o.elements = f->pattern.elements;
      if (f->max > 0) o.elements.push_back(Element::Gap(f->min, f->max));
    } else {
      if (f->max > 0) o.elements.push_back(Element::Gap(f->min, f->max));
      o.elements.insert(o.elements.end(), f->pattern.elements.begin(), f->pattern.elements.end());
    }
    options.push_back(std::move(o));
  }
  if (options.size() == 1) {
    for (Element& e : options[0].elements) out->elements.push_back(std::move(e));
  } else {
    out->elements.push_back(Element::Alternatives(std::move(options)));
  }
}

Status ParseSubSequence(const xmlNode* node, std::string_view where, bool* has_max_attr,
                        std::vector<SubSequence>* out) {
  bool has_min = false, has_max = false;
  const std::string min_s = Attr(node, "SubSeqMinOffset", &has_min);
  const std::string max_s = Attr(node, "SubSeqMaxOffset", &has_max);
  uint32_t min = 0, max = 0;
  if (has_min) VAULT_RETURN_IF_ERROR(ParseU32(min_s, where, "SubSeqMinOffset", &min));
  if (has_max) VAULT_RETURN_IF_ERROR(ParseU32(max_s, where, "SubSeqMaxOffset", &max));
  if (min > kMaxGap || max > kMaxGap) {
    return Status::InvalidArgument(std::string(where) + ": offset above " +
                                   std::to_string(kMaxGap));
  }
  *has_max_attr = has_max;
  // DROID: an absent maximum is raised to the minimum (a fixed offset).
  if (max < min) max = min;

  const xmlNode* seq_node = nullptr;
  std::vector<Fragment> frags_left, frags_right;
  for (const xmlNode* c : ChildElements(node)) {
    const std::string_view name = ElementName(c);
    if (name == "Sequence") {
      if (seq_node != nullptr) {
        return Status::InvalidArgument(std::string(where) + ": more than one Sequence");
      }
      seq_node = c;
    } else if (name == "LeftFragment" || name == "RightFragment") {
      const std::string fwhere = std::string(where) + ": " + std::string(name);
      Fragment f;
      VAULT_RETURN_IF_ERROR(ParseU32(Attr(c, "Position"), fwhere, "Position", &f.position));
      VAULT_RETURN_IF_ERROR(ParseU32(Attr(c, "MinOffset"), fwhere, "MinOffset", &f.min));
      VAULT_RETURN_IF_ERROR(ParseU32(Attr(c, "MaxOffset"), fwhere, "MaxOffset", &f.max));
      if (f.position < 1 || f.position > 256) {
        return Status::InvalidArgument(fwhere + ": Position " + std::to_string(f.position) +
                                       " outside 1..256");
      }
      if (f.min > kMaxGap || f.max > kMaxGap) {
        return Status::InvalidArgument(fwhere + ": offset above " + std::to_string(kMaxGap));
      }
      f.max = std::max(f.min, f.max);
      auto p = ParsePattern(xml::NodeText(c));
      if (!p.ok()) return std::move(p).status().WithContext(fwhere);
      f.pattern = *std::move(p);
      (name == "LeftFragment" ? frags_left : frags_right).push_back(std::move(f));
      if (frags_left.size() + frags_right.size() > 4096) {
        return Status::InvalidArgument(std::string(where) + ": more than 4096 fragments");
      }
    }
  }
  if (seq_node == nullptr) return Status::InvalidArgument(std::string(where) + ": no Sequence");
  auto seq = ParsePattern(xml::NodeText(seq_node));
  if (!seq.ok()) return std::move(seq).status().WithContext(std::string(where) + ": Sequence");

  if (frags_left.empty() && frags_right.empty()) {
    auto subs = SplitAtUnboundedGaps(*seq, min, max);
    if (!subs.ok()) return std::move(subs).status().WithContext(std::string(where) + ": Sequence");
    for (SubSequence& s : *subs) out->push_back(std::move(s));
    return Status::Ok();
  }

  // Group fragments by position; positions must be 1..n without holes.
  auto group = [&](const std::vector<Fragment>& frags, std::string_view side,
                   std::vector<std::vector<const Fragment*>>* by_pos) -> Status {
    uint32_t n = 0;
    for (const Fragment& f : frags) n = std::max(n, f.position);
    by_pos->assign(n, {});
    for (const Fragment& f : frags) (*by_pos)[f.position - 1].push_back(&f);
    for (uint32_t i = 0; i < n; ++i) {
      if ((*by_pos)[i].empty()) {
        return Status::InvalidArgument(std::string(where) + ": " + std::string(side) +
                                       " Position " + std::to_string(i + 1) + " missing");
      }
    }
    return Status::Ok();
  };
  std::vector<std::vector<const Fragment*>> left, right;
  VAULT_RETURN_IF_ERROR(group(frags_left, "LeftFragment", &left));
  VAULT_RETURN_IF_ERROR(group(frags_right, "RightFragment", &right));

  Pattern full;
  for (size_t i = left.size(); i-- > 0;) AppendFragments(left[i], /*left=*/true, &full);
  for (const Element& e : seq->elements) full.elements.push_back(e);
  for (const auto& alts : right) AppendFragments(alts, /*left=*/false, &full);
  auto sub = SubSequence::Create(std::move(full), min, max);
  if (!sub.ok()) return std::move(sub).status().WithContext(where);
  out->push_back(*std::move(sub));
  return Status::Ok();
}

Status ParseByteSequence(const xmlNode* node, std::string_view where, ByteSequence* out) {
  bool has_ref = false;
  const std::string ref = Attr(node, "Reference", &has_ref);
  if (!has_ref || ref == "Variable" || ref.empty()) {
    out->reference = Reference::kVariable;
  } else if (ref == "BOFoffset") {
    out->reference = Reference::kBof;
  } else if (ref == "EOFoffset") {
    out->reference = Reference::kEof;
  } else {
    return Status::InvalidArgument(std::string(where) + ": unsupported Reference \"" + ref + "\"");
  }
  // Subsequences in Position order (document order when Position is absent).
  std::vector<std::pair<uint32_t, const xmlNode*>> subs;
  uint32_t next = 1;
  for (const xmlNode* c : ChildElements(node)) {
    if (ElementName(c) != "SubSequence") continue;
    bool has_pos = false;
    const std::string pos_s = Attr(c, "Position", &has_pos);
    uint32_t pos = next;
    if (has_pos) {
      VAULT_RETURN_IF_ERROR(ParseU32(pos_s, std::string(where) + ": SubSequence", "Position", &pos));
    }
    next = pos + 1;
    subs.emplace_back(pos, c);
    if (subs.size() > 1024) {
      return Status::InvalidArgument(std::string(where) + ": more than 1024 SubSequences");
    }
  }
  if (subs.empty()) return Status::InvalidArgument(std::string(where) + ": no SubSequence");
  std::stable_sort(subs.begin(), subs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < subs.size(); ++i) {
    const std::string swhere =
        std::string(where) + ": SubSequence Position=" + std::to_string(subs[i].first);
    bool has_max = false;
    const size_t before = out->subsequences.size();
    VAULT_RETURN_IF_ERROR(ParseSubSequence(subs[i].second, swhere, &has_max, &out->subsequences));
    (void)before;
  }
  return Status::Ok();
}

}  // namespace

namespace internal {

Status WithOpenElements(const Status& s, std::string_view xml) {
  const std::string msg(s.message());
  const size_t at = msg.find(": line ");
  if (s.code() != Code::kInvalidArgument || at == std::string::npos) return s;
  size_t line = 0;
  const char* p = msg.c_str() + at + 7;
  auto [end, ec] = std::from_chars(p, msg.c_str() + msg.size(), line);
  if (ec != std::errc() || end == p || line == 0) return s;
  // Offset just past line `line`.
  size_t limit = 0;
  for (size_t n = 0; n < line && limit < xml.size(); ++n) {
    const size_t nl = xml.find('\n', limit);
    limit = nl == std::string_view::npos ? xml.size() : nl + 1;
  }
  // A small tag scanner over that prefix: a stack of open elements (bounded depth).
  std::vector<std::string> stack;
  size_t i = 0;
  while (i < limit) {
    const size_t lt = xml.find('<', i);
    if (lt == std::string_view::npos || lt >= limit) break;
    const std::string_view rest = xml.substr(lt, limit - lt);
    auto skip_to = [&](std::string_view close) {
      const size_t e = xml.find(close, lt);
      return e == std::string_view::npos ? limit : e + close.size();
    };
    if (rest.substr(0, 4) == "<!--") {
      i = skip_to("-->");
      continue;
    }
    if (rest.substr(0, 2) == "<?") {
      i = skip_to("?>");
      continue;
    }
    if (rest.substr(0, 2) == "<!") {
      i = skip_to(">");
      continue;
    }
    const size_t gt = xml.find('>', lt);
    const bool closed = gt != std::string_view::npos && gt < limit;
    const std::string_view tag = xml.substr(lt, (closed ? gt + 1 : limit) - lt);
    if (tag.substr(0, 2) == "</") {
      if (!stack.empty()) stack.pop_back();
    } else {
      size_t n = 1;
      while (n < tag.size() && !std::isspace(static_cast<unsigned char>(tag[n])) &&
             tag[n] != '/' && tag[n] != '>') {
        ++n;
      }
      std::string label(tag.substr(1, n - 1));
      for (const char* attr : {" ID=\"", " Id=\""}) {
        const size_t a = tag.find(attr);
        if (a != std::string_view::npos) {
          const size_t v = a + 5;
          const size_t q = tag.find('"', v);
          if (q != std::string_view::npos && q - v <= 20) {
            label += std::string(attr).substr(0, 4) + std::string(tag.substr(v, q - v));
          }
          break;
        }
      }
      const bool self_closing = closed && tag.size() >= 2 && tag[tag.size() - 2] == '/';
      if (!self_closing && !label.empty() && stack.size() < 256) stack.push_back(std::move(label));
    }
    i = closed ? gt + 1 : limit;
  }
  if (stack.empty()) return s;
  // The root, then the innermost elements; keep every element that carries an ID.
  std::string path;
  for (size_t k = 0; k < stack.size(); ++k) {
    const bool keep = k == 0 || k + 3 >= stack.size() || stack[k].find(" I") != std::string::npos;
    if (keep) path += (path.empty() ? "" : " > ") + stack[k];
  }
  return Status(s.code(), msg + " (inside " + path + ")");
}

std::vector<const xmlNode*> ChildElements(const xmlNode* node) {
  std::vector<const xmlNode*> out;
  if (node == nullptr) return out;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

std::string_view ElementName(const xmlNode* node) {
  if (node == nullptr || node->name == nullptr) return "";
  return reinterpret_cast<const char*>(node->name);
}

std::string Attr(const xmlNode* node, std::string_view name, bool* present) {
  return xml::AttrValue(node, "", name, present);
}

Status ParseU32(std::string_view text, std::string_view where, std::string_view what,
                uint32_t* out) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(where) + ": " + std::string(what) + " \"" +
                                   std::string(text.substr(0, 40)) + "\" is not a number");
  }
  *out = v;
  return Status::Ok();
}

Result<InternalSignature> ParseInternalSignatureNode(const xmlNode* node, std::string_view where) {
  InternalSignature sig;
  bool has_id = false;
  const std::string id_s = Attr(node, "ID", &has_id);
  if (!has_id) return Status::InvalidArgument(std::string(where) + ": InternalSignature without ID");
  VAULT_RETURN_IF_ERROR(ParseU32(id_s, std::string(where) + ": InternalSignature", "ID", &sig.id));
  const std::string swhere = std::string(where) + ": InternalSignature ID=" + id_s;
  size_t n = 0;
  for (const xmlNode* c : ChildElements(node)) {
    if (ElementName(c) != "ByteSequence") continue;
    ByteSequence bs;
    VAULT_RETURN_IF_ERROR(
        ParseByteSequence(c, swhere + ": ByteSequence " + std::to_string(++n), &bs));
    sig.sequences.push_back(std::move(bs));
  }
  if (sig.sequences.empty()) return Status::InvalidArgument(swhere + ": no ByteSequence");
  sig.Sort();
  return sig;
}

}  // namespace internal

const FileFormat* SignatureFile::FindPuid(std::string_view puid) const {
  auto it = puid_index.find(std::string(puid));
  return it == puid_index.end() ? nullptr : &formats[it->second];
}

Result<SignatureFile> ParseSignatureFile(std::string_view xml_text,
                                         std::string_view name_for_errors) {
  const std::string name(name_for_errors);
  auto parsed = xml::ParseXml(xml_text, name);
  if (!parsed.ok()) return internal::WithOpenElements(parsed.status(), xml_text);
  const xml::XmlDocPtr doc = *std::move(parsed);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || ElementName(root) != "FFSignatureFile") {
    return Status::InvalidArgument(name + ": root element is not FFSignatureFile");
  }
  SignatureFile out;
  out.version = Attr(root, "Version");
  out.date_created = Attr(root, "DateCreated");
  const xmlNode* sigs = nullptr;
  const xmlNode* fmts = nullptr;
  for (const xmlNode* c : ChildElements(root)) {
    if (ElementName(c) == "InternalSignatureCollection") sigs = c;
    if (ElementName(c) == "FileFormatCollection") fmts = c;
  }
  if (sigs == nullptr) return Status::InvalidArgument(name + ": no InternalSignatureCollection");
  if (fmts == nullptr) return Status::InvalidArgument(name + ": no FileFormatCollection");

  for (const xmlNode* c : ChildElements(sigs)) {
    if (ElementName(c) != "InternalSignature") continue;
    VAULT_ASSIGN_OR_RETURN(InternalSignature sig, ParseInternalSignatureNode(c, name));
    if (!out.signature_index.emplace(sig.id, out.signatures.size()).second) {
      return Status::InvalidArgument(name + ": InternalSignature ID=" + std::to_string(sig.id) +
                                     ": duplicate ID");
    }
    out.signatures.push_back(std::move(sig));
  }

  for (const xmlNode* c : ChildElements(fmts)) {
    if (ElementName(c) != "FileFormat") continue;
    FileFormat f;
    bool has_id = false;
    const std::string id_s = Attr(c, "ID", &has_id);
    if (!has_id) return Status::InvalidArgument(name + ": FileFormat without ID");
    VAULT_RETURN_IF_ERROR(ParseU32(id_s, name + ": FileFormat", "ID", &f.id));
    const std::string where = name + ": FileFormat ID=" + id_s;
    f.puid = Attr(c, "PUID");
    if (f.puid.empty()) return Status::InvalidArgument(where + ": no PUID");
    f.name = Attr(c, "Name");
    f.version = Attr(c, "Version");
    f.mime = Attr(c, "MIMEType");
    for (const xmlNode* k : ChildElements(c)) {
      const std::string_view kn = ElementName(k);
      if (kn == "InternalSignatureID" || kn == "HasPriorityOverFileFormatID") {
        uint32_t v = 0;
        VAULT_RETURN_IF_ERROR(ParseU32(xml::NodeText(k), where, kn, &v));
        (kn == "InternalSignatureID" ? f.signature_ids : f.priority_over).push_back(v);
      } else if (kn == "Extension") {
        std::string ext = xml::NodeText(k);
        std::transform(ext.begin(), ext.end(), ext.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (!ext.empty()) f.extensions.push_back(std::move(ext));
      }
    }
    if (!out.format_index.emplace(f.id, out.formats.size()).second) {
      return Status::InvalidArgument(where + ": duplicate ID");
    }
    out.puid_index.emplace(f.puid, out.formats.size());
    out.formats.push_back(std::move(f));
  }

  out.quick_checks.reserve(out.signatures.size());
  for (const InternalSignature& sig : out.signatures) out.quick_checks.push_back(MakeQuickCheck(sig));
  out.formats_of_signature.assign(out.signatures.size(), {});
  for (size_t i = 0; i < out.formats.size(); ++i) {
    const FileFormat& f = out.formats[i];
    for (uint32_t sid : f.signature_ids) {
      auto it = out.signature_index.find(sid);
      if (it == out.signature_index.end()) {
        return Status::InvalidArgument(name + ": FileFormat ID=" + std::to_string(f.id) +
                                       ": InternalSignatureID " + std::to_string(sid) +
                                       " not defined");
      }
      out.formats_of_signature[it->second].push_back(i);
    }
    for (const std::string& ext : f.extensions) out.formats_by_extension[ext].push_back(i);
    // Priorities naming unknown formats are harmless (nothing to remove); keep them.
  }
  return out;
}

Result<SignatureFile> LoadSignatureFile(const std::filesystem::path& path) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, uint64_t{64} << 20));
  return ParseSignatureFile(text, path.filename().string());
}

}  // namespace vault::pronom
