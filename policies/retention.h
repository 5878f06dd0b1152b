// Retention policy: the schedule (bảng thời hạn bảo quản) as data, the retention an object gets
// from its bag-info.txt labels, and the expiry arithmetic of the review sweep.
//
// The contract is docs/RETENTION.md §1 (schedule files) and §2 (bag-info labels, expiry).
// Everything here is pure in the sense of DESIGN.md §2: no I/O, no clocks. The caller reads the
// schedule file, fills RetentionSchedule::sha256 (policies stay free of OpenSSL) and passes the
// current local date where one is needed.
//
// Schedules. ParseRetentionSchedule() reads the TOML text of §1 and refuses (kInvalidArgument)
// anything that breaks it, naming the source, the line and the rule:
//   "retention/schedule.toml:14: rule \"X\": years = 80 is outside 2..70"
//   "retention/schedule.toml:3: schedule: version must not be empty"
// The line is the offending key's line when the problem is one key (a bad value, an unknown
// key, a duplicate id); otherwise (a missing key) the line of the [[rule]] header, or of the
// [schedule] header. A rule without a usable id is named by its position: rule #3.
//
// Maintenance codes (TT05): 01 ⇔ permanent; 02..06 ⇔ kind "years" with years 70/50/30/20/10;
// 07 ⇔ kind "event", or kind "years" with any other number of years in 2..70.
//
// Longest period wins (a hồ sơ takes the longest retention of its documents, Luật Lưu trữ
// 2024 Điều 15): permanent > event-based > N years, larger N wins.
//
// Expiry (kind "years"): 31 December of (end year + N); due for review from the next 1 January.
// Permanent and event-based retention never becomes due by itself.
//
// Threading: free functions on values; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vault/base/status.h"

namespace vault::policies {

enum class RetentionKind { kPermanent, kYears, kEvent };
// "permanent" | "years" | "event".
std::string_view RetentionKindName(RetentionKind k);

inline constexpr int kMinRetentionYears = 2;
inline constexpr int kMaxRetentionYears = 70;

struct RetentionRule {
  std::string id, instrument, group, title;
  RetentionKind kind = RetentionKind::kYears;
  int years = 0;            // 2..70 for kYears, else 0
  std::string maintenance;  // "01".."07"
  std::string event;        // kEvent: what starts the period
  bool example = false;     // part of the clearly marked example set
  int line = 0;             // line of [[rule]] in the file
};

struct RetentionSchedule {
  std::string id, version, title, instrument;
  // Lower-case hex SHA-256 of the file text. Left empty by ParseRetentionSchedule(): the caller
  // (which has the hashing code) fills it.
  std::string sha256;
  std::vector<RetentionRule> rules;  // in file order

  // The rule with this id (example or not); nullptr if none.
  const RetentionRule* Find(std::string_view id) const;
  // The non-example rule whose maintenance code is `code` (01..06); nullptr if none or
  // ambiguous (several), and always for "07" and anything else.
  const RetentionRule* ForMaintenance(std::string_view code) const;
};

// Parses and validates a schedule (see the top of this file). `source` names the file in
// messages ("retention/schedule.toml"). Unknown keys are refused; rule ids are unique;
// [schedule] id and version are required, and at least one [[rule]].
// Rule keys: id, title, kind, maintenance required; years required for kind "years" and refused
// otherwise; event required (non-empty) for kind "event" and must be empty otherwise;
// instrument, group optional strings; example optional boolean (default false).
Result<RetentionSchedule> ParseRetentionSchedule(std::string_view text, std::string_view source);

// The retention an object gets.
struct Retention {
  std::string rule;  // rule id
  RetentionKind kind = RetentionKind::kYears;
  int years = 0;
  std::string maintenance;
  int end_year = 0;  // 0 when unknown (allowed only for permanent/event)
  // As given in bag-info.txt (mode normalised to "01".."03"; "" when not given).
  std::string mode, language, start_date, end_date;

  // "YYYY-12-31" of ExpiryYear() for kYears with end_year, else "" (never expires by itself).
  std::string Expiry() const;
  // end_year + years for kYears with end_year, else 0.
  int ExpiryYear() const;
  // "permanent" | "<N>y" | "event": the class name placement rules match on.
  std::string ClassName() const;
};

// A Retention carrying `rule`'s id, kind, years and maintenance, with `end_year` (other fields
// empty). For extend/permanent actions that replace an object's rule.
Retention RetentionFromRule(const RetentionRule& rule, int end_year);

// Due for review when the local date (year, month, day) is after 31 December of ExpiryYear(),
// i.e. year > ExpiryYear(). Permanent and event-based retention (or kYears without an end year):
// never. month and day do not change the answer; they are taken so callers pass a whole date.
bool IsDue(const Retention& r, int year, int month, int day);

// True if a's period is longer than b's: permanent > event > years (larger N wins). Equal
// periods are not longer.
bool LongerThan(const RetentionRule& a, const RetentionRule& b);

// The year of a date in one of the forms of docs/RETENTION.md §2: "YYYY", "YYYY-MM-DD" or
// "DD/MM/YYYY" (day and month may have one digit: "1/7/2015"). Month and day are checked
// (leap years included); year 0001..9999. nullopt for anything else.
std::optional<int> ParseEndYear(std::string_view v);

// What ReadRetentionInputs() refuses, for the ingest report (path bag-info.txt).
struct RetentionInputError {
  std::string rule;     // "retention.missing" | "retention.invalid" | "retention.unknown_rule"
  std::string label;    // the label concerned, as written in bag-info.txt (or the English name
                        // when the label is missing)
  std::string message;  // bilingual: Vietnamese first, " / ", English
};

struct RetentionInputs {
  std::string file_code, title;
  Retention retention;
  // The rule id each Retention-Rule value and each Maintenance 01..06 value resolved to, in
  // bag-info order (a Maintenance 07 value resolves through the Retention-Rule values and adds
  // no entry; with the default rule: just that rule).
  std::vector<std::string> documents;
  bool from_default = false;  // no retention label: the default rule was used
};

// Reads the bag-info labels of docs/RETENTION.md §2. `info` holds the label/value pairs in file
// order; labels are compared case-sensitively, Vietnamese and English names both accepted and
// may be mixed; other labels are ignored. Values are trimmed of spaces and tabs.
//   - Retention-Rule (repeatable): a rule id of the schedule, else retention.unknown_rule.
//   - Maintenance (repeatable): 01..07 ("1".."7" accepted and normalised); 01..06 resolve to
//     schedule.ForMaintenance() (none → retention.unknown_rule); 07 needs a Retention-Rule
//     value naming a rule with maintenance 07 (else retention.invalid).
//   - End-Date (repeatable, latest wins), Start-Date: ParseEndYear() forms, year in
//     1900..current_year; Start-Date's year not after End-Date's.
//   - Mode: 01..03 ("1".."3" accepted); Language, File-Code, Title: text.
//   - File-Code, Title, Start-Date, Mode, Language given twice with different values:
//     retention.invalid.
// Neither Retention-Rule nor Maintenance: retention.missing (label "Retention-Rule"), unless
// `default_rule` is non-empty, in which case that rule is used (a default naming no rule of
// the schedule is retention.unknown_rule). Invalid labels are errors even with a default.
// kYears without End-Date: retention.missing (label "End-Date").
// The first problem in bag-info order is reported.
std::variant<RetentionInputs, RetentionInputError> ReadRetentionInputs(
    const std::vector<std::pair<std::string, std::string>>& info, const RetentionSchedule& schedule,
    std::string_view default_rule, int current_year);

}  // namespace vault::policies
