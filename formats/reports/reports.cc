#include "formats/reports/reports.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <set>
#include <utility>

#include "vault/base/unicode.h"

namespace vault::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Valid UTF-8, NFC, without the characters that XML forbids or HTML calls control characters.
std::string Clean(std::string_view s) {
  std::string valid = EscapeInvalidUtf8(s);
  // EscapeInvalidUtf8 leaves only well-formed UTF-8, so ToNfc cannot fail; fall back anyway.
  std::string nfc = ToNfc(valid).value_or(valid);
  std::string out;
  out.reserve(nfc.size());
  for (size_t i = 0; i < nfc.size();) {
    const auto c = static_cast<unsigned char>(nfc[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + len > nfc.size())
      len = nfc.size() - i;  // cannot happen after EscapeInvalidUtf8
    const std::string_view ch(nfc.data() + i, len);
    i += len;
    bool bad = false;
    if (len == 1) {
      bad = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
    } else if (len == 2) {
      bad = c == 0xC2 && static_cast<unsigned char>(ch[1]) < 0xA0;  // U+0080..U+009F
    } else if (len == 3) {
      bad = ch == "\xEF\xBF\xBE" || ch == "\xEF\xBF\xBF";  // U+FFFE, U+FFFF
    }
    out += bad ? kReplacement : ch;
  }
  return out;
}

// ---- values shown to people ----

bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size())
    return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
  }
  return true;
}

bool IsIsoDate(std::string_view s) {
  return Digits(s, 0, 4) && s.size() >= 10 && s[4] == '-' && Digits(s, 5, 2) && s[7] == '-' &&
         Digits(s, 8, 2);
}

// "2026-11-23" -> "23/11/2026"; "2026-11-23T09:42:26+07:00" -> "23/11/2026 09:42:26 (UTC+07:00)";
// anything else is returned as given.
std::string ViDate(std::string_view s) {
  if (!IsIsoDate(s))
    return std::string(s);
  std::string out = std::string(s.substr(8, 2)) + "/" + std::string(s.substr(5, 2)) + "/" +
                    std::string(s.substr(0, 4));
  if (s.size() == 10)
    return out;
  if ((s[10] != 'T' && s[10] != ' ') || !Digits(s, 11, 2) || s.size() < 16 || s[13] != ':' ||
      !Digits(s, 14, 2)) {
    return std::string(s);
  }
  out += " " + std::string(s.substr(11, 5));
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':' && Digits(s, pos + 1, 2)) {
    out += std::string(s.substr(pos, 3));
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {  // fraction: not shown
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
        ++pos;
    }
  }
  if (pos == s.size())
    return out;
  std::string_view zone = s.substr(pos);
  if (zone == "Z")
    return out + " (UTC)";
  if ((zone[0] == '+' || zone[0] == '-') && Digits(zone, 1, 2) &&
      ((zone.size() == 6 && zone[3] == ':' && Digits(zone, 4, 2)) ||
       (zone.size() == 5 && Digits(zone, 3, 2)))) {
    return out + " (UTC" + std::string(zone.substr(0, 3)) + ":" +
           std::string(zone.substr(zone.size() - 2)) + ")";
  }
  return std::string(s);
}

// The date line of Vietnamese administrative documents (Nghị định 30/2020: days below 10 and
// the months 1 and 2 take a leading zero): "ngày 05 tháng 02 năm 2026", "ngày 23 tháng 11 năm
// 2026". Without a date, the blank form to fill in by hand.
std::string NgayThangNam(std::string_view s) {
  if (!IsIsoDate(s))
    return "ngày … tháng … năm …";
  const std::string day(s.substr(8, 2));
  std::string month(s.substr(5, 2));
  if (month[0] == '0' && month[1] > '2')
    month.erase(0, 1);
  return "ngày " + day + " tháng " + month + " năm " + std::string(s.substr(0, 4));
}

// 1234567 -> "1.234.567" (Vietnamese thousands separator).
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += '.';
    out += digits[i];
  }
  return out;
}

// SI units, Vietnamese decimal comma: 512 -> "512 B", 1234567 -> "1,2 MB", 123456789 -> "123 MB".
std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1000)
    return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
  constexpr int kLast = 5;
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (v >= 1000 && unit < kLast) {
    v /= 1000;
    ++unit;
  }
  char buf[48];
  const long long tenths = std::llround(v * 10);
  if (tenths < 1000) {
    std::snprintf(buf, sizeof buf, "%lld,%lld %s", tenths / 10, tenths % 10, kUnits[unit]);
  } else {
    long long whole = std::llround(v);
    if (whole >= 1000 && unit < kLast) {  // 999 950 B rounds to "1,0 MB", not "1000 KB"
      ++unit;
      std::snprintf(buf, sizeof buf, "1,0 %s", kUnits[unit]);
    } else {
      std::snprintf(buf, sizeof buf, "%lld %s", whole, kUnits[unit]);
    }
  }
  return buf;
}

