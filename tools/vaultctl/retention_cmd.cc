// vaultctl retention | hold | disposal | objects delete — the client of the retention and
// disposal API (docs/RETENTION.md §7, command line §8):
//   retention sweep [--json]
//   retention due [--rule R] [--csv F] [--html F] [--json]
//   retention extend ID --rule R --reason TEXT [--json]
//   retention permanent ID --reason TEXT [--json]
//   hold place ID --reason TEXT --mandate TEXT [--json]
//   hold release HOLD --reason TEXT
//   hold list [--json]
//   disposal propose ID... --reason TEXT [--json]
//   disposal list [--json]
//   disposal show BATCH [--csv F] [--html F] [--json]
//   disposal approve BATCH --decision REF --date YYYY-MM-DD [--json]
//   disposal cancel BATCH --reason TEXT
//   disposal execute BATCH [--json]
//   disposal record BATCH [--xml F] [--html F]     (neither: the XML on stdout)
//   objects delete ID                               always refused (write once)
// Human output is Vietnamese first, then English; --json prints the API's answer as it is.
// --csv/--html/--xml F write the daemon's report to F, byte for byte as served.
// Exit: 0 done; 1 refused (stderr: "refused: <rule>: <message>"; with --json the error body on
// stdout too); 2 usage (or F cannot be written); 3 the daemon is unreachable, failed (5xx) or
// did not accept the token (401).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/vaultctl/client.h"
#include "tools/vaultctl/commands.h"
#include "tools/vaultctl/json_util.h"

namespace vault::ctl {
namespace {

using nlohmann::json;

// ---- helpers ---------------------------------------------------------------------------------

// Percent-encodes everything but RFC 3986's unreserved characters: for query values and for
// ids put into a path segment.
std::string Enc(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// A failed request: a refusal ({"error": {rule, message}} with a 4xx status) prints
// "refused: <rule>: <message>" on stderr and is exit 1 (with --json the error body is printed
// on stdout too); no connection or a 5xx is exit 3 (ReportApiFailure). 401 (auth.unauthorized:
// no valid token) is printed the same way but is exit 3, as everywhere in vaultctl.
int Fail(int status, const json& body, const std::string& error, const std::string& what,
         bool as_json) {
  if (status >= 400 && status < 500) {
    const json& e = Field(body, "error");
    if (e.is_object()) {
      if (as_json) Print(body);
      std::cerr << "refused: " << Str(e, "rule") << ": " << Str(e, "message") << "\n";
      return status == 401 ? kExitUnavailable : kExitNegative;
    }
  }
  ApiReply r;
  r.http_status = status;
  r.body = body;
  r.error = error;
  return ReportApiFailure(r, what);
}
int Fail(const ApiReply& r, const std::string& what, bool as_json) {
  return Fail(r.http_status, r.body, r.error, what, as_json);
}

// Writes bytes exactly as they are; false (and a message) when F cannot be written.
bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (f) f.close();
  if (!f) {
    std::cerr << "vaultctl: cannot write " << path << "\n";
    return false;
  }
  return true;
}

// Downloads PATH (a report: CSV, HTML or XML) into FILE, or onto stdout when FILE is "-".
int Download(ApiClient& c, const std::string& path, const std::string& file,
             const std::string& what, bool quiet) {
  auto r = c.GetText(path);
  if (r.http_status != 200) {
    json body = json::parse(r.body, nullptr, false);
    return Fail(r.http_status, body, r.error, what, false);
  }
  if (file == "-") {
    std::cout << r.body;
    std::cout.flush();
    return kExitOk;
  }
  if (!WriteFile(file, r.body)) return kExitUsage;
  if (!quiet) {
    std::cout << "Đã ghi / written: " << file << " (" << r.body.size() << " bytes"
              << (r.content_type.empty() ? "" : ", " + r.content_type) << ")\n";
  }
  return kExitOk;
}

// Display width of UTF-8 text: code points, without combining marks (U+0300..U+036F).
size_t Width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;
    if ((c == 0xCC && i + 1 < s.size()) ||
        (c == 0xCD && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0xAF)) {
      continue;
    }
    ++w;
  }
  return w;
}

