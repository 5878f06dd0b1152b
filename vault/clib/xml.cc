#include "vault/clib/xml.h"

#include <libxml/parserInternals.h>
#include <libxml/xmlIO.h>

#include <strings.h>

#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>

#include "vault/base/fs.h"

namespace vault::xml {
namespace {

constexpr int kParseOptions = XML_PARSE_NONET;  // never NOENT, DTDLOAD, DTDATTR, DTDVALID, HUGE

// ---------------------------------------------------------------------------------------------
// Error text

std::string Trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string FormatError(const xmlError* e) {
  std::string out;
  if (e->line > 0) out = "line " + std::to_string(e->line) + ": ";
  out += Trimmed(e->message);
  if (out.empty()) out = "libxml2 error " + std::to_string(e->code);
  return out;
}

Code CodeFor(const xmlError* e) {
  if (e->code == XML_ERR_NO_MEMORY) return Code::kResourceExhausted;
  if (e->domain == XML_FROM_IO && e->code != XML_IO_NETWORK_ATTEMPT) return Code::kIoError;
  return Code::kInvalidArgument;
}

// ---------------------------------------------------------------------------------------------
// No-network external entity loader (process-wide, installed once)

// The catalog of the SchemaSet being loaded on this thread (URL → local path), or nullptr.
thread_local const std::map<std::string, std::string>* t_catalog = nullptr;
// Remote URLs refused on this thread since the last reset (for Load's error message).
thread_local std::vector<std::string>* t_refused = nullptr;

bool HasNonFileScheme(const char* url) {
  // RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" — at least 2 chars so a
  // Windows drive letter is not a scheme (irrelevant here, but harmless).
  const char* p = url;
  if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) return false;
  ++p;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
         *p == '+' || *p == '-' || *p == '.') {
    ++p;
  }
  if (*p != ':' || p - url < 2) return false;
  return !(p - url == 4 && strncasecmp(url, "file", 4) == 0);
}

xmlParserInputPtr NoNetLoader(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
  if (url != nullptr) {
    if (t_catalog != nullptr) {
      if (auto it = t_catalog->find(url); it != t_catalog->end()) {
        return xmlNoNetExternalEntityLoader(it->second.c_str(), id, ctxt);
      }
    }
    if (HasNonFileScheme(url)) {
      if (t_refused != nullptr) t_refused->emplace_back(url);
      return nullptr;  // libxml2 reports "failed to load external entity"
    }
  }
  return xmlNoNetExternalEntityLoader(url, id, ctxt);
}

// ---------------------------------------------------------------------------------------------
// Secure parse

struct ParseState {
  std::optional<std::string> entity;  // first entity declaration seen
  std::optional<std::string> first_error;
  const xmlError* first_error_raw = nullptr;
  Code first_code = Code::kInvalidArgument;
};

void OnEntityDecl(void* ctx, const xmlChar* name, int /*type*/, const xmlChar* /*public_id*/,
                  const xmlChar* /*system_id*/, xmlChar* /*content*/) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  auto* state = static_cast<ParseState*>(ctxt->_private);
  if (state != nullptr && !state->entity) {
    state->entity = name ? reinterpret_cast<const char*>(name) : "";
  }
  // Do not register the entity and stop parsing right here: nothing can reference it.
  xmlStopParser(ctxt);
}

