// Reports for archivists (docs/RETENTION.md §5, §7; DESIGN.md §8): the review list ("Xem xét
// hủy"), the danh mục tài liệu hết thời hạn lưu trữ of a disposal batch and the biên bản hủy tài
// liệu (destruction record), rendered from plain values. No I/O, no catalog: callers (daemon,
// vaultctl) collect the rows and write the returned bytes wherever they need them.
//
// Language: every heading and label is Vietnamese first, English second ("Mã hồ sơ / File
// code"). Values are shown as given; retention codes and states get bilingual labels in HTML.
//
// Text handling (every function):
//  - Output is UTF-8 in NFC. Every input string is cleaned first: bytes that are not well-formed
//    UTF-8 become the four characters "\xHH" (vault::EscapeInvalidUtf8, nothing is lost to the
//    reader), the text is normalised to NFC (NFC input stays byte-identical), and C0 controls
//    other than TAB, LF and CR, DEL and C1 controls (U+0080–U+009F) and U+FFFE/U+FFFF become
//    U+FFFD. So the XML is always well-formed and the HTML never carries control characters.
//  - CSV: UTF-8 BOM (EF BB BF) first, CRLF after every record, RFC 4180 quoting (a cell with ',',
//    '"', CR or LF is quoted, '"' doubled; a line break inside a cell stays as given). Formula
//    injection: a cell whose first character is = + - @ TAB or CR (or the full-width ＝ ＋ － ＠,
//    which some spreadsheets also read as formulas) is prefixed with a single quote '.
//    CSV values are the machine values of the JSON API (retention "10y", state "due", ISO
//    dates, sizes in bytes) so that scripts can filter them; only the header row is bilingual.
//  - HTML: one self-contained printable A4 page (inline CSS, no script, no external resource, a
//    Content-Security-Policy meta that forbids both), <html lang="vi">, <meta charset="utf-8">;
//    every value is HTML-escaped. Dates are shown as DD/MM/YYYY (times "DD/MM/YYYY HH:MM:SS" and
//    the UTC offset when the input has one; anything that is not ISO 8601 is shown as given);
//    sizes human-readably with the Vietnamese decimal comma and SI units ("1,2 MB" =
//    1 200 000 bytes), with the exact byte count (digits grouped by '.') where it matters.
//  - XML: see DestructionRecordXml.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vault::reports {

// One object in review (GET /api/v1/retention/due).
struct ReviewRow {
  std::string object_id, file_code, title;
  std::string retention;  // "10y" | "permanent" | "event"
  std::string rule, rule_title;
  int end_year = 0;    // 0 = unknown (shown empty)
  std::string expiry;  // "YYYY-12-31", empty for none
  std::string state;   // "due" | "proposed" | "approved"
  std::string batch;   // open batch holding it, if any
  std::string holds;   // comma-joined hold ids
};

// Who and what produced a report; shown in the HTML headers and footers.
struct ReportMeta {
  std::string vault_name;    // agency / archive name (tên cơ quan, tổ chức)
  std::string generated;     // ISO 8601 time
  std::string generated_by;  // user name
  std::string schedule;      // e.g. "default 2025.1"
};

// The review list as CSV. Columns (header cells "Vietnamese / English"):
//   Mã hồ sơ / File code, Tiêu đề hồ sơ / Title, Thời hạn bảo quản / Retention,
//   Quy tắc / Rule, Tên quy tắc / Rule title, Năm kết thúc / End year, Ngày hết hạn / Expiry,
//   Trạng thái / State, Đợt hủy / Batch, Lệnh tạm giữ / Holds, Mã định danh / Object id
std::string ReviewCsv(const std::vector<ReviewRow>& rows);
// The review list as a printable A4 landscape page: heading "Danh sách hồ sơ hết thời hạn bảo
// quản — cần xem xét hủy", English subtitle, `meta`, counts by state, a numbered table.
std::string ReviewHtml(const std::vector<ReviewRow>& rows, const ReportMeta& meta);

// One hồ sơ of a disposal batch's danh mục.
struct DisposalItem {
  std::string object_id;
  std::string bundle;  // bó số
  std::string volume;  // tập số (hồ sơ số)
  std::string file_code, title;
  std::string reason;  // lý do hủy; empty = the batch's reason
  std::string note;    // ghi chú
  std::string rule, expiry;
  uint64_t bytes = 0, files = 0;
};

// A disposal batch (RETENTION.md §7 "A batch (JSON)"); empty strings are "not yet".
struct DisposalBatch {
  std::string batch, state, reason, proposer, proposed, approver, approved, decision, decision_date,
      deadline, executor, executed, agency;
  std::vector<DisposalItem> items;
};

