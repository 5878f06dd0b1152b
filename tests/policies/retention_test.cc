#include "policies/retention.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::policies {
namespace {

using ::testing::HasSubstr;
using Info = std::vector<std::pair<std::string, std::string>>;

constexpr int kNow = 2025;

// A valid schedule: the six TT05 classes, one 07 rule of 5 years, one event rule, one example.
constexpr const char* kSchedule = R"([schedule]
id = "test"
version = "1"
title = "Thử / Test"
instrument = "Thông tư 05/2025/TT-BNV"

[[rule]]
id = "TT05-01"
title = "Vĩnh viễn / Permanent"
kind = "permanent"
maintenance = "01"

[[rule]]
id = "TT05-02"
title = "70 năm / 70 years"
kind = "years"
years = 70
maintenance = "02"

[[rule]]
id = "TT05-03"
title = "50 năm"
kind = "years"
years = 50
maintenance = "03"

[[rule]]
id = "TT05-04"
title = "30 năm"
kind = "years"
years = 30
maintenance = "04"

[[rule]]
id = "TT05-05"
title = "20 năm"
kind = "years"
years = 20
maintenance = "05"

[[rule]]
id = "TT05-06"
title = "10 năm"
kind = "years"
years = 10
maintenance = "06"
event = ""

[[rule]]
id = "X-5"
group = "4/4.2"
title = "5 năm"
kind = "years"
years = 5
maintenance = "07"

[[rule]]
id = "X-ev"
title = "Hết hiệu lực"
kind = "event"
event = "Hết hiệu lực của văn bản / the instrument ceases to have effect"
maintenance = "07"

[[rule]]
id = "X-ex20"
title = "ví dụ 20 năm"
kind = "years"
years = 20
maintenance = "05"
example = true
)";

RetentionSchedule Schedule() {
  Result<RetentionSchedule> s = ParseRetentionSchedule(kSchedule, "t.toml");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : RetentionSchedule{};
}

RetentionRule Rule(RetentionKind kind, int years = 0) {
  RetentionRule r;
  r.id = std::string(RetentionKindName(kind)) + std::to_string(years);
  r.kind = kind;
  r.years = years;
  return r;
}

// ---- schedule parsing ----------------------------------------------------------------------

TEST(RetentionScheduleTest, ParsesAValidSchedule) {
  const Result<RetentionSchedule> s = ParseRetentionSchedule(kSchedule, "t.toml");
  ASSERT_OK(s);
  EXPECT_EQ(s->id, "test");
  EXPECT_EQ(s->version, "1");
  EXPECT_EQ(s->title, "Thử / Test");
  EXPECT_EQ(s->instrument, "Thông tư 05/2025/TT-BNV");
  EXPECT_EQ(s->sha256, "");
  ASSERT_EQ(s->rules.size(), 9u);
  const RetentionRule& r0 = s->rules[0];
  EXPECT_EQ(r0.id, "TT05-01");
  EXPECT_EQ(r0.kind, RetentionKind::kPermanent);
  EXPECT_EQ(r0.years, 0);
  EXPECT_EQ(r0.line, 7);
  const RetentionRule* x5 = s->Find("X-5");
  ASSERT_NE(x5, nullptr);
  EXPECT_EQ(x5->years, 5);
  EXPECT_EQ(x5->group, "4/4.2");
  EXPECT_EQ(x5->maintenance, "07");
  EXPECT_FALSE(x5->example);
  const RetentionRule* ev = s->Find("X-ev");
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->kind, RetentionKind::kEvent);
  EXPECT_THAT(ev->event, HasSubstr("Hết hiệu lực"));
  EXPECT_TRUE(s->Find("X-ex20")->example);
  EXPECT_EQ(s->Find("nope"), nullptr);

  // Maintenance codes resolve to the non-example rule: 05 is TT05-05, not the example X-ex20.
  ASSERT_NE(s->ForMaintenance("05"), nullptr);
  EXPECT_EQ(s->ForMaintenance("05")->id, "TT05-05");
  EXPECT_EQ(s->ForMaintenance("01")->id, "TT05-01");
  EXPECT_EQ(s->ForMaintenance("07"), nullptr);
  EXPECT_EQ(s->ForMaintenance("08"), nullptr);
  EXPECT_EQ(s->ForMaintenance(""), nullptr);
}