void OnParseError(void* ctx, xmlErrorPtr error) {
  if (ctx == nullptr || error == nullptr) return;
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  auto* state = static_cast<ParseState*>(ctxt->_private);
  if (state == nullptr || error->level < XML_ERR_ERROR) return;  // warnings are not failures
  if (!state->first_error) {
    state->first_error = FormatError(error);
    state->first_code = CodeFor(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Collecting structured errors (schema parse / validation)

struct ErrorList {
  std::vector<std::string> errors;
  size_t dropped = 0;
};

void OnCollectError(void* ctx, xmlErrorPtr error) {
  if (ctx == nullptr || error == nullptr || error->level < XML_ERR_ERROR) return;
  auto* list = static_cast<ErrorList*>(ctx);
  if (list->errors.size() < SchemaSet::kMaxErrors) {
    list->errors.push_back(FormatError(error));
  } else {
    ++list->dropped;
  }
}

// Restores this thread's structured error handler on scope exit.
class ScopedStructuredErrors {
 public:
  ScopedStructuredErrors(void* ctx, xmlStructuredErrorFunc fn)
      : old_fn_(xmlStructuredError), old_ctx_(xmlStructuredErrorContext) {
    xmlSetStructuredErrorFunc(ctx, fn);
  }
  ~ScopedStructuredErrors() { xmlSetStructuredErrorFunc(old_ctx_, old_fn_); }
  ScopedStructuredErrors(const ScopedStructuredErrors&) = delete;
  ScopedStructuredErrors& operator=(const ScopedStructuredErrors&) = delete;

 private:
  xmlStructuredErrorFunc old_fn_;
  void* old_ctx_;
};

std::string_view AsView(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

Result<std::map<std::string, std::string>> ReadCatalog(const std::filesystem::path& catalog) {
  std::map<std::string, std::string> map;
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(catalog, 16u << 20));
  VAULT_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXml(text, catalog.string()));
  constexpr std::string_view kNs = "urn:oasis:names:tc:entity:xmlns:xml:catalog";
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsElement(root, kNs, "catalog")) {
    return Status::InvalidArgument(catalog.string() + ": not an OASIS XML catalog");
  }
  const std::filesystem::path base = catalog.parent_path();
  for (const xmlNode* n = root->children; n != nullptr; n = n->next) {
    std::string key;
    if (IsElement(n, kNs, "uri")) {
      key = AttrValue(n, "", "name");
    } else if (IsElement(n, kNs, "system")) {
      key = AttrValue(n, "", "systemId");
    } else {
      continue;
    }
    std::string target = AttrValue(n, "", "uri");
    if (key.empty() || target.empty()) continue;
    if (target.rfind("file://", 0) == 0) target = target.substr(7);
    if (HasNonFileScheme(target.c_str())) continue;  // only local targets
    std::filesystem::path p(target);
    if (p.is_relative()) p = base / p;
    map.emplace(std::move(key), p.lexically_normal().string());
  }
  return map;
}

}  // namespace

void InitXml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(NoNetLoader);
  });
}

Status XmlStatus(const xmlError* error, std::string_view op) {
  if (error == nullptr || error->code == XML_ERR_OK) {
    return Status::Internal(std::string(op) + ": unknown libxml2 error");
  }
  return Status(CodeFor(error), std::string(op) + ": " + FormatError(error));
}

Status XmlStatus(std::string_view op) { return XmlStatus(xmlGetLastError(), op); }

Result<XmlDocPtr> ParseXml(std::string_view xml, std::string_view name_for_errors) {
  return ParseXml(xml, name_for_errors, ParseOptions{});
}

Result<XmlDocPtr> ParseXml(std::string_view xml, std::string_view name_for_errors,
                           const ParseOptions& options) {
  InitXml();
  const std::string name(name_for_errors);
  if (xml.size() > options.max_bytes || xml.size() > static_cast<size_t>(INT_MAX)) {
    return Status::InvalidArgument(name + ": XML document of " + std::to_string(xml.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(options.max_bytes) + " bytes");
  }
  if (xml.empty()) return Status::InvalidArgument(name + ": empty XML document");

  XmlParserCtxtPtr ctxt(xmlCreateMemoryParserCtxt(xml.data(), static_cast<int>(xml.size())));
  if (!ctxt) return Status::ResourceExhausted(name + ": cannot create XML parser context");
  ParseState state;
  ctxt->_private = &state;
  // ctxt->sax belongs to this context (allocated by xmlInitParserCtxt): safe to modify.
  ctxt->sax->entityDecl = OnEntityDecl;
  ctxt->sax->serror = OnParseError;  // collects errors instead of printing them
  ctxt->sax->warning = nullptr;
  xmlCtxtUseOptions(ctxt.get(), kParseOptions);

  xmlParseDocument(ctxt.get());
  XmlDocPtr doc(std::exchange(ctxt->myDoc, nullptr));

  if (state.entity) {
    return Status::InvalidArgument(name + ": DOCTYPE declares entity '" + *state.entity +
                                   "'; documents declaring entities are refused");
  }
  if (!ctxt->wellFormed || !ctxt->nsWellFormed || !doc) {
    if (state.first_error) return Status(state.first_code, name + ": " + *state.first_error);
    return XmlStatus(xmlCtxtGetLastError(ctxt.get()), name);
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return Status::InvalidArgument(name + ": no root element");
  }
  return doc;
}

bool IsElement(const xmlNode* node, std::string_view ns, std::string_view name) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE) return false;
  if (AsView(node->name) != name) return false;
  std::string_view node_ns = node->ns ? AsView(node->ns->href) : std::string_view();
  return node_ns == ns;
}

const xmlNode* FirstChild(const xmlNode* node, std::string_view ns, std::string_view name) {
  if (node == nullptr) return nullptr;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsElement(c, ns, name)) return c;
  }
  return nullptr;
}

