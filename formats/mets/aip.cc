#include "formats/mets/aip.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <set>

#include "vault/clib/xml.h"

namespace vault::mets {
namespace {

constexpr std::string_view kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
// formatNote of the "not identified" placeholder format (formatName "unknown").
constexpr std::string_view kNotIdentifiedNote = "format not identified";

// ---------------------------------------------------------------------------------------------
// UTF-8 / XML character handling

// Decodes the code point at s[i]. Returns its length (1–4) and sets *cp, or returns 0 when the
// bytes at i are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF, truncated).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const size_t left = s.size() - i;
  const unsigned char c = b(0);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (left < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

bool XmlAllowed(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// True when `s` can be written to XML byte-exactly (valid UTF-8, only XML 1.0 characters).
bool IsXmlRepresentable(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0 || !XmlAllowed(cp)) return false;
    i += n;
  }
  return true;
}

// Appends `s` escaped for element text (attr=false) or a double-quoted attribute (attr=true).
// Unrepresentable bytes/characters become U+FFFD (see the header).
void AppendEscaped(std::string& out, std::string_view s, bool attr) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) {
      out += kReplacement;
      i += 1;
      continue;
    }
    if (!XmlAllowed(cp)) {
      out += kReplacement;
    } else if (cp == '&') {
      out += "&amp;";
    } else if (cp == '<') {
      out += "&lt;";
    } else if (cp == '>') {
      out += "&gt;";
    } else if (cp == '"' && attr) {
      out += "&quot;";
    } else if (cp == '\r') {
      out += "&#13;";  // would be normalised to LF by any parser
    } else if (cp == '\n' && attr) {
      out += "&#10;";  // attribute-value normalisation would turn it into a space
    } else if (cp == '\t' && attr) {
      out += "&#9;";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A tiny indenting XML writer. Element and attribute names are trusted literals; values are
// escaped.

using Attrs = std::vector<std::pair<std::string_view, std::string_view>>;

class XmlOut {
 public:
  XmlOut() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

  void Open(std::string_view tag, const Attrs& attrs = {}) {
    StartTag(tag, attrs);
    out_ += ">\n";
    ++depth_;
  }
  void Close(std::string_view tag) {
    --depth_;
    Indent();
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }
  void Empty(std::string_view tag, const Attrs& attrs = {}) {
    StartTag(tag, attrs);
    out_ += "/>\n";
  }
  void Leaf(std::string_view tag, std::string_view text, const Attrs& attrs = {}) {
    StartTag(tag, attrs);
    out_ += '>';
    AppendEscaped(out_, text, /*attr=*/false);
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }
  std::string Take() && { return std::move(out_); }

 private:
  void Indent() { out_.append(static_cast<size_t>(depth_) * 2, ' '); }
  void StartTag(std::string_view tag, const Attrs& attrs) {
    Indent();
    out_ += '<';
    out_ += tag;
    for (const auto& [name, value] : attrs) {
      out_ += ' ';
      out_ += name;
      out_ += "=\"";
      AppendEscaped(out_, value, /*attr=*/true);
      out_ += '"';
    }
  }

  std::string out_;
  int depth_ = 0;
};

// ---------------------------------------------------------------------------------------------
// PREMIS writing

std::string_view IeIdentifierType(std::string_view object_id) {
  return object_id.rfind("urn:", 0) == 0 ? "URN" : "local";
}

void WriteIdentifier(XmlOut& w, std::string_view element, std::string_view prefix,
                     std::string_view type, std::string_view value) {
  const std::string el(element);
  const std::string p(prefix);
  w.Open(el);
  w.Leaf(p + "Type", type);
  w.Leaf(p + "Value", value);
  w.Close(el);
}

void WriteFileObject(XmlOut& w, const Aip& aip, const PremisFile& f) {
  w.Open("premis:object", {{"xsi:type", "premis:file"}});
  WriteIdentifier(w, "premis:objectIdentifier", "premis:objectIdentifier", "local", f.path);
  const bool representable = IsXmlRepresentable(f.original_name);
  if (!representable) {
    w.Open("premis:significantProperties");
    w.Leaf("premis:significantPropertiesType", kOriginalNameBytesProperty);
    w.Leaf("premis:significantPropertiesValue", PercentEncode(f.original_name, true));
    w.Close("premis:significantProperties");
  }
  w.Open("premis:objectCharacteristics");
  w.Leaf("premis:compositionLevel", "0");
  w.Open("premis:fixity");
  w.Leaf("premis:messageDigestAlgorithm", "SHA-256");
  w.Leaf("premis:messageDigest", f.sha256);
  w.Close("premis:fixity");
  w.Leaf("premis:size", std::to_string(f.size));
  w.Open("premis:format");
  if (!f.format_name.empty()) {
    w.Open("premis:formatDesignation");
    w.Leaf("premis:formatName", f.format_name);
    if (!f.format_version.empty()) w.Leaf("premis:formatVersion", f.format_version);
    w.Close("premis:formatDesignation");
  }
  if (!f.format_puid.empty()) {
    w.Open("premis:formatRegistry");
    w.Leaf("premis:formatRegistryName", "PRONOM");
    w.Leaf("premis:formatRegistryKey", f.format_puid);
    w.Leaf("premis:formatRegistryRole", "specification");
    w.Close("premis:formatRegistry");
  }
  if (f.format_name.empty() && f.format_puid.empty()) {
    w.Open("premis:formatDesignation");
    w.Leaf("premis:formatName", "unknown");
    w.Close("premis:formatDesignation");
    w.Leaf("premis:formatNote", kNotIdentifiedNote);
  }
  if (!f.format_note.empty()) w.Leaf("premis:formatNote", f.format_note);
  w.Close("premis:format");
  w.Close("premis:objectCharacteristics");
  w.Leaf("premis:originalName", f.original_name);  // lossy only if !representable
  w.Open("premis:relationship");
  w.Leaf("premis:relationshipType", "structural");
  w.Leaf("premis:relationshipSubType", "is included in");
  WriteIdentifier(w, "premis:relatedObjectIdentifier", "premis:relatedObjectIdentifier",
                  IeIdentifierType(aip.object_id), aip.object_id);
  w.Close("premis:relationship");
  if (!f.derived_from.empty()) {
    w.Open("premis:relationship");
    w.Leaf("premis:relationshipType", kRelationshipDerivation);
    w.Leaf("premis:relationshipSubType", kRelationshipHasSource);
    WriteIdentifier(w, "premis:relatedObjectIdentifier", "premis:relatedObjectIdentifier", "local",
                    f.derived_from);
    w.Close("premis:relationship");
  }
  w.Close("premis:object");
}

void WriteEvent(XmlOut& w, const Aip& aip, const PremisEvent& e) {
  w.Open("premis:event");
  WriteIdentifier(w, "premis:eventIdentifier", "premis:eventIdentifier", "local", e.id);
  w.Leaf("premis:eventType", e.type);
  w.Leaf("premis:eventDateTime", e.time);
  if (!e.detail.empty()) {
    w.Open("premis:eventDetailInformation");
    w.Leaf("premis:eventDetail", e.detail);
    w.Close("premis:eventDetailInformation");
  }
  if (!e.outcome.empty() || !e.outcome_detail.empty()) {
    w.Open("premis:eventOutcomeInformation");
    if (!e.outcome.empty()) w.Leaf("premis:eventOutcome", e.outcome);
    if (!e.outcome_detail.empty()) {
      w.Open("premis:eventOutcomeDetail");
      w.Leaf("premis:eventOutcomeDetailNote", e.outcome_detail);
      w.Close("premis:eventOutcomeDetail");
    }
    w.Close("premis:eventOutcomeInformation");
  }
  for (const std::string& agent : e.agent_ids) {
    WriteIdentifier(w, "premis:linkingAgentIdentifier", "premis:linkingAgentIdentifier", "local",
                    agent);
  }
  if (e.object_paths.empty() && e.outcome_paths.empty()) {
    WriteIdentifier(w, "premis:linkingObjectIdentifier", "premis:linkingObjectIdentifier",
                    IeIdentifierType(aip.object_id), aip.object_id);
  }
  // Roles only when the event has outcomes (keeps pre-issue-5 output byte-identical).
  const bool with_roles = !e.outcome_paths.empty();
  const auto link = [&](const std::string& path, std::string_view role) {
    w.Open("premis:linkingObjectIdentifier");
    w.Leaf("premis:linkingObjectIdentifierType", "local");
    w.Leaf("premis:linkingObjectIdentifierValue", path);
    if (with_roles) w.Leaf("premis:linkingObjectRole", role);
    w.Close("premis:linkingObjectIdentifier");
  };
  for (const std::string& path : e.object_paths) link(path, kRoleSource);
  for (const std::string& path : e.outcome_paths) link(path, kRoleOutcome);
  w.Close("premis:event");
}

void WriteAgent(XmlOut& w, const PremisAgent& a) {
  w.Open("premis:agent");
  WriteIdentifier(w, "premis:agentIdentifier", "premis:agentIdentifier", "local", a.id);
  if (!a.name.empty()) w.Leaf("premis:agentName", a.name);
  if (!a.type.empty()) w.Leaf("premis:agentType", a.type);
  if (!a.note.empty()) w.Leaf("premis:agentNote", a.note);
  w.Close("premis:agent");
}

// ---------------------------------------------------------------------------------------------
// METS writing

struct FileGroup {
  std::string use;
  std::string id;
  std::vector<const PremisFile*> files;
};

std::string GroupUse(std::string_view path) {
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return "root";
  std::string_view top = path.substr(0, slash);
  if (top == "representations") {
    std::string_view rest = path.substr(slash + 1);
    const size_t s2 = rest.find('/');
    if (s2 == std::string_view::npos) return "Representations";
    return "Representations/" + std::string(rest.substr(0, s2));
  }
  if (top == "documentation") return "Documentation";
  if (top == "schemas") return "Schemas";
  return std::string(top);
}

// ---------------------------------------------------------------------------------------------
// PREMIS reading

using xml::FirstChild;
using xml::IsElement;
using xml::NodeText;

bool IsPremis(const xmlNode* n, std::string_view name) { return IsElement(n, kPremisNs, name); }

std::string ChildText(const xmlNode* n, std::string_view name) {
  return NodeText(FirstChild(n, kPremisNs, name));
}

// Local part of the object's xsi:type, provided its prefix maps to the PREMIS namespace.
std::string ObjectKind(const xmlNode* n) {
  bool present = false;
  std::string type = xml::AttrValue(n, kXsiNs, "type", &present);
  if (!present) return "";
  std::string prefix;
  std::string local = type;
  if (const size_t colon = type.find(':'); colon != std::string::npos) {
    prefix = type.substr(0, colon);
    local = type.substr(colon + 1);
  }
  const xmlNs* ns = xmlSearchNs(n->doc, const_cast<xmlNode*>(n),
                                prefix.empty() ? nullptr
                                               : reinterpret_cast<const xmlChar*>(prefix.c_str()));
  if (ns == nullptr || ns->href == nullptr ||
      std::string_view(reinterpret_cast<const char*>(ns->href)) != kPremisNs) {
    return "";
  }
  return local;
}

std::string_view TrimXmlSpace(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  s = TrimXmlSpace(s);
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

std::string NormaliseAlgorithm(std::string_view s) {
  std::string out;
  for (char c : TrimXmlSpace(s)) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return out;
}

bool IsHex64(std::string& s) {
  if (s.size() != 64) return false;
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status Bad(std::string_view msg) {
  return Status::InvalidArgument("premis.xml: " + std::string(msg));
}

// Reads one premis:format into f's format fields (puid, name, version, note), replacing them.
void ReadFormat(const xmlNode* fmt, PremisFile* f) {
  f->format_puid.clear();
  f->format_name.clear();
  f->format_version.clear();
  f->format_note.clear();
  const xmlNode* reg = FirstChild(fmt, kPremisNs, "formatRegistry");
  if (reg != nullptr && TrimXmlSpace(ChildText(reg, "formatRegistryName")) == "PRONOM") {
    f->format_puid = std::string(TrimXmlSpace(ChildText(reg, "formatRegistryKey")));
  }
  const xmlNode* des = FirstChild(fmt, kPremisNs, "formatDesignation");
  if (des != nullptr) {
    f->format_name = ChildText(des, "formatName");
    f->format_version = ChildText(des, "formatVersion");
  }
  // The writer's "not identified" placeholder: formatName "unknown" without a registry entry,
  // then the placeholder note, then (optionally) the caller's note.
  const bool placeholder = f->format_name == "unknown" && reg == nullptr;
  if (placeholder) {
    f->format_name.clear();
    f->format_version.clear();
  }
  bool skipped_placeholder_note = !placeholder;
  for (const xmlNode* n = fmt->children; n != nullptr; n = n->next) {
    if (!IsPremis(n, "formatNote")) continue;
    std::string note = NodeText(n);
    if (!skipped_placeholder_note) {
      skipped_placeholder_note = true;
      if (note == kNotIdentifiedNote) continue;
    }
    f->format_note = std::move(note);  // the first caller note
    break;
  }
}

// The derivation source of a file: the first relationship derivation / "has source" with a
// local relatedObjectIdentifier. Other relationships (structural, unknown types) are ignored.
std::string ReadDerivedFrom(const xmlNode* obj) {
  for (const xmlNode* c = obj->children; c != nullptr; c = c->next) {
    if (!IsPremis(c, "relationship")) continue;
    if (TrimXmlSpace(ChildText(c, "relationshipType")) != kRelationshipDerivation ||
        TrimXmlSpace(ChildText(c, "relationshipSubType")) != kRelationshipHasSource) {
      continue;
    }
    for (const xmlNode* r = c->children; r != nullptr; r = r->next) {
      if (!IsPremis(r, "relatedObjectIdentifier") ||
          TrimXmlSpace(ChildText(r, "relatedObjectIdentifierType")) != "local") {
        continue;
      }
      std::string value = ChildText(r, "relatedObjectIdentifierValue");
      if (!value.empty()) return value;
    }
  }
  return "";
}

Result<PremisFile> ReadFileObject(const xmlNode* obj) {
  PremisFile f;
  bool have_path = false;
  for (const xmlNode* c = obj->children; c != nullptr; c = c->next) {
    if (IsPremis(c, "objectIdentifier") && !have_path) {
      if (TrimXmlSpace(ChildText(c, "objectIdentifierType")) == "local") {
        f.path = ChildText(c, "objectIdentifierValue");
        have_path = true;
      }
    }
  }
  if (!have_path || f.path.empty()) return Bad("file object without a local objectIdentifier");

  std::string raw_name_bytes;
  bool have_raw_name = false;
  bool have_size = false;
  for (const xmlNode* c = obj->children; c != nullptr; c = c->next) {
    if (IsPremis(c, "significantProperties")) {
      if (TrimXmlSpace(ChildText(c, "significantPropertiesType")) == kOriginalNameBytesProperty) {
        raw_name_bytes = PercentDecode(ChildText(c, "significantPropertiesValue"));
        have_raw_name = true;
      }
    } else if (IsPremis(c, "objectCharacteristics")) {
      for (const xmlNode* oc = c->children; oc != nullptr; oc = oc->next) {
        if (IsPremis(oc, "fixity")) {
          if (NormaliseAlgorithm(ChildText(oc, "messageDigestAlgorithm")) == "sha256") {
            f.sha256 = std::string(TrimXmlSpace(ChildText(oc, "messageDigest")));
          }
        } else if (IsPremis(oc, "size")) {
          if (!ParseU64(NodeText(oc), &f.size)) {
            return Bad("file " + f.path + ": invalid size '" + NodeText(oc) + "'");
          }
          have_size = true;
        } else if (IsPremis(oc, "format") && f.format_name.empty() && f.format_puid.empty()) {
          ReadFormat(oc, &f);
        }
      }
    } else if (IsPremis(c, "originalName")) {
      f.original_name = NodeText(c);
    }
  }
  if (have_raw_name) f.original_name = std::move(raw_name_bytes);
  f.derived_from = ReadDerivedFrom(obj);
  if (f.derived_from == f.path) return Bad("file " + f.path + ": derived from itself");
  if (!have_size) return Bad("file " + f.path + ": no size");
  if (!IsHex64(f.sha256)) return Bad("file " + f.path + ": no valid SHA-256 fixity");
  return f;
}

PremisEvent ReadEvent(const xmlNode* ev, std::string_view object_id) {
  PremisEvent e;
  e.id = ChildText(FirstChild(ev, kPremisNs, "eventIdentifier"), "eventIdentifierValue");
  e.type = ChildText(ev, "eventType");
  e.time = ChildText(ev, "eventDateTime");
  if (const xmlNode* d = FirstChild(ev, kPremisNs, "eventDetailInformation")) {
    e.detail = ChildText(d, "eventDetail");
  }
  if (const xmlNode* o = FirstChild(ev, kPremisNs, "eventOutcomeInformation")) {
    e.outcome = ChildText(o, "eventOutcome");
    if (const xmlNode* od = FirstChild(o, kPremisNs, "eventOutcomeDetail")) {
      e.outcome_detail = ChildText(od, "eventOutcomeDetailNote");
    }
  }
  for (const xmlNode* c = ev->children; c != nullptr; c = c->next) {
    if (IsPremis(c, "linkingAgentIdentifier")) {
      e.agent_ids.push_back(ChildText(c, "linkingAgentIdentifierValue"));
    } else if (IsPremis(c, "linkingObjectIdentifier")) {
      std::string value = ChildText(c, "linkingObjectIdentifierValue");
      const std::string type(TrimXmlSpace(ChildText(c, "linkingObjectIdentifierType")));
      if (value == object_id && type == IeIdentifierType(object_id)) continue;  // the IE
      bool outcome = false;
      for (const xmlNode* r = c->children; r != nullptr; r = r->next) {
        if (IsPremis(r, "linkingObjectRole") && TrimXmlSpace(NodeText(r)) == kRoleOutcome) {
          outcome = true;
        }
      }
      // "source", no role, or any other role: an object the event acted on.
      (outcome ? e.outcome_paths : e.object_paths).push_back(std::move(value));
    }
  }
  return e;
}

PremisAgent ReadAgent(const xmlNode* ag) {
  PremisAgent a;
  a.id = ChildText(FirstChild(ag, kPremisNs, "agentIdentifier"), "agentIdentifierValue");
  a.name = ChildText(ag, "agentName");
  a.type = ChildText(ag, "agentType");
  a.note = ChildText(ag, "agentNote");
  return a;
}

bool IsMets(const xmlNode* n, std::string_view name) { return IsElement(n, kMetsNs, name); }

}  // namespace

std::string PercentEncodePath(std::string_view path) { return PercentEncode(path, true); }

std::string PercentDecode(std::string_view s) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string WritePremis(const Aip& aip) {
  XmlOut w;
  w.Open("premis:premis",
         {{"xmlns:premis", kPremisNs},
          {"xmlns:xsi", kXsiNs},
          {"xsi:schemaLocation",
           "http://www.loc.gov/premis/v3 http://www.loc.gov/standards/premis/v3/premis.xsd"},
          {"version", "3.0"}});
  w.Open("premis:object", {{"xsi:type", "premis:intellectualEntity"}});
  WriteIdentifier(w, "premis:objectIdentifier", "premis:objectIdentifier",
                  IeIdentifierType(aip.object_id), aip.object_id);
  w.Close("premis:object");
  for (const PremisFile& f : aip.files) WriteFileObject(w, aip, f);
  for (const PremisEvent& e : aip.events) WriteEvent(w, aip, e);
  for (const PremisAgent& a : aip.agents) WriteAgent(w, a);
  w.Close("premis:premis");
  return std::move(w).Take();
}

std::string WriteMets(const Aip& aip, uint64_t premis_size, const std::string& premis_sha256) {
  // Group files by folder, in first-seen order.
  std::vector<FileGroup> groups;
  std::map<std::string, size_t> group_index;
  for (const PremisFile& f : aip.files) {
    std::string use = GroupUse(f.path);
    auto [it, inserted] = group_index.emplace(use, groups.size());
    if (inserted) {
      groups.push_back(FileGroup{use, "grp-" + std::to_string(groups.size() + 1), {}});
    }
    groups[it->second].files.push_back(&f);
  }
  const bool has_dmd = !aip.title.empty() || !aip.file_code.empty() || !aip.descriptive.empty();
  const std::string premis_size_str = std::to_string(premis_size);
  const bool dated = !aip.created.empty();

  XmlOut w;
  Attrs root = {{"xmlns:mets", kMetsNs},
                {"xmlns:xlink", kXlinkNs},
                {"xmlns:csip", kCsipNs},
                {"xmlns:xsi", kXsiNs},
                {"xsi:schemaLocation",
                 "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd "
                 "http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd"},
                {"OBJID", aip.object_id}};
  if (!aip.title.empty()) root.emplace_back("LABEL", aip.title);
  root.emplace_back("TYPE", aip.content_category);
  root.emplace_back("PROFILE", kCsipProfile);
  w.Open("mets:mets", root);

  // Appends CREATED=<aip.created> when known (xs:dateTime attributes must not be empty).
  const auto with_created = [&](Attrs attrs, std::string_view name = "CREATED") {
    if (dated) attrs.emplace_back(name, aip.created);
    return attrs;
  };

  w.Open("mets:metsHdr", with_created({{"csip:OAISPACKAGETYPE", "AIP"}}, "CREATEDATE"));
  w.Open("mets:agent", {{"ROLE", "CREATOR"}, {"TYPE", "OTHER"}, {"OTHERTYPE", "SOFTWARE"}});
  w.Leaf("mets:name", aip.software_name);
  w.Leaf("mets:note", aip.software_version, {{"csip:NOTETYPE", "SOFTWARE VERSION"}});
  w.Close("mets:agent");
  w.Close("mets:metsHdr");

  if (has_dmd) {
    w.Open("mets:dmdSec", with_created({{"ID", "dmd-1"}, {"STATUS", "CURRENT"}}));
    w.Open("mets:mdWrap",
           {{"MDTYPE", "OTHER"}, {"OTHERMDTYPE", "BagIt bag-info"}, {"MIMETYPE", "text/xml"}});
    w.Open("mets:xmlData");
    w.Open("bi:bagInfo", {{"xmlns:bi", kBagInfoNs}});
    if (!aip.title.empty()) w.Leaf("bi:title", aip.title);
    if (!aip.file_code.empty()) w.Leaf("bi:fileCode", aip.file_code);
    for (const auto& [label, value] : aip.descriptive) {
      w.Leaf("bi:entry", value, {{"label", label}});
    }
    w.Close("bi:bagInfo");
    w.Close("mets:xmlData");
    w.Close("mets:mdWrap");
    w.Close("mets:dmdSec");
  }

  w.Open("mets:amdSec", {{"ID", "amd-1"}});
  w.Open("mets:digiprovMD", with_created({{"ID", "premis-1"}, {"STATUS", "CURRENT"}}));
  Attrs md_ref = {{"LOCTYPE", "URL"},         {"xlink:type", "simple"},
                  {"xlink:href", kPremisPath}, {"MDTYPE", "PREMIS"},
                  {"MDTYPEVERSION", "3.0"},    {"MIMETYPE", "text/xml"},
                  {"SIZE", premis_size_str}};
  md_ref = with_created(std::move(md_ref));
  md_ref.emplace_back("CHECKSUM", premis_sha256);
  md_ref.emplace_back("CHECKSUMTYPE", "SHA-256");
  w.Empty("mets:mdRef", md_ref);
  w.Close("mets:digiprovMD");
  w.Close("mets:amdSec");

  if (!groups.empty()) {
    w.Open("mets:fileSec", {{"ID", "filesec-1"}});
    size_t file_no = 0;
    for (const FileGroup& g : groups) {
      w.Open("mets:fileGrp", {{"ID", g.id}, {"USE", g.use}});
      for (const PremisFile* f : g.files) {
        const std::string id = "file-" + std::to_string(++file_no);
        const std::string size = std::to_string(f->size);
        Attrs file = with_created(
            {{"ID", id}, {"MIMETYPE", f->mime.empty() ? kDefaultMime : f->mime}, {"SIZE", size}});
        file.emplace_back("CHECKSUM", f->sha256);
        file.emplace_back("CHECKSUMTYPE", "SHA-256");
        w.Open("mets:file", file);
        const std::string href = PercentEncodePath(f->path);
        w.Empty("mets:FLocat",
                {{"LOCTYPE", "URL"}, {"xlink:type", "simple"}, {"xlink:href", href}});
        w.Close("mets:file");
      }
      w.Close("mets:fileGrp");
    }
    w.Close("mets:fileSec");
  }

  w.Open("mets:structMap", {{"ID", "structmap-1"}, {"TYPE", "PHYSICAL"}, {"LABEL", "CSIP"}});
  w.Open("mets:div", {{"ID", "div-root"}, {"LABEL", aip.object_id}});
  Attrs metadata_div = {{"ID", "div-metadata"}, {"LABEL", "Metadata"}};
  if (has_dmd) metadata_div.emplace_back("DMDID", "dmd-1");
  metadata_div.emplace_back("ADMID", "amd-1");
  w.Empty("mets:div", metadata_div);
  size_t div_no = 0;
  for (const FileGroup& g : groups) {
    const std::string id = "div-" + std::to_string(++div_no);
    w.Open("mets:div", {{"ID", id}, {"LABEL", g.use}});
    w.Empty("mets:fptr", {{"FILEID", g.id}});
    w.Close("mets:div");
  }
  w.Close("mets:div");
  w.Close("mets:structMap");
  w.Close("mets:mets");
  return std::move(w).Take();
}

Result<Aip> ReadPremis(std::string_view xml) {
  VAULT_ASSIGN_OR_RETURN(xml::XmlDocPtr doc, xml::ParseXml(xml, "premis.xml"));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsPremis(root, "premis")) return Bad("root element is not a PREMIS 3 <premis>");

  Aip aip;
  aip.content_category.clear();
  aip.software_name.clear();
  aip.software_version.clear();
  bool have_ie = false;
  // First pass: the intellectual entity (its id decides which event links are "the IE").
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (!IsPremis(c, "object") || ObjectKind(c) != "intellectualEntity") continue;
    if (have_ie) return Bad("more than one intellectual entity");
    aip.object_id = ChildText(FirstChild(c, kPremisNs, "objectIdentifier"), "objectIdentifierValue");
    have_ie = true;
  }
  if (!have_ie || aip.object_id.empty()) return Bad("no intellectual entity with an identifier");

  std::set<std::string> paths;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (IsPremis(c, "object")) {
      const std::string kind = ObjectKind(c);
      if (kind != "file") continue;  // IE handled above; representations/bitstreams ignored
      VAULT_ASSIGN_OR_RETURN(PremisFile f, ReadFileObject(c));
      if (!paths.insert(f.path).second) return Bad("duplicate file object " + f.path);
      aip.files.push_back(std::move(f));
    } else if (IsPremis(c, "event")) {
      aip.events.push_back(ReadEvent(c, aip.object_id));
    } else if (IsPremis(c, "agent")) {
      aip.agents.push_back(ReadAgent(c));
    }
  }
  return aip;
}