TEST(RetentionScheduleTest, ForMaintenanceIsNullWhenAmbiguous) {
  const std::string text = std::string(kSchedule) +
                           "\n[[rule]]\nid = \"again-10\"\ntitle = \"t\"\nkind = \"years\"\n"
                           "years = 10\nmaintenance = \"06\"\n";
  const Result<RetentionSchedule> s = ParseRetentionSchedule(text, "t.toml");
  ASSERT_OK(s);
  EXPECT_EQ(s->ForMaintenance("06"), nullptr);
  EXPECT_NE(s->ForMaintenance("04"), nullptr);
}

// Header (lines 1-4), then [[rule]] on line 5: body line k is file line 5 + k.
std::string OneRule(const std::string& body) {
  return "[schedule]\nid = \"s\"\nversion = \"1\"\n\n[[rule]]\n" + body;
}

TEST(RetentionScheduleTest, LoadErrorsNameLineRuleAndReason) {
  struct Case {
    std::string name, text, message;
  };
  const std::string ok_rule =
      "id = \"A\"\ntitle = \"t\"\nkind = \"years\"\nyears = 10\nmaintenance = \"06\"\n";
  const std::vector<Case> cases = {
      {"years 80",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = 80\nmaintenance = \"07\"\n"),
       "s.toml:9: rule \"X\": years = 80 is outside 2..70"},
      {"years 1",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = 1\nmaintenance = \"07\"\n"),
       "s.toml:9: rule \"X\": years = 1 is outside 2..70"},
      {"maintenance 03 with years 20",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = 20\nmaintenance = \"03\"\n"),
       "s.toml:10: rule \"X\": maintenance = \"03\" does not match years = 20 (needs \"05\")"},
      {"maintenance 07 with years 10",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = 10\nmaintenance = \"07\"\n"),
       "s.toml:10: rule \"X\": maintenance = \"07\" does not match years = 10 (needs \"06\")"},
      {"maintenance 01 with event",
       OneRule(
           "id = \"X\"\ntitle = \"t\"\nkind = \"event\"\nevent = \"e\"\nmaintenance = \"01\"\n"),
       "s.toml:10: rule \"X\": maintenance = \"01\" does not match kind = \"event\" (needs "
       "\"07\")"},
      {"maintenance 08",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"08\"\n"),
       "s.toml:9: rule \"X\": maintenance = \"08\" is not a TT05 code 01..07"},
      {"permanent with maintenance 02",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"02\"\n"),
       "s.toml:9: rule \"X\": maintenance = \"02\" does not match kind = \"permanent\" (needs "
       "\"01\")"},
      {"duplicate id",
       OneRule(ok_rule + "\n[[rule]]\nid = \"A\"\ntitle = \"t\"\nkind = \"permanent\"\n"
                         "maintenance = \"01\"\n"),
       "s.toml:13: rule \"A\": duplicate id \"A\""},
      {"unknown key",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"01\"\n"
               "retain = 3\nyearz = 4\n"),
       "s.toml:10: rule \"X\": unknown key \"retain\""},
      {"missing kind", OneRule("id = \"X\"\ntitle = \"t\"\nmaintenance = \"01\"\n"),
       "s.toml:5: rule \"X\": missing kind (\"permanent\", \"years\" or \"event\")"},
      {"bad kind", OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"forever\"\nmaintenance = \"01\"\n"),
       "s.toml:8: rule \"X\": kind = \"forever\" is not \"permanent\", \"years\" or \"event\""},
      {"event without event text",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"event\"\nmaintenance = \"07\"\n"),
       "s.toml:5: rule \"X\": kind = \"event\" needs event (what starts the period)"},
      {"event with empty event text",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"event\"\nmaintenance = \"07\"\nevent = \"\"\n"),
       "s.toml:10: rule \"X\": kind = \"event\" needs event (what starts the period)"},
      {"years rule with event text",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = 5\nevent = \"e\"\n"
               "maintenance = \"07\"\n"),
       "s.toml:10: rule \"X\": event is only for kind = \"event\""},
      {"permanent with years",
       OneRule(
           "id = \"X\"\ntitle = \"t\"\nkind = \"permanent\"\nyears = 10\nmaintenance = \"01\"\n"),
       "s.toml:9: rule \"X\": years is only for kind = \"years\" (this rule is kind = "
       "\"permanent\")"},
      {"years kind without years",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nmaintenance = \"06\"\n"),
       "s.toml:5: rule \"X\": kind = \"years\" needs years (2..70)"},
      {"years not an integer",
       OneRule(
           "id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = \"10\"\nmaintenance = \"06\"\n"),
       "s.toml:9: rule \"X\": years must be an integer"},
      {"bad id chars",
       OneRule("id = \"A B/1\"\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"01\"\n"),
       "s.toml:6: rule #1: id \"A B/1\" must be 1..64 characters of A-Z a-z 0-9 . _ -"},
      {"id too long",
       OneRule("id = \"" + std::string(65, 'a') +
               "\"\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"01\"\n"),
       "s.toml:6: rule #1: id \"" + std::string(65, 'a') +
           "\" must be 1..64 characters of A-Z a-z 0-9 . _ -"},
      {"missing id in second rule",
       OneRule(ok_rule + "\n[[rule]]\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"01\"\n"),
       "s.toml:12: rule #2: missing id"},
      {"example not a bool",
       OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"permanent\"\nmaintenance = \"01\"\n"
               "example = \"yes\"\n"),
       "s.toml:10: rule \"X\": example must be true or false"},
      {"missing title", OneRule("id = \"X\"\nkind = \"permanent\"\nmaintenance = \"01\"\n"),
       "s.toml:5: rule \"X\": missing title"},
      {"empty version", "[schedule]\nid = \"s\"\nversion = \"\"\n\n[[rule]]\n" + ok_rule,
       "s.toml:3: schedule: version must not be empty"},
      {"missing version", "\n[schedule]\nid = \"s\"\n\n[[rule]]\n" + ok_rule,
       "s.toml:2: schedule: missing version"},
      {"bad schedule id",
       "[schedule]\nid = \"my schedule\"\nversion = \"1\"\n\n[[rule]]\n" + ok_rule,
       "s.toml:2: schedule: id \"my schedule\" must be characters of A-Z a-z 0-9 . _ -"},
      {"unknown schedule key",
       "[schedule]\nid = \"s\"\nversion = \"1\"\nowner = \"me\"\n\n[[rule]]\n" + ok_rule,
       "s.toml:4: schedule: unknown key \"owner\""},
      {"unknown table", OneRule(ok_rule) + "\n[rules]\nx = 1\n",
       "s.toml:12: unknown key \"rules\""},
      {"no schedule", "[[rule]]\n" + ok_rule, "s.toml:1: missing [schedule]"},
      {"no rules", "[schedule]\nid = \"s\"\nversion = \"1\"\n",
       "s.toml:1: no [[rule]]: a schedule needs at least one rule"},
      {"toml syntax", "[schedule]\nid = \"s\"\nversion = \"1\n", "s.toml:3: "},
  };
  for (const Case& c : cases) {
    const Result<RetentionSchedule> s = ParseRetentionSchedule(c.text, "s.toml");
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << c.name;
    if (c.name == "toml syntax") {
      EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message)) << c.name;
    } else {
      EXPECT_EQ(s.status().message(), c.message) << c.name;
    }
  }
}