// Bilingual label of a retention code ("10y", "permanent", "event"); unknown codes as given.
std::string RetentionLabel(std::string_view r) {
  if (r == "permanent")
    return "Vĩnh viễn / Permanent";
  if (r == "event")
    return "Theo sự kiện / Event-based";
  if (r.size() >= 2 && r.back() == 'y' && Digits(r, 0, r.size() - 1)) {
    const std::string n(r.substr(0, r.size() - 1));
    return n + " năm / " + n + " years";
  }
  return std::string(r);
}

std::string StateLabel(std::string_view s) {
  if (s == "due")
    return "Đến hạn xem xét / Due for review";
  if (s == "proposed")
    return "Đã đề nghị hủy / Proposed";
  if (s == "approved")
    return "Đã duyệt hủy / Approved";
  if (s == "executed")
    return "Đã hủy / Destroyed";
  if (s == "destroying")
    return "Đang hủy / Being destroyed";
  if (s == "cancelled")
    return "Đã bãi bỏ / Cancelled";
  return std::string(s);
}

// ---- CSV ----

bool StartsFormula(std::string_view c) {
  if (c.empty())
    return false;
  switch (c[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return true;
    default:
      break;
  }
  // Full-width ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
  for (std::string_view fw : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"}) {
    if (c.substr(0, fw.size()) == fw)
      return true;
  }
  return false;
}

std::string CsvCell(std::string_view raw) {
  std::string c = Clean(raw);
  if (StartsFormula(c))
    c.insert(0, "'");
  if (c.find_first_of(",\"\r\n") == std::string::npos)
    return c;
  std::string q = "\"";
  for (char ch : c) {
    if (ch == '"')
      q += '"';
    q += ch;
  }
  q += '"';
  return q;
}

class Csv {
 public:
  Csv() : out_("\xEF\xBB\xBF") {}
  void Row(std::initializer_list<std::string_view> cells) {
    bool first = true;
    for (std::string_view c : cells) {
      if (!first)
        out_ += ',';
      first = false;
      out_ += CsvCell(c);
    }
    out_ += "\r\n";
  }
  std::string Take() && { return std::move(out_); }

 private:
  std::string out_;
};

std::string Num(uint64_t n) { return std::to_string(n); }

// ---- HTML ----

std::string E(std::string_view s) { return HtmlEscape(s); }

constexpr std::string_view kCss = R"(
body { font-family: "Times New Roman", Times, serif; font-size: 13pt; color: #000; background: #fff;
  line-height: 1.35; margin: 1.5em auto; max-width: WIDTH; padding: 0 1em; }
h1 { font-size: 14pt; font-weight: bold; text-align: center; margin: 1em 0 0; }
h2 { font-size: 13pt; margin: 1.2em 0 0.4em; }
.subtitle { text-align: center; font-style: italic; margin: 0.2em 0 1em; }
.en { font-style: italic; font-weight: normal; }
.center { text-align: center; }
.small, .meta-line { font-size: 10pt; }
.code { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-size: 9.5pt;
  word-break: break-all; }
table { border-collapse: collapse; }
table.hdr { width: 100%; margin-bottom: 0.5em; }
table.hdr td { vertical-align: top; text-align: center; width: 50%; padding: 0; }
.motto { text-decoration: underline; }
table.meta td { padding: 1pt 8pt 1pt 0; vertical-align: top; }
table.list { width: 100%; font-size: 11pt; margin: 0.6em 0; }
table.list th, table.list td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; }
table.list th { font-weight: bold; text-align: center; }
table.list tfoot td { font-weight: bold; }
table.files { font-size: 9pt; }
.num { text-align: right; white-space: nowrap; }
.held { background: #eee; }
table.sign { width: 100%; margin-top: 1.5em; page-break-inside: avoid; break-inside: avoid; }
table.sign td { text-align: center; vertical-align: top; padding: 0 4pt; }
.sign .space { height: 5em; }
.appendix { page-break-before: always; break-before: page; }
footer { margin-top: 2em; border-top: 1px solid #999; font-size: 9pt; color: #333; }
thead { display: table-header-group; }
tfoot { display: table-footer-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
@page { size: PAGE; margin: 20mm 15mm 20mm 25mm; }
@media print { body { margin: 0; max-width: none; padding: 0; } }
)";

// A complete page; `title` is raw text, `body` is HTML.
std::string Page(std::string_view title, bool landscape, std::string_view body) {
  std::string css(kCss);
  auto put = [&css](std::string_view key, std::string_view value) {
    css.replace(css.find(key), key.size(), value);
  };
  put("WIDTH", landscape ? "267mm" : "170mm");
  put("PAGE", landscape ? "A4 landscape" : "A4 portrait");
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n";
  out += "<meta name=\"generator\" content=\"archive-vault\">\n";
  out += "<title>" + E(title) + "</title>\n<style>" + css + "</style>\n</head>\n<body>\n";
  out += body;
  out += "</body>\n</html>\n";
  return out;
}

// "<th>Vietnamese<br><span class="en">English</span></th>"
std::string Th(std::string_view vi, std::string_view en, std::string_view cls = "") {
  std::string out = "<th";
  if (!cls.empty())
    out += " class=\"" + std::string(cls) + "\"";
  return out + ">" + E(vi) + "<br><span class=\"en\">" + E(en) + "</span></th>";
}

// One row of a label/value table; `value_html` is HTML already.
std::string MetaRow(std::string_view vi, std::string_view en, std::string_view value_html) {
  return "<tr><td>" + E(vi) + " / <span class=\"en\">" + E(en) + "</span>:</td><td>" +
         std::string(value_html) + "</td></tr>\n";
}

// The one row of an empty list: "Vietnamese / English" across its `cols` columns (HTML already).
std::string EmptyListRow(int cols, std::string_view vi_html, std::string_view en_html) {
  return "<tr><td colspan=\"" + std::to_string(cols) + "\" class=\"center\">" +
         std::string(vi_html) + " / <span class=\"en\">" + std::string(en_html) +
         "</span></td></tr>\n";
}

// The start of row `n` of a numbered list, with its number cell.
std::string NumberedRowStart(size_t n) {
  return "<tr><td class=\"num\">" + std::to_string(n) + "</td>";
}

std::string Footer(const ReportMeta& meta) {
  std::string out =
      "<footer>Lập tự động bởi archive-vault / <span class=\"en\">Generated by "
      "archive-vault</span>";
  if (!meta.vault_name.empty())
    out += " — " + E(meta.vault_name);
  if (!meta.generated.empty())
    out += " — " + E(ViDate(meta.generated));
  if (!meta.generated_by.empty())
    out += " — " + E(meta.generated_by);
  if (!meta.schedule.empty()) {
    out += " — Bảng thời hạn bảo quản / <span class=\"en\">retention schedule</span>: " +
           E(meta.schedule);
  }
  return out + "</footer>\n";
}

// A signature block: title, date, hint, space to sign, name.
std::string SignCell(std::string_view vi, std::string_view en, std::string_view date,
                     std::string_view name) {
  std::string out = "<td><b>" + E(vi) + "</b><br><span class=\"en\">" + E(en) + "</span>";
  if (!date.empty())
    out += "<br><span class=\"small\">" + E(ViDate(date)) + "</span>";
  out +=
      "<br><span class=\"small\">(Ký, ghi rõ họ tên / <span class=\"en\">signature, full "
      "name</span>)</span><div class=\"space\"></div><b>" +
      E(name) + "</b></td>";
  return out;
}

// "Quyết định …" as given, or "Quyết định hủy tài liệu số <reference>".
std::string DecisionText(std::string_view decision) {
  const std::string d = Clean(decision);
  if (d.rfind("Quyết định", 0) == 0 || d.rfind("quyết định", 0) == 0)
    return d;
  return "Quyết định hủy tài liệu số " + d;
}

// ---- XML ----

class XmlOut {
 public:
  void Open(std::string_view name) { OpenTag(name); }
  // `tag` is the start tag's inside: a name, perhaps with attributes.
  void OpenTag(std::string_view tag) {
    Indent();
    out_ += "<" + std::string(tag) + ">\n";
    ++depth_;
  }
  void Close(std::string_view name) {
    --depth_;
    Indent();
    out_ += "</" + std::string(name) + ">\n";
  }
  void Leaf(std::string_view name, std::string_view text) {
    Indent();
    if (text.empty()) {
      out_ += "<" + std::string(name) + "/>\n";
    } else {
      out_ += "<" + std::string(name) + ">" + XmlEscape(text) + "</" + std::string(name) + ">\n";
    }
  }
  void Raw(std::string_view s) { out_ += s; }
  std::string Take() && { return std::move(out_); }

 private:
  void Indent() { out_.append(static_cast<size_t>(depth_) * 2, ' '); }
  std::string out_;
  int depth_ = 0;
};

// What a character becomes in escaped text, empty when it stays as it is: the markup characters
// always; in XML a single quote is &apos; and tab, line feed and carriage return become character
// references, in HTML a single quote is &#39; and whitespace stays.
std::string_view EntityFor(char ch, bool xml) {
  switch (ch) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return xml ? "&apos;" : "&#39;";
    case '\t':
      return xml ? "&#9;" : "";
    case '\n':
      return xml ? "&#10;" : "";
    case '\r':
      return xml ? "&#13;" : "";
    default:
      return {};
  }
}

std::string EscapeMarkup(std::string_view s, bool xml) {
  const std::string c = Clean(s);
  std::string out;
  out.reserve(c.size() + c.size() / 8);
  for (char ch : c) {
    const std::string_view entity = EntityFor(ch, xml);
    if (entity.empty()) {
      out += ch;
    } else {
      out += entity;
    }
  }
  return out;
}

}  // namespace

