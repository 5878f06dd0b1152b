// vault::reports: CSV (BOM, CRLF, RFC 4180, formula injection), HTML (escaping, Vietnamese
// headings, structure) and the destruction record XML (well-formed, schema-valid, complete).
#include "formats/reports/reports.h"

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/unicode.h"
#include "vault/clib/xml.h"

namespace vault::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kFffd = "\xEF\xBF\xBD";
// "Hồ sơ tổng hợp" in NFC and in NFD ("ồ" = o + U+0302 + U+0300, "ơ" = o + U+031B, "ổ" = o +
// U+0302 + U+0309, "ợ" = o + U+031B + U+0323).
constexpr std::string_view kNfcTitle = "H\xE1\xBB\x93 s\xC6\xA1 t\xE1\xBB\x95ng h\xE1\xBB\xA3p";
constexpr std::string_view kNfdTitle =
    "Ho\xCC\x82\xCC\x80 so\xCC\x9B to\xCC\x82\xCC\x89ng ho\xCC\x9B\xCC\xA3p";

// RFC 4180 reader for the tests: records of cells; the BOM must have been removed.
std::vector<std::vector<std::string>> ParseCsv(std::string_view s) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string cell;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && cell.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(cell));
      cell.clear();
      quoted = false;
    } else if (c == '\r') {
      EXPECT_TRUE(i + 1 < s.size() && s[i + 1] == '\n') << "bare CR outside quotes at " << i;
      record.push_back(std::move(cell));
      cell.clear();
      quoted = false;
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF outside quotes at " << i;
      EXPECT_NE(c, '"') << "quote inside an unquoted cell at " << i;
      cell += c;
    }
  }
  EXPECT_FALSE(in_quotes) << "unterminated quoted cell";
  EXPECT_TRUE(cell.empty() && record.empty()) << "last record not terminated by CRLF";
  return records;
}

std::vector<std::vector<std::string>> ParseCsvWithBom(const std::string& csv) {
  EXPECT_THAT(csv, StartsWith(std::string(kBom)));
  return ParseCsv(std::string_view(csv).substr(kBom.size()));
}

// Every start tag has its end tag, properly nested (void elements: meta, br); no stray '<'.
void ExpectBalancedHtml(const std::string& html) {
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string::npos) {
    const size_t end = html.find('>', pos);
    ASSERT_NE(end, std::string::npos) << "unterminated tag at " << pos;
    std::string tag = html.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.rfind("!DOCTYPE", 0) == 0)
      continue;
    const bool closing = !tag.empty() && tag[0] == '/';
    if (closing)
      tag.erase(0, 1);
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n"));
    ASSERT_FALSE(name.empty()) << "empty tag before " << pos;
    for (char c : name)
      ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << name;
    if (name == "meta" || name == "br")
      continue;
    if (!closing) {
      stack.push_back(name);
    } else {
      ASSERT_FALSE(stack.empty()) << "</" << name << "> without start tag";
      ASSERT_EQ(stack.back(), name) << "misnested </" << name << "> at " << pos;
      stack.pop_back();
    }
  }
  EXPECT_TRUE(stack.empty()) << "unclosed <" << stack.back() << ">";
}

void ExpectHtmlPage(const std::string& html) {
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>\n<html lang=\"vi\">"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("@page { size: A4"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_TRUE(IsNfc(html));
  ExpectBalancedHtml(html);
}

size_t Count(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1))
    ++n;
  return n;
}

std::vector<ReviewRow> SampleReview() {
  ReviewRow a;
  a.object_id = "urn:uuid:0f6c1c2e-0000-4000-8000-000000000001";
  a.file_code = "000.06.16.G09.2010.01.TH";
  a.title = "Hồ sơ hội nghị tổng kết năm 2010";
  a.retention = "10y";
  a.rule = "TT05-06";
  a.rule_title = "10 năm / 10 years";
  a.end_year = 2010;
  a.expiry = "2020-12-31";
  a.state = "due";
  ReviewRow b = a;
  b.object_id = "urn:uuid:0f6c1c2e-0000-4000-8000-000000000002";
  b.file_code = "000.06.16.G09.2011.02.TH";
  b.title = "Công văn đi, \"mật\"\ndòng hai";
  b.state = "proposed";
  b.batch = "batch-20260105-ab12";
  b.holds = "hold-aa,hold-bb";
  return {a, b};
}

