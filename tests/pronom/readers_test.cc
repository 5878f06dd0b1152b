// Tests of the PRONOM container readers (formats/pronom/ole2.h, zip.h): real files from the
// format corpus, zips made with the `zip` tool, hand-built hostile files and byte-flip fuzzing.
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/pronom/ole2.h"
#include "formats/pronom/zip.h"
#include "tests/testing/test_util.h"

namespace vault::pronom {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::vault::testing::TempDir;
using ::vault::testing::WriteFile;

constexpr uint64_t kBudget = 64u << 20;

std::filesystem::path Corpus(const std::filesystem::path& corpora, const std::string& rel) {
  return corpora / "format-corpus" / rel;
}

// Runs `cmd` through the shell; false when the tool is missing or fails.
bool RunShell(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

void Put16(std::string& b, uint64_t at, uint16_t v) {
  b[at] = static_cast<char>(v & 0xFF);
  b[at + 1] = static_cast<char>(v >> 8);
}
void Put32(std::string& b, uint64_t at, uint32_t v) {
  Put16(b, at, static_cast<uint16_t>(v & 0xFFFF));
  Put16(b, at + 2, static_cast<uint16_t>(v >> 16));
}
void Put64(std::string& b, uint64_t at, uint64_t v) {
  Put32(b, at, static_cast<uint32_t>(v & 0xFFFFFFFF));
  Put32(b, at + 4, static_cast<uint32_t>(v >> 32));
}
void Append16(std::string& b, uint16_t v) {
  b.append(2, '\0');
  Put16(b, b.size() - 2, v);
}
void Append32(std::string& b, uint32_t v) {
  b.append(4, '\0');
  Put32(b, b.size() - 4, v);
}
void Append64(std::string& b, uint64_t v) {
  b.append(8, '\0');
  Put64(b, b.size() - 8, v);
}

// Deterministic content: `n` bytes of a pattern that starts with `head`.
std::string Pattern(const std::string& head, size_t n) {
  std::string s = head;
  for (size_t i = s.size(); i < n; ++i) {
    s += static_cast<char>('a' + (i * 7) % 26);
  }
  s.resize(n);
  return s;
}

// Status helpers: code and exact message.
template <class T>
std::string Msg(const Result<T>& r) {
  return r.ok() ? "ok" : std::string(r.status().message());
}
std::string Msg(const Status& s) { return s.ok() ? "ok" : std::string(s.message()); }
std::string At(const std::string& prefix, const std::string& rule, uint64_t offset) {
  return prefix + ": " + rule + " at offset " + std::to_string(offset);
}

// ---------------------------------------------------------------------------------------------
// A compound file built in memory (version 3 with 512-byte sectors, or version 4 with 4096):
// sector 0 holds the FAT, then come the directory, the mini FAT, the mini stream and the regular
// streams, each chained in order; `pad_sectors` free sectors at the end.

constexpr uint32_t kNo = 0xFFFFFFFF;
constexpr uint32_t kEnd = 0xFFFFFFFE;

struct CfbEntry {
  std::string name;  // ASCII, may start with \001 or \005
  uint8_t type = 2;  // 1 storage, 2 stream, 5 root
  uint32_t left = kNo, right = kNo, child = kNo;
  std::string data;  // streams only
};

struct Cfb {
  std::string bytes;
  uint32_t sector_size = 512;
  std::vector<uint32_t> dir_sectors;
  std::vector<std::vector<uint32_t>> chains;  // per entry: regular or mini sectors of its data
  uint32_t minifat_sector = kEnd;

  uint64_t SectorOffset(uint32_t s) const { return uint64_t{s + 1} * sector_size; }
  uint64_t FatEntry(uint32_t i) const { return SectorOffset(0) + 4 * uint64_t{i}; }
  uint64_t MiniFatEntry(uint32_t i) const { return SectorOffset(minifat_sector) + 4 * uint64_t{i}; }
  uint64_t DirEntry(uint32_t k) const {
    const uint32_t per = sector_size / 128;
    return SectorOffset(dir_sectors[k / per]) + 128 * uint64_t{k % per};
  }
  void Write(const std::filesystem::path& p) const { WriteFile(p, bytes); }
};

Cfb BuildCfb(const std::vector<CfbEntry>& entries, uint32_t sector_size = 512,
             uint32_t pad_sectors = 0) {
  Cfb c;
  c.sector_size = sector_size;
  const uint32_t s = sector_size;
  std::vector<std::string> sectors;
  std::vector<uint32_t> fat;
  auto add_chain = [&](const std::string& data) {
    std::vector<uint32_t> chain;
    for (size_t off = 0; off < data.size(); off += s) {
      std::string sec = data.substr(off, s);
      sec.resize(s, '\0');
      chain.push_back(static_cast<uint32_t>(sectors.size()));
      sectors.push_back(sec);
      fat.push_back(kEnd);
      if (chain.size() > 1) {
        fat[chain[chain.size() - 2]] = chain.back();
      }
    }
    return chain;
  };
  sectors.emplace_back(s, '\0');  // sector 0: the FAT
  fat.push_back(0xFFFFFFFD);
  c.chains.resize(entries.size());
  // Directory.
  std::string dir(((entries.size() * 128 + s - 1) / s) * s, '\0');
  for (size_t k = 0; k < dir.size() / 128; ++k) {
    Put32(dir, 128 * k + 68, kNo);
    Put32(dir, 128 * k + 72, kNo);
    Put32(dir, 128 * k + 76, kNo);
  }
  c.dir_sectors = add_chain(dir);
  // Mini stream.
  std::string mini, minifat;
  for (size_t k = 0; k < entries.size(); ++k) {
    const CfbEntry& e = entries[k];
    if (e.type != 2 || e.data.empty() || e.data.size() >= 4096) {
      continue;
    }
    for (size_t off = 0; off < e.data.size(); off += 64) {
      const uint32_t m = static_cast<uint32_t>(mini.size() / 64);
      std::string piece = e.data.substr(off, 64);
      piece.resize(64, '\0');
      mini += piece;
      Append32(minifat, kEnd);
      if (!c.chains[k].empty()) {
        Put32(minifat, 4 * uint64_t{c.chains[k].back()}, m);
      }
      c.chains[k].push_back(m);
    }
  }
  std::vector<uint32_t> minifat_chain, mini_chain;
  if (!mini.empty()) {
    minifat.resize(((minifat.size() + s - 1) / s) * s, '\xFF');
    minifat_chain = add_chain(minifat);
    c.minifat_sector = minifat_chain[0];
    mini_chain = add_chain(mini);
  }
  for (size_t k = 0; k < entries.size(); ++k) {
    const CfbEntry& e = entries[k];
    if (e.type == 2 && e.data.size() >= 4096) {
      c.chains[k] = add_chain(e.data);
    }
  }
  EXPECT_LE(fat.size(), s / 4) << "BuildCfb keeps the FAT in one sector";
  // Spare sectors exist in the file but lie beyond what the one FAT sector describes.
  for (uint32_t i = 0; i < pad_sectors; ++i) {
    sectors.emplace_back(s, '\0');
  }
  fat.resize(s / 4, kNo);
  for (size_t i = 0; i < fat.size(); ++i) {
    Put32(sectors[0], 4 * i, fat[i]);
  }
  // Directory entries.
  std::string& d = dir;
  for (size_t k = 0; k < entries.size(); ++k) {
    const CfbEntry& e = entries[k];
    const size_t at = 128 * k;
    for (size_t i = 0; i < e.name.size() && i < 31; ++i) {
      Put16(d, at + 2 * i, static_cast<uint8_t>(e.name[i]));
    }
    Put16(d, at + 64, static_cast<uint16_t>(2 * (std::min<size_t>(e.name.size(), 31) + 1)));
    d[at + 66] = static_cast<char>(e.type);
    d[at + 67] = 1;  // black
    Put32(d, at + 68, e.left);
    Put32(d, at + 72, e.right);
    Put32(d, at + 76, e.child);
    if (e.type == 5) {
      Put32(d, at + 116, mini_chain.empty() ? kEnd : mini_chain[0]);
      Put64(d, at + 120, mini.size());
    } else if (e.type == 2) {
      Put32(d, at + 116, c.chains[k].empty() ? kEnd : c.chains[k][0]);
      Put64(d, at + 120, e.data.size());
    }
  }
  for (size_t i = 0; i < c.dir_sectors.size(); ++i) {
    sectors[c.dir_sectors[i]] = d.substr(i * s, s);
  }
  // Header.
  std::string h(s, '\0');
  const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  for (int i = 0; i < 8; ++i) {
    h[i] = static_cast<char>(sig[i]);
  }
  Put16(h, 24, 0x3E);
  Put16(h, 26, s == 512 ? 3 : 4);
  Put16(h, 28, 0xFFFE);
  Put16(h, 30, s == 512 ? 9 : 12);
  Put16(h, 32, 6);
  if (s == 4096) {
    Put32(h, 40, static_cast<uint32_t>(c.dir_sectors.size()));
  }
  Put32(h, 44, 1);
  Put32(h, 48, c.dir_sectors[0]);
  Put32(h, 56, 4096);
  Put32(h, 60, minifat_chain.empty() ? kEnd : minifat_chain[0]);
  Put32(h, 64, static_cast<uint32_t>(minifat_chain.size()));
  Put32(h, 68, kEnd);
  Put32(h, 72, 0);
  for (int i = 0; i < 109; ++i) {
    Put32(h, 76 + 4 * i, kNo);
  }
  Put32(h, 76, 0);
  c.bytes = h;
  for (const std::string& sec : sectors) {
    c.bytes += sec;
  }
  return c;
}

// The usual test tree: a Word-like file with mini streams, a big stream and nested storages.
//   0 Root Entry -> child 2
//   1 \001CompObj (mini)            2 WordDocument (5000 bytes; left 1, right 3)
//   3 ObjectPool (storage; right 6) -> 4 _1234 (storage) -> 5 \001CompObj (mini)
//   6 \005SummaryInformation (mini)
std::vector<CfbEntry> WordLikeEntries() {
  std::vector<CfbEntry> e(7);
  e[0] = {"Root Entry", 5, kNo, kNo, 2, ""};
  e[1] = {"\001CompObj", 2, kNo, kNo, kNo, Pattern(std::string("\x01\x00\xFE\xFF", 4), 100)};
  e[2] = {"WordDocument", 2, 1, 3, kNo, Pattern("\xEC\xA5", 5000)};
  e[3] = {"ObjectPool", 1, kNo, 6, 4, ""};
  e[4] = {"_1234", 1, kNo, kNo, 5, ""};
  e[5] = {"\001CompObj", 2, kNo, kNo, kNo, Pattern("nested", 50)};
  e[6] = {"\005SummaryInformation", 2, kNo, kNo, kNo, Pattern("summary", 200)};
  return e;
}

// ---------------------------------------------------------------------------------------------
// A zip built in memory. Entries are stored (0) or deflated (8, raw deflate with zlib), unless
// `raw` is set: then `data` is written as the entry's data as is, with `size` and `crc` declared.

struct ZipItem {
  std::string name;
  std::string data;
  uint16_t method = 8;
  uint16_t flags = 0;
  bool raw = false;
  uint64_t size = 0;
  uint32_t crc = 0;
};

struct Zip {
  std::string bytes;
  std::vector<uint64_t> local;  // local header offsets
  std::vector<uint64_t> cd;     // central directory header offsets
  uint64_t cd_offset = 0;
  uint64_t zip64_record = 0;  // 0 when not zip64
  uint64_t zip64_locator = 0;
  uint64_t eocd = 0;
  void Write(const std::filesystem::path& p) const { WriteFile(p, bytes); }
};

std::string RawDeflate(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Raw deflate of `n` zero bytes, streamed (never holds `n` bytes), with their CRC-32.
std::string DeflateZeros(uint64_t n, uint32_t* crc) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  uLong c = crc32(0L, Z_NULL, 0);
  for (uint64_t left = n;;) {
    const uint64_t take = std::min<uint64_t>(left, zeros.size());
    c = crc32(c, reinterpret_cast<const Bytef*>(zeros.data()), static_cast<uInt>(take));
    left -= take;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(take);
    const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof(buf);
      rc = deflate(&zs, flush);
      out.append(buf, sizeof(buf) - zs.avail_out);
    } while (zs.avail_out == 0);
    if (flush == Z_FINISH) {
      EXPECT_EQ(rc, Z_STREAM_END);
      break;
    }
  }
  deflateEnd(&zs);
  *crc = static_cast<uint32_t>(c);
  return out;
}

Zip BuildZip(const std::vector<ZipItem>& items, bool zip64 = false,
             const std::string& comment = "") {
  Zip z;
  std::string& b = z.bytes;
  std::string cd;
  for (const ZipItem& it : items) {
    std::string data = it.raw ? it.data : (it.method == 8 ? RawDeflate(it.data) : it.data);
    const uint64_t size = it.raw ? it.size : it.data.size();
    const uint32_t crc =
        it.raw ? it.crc
               : static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(it.data.data()),
                                             static_cast<uInt>(it.data.size())));
    z.local.push_back(b.size());
    Append32(b, 0x04034b50);
    Append16(b, zip64 ? 45 : 20);
    Append16(b, it.flags);
    Append16(b, it.method);
    Append32(b, 0);  // time, date
    Append32(b, crc);
    Append32(b, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(data.size()));
    Append32(b, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(size));
    Append16(b, static_cast<uint16_t>(it.name.size()));
    Append16(b, zip64 ? 20 : 0);
    b += it.name;
    if (zip64) {
      Append16(b, 1);
      Append16(b, 16);
      Append64(b, size);
      Append64(b, data.size());
    }
    b += data;
    z.cd.push_back(cd.size());  // relative for now
    Append32(cd, 0x02014b50);
    Append16(cd, 0x031E);
    Append16(cd, zip64 ? 45 : 20);
    Append16(cd, it.flags);
    Append16(cd, it.method);
    Append32(cd, 0);
    Append32(cd, crc);
    Append32(cd, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(data.size()));
    Append32(cd, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(size));
    Append16(cd, static_cast<uint16_t>(it.name.size()));
    Append16(cd, zip64 ? 28 : 0);
    Append16(cd, 0);  // comment
    Append16(cd, 0);  // disk
    Append16(cd, 0);  // internal attributes
    Append32(cd, 0);  // external attributes
    Append32(cd, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(z.local.back()));
    cd += it.name;
    if (zip64) {
      Append16(cd, 1);
      Append16(cd, 24);
      Append64(cd, size);
      Append64(cd, data.size());
      Append64(cd, z.local.back());
    }
  }
  z.cd_offset = b.size();
  for (uint64_t& off : z.cd) {
    off += z.cd_offset;
  }
  b += cd;
  if (zip64) {
    z.zip64_record = b.size();
    Append32(b, 0x06064b50);
    Append64(b, 44);
    Append16(b, 45);
    Append16(b, 45);
    Append32(b, 0);
    Append32(b, 0);
    Append64(b, items.size());
    Append64(b, items.size());
    Append64(b, cd.size());
    Append64(b, z.cd_offset);
    z.zip64_locator = b.size();
    Append32(b, 0x07064b50);
    Append32(b, 0);
    Append64(b, z.zip64_record);
    Append32(b, 1);
  }
  z.eocd = b.size();
  Append32(b, 0x06054b50);
  Append16(b, 0);
  Append16(b, 0);
  Append16(b, zip64 ? 0xFFFF : static_cast<uint16_t>(items.size()));
  Append16(b, zip64 ? 0xFFFF : static_cast<uint16_t>(items.size()));
  Append32(b, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(cd.size()));
  Append32(b, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(z.cd_offset));
  Append16(b, static_cast<uint16_t>(comment.size()));
  b += comment;
  return z;
}