// One line of text of at most `max` display columns ("…" marks a cut).
std::string Cell(std::string s, size_t max = 48) {
  for (char& ch : s) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  if (Width(s) <= max) return s;
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    std::string cp = s.substr(i, n);
    size_t cw = Width(cp);
    if (w + cw > max - 1) break;
    out += cp;
    w += cw;
    i += n;
  }
  return out + "…";
}

// Columns with a two-line header: Vietnamese above English.
class Table {
 public:
  Table(std::vector<std::string> vi, std::vector<std::string> en)
      : vi_(std::move(vi)), en_(std::move(en)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print() const {
    std::vector<size_t> w(vi_.size(), 0);
    auto widen = [&w](const std::vector<std::string>& r) {
      for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], Width(r[i]));
    };
    widen(vi_);
    widen(en_);
    for (const auto& r : rows_) widen(r);
    auto line = [&w](const std::vector<std::string>& r) {
      std::string out;
      for (size_t i = 0; i < w.size(); ++i) {
        std::string cell = i < r.size() ? r[i] : "";
        out += cell;
        if (i + 1 < w.size()) out += std::string(w[i] - Width(cell) + 2, ' ');
      }
      while (!out.empty() && out.back() == ' ') out.pop_back();
      std::cout << out << "\n";
    };
    line(vi_);
    line(en_);
    for (const auto& r : rows_) line(r);
  }

 private:
  std::vector<std::string> vi_, en_;
  std::vector<std::vector<std::string>> rows_;
};

// Any JSON value as short text: strings as they are, null as "-", numbers plainly.
std::string Text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string Text(const json& j, const char* key) { return Text(Field(j, key)); }

// A retention ({kind, years, rule, …}, a class "10y", or a plain value) as "10 năm/years",
// "vĩnh viễn/permanent".
std::string Retention(const json& r) {
  if (r.is_object()) {
    const std::string kind = Str(r, "kind");
    if (kind == "permanent") return "vĩnh viễn/permanent";
    if (kind == "event") return "sự kiện/event";
    if (kind == "years" && Field(r, "years").is_number_integer()) {
      return std::to_string(Field(r, "years").get<int64_t>()) + " năm/years";
    }
    if (!Str(r, "rule").empty()) return Str(r, "rule");
    return kind.empty() ? "-" : kind;
  }
  if (r.is_number_integer()) return std::to_string(r.get<int64_t>()) + " năm/years";
  if (r.is_string()) {  // the catalog's class: "permanent", "event", "10y"
    const std::string c = r.get<std::string>();
    if (c == "permanent") return "vĩnh viễn/permanent";
    if (c == "event") return "sự kiện/event";
    if (c.size() > 1 && c.back() == 'y' &&
        c.find_first_not_of("0123456789") == c.size() - 1) {
      return c.substr(0, c.size() - 1) + " năm/years";
    }
  }
  return Text(r);
}

// Holds of a due object: an array of hold ids (or hold objects), or a count.
std::string Holds(const json& h) {
  if (h.is_array()) {
    if (h.empty()) return "-";
    std::string out;
    for (const auto& x : h) {
      if (!out.empty()) out += ",";
      out += x.is_object() ? Str(x, "hold") : Text(x);
    }
    return out;
  }
  if (h.is_number() && h.get<double>() == 0) return "-";
  return Text(h);
}

std::unique_ptr<ApiClient> Connect(Context& ctx) { return ApiClient::FromContext(ctx); }

bool IsDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// ---- retention -------------------------------------------------------------------------------

