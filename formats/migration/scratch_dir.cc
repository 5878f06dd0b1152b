#include "formats/migration/scratch_dir.h"

#include <stdlib.h>

#include <string>
#include <system_error>

#include "vault/base/fs.h"

namespace vault::migration {

ScratchDir::ScratchDir(std::string_view prefix) {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string tmpl = (base / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) static_cast<void>(RemoveTree(path_));
}

}  // namespace vault::migration