// Every error of a reader names itself ("ole2: ..." / "zip: ...") with a code that input can
// cause; anything else (a crash, an errno, an internal error) is a bug.
void ExpectCleanError(const Status& s, const std::string& prefix) {
  if (s.ok()) {
    return;
  }
  EXPECT_THAT(std::string(s.message()), ::testing::StartsWith(prefix + ": "));
  EXPECT_THAT(s.code(), ::testing::AnyOf(Code::kCorruption, Code::kInvalidArgument,
                                         Code::kResourceExhausted, Code::kFailedPrecondition));
}

// ---------------------------------------------------------------------------------------------
// OLE2 on real files

TEST(Ole2Reader, Word97DocHasWordDocumentAndCompObj) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = Ole2Reader::Open(
      Corpus(corpora, "variations/variations/application/msword/lorem-ipsum.doc"), kBudget);
  ASSERT_OK(r);
  EXPECT_THAT(r->StreamNames(), Contains("WordDocument"));
  EXPECT_THAT(r->StreamNames(), Contains("CompObj"));
  EXPECT_THAT(r->StreamNames(), Contains("SummaryInformation"));
  // The FIB starts with wIdent 0xA5EC.
  auto fib = r->ReadStream("WordDocument", 2);
  ASSERT_OK(fib);
  EXPECT_EQ(*fib, std::string("\xEC\xA5", 2));
  // CompObj is a mini stream: its header is 01 00 FE FF, and it names the Word document class.
  auto compobj = r->ReadStream("CompObj", 4096);
  ASSERT_OK(compobj);
  ASSERT_GE(compobj->size(), 4u);
  EXPECT_EQ(compobj->substr(0, 4), std::string("\x01\x00\xFE\xFF", 4));
  EXPECT_THAT(*compobj, HasSubstr("Word.Document.8"));
  EXPECT_LE(r->bytes_read(), kBudget);
}