std::string HtmlEscape(std::string_view s) { return EscapeMarkup(s, /*xml=*/false); }

std::string XmlEscape(std::string_view s) { return EscapeMarkup(s, /*xml=*/true); }

// ---------------------------------------------------------------------------------------------
// Review list

std::string ReviewCsv(const std::vector<ReviewRow>& rows) {
  Csv csv;
  csv.Row({"Mã hồ sơ / File code", "Tiêu đề hồ sơ / Title", "Thời hạn bảo quản / Retention",
           "Quy tắc / Rule", "Tên quy tắc / Rule title", "Năm kết thúc / End year",
           "Ngày hết hạn / Expiry", "Trạng thái / State", "Đợt hủy / Batch", "Lệnh tạm giữ / Holds",
           "Mã định danh / Object id"});
  for (const ReviewRow& r : rows) {
    const std::string end_year = r.end_year != 0 ? std::to_string(r.end_year) : "";
    csv.Row({r.file_code, r.title, r.retention, r.rule, r.rule_title, end_year, r.expiry, r.state,
             r.batch, r.holds, r.object_id});
  }
  return std::move(csv).Take();
}

std::string ReviewHtml(const std::vector<ReviewRow>& rows, const ReportMeta& meta) {
  std::map<std::string, size_t> by_state;
  for (const ReviewRow& r : rows)
    ++by_state[r.state];

  std::string b;
  if (!meta.vault_name.empty())
    b += "<p class=\"center\"><b>" + E(meta.vault_name) + "</b></p>\n";
  b += "<h1>Danh sách hồ sơ hết thời hạn bảo quản — cần xem xét hủy</h1>\n";
  b += "<p class=\"subtitle\" lang=\"en\">Records past their retention period — to be reviewed "
       "for destruction</p>\n";
  b += "<table class=\"meta\">\n";
  if (!meta.generated.empty())
    b += MetaRow("Lập lúc", "Generated", E(ViDate(meta.generated)));
  if (!meta.generated_by.empty())
    b += MetaRow("Người lập", "Generated by", E(meta.generated_by));
  if (!meta.schedule.empty()) {
    b += MetaRow("Bảng thời hạn bảo quản", "Retention schedule", E(meta.schedule));
  }
  std::string total = E(std::to_string(rows.size())) + " hồ sơ / <span class=\"en\">records</span>";
  if (!by_state.empty()) {
    total += " (";
    bool first = true;
    for (const auto& [state, n] : by_state) {
      if (!first)
        total += "; ";
      first = false;
      total += E(StateLabel(state.empty() ? "—" : state)) + ": " + std::to_string(n);
    }
    total += ")";
  }
  b += MetaRow("Tổng số", "Total", total);
  b += "</table>\n";

  b += "<table class=\"list\">\n<thead><tr>" + Th("STT", "No.") + Th("Mã hồ sơ", "File code") +
       Th("Tiêu đề hồ sơ", "Title") + Th("Thời hạn bảo quản", "Retention") + Th("Quy tắc", "Rule") +
       Th("Năm kết thúc", "End year") + Th("Ngày hết hạn", "Expiry") + Th("Trạng thái", "State") +
       Th("Đợt hủy", "Batch") + Th("Lệnh tạm giữ", "Holds") + Th("Mã định danh", "Object id") +
       "</tr></thead>\n<tbody>\n";
  if (rows.empty()) {
    b += EmptyListRow(11, "Không có hồ sơ nào cần xem xét", "No records to review");
  }
  size_t n = 0;
  for (const ReviewRow& r : rows) {
    ++n;
    std::string holds = r.holds;
    for (size_t p = 0; (p = holds.find(',', p)) != std::string::npos; p += 2) {
      if (p + 1 >= holds.size() || holds[p + 1] != ' ')
        holds.insert(p + 1, " ");
    }
    b += r.holds.empty() ? "<tr>" : "<tr class=\"held\">";
    b += "<td class=\"num\">" + std::to_string(n) + "</td>";
    b += "<td class=\"code\">" + E(r.file_code) + "</td>";
    b += "<td>" + E(r.title) + "</td>";
    b += "<td>" + E(RetentionLabel(r.retention)) + "</td>";
    b += "<td><span class=\"code\">" + E(r.rule) + "</span>";
    if (!r.rule_title.empty())
      b += "<br><span class=\"small\">" + E(r.rule_title) + "</span>";
    b += "</td>";
    b += "<td class=\"num\">" + (r.end_year != 0 ? std::to_string(r.end_year) : "") + "</td>";
    b += "<td class=\"num\">" + E(ViDate(r.expiry)) + "</td>";
    b += "<td>" + E(StateLabel(r.state)) + "</td>";
    b += "<td class=\"code\">" + E(r.batch) + "</td>";
    b += "<td class=\"code\">" + E(holds) + "</td>";
    b += "<td class=\"code\">" + E(r.object_id) + "</td></tr>\n";
  }
  b += "</tbody>\n</table>\n";
  b += Footer(meta);
  return Page(
      "Danh sách hồ sơ hết thời hạn bảo quản — cần xem xét hủy / Records past their "
      "retention period",
      /*landscape=*/true, b);
}

