#include "formats/pronom/zip.h"

#include <zlib.h>

#include <algorithm>
#include <utility>

namespace vault::pronom {
namespace {

constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kMaxCommentLength = 0xFFFF;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EocdSize = 56;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kInflateChunk = uint64_t{64} * 1024;  // compressed bytes read per step

Status Error(std::string_view rule, uint64_t offset, Code code = Code::kCorruption) {
  return ReaderError("zip", rule, offset, code);
}
bool HasSig(std::string_view b, size_t at, uint8_t c, uint8_t d) {
  return b.size() >= at + 4 && b[at] == 'P' && b[at + 1] == 'K' &&
         static_cast<uint8_t>(b[at + 2]) == c && static_cast<uint8_t>(b[at + 3]) == d;
}

// Ends the inflate stream however ReadEntry leaves.
struct Inflater {
  z_stream zs{};
  bool live = false;
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  Inflater(Inflater&&) = delete;
  Inflater& operator=(Inflater&&) = delete;
  ~Inflater() {
    if (live) {
      inflateEnd(&zs);
    }
  }
};

}  // namespace

Result<ZipReader> ZipReader::Open(const std::filesystem::path& file, uint64_t byte_budget) {
  ZipReader r;
  VAULT_ASSIGN_OR_RETURN(r.file_, BoundedFile::Open(file, byte_budget, "zip"));
  if (r.file_.size() < kEocdSize) {
    return Error("no end of central directory", 0);
  }

  // The EOCD is the last record; only its comment (at most 64 KiB) may follow it.
  const uint64_t tail_len = std::min(r.file_.size(), kEocdSize + kMaxCommentLength);
  const uint64_t tail_start = r.file_.size() - tail_len;
  std::string tail;
  VAULT_RETURN_IF_ERROR(r.file_.ReadAt(tail_start, tail_len, tail));
  // Prefer a record whose comment ends exactly at end of file (a comment can contain "PK\5\6");
  // then accept one followed by trailing bytes.
  uint64_t found = UINT64_MAX;
  for (int pass = 0; pass < 2 && found == UINT64_MAX; ++pass) {
    for (uint64_t i = tail_len - kEocdSize + 1; i-- > 0;) {
      if (!HasSig(tail, i, 5, 6)) {
        continue;
      }
      const uint64_t end = i + kEocdSize + Le16(tail, i + 20);
      if (pass == 0 ? end == tail_len : end <= tail_len) {
        found = i;
        break;
      }
    }
  }
  if (found == UINT64_MAX) {
    return Error("no end of central directory", tail_start);
  }
  const uint64_t eocd = tail_start + found;
  const std::string_view e = std::string_view(tail).substr(found, kEocdSize);
  if (Le16(e, 4) != 0 || Le16(e, 6) != 0 || Le16(e, 8) != Le16(e, 10)) {
    return Error("multi-disk archive", eocd + 4);
  }
  uint64_t count = Le16(e, 10);
  uint64_t cd_size = Le32(e, 12);
  uint64_t cd_offset = Le32(e, 16);
  uint64_t cd_limit = eocd;  // the central directory ends before this
  uint64_t count_at = eocd + 10;
  uint64_t cd_at = eocd + 12;

  // ZIP64: a locator right before the EOCD points at the ZIP64 EOCD record.
  if (eocd >= kZip64LocatorSize) {
    const uint64_t loc_at = eocd - kZip64LocatorSize;
    std::string loc;
    if (found >= kZip64LocatorSize) {
      loc = tail.substr(found - kZip64LocatorSize, kZip64LocatorSize);
    } else {
      VAULT_RETURN_IF_ERROR(r.file_.ReadAt(loc_at, kZip64LocatorSize, loc));
    }
    if (HasSig(loc, 0, 6, 7)) {
      const uint64_t rec_at = Le64(loc, 8);
      if (Le32(loc, 4) != 0 || Le32(loc, 16) > 1) {
        return Error("multi-disk archive", loc_at + 4);
      }
      if (rec_at > loc_at || kZip64EocdSize > loc_at - rec_at) {
        return Error("bad zip64 locator", loc_at + 8);
      }
      std::string rec;
      VAULT_RETURN_IF_ERROR(r.file_.ReadAt(rec_at, kZip64EocdSize, rec));
      if (!HasSig(rec, 0, 6, 6)) {
        return Error("bad zip64 end of central directory", rec_at);
      }
      if (Le32(rec, 16) != 0 || Le32(rec, 20) != 0 || Le64(rec, 24) != Le64(rec, 32)) {
        return Error("multi-disk archive", rec_at + 16);
      }
      count = Le64(rec, 32);
      cd_size = Le64(rec, 40);
      cd_offset = Le64(rec, 48);
      cd_limit = rec_at;
      count_at = rec_at + 32;
      cd_at = rec_at + 40;
    }
  }
  if (count > kMaxEntries) {
    return Error("too many entries", count_at);
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) {
    return Error("central directory outside file", cd_at);
  }
  // A central header takes at least 46 bytes: a count the directory cannot hold is a lie.
  if (count * kCentralHeaderSize > cd_size) {
    return Error("central directory entry outside directory", cd_at);
  }
  VAULT_RETURN_IF_ERROR(r.ParseCentralDirectory(cd_offset, cd_size, count));
  return r;
}

Status ZipReader::ParseCentralDirectory(uint64_t cd_offset, uint64_t cd_size, uint64_t count) {
  std::string cd;
  VAULT_RETURN_IF_ERROR(file_.ReadAt(cd_offset, cd_size, cd));
  names_.reserve(count);
  entries_.reserve(count);
  uint64_t pos = 0;
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t at = cd_offset + pos;
    if (kCentralHeaderSize > cd_size - pos) {
      return Error("central directory entry outside directory", at);
    }
    if (!HasSig(cd, pos, 1, 2)) {
      return Error("bad central directory header", at);
    }
    const uint64_t name_len = Le16(cd, pos + 28);
    const uint64_t extra_len = Le16(cd, pos + 30);
    const uint64_t comment_len = Le16(cd, pos + 32);
    if (name_len > kMaxNameLength) {
      return Error("entry name too long", at + 28);
    }
    if (name_len + extra_len + comment_len > cd_size - pos - kCentralHeaderSize) {
      return Error("central directory entry outside directory", at);
    }
    Entry en;
    en.cd_offset = at;
    en.flags = Le16(cd, pos + 8);
    en.method = Le16(cd, pos + 10);
    en.crc = Le32(cd, pos + 16);
    en.compressed_size = Le32(cd, pos + 20);
    en.size = Le32(cd, pos + 24);
    en.local_offset = Le32(cd, pos + 42);
    const bool disk_64 = Le16(cd, pos + 34) == 0xFFFF;
    if (Le16(cd, pos + 34) != 0 && !disk_64) {
      return Error("multi-disk archive", at + 34);
    }
    std::string name = cd.substr(pos + kCentralHeaderSize, name_len);
    // Extra fields: the ZIP64 one (id 1) holds, in order, the 8-byte values of the fields that
    // are FFFFFFFF above (size, compressed size, local header offset), then a 4-byte disk.
    const uint64_t extra_at = pos + kCentralHeaderSize + name_len;
    uint64_t x = 0;
    while (x + 4 <= extra_len) {
      const uint16_t id = Le16(cd, extra_at + x);
      const uint64_t len = Le16(cd, extra_at + x + 2);
      if (len > extra_len - x - 4) {
        break;  // a malformed extra field: ignore the rest
      }
      if (id == 1) {
        const uint64_t f = extra_at + x + 4;
        uint64_t used = 0;
        auto take = [&](uint64_t& v) -> bool {
          if (v != 0xFFFFFFFFU) {
            return true;
          }
          if (used + 8 > len) {
            return false;
          }
          v = Le64(cd, f + used);
          used += 8;
          return true;
        };
        if (!take(en.size) || !take(en.compressed_size) || !take(en.local_offset) ||
            (disk_64 && (used + 4 > len || Le32(cd, f + used) != 0))) {
          return Error("bad zip64 extra field", cd_offset + extra_at + x);
        }
      }
      x += 4 + len;
    }
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
    index_.emplace(name, names_.size());
    names_.push_back(std::move(name));
    entries_.push_back(en);
  }
  return Status::Ok();
}