ReportMeta SampleMeta() {
  return {"Trung tâm Lưu trữ quốc gia I", "2026-02-05T09:42:26+07:00", "alice", "default 2025.1"};
}

DisposalBatch SampleBatch() {
  DisposalBatch b;
  b.batch = "batch-20260105-ab12";
  b.state = "approved";
  b.reason = "Hết thời hạn bảo quản";
  b.proposer = "alice";
  b.proposed = "2026-01-05T08:00:00+07:00";
  b.approver = "bob";
  b.approved = "2026-01-20T10:15:00+07:00";
  b.decision = "12/QĐ-LT";
  b.decision_date = "2026-01-20";
  b.deadline = "2026-02-04";
  b.agency = "Sở Nội vụ tỉnh Hà Giang";
  DisposalItem i1;
  i1.object_id = "urn:uuid:1";
  i1.bundle = "01";
  i1.volume = "15";
  i1.file_code = "000.06.16.G09.2010.01.TH";
  i1.title = "Hồ sơ hội nghị tổng kết năm 2010";
  i1.note = "Bản sao";
  i1.rule = "TT05-06";
  i1.expiry = "2020-12-31";
  i1.bytes = 1234567;
  i1.files = 3;
  DisposalItem i2;
  i2.object_id = "urn:uuid:2";
  i2.bundle = "01";
  i2.volume = "16";
  i2.file_code = "000.06.16.G09.2010.02.TH";
  i2.reason = "Trùng lặp";
  i2.bytes = 512;
  i2.files = 1;
  b.items = {i1, i2};
  return b;
}

DestructionRecord SampleRecord() {
  DestructionRecord r;
  r.batch = "batch-20260105-ab12";
  r.agency = "Sở Nội vụ tỉnh Hà Giang";
  r.decision = "Quyết định hủy số 12/QĐ-LT";
  r.decision_date = "2026-01-20";
  r.proposer = "alice";
  r.approver = "bob";
  r.executor = "carol";
  r.started = "2026-02-02T09:00:00+07:00";
  r.finished = "2026-02-02T09:05:30+07:00";
  r.method =
      "Xoá vĩnh viễn mọi bản sao trên mọi tầng lưu trữ, đã kiểm tra không còn / every copy on "
      "every tier erased, absence verified";
  r.log_head_seq = "4711";
  r.log_head_hash = std::string(64, 'c');
  DestroyedObject o1;
  o1.object_id = "urn:uuid:1";
  o1.file_code = "000.06.16.G09.2010.01.TH";
  o1.title = "Hồ sơ hội nghị tổng kết năm 2010";
  o1.retention = "10y";
  o1.rule = "TT05-06";
  o1.expiry = "2020-12-31";
  o1.ingested = "2019-03-01T10:00:00+07:00";
  o1.destroyed = "2026-02-02T09:03:00+07:00";
  o1.bytes = 1234567;
  o1.files = {{"data/bao-cao.pdf", std::string(64, 'a'), 1234000},
              {"data/phụ lục.docx", std::string(64, 'b'), 567}};
  o1.tiers = {"local", "offsite"};
  DestroyedObject o2;
  o2.object_id = "urn:uuid:2";
  o2.file_code = "000.06.16.G09.2010.02.TH";
  o2.title = "Công văn <script>alert('x')</script> & \"trích\"";
  o2.retention = "permanent";
  o2.bytes = 10;
  o2.files = {{"data/a.txt", std::string(64, 'd'), 10}};
  o2.tiers = {"local"};
  r.objects = {o1, o2};
  return r;
}

// ---------------------------------------------------------------------------------------------
// CSV