// ---------------------------------------------------------------------------------------------
// Danh mục tài liệu hết thời hạn lưu trữ

std::string DisposalListCsv(const DisposalBatch& batch) {
  Csv csv;
  csv.Row({"STT / No.", "Bó số / Bundle no.", "Tập số (hồ sơ số) / Volume (file no.)",
           "Tiêu đề / Số hồ sơ — Title / File no.", "Lý do hủy / Reason for destruction",
           "Ghi chú / Note", "Mã định danh / Object id", "Mã hồ sơ / File code", "Quy tắc / Rule",
           "Ngày hết hạn / Expiry", "Số tệp / Files", "Dung lượng (byte) / Size (bytes)"});
  uint64_t n = 0;
  for (const DisposalItem& it : batch.items) {
    ++n;
    const std::string& heading = it.title.empty() ? it.file_code : it.title;
    const std::string& reason = it.reason.empty() ? batch.reason : it.reason;
    csv.Row({Num(n), it.bundle, it.volume, heading, reason, it.note, it.object_id, it.file_code,
             it.rule, it.expiry, Num(it.files), Num(it.bytes)});
  }
  return std::move(csv).Take();
}

std::string DisposalListHtml(const DisposalBatch& batch, const ReportMeta& meta) {
  const std::string& agency = batch.agency.empty() ? meta.vault_name : batch.agency;
  uint64_t bytes = 0, files = 0;
  std::set<std::string> bundles;
  for (const DisposalItem& it : batch.items) {
    bytes += it.bytes;
    files += it.files;
    if (!it.bundle.empty())
      bundles.insert(Clean(it.bundle));
  }

  std::string b;
  b += "<table class=\"hdr\"><tr><td><b>" + E(agency) + "</b></td><td></td></tr></table>\n";
  b += "<h1>DANH MỤC TÀI LIỆU HẾT THỜI HẠN LƯU TRỮ</h1>\n";
  b += "<p class=\"subtitle\" lang=\"en\">List of records whose retention period has "
       "expired</p>\n";
  b += "<table class=\"meta\">\n";
  b += MetaRow("Đợt hủy", "Batch", "<span class=\"code\">" + E(batch.batch) + "</span>");
  b += MetaRow("Trạng thái", "State", E(StateLabel(batch.state)));
  if (!batch.reason.empty())
    b += MetaRow("Lý do hủy", "Reason", E(batch.reason));
  if (!batch.proposer.empty() || !batch.proposed.empty()) {
    b += MetaRow(
        "Người đề nghị", "Proposed by",
        E(batch.proposer) + (batch.proposed.empty() ? "" : ", " + E(ViDate(batch.proposed))));
  }
  if (!batch.decision.empty()) {
    b += MetaRow("Quyết định hủy", "Decision",
                 E(DecisionText(batch.decision)) +
                     (batch.decision_date.empty() ? "" : ", " + E(ViDate(batch.decision_date))));
  }
  if (!batch.approver.empty() || !batch.approved.empty()) {
    b += MetaRow(
        "Người duyệt", "Approved by",
        E(batch.approver) + (batch.approved.empty() ? "" : ", " + E(ViDate(batch.approved))));
  }
  if (!batch.deadline.empty()) {
    b += MetaRow("Hạn thực hiện hủy", "Destruction deadline", E(ViDate(batch.deadline)));
  }
  if (!batch.executor.empty() || !batch.executed.empty()) {
    b += MetaRow(
        "Người thực hiện", "Executed by",
        E(batch.executor) + (batch.executed.empty() ? "" : ", " + E(ViDate(batch.executed))));
  }
  b += "</table>\n";

  b += "<table class=\"list\">\n<thead><tr>" + Th("STT", "No.") + Th("Bó số", "Bundle no.") +
       Th("Tập số (hồ sơ số)", "Volume (file no.)") + Th("Tiêu đề / Số hồ sơ", "Title / File no.") +
       Th("Lý do hủy", "Reason for destruction") + Th("Ghi chú", "Note") + "</tr></thead>\n";
  b += "<tfoot><tr><td colspan=\"6\">Tổng cộng / <span class=\"en\">Total</span>: " +
       std::to_string(batch.items.size()) + " hồ sơ / <span class=\"en\">records</span>";
  if (!bundles.empty())
    b += ", " + std::to_string(bundles.size()) + " bó / <span class=\"en\">bundles</span>";
  b += ", " + Grouped(files) + " tệp / <span class=\"en\">files</span>, " + HumanBytes(bytes) +
       " (" + Grouped(bytes) + " byte)</td></tr></tfoot>\n<tbody>\n";
  if (batch.items.empty()) {
    b += EmptyListRow(6, "Không có hồ sơ nào", "No records");
  }
  size_t n = 0;
  for (const DisposalItem& it : batch.items) {
    ++n;
    b += NumberedRowStart(n);
    b += "<td class=\"center\">" + E(it.bundle) + "</td>";
    b += "<td class=\"center\">" + E(it.volume) + "</td>";
    b += "<td>" + E(it.title.empty() ? it.file_code : it.title);
    b += "<div class=\"small\">";
    if (!it.file_code.empty()) {
      b += "Mã hồ sơ / <span class=\"en\">file code</span>: <span class=\"code\">" +
           E(it.file_code) + "</span>; ";
    }
    if (!it.rule.empty())
      b += "quy tắc / <span class=\"en\">rule</span> " + E(it.rule) + "; ";
    if (!it.expiry.empty()) {
      b += "hết hạn / <span class=\"en\">expired</span> " + E(ViDate(it.expiry)) + "; ";
    }
    b += Grouped(it.files) + " tệp / <span class=\"en\">files</span>, " + HumanBytes(it.bytes);
    b += "<br>Mã định danh / <span class=\"en\">object id</span>: <span class=\"code\">" +
         E(it.object_id) + "</span></div></td>";
    b += "<td>" + E(it.reason.empty() ? batch.reason : it.reason) + "</td>";
    b += "<td>" + E(it.note) + "</td></tr>\n";
  }
  b += "</tbody>\n</table>\n";

  b += "<table class=\"sign\"><tr>" +
       SignCell("Người lập", "Prepared by", batch.proposed, batch.proposer) +
       SignCell("Người duyệt", "Approved by", batch.approved, batch.approver) + "</tr></table>\n";
  b += Footer(meta);
  return Page("Danh mục tài liệu hết thời hạn lưu trữ " + batch.batch +
                  " / List of records whose retention period has expired",
              /*landscape=*/false, b);
}

