// Test helpers shared by every test binary.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "vault/base/status.h"

#define ASSERT_OK(expr)                                                                  \
  do {                                                                                   \
    const auto& vault_s_ = (expr);                                                       \
    ASSERT_TRUE(vault_s_.ok()) << #expr << ": " << ::vault::testing::StatusString(vault_s_); \
  } while (0)
#define EXPECT_OK(expr)                                                                  \
  do {                                                                                   \
    const auto& vault_s_ = (expr);                                                       \
    EXPECT_TRUE(vault_s_.ok()) << #expr << ": " << ::vault::testing::StatusString(vault_s_); \
  } while (0)

namespace vault::testing {

// Makes ASSERT_OK work for Status and Result<T> alike.
inline std::string StatusString(const Status& s) { return s.ToString(); }
template <class T>
std::string StatusString(const Result<T>& r) { return r.status().ToString(); }

// A fresh directory under $TMPDIR, removed (even if read-only inside) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// The external corpora: $VAULT_CORPORA if set and non-empty, else <source>/../shared/corpora.
// nullopt when the folder does not exist (tests then GTEST_SKIP with a clear message).
std::optional<std::filesystem::path> CorporaDir();
// Directory with the built binaries (vaultd, vaultctl): $VAULT_BIN_DIR or next to the test.
std::filesystem::path BinDir();

// Writes `content` to `path`, creating parent directories.
void WriteFile(const std::filesystem::path& path, const std::string& content);
std::string ReadFile(const std::filesystem::path& path);

}  // namespace vault::testing

#define VAULT_SKIP_WITHOUT_CORPORA(var)                                                     \
  auto var##_opt = ::vault::testing::CorporaDir();                                          \
  if (!var##_opt) {                                                                         \
    GTEST_SKIP() << "corpora not found: set VAULT_CORPORA or provide ../shared/corpora";    \
  }                                                                                         \
  const std::filesystem::path var = *var##_opt
