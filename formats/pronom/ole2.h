// Bounded, hostile-input-safe reader of OLE2 / Compound File Binary files ([MS-CFB]), for
// PRONOM container identification (Word 97 .doc, .xls, .ppt, .msg, Visio, ...).
//
// Open() validates the header, loads the FAT (through the header DIFAT and the DIFAT chain),
// the directory chain and the mini FAT, and walks the red-black tree of directory entries from
// the root storage. It lists every stream by its full path; ReadStream() then returns the first
// bytes of one stream, from regular sectors or from the mini stream (streams smaller than the
// 4096-byte cutoff).
//
// On-disk layout, as far as this reader uses it (all integers little-endian):
//   header (512 bytes, sector 0 starts at 1 << sector_shift):
//     0   8  signature D0 CF 11 E0 A1 B1 1A E1      28  2  byte order FFFE
//     30  2  sector shift (9 or 12)                 32  2  mini sector shift (6)
//     44  4  number of FAT sectors                  48  4  first directory sector
//     56  4  mini stream cutoff (4096)              60  4  first mini FAT sector
//     64  4  number of mini FAT sectors             68  4  first DIFAT sector
//     72  4  number of DIFAT sectors                76  436  first 109 DIFAT entries
//   sector n lives at (n + 1) << sector_shift. FAT entries: next sector, or FFFFFFFE end of chain,
//   FFFFFFFF free, FFFFFFFD FAT sector, FFFFFFFC DIFAT sector. A DIFAT sector holds
//   (sector_size / 4 - 1) FAT sector numbers and the number of the next DIFAT sector.
//   directory entry (128 bytes): 0 name UTF-16LE (64 bytes), 64 name length in bytes including
//   the terminator, 66 type (1 storage, 2 stream, 5 root), 68 left sibling, 72 right sibling,
//   76 child, 116 start sector, 120 stream size (8 bytes; version 3 files use the low 4 only).
//
// Names: full stream paths, '/'-separated from the root storage ("WordDocument",
// "ObjectPool/_1234/CompObj"), UTF-16LE converted to UTF-8 (unpaired surrogates become U+FFFD),
// with leading control characters (\001, \005, ...) stripped from every path component, the way
// DROID names streams in container-signature files. Only streams are listed (not storages), in
// byte order. When two streams end up with the same path, the first in tree order wins.
//
// Bounds: every byte read from the file (header, FAT, DIFAT, directory, mini FAT, stream data)
// counts against `byte_budget`, for the lifetime of the reader; a read that would exceed it fails
// with kResourceExhausted "ole2: byte budget exhausted at offset N". Memory is bounded by the file
// size (FAT, directory) and by `max_bytes` (ReadStream), never by a declared size.
//
// Errors: hostile or malformed input gives kCorruption "ole2: <rule> at offset N" (N is the byte
// offset of the offending structure in the file), never a crash, hang or unbounded allocation.
// Rules: header: "bad signature", "truncated header", "bad byte order", "bad sector shift",
// "bad mini sector shift", "bad mini stream cutoff"; FAT: "too many FAT sectors",
// "FAT sector out of range", "DIFAT sector out of range", "DIFAT loop"; sector chains (prefixed
// "mini " for mini FAT chains; N is then the start field or the FAT entry holding the bad link):
// "chain loop", "chain sector out of range", "bad chain entry", "chain ends early"; directory:
// "empty directory chain", "root entry not a root storage", "directory entry out of range",
// "directory cycle", "directory too deep" (64 nested storages), "directory too large" (16 MiB of
// paths), "bad entry type", "bad name length", "too many streams" (100,000); "short read" (the
// file shrank while open).
// kInvalidArgument: the path cannot be opened as a regular file (symlink, directory, FIFO);
// kNotFound from ReadStream: no stream of that name.
//
// Threading and lifetime: a reader owns one file descriptor (opened O_RDONLY|O_NOFOLLOW|
// O_CLOEXEC|O_NONBLOCK, read with pread) and closes it on destruction. It is movable, not
// copyable. ReadStream() is const but updates the budget counter, so call it from one thread at a
// time per reader (different readers are independent).
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