std::string NodeText(const xmlNode* node) {
  if (node == nullptr) return "";
  XmlCharPtr content(xmlNodeGetContent(node));
  return std::string(AsView(content.get()));
}

std::string AttrValue(const xmlNode* node, std::string_view ns, std::string_view name,
                      bool* present) {
  if (present) *present = false;
  if (node == nullptr || node->type != XML_ELEMENT_NODE) return "";
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (AsView(a->name) != name) continue;
    std::string_view a_ns = a->ns ? AsView(a->ns->href) : std::string_view();
    if (a_ns != ns) continue;
    if (present) *present = true;
    XmlCharPtr v(xmlNodeListGetString(node->doc, a->children, 1));
    return std::string(AsView(v.get()));
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// SchemaSet

SchemaSet::~SchemaSet() = default;

Result<std::unique_ptr<SchemaSet>> SchemaSet::Load(const std::filesystem::path& xsd) {
  std::error_code ec;
  std::filesystem::path catalog = xsd.parent_path() / "catalog.xml";
  if (!std::filesystem::is_regular_file(catalog, ec)) catalog.clear();
  return Load(xsd, catalog);
}

Result<std::unique_ptr<SchemaSet>> SchemaSet::Load(const std::filesystem::path& xsd,
                                                   const std::filesystem::path& catalog) {
  InitXml();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(xsd, ec)) {
    return Status::NotFound("schema " + xsd.string() + ": no such file");
  }
  std::map<std::string, std::string> map;
  if (!catalog.empty()) {
    VAULT_ASSIGN_OR_RETURN(map, ReadCatalog(catalog));
  }
  const std::filesystem::path abs = std::filesystem::absolute(xsd, ec).lexically_normal();

  ErrorList errors;
  std::vector<std::string> refused;
  XmlSchemaPtr schema;
  {
    // Errors of the sub-parsers libxml2 creates for imported documents go to the thread's
    // structured handler: collect them too (and keep them off stderr).
    ScopedStructuredErrors scoped(&errors, OnCollectError);
    t_catalog = &map;
    t_refused = &refused;
    XmlSchemaParserCtxtPtr pctxt(xmlSchemaNewParserCtxt(abs.c_str()));
    if (pctxt) {
      xmlSchemaSetParserStructuredErrors(pctxt.get(), OnCollectError, &errors);
      schema.reset(xmlSchemaParse(pctxt.get()));
    }
    t_catalog = nullptr;
    t_refused = nullptr;
    if (!pctxt) return Status::ResourceExhausted("cannot create schema parser context");
  }
  if (!refused.empty()) {
    return Status::FailedPrecondition("schema " + xsd.string() + ": refused to fetch " +
                                      refused.front() +
                                      " (not mapped to a local file by a catalog)");
  }
  if (!schema) {
    std::string msg = "schema " + xsd.string() + " could not be loaded";
    if (!errors.errors.empty()) msg += ": " + errors.errors.front();
    return Status::InvalidArgument(msg);
  }
  return std::unique_ptr<SchemaSet>(new SchemaSet(std::move(schema)));
}

Result<std::vector<std::string>> SchemaSet::Validate(std::string_view xml) const {
  VAULT_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXml(xml, "document"));
  return Validate(doc.get());
}

Result<std::vector<std::string>> SchemaSet::Validate(xmlDoc* doc) const {
  if (doc == nullptr) return Status::InvalidArgument("validate: no document");
  XmlSchemaValidCtxtPtr vctxt(xmlSchemaNewValidCtxt(schema_.get()));
  if (!vctxt) return Status::ResourceExhausted("cannot create schema validation context");
  ErrorList errors;
  xmlSchemaSetValidStructuredErrors(vctxt.get(), OnCollectError, &errors);
  int rc;
  {
    ScopedStructuredErrors scoped(&errors, OnCollectError);
    rc = xmlSchemaValidateDoc(vctxt.get(), doc);
  }
  if (rc < 0) {
    std::string msg = "schema validation could not run (libxml2 internal error " +
                      std::to_string(rc) + ")";
    if (!errors.errors.empty()) msg += ": " + errors.errors.front();
    return Status::Internal(msg);
  }
  if (rc > 0 && errors.errors.empty()) {
    errors.errors.push_back("document is not valid (libxml2 code " + std::to_string(rc) + ")");
  }
  if (errors.dropped > 0) {
    errors.errors.push_back("… " + std::to_string(errors.dropped) + " more errors");
  }
  if (rc == 0) errors.errors.clear();  // errors below ERROR level are not kept anyway
  return std::move(errors.errors);
}

}  // namespace vault::xml