TEST(RetentionScheduleTest, YearsBoundsAndSeventhCode) {
  for (int y : {2, 3, 15, 69}) {
    const Result<RetentionSchedule> s = ParseRetentionSchedule(
        OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = " + std::to_string(y) +
                "\nmaintenance = \"07\"\n"),
        "s.toml");
    ASSERT_OK(s);
    EXPECT_EQ(s->rules[0].years, y);
  }
  const Result<RetentionSchedule> s70 = ParseRetentionSchedule(
      OneRule("id = \"X\"\ntitle = \"t\"\nkind = \"years\"\nyears = 70\nmaintenance = \"02\"\n"),
      "s.toml");
  ASSERT_OK(s70);
}

TEST(RetentionScheduleTest, ShippedDefaultParses) {
  const std::string text =
      testing::ReadFile(std::string(VAULT_SOURCE_DIR) + "/policies/retention/default.toml");
  ASSERT_FALSE(text.empty());
  const Result<RetentionSchedule> s =
      ParseRetentionSchedule(text, "policies/retention/default.toml");
  ASSERT_OK(s);
  EXPECT_EQ(s->id, "default");
  EXPECT_EQ(s->version, "2025.1");
  EXPECT_EQ(s->instrument, "Luật Lưu trữ 2024; Thông tư 05/2025/TT-BNV");
  EXPECT_THAT(s->title, HasSubstr(" / "));
  struct Want {
    const char* id;
    RetentionKind kind;
    int years;
    const char* maintenance;
  };
  for (const Want& w : std::vector<Want>{{"TT05-01", RetentionKind::kPermanent, 0, "01"},
                                         {"TT05-02", RetentionKind::kYears, 70, "02"},
                                         {"TT05-03", RetentionKind::kYears, 50, "03"},
                                         {"TT05-04", RetentionKind::kYears, 30, "04"},
                                         {"TT05-05", RetentionKind::kYears, 20, "05"},
                                         {"TT05-06", RetentionKind::kYears, 10, "06"}}) {
    const RetentionRule* r = s->Find(w.id);
    ASSERT_NE(r, nullptr) << w.id;
    EXPECT_EQ(r->kind, w.kind) << w.id;
    EXPECT_EQ(r->years, w.years) << w.id;
    EXPECT_EQ(r->maintenance, w.maintenance) << w.id;
    EXPECT_FALSE(r->example) << w.id;
    EXPECT_THAT(r->title, HasSubstr(" / ")) << w.id;
    const RetentionRule* m = s->ForMaintenance(w.maintenance);
    ASSERT_NE(m, nullptr) << w.maintenance;
    EXPECT_EQ(m->id, w.id);
  }
  EXPECT_EQ(s->ForMaintenance("07"), nullptr);
  int examples = 0;
  bool has_event = false, has_two = false, has_five = false;
  for (const RetentionRule& r : s->rules) {
    if (!r.example) {
      EXPECT_EQ(r.id.rfind("TT05-", 0), 0u) << r.id;
      continue;
    }
    ++examples;
    has_event = has_event || (r.kind == RetentionKind::kEvent && !r.event.empty());
    has_two = has_two || (r.kind == RetentionKind::kYears && r.years == 2);
    has_five = has_five || (r.kind == RetentionKind::kYears && r.years == 5);
  }
  EXPECT_GE(examples, 1);
  EXPECT_TRUE(has_event);
  EXPECT_TRUE(has_two);
  EXPECT_TRUE(has_five);
  EXPECT_THAT(text, HasSubstr("VÍ DỤ / EXAMPLE"));
}