// ---------------------------------------------------------------------------------------------
// Biên bản hủy tài liệu

std::string DestructionRecordXml(const DestructionRecord& r) {
  uint64_t files = 0, bytes = 0;
  for (const DestroyedObject& o : r.objects) {
    files += o.files.size();
    bytes += o.bytes;
  }
  XmlOut x;
  x.Raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  x.OpenTag("destructionRecord xmlns=\"" + std::string(kDestructionRecordNs) + "\" version=\"1\"");
  x.Leaf("batch", r.batch);
  x.Leaf("agency", r.agency);
  x.Open("decision");
  x.Leaf("reference", r.decision);
  x.Leaf("date", r.decision_date);
  x.Close("decision");
  x.Leaf("proposer", r.proposer);
  x.Leaf("approver", r.approver);
  x.Leaf("executor", r.executor);
  x.Leaf("started", r.started);
  x.Leaf("finished", r.finished);
  x.Leaf("method", r.method);
  x.Open("eventLog");
  x.Leaf("headSeq", r.log_head_seq);
  x.Leaf("headHash", r.log_head_hash);
  x.Close("eventLog");
  x.Open("totals");
  x.Leaf("objects", Num(r.objects.size()));
  x.Leaf("files", Num(files));
  x.Leaf("bytes", Num(bytes));
  x.Close("totals");
  x.Open("objects");
  for (const DestroyedObject& o : r.objects) {
    x.Open("object");
    x.Leaf("objectId", o.object_id);
    x.Leaf("fileCode", o.file_code);
    x.Leaf("title", o.title);
    x.Leaf("retention", o.retention);
    x.Leaf("rule", o.rule);
    x.Leaf("expiry", o.expiry);
    x.Leaf("ingested", o.ingested);
    x.Leaf("destroyed", o.destroyed);
    x.Leaf("bytes", Num(o.bytes));
    x.Open("tiers");
    for (const std::string& t : o.tiers)
      x.Leaf("tier", t);
    x.Close("tiers");
    x.Open("files");
    for (const DestroyedFile& f : o.files) {
      x.Open("file");
      x.Leaf("path", f.path);
      x.Leaf("size", Num(f.size));
      x.Leaf("sha256", f.sha256);
      x.Close("file");
    }
    x.Close("files");
    x.Close("object");
  }
  x.Close("objects");
  x.Close("destructionRecord");
  return std::move(x).Take();
}

