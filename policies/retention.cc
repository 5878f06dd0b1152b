#include "policies/retention.h"

#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <tuple>
#include <utility>
#include <vector>

#include "policies/toml_util.h"
#include "vault/base/text.h"

namespace vault::policies {
namespace {

using toml_util::CheckKeys;
using toml_util::IsId;
using toml_util::LineOf;
using toml_util::Quote;
using toml_util::Where;

// ---- schedule parsing ---------------------------------------------------------------------

constexpr size_t kMaxIdLength = 64;

// Reads an optional string key. `line` receives the key's line when present.
Status ReadString(const toml::table& t, std::string_view key, const Where& w, std::string& out,
                  bool& present, int& line) {
  present = false;
  const toml::node* n = t.get(key);
  if (!n)
    return Status::Ok();
  line = LineOf(*n);
  const auto* s = n->as_string();
  if (!s)
    return w.Bad(line, std::string(key) + " must be a string");
  out = s->get();
  present = true;
  return Status::Ok();
}

constexpr std::array<std::pair<std::string_view, int>, 5> kFixedCodes = {
    {{"02", 70}, {"03", 50}, {"04", 30}, {"05", 20}, {"06", 10}}};

// The code 02..06 for a number of years, or "07".
std::string_view CodeOfYears(int years) {
  for (const auto& [c, y] : kFixedCodes) {
    if (y == years)
      return c;
  }
  return "07";
}

bool IsMaintenanceCode(std::string_view c) {
  return c.size() == 2 && c[0] == '0' && c[1] >= '1' && c[1] <= '7';
}

Result<RetentionRule> ParseRule(const toml::table& t, size_t index, std::string_view source,
                                std::set<std::string>& ids) {
  RetentionRule r;
  r.line = LineOf(t);
  Where w(source, "rule #" + std::to_string(index + 1));
  bool present = false;
  int line = r.line;

  // The id first, so every later message names the rule.
  VAULT_RETURN_IF_ERROR(ReadString(t, "id", w, r.id, present, line));
  if (!present)
    return w.Bad(r.line, "missing id");
  if (!IsId(r.id, kMaxIdLength)) {
    return w.Bad(line, "id " + Quote(r.id) + " must be 1..64 characters of A-Z a-z 0-9 . _ -");
  }
  w.set_what("rule " + Quote(r.id));
  if (!ids.insert(r.id).second)
    return w.Bad(line, "duplicate id " + Quote(r.id));

  VAULT_RETURN_IF_ERROR(CheckKeys(
      t, {"id", "instrument", "group", "title", "kind", "years", "maintenance", "event", "example"},
      w));

  VAULT_RETURN_IF_ERROR(ReadString(t, "instrument", w, r.instrument, present, line));
  VAULT_RETURN_IF_ERROR(ReadString(t, "group", w, r.group, present, line));
  VAULT_RETURN_IF_ERROR(ReadString(t, "title", w, r.title, present, line));
  if (!present)
    return w.Bad(r.line, "missing title");
  if (r.title.empty())
    return w.Bad(line, "title must not be empty");

  std::string kind;
  int kind_line = r.line;
  VAULT_RETURN_IF_ERROR(ReadString(t, "kind", w, kind, present, kind_line));
  if (!present)
    return w.Bad(r.line, "missing kind (\"permanent\", \"years\" or \"event\")");
  if (kind == "permanent") {
    r.kind = RetentionKind::kPermanent;
  } else if (kind == "years") {
    r.kind = RetentionKind::kYears;
  } else if (kind == "event") {
    r.kind = RetentionKind::kEvent;
  } else {
    return w.Bad(kind_line,
                 "kind = " + Quote(kind) + " is not \"permanent\", \"years\" or \"event\"");
  }

  int years_line = r.line;
  if (const toml::node* n = t.get("years")) {
    years_line = LineOf(*n);
    if (r.kind != RetentionKind::kYears) {
      return w.Bad(years_line,
                   "years is only for kind = \"years\" (this rule is kind = " + Quote(kind) + ")");
    }
    const auto* i = n->as_integer();
    if (!i)
      return w.Bad(years_line, "years must be an integer");
    const int64_t y = i->get();
    if (y < kMinRetentionYears || y > kMaxRetentionYears) {
      return w.Bad(years_line, "years = " + std::to_string(y) + " is outside 2..70");
    }
    r.years = static_cast<int>(y);
  } else if (r.kind == RetentionKind::kYears) {
    return w.Bad(r.line, "kind = \"years\" needs years (2..70)");
  }

  int event_line = r.line;
  VAULT_RETURN_IF_ERROR(ReadString(t, "event", w, r.event, present, event_line));
  if (r.kind == RetentionKind::kEvent && r.event.empty()) {
    return w.Bad(event_line, "kind = \"event\" needs event (what starts the period)");
  }
  if (r.kind != RetentionKind::kEvent && !r.event.empty()) {
    return w.Bad(event_line, "event is only for kind = \"event\"");
  }

  int m_line = r.line;
  VAULT_RETURN_IF_ERROR(ReadString(t, "maintenance", w, r.maintenance, present, m_line));
  if (!present)
    return w.Bad(r.line, "missing maintenance (TT05 code 01..07)");
  if (!IsMaintenanceCode(r.maintenance)) {
    return w.Bad(m_line, "maintenance = " + Quote(r.maintenance) + " is not a TT05 code 01..07");
  }
  const std::string& m = r.maintenance;
  switch (r.kind) {
    case RetentionKind::kPermanent:
      if (m != "01") {
        return w.Bad(m_line, "maintenance = " + Quote(m) +
                                 " does not match kind = \"permanent\""
                                 " (needs \"01\")");
      }
      break;
    case RetentionKind::kEvent:
      if (m != "07") {
        return w.Bad(m_line, "maintenance = " + Quote(m) +
                                 " does not match kind = \"event\" (needs \"07\")");
      }
      break;
    case RetentionKind::kYears: {
      const std::string_view want = CodeOfYears(r.years);
      if (m != want) {
        return w.Bad(m_line, "maintenance = " + Quote(m) + " does not match years = " +
                                 std::to_string(r.years) + " (needs " + Quote(want) + ")");
      }
      break;
    }
  }

  if (const toml::node* n = t.get("example")) {
    const auto* b = n->as_boolean();
    if (!b)
      return w.Bad(LineOf(*n), "example must be true or false");
    r.example = b->get();
  }
  return r;
}

// ---- bag-info ----------------------------------------------------------------------------

enum class Label { kFileCode, kTitle, kRule, kMaintenance, kEndDate, kStartDate, kMode, kLanguage };

struct LabelName {
  Label label;
  std::string_view vi, en;
};

constexpr std::array<LabelName, 8> kLabels = {{
    {Label::kFileCode, "Ma-Ho-So", "File-Code"},
    {Label::kTitle, "Tieu-De", "Title"},
    {Label::kRule, "Quy-Tac-Bao-Quan", "Retention-Rule"},
    {Label::kMaintenance, "Thoi-Han-Bao-Quan", "Maintenance"},
    {Label::kEndDate, "Nam-Ket-Thuc", "End-Date"},
    {Label::kStartDate, "Ngay-Bat-Dau", "Start-Date"},
    {Label::kMode, "Che-Do-Su-Dung", "Mode"},
    {Label::kLanguage, "Ngon-Ngu", "Language"},
}};

std::optional<Label> LabelOf(std::string_view name) {
  for (const LabelName& l : kLabels) {
    if (name == l.vi || name == l.en)
      return l.label;
  }
  return std::nullopt;
}

std::string_view Trim(std::string_view s) { return TrimBlanks(s); }

bool AllDigits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
  }
  return true;
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s)
    v = v * 10 + (c - '0');
  return v;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysIn(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

// (year, month, day); month = day = 0 for "YYYY".
using Date = std::tuple<int, int, int>;

std::optional<Date> ParseDate(std::string_view v) {
  int y = 0, m = 0, d = 0;
  if (v.size() == 4 && AllDigits(v)) {
    y = ToInt(v);
    if (y < 1)
      return std::nullopt;
    return Date{y, 0, 0};
  }
  if (v.size() == 10 && v[4] == '-' && v[7] == '-') {
    const std::string_view ys = v.substr(0, 4), ms = v.substr(5, 2), ds = v.substr(8, 2);
    if (!AllDigits(ys) || !AllDigits(ms) || !AllDigits(ds))
      return std::nullopt;
    y = ToInt(ys);
    m = ToInt(ms);
    d = ToInt(ds);
  } else {
    const size_t a = v.find('/');
    if (a == std::string_view::npos)
      return std::nullopt;
    const size_t b = v.find('/', a + 1);
    if (b == std::string_view::npos)
      return std::nullopt;
    const std::string_view ds = v.substr(0, a), ms = v.substr(a + 1, b - a - 1),
                           ys = v.substr(b + 1);
    if (ds.empty() || ds.size() > 2 || ms.empty() || ms.size() > 2 || ys.size() != 4) {
      return std::nullopt;
    }
    if (!AllDigits(ds) || !AllDigits(ms) || !AllDigits(ys))
      return std::nullopt;
    y = ToInt(ys);
    m = ToInt(ms);
    d = ToInt(ds);
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > DaysIn(y, m))
    return std::nullopt;
  return Date{y, m, d};
}

// "01".."0<max>" from "1".."<max>" or "01".."0<max>"; nullopt otherwise.
std::optional<std::string> NormaliseCode(std::string_view v, char max) {
  if (v.size() == 2 && v[0] == '0')
    v.remove_prefix(1);
  if (v.size() != 1 || v[0] < '1' || v[0] > max)
    return std::nullopt;
  return std::string("0") + v[0];
}

RetentionInputError Err(std::string rule, std::string_view label, std::string message) {
  return RetentionInputError{std::move(rule), std::string(label), std::move(message)};
}

int Rank(RetentionKind k) {
  switch (k) {
    case RetentionKind::kPermanent:
      return 3;
    case RetentionKind::kEvent:
      return 2;
    case RetentionKind::kYears:
      return 1;
  }
  return 0;
}

}  // namespace

