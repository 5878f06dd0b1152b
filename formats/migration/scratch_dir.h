// A private temporary directory for one converter or checker run (converters.cc, validate.cc).
#pragma once

#include <filesystem>
#include <string_view>

namespace vault::migration {

// Creates "<temp dir>/<prefix>-XXXXXX" (temp dir: std::filesystem::temp_directory_path(), else
// /tmp) with mkdtemp, mode 0700; path() is empty when that failed. Removed with everything in it
// on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace vault::migration