TEST(Ole2Reader, XlsHasWorkbook) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = Ole2Reader::Open(Corpus(corpora, "office/spreadsheet/xls/valid.xls"), kBudget);
  ASSERT_OK(r);
  EXPECT_THAT(r->StreamNames(), Contains("Workbook"));
  // A BIFF8 workbook starts with a BOF record (09 08).
  auto bof = r->ReadStream("Workbook", 2);
  ASSERT_OK(bof);
  EXPECT_EQ(*bof, std::string("\x09\x08", 2));
}

TEST(Ole2Reader, Excel95XlsHasBook) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = Ole2Reader::Open(
      Corpus(corpora,
             "_extracted-from-zips/spreadsheets_historicaldates/spreadsheet-excel5-95-calcs.xls"),
      kBudget);
  ASSERT_OK(r);
  EXPECT_THAT(r->StreamNames(), Contains("Book"));
}

TEST(Ole2Reader, MissingStreamIsNotFound) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = Ole2Reader::Open(
      Corpus(corpora, "variations/variations/application/msword/lorem-ipsum.doc"), kBudget);
  ASSERT_OK(r);
  auto s = r->ReadStream("NoSuchStream", 10);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kNotFound);
}

TEST(Ole2Reader, NotAnOle2FileIsBadSignature) {
  TempDir dir;
  WriteFile(dir / "x.doc", std::string(1024, 'x'));
  auto r = Ole2Reader::Open(dir / "x.doc", kBudget);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_EQ(r.status().message(), "ole2: bad signature at offset 0");
}

// ---------------------------------------------------------------------------------------------
// ZIP on real files and zip-tool archives

TEST(ZipReader, DocxHasContentTypes) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = ZipReader::Open(
      Corpus(corpora,
             "variations/variations/application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.document/lorem-ipsum.docx"),
      kBudget);
  ASSERT_OK(r);
  EXPECT_THAT(r->EntryNames(), Contains("[Content_Types].xml"));
  EXPECT_THAT(r->EntryNames(), Contains("word/document.xml"));
  auto ct = r->ReadEntry("[Content_Types].xml", 1 << 20);
  ASSERT_OK(ct);
  EXPECT_THAT(*ct, HasSubstr("<Types"));
  auto head = r->ReadEntry("word/document.xml", 5);
  ASSERT_OK(head);
  EXPECT_EQ(*head, "<?xml");
}

TEST(ZipReader, OdtMimetype) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = ZipReader::Open(
      Corpus(corpora,
             "variations/variations/application/vnd.oasis.opendocument.text/lorem-ipsum.oo3.2.odt"),
      kBudget);
  ASSERT_OK(r);
  ASSERT_FALSE(r->EntryNames().empty());
  EXPECT_EQ(r->EntryNames()[0], "mimetype");
  auto m = r->ReadEntry("mimetype", 1024);
  ASSERT_OK(m);
  EXPECT_EQ(*m, "application/vnd.oasis.opendocument.text");
  EXPECT_THAT(r->EntryNames(), Contains("META-INF/manifest.xml"));
  EXPECT_THAT(r->EntryNames(), Contains("content.xml"));
}

TEST(ZipReader, PlainZipFromCorpus) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto r = ZipReader::Open(
      Corpus(corpora, "droid-jhove-datetest-files/textfiles_historicaldates.zip"), kBudget);
  ASSERT_OK(r);
  EXPECT_FALSE(r->EntryNames().empty());
  for (const std::string& name : r->EntryNames()) {
    if (name.empty() || name.back() == '/') {
      continue;
    }
    EXPECT_OK(r->ReadEntry(name, 1 << 16));
  }
}

TEST(ZipReader, StoredAndDeflatedFromZipTool) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "line " + std::to_string(i) + " of some text\n";
  }
  WriteFile(dir / "in" / "a.txt", text);
  WriteFile(dir / "in" / "sub" / "b.txt", "hello");
  const std::string in = (dir / "in").string();
  if (!RunShell("cd '" + in + "' && zip -q -0 -r '" + (dir / "stored.zip").string() +
                "' . && zip -q -9 -r '" + (dir / "deflated.zip").string() + "' .")) {
    GTEST_SKIP() << "the zip tool is not available";
  }
  for (const char* zip_name : {"stored.zip", "deflated.zip"}) {
    SCOPED_TRACE(zip_name);
    auto r = ZipReader::Open(dir / zip_name, kBudget);
    ASSERT_OK(r);
    EXPECT_THAT(r->EntryNames(), Contains("a.txt"));
    EXPECT_THAT(r->EntryNames(), Contains("sub/b.txt"));
    EXPECT_THAT(r->EntryNames(), Contains("sub/"));
    auto a = r->ReadEntry("a.txt", UINT64_MAX);
    ASSERT_OK(a);
    EXPECT_EQ(*a, text);
    auto prefix = r->ReadEntry("a.txt", 100);
    ASSERT_OK(prefix);
    EXPECT_EQ(*prefix, text.substr(0, 100));
    auto b = r->ReadEntry("sub/b.txt", 3);
    ASSERT_OK(b);
    EXPECT_EQ(*b, "hel");
    auto missing = r->ReadEntry("nope", 3);
    EXPECT_EQ(missing.status().code(), Code::kNotFound);
  }
}

TEST(ZipReader, NotAZipHasNoEndOfCentralDirectory) {
  TempDir dir;
  WriteFile(dir / "x.zip", std::string(100, 'x'));
  auto r = ZipReader::Open(dir / "x.zip", kBudget);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_EQ(r.status().message(), "zip: no end of central directory at offset 0");
}

// Every file of the format corpus that starts like a compound file / a zip opens, and all its
// streams / entries read (first 64 KiB).
std::vector<std::filesystem::path> CorpusFilesStartingWith(const std::filesystem::path& corpora,
                                                           const std::string& magic) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(corpora / "format-corpus")) {
    if (!e.is_regular_file() || e.is_symlink()) {
      continue;
    }
    std::ifstream f(e.path(), std::ios::binary);
    std::string head(magic.size(), '\0');
    if (f.read(head.data(), static_cast<std::streamsize>(head.size())) && head == magic) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Ole2Reader, EveryCompoundFileInCorpusOpens) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const auto files = CorpusFilesStartingWith(corpora, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
  ASSERT_FALSE(files.empty());
  size_t streams = 0;
  for (const auto& p : files) {
    SCOPED_TRACE(p.string());
    auto r = Ole2Reader::Open(p, kBudget);
    ASSERT_OK(r);
    EXPECT_FALSE(r->StreamNames().empty());
    for (const std::string& name : r->StreamNames()) {
      auto st = r->ReadStream(name, 64 * 1024);
      EXPECT_TRUE(st.ok()) << name << ": " << Msg(st);
      ++streams;
    }
  }
  std::cout << "ole2 corpus: " << files.size() << " files, " << streams << " streams read\n";
}

