// The file access shared by the bounded container readers (ole2.h, zip.h): one regular file
// opened O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK, read with pread, every byte read charged to a
// byte budget for the lifetime of the file; plus the little-endian field readers both use.
//
// Errors carry the reader's prefix ("zip", "ole2"): Open gives kInvalidArgument "<prefix>: PATH
// is a symlink" / "... is not a regular file" and errno statuses from open/fstat; ReadAt gives
// kCorruption "<prefix>: short read at offset N" and kResourceExhausted "<prefix>: byte budget
// exhausted at offset N", and errno statuses from pread ("<prefix> file").
//
// Movable, not copyable. ReadAt() is const but updates the budget counter, so call it from one
// thread at a time per file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "vault/base/fs.h"
#include "vault/base/status.h"

namespace vault::pronom {

// Fields at byte `at` of `b`; the caller checks the bounds.
inline uint16_t Le16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               (static_cast<uint8_t>(b[at + 1]) << 8));
}
inline uint32_t Le32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(Le16(b, at)) | (static_cast<uint32_t>(Le16(b, at + 2)) << 16);
}
inline uint64_t Le64(std::string_view b, size_t at) {
  return static_cast<uint64_t>(Le32(b, at)) | (static_cast<uint64_t>(Le32(b, at + 4)) << 32);
}

// "<prefix>: <rule> at offset N" with `code`.
Status ReaderError(std::string_view prefix, std::string_view rule, uint64_t offset,
                   Code code = Code::kCorruption);

class BoundedFile {
 public:
  // `prefix` names the reader in messages and must outlive the file (a string literal).
  static Result<BoundedFile> Open(const std::filesystem::path& file, uint64_t byte_budget,
                                  std::string_view prefix);

  BoundedFile() = default;
  BoundedFile(BoundedFile&&) noexcept = default;
  BoundedFile& operator=(BoundedFile&&) noexcept = default;
  BoundedFile(const BoundedFile&) = delete;
  BoundedFile& operator=(const BoundedFile&) = delete;
  ~BoundedFile() = default;

  // Appends exactly `len` bytes at `offset` to `out`, charged to the budget. When `allow_short`,
  // a range past end of file is cut at end of file instead of failing.
  Status ReadAt(uint64_t offset, uint64_t len, std::string& out, bool allow_short = false) const;

  uint64_t size() const { return size_; }
  // Bytes read so far; never above the budget.
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t budget_left() const { return budget_ - bytes_read_; }

 private:
  ScopedFd fd_;
  std::string_view prefix_;
  uint64_t size_ = 0;
  uint64_t budget_ = 0;
  mutable uint64_t bytes_read_ = 0;  // guarded by "one thread at a time"
};

}  // namespace vault::pronom
