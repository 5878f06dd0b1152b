// Bounded, hostile-input-safe ZIP reader for PRONOM container identification (OOXML .docx/.xlsx,
// ODF .odt/.ods, EPUB, JAR, plain .zip, ...): lists the entries of the central directory and
// returns the first bytes of one entry, stored or deflated.
//
// Open() finds the End of Central Directory record by searching backwards through the last
// 64 KiB + 22 bytes of the file only, follows the ZIP64 EOCD locator and record when present,
// and reads the central directory once. ReadEntry() reads the entry's local header (for the data
// offset only: sizes and method come from the central directory, so data descriptors are fine)
// and stored or raw-deflate data with zlib, stopping as soon as `max_bytes` are produced.
//
// On-disk layout used (APPNOTE.TXT 6.3; little-endian):
//   EOCD (22 bytes + comment): 50 4B 05 06, disk(2), cd disk(2), entries on disk(2),
//     entries(2), cd size(4), cd offset(4), comment length(2)
//   ZIP64 EOCD locator (20 bytes, just before the EOCD): 50 4B 06 07, disk(4), record offset(8),
//     disks(4); ZIP64 EOCD record: 50 4B 06 06, size(8), versions(4), disk(4), cd disk(4),
//     entries on disk(8), entries(8), cd size(8), cd offset(8)
//   central directory header (46 bytes + name + extra + comment): 50 4B 01 02, ..., flags at 8,
//     method at 10, crc at 16, compressed size at 20, size at 24, name length at 28, extra length
//     at 30, comment length at 32, disk at 34, local header offset at 42; a ZIP64 extra field
//     (id 0x0001) carries size, compressed size, offset (in that order) for fields set to FFFFFFFF
//   local header (30 bytes + name + extra): 50 4B 03 04, name length at 26, extra length at 28
//
// Names: EntryNames() are the names as stored (raw bytes, no normalisation), in central
// directory order, directories included ("word/", "mimetype", "[Content_Types].xml"). When a
// name occurs twice, ReadEntry() reads the first.
//
// Bounds: every byte read from the file (EOCD search, central directory, local headers, entry
// data) counts against `byte_budget`, for the lifetime of the reader; a read that would exceed it
// fails with kResourceExhausted "zip: byte budget exhausted at offset N". At most 100,000 entries
// and 4096-byte names. Decompressed output never exceeds `max_bytes` (a zip bomb costs only the
// compressed bytes actually needed for `max_bytes` of output).
//
// Errors: hostile or malformed input gives kCorruption "zip: <rule> at offset N", never a crash,
// hang or unbounded allocation. Rules: "no end of central directory", "multi-disk archive",
// "bad zip64 locator", "bad zip64 end of central directory", "central directory outside file",
// "bad central directory header", "central directory entry outside directory",
// "too many entries", "entry name too long", "bad zip64 extra field", "bad local header",
// "entry data outside file", "invalid deflate data", "deflate data truncated",
// "size mismatch", "crc mismatch", "short read". ReadEntry() on an encrypted entry gives
// kInvalidArgument "zip: encrypted entry at offset N"; on a method other than stored (0) or
// deflate (8), kFailedPrecondition "zip: unsupported compression method M at offset N" (this
// code base's "unimplemented"). kNotFound: no entry of that name. kInvalidArgument from Open: the
// path is not a regular file (symlink, directory, FIFO).
//
// Threading and lifetime: a reader owns one file descriptor (opened O_RDONLY|O_NOFOLLOW|
// O_CLOEXEC|O_NONBLOCK, read with pread) and closes it on destruction. Movable, not copyable.
// ReadEntry() is const but updates the budget counter, so call it from one thread at a time per
// reader (different readers are independent).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "formats/pronom/bounded_file.h"
#include "vault/base/status.h"

namespace vault::pronom {

class ZipReader {
 public:
  static constexpr uint64_t kMaxEntries = 100000;
  static constexpr uint64_t kMaxNameLength = 4096;

  // Opens `file` and reads its central directory; fails on a file that is not a well-formed zip
  // (see the rules above) or when finding and reading the directory exceeds `byte_budget`.
  static Result<ZipReader> Open(const std::filesystem::path& file, uint64_t byte_budget);

  ZipReader(ZipReader&&) noexcept = default;
  ZipReader& operator=(ZipReader&&) noexcept = default;
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;
  ~ZipReader() = default;

  // Entry names as stored, in central directory order.
  const std::vector<std::string>& EntryNames() const { return names_; }

  // The first min(max_bytes, size) decompressed bytes of the entry named exactly `name`. When the
  // whole entry is read, its size and CRC-32 are checked against the central directory.
  Result<std::string> ReadEntry(std::string_view name, uint64_t max_bytes) const;

  // Bytes read from the file so far (Open plus every ReadEntry); never above the budget.
  uint64_t bytes_read() const { return file_.bytes_read(); }

 private:
  struct Entry {
    uint64_t cd_offset = 0;  // of its central directory header, for messages
    uint64_t local_offset = 0;
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint32_t crc = 0;
    uint16_t flags = 0;
    uint16_t method = 0;
  };

  ZipReader() = default;

  Status ParseCentralDirectory(uint64_t cd_offset, uint64_t cd_size, uint64_t count);

  BoundedFile file_;

  std::vector<std::string> names_;
  std::vector<Entry> entries_;                        // parallel to names_
  std::map<std::string, size_t, std::less<>> index_;  // name → first entry with it
};

}  // namespace vault::pronom