TEST(ZipReader, EveryZipInCorpusOpens) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const auto files = CorpusFilesStartingWith(corpora, "PK\x03\x04");
  ASSERT_FALSE(files.empty());
  size_t entries = 0;
  for (const auto& p : files) {
    SCOPED_TRACE(p.string());
    auto r = ZipReader::Open(p, kBudget);
    ASSERT_OK(r);
    for (const std::string& name : r->EntryNames()) {
      auto st = r->ReadEntry(name, 64 * 1024);
      EXPECT_TRUE(st.ok()) << name << ": " << Msg(st);
      ++entries;
    }
  }
  std::cout << "zip corpus: " << files.size() << " files, " << entries << " entries read\n";
}

// ---------------------------------------------------------------------------------------------
// OLE2 on built files: names, mini streams, version 4, and every hostile rule

TEST(Ole2Reader, BuiltFileNamesAndContents) {
  for (uint32_t sector_size : {512u, 4096u}) {
    SCOPED_TRACE(sector_size);
    TempDir dir;
    const std::vector<CfbEntry> e = WordLikeEntries();
    BuildCfb(e, sector_size).Write(dir / "w.doc");
    auto r = Ole2Reader::Open(dir / "w.doc", kBudget);
    ASSERT_OK(r);
    EXPECT_EQ(r->StreamNames(), (std::vector<std::string>{"CompObj", "ObjectPool/_1234/CompObj",
                                                          "SummaryInformation", "WordDocument"}));
    auto word = r->ReadStream("WordDocument", UINT64_MAX);
    ASSERT_OK(word);
    EXPECT_EQ(*word, e[2].data);
    auto word_head = r->ReadStream("WordDocument", 700);  // crosses a 512-byte sector
    ASSERT_OK(word_head);
    EXPECT_EQ(*word_head, e[2].data.substr(0, 700));
    auto compobj = r->ReadStream("CompObj", 1000);
    ASSERT_OK(compobj);
    EXPECT_EQ(*compobj, e[1].data);
    auto nested = r->ReadStream("ObjectPool/_1234/CompObj", 10);
    ASSERT_OK(nested);
    EXPECT_EQ(*nested, e[5].data.substr(0, 10));
    auto summary = r->ReadStream("SummaryInformation", UINT64_MAX);
    ASSERT_OK(summary);
    EXPECT_EQ(*summary, e[6].data);
    auto none = r->ReadStream("ObjectPool", 10);  // a storage, not a stream
    EXPECT_EQ(none.status().code(), Code::kNotFound);
    auto empty = r->ReadStream("WordDocument", 0);
    ASSERT_OK(empty);
    EXPECT_EQ(*empty, "");
  }
}

TEST(Ole2Reader, ReaderIsMovable) {
  TempDir dir;
  BuildCfb(WordLikeEntries()).Write(dir / "w.doc");
  auto r = Ole2Reader::Open(dir / "w.doc", kBudget);
  ASSERT_OK(r);
  Ole2Reader moved = std::move(r).value();
  Ole2Reader assigned = std::move(moved);
  auto head = assigned.ReadStream("WordDocument", 2);
  ASSERT_OK(head);
  EXPECT_EQ(*head, "\xEC\xA5");
}

TEST(Ole2Reader, RefusesSymlinksAndDirectories) {
  TempDir dir;
  BuildCfb(WordLikeEntries()).Write(dir / "w.doc");
  std::filesystem::create_symlink(dir / "w.doc", dir / "link.doc");
  auto link = Ole2Reader::Open(dir / "link.doc", kBudget);
  EXPECT_EQ(link.status().code(), Code::kInvalidArgument) << Msg(link);
  auto directory = Ole2Reader::Open(dir.path(), kBudget);
  EXPECT_EQ(directory.status().code(), Code::kInvalidArgument) << Msg(directory);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  auto fifo = Ole2Reader::Open(dir / "fifo", kBudget);  // must not block
  EXPECT_EQ(fifo.status().code(), Code::kInvalidArgument) << Msg(fifo);
  auto missing = Ole2Reader::Open(dir / "missing.doc", kBudget);
  EXPECT_EQ(missing.status().code(), Code::kNotFound) << Msg(missing);
}

// Opens `c` after `patch` and returns the Open status.
template <class Patch>
Status OpenPatched(Cfb c, Patch patch, uint64_t budget = kBudget) {
  patch(c);
  TempDir dir;
  c.Write(dir / "p.doc");
  return Ole2Reader::Open(dir / "p.doc", budget).status();
}

TEST(Ole2Reader, HeaderRules) {
  const Cfb c = BuildCfb(WordLikeEntries());
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { x.bytes[3] = 0; })), "ole2: bad signature at offset 0");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put16(x.bytes, 28, 0xFEFF); })),
            "ole2: bad byte order at offset 28");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put16(x.bytes, 30, 10); })),
            "ole2: bad sector shift at offset 30");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put16(x.bytes, 32, 7); })),
            "ole2: bad mini sector shift at offset 32");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, 56, 0x10000); })),
            "ole2: bad mini stream cutoff at offset 56");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { x.bytes.resize(300); })),
            "ole2: truncated header at offset 300");
}

TEST(Ole2Reader, FatSectorOutOfRangeAndTooManyFatSectors) {
  const Cfb c = BuildCfb(WordLikeEntries());
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, 76, 9999); })),
            "ole2: FAT sector out of range at offset 76");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, 76, kEnd); })),
            "ole2: FAT sector out of range at offset 76");
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, 44, 0x7FFFFFFF); })),
            "ole2: too many FAT sectors at offset 44");
}

TEST(Ole2Reader, DifatLoopAndDifatOutOfRange) {
  // 300 spare sectors so that 237 FAT sectors (109 in the header, then two DIFAT sectors' worth)
  // pass the "too many FAT sectors" rule; the DIFAT sector points at itself.
  const Cfb c = BuildCfb(WordLikeEntries(), 512, 300);
  const uint32_t difat = static_cast<uint32_t>(c.bytes.size() / 512) - 2;  // a spare sector
  auto loop = OpenPatched(c, [&](Cfb& x) {
    Put32(x.bytes, 44, 109 + 127 + 1);
    for (int i = 0; i < 109; ++i) {
      Put32(x.bytes, 76 + 4 * i, 0);
    }
    Put32(x.bytes, 68, difat);
    Put32(x.bytes, 72, 2);
    for (int i = 0; i < 127; ++i) {
      Put32(x.bytes, x.SectorOffset(difat) + 4 * i, 0);
    }
    Put32(x.bytes, x.SectorOffset(difat) + 508, difat);
  });
  EXPECT_EQ(Msg(loop), At("ole2", "DIFAT loop", c.SectorOffset(difat) + 508));
  auto out_of_range = OpenPatched(c, [&](Cfb& x) {
    Put32(x.bytes, 44, 110);
    for (int i = 0; i < 109; ++i) {
      Put32(x.bytes, 76 + 4 * i, 0);
    }
    Put32(x.bytes, 68, 99999);
  });
  EXPECT_EQ(Msg(out_of_range), "ole2: DIFAT sector out of range at offset 68");
}

