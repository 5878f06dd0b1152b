#include "formats/mets/schemas.h"

#include <system_error>

namespace vault::mets {

Result<SchemaFiles> FindSchemaFilesIn(const std::filesystem::path& schema_dir) {
  SchemaFiles f;
  f.dir = schema_dir;
  f.premis_xsd = schema_dir / "premis" / "premis-v3-0.xsd";
  f.mets_xsd = schema_dir / "mets" / "mets-1.12.1.xsd";
  f.wrapper_xsd = schema_dir / "mets-premis-wrapper.xsd";
  f.catalog = schema_dir / "catalog.xml";
  for (const auto* p : {&f.premis_xsd, &f.mets_xsd, &f.wrapper_xsd, &f.catalog}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*p, ec)) {
      return Status::NotFound("schema file " + p->string() + " not found");
    }
  }
  return f;
}

Result<SchemaFiles> FindSchemaFiles(const std::filesystem::path& corpora_dir) {
  return FindSchemaFilesIn(corpora_dir / "xml-schemas");
}

Result<std::unique_ptr<xml::SchemaSet>> LoadPremisSchema(const SchemaFiles& files) {
  return xml::SchemaSet::Load(files.premis_xsd, files.catalog);
}

Result<std::unique_ptr<xml::SchemaSet>> LoadMetsSchema(const SchemaFiles& files) {
  return xml::SchemaSet::Load(files.wrapper_xsd, files.catalog);
}

}  // namespace vault::mets