std::string DestructionRecordHtml(const DestructionRecord& r, const ReportMeta& meta) {
  const std::string& agency = r.agency.empty() ? meta.vault_name : r.agency;
  uint64_t files = 0, bytes = 0;
  for (const DestroyedObject& o : r.objects) {
    files += o.files.size();
    bytes += o.bytes;
  }
  const std::string when = !r.finished.empty() ? r.finished : r.started;

  std::string b;
  b += "<table class=\"hdr\"><tr><td><b>" + E(agency) +
       "</b><br><span class=\"small\">Đợt hủy / "
       "<span class=\"en\">Batch</span>: <span class=\"code\">" +
       E(r.batch) + "</span></span></td>";
  b += "<td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b class=\"motto\">Độc lập - Tự do - "
       "Hạnh phúc</b><br><br><i>" +
       E(NgayThangNam(when)) + "</i></td></tr></table>\n";
  b += "<h1>BIÊN BẢN HỦY TÀI LIỆU</h1>\n";
  b += "<p class=\"subtitle\" lang=\"en\">Record of destruction</p>\n";

  const std::string decision_date =
      r.decision_date.empty() ? "" : " ngày " + E(ViDate(r.decision_date));
  b += "<p>Căn cứ " + E(DecisionText(r.decision)) + decision_date +
       ";<br><span class=\"en\">Pursuant to decision " + E(r.decision) +
       (r.decision_date.empty() ? "" : " of " + E(ViDate(r.decision_date))) + ";</span></p>\n";
  b += "<p>Từ " + E(ViDate(r.started)) + " đến " + E(ViDate(r.finished)) + ", đã tiến hành hủy " +
       std::to_string(r.objects.size()) +
       " hồ sơ hết thời hạn lưu trữ thuộc đợt hủy <span class=\"code\">" + E(r.batch) +
       "</span> (" + Grouped(files) + " tệp, " + HumanBytes(bytes) +
       "), danh sách dưới đây.<br><span class=\"en\">From " + E(ViDate(r.started)) + " to " +
       E(ViDate(r.finished)) + ", the " + std::to_string(r.objects.size()) + " records of batch " +
       E(r.batch) + " listed below (" + Grouped(files) + " files, " + HumanBytes(bytes) +
       ") were destroyed.</span></p>\n";

  b += "<h2>Thành phần / <span class=\"en\">Participants</span></h2>\n<table class=\"meta\">\n";
  b += MetaRow("Người đề nghị hủy", "Proposed by", E(r.proposer));
  b += MetaRow("Người duyệt", "Approved by", E(r.approver));
  b += MetaRow("Người thực hiện", "Executed by", E(r.executor));
  b += "</table>\n";

  b += "<h2>Danh sách hồ sơ đã hủy / <span class=\"en\">Records destroyed</span></h2>\n";
  b += "<table class=\"list\">\n<thead><tr>" + Th("STT", "No.") + Th("Mã hồ sơ", "File code") +
       Th("Tiêu đề hồ sơ", "Title") + Th("Thời hạn bảo quản", "Retention") + Th("Số tệp", "Files") +
       Th("Dung lượng", "Size") + "</tr></thead>\n";
  b += "<tfoot><tr><td colspan=\"4\">Tổng cộng / <span class=\"en\">Total</span>: " +
       std::to_string(r.objects.size()) + " hồ sơ / <span class=\"en\">records</span></td>" +
       "<td class=\"num\">" + Grouped(files) + "</td><td class=\"num\">" + HumanBytes(bytes) +
       "<br><span class=\"small\">" + Grouped(bytes) + " byte</span></td></tr></tfoot>\n<tbody>\n";
  if (r.objects.empty()) {
    b += EmptyListRow(6, "Không có hồ sơ nào", "No records");
  }
  size_t n = 0;
  for (const DestroyedObject& o : r.objects) {
    ++n;
    b += NumberedRowStart(n);
    b += "<td class=\"code\">" + E(o.file_code) + "</td>";
    b += "<td>" + E(o.title) +
         "<div class=\"small\">Mã định danh / <span class=\"en\">object "
         "id</span>: <span class=\"code\">" +
         E(o.object_id) + "</span>";
    if (!o.rule.empty())
      b += "; quy tắc / <span class=\"en\">rule</span> " + E(o.rule);
    if (!o.expiry.empty())
      b += "; hết hạn / <span class=\"en\">expired</span> " + E(ViDate(o.expiry));
    if (!o.ingested.empty())
      b += "; nộp lưu / <span class=\"en\">ingested</span> " + E(ViDate(o.ingested));
    if (!o.destroyed.empty())
      b += "; hủy / <span class=\"en\">destroyed</span> " + E(ViDate(o.destroyed));
    if (!o.tiers.empty()) {
      std::string tiers;
      for (const std::string& t : o.tiers)
        tiers += (tiers.empty() ? "" : ", ") + t;
      b += "; tầng lưu trữ / <span class=\"en\">tiers</span>: " + E(tiers);
    }
    b += "</div></td>";
    b += "<td>" + E(RetentionLabel(o.retention)) + "</td>";
    b += "<td class=\"num\">" + Grouped(o.files.size()) + "</td>";
    b += "<td class=\"num\" title=\"" + Grouped(o.bytes) + " byte\">" + HumanBytes(o.bytes) +
         "</td></tr>\n";
  }
  b += "</tbody>\n</table>\n";

  b += "<h2>Phương thức hủy / <span class=\"en\">Method of destruction</span></h2>\n<p>" +
       E(r.method) + "</p>\n";
  b += "<h2>Nhật ký sự kiện / <span class=\"en\">Event log</span></h2>\n<p>Sau khi hủy, nhật ký "
       "sự kiện kết thúc ở bản ghi số " +
       E(r.log_head_seq) + ", mã băm <span class=\"code\">" + E(r.log_head_hash) +
       "</span>.<br><span class=\"en\">After destruction the event log head is entry " +
       E(r.log_head_seq) + ", hash " + E(r.log_head_hash) + ".</span></p>\n";
  b += "<p>Biên bản này được lưu trong hồ sơ hủy tài liệu, kèm phụ lục danh sách tệp đã hủy và "
       "mã SHA-256 của từng tệp.<br><span class=\"en\">This record is kept in the destruction "
       "dossier, with the appended list of destroyed files and their SHA-256 digests.</span></p>\n";

  b += "<table class=\"sign\"><tr>" + SignCell("Người đề nghị hủy", "Proposed by", "", r.proposer) +
       SignCell("Người duyệt", "Approved by", "", r.approver) +
       SignCell("Người thực hiện", "Executed by", "", r.executor) + "</tr></table>\n";

  b += "<section class=\"appendix\">\n<h2>Phụ lục: Danh sách tệp đã hủy / <span "
       "class=\"en\">Appendix: files destroyed</span></h2>\n";
  b += "<table class=\"list files\">\n<thead><tr>" + Th("STT", "No.") +
       Th("Mã hồ sơ", "File code") + Th("Đường dẫn", "Path") +
       Th("Kích thước (byte)", "Size (bytes)") + Th("SHA-256", "SHA-256") +
       "</tr></thead>\n<tbody>\n";
  size_t k = 0;
  for (const DestroyedObject& o : r.objects) {
    for (const DestroyedFile& f : o.files) {
      ++k;
      b += NumberedRowStart(k) + "<td class=\"code\">" +
           E(o.file_code.empty() ? o.object_id : o.file_code) + "</td><td class=\"code\">" +
           E(f.path) + "</td><td class=\"num\">" + Grouped(f.size) + "</td><td class=\"code\">" +
           E(f.sha256) + "</td></tr>\n";
    }
  }
  if (k == 0) {
    b += EmptyListRow(5, "Không có tệp nào", "No files");
  }
  b += "</tbody>\n</table>\n</section>\n";
  b += Footer(meta);
  return Page("Biên bản hủy tài liệu " + r.batch + " / Record of destruction", /*landscape=*/false,
              b);
}

}  // namespace vault::reports