// ---- expiry ---------------------------------------------------------------------------------

TEST(RetentionExpiryTest, Table) {
  struct Case {
    std::string end_date;
    int years;
    std::string expiry;
    int expiry_year;
  };
  const std::vector<Case> cases = {
      {"31/12/2015", 10, "2025-12-31", 2025}, {"2016-01-01", 10, "2026-12-31", 2026},
      {"2015-12-31", 10, "2025-12-31", 2025}, {"01/01/2016", 10, "2026-12-31", 2026},
      {"2015", 10, "2025-12-31", 2025},       {"2023", 2, "2025-12-31", 2025},
      {"29/02/2024", 2, "2026-12-31", 2026},  {"1955", 70, "2025-12-31", 2025},
      {"1956-06-30", 70, "2026-12-31", 2026},
  };
  for (const Case& c : cases) {
    const std::optional<int> end = ParseEndYear(c.end_date);
    ASSERT_TRUE(end.has_value()) << c.end_date;
    Retention r;
    r.kind = RetentionKind::kYears;
    r.years = c.years;
    r.end_year = *end;
    EXPECT_EQ(r.ExpiryYear(), c.expiry_year) << c.end_date;
    EXPECT_EQ(r.Expiry(), c.expiry) << c.end_date;
    EXPECT_EQ(r.ClassName(), std::to_string(c.years) + "y");
    // Not due on 31 December of the expiry year, nor any day before; due from 1 January.
    EXPECT_FALSE(IsDue(r, c.expiry_year, 12, 31)) << c.end_date;
    EXPECT_FALSE(IsDue(r, c.expiry_year, 1, 1)) << c.end_date;
    EXPECT_FALSE(IsDue(r, c.expiry_year - 1, 12, 31)) << c.end_date;
    EXPECT_TRUE(IsDue(r, c.expiry_year + 1, 1, 1)) << c.end_date;
    EXPECT_TRUE(IsDue(r, 9999, 12, 31)) << c.end_date;
  }
}

