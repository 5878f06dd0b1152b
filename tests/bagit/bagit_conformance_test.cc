// Runs every bag of the Library of Congress BagIt conformance suite (corpora/
// bagit-conformance-suite) through ValidateBag and compares with _derived/bagit-expectations.tsv:
// accept → valid; reject / reject (POSIX only) → invalid; accept-with-warning → valid with at
// least one warning; windows-only → skipped. Every disagreement is listed; the test fails on any.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/bagit/bagit.h"
#include "tests/testing/test_util.h"

namespace vault::bagit {
namespace {

namespace fs = std::filesystem;

struct Expectation {
  std::string version, category, bag, path, expected;
};

std::vector<Expectation> LoadExpectations(const fs::path& corpora) {
  std::ifstream in(corpora / "_derived" / "bagit-expectations.tsv");
  std::vector<Expectation> out;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty())
      continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t'))
      cols.push_back(c);
    if (cols.size() < 5)
      continue;
    out.push_back({cols[0], cols[1], cols[2], cols[3], cols[4]});
  }
  return out;
}

std::string Describe(const Report& r) {
  std::string s = r.valid ? "valid" : "invalid";
  for (const Issue& i : r.errors)
    s += "\n    E " + i.code + ": " + i.message;
  for (const Issue& i : r.warnings)
    s += "\n    W " + i.code + ": " + i.message;
  return s;
}

// "accept" | "reject" | "warn" | "skip"
std::string Want(const Expectation& e) {
  if (e.category == "windows-only")
    return "skip";
  if (e.expected.rfind("accept-with-warning", 0) == 0)
    return "warn";
  if (e.expected.rfind("accept", 0) == 0)
    return "accept";
  return "reject";
}

bool Agrees(const std::string& want, const Report& r) {
  if (want == "accept")
    return r.valid;
  if (want == "warn")
    return r.valid && !r.warnings.empty();
  return !r.valid;
}

TEST(BagitConformance, AgreesWithEveryBagOfTheSuite) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  std::vector<Expectation> exps = LoadExpectations(corpora);
  ASSERT_FALSE(exps.empty()) << "no rows in " << corpora / "_derived/bagit-expectations.tsv";
  int total = 0, agreed = 0, skipped = 0;
  std::vector<std::string> disagreements;
  for (const Expectation& e : exps) {
    std::string want = Want(e);
    if (want == "skip") {
      ++skipped;
      continue;
    }
    ++total;
    Result<Report> r = ValidateBag(corpora / e.path, Options{});
    ASSERT_OK(r);
    if (std::getenv("BAGIT_VERBOSE") != nullptr) {
      std::cout << e.path << " (" << want << "): " << Describe(*r) << "\n";
    }
    bool ok = Agrees(want, *r);
    if (ok && e.category == "linux-only") {
      // Paths like /tmp/foo, ~/ and ../ must be refused by the path rules themselves (before
      // anything is opened), not rejected later for some other reason.
      ok = std::any_of(r->errors.begin(), r->errors.end(), [](const Issue& i) {
        return i.code.find("unsafe_path") != std::string::npos ||
               i.code.find("path_outside_payload") != std::string::npos;
      });
    }
    if (ok) {
      ++agreed;
    } else {
      disagreements.push_back(e.path + " expected " + want + ", got " + Describe(*r));
    }
  }
  std::cout << "[bagit conformance] agreed " << agreed << "/" << total << " (skipped " << skipped
            << " windows-only)\n";
  for (const std::string& d : disagreements)
    std::cout << "  DISAGREE " << d << "\n";
  EXPECT_EQ(agreed, total);
  EXPECT_TRUE(disagreements.empty());
}

// A few suite bags serialised as zip and tar.gz go through the archive path of ValidateBagAtPath
// and get the same verdict as the directory.
TEST(BagitConformance, SerialisedBagsGetTheSameVerdict) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  const fs::path suite = corpora / "bagit-conformance-suite";
  struct Case {
    std::string rel;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"v1.0/valid/basicBag", true},
      {"v0.97/valid/bag-with-space", true},
      {"v0.97/valid/UTF-16-encoded-tag-files", true},
      {"v0.97/invalid/corrupt-data-file", false},
      {"v1.0/invalid/notAllManifestsListAllFiles", false},
      {"v0.97/linux-only/out-of-scope-file-paths-using-absolute-path", false},
  };
  testing::TempDir tmp;
  int n = 0;
  for (const Case& c : cases) {
    const fs::path src = suite / c.rel;
    const std::string name = fs::path(c.rel).filename().string();
    for (const std::string kind : {"zip", "tar.gz"}) {
      const fs::path out = tmp / ("bag" + std::to_string(n++) + "." + kind);
      std::string cmd = kind == "zip" ? "cd '" + src.parent_path().string() + "' && zip -qr '" +
                                            out.string() + "' '" + name + "'"
                                      : "tar -C '" + src.parent_path().string() + "' -czf '" +
                                            out.string() + "' '" + name + "'";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
      Result<Report> r = ValidateBagAtPath(out, Options{}, archive::ExtractLimits{});
      ASSERT_OK(r);
      EXPECT_EQ(r->valid, c.valid) << c.rel << " as " << kind << ": " << Describe(*r);
      if (c.valid) {
        EXPECT_FALSE(r->payload.empty()) << c.rel;
      }
    }
  }
}

}  // namespace
}  // namespace vault::bagit