TEST(Ole2Reader, DirectoryChainLoop) {
  std::vector<CfbEntry> e = WordLikeEntries();
  e.resize(9);  // 9 entries: three directory sectors
  const Cfb c = BuildCfb(e);
  ASSERT_EQ(c.dir_sectors.size(), 3u);
  auto s = OpenPatched(
      c, [](Cfb& x) { Put32(x.bytes, x.FatEntry(x.dir_sectors[2]), x.dir_sectors[0]); });
  EXPECT_EQ(Msg(s), At("ole2", "chain loop", c.FatEntry(c.dir_sectors[2])));
  auto self = OpenPatched(
      c, [](Cfb& x) { Put32(x.bytes, x.FatEntry(x.dir_sectors[0]), x.dir_sectors[0]); });
  EXPECT_EQ(Msg(self), At("ole2", "chain loop", c.FatEntry(c.dir_sectors[0])));
  auto free_entry =
      OpenPatched(c, [](Cfb& x) { Put32(x.bytes, x.FatEntry(x.dir_sectors[1]), kNo); });
  EXPECT_EQ(Msg(free_entry), At("ole2", "bad chain entry", c.FatEntry(c.dir_sectors[1])));
  auto first = OpenPatched(c, [](Cfb& x) { Put32(x.bytes, 48, 5000); });
  EXPECT_EQ(Msg(first), "ole2: chain sector out of range at offset 48");
}

TEST(Ole2Reader, DirectoryCycles) {
  const Cfb c = BuildCfb(WordLikeEntries());
  // A sibling pointing at itself, a storage's child pointing back at an ancestor storage, and a
  // sibling pointing at the root.
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, x.DirEntry(2) + 68, 2); })),
            At("ole2", "directory cycle", c.DirEntry(2) + 68));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, x.DirEntry(5) + 72, 3); })),
            At("ole2", "directory cycle", c.DirEntry(5) + 72));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, x.DirEntry(4) + 76, 4); })),
            At("ole2", "directory cycle", c.DirEntry(4) + 76));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, x.DirEntry(6) + 68, 0); })),
            At("ole2", "directory cycle", c.DirEntry(6) + 68));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put32(x.bytes, x.DirEntry(1) + 72, 500); })),
            At("ole2", "directory entry out of range", c.DirEntry(1) + 72));
}

TEST(Ole2Reader, DirectoryEntryRules) {
  const Cfb c = BuildCfb(WordLikeEntries());
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { x.bytes[x.DirEntry(0) + 66] = 1; })),
            At("ole2", "root entry not a root storage", c.DirEntry(0) + 66));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put16(x.bytes, x.DirEntry(2) + 64, 66); })),
            At("ole2", "bad name length", c.DirEntry(2) + 64));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { Put16(x.bytes, x.DirEntry(2) + 64, 7); })),
            At("ole2", "bad name length", c.DirEntry(2) + 64));
  EXPECT_EQ(Msg(OpenPatched(c, [](Cfb& x) { x.bytes[x.DirEntry(2) + 66] = 5; })),
            At("ole2", "bad entry type", c.DirEntry(2) + 66));
}

TEST(Ole2Reader, DirectoryTooDeep) {
  std::vector<CfbEntry> e;
  e.push_back({"Root Entry", 5, kNo, kNo, 1, ""});
  for (uint32_t i = 1; i <= 70; ++i) {
    e.push_back({"S" + std::to_string(i), 1, kNo, kNo, i + 1, ""});
  }
  e.push_back({"Leaf", 2, kNo, kNo, kNo, "x"});
  const Cfb c = BuildCfb(e);
  TempDir dir;
  c.Write(dir / "deep.doc");
  auto r = Ole2Reader::Open(dir / "deep.doc", kBudget);
  EXPECT_EQ(Msg(r), At("ole2", "directory too deep", c.DirEntry(64)));
}

TEST(Ole2Reader, StreamChainRules) {
  const Cfb base = BuildCfb(WordLikeEntries());
  const std::vector<uint32_t>& word = base.chains[2];  // 10 sectors
  ASSERT_EQ(word.size(), 10u);
  TempDir dir;
  auto open = [&](const std::function<void(Cfb&)>& patch) {
    Cfb c = base;
    patch(c);
    c.Write(dir / "s.doc");
    return Ole2Reader::Open(dir / "s.doc", kBudget);
  };
  {  // FAT loop inside the stream: a prefix still reads, the whole stream names the loop.
    auto r = open([&](Cfb& c) { Put32(c.bytes, c.FatEntry(word[4]), word[1]); });
    ASSERT_OK(r);
    auto head = r->ReadStream("WordDocument", 1000);
    ASSERT_OK(head);
    EXPECT_EQ(*head, base.bytes.substr(base.SectorOffset(word[0]), 1000));
    EXPECT_EQ(Msg(r->ReadStream("WordDocument", UINT64_MAX)),
              At("ole2", "chain loop", base.FatEntry(word[4])));
  }
  {  // A start sector and a FAT entry out of range.
    auto r = open([&](Cfb& c) { Put32(c.bytes, c.DirEntry(2) + 116, 100000); });
    ASSERT_OK(r);
    EXPECT_EQ(Msg(r->ReadStream("WordDocument", 10)),
              At("ole2", "chain sector out of range", base.DirEntry(2) + 116));
    auto r2 = open([&](Cfb& c) { Put32(c.bytes, c.FatEntry(word[2]), 0x7FFFFFFF); });
    ASSERT_OK(r2);
    EXPECT_EQ(Msg(r2->ReadStream("WordDocument", UINT64_MAX)),
              At("ole2", "chain sector out of range", base.FatEntry(word[2])));
  }
  {  // A huge declared size: reads stop where the chain ends, nothing is allocated for it.
    auto r = open([&](Cfb& c) { Put64(c.bytes, c.DirEntry(2) + 120, 0xFFFFFFFF); });
    ASSERT_OK(r);
    auto head = r->ReadStream("WordDocument", 5000);
    ASSERT_OK(head);
    EXPECT_EQ(*head, WordLikeEntries()[2].data);
    EXPECT_EQ(Msg(r->ReadStream("WordDocument", UINT64_MAX)),
              At("ole2", "chain ends early", base.DirEntry(2) + 116));
  }
  {  // Version 4 sizes are 64-bit: 2^62 declared.
    Cfb v4 = BuildCfb(WordLikeEntries(), 4096);
    Put64(v4.bytes, v4.DirEntry(2) + 120, uint64_t{1} << 62);
    v4.Write(dir / "v4.doc");
    auto r = Ole2Reader::Open(dir / "v4.doc", kBudget);
    ASSERT_OK(r);
    EXPECT_EQ(Msg(r->ReadStream("WordDocument", UINT64_MAX)),
              At("ole2", "chain ends early", v4.DirEntry(2) + 116));
  }
  {  // Mini stream rules: a mini FAT loop, a mini sector beyond the mini stream, a short chain.
    const std::vector<uint32_t>& compobj = base.chains[1];  // 2 mini sectors
    ASSERT_EQ(compobj.size(), 2u);
    auto loop = open([&](Cfb& c) { Put32(c.bytes, c.MiniFatEntry(compobj[1]), compobj[0]); });
    ASSERT_OK(loop);
    auto s = loop->ReadStream("CompObj", UINT64_MAX);
    // The loop is only reached past the declared 100 bytes when the size is raised.
    ASSERT_OK(s);
    auto loop2 = open([&](Cfb& c) {
      Put32(c.bytes, c.MiniFatEntry(compobj[1]), compobj[0]);
      Put64(c.bytes, c.DirEntry(1) + 120, 1000);
    });
    ASSERT_OK(loop2);
    EXPECT_EQ(Msg(loop2->ReadStream("CompObj", UINT64_MAX)),
              At("ole2", "mini chain loop", base.MiniFatEntry(compobj[1])));
    auto range = open([&](Cfb& c) { Put32(c.bytes, c.DirEntry(1) + 116, 5000); });
    ASSERT_OK(range);
    EXPECT_EQ(Msg(range->ReadStream("CompObj", 10)),
              At("ole2", "mini chain sector out of range", base.DirEntry(1) + 116));
    auto early = open([&](Cfb& c) { Put64(c.bytes, c.DirEntry(1) + 120, 4000); });
    ASSERT_OK(early);
    EXPECT_EQ(Msg(early->ReadStream("CompObj", UINT64_MAX)),
              At("ole2", "mini chain ends early", base.DirEntry(1) + 116));
  }
}