class Ole2Reader {
 public:
  // Opens `file` and reads its structures; fails on a file that is not a well-formed CFB (see the
  // rules above) or when the structures alone exceed `byte_budget`.
  static Result<Ole2Reader> Open(const std::filesystem::path& file, uint64_t byte_budget);

  Ole2Reader(Ole2Reader&&) noexcept = default;
  Ole2Reader& operator=(Ole2Reader&&) noexcept = default;
  Ole2Reader(const Ole2Reader&) = delete;
  Ole2Reader& operator=(const Ole2Reader&) = delete;
  ~Ole2Reader() = default;

  // Full stream paths, sorted bytewise (see "Names" above).
  const std::vector<std::string>& StreamNames() const { return names_; }

  // The first min(max_bytes, stream size) bytes of the stream named exactly `name` (as in
  // StreamNames()). kNotFound when absent; kCorruption when its chain is broken;
  // kResourceExhausted when the budget runs out.
  Result<std::string> ReadStream(std::string_view name, uint64_t max_bytes) const;

  // Bytes read from the file so far (Open plus every ReadStream); never above the budget.
  uint64_t bytes_read() const { return file_.bytes_read(); }

 private:
  struct Stream {
    uint32_t start = 0;
    uint64_t size = 0;
    bool mini = false;
    uint64_t dir_offset = 0;  // of its directory entry, for messages
  };

  Ole2Reader() = default;

  // Appends the contents of regular sector `sector` (zero-filled past end of file).
  Status ReadSector(uint32_t sector, std::string& out) const;
  // Follows `start` through the FAT (or the mini FAT when `mini`) for at most `max_sectors`
  // sectors (all when 0), failing on loops, sectors >= `sector_limit` and special entries.
  // `origin` is the file offset of the field holding `start`, for messages.
  Result<std::vector<uint32_t>> Chain(uint32_t start, uint64_t max_sectors, uint64_t sector_limit,
                                      bool mini, uint64_t origin) const;
  // Reads the sectors holding a FAT (or mini FAT) into `table`, one entry per 32 bits.
  Status ReadTable(const std::vector<uint32_t>& sectors, std::vector<uint32_t>& table) const;
  // File offset of entry `index` of the FAT (or mini FAT) table.
  uint64_t TableEntryOffset(bool mini, uint64_t index) const;
  uint64_t DirEntryOffset(uint64_t index) const;
  Status LoadFatFromHeader(const std::string& header);
  Status LoadDirectory(std::string& dir);
  Status LoadMiniStream(const std::string& dir);
  Status WalkTree(const std::string& dir, bool v3);

  BoundedFile file_;

  // Header fields.
  uint32_t sector_shift_ = 9;
  uint32_t first_dir_sector_ = 0;
  uint32_t first_minifat_sector_ = 0;
  uint32_t num_minifat_sectors_ = 0;
  uint32_t num_fat_sectors_ = 0;
  uint32_t first_difat_sector_ = 0;
  uint32_t num_difat_sectors_ = 0;
  uint64_t num_sectors_ = 0;  // sectors that start inside the file

  std::vector<uint32_t> fat_sectors_;  // sectors holding the FAT, in order
  std::vector<uint32_t> fat_;
  std::vector<uint32_t> minifat_sectors_;  // sectors holding the mini FAT, in order
  std::vector<uint32_t> minifat_;
  std::vector<uint32_t> dir_sectors_;          // sectors holding the directory, in order
  std::vector<uint32_t> mini_stream_sectors_;  // regular sectors holding the mini stream
  uint64_t mini_stream_size_ = 0;

  std::vector<std::string> names_;
  std::map<std::string, Stream, std::less<>> streams_;
};

}  // namespace vault::pronom