std::string_view RetentionKindName(RetentionKind k) {
  switch (k) {
    case RetentionKind::kPermanent:
      return "permanent";
    case RetentionKind::kYears:
      return "years";
    case RetentionKind::kEvent:
      return "event";
  }
  return "years";
}

const RetentionRule* RetentionSchedule::Find(std::string_view rule_id) const {
  for (const RetentionRule& r : rules) {
    if (r.id == rule_id)
      return &r;
  }
  return nullptr;
}

const RetentionRule* RetentionSchedule::ForMaintenance(std::string_view code) const {
  if (code == "07")
    return nullptr;
  const RetentionRule* found = nullptr;
  for (const RetentionRule& r : rules) {
    if (r.example || r.maintenance != code)
      continue;
    if (found)
      return nullptr;  // ambiguous
    found = &r;
  }
  return found;
}

Result<RetentionSchedule> ParseRetentionSchedule(std::string_view text, std::string_view source) {
  toml::table root;
  VAULT_RETURN_IF_ERROR(toml_util::Parse(text, source, root));
  RetentionSchedule s;
  Where top(source, "");
  VAULT_RETURN_IF_ERROR(CheckKeys(root, {"schedule", "rule"}, top));

  const toml::table* st = nullptr;
  VAULT_RETURN_IF_ERROR(toml_util::RequiredTable(root, "schedule", top, st));
  Where sw(source, "schedule");
  VAULT_RETURN_IF_ERROR(CheckKeys(*st, {"id", "version", "title", "instrument"}, sw));
  bool present = false;
  int line = LineOf(*st);
  VAULT_RETURN_IF_ERROR(ReadString(*st, "id", sw, s.id, present, line));
  if (!present)
    return sw.Bad(LineOf(*st), "missing id");
  if (!IsId(s.id, 256)) {
    return sw.Bad(line, "id " + Quote(s.id) + " must be characters of A-Z a-z 0-9 . _ -");
  }
  VAULT_RETURN_IF_ERROR(ReadString(*st, "version", sw, s.version, present, line));
  if (!present)
    return sw.Bad(LineOf(*st), "missing version");
  if (Trim(s.version).empty())
    return sw.Bad(line, "version must not be empty");
  VAULT_RETURN_IF_ERROR(ReadString(*st, "title", sw, s.title, present, line));
  VAULT_RETURN_IF_ERROR(ReadString(*st, "instrument", sw, s.instrument, present, line));

  const toml::node* rn = root.get("rule");
  if (!rn)
    return top.Bad(1, "no [[rule]]: a schedule needs at least one rule");
  const toml::array* ra = rn->as_array();
  if (!ra || !ra->is_array_of_tables()) {
    return top.Bad(LineOf(*rn), "rule must be [[rule]] tables");
  }
  if (ra->empty())
    return top.Bad(LineOf(*rn), "no [[rule]]: a schedule needs at least one rule");
  std::set<std::string> ids;
  for (size_t i = 0; i < ra->size(); ++i) {
    VAULT_ASSIGN_OR_RETURN(RetentionRule r, ParseRule(*ra->get(i)->as_table(), i, source, ids));
    s.rules.push_back(std::move(r));
  }
  return s;
}