int CmdSweep(Context& ctx, bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/retention/sweep", json::object());
  if (r.http_status != 200) return Fail(r, "retention sweep", as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  std::cout << "Rà soát thời hạn bảo quản / retention sweep: " << Text(r.body, "newly_due")
            << " hồ sơ mới đến hạn / newly due; " << Text(r.body, "due")
            << " đang chờ xem xét / in review\n";
  return kExitOk;
}

void PrintDue(const json& objects) {
  Table t({"Mã định danh", "Mã hồ sơ", "Tiêu đề", "Thời hạn", "Hết hạn", "Trạng thái", "Tạm giữ",
           "Lô hủy"},
          {"ID", "File code", "Title", "Retention", "Expiry", "State", "Holds", "Batch"});
  for (const auto& o : objects) {
    t.Add({Text(o, "id"), Cell(Text(o, "file_code"), 24), Cell(Text(o, "title"), 40),
           Retention(Field(o, "retention")), Text(o, "expiry"), Text(o, "state"),
           Holds(Field(o, "holds")), Text(o, "batch")});
  }
  t.Print();
}

int CmdDue(Context& ctx, const std::string& rule, const std::string& csv, const std::string& html,
           bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  const std::string base =
      "/api/v1/retention/due?" + (rule.empty() ? std::string() : "rule=" + Enc(rule) + "&");
  if (!csv.empty()) {
    if (int rc = Download(*c, base + "format=csv", csv, "retention due --csv", as_json)) return rc;
  }
  if (!html.empty()) {
    if (int rc = Download(*c, base + "format=html", html, "retention due --html", as_json)) {
      return rc;
    }
  }
  if ((!csv.empty() || !html.empty()) && !as_json) return kExitOk;
  auto r = c->Get(base + "format=json");
  if (r.http_status != 200) return Fail(r, "retention due", as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& objects = Arr(r.body, "objects");
  if (objects.empty()) {
    std::cout << "Không có hồ sơ nào đến hạn xem xét / no objects in review\n";
    return kExitOk;
  }
  PrintDue(objects);
  std::cout << objects.size() << " hồ sơ / objects\n";
  return kExitOk;
}

int CmdChangeRetention(Context& ctx, const std::string& id, const json& body, bool as_json) {
  const std::string action = Str(body, "action");
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/objects/" + Enc(id) + "/retention", body);
  if (r.http_status != 200) return Fail(r, "retention " + action + " " + id, as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& ret = Field(r.body, "retention");
  std::cout << (action == "permanent" ? "Đã chuyển sang bảo quản vĩnh viễn / now kept permanently: "
                                      : "Đã gia hạn bảo quản / retention extended: ")
            << id << "\n"
            << "  Thời hạn / retention: " << Retention(ret);
  if (!Str(ret, "rule").empty()) std::cout << " (" << Str(ret, "rule") << ")";
  std::cout << "\n  Hết hạn / expiry: " << Text(ret, "expiry") << "\n";
  return kExitOk;
}

// ---- holds -----------------------------------------------------------------------------------

int CmdHoldPlace(Context& ctx, const std::string& id, const std::string& reason,
                 const std::string& mandate, bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/objects/" + Enc(id) + "/holds",
                   {{"reason", reason}, {"mandate", mandate}});
  if (r.http_status != 201 && r.http_status != 200) return Fail(r, "hold place " + id, as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& h = Field(r.body, "hold");
  std::cout << "Đã đặt lệnh tạm giữ / hold placed: " << (h.is_object() ? Str(h, "hold") : Text(h))
            << " — " << id << "\n";
  return kExitOk;
}

int CmdHoldRelease(Context& ctx, const std::string& hold, const std::string& reason) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/holds/" + Enc(hold) + "/release", {{"reason", reason}});
  if (r.http_status != 200) return Fail(r, "hold release " + hold, false);
  std::cout << "Đã gỡ lệnh tạm giữ / hold released: " << hold << "\n";
  return kExitOk;
}

int CmdHoldList(Context& ctx, bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Get("/api/v1/holds");
  if (r.http_status != 200) return Fail(r, "hold list", as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& holds = Arr(r.body, "holds");
  if (holds.empty()) {
    std::cout << "Không có lệnh tạm giữ nào / no active holds\n";
    return kExitOk;
  }
  Table t({"Lệnh tạm giữ", "Hồ sơ", "Người đặt", "Thời điểm", "Căn cứ", "Lý do"},
          {"Hold", "Object", "Placed by", "Placed", "Mandate", "Reason"});
  for (const auto& h : holds) {
    t.Add({Text(h, "hold"), Text(h, "object"), Text(h, "placed_by"), Text(h, "placed"),
           Cell(Text(h, "mandate"), 32), Cell(Text(h, "reason"), 40)});
  }
  t.Print();
  std::cout << holds.size() << " lệnh tạm giữ / holds\n";
  return kExitOk;
}

// ---- disposal --------------------------------------------------------------------------------

std::string StateText(const std::string& s) {
  if (s == "proposed") return "đã đề nghị / proposed";
  if (s == "approved") return "đã duyệt / approved";
  if (s == "executed") return "đã hủy xong / executed";
  if (s == "cancelled") return "đã bãi bỏ / cancelled";
  return s.empty() ? "-" : s;
}

void PrintBatch(const json& b) {
  std::cout << "Lô hủy / batch: " << Text(b, "batch") << "\n"
            << "Trạng thái / state: " << StateText(Str(b, "state")) << "\n"
            << "Lý do / reason: " << Text(b, "reason") << "\n"
            << "Đề nghị / proposed: " << Text(b, "proposer") << " " << Text(b, "proposed") << "\n";
  if (!Field(b, "approver").is_null() && !Str(b, "approver").empty()) {
    std::cout << "Duyệt / approved: " << Text(b, "approver") << " " << Text(b, "approved") << "\n"
              << "Quyết định / decision: " << Text(b, "decision") << " ngày / of "
              << Text(b, "decision_date") << "\n"
              << "Hạn thi hành / execute by: " << Text(b, "deadline") << "\n";
  }
  if (!Str(b, "executor").empty()) {
    std::cout << "Thi hành / executed: " << Text(b, "executor") << " " << Text(b, "executed")
              << "\n";
  }
  if (!Str(b, "cancelled_by").empty()) {
    std::cout << "Bãi bỏ / cancelled: " << Text(b, "cancelled_by") << " — "
              << Text(b, "cancel_reason") << "\n";
  }
  const json& objects = Arr(b, "objects");
  std::cout << "Hồ sơ / objects: " << objects.size() << "\n";
  if (objects.empty()) return;
  Table t({"Mã định danh", "Mã hồ sơ", "Tiêu đề", "Quy tắc", "Hết hạn"},
          {"ID", "File code", "Title", "Rule", "Expiry"});
  for (const auto& o : objects) {
    t.Add({Text(o, "id"), Cell(Text(o, "file_code"), 24), Cell(Text(o, "title"), 40),
           Text(o, "rule"), Text(o, "expiry")});
  }
  t.Print();
}

int CmdPropose(Context& ctx, const std::vector<std::string>& ids, const std::string& reason,
               bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/disposals", {{"objects", ids}, {"reason", reason}});
  if (r.http_status != 201 && r.http_status != 200) return Fail(r, "disposal propose", as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  std::cout << "Đã lập danh mục tài liệu hết giá trị đề nghị hủy / disposal batch proposed: "
            << Text(r.body, "batch") << " (" << ids.size() << " hồ sơ / objects)\n"
            << "Trạng thái / state: " << StateText(Str(r.body, "state")) << "\n"
            << "Cần người duyệt khác người đề nghị / needs approval by another user: vaultctl "
               "disposal approve "
            << Text(r.body, "batch") << " --decision REF --date YYYY-MM-DD\n";
  return kExitOk;
}

int CmdDisposalList(Context& ctx, bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Get("/api/v1/disposals");
  if (r.http_status != 200) return Fail(r, "disposal list", as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  const json& batches = Arr(r.body, "batches");
  if (batches.empty()) {
    std::cout << "Chưa có lô hủy nào / no disposal batches\n";
    return kExitOk;
  }
  Table t({"Lô hủy", "Trạng thái", "Số hồ sơ", "Người đề nghị", "Ngày đề nghị", "Quyết định",
           "Hạn thi hành"},
          {"Batch", "State", "Objects", "Proposer", "Proposed", "Decision", "Execute by"});
  for (const auto& b : batches) {
    t.Add({Text(b, "batch"), Text(b, "state"), std::to_string(Arr(b, "objects").size()),
           Text(b, "proposer"), Text(b, "proposed"), Cell(Text(b, "decision"), 32),
           Text(b, "deadline")});
  }
  t.Print();
  std::cout << batches.size() << " lô / batches\n";
  return kExitOk;
}

int CmdDisposalShow(Context& ctx, const std::string& batch, const std::string& csv,
                    const std::string& html, bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  const std::string base = "/api/v1/disposals/" + Enc(batch) + "?format=";
  if (!csv.empty()) {
    if (int rc = Download(*c, base + "csv", csv, "disposal show --csv", as_json)) return rc;
  }
  if (!html.empty()) {
    if (int rc = Download(*c, base + "html", html, "disposal show --html", as_json)) return rc;
  }
  if ((!csv.empty() || !html.empty()) && !as_json) return kExitOk;
  auto r = c->Get(base + "json");
  if (r.http_status != 200) return Fail(r, "disposal show " + batch, as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  PrintBatch(r.body);
  return kExitOk;
}

int CmdApprove(Context& ctx, const std::string& batch, const std::string& decision,
               const std::string& date, bool as_json) {
  if (!IsDate(date)) {
    std::cerr << "vaultctl: disposal approve: --date must be YYYY-MM-DD, got " << date << "\n";
    return kExitUsage;
  }
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/disposals/" + Enc(batch) + "/approve",
                   {{"decision", decision}, {"decision_date", date}});
  if (r.http_status != 200) return Fail(r, "disposal approve " + batch, as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  std::cout << "Đã duyệt hủy / disposal approved: " << batch << "\n"
            << "  Quyết định / decision: " << Text(r.body, "decision") << " ngày / of "
            << Text(r.body, "decision_date") << "\n"
            << "  Hạn thi hành / execute by: " << Text(r.body, "deadline") << "\n";
  return kExitOk;
}

int CmdCancel(Context& ctx, const std::string& batch, const std::string& reason) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/disposals/" + Enc(batch) + "/cancel", {{"reason", reason}});
  if (r.http_status != 200) return Fail(r, "disposal cancel " + batch, false);
  std::cout << "Đã bãi bỏ lô hủy, không hồ sơ nào bị hủy / batch cancelled, nothing destroyed: "
            << batch << "\n";
  return kExitOk;
}

int CmdExecute(Context& ctx, const std::string& batch, bool as_json) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Post("/api/v1/disposals/" + Enc(batch) + "/execute", json::object());
  if (r.http_status != 200) return Fail(r, "disposal execute " + batch, as_json);
  if (as_json) {
    Print(r.body);
    return kExitOk;
  }
  // The destroyed ids: "destroyed" if the answer lists them apart, else the batch's objects.
  std::vector<std::string> ids;
  const json& destroyed = Field(r.body, "destroyed");
  for (const auto& d : destroyed.is_array() ? destroyed : Arr(r.body, "objects")) {
    ids.push_back(d.is_object() ? Str(d, "id") : Text(d));
  }
  std::cout << "Đã thi hành hủy / disposal executed: " << batch << " — " << ids.size()
            << " hồ sơ đã hủy / objects destroyed\n";
  for (const auto& id : ids) std::cout << "  " << id << "\n";
  std::cout << "Biên bản hủy / destruction record: vaultctl disposal record " << batch
            << " --xml F --html F\n";
  return kExitOk;
}

int CmdRecord(Context& ctx, const std::string& batch, const std::string& xml,
              const std::string& html) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  const std::string base = "/api/v1/disposals/" + Enc(batch) + "/record?format=";
  if (xml.empty() && html.empty()) {
    return Download(*c, base + "xml", "-", "disposal record", true);
  }
  if (!xml.empty()) {
    if (int rc = Download(*c, base + "xml", xml, "disposal record --xml", false)) return rc;
  }
  if (!html.empty()) {
    if (int rc = Download(*c, base + "html", html, "disposal record --html", false)) return rc;
  }
  return kExitOk;
}

// ---- objects delete --------------------------------------------------------------------------

int CmdObjectsDelete(Context& ctx, const std::string& id) {
  auto c = Connect(ctx);
  if (!c) return kExitUnavailable;
  auto r = c->Delete("/api/v1/objects/" + Enc(id));
  if (r.http_status >= 200 && r.http_status < 300) {
    // The contract says never; say so rather than claim a deletion happened.
    std::cerr << "vaultctl: objects delete: vaultd answered HTTP " << r.http_status
              << " to a DELETE; the archive is write once and must refuse it\n";
    return kExitNegative;
  }
  int rc = Fail(r, "objects delete " + id, false);
  if (rc == kExitNegative) {
    std::cerr << "Hồ sơ chỉ được hủy qua lô hủy đã duyệt (vaultctl disposal …) / objects are "
                 "destroyed only by an approved disposal batch (vaultctl disposal …)\n";
  }
  return rc;
}

}  // namespace

void AddRetentionCommands(CLI::App& app, Context& ctx) {
  // Options live as long as the app (the callbacks run after parsing).
  static struct {
    bool json = false;
    std::string id, rule, reason, mandate, csv, html, xml, decision, date;
    std::vector<std::string> ids;
  } o;

  // retention
  auto* ret = app.add_subcommand("retention", "thời hạn bảo quản / retention: sweep, due, extend, permanent");
  ret->require_subcommand(1);
  auto* sweep = ret->add_subcommand("sweep", "mark objects whose retention expired as due for review");
  sweep->add_flag("--json", o.json, "print JSON");
  sweep->callback([&ctx] { ctx.exit_code = CmdSweep(ctx, o.json); });

  auto* due = ret->add_subcommand("due", "objects in review (due, proposed, approved)");
  due->add_option("--rule", o.rule, "only objects under this schedule rule");
  due->add_option("--csv", o.csv, "write the report as CSV to F");
  due->add_option("--html", o.html, "write the report as HTML to F");
  due->add_flag("--json", o.json, "print JSON");
  due->callback([&ctx] { ctx.exit_code = CmdDue(ctx, o.rule, o.csv, o.html, o.json); });

  auto* extend = ret->add_subcommand("extend", "extend an object's retention to a longer rule");
  extend->add_option("ID", o.id, "object id")->required();
  extend->add_option("--rule", o.rule, "schedule rule id")->required();
  extend->add_option("--reason", o.reason, "why")->required();
  extend->add_flag("--json", o.json, "print JSON");
  extend->callback([&ctx] {
    ctx.exit_code = CmdChangeRetention(
        ctx, o.id, {{"action", "extend"}, {"rule", o.rule}, {"reason", o.reason}}, o.json);
  });

  auto* perm = ret->add_subcommand("permanent", "keep an object permanently");
  perm->add_option("ID", o.id, "object id")->required();
  perm->add_option("--reason", o.reason, "why")->required();
  perm->add_flag("--json", o.json, "print JSON");
  perm->callback([&ctx] {
    ctx.exit_code =
        CmdChangeRetention(ctx, o.id, {{"action", "permanent"}, {"reason", o.reason}}, o.json);
  });

  // hold
  auto* hold = app.add_subcommand("hold", "lệnh tạm giữ / legal holds: place, release, list");
  hold->require_subcommand(1);
  auto* place = hold->add_subcommand("place", "place a hold on an object (blocks its disposal)");
  place->add_option("ID", o.id, "object id")->required();
  place->add_option("--reason", o.reason, "why")->required();
  place->add_option("--mandate", o.mandate, "the authority or document that orders it")->required();
  place->add_flag("--json", o.json, "print JSON");
  place->callback([&ctx] { ctx.exit_code = CmdHoldPlace(ctx, o.id, o.reason, o.mandate, o.json); });

  auto* release = hold->add_subcommand("release", "release a hold");
  release->add_option("HOLD", o.id, "hold id (hold-…)")->required();
  release->add_option("--reason", o.reason, "why")->required();
  release->callback([&ctx] { ctx.exit_code = CmdHoldRelease(ctx, o.id, o.reason); });

  auto* hlist = hold->add_subcommand("list", "active holds");
  hlist->add_flag("--json", o.json, "print JSON");
  hlist->callback([&ctx] { ctx.exit_code = CmdHoldList(ctx, o.json); });

  // disposal
  auto* disp = app.add_subcommand(
      "disposal", "hủy tài liệu hết giá trị / disposal: propose, list, show, approve, cancel, execute, record");
  disp->require_subcommand(1);
  auto* propose = disp->add_subcommand("propose", "propose a disposal batch of objects in review");
  propose->add_option("ID", o.ids, "object ids")->required();
  propose->add_option("--reason", o.reason, "why")->required();
  propose->add_flag("--json", o.json, "print JSON");
  propose->callback([&ctx] { ctx.exit_code = CmdPropose(ctx, o.ids, o.reason, o.json); });

  auto* dlist = disp->add_subcommand("list", "disposal batches");
  dlist->add_flag("--json", o.json, "print JSON");
  dlist->callback([&ctx] { ctx.exit_code = CmdDisposalList(ctx, o.json); });

  auto* show = disp->add_subcommand("show", "one batch (danh mục)");
  show->add_option("BATCH", o.id, "batch id (batch-…)")->required();
  show->add_option("--csv", o.csv, "write the danh mục as CSV to F");
  show->add_option("--html", o.html, "write the danh mục as HTML to F");
  show->add_flag("--json", o.json, "print JSON");
  show->callback([&ctx] { ctx.exit_code = CmdDisposalShow(ctx, o.id, o.csv, o.html, o.json); });

  auto* approve = disp->add_subcommand("approve", "approve a batch proposed by another user");
  approve->add_option("BATCH", o.id, "batch id")->required();
  approve->add_option("--decision", o.decision, "decision reference (Quyết định hủy số …)")->required();
  approve->add_option("--date", o.date, "decision date, YYYY-MM-DD")->required();
  approve->add_flag("--json", o.json, "print JSON");
  approve->callback(
      [&ctx] { ctx.exit_code = CmdApprove(ctx, o.id, o.decision, o.date, o.json); });

  auto* cancel = disp->add_subcommand("cancel", "cancel a proposed or approved batch");
  cancel->add_option("BATCH", o.id, "batch id")->required();
  cancel->add_option("--reason", o.reason, "why")->required();
  cancel->callback([&ctx] { ctx.exit_code = CmdCancel(ctx, o.id, o.reason); });

  auto* execute = disp->add_subcommand("execute", "destroy the objects of an approved batch");
  execute->add_option("BATCH", o.id, "batch id")->required();
  execute->add_flag("--json", o.json, "print JSON");
  execute->callback([&ctx] { ctx.exit_code = CmdExecute(ctx, o.id, o.json); });

  auto* record = disp->add_subcommand("record", "biên bản hủy / destruction record (XML, HTML)");
  record->add_option("BATCH", o.id, "batch id")->required();
  record->add_option("--xml", o.xml, "write the record as XML to F");
  record->add_option("--html", o.html, "write the record as printable HTML to F");
  record->callback([&ctx] { ctx.exit_code = CmdRecord(ctx, o.id, o.xml, o.html); });

  // objects delete: `objects` is AddDaemonCommands' subcommand (list, show); add it if absent.
  CLI::App* objects = nullptr;
  try {
    objects = app.get_subcommand("objects");
  } catch (const CLI::Error&) {
    objects = app.add_subcommand("objects", "stored objects");
    objects->require_subcommand(1);
  }
  auto* del = objects->add_subcommand("delete", "always refused: the archive is write once");
  del->add_option("ID", o.id, "object id")->required();
  del->callback([&ctx] { ctx.exit_code = CmdObjectsDelete(ctx, o.id); });
}

}  // namespace vault::ctl