TEST(RetentionExpiryTest, PermanentAndEventNeverDue) {
  for (RetentionKind k : {RetentionKind::kPermanent, RetentionKind::kEvent}) {
    for (int end_year : {0, 1990}) {
      Retention r;
      r.kind = k;
      r.end_year = end_year;
      EXPECT_EQ(r.ExpiryYear(), 0);
      EXPECT_EQ(r.Expiry(), "");
      EXPECT_FALSE(IsDue(r, 9999, 12, 31));
      EXPECT_FALSE(IsDue(r, 2025, 1, 1));
    }
  }
  Retention p;
  p.kind = RetentionKind::kPermanent;
  EXPECT_EQ(p.ClassName(), "permanent");
  Retention e;
  e.kind = RetentionKind::kEvent;
  EXPECT_EQ(e.ClassName(), "event");
  // Years without an end year: unknown, never due by itself.
  Retention y;
  y.kind = RetentionKind::kYears;
  y.years = 10;
  EXPECT_EQ(y.Expiry(), "");
  EXPECT_FALSE(IsDue(y, 9999, 1, 1));
}

TEST(RetentionExpiryTest, LongestPeriodWins) {
  const RetentionRule y2 = Rule(RetentionKind::kYears, 2), y10 = Rule(RetentionKind::kYears, 10),
                      y20 = Rule(RetentionKind::kYears, 20), y70 = Rule(RetentionKind::kYears, 70),
                      ev = Rule(RetentionKind::kEvent), perm = Rule(RetentionKind::kPermanent);
  EXPECT_TRUE(LongerThan(y20, y10));
  EXPECT_FALSE(LongerThan(y10, y20));
  EXPECT_FALSE(LongerThan(y10, y10));
  EXPECT_TRUE(LongerThan(ev, y70));
  EXPECT_FALSE(LongerThan(y70, ev));
  EXPECT_FALSE(LongerThan(ev, ev));
  for (const RetentionRule* r : {&y2, &y10, &y20, &y70, &ev}) {
    EXPECT_TRUE(LongerThan(perm, *r)) << r->id;
    EXPECT_FALSE(LongerThan(*r, perm)) << r->id;
  }
  EXPECT_FALSE(LongerThan(perm, perm));
}

TEST(RetentionExpiryTest, HoSoWithMixedDocumentsTakesTheLongest) {
  const RetentionSchedule s = Schedule();
  struct Case {
    Info info;
    std::string rule;
    std::string cls;
  };
  const std::vector<Case> cases = {
      {{{"Maintenance", "06"}, {"Maintenance", "05"}, {"End-Date", "2010"}}, "TT05-05", "20y"},
      {{{"Maintenance", "05"}, {"Maintenance", "06"}, {"End-Date", "2010"}}, "TT05-05", "20y"},
      {{{"Maintenance", "02"}, {"Retention-Rule", "X-ev"}, {"End-Date", "2010"}}, "X-ev", "event"},
      {{{"Retention-Rule", "X-ev"}, {"Maintenance", "02"}}, "X-ev", "event"},
      {{{"Maintenance", "06"}, {"Maintenance", "01"}, {"Maintenance", "02"}},
       "TT05-01",
       "permanent"},
      {{{"Retention-Rule", "X-ev"}, {"Retention-Rule", "TT05-01"}, {"Retention-Rule", "X-5"}},
       "TT05-01",
       "permanent"},
      {{{"Retention-Rule", "X-5"}, {"Maintenance", "06"}, {"End-Date", "2020"}}, "TT05-06", "10y"},
  };
  for (const Case& c : cases) {
    const auto out = ReadRetentionInputs(c.info, s, "", kNow);
    ASSERT_TRUE(std::holds_alternative<RetentionInputs>(out))
        << c.rule << ": " << std::get<RetentionInputError>(out).message;
    const RetentionInputs& in = std::get<RetentionInputs>(out);
    EXPECT_EQ(in.retention.rule, c.rule);
    EXPECT_EQ(in.retention.ClassName(), c.cls);
    EXPECT_EQ(in.documents.size(), c.info.size() - (c.info.back().first == "End-Date" ? 1 : 0));
  }
}

TEST(RetentionExpiryTest, SeveralEndDatesLatestWins) {
  const RetentionSchedule s = Schedule();
  const auto out = ReadRetentionInputs({{"Maintenance", "06"},
                                        {"End-Date", "2012"},
                                        {"Nam-Ket-Thuc", "31/12/2015"},
                                        {"End-Date", "2014-06-01"}},
                                       s, "", kNow);
  ASSERT_TRUE(std::holds_alternative<RetentionInputs>(out));
  const Retention& r = std::get<RetentionInputs>(out).retention;
  EXPECT_EQ(r.end_year, 2015);
  EXPECT_EQ(r.end_date, "31/12/2015");
  EXPECT_EQ(r.Expiry(), "2025-12-31");
  EXPECT_FALSE(IsDue(r, 2025, 12, 31));
  EXPECT_TRUE(IsDue(r, 2026, 1, 1));
}