std::string Retention::Expiry() const {
  const int y = ExpiryYear();
  if (y == 0)
    return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-12-31", y);
  return buf;
}

int Retention::ExpiryYear() const {
  if (kind != RetentionKind::kYears || end_year <= 0 || years <= 0)
    return 0;
  return end_year + years;
}

std::string Retention::ClassName() const {
  switch (kind) {
    case RetentionKind::kPermanent:
      return "permanent";
    case RetentionKind::kEvent:
      return "event";
    case RetentionKind::kYears:
      return std::to_string(years) + "y";
  }
  return "";
}

Retention RetentionFromRule(const RetentionRule& rule, int end_year) {
  Retention r;
  r.rule = rule.id;
  r.kind = rule.kind;
  r.years = rule.kind == RetentionKind::kYears ? rule.years : 0;
  r.maintenance = rule.maintenance;
  r.end_year = end_year;
  return r;
}

bool IsDue(const Retention& r, int year, int /*month*/, int /*day*/) {
  const int expiry = r.ExpiryYear();
  return expiry > 0 && year > expiry;
}

bool LongerThan(const RetentionRule& a, const RetentionRule& b) {
  const int ra = Rank(a.kind), rb = Rank(b.kind);
  if (ra != rb)
    return ra > rb;
  return a.kind == RetentionKind::kYears && a.years > b.years;
}