TEST(Ole2Reader, ByteBudget) {
  TempDir dir;
  const Cfb c = BuildCfb(WordLikeEntries());
  c.Write(dir / "w.doc");
  // The structures alone: header, FAT, directory (2 sectors), mini FAT, no stream data.
  auto tiny = Ole2Reader::Open(dir / "w.doc", 600);
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.status().code(), Code::kResourceExhausted);
  EXPECT_THAT(Msg(tiny), ::testing::StartsWith("ole2: byte budget exhausted at offset "));
  const uint64_t structures = 512 * 5;
  auto r = Ole2Reader::Open(dir / "w.doc", structures + 1000);
  ASSERT_OK(r);
  EXPECT_EQ(r->bytes_read(), structures);
  ASSERT_OK(r->ReadStream("WordDocument", 1000));
  EXPECT_EQ(r->bytes_read(), structures + 1000);
  auto more = r->ReadStream("WordDocument", 1);
  EXPECT_EQ(more.status().code(), Code::kResourceExhausted) << Msg(more);
  EXPECT_LE(r->bytes_read(), structures + 1000);
}

TEST(Ole2Reader, TruncatedAtEveryCutPoint) {
  TempDir dir;
  const Cfb c = BuildCfb(WordLikeEntries());
  int opened = 0, failed = 0;
  for (size_t cut = 0; cut < c.bytes.size(); cut += 16) {
    WriteFile(dir / "t.doc", c.bytes.substr(0, cut));
    auto r = Ole2Reader::Open(dir / "t.doc", kBudget);
    if (cut < 512) {
      EXPECT_FALSE(r.ok()) << cut;
    }
    if (!r.ok()) {
      ++failed;
      ExpectCleanError(r.status(), "ole2");
      continue;
    }
    ++opened;
    for (const std::string& name : r->StreamNames()) {
      auto s = r->ReadStream(name, UINT64_MAX);
      ExpectCleanError(s.status(), "ole2");
    }
  }
  EXPECT_GT(failed, 0);
}

TEST(Ole2Reader, RealDocTruncatedAtManyCutPoints) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const std::string doc = vault::testing::ReadFile(
      Corpus(corpora, "variations/variations/application/msword/lorem-ipsum.doc"));
  TempDir dir;
  for (size_t cut = 0; cut < doc.size(); cut += 61) {
    WriteFile(dir / "t.doc", doc.substr(0, cut));
    auto r = Ole2Reader::Open(dir / "t.doc", kBudget);
    if (!r.ok()) {
      ExpectCleanError(r.status(), "ole2");
      continue;
    }
    for (const std::string& name : r->StreamNames()) {
      ExpectCleanError(r->ReadStream(name, UINT64_MAX).status(), "ole2");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ZIP on built files: zip64, data descriptors, and every hostile rule

std::vector<ZipItem> ThreeItems() {
  return {{"mimetype", "application/vnd.oasis.opendocument.text", 0},
          {"content.xml", Pattern("<?xml version=\"1.0\"?>", 20000), 8},
          {"dir/", "", 0}};
}

TEST(ZipReader, BuiltZipAndZip64) {
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64);
    TempDir dir;
    const std::vector<ZipItem> items = ThreeItems();
    BuildZip(items, zip64).Write(dir / "b.zip");
    auto r = ZipReader::Open(dir / "b.zip", kBudget);
    ASSERT_OK(r);
    EXPECT_EQ(r->EntryNames(), (std::vector<std::string>{"mimetype", "content.xml", "dir/"}));
    auto m = r->ReadEntry("mimetype", 100);
    ASSERT_OK(m);
    EXPECT_EQ(*m, items[0].data);
    auto c = r->ReadEntry("content.xml", UINT64_MAX);
    ASSERT_OK(c);
    EXPECT_EQ(*c, items[1].data);
    auto d = r->ReadEntry("dir/", 100);
    ASSERT_OK(d);
    EXPECT_EQ(*d, "");
  }
}

TEST(ZipReader, Zip64AndDataDescriptorsFromZipTool) {
  TempDir dir;
  WriteFile(dir / "h.txt", "hello zip64\n");
  if (!RunShell("cd '" + dir.path().string() +
                "' && zip -q -fz z64.zip h.txt && printf 'from stdin' | zip -q stream.zip -")) {
    GTEST_SKIP() << "the zip tool is not available";
  }
  auto z64 = ZipReader::Open(dir / "z64.zip", kBudget);
  ASSERT_OK(z64);
  EXPECT_EQ(z64->EntryNames(), std::vector<std::string>{"h.txt"});
  auto h = z64->ReadEntry("h.txt", 100);
  ASSERT_OK(h);
  EXPECT_EQ(*h, "hello zip64\n");
  // Streaming writes a data descriptor after the data (sizes come from the central directory).
  auto stream = ZipReader::Open(dir / "stream.zip", kBudget);
  ASSERT_OK(stream);
  EXPECT_EQ(stream->EntryNames(), std::vector<std::string>{"-"});
  auto s = stream->ReadEntry("-", 100);
  ASSERT_OK(s);
  EXPECT_EQ(*s, "from stdin");
}

TEST(ZipReader, ReaderIsMovableAndRefusesNonFiles) {
  TempDir dir;
  BuildZip(ThreeItems()).Write(dir / "b.zip");
  auto r = ZipReader::Open(dir / "b.zip", kBudget);
  ASSERT_OK(r);
  ZipReader moved = std::move(r).value();
  ZipReader assigned = std::move(moved);
  auto m = assigned.ReadEntry("mimetype", 11);
  ASSERT_OK(m);
  EXPECT_EQ(*m, "application");
  std::filesystem::create_symlink(dir / "b.zip", dir / "link.zip");
  EXPECT_EQ(ZipReader::Open(dir / "link.zip", kBudget).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ZipReader::Open(dir.path(), kBudget).status().code(), Code::kInvalidArgument);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(ZipReader::Open(dir / "fifo", kBudget).status().code(), Code::kInvalidArgument);
}

template <class Patch>
Result<ZipReader> OpenPatchedZip(const TempDir& dir, Zip z, Patch patch,
                                 uint64_t budget = kBudget) {
  patch(z);
  z.Write(dir / "p.zip");
  return ZipReader::Open(dir / "p.zip", budget);
}

TEST(ZipReader, EndOfCentralDirectoryRules) {
  TempDir dir;
  const Zip z = BuildZip(ThreeItems());
  const uint64_t size = z.bytes.size();
  // The central directory's offset or size pointing outside the file.
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put32(x.bytes, x.eocd + 16, size + 100); })),
            At("zip", "central directory outside file", z.eocd + 12));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put32(x.bytes, x.eocd + 12, 0xFFFFFF00); })),
            At("zip", "central directory outside file", z.eocd + 12));
  // An entry count the directory cannot hold.
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z,
                               [&](Zip& x) {
                                 Put16(x.bytes, x.eocd + 8, 0xFFFE);
                                 Put16(x.bytes, x.eocd + 10, 0xFFFE);
                               })),
            At("zip", "central directory entry outside directory", z.eocd + 12));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put16(x.bytes, x.eocd + 4, 1); })),
            At("zip", "multi-disk archive", z.eocd + 4));
  // No EOCD at all, and one hidden more than 64 KiB + 22 bytes before the end.
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { x.bytes[x.eocd + 3] = 0; })),
            At("zip", "no end of central directory", 0));
  auto junk = OpenPatchedZip(dir, z, [&](Zip& x) { x.bytes += std::string(70000, 'j'); });
  EXPECT_EQ(Msg(junk), At("zip", "no end of central directory", size + 70000 - 65557));
  // The longest comment still works; a comment with a fake EOCD inside is not mistaken for one.
  const std::string long_comment(65535, 'c');
  BuildZip(ThreeItems(), false, long_comment).Write(dir / "c.zip");
  EXPECT_OK(ZipReader::Open(dir / "c.zip", kBudget));
  std::string fake = std::string("PK\x05\x06", 4) + std::string(18, '\0') + "tail";
  BuildZip(ThreeItems(), false, fake).Write(dir / "f.zip");
  auto f = ZipReader::Open(dir / "f.zip", kBudget);
  ASSERT_OK(f);
  EXPECT_EQ(f->EntryNames().size(), 3u);
}