TEST(ParseEndYearTest, FormsAndCalendar) {
  struct Case {
    const char* text;
    std::optional<int> year;
  };
  for (const Case& c : std::vector<Case>{
           {"2015", 2015},       {"2015-12-31", 2015}, {"31/12/2015", 2015}, {"1/7/2015", 2015},
           {"29/02/2024", 2024}, {"2000-02-29", 2000}, {"1900", 1900},       {"0001", 1},
           {"29/02/2023", {}},   {"1900-02-29", {}},   {"2015-13-01", {}},   {"2015-00-10", {}},
           {"2015-04-31", {}},   {"32/01/2015", {}},   {"0/01/2015", {}},    {"15", {}},
           {"20150", {}},        {"2015-1-01", {}},    {"2015/12/31", {}},   {"", {}},
           {"0000", {}},         {"31-12-2015", {}},   {"31/12/15", {}},     {"abcd", {}},
           {"01/01/2015/1", {}}, {"+015", {}},         {"2015-12-31x", {}},  {"123/1/2015", {}},
       }) {
    EXPECT_EQ(ParseEndYear(c.text), c.year) << c.text;
  }
}

// ---- ReadRetentionInputs --------------------------------------------------------------------

const RetentionInputs& Ok(const std::variant<RetentionInputs, RetentionInputError>& v) {
  static const RetentionInputs kEmpty;
  if (const auto* e = std::get_if<RetentionInputError>(&v)) {
    ADD_FAILURE() << e->rule << " " << e->label << ": " << e->message;
    return kEmpty;
  }
  return std::get<RetentionInputs>(v);
}

RetentionInputError Fail(const std::variant<RetentionInputs, RetentionInputError>& v) {
  if (const auto* e = std::get_if<RetentionInputError>(&v))
    return *e;
  ADD_FAILURE() << "expected an error, got rule " << std::get<RetentionInputs>(v).retention.rule;
  return {};
}

TEST(ReadRetentionInputsTest, VietnameseLabels) {
  const RetentionSchedule s = Schedule();
  const RetentionInputs in = Ok(ReadRetentionInputs({{"Ma-Ho-So", "000.06.16.G09.2010.01.TH"},
                                                     {"Tieu-De", "Hồ sơ hội nghị tổng kết năm"},
                                                     {"Thoi-Han-Bao-Quan", "05"},
                                                     {"Nam-Ket-Thuc", "2010"},
                                                     {"Ngay-Bat-Dau", "01/03/2010"},
                                                     {"Che-Do-Su-Dung", "1"},
                                                     {"Ngon-Ngu", "vi"},
                                                     {"Bagging-Date", "2025-01-01"}},
                                                    s, "", kNow));
  EXPECT_EQ(in.file_code, "000.06.16.G09.2010.01.TH");
  EXPECT_EQ(in.title, "Hồ sơ hội nghị tổng kết năm");
  EXPECT_EQ(in.retention.rule, "TT05-05");
  EXPECT_EQ(in.retention.kind, RetentionKind::kYears);
  EXPECT_EQ(in.retention.years, 20);
  EXPECT_EQ(in.retention.maintenance, "05");
  EXPECT_EQ(in.retention.end_year, 2010);
  EXPECT_EQ(in.retention.end_date, "2010");
  EXPECT_EQ(in.retention.start_date, "01/03/2010");
  EXPECT_EQ(in.retention.mode, "01");
  EXPECT_EQ(in.retention.language, "vi");
  EXPECT_EQ(in.retention.Expiry(), "2030-12-31");
  EXPECT_EQ(in.documents, std::vector<std::string>{"TT05-05"});
  EXPECT_FALSE(in.from_default);
}

