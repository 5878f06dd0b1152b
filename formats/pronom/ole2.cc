#include "formats/pronom/ole2.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace vault::pronom {
namespace {

constexpr std::array<uint8_t, 8> kSignature = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
constexpr uint32_t kMaxRegSect = 0xFFFFFFFA;  // values above are special (end, free, FAT, DIFAT)
constexpr uint32_t kEndOfChain = 0xFFFFFFFE;
constexpr uint32_t kNoStream = 0xFFFFFFFF;
constexpr uint32_t kHeaderDifatEntries = 109;
constexpr uint32_t kDirEntrySize = 128;
constexpr uint32_t kMiniSectorSize = 64;
constexpr uint32_t kMiniStreamCutoff = 4096;
constexpr int kMaxStorageDepth = 64;
constexpr size_t kMaxStreams = 100000;
constexpr uint64_t kMaxPathBytes = 16U << 20;  // all storage and stream paths together

Status Error(std::string_view rule, uint64_t offset, Code code = Code::kCorruption) {
  return ReaderError("ole2", rule, offset, code);
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// UTF-16LE `units` code units at `at` → UTF-8, stopping at a NUL unit; leading control
// characters dropped (DROID's names for "\005SummaryInformation", "\001CompObj").
std::string DecodeName(const std::string& b, size_t at, size_t units) {
  std::string out;
  bool leading = true;
  for (size_t i = 0; i < units; ++i) {
    uint32_t cp = Le16(b, at + 2 * i);
    if (cp == 0) {
      break;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < units) {
      uint32_t lo = Le16(b, at + 2 * (i + 1));
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        ++i;
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;  // unpaired surrogate
    }
    if (leading && cp < 0x20) {
      continue;
    }
    leading = false;
    AppendUtf8(cp, out);
  }
  return out;
}

}  // namespace

Status Ole2Reader::ReadSector(uint32_t sector, std::string& out) const {
  const uint64_t size = uint64_t{1} << sector_shift_;
  const size_t old = out.size();
  VAULT_RETURN_IF_ERROR(
      file_.ReadAt((uint64_t{sector} + 1) << sector_shift_, size, out, /*allow_short=*/true));
  out.resize(old + size, '\0');  // the last sector of a file may be cut short
  return Status::Ok();
}

Status Ole2Reader::ReadTable(const std::vector<uint32_t>& sectors,
                             std::vector<uint32_t>& table) const {
  std::string raw;
  for (uint32_t s : sectors) {
    VAULT_RETURN_IF_ERROR(ReadSector(s, raw));
  }
  table.resize(raw.size() / 4);
  for (size_t i = 0; i < table.size(); ++i) {
    table[i] = Le32(raw, 4 * i);
  }
  return Status::Ok();
}

uint64_t Ole2Reader::TableEntryOffset(bool mini, uint64_t index) const {
  const std::vector<uint32_t>& sectors = mini ? minifat_sectors_ : fat_sectors_;
  const uint64_t per_sector = (uint64_t{1} << sector_shift_) / 4;
  const uint64_t sector_index = index / per_sector;
  if (sector_index >= sectors.size()) {
    return 0;
  }
  return ((uint64_t{sectors[sector_index]} + 1) << sector_shift_) + (index % per_sector) * 4;
}

Result<std::vector<uint32_t>> Ole2Reader::Chain(uint32_t start, uint64_t max_sectors,
                                                uint64_t sector_limit, bool mini,
                                                uint64_t origin) const {
  const std::vector<uint32_t>& fat = mini ? minifat_ : fat_;
  const std::string prefix = mini ? "mini " : "";
  const uint64_t limit = std::min<uint64_t>(sector_limit, fat.size());
  std::vector<uint32_t> out;
  std::vector<bool> visited;
  uint32_t cur = start;
  // The file offset of the pointer to `cur`: the start field, then a FAT entry.
  uint64_t where = origin;
  while (cur != kEndOfChain) {
    if (max_sectors != 0 && out.size() >= max_sectors) {
      break;
    }
    if (cur >= kMaxRegSect) {
      return Error(prefix + "bad chain entry", where);
    }
    if (cur >= limit) {
      return Error(prefix + "chain sector out of range", where);
    }
    if (visited.empty()) {
      visited.resize(limit, false);
    }
    if (visited[cur]) {
      return Error(prefix + "chain loop", where);
    }
    visited[cur] = true;
    out.push_back(cur);
    where = TableEntryOffset(mini, cur);
    cur = fat[cur];
  }
  return out;
}

Result<Ole2Reader> Ole2Reader::Open(const std::filesystem::path& file, uint64_t byte_budget) {
  Ole2Reader r;
  VAULT_ASSIGN_OR_RETURN(r.file_, BoundedFile::Open(file, byte_budget, "ole2"));

  std::string h;
  VAULT_RETURN_IF_ERROR(r.file_.ReadAt(0, 512, h, true));
  if (h.size() < 8 || std::memcmp(h.data(), kSignature.data(), kSignature.size()) != 0) {
    return Error("bad signature", 0);
  }
  if (h.size() < 512) {
    return Error("truncated header", h.size());
  }
  if (Le16(h, 28) != 0xFFFE) {
    return Error("bad byte order", 28);
  }
  r.sector_shift_ = Le16(h, 30);
  if (r.sector_shift_ != 9 && r.sector_shift_ != 12) {
    return Error("bad sector shift", 30);
  }
  if (Le16(h, 32) != 6) {
    return Error("bad mini sector shift", 32);
  }
  if (Le32(h, 56) != kMiniStreamCutoff) {
    return Error("bad mini stream cutoff", 56);
  }
  r.num_fat_sectors_ = Le32(h, 44);
  r.first_dir_sector_ = Le32(h, 48);
  r.first_minifat_sector_ = Le32(h, 60);
  r.num_minifat_sectors_ = Le32(h, 64);
  r.first_difat_sector_ = Le32(h, 68);
  r.num_difat_sectors_ = Le32(h, 72);
  const uint64_t sector_size = uint64_t{1} << r.sector_shift_;
  // Sectors that start inside the file; the header occupies the first sector-sized slot.
  r.num_sectors_ = r.file_.size() > sector_size ? (r.file_.size() - 1) / sector_size : 0;
  r.num_sectors_ = std::min<uint64_t>(r.num_sectors_, kMaxRegSect);
  const bool v3 = Le16(h, 26) == 3;

  VAULT_RETURN_IF_ERROR(r.LoadFatFromHeader(h));
  std::string dir;
  VAULT_RETURN_IF_ERROR(r.LoadDirectory(dir));
  VAULT_RETURN_IF_ERROR(r.LoadMiniStream(dir));
  VAULT_RETURN_IF_ERROR(r.WalkTree(dir, v3));
  return r;
}

Status Ole2Reader::LoadFatFromHeader(const std::string& h) {
  const uint64_t sector_size = uint64_t{1} << sector_shift_;
  // Every FAT sector is a sector of the file, so more FAT sectors than sectors is a lie.
  if (num_fat_sectors_ > num_sectors_) {
    return Error("too many FAT sectors", 44);
  }
  std::vector<uint32_t>& fat_sectors = fat_sectors_;
  fat_sectors.reserve(num_fat_sectors_);
  for (uint32_t i = 0; i < kHeaderDifatEntries && fat_sectors.size() < num_fat_sectors_; ++i) {
    uint32_t s = Le32(h, 76 + 4 * i);
    if (s >= num_sectors_) {
      return Error("FAT sector out of range", 76 + 4 * i);
    }
    fat_sectors.push_back(s);
  }
  // The DIFAT chain: each DIFAT sector holds per_sector FAT sector numbers, then the next one.
  const auto per_sector = static_cast<uint32_t>(sector_size / 4 - 1);
  uint32_t difat = first_difat_sector_;
  std::vector<bool> seen;
  uint64_t pointer_at = 68;  // where `difat` was read from
  while (fat_sectors.size() < num_fat_sectors_) {
    if (difat >= num_sectors_) {
      return Error("DIFAT sector out of range", pointer_at);
    }
    if (seen.empty()) {
      seen.resize(num_sectors_, false);
    }
    if (seen[difat]) {
      return Error("DIFAT loop", pointer_at);
    }
    seen[difat] = true;
    std::string s;
    VAULT_RETURN_IF_ERROR(ReadSector(difat, s));
    const uint64_t base = (uint64_t{difat} + 1) << sector_shift_;
    for (uint32_t i = 0; i < per_sector && fat_sectors.size() < num_fat_sectors_; ++i) {
      uint32_t fs = Le32(s, size_t{4} * i);
      if (fs >= num_sectors_) {
        return Error("FAT sector out of range", base + uint64_t{4} * i);
      }
      fat_sectors.push_back(fs);
    }
    pointer_at = base + uint64_t{4} * per_sector;
    difat = Le32(s, size_t{4} * per_sector);
  }
  return ReadTable(fat_sectors, fat_);
}

Status Ole2Reader::LoadDirectory(std::string& dir) {
  VAULT_ASSIGN_OR_RETURN(dir_sectors_, Chain(first_dir_sector_, 0, num_sectors_, false, 48));
  if (dir_sectors_.empty()) {
    return Error("empty directory chain", 48);
  }
  for (uint32_t s : dir_sectors_) {
    VAULT_RETURN_IF_ERROR(ReadSector(s, dir));
  }
  return Status::Ok();
}

uint64_t Ole2Reader::DirEntryOffset(uint64_t index) const {
  const uint64_t per_sector = (uint64_t{1} << sector_shift_) / kDirEntrySize;
  const uint64_t sector_index = index / per_sector;
  if (sector_index >= dir_sectors_.size()) {
    return 0;
  }
  return ((uint64_t{dir_sectors_[sector_index]} + 1) << sector_shift_) +
         (index % per_sector) * kDirEntrySize;
}

Status Ole2Reader::LoadMiniStream(const std::string& dir) {
  if (static_cast<uint8_t>(dir[66]) != 5) {
    return Error("root entry not a root storage", DirEntryOffset(0) + 66);
  }
  const uint32_t root_start = Le32(dir, 116);
  const uint64_t root_size = Le64(dir, 120) & 0xFFFFFFFFU;  // mini stream < 4 GiB in practice
  if (root_size == 0 || root_start == kEndOfChain) {
    return Status::Ok();
  }
  VAULT_ASSIGN_OR_RETURN(mini_stream_sectors_,
                         Chain(root_start, 0, num_sectors_, false, DirEntryOffset(0) + 116));
  mini_stream_size_ =
      std::min<uint64_t>(root_size, uint64_t{mini_stream_sectors_.size()} << sector_shift_);
  if (first_minifat_sector_ == kEndOfChain || num_minifat_sectors_ == 0) {
    return Status::Ok();
  }
  VAULT_ASSIGN_OR_RETURN(minifat_sectors_,
                         Chain(first_minifat_sector_, 0, num_sectors_, false, 60));
  return ReadTable(minifat_sectors_, minifat_);
}

Status Ole2Reader::WalkTree(const std::string& dir, bool v3) {
  const uint64_t num_entries = dir.size() / kDirEntrySize;
  // The tree is walked with an explicit stack (no recursion) and a visited set: every entry is
  // visited at most once, so a hostile cycle is reported and the stack holds at most three
  // items per entry. Items refer to their storage's path by index, so memory stays linear.
  struct Item {
    uint32_t id;
    uint32_t parent;  // index into `storages`
    int depth;        // storage nesting
    uint64_t from;    // offset of the field that points here
  };
  std::vector<std::string> storages = {""};  // "" or "Storage/Sub/"
  uint64_t path_bytes = 0;
  std::vector<bool> visited(num_entries, false);
  visited[0] = true;
  std::vector<Item> stack;
  stack.push_back({Le32(dir, 76), 0, 1, DirEntryOffset(0) + 76});
  while (!stack.empty()) {
    const Item it = stack.back();
    stack.pop_back();
    if (it.id == kNoStream) {
      continue;
    }
    if (it.id >= num_entries) {
      return Error("directory entry out of range", it.from);
    }
    if (visited[it.id]) {
      return Error("directory cycle", it.from);
    }
    visited[it.id] = true;
    const size_t at = size_t{it.id} * kDirEntrySize;
    const uint64_t off = DirEntryOffset(it.id);
    const auto type = static_cast<uint8_t>(dir[at + 66]);
    if (type == 0) {
      continue;  // unallocated: nothing hangs below it
    }
    if (type != 1 && type != 2) {
      return Error("bad entry type", off + 66);
    }
    const uint16_t name_len = Le16(dir, at + 64);
    if (name_len > 64 || name_len % 2 != 0) {
      return Error("bad name length", off + 64);
    }
    std::string path =
        storages[it.parent] + DecodeName(dir, at, name_len == 0 ? 0 : name_len / 2 - 1);
    path_bytes += path.size();
    if (path_bytes > kMaxPathBytes) {
      return Error("directory too large", off);
    }
    stack.push_back({Le32(dir, at + 68), it.parent, it.depth, off + 68});
    stack.push_back({Le32(dir, at + 72), it.parent, it.depth, off + 72});
    if (type == 1) {
      if (it.depth >= kMaxStorageDepth) {
        return Error("directory too deep", off);
      }
      storages.push_back(std::move(path) + "/");
      stack.push_back(
          {Le32(dir, at + 76), static_cast<uint32_t>(storages.size() - 1), it.depth + 1, off + 76});
      continue;
    }
    Stream s;
    s.start = Le32(dir, at + 116);
    s.size = Le64(dir, at + 120);
    if (v3) {
      s.size &= 0xFFFFFFFFU;  // [MS-CFB] 2.6.3: version 3 writers may leave junk above
    }
    s.mini = s.size < kMiniStreamCutoff;
    s.dir_offset = off;
    if (streams_.contains(path)) {
      continue;
    }
    if (streams_.size() >= kMaxStreams) {
      return Error("too many streams", off);
    }
    names_.push_back(path);
    streams_.emplace(std::move(path), s);
  }
  std::sort(names_.begin(), names_.end());
  return Status::Ok();
}

Result<std::string> Ole2Reader::ReadStream(std::string_view name, uint64_t max_bytes) const {
  auto found = streams_.find(name);
  if (found == streams_.end()) {
    return Status::NotFound("ole2: no stream named \"" + std::string(name) + "\"");
  }
  const Stream& s = found->second;
  const uint64_t want = std::min(s.size, max_bytes);
  std::string out;
  if (want == 0) {
    return out;
  }
  const uint64_t unit = s.mini ? kMiniSectorSize : (uint64_t{1} << sector_shift_);
  const uint64_t needed = (want + unit - 1) / unit;
  if (s.mini) {
    const uint64_t mini_limit = mini_stream_size_ / kMiniSectorSize;
    VAULT_ASSIGN_OR_RETURN(std::vector<uint32_t> chain,
                           Chain(s.start, needed, mini_limit, true, s.dir_offset + 116));
    if (chain.size() < needed) {
      return Error("mini chain ends early", s.dir_offset + 116);
    }
    out.reserve(want);  // want <= needed * 64, and the chain really has `needed` sectors
    for (uint32_t m : chain) {
      const uint64_t pos = uint64_t{m} * kMiniSectorSize;  // inside the mini stream
      const uint32_t sector = mini_stream_sectors_[pos >> sector_shift_];
      const uint64_t offset =
          ((uint64_t{sector} + 1) << sector_shift_) + (pos & ((uint64_t{1} << sector_shift_) - 1));
      const uint64_t len = std::min<uint64_t>(kMiniSectorSize, want - out.size());
      const size_t old = out.size();
      VAULT_RETURN_IF_ERROR(file_.ReadAt(offset, len, out, true));
      out.resize(old + len, '\0');
    }
    return out;
  }
  VAULT_ASSIGN_OR_RETURN(std::vector<uint32_t> chain,
                         Chain(s.start, needed, num_sectors_, false, s.dir_offset + 116));
  if (chain.size() < needed) {
    return Error("chain ends early", s.dir_offset + 116);
  }
  out.reserve(want);  // bounded: the chain really has `needed` sectors of the file
  // One pread per run of consecutive sectors (streams are usually contiguous).
  size_t i = 0;
  while (i < chain.size()) {
    size_t j = i + 1;
    while (j < chain.size() && chain[j] == chain[j - 1] + 1) {
      ++j;
    }
    const uint64_t offset = (uint64_t{chain[i]} + 1) << sector_shift_;
    const uint64_t len = std::min<uint64_t>(uint64_t{j - i} * unit, want - out.size());
    const size_t old = out.size();
    VAULT_RETURN_IF_ERROR(file_.ReadAt(offset, len, out, true));
    out.resize(old + len, '\0');  // a cut-short last sector reads as zeros
    i = j;
  }
  return out;
}

}  // namespace vault::pronom