TEST(ReportsReviewCsv, BomCrlfAndBilingualHeader) {
  const std::string csv = ReviewCsv(SampleReview());
  ASSERT_THAT(csv, StartsWith(std::string(kBom)));
  // The header row exactly, Vietnamese then English in every cell.
  EXPECT_THAT(csv, StartsWith(std::string(kBom) +
                              "Mã hồ sơ / File code,Tiêu đề hồ sơ / Title,Thời hạn bảo quản / "
                              "Retention,Quy tắc / Rule,Tên quy tắc / Rule title,Năm kết thúc / "
                              "End year,Ngày hết hạn / Expiry,Trạng thái / State,Đợt hủy / "
                              "Batch,Lệnh tạm giữ / Holds,Mã định danh / Object id\r\n"));
  // Three records, each ended by CRLF; the only bare LF is the one inside the quoted title.
  EXPECT_EQ(Count(csv, "\r\n"), 3u);
  EXPECT_EQ(Count(csv, "\n"), 4u);
  EXPECT_TRUE(IsNfc(csv));

  const auto records = ParseCsvWithBom(csv);
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records)
    EXPECT_EQ(r.size(), 11u);
  EXPECT_THAT(records[1],
              ElementsAre("000.06.16.G09.2010.01.TH", "Hồ sơ hội nghị tổng kết năm 2010", "10y",
                          "TT05-06", "10 năm / 10 years", "2010", "2020-12-31", "due", "", "",
                          "urn:uuid:0f6c1c2e-0000-4000-8000-000000000001"));
  EXPECT_EQ(records[2][1], "Công văn đi, \"mật\"\ndòng hai");
  EXPECT_EQ(records[2][7], "proposed");
  EXPECT_EQ(records[2][8], "batch-20260105-ab12");
  EXPECT_EQ(records[2][9], "hold-aa,hold-bb");
}

TEST(ReportsReviewCsv, Rfc4180QuotingExactBytes) {
  ReviewRow r;
  r.file_code = "a,b";
  r.title = "say \"hi\"";
  r.retention = "line1\r\nline2";
  r.rule = "plain";
  r.rule_title = "\"";
  r.object_id = "x";
  const std::string csv = ReviewCsv({r});
  const std::string row = csv.substr(csv.find("\r\n") + 2);
  EXPECT_EQ(row, "\"a,b\",\"say \"\"hi\"\"\",\"line1\r\nline2\",plain,\"\"\"\",,,,,,x\r\n");
}

TEST(ReportsReviewCsv, NeutralisesFormulaCells) {
  const std::vector<std::string> evil = {
      "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＠x"};
  std::vector<ReviewRow> rows;
  for (const std::string& e : evil) {
    ReviewRow r;
    r.title = e;
    r.file_code = "a=b";  // '=' not first: left alone
    rows.push_back(r);
  }
  const auto records = ParseCsvWithBom(ReviewCsv(rows));
  ASSERT_EQ(records.size(), evil.size() + 1);
  for (size_t i = 0; i < evil.size(); ++i) {
    EXPECT_EQ(records[i + 1][1], "'" + evil[i]) << i;
    EXPECT_EQ(records[i + 1][0], "a=b");
  }
  // The quote comes before the quoting: "=a,b" -> "'=a,b" quoted as a whole.
  ReviewRow r;
  r.title = "=HYPERLINK(\"http://x\",\"y\")";
  const std::string csv = ReviewCsv({r});
  EXPECT_THAT(csv, HasSubstr(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","));
}

TEST(ReportsReviewCsv, EmptyListHasOnlyTheHeader) {
  const auto records = ParseCsvWithBom(ReviewCsv({}));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0][0], "Mã hồ sơ / File code");
  EXPECT_EQ(records[0][10], "Mã định danh / Object id");
}

TEST(ReportsDisposalListCsv, ColumnsAndValues) {
  const std::string csv = DisposalListCsv(SampleBatch());
  const auto records = ParseCsvWithBom(csv);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(
      records[0],
      ElementsAre("STT / No.", "Bó số / Bundle no.", "Tập số (hồ sơ số) / Volume (file no.)",
                  "Tiêu đề / Số hồ sơ — Title / File no.", "Lý do hủy / Reason for destruction",
                  "Ghi chú / Note", "Mã định danh / Object id", "Mã hồ sơ / File code",
                  "Quy tắc / Rule", "Ngày hết hạn / Expiry", "Số tệp / Files",
                  "Dung lượng (byte) / Size (bytes)"));
  EXPECT_THAT(records[1],
              ElementsAre("1", "01", "15", "Hồ sơ hội nghị tổng kết năm 2010",
                          "Hết thời hạn bảo quản" /* the batch's reason */, "Bản sao", "urn:uuid:1",
                          "000.06.16.G09.2010.01.TH", "TT05-06", "2020-12-31", "3", "1234567"));
  // No title: the file code stands in; the item's own reason wins.
  EXPECT_THAT(records[2],
              ElementsAre("2", "01", "16", "000.06.16.G09.2010.02.TH", "Trùng lặp", "",
                          "urn:uuid:2", "000.06.16.G09.2010.02.TH", "", "", "1", "512"));
}