Result<Aip> ReadMets(std::string_view xml) {
  VAULT_ASSIGN_OR_RETURN(xml::XmlDocPtr doc, xml::ParseXml(xml, "METS.xml"));
  const auto bad = [](std::string_view msg) {
    return Status::InvalidArgument("METS.xml: " + std::string(msg));
  };
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsMets(root, "mets")) return bad("root element is not a METS 1 <mets>");
  Aip aip;
  aip.object_id = xml::AttrValue(root, "", "OBJID");
  if (aip.object_id.empty()) return bad("no OBJID");
  aip.title = xml::AttrValue(root, "", "LABEL");
  aip.content_category = xml::AttrValue(root, "", "TYPE");
  aip.software_name.clear();
  aip.software_version.clear();
  if (const xmlNode* hdr = FirstChild(root, kMetsNs, "metsHdr")) {
    aip.created = xml::AttrValue(hdr, "", "CREATEDATE");
    for (const xmlNode* a = hdr->children; a != nullptr; a = a->next) {
      if (IsMets(a, "agent") && xml::AttrValue(a, "", "ROLE") == "CREATOR" &&
          xml::AttrValue(a, "", "OTHERTYPE") == "SOFTWARE") {
        aip.software_name = NodeText(FirstChild(a, kMetsNs, "name"));
        aip.software_version = NodeText(FirstChild(a, kMetsNs, "note"));
        break;
      }
    }
  }
  for (const xmlNode* dmd = root->children; dmd != nullptr; dmd = dmd->next) {
    if (!IsMets(dmd, "dmdSec")) continue;
    const xmlNode* data = FirstChild(FirstChild(dmd, kMetsNs, "mdWrap"), kMetsNs, "xmlData");
    const xmlNode* bag = FirstChild(data, kBagInfoNs, "bagInfo");
    if (bag == nullptr) continue;
    for (const xmlNode* n = bag->children; n != nullptr; n = n->next) {
      if (IsElement(n, kBagInfoNs, "title")) {
        aip.title = NodeText(n);
      } else if (IsElement(n, kBagInfoNs, "fileCode")) {
        aip.file_code = NodeText(n);
      } else if (IsElement(n, kBagInfoNs, "entry")) {
        aip.descriptive.emplace_back(xml::AttrValue(n, "", "label"), NodeText(n));
      }
    }
    break;
  }
  // Files, through (possibly nested) fileGrps, in document order.
  std::set<std::string> paths;
  std::vector<const xmlNode*> stack;
  if (const xmlNode* sec = FirstChild(root, kMetsNs, "fileSec")) stack.push_back(sec);
  while (!stack.empty()) {
    const xmlNode* parent = stack.back();
    stack.pop_back();
    std::vector<const xmlNode*> groups;
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (IsMets(c, "fileGrp")) {
        groups.push_back(c);
      } else if (IsMets(c, "file")) {
        PremisFile f;
        f.path = PercentDecode(
            xml::AttrValue(FirstChild(c, kMetsNs, "FLocat"), kXlinkNs, "href"));
        if (f.path.empty()) return bad("file without FLocat xlink:href");
        if (!ParseU64(xml::AttrValue(c, "", "SIZE"), &f.size)) {
          return bad("file " + f.path + ": invalid SIZE");
        }
        f.mime = xml::AttrValue(c, "", "MIMETYPE");
        if (NormaliseAlgorithm(xml::AttrValue(c, "", "CHECKSUMTYPE")) == "sha256") {
          f.sha256 = xml::AttrValue(c, "", "CHECKSUM");
          if (!IsHex64(f.sha256)) return bad("file " + f.path + ": invalid SHA-256 CHECKSUM");
        }
        if (!paths.insert(f.path).second) return bad("duplicate file " + f.path);
        aip.files.push_back(std::move(f));
      }
    }
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) stack.push_back(*it);
  }
  return aip;
}