std::optional<int> ParseEndYear(std::string_view v) {
  const auto d = ParseDate(v);
  if (!d)
    return std::nullopt;
  return std::get<0>(*d);
}

std::variant<RetentionInputs, RetentionInputError> ReadRetentionInputs(
    const std::vector<std::pair<std::string, std::string>>& info, const RetentionSchedule& schedule,
    std::string_view default_rule, int current_year) {
  RetentionInputs in;
  // Single-valued labels seen so far: element → value (for the "given twice" check).
  std::map<Label, std::string> single;
  std::vector<const RetentionRule*> docs;
  bool any_retention_label = false;
  std::string first_07_label;  // the label of the first Maintenance 07 value, if any
  bool have_07_rule = false;
  std::optional<Date> end, start;
  std::string start_label;
  const std::string cur = std::to_string(current_year);

  for (const auto& [name, raw] : info) {
    const std::optional<Label> label = LabelOf(name);
    if (!label)
      continue;
    const std::string value(Trim(raw));
    switch (*label) {
      case Label::kRule: {
        any_retention_label = true;
        if (value.empty()) {
          return Err("retention.invalid", name,
                     name + " để trống / " + name + " is empty: give a rule id of schedule " +
                         Quote(schedule.id));
        }
        const RetentionRule* r = schedule.Find(value);
        if (!r) {
          return Err("retention.unknown_rule", name,
                     "Quy tắc bảo quản " + Quote(value) + " không có trong bảng thời hạn " +
                         Quote(schedule.id) + " / retention rule " + Quote(value) +
                         " is not in schedule " + Quote(schedule.id) + " version " +
                         Quote(schedule.version));
        }
        docs.push_back(r);
        if (r->maintenance == "07")
          have_07_rule = true;
        break;
      }
      case Label::kMaintenance: {
        any_retention_label = true;
        const auto code = NormaliseCode(value, '7');
        if (!code) {
          return Err("retention.invalid", name,
                     name + " = " + Quote(value) +
                         " không phải mã thời hạn bảo quản 01..07 / is not a TT05 maintenance "
                         "code 01..07");
        }
        if (*code == "07") {
          if (first_07_label.empty())
            first_07_label = name;
          break;
        }
        const RetentionRule* r = schedule.ForMaintenance(*code);
        if (!r) {
          return Err("retention.unknown_rule", name,
                     "Bảng thời hạn " + Quote(schedule.id) + " không có đúng một quy tắc cho mã " +
                         *code + " / schedule " + Quote(schedule.id) +
                         " has no single non-example rule for maintenance " + *code);
        }
        docs.push_back(r);
        break;
      }
      case Label::kEndDate:
      case Label::kStartDate: {
        const bool is_end = *label == Label::kEndDate;
        const auto d = ParseDate(value);
        if (!d) {
          return Err("retention.invalid", name,
                     name + " = " + Quote(value) +
                         " không phải ngày hợp lệ (YYYY, YYYY-MM-DD, DD/MM/YYYY) / is not a valid "
                         "date (YYYY, YYYY-MM-DD or DD/MM/YYYY)");
        }
        const int y = std::get<0>(*d);
        if (y < 1900 || y > current_year) {
          return Err("retention.invalid", name,
                     name + " = " + Quote(value) + ": năm phải trong khoảng 1900.." + cur +
                         " / the year must be within 1900.." + cur);
        }
        if (is_end) {
          if (!end || *d > *end) {
            end = d;
            in.retention.end_date = value;
          }
        } else {
          if (auto it = single.find(*label); it != single.end() && it->second != value) {
            return Err("retention.invalid", name,
                       name +
                           " được ghi hai lần với giá trị khác nhau / is given twice with "
                           "different values");
          }
          single[*label] = value;
          start = d;
          start_label = name;
          in.retention.start_date = value;
        }
        break;
      }
      case Label::kMode:
      case Label::kFileCode:
      case Label::kTitle:
      case Label::kLanguage: {
        std::string v = value;
        if (*label == Label::kMode) {
          const auto code = NormaliseCode(value, '3');
          if (!code) {
            return Err("retention.invalid", name,
                       name + " = " + Quote(value) +
                           " không phải chế độ sử dụng 01 (công khai), 02 (có điều kiện), 03 "
                           "(mật) / is not an access mode 01 (public), 02 (conditional), 03 "
                           "(secret)");
          }
          v = *code;
        }
        if (auto it = single.find(*label); it != single.end() && it->second != v) {
          return Err("retention.invalid", name,
                     name +
                         " được ghi hai lần với giá trị khác nhau / is given twice with "
                         "different values");
        }
        single[*label] = v;
        if (*label == Label::kMode)
          in.retention.mode = v;
        if (*label == Label::kFileCode)
          in.file_code = v;
        if (*label == Label::kTitle)
          in.title = v;
        if (*label == Label::kLanguage)
          in.retention.language = v;
        break;
      }
    }
  }

  if (!first_07_label.empty() && !have_07_rule) {
    return Err(
        "retention.invalid", first_07_label,
        first_07_label +
            " = 07 (Khác) cần Retention-Rule / Quy-Tac-Bao-Quan chỉ rõ quy tắc có mã 07 / "
            "maintenance 07 (other) needs a Retention-Rule naming a rule with maintenance 07");
  }
  if (start && end && std::get<0>(*start) > std::get<0>(*end)) {
    return Err("retention.invalid", start_label,
               start_label + " = " + Quote(in.retention.start_date) +
                   " sau năm kết thúc / is after the end date " + Quote(in.retention.end_date));
  }

  const RetentionRule* winner = nullptr;
  if (!any_retention_label) {
    if (default_rule.empty()) {
      return Err("retention.missing", "Retention-Rule",
                 "Thiếu thời hạn bảo quản / no retention: give Retention-Rule or Maintenance in "
                 "bag-info.txt");
    }
    winner = schedule.Find(default_rule);
    if (!winner) {
      return Err("retention.unknown_rule", "Retention-Rule",
                 "Quy tắc mặc định " + Quote(default_rule) + " không có trong bảng thời hạn " +
                     Quote(schedule.id) + " / the default rule " + Quote(default_rule) +
                     " is not in schedule " + Quote(schedule.id));
    }
    in.from_default = true;
    in.documents.push_back(winner->id);
  } else {
    for (const RetentionRule* r : docs) {
      in.documents.push_back(r->id);
      if (!winner || LongerThan(*r, *winner))
        winner = r;
    }
    if (!winner) {  // only Maintenance 07 values, already refused above
      return Err("retention.missing", "Retention-Rule",
                 "Thiếu thời hạn bảo quản / no retention: give Retention-Rule or Maintenance in "
                 "bag-info.txt");
    }
  }

  in.retention.rule = winner->id;
  in.retention.kind = winner->kind;
  in.retention.years = winner->kind == RetentionKind::kYears ? winner->years : 0;
  in.retention.maintenance = winner->maintenance;
  in.retention.end_year = end ? std::get<0>(*end) : 0;
  if (winner->kind == RetentionKind::kYears && !end) {
    return Err("retention.missing", "End-Date",
               "Thiếu năm kết thúc (Nam-Ket-Thuc) cho thời hạn " + std::to_string(winner->years) +
                   " năm / no End-Date: a " + std::to_string(winner->years) +
                   "-year retention counts from the year the hồ sơ ended");
  }
  return in;
}

}  // namespace vault::policies
