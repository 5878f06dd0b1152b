// libxml2 behind a small RAII surface: secure parsing and XSD validation.
//
// Security rules (DESIGN.md §6, STYLE.md §4):
//  - One xmlParserCtxt per parse, options XML_PARSE_NONET only: never NOENT (entity
//    substitution), never DTDLOAD/DTDATTR/DTDVALID, never HUGE (libxml2's built-in depth and
//    text-node limits stay on).
//  - A document whose DOCTYPE declares any entity (general or parameter, internal or external)
//    is rejected the moment the declaration is seen, before anything is expanded or loaded:
//    billion-laughs and XXE documents never get further than their internal subset.
//    A DOCTYPE without entity declarations is accepted; its external DTD is never loaded.
//  - Namespace errors (undeclared prefixes …) reject the document like well-formedness errors.
//  - Input larger than ParseOptions::max_bytes is rejected before parsing.
//  - Network access: the first use of this module installs a process-wide libxml2 external
//    entity loader that never touches the network: a URL with a scheme other than file: is
//    loaded only when a SchemaSet catalog maps it to a local file (and only while that
//    SchemaSet is being loaded, on the loading thread); everything else goes through
//    xmlNoNetExternalEntityLoader. This applies to every libxml2 user in the process.
//
// Errors: malformed or refused input is kInvalidArgument ("<name>: line N: message");
// libxml2 running out of memory is kResourceExhausted; file access errors are kIoError.
//
// Threading: ParseXml is thread-safe (no shared state besides the loader installed once).
// A SchemaSet is immutable after Load; Validate may be called from many threads at once (one
// xmlSchemaValidCtxt per call). Call InitXml() (or xmlInitParser()) in main before starting
// threads; every entry point here also calls it.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault::xml {

// Stateless deleter: the unique_ptr stays pointer-sized.
template <auto kFree>
struct CFree {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) static_cast<void>(kFree(p));
  }
};
template <class T, auto kFree>
using CHandle = std::unique_ptr<T, CFree<kFree>>;

using XmlDocPtr = CHandle<xmlDoc, xmlFreeDoc>;
using XmlParserCtxtPtr = CHandle<xmlParserCtxt, xmlFreeParserCtxt>;
using XmlSchemaPtr = CHandle<xmlSchema, xmlSchemaFree>;
using XmlSchemaParserCtxtPtr = CHandle<xmlSchemaParserCtxt, xmlSchemaFreeParserCtxt>;
using XmlSchemaValidCtxtPtr = CHandle<xmlSchemaValidCtxt, xmlSchemaFreeValidCtxt>;
// xmlFree is a variable (function pointer), not a function: it cannot be a template argument.
struct XmlCharFree {
  void operator()(xmlChar* p) const noexcept { xmlFree(p); }
};
using XmlCharPtr = std::unique_ptr<xmlChar, XmlCharFree>;

// Idempotent, thread-safe: xmlInitParser() and the no-network entity loader (see above).
void InitXml();

// Maps a libxml2 error to a Status naming `op`: "<op>: line N: <message>". nullptr or an
// XML_ERR_OK error gives kInternal "<op>: unknown libxml2 error".
Status XmlStatus(const xmlError* error, std::string_view op);
// Same, with this thread's last libxml2 error (xmlGetLastError()).
Status XmlStatus(std::string_view op);

struct ParseOptions {
  size_t max_bytes = size_t{256} << 20;  // 256 MiB; also capped at INT_MAX (libxml2 API)
};

// Parses `xml` securely (rules above). `name_for_errors` prefixes every error message; it is
// never used as a URL and nothing is ever loaded relative to it.
Result<XmlDocPtr> ParseXml(std::string_view xml, std::string_view name_for_errors);
Result<XmlDocPtr> ParseXml(std::string_view xml, std::string_view name_for_errors,
                           const ParseOptions& options);

// --- small DOM helpers for readers (all null-safe) ---
// True when `node` is an element with local name `name` in namespace `ns` (exact match).
bool IsElement(const xmlNode* node, std::string_view ns, std::string_view name);
// First child element matching (ns, name), or nullptr.
const xmlNode* FirstChild(const xmlNode* node, std::string_view ns, std::string_view name);
// Text content of the node and its descendants (character references resolved), "" if none.
std::string NodeText(const xmlNode* node);
// Value of the attribute `name` in namespace `ns` ("" = no namespace), "" when absent;
// `*present` (when given) tells an absent attribute from an empty one.
std::string AttrValue(const xmlNode* node, std::string_view ns, std::string_view name,
                      bool* present = nullptr);

// An XML Schema loaded once from local files.
class SchemaSet {
 public:
  // Loads `xsd` and everything it imports/includes. Remote schemaLocations are resolved only
  // through the OASIS catalog `catalog.xml` next to `xsd` (if present): <uri name= uri=> and
  // <system systemId= uri=> entries pointing to local files. An unmapped remote location fails
  // the load with kFailedPrecondition naming the URL; nothing is ever fetched.
  static Result<std::unique_ptr<SchemaSet>> Load(const std::filesystem::path& xsd);
  // Same with an explicit catalog file (empty path = no catalog).
  static Result<std::unique_ptr<SchemaSet>> Load(const std::filesystem::path& xsd,
                                                 const std::filesystem::path& catalog);

  SchemaSet(const SchemaSet&) = delete;
  SchemaSet& operator=(const SchemaSet&) = delete;
  ~SchemaSet();

  // Parses `xml` with ParseXml and validates it. Returns the validation errors, each
  // "line N: message" (at most kMaxErrors, then one "… more errors" line); empty = valid.
  // A Status only when validation could not run: the document is not well-formed or is refused
  // by ParseXml (kInvalidArgument), or libxml2 failed internally.
  Result<std::vector<std::string>> Validate(std::string_view xml) const;
  // Validates an already parsed document (libxml2 may add to the document's ID table).
  Result<std::vector<std::string>> Validate(xmlDoc* doc) const;

  static constexpr size_t kMaxErrors = 200;

 private:
  explicit SchemaSet(XmlSchemaPtr schema) : schema_(std::move(schema)) {}
  XmlSchemaPtr schema_;
};

}  // namespace vault::xml
