// Conformance of the OCFL validator against the OCFL/fixtures corpus
// (<corpora>/ocfl-fixtures, expectations flattened in <corpora>/_derived/ocfl-expectations.tsv):
//   good-objects  valid, no errors;
//   warn-objects  valid, reporting every W-code the folder name carries;
//   bad-objects   invalid, reporting at least one E-code the folder name carries.
// "exact-code-match" counts bad objects whose reported E-codes include every expected code.
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/ocfl/validator.h"
#include "tests/testing/test_util.h"

namespace vault::ocfl {
namespace {

struct Row {
  std::string spec, category, object, path;
  std::vector<std::string> codes;
};

std::vector<Row> ReadTable(const std::filesystem::path& tsv, const std::string& spec) {
  std::ifstream in(tsv);
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    if (cols.size() < 5 || cols[0] != spec) continue;
    Row r{cols[0], cols[1], cols[2], cols[4], {}};
    std::stringstream codes(cols[3]);
    while (codes >> c) r.codes.push_back(c);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::set<std::string> Codes(const std::vector<ValidationIssue>& v) {
  std::set<std::string> s;
  for (const auto& i : v) s.insert(i.code);
  return s;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out.empty() ? "-" : out;
}

void RunConformance(const std::string& spec) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const auto tsv = corpora / "_derived" / "ocfl-expectations.tsv";
  ASSERT_TRUE(std::filesystem::exists(tsv)) << tsv;
  std::vector<Row> rows = ReadTable(tsv, spec);
  ASSERT_FALSE(rows.empty());

  int good = 0, good_ok = 0, warn = 0, warn_ok = 0, bad = 0, bad_ok = 0, bad_exact = 0;
  std::vector<std::string> misses;       // failures of the contract (fail the test)
  std::vector<std::string> near_misses;  // bad objects without every expected code (reported)
  for (const Row& r : rows) {
    Result<ValidationReport> rep = ValidateObject(corpora / r.path);
    ASSERT_TRUE(rep.ok()) << r.path << ": " << rep.status().ToString();
    const std::set<std::string> errs = Codes(rep->errors), warns = Codes(rep->warnings);
    const std::string got = "errors {" + Join(errs) + "} warnings {" + Join(warns) + "}";
    if (r.category == "good-objects") {
      ++good;
      if (rep->valid && rep->errors.empty()) {
        ++good_ok;
      } else {
        misses.push_back("good " + r.object + ": " + got);
      }
    } else if (r.category == "warn-objects") {
      ++warn;
      bool all = true;
      for (const auto& c : r.codes) all = all && warns.count(c);
      if (rep->valid && all) {
        ++warn_ok;
      } else {
        misses.push_back("warn " + r.object + ": " + got);
      }
    } else if (r.category == "bad-objects") {
      ++bad;
      bool any = false, all = true;
      for (const auto& c : r.codes) {
        any = any || errs.count(c);
        all = all && errs.count(c);
      }
      if (!rep->valid && any) {
        ++bad_ok;
      } else {
        misses.push_back("bad " + r.object + ": " + got);
      }
      if (!rep->valid && all) {
        ++bad_exact;
      } else if (!rep->valid && any) {
        near_misses.push_back("bad " + r.object + " (not every expected code): " + got);
      }
    }
  }
  std::cout << "OCFL " << spec << " conformance: good " << good_ok << "/" << good << ", warn "
            << warn_ok << "/" << warn << ", bad-with-expected-code " << bad_ok << "/" << bad
            << ", exact-code-match " << bad_exact << "/" << bad << "\n";
  for (const auto& m : misses) std::cout << "  MISS " << m << "\n";
  for (const auto& m : near_misses) std::cout << "  partial " << m << "\n";
  EXPECT_EQ(good_ok, good);
  EXPECT_EQ(warn_ok, warn);
  EXPECT_EQ(bad_ok, bad);
}

TEST(OcflConformance, Fixtures_1_1) { RunConformance("1.1"); }
TEST(OcflConformance, Fixtures_1_0) { RunConformance("1.0"); }

}  // namespace
}  // namespace vault::ocfl