// The danh mục as CSV. Columns: STT / No., Bó số / Bundle no., Tập số (hồ sơ số) / Volume
// (file no.), Tiêu đề / Số hồ sơ — Title / File no., Lý do hủy / Reason for destruction,
// Ghi chú / Note, Mã định danh / Object id, then Mã hồ sơ / File code, Quy tắc / Rule,
// Ngày hết hạn / Expiry, Số tệp / Files, Dung lượng (byte) / Size (bytes).
// "Tiêu đề / Số hồ sơ" holds the title, or the file code when the title is empty; an empty item
// reason is written as the batch's reason.
std::string DisposalListCsv(const DisposalBatch& batch);
// The danh mục as a printable A4 page: agency, "DANH MỤC TÀI LIỆU HẾT THỜI HẠN LƯU TRỮ" + English,
// the batch (state, reason, proposal, decision, deadline, execution), the TT06 table with
// totals, and signature blocks "Người lập / Prepared by" (proposer) and "Người duyệt / Approved
// by" (approver).
std::string DisposalListHtml(const DisposalBatch& batch, const ReportMeta& meta);

struct DestroyedFile {
  std::string path;    // logical path inside the object
  std::string sha256;  // lower-case hex
  uint64_t size = 0;
};

struct DestroyedObject {
  std::string object_id, file_code, title, retention, rule, expiry, ingested, destroyed;
  uint64_t bytes = 0;
  std::vector<DestroyedFile> files;
  std::vector<std::string> tiers;  // every tier a copy was erased from
};

// Biên bản hủy tài liệu of one executed batch.
struct DestructionRecord {
  std::string batch, agency;
  std::string decision;  // the decision reference, e.g. "Quyết định hủy số 12/QĐ-LT" or "12/QĐ-LT"
  std::string decision_date, proposer, approver, executor, started, finished;
  std::string method;                       // how the copies were destroyed (bilingual free text)
  std::string log_head_seq, log_head_hash;  // the event log's head after execution
  std::vector<DestroyedObject> objects;
};

// The destruction record as XML 1.0, UTF-8, with an XML declaration; every element in the
// namespace kDestructionRecordNs, ASCII English element names, validated by
// formats/reports/destruction-record-1.xsd. Every element below is always written (empty when
// the value is empty), in this order:
//
//   <destructionRecord xmlns="urn:archive-vault:destruction-record:1" version="1">
//     <batch/> <agency/>
//     <decision><reference/><date/></decision>
//     <proposer/> <approver/> <executor/> <started/> <finished/> <method/>
//     <eventLog><headSeq/><headHash/></eventLog>
//     <totals><objects>N</objects><files>N</files><bytes>N</bytes></totals>
//     <objects>
//       <object>
//         <objectId/> <fileCode/> <title/> <retention/> <rule/> <expiry/> <ingested/>
//         <destroyed/> <bytes>N</bytes>
//         <tiers><tier/>…</tiers>
//         <files><file><path/><size>N</size><sha256/></file>…</files>
//       </object>…
//     </objects>
//   </destructionRecord>
//
// Dates and times are the ISO 8601 strings given. The totals are computed here: objects, the
// number of <file> entries and the sum of the objects' bytes. Text goes through XmlEscape.
std::string DestructionRecordXml(const DestructionRecord& record);
// The destruction record as a printable A4 page: agency and national header ("CỘNG HÒA XÃ HỘI
// CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc"), "BIÊN BẢN HỦY TÀI LIỆU / Record of
// destruction", "Căn cứ Quyết định …", the participants, the table of destroyed hồ sơ (STT, mã
// hồ sơ, tiêu đề, thời hạn, số tệp, dung lượng) with totals, the method, the event log head,
// signature blocks and an appendix listing every destroyed file with its SHA-256.
std::string DestructionRecordHtml(const DestructionRecord& record, const ReportMeta& meta);

inline constexpr std::string_view kDestructionRecordNs = "urn:archive-vault:destruction-record:1";

// Cleans `s` (see "Text handling") and escapes & < > " ' as &amp; &lt; &gt; &quot; &#39;.
// Safe in element content and in quoted attribute values.
std::string HtmlEscape(std::string_view s);
// Cleans `s` and escapes & < > " ' as entities and TAB, LF, CR as character references
// (&#9; &#10; &#13;), so the value survives a parser unchanged in element content and in
// attribute values alike.
std::string XmlEscape(std::string_view s);

}  // namespace vault::reports