TEST(ReportsDisposalListCsv, NeutralisesFormulasInEveryColumn) {
  DisposalBatch b;
  DisposalItem it;
  it.bundle = "=1";
  it.volume = "-1";
  it.note = "@x";
  it.reason = "+x";
  it.object_id = "=id";
  b.items = {it};
  const auto records = ParseCsvWithBom(DisposalListCsv(b));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1][1], "'=1");
  EXPECT_EQ(records[1][2], "'-1");
  EXPECT_EQ(records[1][4], "'+x");
  EXPECT_EQ(records[1][5], "'@x");
  EXPECT_EQ(records[1][6], "'=id");
}

// ---------------------------------------------------------------------------------------------
// HTML

TEST(ReportsReviewHtml, PageHeadingsTableAndEscaping) {
  auto rows = SampleReview();
  rows[0].title = "<script>alert('x')</script> & co";
  const std::string html = ReviewHtml(rows, SampleMeta());
  ExpectHtmlPage(html);
  EXPECT_THAT(html, HasSubstr("size: A4 landscape"));
  EXPECT_THAT(html, HasSubstr("<h1>Danh sách hồ sơ hết thời hạn bảo quản — cần xem xét hủy</h1>"));
  EXPECT_THAT(html, HasSubstr("Records past their retention period"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
  EXPECT_THAT(html, HasSubstr("Trung tâm Lưu trữ quốc gia I"));
  EXPECT_THAT(html, HasSubstr("05/02/2026 09:42:26 (UTC+07:00)"));
  EXPECT_THAT(html, HasSubstr("default 2025.1"));
  EXPECT_THAT(html, HasSubstr("Mã hồ sơ<br><span class=\"en\">File code</span>"));
  EXPECT_THAT(html, HasSubstr(">000.06.16.G09.2010.01.TH<"));
  EXPECT_THAT(html, HasSubstr(">10 năm / 10 years<"));
  EXPECT_THAT(html, HasSubstr(">31/12/2020<"));
  EXPECT_THAT(html, HasSubstr("Đến hạn xem xét / Due for review: 1"));
  EXPECT_THAT(html, HasSubstr("Đã đề nghị hủy / Proposed: 1"));
  EXPECT_THAT(html, HasSubstr("Công văn đi, &quot;mật&quot;"));
  EXPECT_THAT(html, HasSubstr(">hold-aa, hold-bb<"));
  EXPECT_EQ(Count(html, "<tr class=\"held\">"), 1u);
  EXPECT_EQ(Count(html, "<tbody>"), 1u);
  EXPECT_EQ(Count(html, "<td class=\"num\">2</td>"), 1u);  // STT of the second row
}

TEST(ReportsReviewHtml, EmptyList) {
  const std::string html = ReviewHtml({}, ReportMeta{});
  ExpectHtmlPage(html);
  EXPECT_THAT(html, HasSubstr("Không có hồ sơ nào cần xem xét"));
  EXPECT_THAT(html, HasSubstr("0 hồ sơ"));
}

TEST(ReportsDisposalListHtml, DanhMucWithSignatures) {
  DisposalBatch b = SampleBatch();
  b.items[1].note = "<img src=x onerror=alert(1)>";
  const std::string html = DisposalListHtml(b, SampleMeta());
  ExpectHtmlPage(html);
  EXPECT_THAT(html, HasSubstr("size: A4 portrait"));
  EXPECT_THAT(html, HasSubstr("<h1>DANH MỤC TÀI LIỆU HẾT THỜI HẠN LƯU TRỮ</h1>"));
  EXPECT_THAT(html, HasSubstr("List of records whose retention period has expired"));
  EXPECT_THAT(html, HasSubstr("<b>Sở Nội vụ tỉnh Hà Giang</b>"));
  for (const char* th :
       {"STT", "Bó số", "Tập số (hồ sơ số)", "Tiêu đề / Số hồ sơ", "Lý do hủy", "Ghi chú"}) {
    EXPECT_THAT(html, HasSubstr("<th>" + std::string(th) + "<br>")) << th;
  }
  EXPECT_THAT(html, HasSubstr("<b>Người lập</b><br><span class=\"en\">Prepared by</span>"));
  EXPECT_THAT(html, HasSubstr("<b>Người duyệt</b><br><span class=\"en\">Approved by</span>"));
  EXPECT_THAT(html, HasSubstr("<b>alice</b></td>"));
  EXPECT_THAT(html, HasSubstr("<b>bob</b></td>"));
  EXPECT_THAT(html, HasSubstr("Quyết định hủy tài liệu số 12/QĐ-LT, 20/01/2026"));
  EXPECT_THAT(html, HasSubstr("04/02/2026"));  // deadline
  EXPECT_THAT(html, HasSubstr("1,2 MB"));
  EXPECT_THAT(html, HasSubstr("512 B"));
  // 2 records in 1 bundle, 4 files, 1 235 079 bytes.
  EXPECT_THAT(html, HasSubstr("2 hồ sơ / <span class=\"en\">records</span>, 1 bó"));
  EXPECT_THAT(html, HasSubstr("4 tệp"));
  EXPECT_THAT(html, HasSubstr("(1.235.079 byte)"));
  EXPECT_THAT(html, HasSubstr("<td>Hết thời hạn bảo quản</td>"));  // reason falls back
  EXPECT_THAT(html, HasSubstr("<td>Trùng lặp</td>"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
}

TEST(ReportsDisposalListHtml, AgencyFallsBackToVaultName) {
  DisposalBatch b;
  b.batch = "batch-1";
  b.state = "proposed";
  const std::string html = DisposalListHtml(b, SampleMeta());
  ExpectHtmlPage(html);
  EXPECT_THAT(html, HasSubstr("<b>Trung tâm Lưu trữ quốc gia I</b>"));
  EXPECT_THAT(html, HasSubstr("Đã đề nghị hủy / Proposed"));
  EXPECT_THAT(html, HasSubstr("Không có hồ sơ nào"));
}

TEST(ReportsDestructionRecordHtml, BienBanHuy) {
  const std::string html = DestructionRecordHtml(SampleRecord(), SampleMeta());
  ExpectHtmlPage(html);
  EXPECT_THAT(html, HasSubstr("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>"));
  EXPECT_THAT(html, HasSubstr("Độc lập - Tự do - Hạnh phúc"));
  EXPECT_THAT(html, HasSubstr("<h1>BIÊN BẢN HỦY TÀI LIỆU</h1>"));
  EXPECT_THAT(html, HasSubstr("Record of destruction"));
  EXPECT_THAT(html, HasSubstr("ngày 02 tháng 02 năm 2026"));
  // The decision text already starts with "Quyết định": not repeated.
  EXPECT_THAT(html, HasSubstr("Căn cứ Quyết định hủy số 12/QĐ-LT ngày 20/01/2026"));
  EXPECT_THAT(html, HasSubstr("Từ 02/02/2026 09:00:00 (UTC+07:00) đến 02/02/2026 09:05:30"));
  for (const char* th :
       {"STT", "Mã hồ sơ", "Tiêu đề hồ sơ", "Thời hạn bảo quản", "Số tệp", "Dung lượng"}) {
    EXPECT_THAT(html, HasSubstr("<th>" + std::string(th) + "<br>")) << th;
  }
  EXPECT_THAT(html, HasSubstr(">Vĩnh viễn / Permanent<"));
  EXPECT_THAT(html, HasSubstr("Công văn &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                              "&quot;trích&quot;"));
  EXPECT_THAT(html, HasSubstr("Xoá vĩnh viễn mọi bản sao trên mọi tầng lưu trữ"));
  EXPECT_THAT(html, HasSubstr("4711"));
  EXPECT_THAT(html, HasSubstr("local, offsite"));
  for (const char* who : {"alice", "bob", "carol"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<b>") + who + "</b></td>")) << who;
  }
  EXPECT_THAT(html, HasSubstr("<b>Người thực hiện</b><br><span class=\"en\">Executed by</span>"));
  // Appendix: every file with its digest.
  EXPECT_THAT(html, HasSubstr("Phụ lục: Danh sách tệp đã hủy"));
  for (char c : {'a', 'b', 'd'})
    EXPECT_THAT(html, HasSubstr(std::string(64, c)));
  EXPECT_THAT(html, HasSubstr("data/phụ lục.docx"));
  EXPECT_THAT(html, HasSubstr(">1.234.000<"));
  // Totals: 2 hồ sơ, 3 files, 1 234 577 bytes.
  EXPECT_THAT(html, HasSubstr("2 hồ sơ / <span class=\"en\">records</span></td><td "
                              "class=\"num\">3</td><td class=\"num\">1,2 MB"));
  EXPECT_THAT(html, HasSubstr("1.234.577 byte"));
}

TEST(ReportsDestructionRecordHtml, BareDecisionReferenceGetsTheWords) {
  DestructionRecord r = SampleRecord();
  r.decision = "12/QĐ-LT";
  r.finished = "";
  r.started = "";
  const std::string html = DestructionRecordHtml(r, SampleMeta());
  ExpectHtmlPage(html);
  EXPECT_THAT(html, HasSubstr("Căn cứ Quyết định hủy tài liệu số 12/QĐ-LT ngày 20/01/2026"));
  EXPECT_THAT(html, HasSubstr("ngày … tháng … năm …"));  // no date: the form to fill in
}

TEST(ReportsHtml, SizesAndDates) {
  // Observed through the record's table: SI units, decimal comma, rounding up a unit.
  struct Case {
    uint64_t bytes;
    const char* shown;
  } cases[] = {{0, ">0 B<"},           {999, ">999 B<"},
               {1000, ">1,0 KB<"},     {1234567, ">1,2 MB<"},
               {999950, ">1,0 MB<"},   {123456789, ">123 MB<"},
               {99960000, ">100 MB<"}, {18446744073709551615u, ">18,4 EB<"}};
  for (const Case& c : cases) {
    DestructionRecord r;
    DestroyedObject o;
    o.bytes = c.bytes;
    r.objects = {o};
    const std::string html = DestructionRecordHtml(r, ReportMeta{});
    EXPECT_THAT(html, HasSubstr(c.shown)) << c.bytes;
  }
  // Day below 10 and months 1–2 padded, months 3–12 not (Nghị định 30/2020).
  DestructionRecord r;
  r.finished = "2026-03-07T10:00:00Z";
  std::string html = DestructionRecordHtml(r, ReportMeta{});
  EXPECT_THAT(html, HasSubstr("ngày 07 tháng 3 năm 2026"));
  EXPECT_THAT(html, HasSubstr("07/03/2026 10:00:00 (UTC)"));
  r.finished = "yesterday";
  html = DestructionRecordHtml(r, ReportMeta{});
  EXPECT_THAT(html, HasSubstr("đến yesterday"));
}

// ---------------------------------------------------------------------------------------------
// XML

const xmlNode* Child(const xmlNode* n, std::string_view name) {
  return xml::FirstChild(n, kDestructionRecordNs, name);
}
std::string ChildText(const xmlNode* n, std::string_view name) {
  const xmlNode* c = Child(n, name);
  EXPECT_NE(c, nullptr) << name;
  return xml::NodeText(c);
}
std::vector<const xmlNode*> Children(const xmlNode* n, std::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (xml::IsElement(c, kDestructionRecordNs, name))
      out.push_back(c);
  }
  return out;
}

std::filesystem::path SchemaPath() {
  return std::filesystem::path(VAULT_SOURCE_DIR) / "formats/reports/destruction-record-1.xsd";
}

TEST(ReportsDestructionRecordXml, ParsesValidatesAndHoldsEverything) {
  const DestructionRecord rec = SampleRecord();
  const std::string x = DestructionRecordXml(rec);
  EXPECT_THAT(x, StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<destructionRecord "
                            "xmlns=\"urn:archive-vault:destruction-record:1\" version=\"1\">"));
  EXPECT_TRUE(IsNfc(x));
  auto doc = xml::ParseXml(x, "record.xml");
  ASSERT_OK(doc);
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  ASSERT_TRUE(xml::IsElement(root, kDestructionRecordNs, "destructionRecord"));
  EXPECT_EQ(xml::AttrValue(root, "", "version"), "1");
  EXPECT_EQ(ChildText(root, "batch"), rec.batch);
  EXPECT_EQ(ChildText(root, "agency"), rec.agency);
  const xmlNode* decision = Child(root, "decision");
  EXPECT_EQ(ChildText(decision, "reference"), "Quyết định hủy số 12/QĐ-LT");
  EXPECT_EQ(ChildText(decision, "date"), "2026-01-20");
  EXPECT_EQ(ChildText(root, "proposer"), "alice");
  EXPECT_EQ(ChildText(root, "approver"), "bob");
  EXPECT_EQ(ChildText(root, "executor"), "carol");
  EXPECT_EQ(ChildText(root, "started"), rec.started);
  EXPECT_EQ(ChildText(root, "finished"), rec.finished);
  EXPECT_EQ(ChildText(root, "method"), rec.method);
  EXPECT_EQ(ChildText(Child(root, "eventLog"), "headSeq"), "4711");
  EXPECT_EQ(ChildText(Child(root, "eventLog"), "headHash"), rec.log_head_hash);
  const xmlNode* totals = Child(root, "totals");
  EXPECT_EQ(ChildText(totals, "objects"), "2");
  EXPECT_EQ(ChildText(totals, "files"), "3");
  EXPECT_EQ(ChildText(totals, "bytes"), "1234577");

  const auto objects = Children(Child(root, "objects"), "object");
  ASSERT_EQ(objects.size(), rec.objects.size());
  for (size_t i = 0; i < objects.size(); ++i) {
    const DestroyedObject& o = rec.objects[i];
    EXPECT_EQ(ChildText(objects[i], "objectId"), o.object_id);
    EXPECT_EQ(ChildText(objects[i], "fileCode"), o.file_code);
    EXPECT_EQ(ChildText(objects[i], "title"), o.title);  // "<script>…&…" survives escaping
    EXPECT_EQ(ChildText(objects[i], "retention"), o.retention);
    EXPECT_EQ(ChildText(objects[i], "rule"), o.rule);
    EXPECT_EQ(ChildText(objects[i], "expiry"), o.expiry);
    EXPECT_EQ(ChildText(objects[i], "ingested"), o.ingested);
    EXPECT_EQ(ChildText(objects[i], "destroyed"), o.destroyed);
    EXPECT_EQ(ChildText(objects[i], "bytes"), std::to_string(o.bytes));
    std::vector<std::string> tiers;
    for (const xmlNode* t : Children(Child(objects[i], "tiers"), "tier")) {
      tiers.push_back(xml::NodeText(t));
    }
    EXPECT_EQ(tiers, o.tiers);
    const auto files = Children(Child(objects[i], "files"), "file");
    ASSERT_EQ(files.size(), o.files.size());
    for (size_t k = 0; k < files.size(); ++k) {
      EXPECT_EQ(ChildText(files[k], "path"), o.files[k].path);
      EXPECT_EQ(ChildText(files[k], "size"), std::to_string(o.files[k].size));
      EXPECT_EQ(ChildText(files[k], "sha256"), o.files[k].sha256);
    }
  }

  auto schema = xml::SchemaSet::Load(SchemaPath());
  ASSERT_OK(schema);
  auto errors = (*schema)->Validate(x);
  ASSERT_OK(errors);
  EXPECT_TRUE(errors->empty()) << ::testing::PrintToString(*errors);
}

TEST(ReportsDestructionRecordXml, EmptyRecordIsValid) {
  const std::string x = DestructionRecordXml(DestructionRecord{});
  EXPECT_THAT(x, HasSubstr("<objects>0</objects>"));
  EXPECT_THAT(x, HasSubstr("<batch/>"));
  auto schema = xml::SchemaSet::Load(SchemaPath());
  ASSERT_OK(schema);
  auto errors = (*schema)->Validate(x);
  ASSERT_OK(errors);
  EXPECT_TRUE(errors->empty()) << ::testing::PrintToString(*errors);
}

TEST(ReportsDestructionRecordXml, ControlCharactersAndInvalidUtf8NeverBreakTheXml) {
  DestructionRecord rec = SampleRecord();
  std::string all_c0;
  for (int c = 0; c < 0x20; ++c)
    all_c0 += static_cast<char>(c);
  rec.objects[0].title = "a" + all_c0 + "\x7F" + "\xC2\x85" + "\xEF\xBF\xBF" + "z";
  rec.objects[0].files[0].path = std::string("p\0q", 3);
  rec.method = "bad \xFF\xFE byte";
  rec.agency = "A ]]> <![CDATA[ & </agency>";
  const std::string x = DestructionRecordXml(rec);
  EXPECT_TRUE(IsValidUtf8(x));
  for (char c : x) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n') << "raw control " << int{u};  // TAB/CR as references
  }
  auto doc = xml::ParseXml(x, "record.xml");
  ASSERT_OK(doc);
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  const auto objects = Children(Child(root, "objects"), "object");
  ASSERT_EQ(objects.size(), 2u);
  // TAB, LF and CR survive (as character references); every other control is U+FFFD: 29 C0
  // characters, DEL, NEL and U+FFFF.
  std::string want = "a";
  for (int c = 0; c < 0x20; ++c) {
    want += (c == '\t' || c == '\n' || c == '\r') ? std::string(1, static_cast<char>(c))
                                                  : std::string(kFffd);
  }
  want += std::string(kFffd) + std::string(kFffd) + std::string(kFffd) + "z";
  EXPECT_EQ(ChildText(objects[0], "title"), want);
  EXPECT_EQ(ChildText(Child(Child(objects[0], "files"), "file"), "path"),
            "p" + std::string(kFffd) + "q");
  EXPECT_EQ(ChildText(root, "method"), "bad \\xFF\\xFE byte");  // invalid bytes shown, not lost
  EXPECT_EQ(ChildText(root, "agency"), rec.agency);

  auto schema = xml::SchemaSet::Load(SchemaPath());
  ASSERT_OK(schema);
  auto errors = (*schema)->Validate(x);
  ASSERT_OK(errors);
  EXPECT_TRUE(errors->empty()) << ::testing::PrintToString(*errors);

  // The HTML and CSV get the same cleaning.
  const std::string html = DestructionRecordHtml(rec, SampleMeta());
  EXPECT_TRUE(IsValidUtf8(html));
  EXPECT_THAT(html, Not(HasSubstr(std::string(1, '\0'))));
  EXPECT_THAT(html, Not(HasSubstr("\x01")));
  EXPECT_THAT(html, HasSubstr("bad \\xFF\\xFE byte"));
  ReviewRow row;
  row.title = rec.objects[0].title;
  const std::string csv = ReviewCsv({row});
  EXPECT_TRUE(IsValidUtf8(csv));
  EXPECT_THAT(csv, Not(HasSubstr("\x01")));
}

// ---------------------------------------------------------------------------------------------
// Unicode

TEST(ReportsUnicode, NfcTextIsByteIdenticalAndNfdIsComposed) {
  ASSERT_TRUE(IsNfc(kNfcTitle));
  ASSERT_FALSE(IsNfc(kNfdTitle));
  ASSERT_EQ(ToNfc(kNfdTitle), std::string(kNfcTitle));

  for (std::string_view title : {kNfcTitle, kNfdTitle}) {
    ReviewRow row;
    row.title = std::string(title);
    row.file_code = "X";
    const std::string csv = ReviewCsv({row});
    EXPECT_THAT(csv, HasSubstr("X," + std::string(kNfcTitle) + ","));
    EXPECT_THAT(ReviewHtml({row}, SampleMeta()),
                HasSubstr("<td>" + std::string(kNfcTitle) + "</td>"));

    DestructionRecord rec;
    DestroyedObject o;
    o.title = std::string(title);
    rec.objects = {o};
    const std::string x = DestructionRecordXml(rec);
    EXPECT_THAT(x, HasSubstr("<title>" + std::string(kNfcTitle) + "</title>"));
    EXPECT_TRUE(IsNfc(x));
    EXPECT_THAT(x, Not(HasSubstr(std::string(kNfdTitle))));
  }
  // Every report of the Vietnamese sample is NFC as a whole (the fixed labels too).
  EXPECT_TRUE(IsNfc(ReviewCsv(SampleReview())));
  EXPECT_TRUE(IsNfc(DisposalListCsv(SampleBatch())));
  EXPECT_TRUE(IsNfc(DisposalListHtml(SampleBatch(), SampleMeta())));
  EXPECT_TRUE(IsNfc(DestructionRecordHtml(SampleRecord(), SampleMeta())));
}

TEST(ReportsEscape, HtmlAndXml) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(XmlEscape("<a b=\"x\">'&'</a>"),
            "&lt;a b=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  EXPECT_EQ(XmlEscape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(HtmlEscape("a\tb\nc"), "a\tb\nc");
  EXPECT_EQ(XmlEscape(std::string("x\0y\x1B", 4)), "x\xEF\xBF\xBDy\xEF\xBF\xBD");
  EXPECT_EQ(HtmlEscape("\x80"), "\\x80");
  EXPECT_EQ(HtmlEscape(kNfcTitle), kNfcTitle);
  EXPECT_EQ(XmlEscape(kNfdTitle), kNfcTitle);
  EXPECT_EQ(HtmlEscape(""), "");
}

}  // namespace
}  // namespace vault::reports