TEST(ZipReader, Zip64Rules) {
  TempDir dir;
  const Zip z = BuildZip(ThreeItems(), true);
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z,
                               [&](Zip& x) {
                                 Put64(x.bytes, x.zip64_record + 24, uint64_t{1} << 40);
                                 Put64(x.bytes, x.zip64_record + 32, uint64_t{1} << 40);
                               })),
            At("zip", "too many entries", z.zip64_record + 32));
  EXPECT_EQ(Msg(OpenPatchedZip(
                dir, z, [&](Zip& x) { Put64(x.bytes, x.zip64_locator + 8, uint64_t{1} << 62); })),
            At("zip", "bad zip64 locator", z.zip64_locator + 8));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put64(x.bytes, x.zip64_locator + 8, 0); })),
            At("zip", "bad zip64 end of central directory", 0));
  EXPECT_EQ(Msg(OpenPatchedZip(
                dir, z, [&](Zip& x) { Put64(x.bytes, x.zip64_record + 48, uint64_t{1} << 63); })),
            At("zip", "central directory outside file", z.zip64_record + 40));
  // A zip64 extra field too short for the fields marked FFFFFFFF.
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put16(x.bytes, x.cd[1] + 46 + 11 + 2, 16); })),
            At("zip", "bad zip64 extra field", z.cd[1] + 46 + 11));
  // A local header offset beyond the file, through zip64.
  auto far = OpenPatchedZip(
      dir, z, [&](Zip& x) { Put64(x.bytes, x.cd[1] + 46 + 11 + 4 + 16, uint64_t{1} << 50); });
  ASSERT_OK(far);
  EXPECT_EQ(Msg(far->ReadEntry("content.xml", 10)), At("zip", "bad local header", z.cd[1] + 42));
}

TEST(ZipReader, CentralDirectoryRules) {
  TempDir dir;
  std::vector<ZipItem> items = ThreeItems();
  items.push_back({std::string(5000, 'n'), "x", 0});
  const Zip z = BuildZip(items);
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [](Zip&) {})),
            At("zip", "entry name too long", z.cd[3] + 28));
  const Zip ok = BuildZip(ThreeItems());
  EXPECT_EQ(Msg(OpenPatchedZip(dir, ok, [&](Zip& x) { x.bytes[x.cd[1]] = 'X'; })),
            At("zip", "bad central directory header", ok.cd[1]));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, ok, [&](Zip& x) { Put16(x.bytes, x.cd[2] + 28, 1000); })),
            At("zip", "central directory entry outside directory", ok.cd[2]));
}

TEST(ZipReader, EntryRules) {
  TempDir dir;
  std::vector<ZipItem> items = ThreeItems();
  items.push_back({"secret.txt", "xxxx", 0, 1});  // encrypted
  items.push_back({"bzip2.bin", "BZh9", 12});     // method 12
  items.push_back({"bad.deflate", std::string(64, '\xFF'), 8, 0, true, 1000, 0});
  const std::string deflated = RawDeflate(Pattern("payload ", 5000));
  items.push_back({"cut.deflate", deflated.substr(0, deflated.size() / 2), 8, 0, true, 5000, 0});
  items.push_back({"badcrc.txt", "stored", 0, 0, true, 6, 0x12345678});
  items.push_back({"short.deflate", RawDeflate("tiny"), 8, 0, true, 100, 0});
  const Zip z = BuildZip(items);
  z.Write(dir / "e.zip");
  auto r = ZipReader::Open(dir / "e.zip", kBudget);
  ASSERT_OK(r);
  auto enc = r->ReadEntry("secret.txt", 10);
  EXPECT_EQ(enc.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Msg(enc), At("zip", "encrypted entry", z.cd[3] + 8));
  auto bz = r->ReadEntry("bzip2.bin", 10);
  EXPECT_EQ(bz.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(Msg(bz), At("zip", "unsupported compression method 12", z.cd[4] + 10));
  const uint64_t bad_data = z.local[5] + 30 + std::string("bad.deflate").size();
  // zlib notices the bad block header within the first bytes.
  const std::string bad = Msg(r->ReadEntry("bad.deflate", 10));
  EXPECT_THAT(bad, ::testing::AnyOf(At("zip", "invalid deflate data", bad_data),
                                    At("zip", "invalid deflate data", bad_data + 1),
                                    At("zip", "invalid deflate data", bad_data + 2)));
  const uint64_t cut_end =
      z.local[6] + 30 + std::string("cut.deflate").size() + deflated.size() / 2;
  EXPECT_EQ(Msg(r->ReadEntry("cut.deflate", UINT64_MAX)),
            At("zip", "deflate data truncated", cut_end));
  EXPECT_EQ(Msg(r->ReadEntry("badcrc.txt", UINT64_MAX)), At("zip", "crc mismatch", z.cd[7] + 16));
  auto prefix = r->ReadEntry("badcrc.txt", 3);  // a prefix cannot be checked
  ASSERT_OK(prefix);
  EXPECT_EQ(*prefix, "sto");
  EXPECT_EQ(Msg(r->ReadEntry("short.deflate", UINT64_MAX)),
            At("zip", "size mismatch", z.cd[8] + 24));
  // Local header rules.
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { x.bytes[x.local[1]] = 'X'; })
                    ->ReadEntry("content.xml", 1)),
            At("zip", "bad local header", z.local[1]));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put32(x.bytes, x.cd[1] + 42, 0xFFFFFFF0); })
                    ->ReadEntry("content.xml", 1)),
            At("zip", "bad local header", z.cd[1] + 42));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put16(x.bytes, x.local[1] + 28, 0xFFFF); })
                    ->ReadEntry("content.xml", 1)),
            At("zip", "entry data outside file", z.local[1]));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z,
                               [&](Zip& x) {
                                 Put32(x.bytes, x.cd[0] + 20, 0x7FFFFFFF);
                                 Put32(x.bytes, x.cd[0] + 24, 0x7FFFFFFF);
                               })
                    ->ReadEntry("mimetype", UINT64_MAX)),
            At("zip", "entry data outside file", z.local[0]));
  EXPECT_EQ(Msg(OpenPatchedZip(dir, z, [&](Zip& x) { Put32(x.bytes, x.cd[0] + 24, 1000); })
                    ->ReadEntry("mimetype", 5)),
            At("zip", "size mismatch", z.cd[0] + 20));
}

TEST(ZipReader, ZipBombStopsAtMaxBytesAndBudget) {
  TempDir dir;
  constexpr uint64_t kBombSize = uint64_t{1} << 27;  // 128 MiB of zeros, ~128 KiB compressed
  uint32_t crc = 0;
  const std::string bomb = DeflateZeros(kBombSize, &crc);
  const Zip z = BuildZip({{"zeros.bin", bomb, 8, 0, true, kBombSize, crc}});
  z.Write(dir / "bomb.zip");
  auto r = ZipReader::Open(dir / "bomb.zip", kBudget);
  ASSERT_OK(r);
  const uint64_t after_open = r->bytes_read();
  auto head = r->ReadEntry("zeros.bin", 1 << 20);
  ASSERT_OK(head);
  EXPECT_EQ(head->size(), 1u << 20);
  EXPECT_EQ(*head, std::string(1 << 20, '\0'));
  // Only the compressed bytes needed for 1 MiB (plus one read chunk) were read.
  EXPECT_LT(r->bytes_read() - after_open, 30u + 9 + 64 * 1024 + 64 * 1024);
  ASSERT_GT(bomb.size(), 100u * 1024);
  // Asking for everything with a budget smaller than the compressed data: the reader uses the
  // budget up to the last byte, then stops with its own error.
  auto small = ZipReader::Open(dir / "bomb.zip", after_open + 100 * 1024);
  ASSERT_OK(small);
  auto all = small->ReadEntry("zeros.bin", UINT64_MAX);
  EXPECT_EQ(all.status().code(), Code::kResourceExhausted) << Msg(all);
  EXPECT_THAT(Msg(all), ::testing::StartsWith("zip: byte budget exhausted at offset "));
  EXPECT_EQ(small->bytes_read(), after_open + 100 * 1024);
  // A lying declared size stops output at the declared size.
  const Zip liar = BuildZip({{"zeros.bin", bomb, 8, 0, true, 1000, 0}});
  liar.Write(dir / "liar.zip");
  auto l = ZipReader::Open(dir / "liar.zip", kBudget);
  ASSERT_OK(l);
  auto ten = l->ReadEntry("zeros.bin", 10);
  ASSERT_OK(ten);
  EXPECT_EQ(*ten, std::string(10, '\0'));
  EXPECT_EQ(Msg(l->ReadEntry("zeros.bin", UINT64_MAX)), At("zip", "crc mismatch", liar.cd[0] + 16));
}