TEST(ReadRetentionInputsTest, EnglishAndMixedLabels) {
  const RetentionSchedule s = Schedule();
  const RetentionInputs in = Ok(ReadRetentionInputs({{"File-Code", "FC-1"},
                                                     {"Title", "Minutes"},
                                                     {"Retention-Rule", " X-5 "},
                                                     {"Thoi-Han-Bao-Quan", "07"},
                                                     {"End-Date", "2021-12-31"},
                                                     {"Mode", "03"},
                                                     {"Language", "en"}},
                                                    s, "", kNow));
  EXPECT_EQ(in.file_code, "FC-1");
  EXPECT_EQ(in.title, "Minutes");
  EXPECT_EQ(in.retention.rule, "X-5");
  EXPECT_EQ(in.retention.maintenance, "07");
  EXPECT_EQ(in.retention.Expiry(), "2026-12-31");
  EXPECT_EQ(in.retention.mode, "03");
  EXPECT_EQ(in.documents, std::vector<std::string>{"X-5"});

  // An event-based rule needs no End-Date.
  const RetentionInputs ev = Ok(ReadRetentionInputs({{"Quy-Tac-Bao-Quan", "X-ev"}}, s, "", kNow));
  EXPECT_EQ(ev.retention.kind, RetentionKind::kEvent);
  EXPECT_EQ(ev.retention.end_year, 0);
  EXPECT_EQ(ev.retention.Expiry(), "");
  // Labels are case-sensitive: "retention-rule" is not a retention label.
  const RetentionInputError e =
      Fail(ReadRetentionInputs({{"retention-rule", "X-ev"}}, s, "", kNow));
  EXPECT_EQ(e.rule, "retention.missing");
}

TEST(ReadRetentionInputsTest, MissingRetention) {
  const RetentionSchedule s = Schedule();
  const RetentionInputError e =
      Fail(ReadRetentionInputs({{"Title", "x"}, {"End-Date", "2010"}}, s, "", kNow));
  EXPECT_EQ(e.rule, "retention.missing");
  EXPECT_EQ(e.label, "Retention-Rule");
  EXPECT_EQ(e.message,
            "Thiếu thời hạn bảo quản / no retention: give Retention-Rule or Maintenance in "
            "bag-info.txt");

  const RetentionInputError no_end =
      Fail(ReadRetentionInputs({{"Maintenance", "06"}}, s, "", kNow));
  EXPECT_EQ(no_end.rule, "retention.missing");
  EXPECT_EQ(no_end.label, "End-Date");
  EXPECT_THAT(no_end.message, HasSubstr(" / "));
}

TEST(ReadRetentionInputsTest, InvalidValuesNameTheLabel) {
  const RetentionSchedule s = Schedule();
  struct Case {
    Info info;
    std::string rule, label, substr;
  };
  const std::vector<Case> cases = {
      {{{"Maintenance", "08"}, {"End-Date", "2010"}}, "retention.invalid", "Maintenance", "\"08\""},
      {{{"Thoi-Han-Bao-Quan", "6y"}, {"End-Date", "2010"}},
       "retention.invalid",
       "Thoi-Han-Bao-Quan",
       "01..07"},
      {{{"Retention-Rule", "NO-SUCH"}}, "retention.unknown_rule", "Retention-Rule", "\"NO-SUCH\""},
      {{{"Quy-Tac-Bao-Quan", ""}}, "retention.invalid", "Quy-Tac-Bao-Quan", "empty"},
      {{{"Maintenance", "07"}, {"End-Date", "2010"}}, "retention.invalid", "Maintenance", "07"},
      // 07 with a Retention-Rule whose code is not 07 is still missing its rule.
      {{{"Maintenance", "07"}, {"Retention-Rule", "TT05-06"}, {"End-Date", "2010"}},
       "retention.invalid",
       "Maintenance",
       "07"},
      {{{"Maintenance", "06"}, {"End-Date", "2026"}}, "retention.invalid", "End-Date", "2026"},
      {{{"Maintenance", "06"}, {"Nam-Ket-Thuc", "1899"}},
       "retention.invalid",
       "Nam-Ket-Thuc",
       "1900.."},
      {{{"Maintenance", "06"}, {"End-Date", "30/02/2010"}},
       "retention.invalid",
       "End-Date",
       "DD/MM/YYYY"},
      {{{"Maintenance", "06"}, {"End-Date", "2010"}, {"Mode", "04"}},
       "retention.invalid",
       "Mode",
       "\"04\""},
      {{{"Maintenance", "06"}, {"End-Date", "2010"}, {"Che-Do-Su-Dung", "mật"}},
       "retention.invalid",
       "Che-Do-Su-Dung",
       "03"},
      {{{"Maintenance", "06"}, {"End-Date", "2010"}, {"Start-Date", "2011"}},
       "retention.invalid",
       "Start-Date",
       "after the end date"},
      {{{"Maintenance", "06"}, {"End-Date", "2010"}, {"File-Code", "A"}, {"Ma-Ho-So", "B"}},
       "retention.invalid",
       "Ma-Ho-So",
       "twice"},
  };
  for (const Case& c : cases) {
    const RetentionInputError e = Fail(ReadRetentionInputs(c.info, s, "", kNow));
    EXPECT_EQ(e.rule, c.rule) << c.label << " " << c.substr;
    EXPECT_EQ(e.label, c.label) << c.substr;
    EXPECT_THAT(e.message, HasSubstr(c.substr)) << c.label;
    EXPECT_THAT(e.message, HasSubstr(" / ")) << c.label;
  }
  // The same label repeated with the same value is fine.
  EXPECT_EQ(
      Ok(ReadRetentionInputs(
             {{"Maintenance", "06"}, {"End-Date", "2010"}, {"File-Code", "A"}, {"Ma-Ho-So", "A"}},
             s, "", kNow))
          .file_code,
      "A");
  // End year = current year is allowed.
  EXPECT_EQ(
      Ok(ReadRetentionInputs({{"Maintenance", "06"}, {"End-Date", "31/12/2025"}}, s, "", kNow))
          .retention.Expiry(),
      "2035-12-31");
}