Result<std::string> ZipReader::ReadEntry(std::string_view name, uint64_t max_bytes) const {
  auto found = index_.find(name);
  if (found == index_.end()) {
    return Status::NotFound("zip: no entry named \"" + std::string(name) + "\"");
  }
  const Entry& e = entries_[found->second];
  if ((e.flags & 1) != 0) {
    return Error("encrypted entry", e.cd_offset + 8, Code::kInvalidArgument);
  }
  if (e.method != 0 && e.method != 8) {
    return Error("unsupported compression method " + std::to_string(e.method), e.cd_offset + 10,
                 Code::kFailedPrecondition);
  }
  const uint64_t want = std::min(max_bytes, e.size);
  std::string out;
  if (want == 0) {
    return out;
  }

  std::string local;
  if (e.local_offset > file_.size() || kLocalHeaderSize > file_.size() - e.local_offset) {
    return Error("bad local header", e.cd_offset + 42);
  }
  VAULT_RETURN_IF_ERROR(file_.ReadAt(e.local_offset, kLocalHeaderSize, local));
  if (!HasSig(local, 0, 3, 4)) {
    return Error("bad local header", e.local_offset);
  }
  const uint64_t data_at = e.local_offset + kLocalHeaderSize + Le16(local, 26) + Le16(local, 28);
  if (data_at > file_.size() || e.compressed_size > file_.size() - data_at) {
    return Error("entry data outside file", e.local_offset);
  }

  if (e.method == 0) {
    if (e.compressed_size != e.size) {
      return Error("size mismatch", e.cd_offset + 20);
    }
    VAULT_RETURN_IF_ERROR(file_.ReadAt(data_at, want, out));
  } else {
    Inflater inf;
    if (inflateInit2(&inf.zs, -MAX_WBITS) != Z_OK) {
      return Status::Internal("zip: inflateInit2");
    }
    inf.live = true;
    std::string in;
    uint64_t consumed = 0;  // compressed bytes read so far
    uint64_t produced = 0;
    bool stream_end = false;
    while (produced < want && !stream_end) {
      if (inf.zs.avail_in == 0) {
        if (consumed == e.compressed_size) {
          return Error("deflate data truncated", data_at + consumed);
        }
        // Spend the budget to its last byte before failing, so a budget smaller than one chunk
        // still inflates what it can pay for.
        const uint64_t left = file_.budget_left();
        const uint64_t n = std::min(
            {kInflateChunk, e.compressed_size - consumed, left == 0 ? kInflateChunk : left});
        in.clear();
        VAULT_RETURN_IF_ERROR(file_.ReadAt(data_at + consumed, n, in));
        consumed += n;
        inf.zs.next_in = reinterpret_cast<Bytef*>(in.data());
        inf.zs.avail_in = static_cast<uInt>(n);
      }
      // Grow the output geometrically with what inflate actually produces, never to `want` at
      // once: a declared size is not a reason to allocate.
      if (out.size() == produced) {
        const uint64_t grow = std::max<uint64_t>(kInflateChunk, produced);
        out.resize(std::min(want, produced + grow));
      }
      const uint64_t room = std::min<uint64_t>(out.size() - produced, 1U << 30);
      inf.zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      inf.zs.avail_out = static_cast<uInt>(room);
      const uInt in_before = inf.zs.avail_in;
      int rc = inflate(&inf.zs, Z_NO_FLUSH);
      produced += room - inf.zs.avail_out;
      if (rc == Z_STREAM_END) {
        stream_end = true;
      } else if (rc == Z_BUF_ERROR) {
        // No progress possible: with input left and room to write, the data is bad.
        if (inf.zs.avail_in != 0 && inf.zs.avail_in == in_before) {
          return Error("invalid deflate data", data_at + consumed - inf.zs.avail_in);
        }
      } else if (rc != Z_OK) {
        return Error("invalid deflate data", data_at + consumed - inf.zs.avail_in);
      }
    }
    out.resize(produced);
    if (stream_end && produced < want) {
      return Error("size mismatch", e.cd_offset + 24);
    }
  }
  if (out.size() == e.size) {
    const uint64_t crc = crc32_z(0L, reinterpret_cast<const Bytef*>(out.data()), out.size());
    if (crc != e.crc) {
      return Error("crc mismatch", e.cd_offset + 16);
    }
  }
  return out;
}

}  // namespace vault::pronom
