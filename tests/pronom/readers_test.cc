// Tests of the PRONOM container readers (formats/pronom/ole2.h, zip.h): real files from the
// format corpus, zips made with the `zip` tool, hand-built hostile files and byte-flip fuzzing.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
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
    if (name.empty() || name.back() == '/') continue;
    EXPECT_OK(r->ReadEntry(name, 1 << 16));
  }
}

TEST(ZipReader, StoredAndDeflatedFromZipTool) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + " of some text\n";
  WriteFile(dir / "in" / "a.txt", text);
  WriteFile(dir / "in" / "sub" / "b.txt", "hello");
  const std::string in = (dir / "in").string();
  if (!RunShell("cd '" + in + "' && zip -q -0 -r '" + (dir / "stored.zip").string() + "' . && zip -q -9 -r '" +
           (dir / "deflated.zip").string() + "' .")) {
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

}  // namespace
}  // namespace vault::pronom