TEST(ZipReader, ByteBudget) {
  TempDir dir;
  BuildZip(ThreeItems()).Write(dir / "b.zip");
  auto tiny = ZipReader::Open(dir / "b.zip", 30);
  EXPECT_EQ(tiny.status().code(), Code::kResourceExhausted) << Msg(tiny);
  auto r = ZipReader::Open(dir / "b.zip", kBudget);
  ASSERT_OK(r);
  const uint64_t structures = r->bytes_read();
  auto exact = ZipReader::Open(dir / "b.zip", structures + 30 + 8 + 39);  // header, name, data
  ASSERT_OK(exact);
  ASSERT_OK(exact->ReadEntry("mimetype", 100));
  EXPECT_EQ(exact->bytes_read(), structures + 30 + 39);
  EXPECT_EQ(exact->ReadEntry("content.xml", 1).status().code(), Code::kResourceExhausted);
}

TEST(ZipReader, TruncatedAtEveryCutPoint) {
  TempDir dir;
  for (bool zip64 : {false, true}) {
    const Zip z = BuildZip(ThreeItems(), zip64);
    int opened = 0;
    for (size_t cut = 0; cut < z.bytes.size(); cut += 7) {
      WriteFile(dir / "t.zip", z.bytes.substr(0, cut));
      auto r = ZipReader::Open(dir / "t.zip", kBudget);
      if (!r.ok()) {
        ExpectCleanError(r.status(), "zip");
        continue;
      }
      ++opened;
      for (const std::string& name : r->EntryNames()) {
        ExpectCleanError(r->ReadEntry(name, UINT64_MAX).status(), "zip");
      }
    }
    // Without its end record a zip cannot be opened at all.
    EXPECT_EQ(opened, 0);
  }
}

TEST(ZipReader, RealDocxTruncatedAtManyCutPoints) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const std::string docx = vault::testing::ReadFile(
      Corpus(corpora,
             "variations/variations/application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.document/lorem-ipsum.docx"));
  TempDir dir;
  for (size_t cut = 0; cut < docx.size(); cut += 331) {
    WriteFile(dir / "t.docx", docx.substr(0, cut));
    auto r = ZipReader::Open(dir / "t.docx", kBudget);
    EXPECT_FALSE(r.ok()) << cut;
    ExpectCleanError(r.status(), "zip");
  }
}

// ---------------------------------------------------------------------------------------------
// Byte-flip fuzzing: deterministic mutations of a real .doc and .docx. Every outcome must be a
// value or a clean, named error (the test is meant to run under ASan/UBSan as well).

// Mutates 1-6 places of `in`: a third of them in the first 512 bytes (headers), a third in the
// last 4 KiB (OLE2 directory in small files, ZIP central directory), a third anywhere; as random
// bytes, bit flips or interesting 32-bit values.
std::string Mutate(const std::string& in, std::mt19937& rng) {
  std::string s = in;
  const int n = 1 + static_cast<int>(rng() % 6);
  static constexpr uint32_t kInteresting[] = {0,          1,          0x7F,       0xFF,
                                              0xFFFF,     0x7FFFFFFF, 0xFFFFFFFA, 0xFFFFFFFD,
                                              0xFFFFFFFE, 0xFFFFFFFF, 4096,       512};
  for (int i = 0; i < n; ++i) {
    size_t pos;
    switch (rng() % 3) {
      case 0:
        pos = rng() % std::min<size_t>(512, s.size());
        break;
      case 1:
        pos = s.size() - 1 - rng() % std::min<size_t>(4096, s.size());
        break;
      default:
        pos = rng() % s.size();
        break;
    }
    switch (rng() % 3) {
      case 0:
        s[pos] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:
        s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      default:
        if (pos + 4 <= s.size()) {
          Put32(s, pos, kInteresting[rng() % std::size(kInteresting)]);
        }
        break;
    }
  }
  return s;
}

// 2,000 mutations per file unless VAULT_READERS_FUZZ_ITERATIONS says otherwise (for longer runs).
int FuzzIterations() {
  const char* env = std::getenv("VAULT_READERS_FUZZ_ITERATIONS");
  const int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 2000;
}

struct FuzzCounts {
  int opened = 0;
  int open_errors = 0;
  int reads_ok = 0;
  int read_errors = 0;
};

// Opens `iterations` mutations of `original` (written to `dir`/`file_name`) with Reader::Open and
// reads every member listed by `names` with `read`: each outcome must be a value or a clean
// `prefix` error, within the 1 MiB budget. Prints the counts ("<prefix> fuzz: ... <member> reads
// ok ..."); at least one mutation must open and one must fail to.
template <typename Reader>
void ByteFlipFuzz(const std::string& original, const std::string& file_name, uint32_t seed,
                  const std::string& prefix, const std::string& member,
                  const std::vector<std::string>& (Reader::*names)() const,
                  Result<std::string> (Reader::*read)(std::string_view, uint64_t) const) {
  TempDir dir;
  std::mt19937 rng(seed);
  FuzzCounts n;
  const int iterations = FuzzIterations();
  for (int i = 0; i < iterations; ++i) {
    WriteFile(dir / file_name, Mutate(original, rng));
    auto r = Reader::Open(dir / file_name, 1 << 20);
    if (!r.ok()) {
      ++n.open_errors;
      ExpectCleanError(r.status(), prefix);
      continue;
    }
    ++n.opened;
    for (const std::string& name : ((*r).*names)()) {
      auto s = ((*r).*read)(name, 64 * 1024);
      s.ok() ? ++n.reads_ok : ++n.read_errors;
      ExpectCleanError(s.status(), prefix);
      EXPECT_LE(r->bytes_read(), 1u << 20);
    }
  }
  std::cout << prefix << " fuzz: " << iterations << " mutations, " << n.opened << " opened, "
            << n.open_errors << " open errors, " << n.reads_ok << " " << member << " reads ok, "
            << n.read_errors << " " << member << " read errors\n";
  EXPECT_GT(n.opened, 0);
  EXPECT_GT(n.open_errors, 0);
}

TEST(Ole2Reader, ByteFlipFuzzRealDoc) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const std::string doc = vault::testing::ReadFile(
      Corpus(corpora, "variations/variations/application/msword/lorem-ipsum.doc"));
  ASSERT_GT(doc.size(), 4096u);
  ByteFlipFuzz<Ole2Reader>(doc, "f.doc", 20260119, "ole2", "stream", &Ole2Reader::StreamNames,
                           &Ole2Reader::ReadStream);
}

TEST(ZipReader, ByteFlipFuzzRealDocx) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const std::string docx = vault::testing::ReadFile(
      Corpus(corpora,
             "variations/variations/application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.document/lorem-ipsum.docx"));
  ByteFlipFuzz<ZipReader>(docx, "f.docx", 20260120, "zip", "entry", &ZipReader::EntryNames,
                          &ZipReader::ReadEntry);
}

}  // namespace
}  // namespace vault::pronom
