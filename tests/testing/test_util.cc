#include "tests/testing/test_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "vault/base/fs.h"

namespace vault::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/vault-test-XXXXXX";
  char* p = ::mkdtemp(tmpl.data());
  if (p == nullptr) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  if (std::getenv("VAULT_KEEP_TEMP") == nullptr) (void)RemoveTree(path_);
}

std::optional<std::filesystem::path> CorporaDir() {
  std::filesystem::path p;
  const char* env = std::getenv("VAULT_CORPORA");
  if (env && *env) {
    p = env;
  } else {
    p = std::filesystem::path(VAULT_SOURCE_DIR) / ".." / "shared" / "corpora";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec)) return std::nullopt;
  return std::filesystem::canonical(p, ec);
}

std::filesystem::path BinDir() {
  const char* env = std::getenv("VAULT_BIN_DIR");
  if (env && *env) return env;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  return std::filesystem::path(buf).parent_path();
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace vault::testing
