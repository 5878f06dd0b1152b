// Locating and loading the METS / PREMIS XML schemas from local files.
//
// The schemas come from the corpora folder `<corpora>/xml-schemas` (see corpora/README.md):
// `premis/premis-v3-0.xsd`, `mets/mets-1.12.1.xsd`, `mets-premis-wrapper.xsd` (imports METS
// 1.12.1, METS 2, PREMIS 3 and 2.3 together: libxml2 ignores xsi:schemaLocation, so a METS
// document with embedded PREMIS must be validated against the wrapper) and `catalog.xml`
// (maps the remote xlink/xml/METS/PREMIS URLs to the local copies; nothing is fetched).
// Threading: pure functions; the returned SchemaSets are thread-safe for Validate.
#pragma once

#include <filesystem>
#include <memory>

#include "vault/base/status.h"
#include "vault/clib/xml.h"

namespace vault::mets {

struct SchemaFiles {
  std::filesystem::path dir;          // <corpora>/xml-schemas (or any folder of that layout)
  std::filesystem::path premis_xsd;   // premis/premis-v3-0.xsd
  std::filesystem::path mets_xsd;     // mets/mets-1.12.1.xsd
  std::filesystem::path wrapper_xsd;  // mets-premis-wrapper.xsd
  std::filesystem::path catalog;      // catalog.xml
};

// Finds the files in `schema_dir` (a folder laid out like <corpora>/xml-schemas).
// kNotFound naming the first missing file.
Result<SchemaFiles> FindSchemaFilesIn(const std::filesystem::path& schema_dir);
// Same for `<corpora_dir>/xml-schemas`.
Result<SchemaFiles> FindSchemaFiles(const std::filesystem::path& corpora_dir);

// PREMIS 3.0 alone (for premis.xml).
Result<std::unique_ptr<xml::SchemaSet>> LoadPremisSchema(const SchemaFiles& files);
// The wrapper (METS 1.12.1 + PREMIS 3 + …), for METS.xml, with or without embedded PREMIS.
Result<std::unique_ptr<xml::SchemaSet>> LoadMetsSchema(const SchemaFiles& files);

}  // namespace vault::mets