TEST(ReadRetentionInputsTest, MaintenanceWithoutANonExampleRuleIsUnknown) {
  // A schedule with only 06: 04 has no rule.
  const Result<RetentionSchedule> s = ParseRetentionSchedule(
      OneRule("id = \"A\"\ntitle = \"t\"\nkind = \"years\"\nyears = 10\nmaintenance = \"06\"\n"),
      "s.toml");
  ASSERT_OK(s);
  const RetentionInputError e =
      Fail(ReadRetentionInputs({{"Maintenance", "04"}, {"End-Date", "2010"}}, *s, "", kNow));
  EXPECT_EQ(e.rule, "retention.unknown_rule");
  EXPECT_EQ(e.label, "Maintenance");
}

TEST(ReadRetentionInputsTest, DefaultRule) {
  const RetentionSchedule s = Schedule();
  const RetentionInputs in =
      Ok(ReadRetentionInputs({{"Title", "t"}, {"End-Date", "2020"}}, s, "X-5", kNow));
  EXPECT_TRUE(in.from_default);
  EXPECT_EQ(in.retention.rule, "X-5");
  EXPECT_EQ(in.retention.Expiry(), "2025-12-31");
  EXPECT_EQ(in.documents, std::vector<std::string>{"X-5"});

  const RetentionInputs perm = Ok(ReadRetentionInputs({}, s, "TT05-01", kNow));
  EXPECT_EQ(perm.retention.kind, RetentionKind::kPermanent);

  // A label present: the default is not used.
  const RetentionInputs given = Ok(ReadRetentionInputs({{"Maintenance", "01"}}, s, "X-5", kNow));
  EXPECT_FALSE(given.from_default);
  EXPECT_EQ(given.retention.rule, "TT05-01");

  // Invalid labels are errors even with a default.
  EXPECT_EQ(Fail(ReadRetentionInputs({{"Maintenance", "08"}}, s, "TT05-01", kNow)).rule,
            "retention.invalid");
  EXPECT_EQ(Fail(ReadRetentionInputs({{"Mode", "04"}}, s, "TT05-01", kNow)).label, "Mode");
  EXPECT_EQ(Fail(ReadRetentionInputs({{"End-Date", "2999"}}, s, "TT05-01", kNow)).rule,
            "retention.invalid");
  // A years default still needs End-Date; a default naming no rule is unknown.
  EXPECT_EQ(Fail(ReadRetentionInputs({}, s, "X-5", kNow)).label, "End-Date");
  EXPECT_EQ(Fail(ReadRetentionInputs({}, s, "NOPE", kNow)).rule, "retention.unknown_rule");
}

TEST(RetentionKindNameTest, Names) {
  EXPECT_EQ(RetentionKindName(RetentionKind::kPermanent), "permanent");
  EXPECT_EQ(RetentionKindName(RetentionKind::kYears), "years");
  EXPECT_EQ(RetentionKindName(RetentionKind::kEvent), "event");
  RetentionRule r = Rule(RetentionKind::kYears, 15);
  r.maintenance = "07";
  const Retention x = RetentionFromRule(r, 2010);
  EXPECT_EQ(x.rule, r.id);
  EXPECT_EQ(x.years, 15);
  EXPECT_EQ(x.maintenance, "07");
  EXPECT_EQ(x.Expiry(), "2025-12-31");
}

}  // namespace
}  // namespace vault::policies