namespace {
constexpr std::string_view kBasisKey = "identification basis: ";
constexpr std::string_view kSignaturesKey = "; signatures: ";
}  // namespace

std::string WriteFormatNote(const FormatNote& n) {
  std::string sig = n.signatures;
  std::replace(sig.begin(), sig.end(), ';', ',');
  std::string out = std::string(kBasisKey) + n.basis + std::string(kSignaturesKey) + sig;
  if (!n.remarks.empty()) out += "; " + n.remarks;
  return out;
}

FormatNote ReadFormatNote(std::string_view note) {
  FormatNote n;
  if (note.substr(0, kBasisKey.size()) != kBasisKey) return n;
  note.remove_prefix(kBasisKey.size());
  auto end = note.find(';');
  n.basis = std::string(note.substr(0, end));
  if (end == std::string_view::npos) return n;
  note.remove_prefix(end);
  if (note.substr(0, kSignaturesKey.size()) != kSignaturesKey) {
    n.remarks = std::string(note.substr(note.find_first_not_of("; ") == std::string_view::npos
                                            ? note.size()
                                            : note.find_first_not_of("; ")));
    return n;
  }
  note.remove_prefix(kSignaturesKey.size());
  end = note.find(';');
  n.signatures = std::string(note.substr(0, end));
  if (end != std::string_view::npos) {
    note.remove_prefix(end + 1);
    while (!note.empty() && note.front() == ' ') note.remove_prefix(1);
    n.remarks = std::string(note);
  }
  return n;
}

}  // namespace vault::mets
