// OCFL 1.1 object and storage-root validation. See validator.h for the contract.
//
// Order of work for an object (the order matters for hostile input: nothing is opened before
// its type is known, and digests are computed last, once per file, for every algorithm any
// inventory asks for):
//   1. list the object root without following links; check the declaration (E001..E007);
//   2. read, parse and check the root inventory and its sidecar (E033..E061, E095..E111);
//   3. check the root's entries against the inventory (E001, E046, E067, W013);
//   4. per version directory: entries (E015, W002), its inventory and sidecar (W010, E058..E064),
//      consistency with the root inventory (E037, E040, E066, E103, W011), content files (E023,
//      E024, E092);
//   5. hash every content file once and compare to manifests and fixity (E092, E093).
#include "formats/ocfl/validator.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/ocfl/inventory.h"
#include "vault/base/fs.h"
#include "vault/clib/crypto.h"

namespace vault::ocfl {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kMaxJsonBytes = 64u << 20;
constexpr int kMaxHierarchyDepth = 64;

// Extension names registered at https://github.com/OCFL/extensions (W013, W016).
const std::set<std::string, std::less<>>& RegisteredExtensions() {
  static const std::set<std::string, std::less<>> kNames = {
      "0001-digest-algorithms",
      "0002-flat-direct-storage-layout",
      "0003-hash-and-id-n-tuple-storage-layout",
      "0004-hashed-n-tuple-storage-layout",
      "0005-mutable-head",
      "0006-flat-omit-prefix-storage-layout",
      "0007-n-tuple-omit-prefix-storage-layout",
      "0008-schema-registry",
      "0009-digest-algorithms",
      "0010-differential-ocfl-version",
      "0011-direct-clean-path-layout",
  };
  return kNames;
}

// Fixity algorithms of the spec's table plus those of extensions 0001/0009 (E056).
bool IsKnownFixityAlgorithm(std::string_view a) {
  static const std::set<std::string, std::less<>> kAlgs = {
      "md5",         "sha1",        "sha256",      "sha512",     "blake2b-512",
      "blake2b-160", "blake2b-256", "blake2b-384", "sha512/256", "size",
      "crc32"};
  return kAlgs.count(a) != 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsHex(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// scheme ":" then at least one non-space character (RFC 3986 in its loosest reading). Written
// by hand: libstdc++'s std::regex recurses per character and overflows the stack on long input.
bool LooksLikeUri(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '.' && c != '-') {
      return false;
    }
  }
  return std::none_of(s.begin() + static_cast<std::ptrdiff_t>(colon) + 1, s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

bool IsRfc3339(std::string_view s) {
  static const std::regex kRfc3339(
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
      "([Zz]|[+-][0-9]{2}:[0-9]{2})$");
  if (s.size() > 64) return false;  // bounds std::regex's recursion (see LooksLikeUri)
  return std::regex_match(s.begin(), s.end(), kRfc3339);
}

// "v1" / "v003" -> number; nullopt unless 'v' followed by 1..9 digits, value >= 1.
std::optional<int> VersionNumber(std::string_view name) {
  if (name.size() < 2 || name.size() > 10 || name[0] != 'v') return std::nullopt;
  int n = 0;
  for (size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), n);
  if (ec != std::errc() || n < 1) return std::nullopt;
  return n;
}

// "https://ocfl.io/1.1/spec/#inventory" -> "1.1"; "" if not an OCFL inventory type.
std::string SpecVersionOfType(std::string_view type) {
  if (type == "https://ocfl.io/1.0/spec/#inventory") return "1.0";
  if (type == "https://ocfl.io/1.1/spec/#inventory") return "1.1";
  return "";
}

std::string Join(const std::string& prefix, const std::string& rel) {
  if (prefix.empty()) return rel;
  if (rel.empty()) return prefix;
  return prefix + "/" + rel;
}

// Collects issues for one validation run. `prefix` is prepended to every path (the object's
// path inside a storage root).
class Sink {
 public:
  explicit Sink(ValidationReport* r) : r_(r) {}
  void Error(std::string_view code, const std::string& path, const std::string& detail) {
    Add(&r_->errors, code, path, detail);
    r_->valid = false;
  }
  void Warn(std::string_view code, const std::string& path, const std::string& detail) {
    Add(&r_->warnings, code, path, detail);
  }
  // Adds an issue made by another Sink (paths are re-prefixed with this sink's prefix).
  void Raw(const ValidationIssue& i, bool error) {
    auto* v = error ? &r_->errors : &r_->warnings;
    ValidationIssue c = i;
    c.path = Join(prefix, i.path);
    for (const auto& e : *v) {
      if (e.code == c.code && e.path == c.path && e.message == c.message) return;
    }
    v->push_back(std::move(c));
    if (error) r_->valid = false;
  }
  std::string prefix;

 private:
  void Add(std::vector<ValidationIssue>* v, std::string_view code, const std::string& path,
           const std::string& detail) {
    ValidationIssue i;
    i.code = std::string(code);
    i.message = std::string(CodeDescription(code));
    if (!detail.empty()) i.message += i.message.empty() ? detail : " [" + detail + "]";
    i.path = Join(prefix, path);
    // The same finding can be reached twice (e.g. root and version inventory); report it once.
    for (const auto& e : *v) {
      if (e.code == i.code && e.path == i.path && e.message == i.message) return;
    }
    v->push_back(std::move(i));
  }
  ValidationReport* r_;
};

enum class Kind { kFile, kDir, kLink, kOther, kMissing };

Kind KindOf(const stdfs::path& p) {
  std::error_code ec;
  stdfs::file_status st = stdfs::symlink_status(p, ec);
  if (ec) return Kind::kMissing;
  switch (st.type()) {
    case stdfs::file_type::regular: return Kind::kFile;
    case stdfs::file_type::directory: return Kind::kDir;
    case stdfs::file_type::symlink: return Kind::kLink;
    case stdfs::file_type::not_found: return Kind::kMissing;
    default: return Kind::kOther;
  }
}

struct Entry {
  std::string name;
  Kind kind;
};

// Lists a directory without following links. Names are sorted for deterministic reports.
Result<std::vector<Entry>> List(const stdfs::path& dir) {
  std::error_code ec;
  stdfs::directory_iterator it(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), "list", dir.string());
  std::vector<Entry> out;
  for (; it != stdfs::directory_iterator(); it.increment(ec)) {
    if (ec) return Status::FromErrno(ec.value(), "list", dir.string());
    out.push_back({it->path().filename().string(), KindOf(it->path())});
  }
  if (ec) return Status::FromErrno(ec.value(), "list", dir.string());
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

// Path rules shared by content paths (E098..E100) and logical paths (E051..E053).
// Returns the code of the first rule broken, or "" when the path is fine.
std::string_view PathRuleBroken(std::string_view p, bool logical) {
  if (p.empty()) return logical ? "E052" : "E099";
  if (p.front() == '/' || p.back() == '/') return logical ? "E053" : "E100";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view el = p.substr(start, end - start);
    if (el.empty() || el == "." || el == "..") return logical ? "E052" : "E099";
    start = end + 1;
  }
  return "";
}

// Reports paths that repeat or where one is a directory prefix of another (E095 / E101).
void CheckUniqueNonConflicting(const std::vector<std::string>& paths, std::string_view code,
                               const std::string& where, Sink& sink) {
  std::set<std::string> seen;
  for (const auto& p : paths) {
    if (!seen.insert(p).second) sink.Error(code, where, "path repeated: " + p);
  }
  // In sorted order a conflicting "a/b" directly or soon follows "a"; check every path's
  // parents instead, which is exact and linear in the total length.
  for (const auto& p : seen) {
    for (size_t pos = p.find('/'); pos != std::string::npos; pos = p.find('/', pos + 1)) {
      if (seen.count(p.substr(0, pos))) {
        sink.Error(code, where, "path " + p.substr(0, pos) + " conflicts with " + p);
        break;
      }
    }
  }
}

// What the validator learnt from one inventory. Fields are filled as far as the document
// allowed; `usable` says whether the version/manifest model can be trusted for cross checks.
struct InventoryFacts {
  bool usable = false;
  std::string id, type, spec_version, digest_algorithm, head, content_directory = "content";
  bool content_directory_set = false;
  // content path -> digest (as written)
  std::map<std::string, std::string> manifest;
  // version name -> number, ordered by number
  std::map<int, std::string> version_names;
  // version name -> logical path -> digest
  std::map<std::string, std::map<std::string, std::string>> states;
  // version name -> the version block (for W011 comparisons)
  std::map<std::string, json> version_blocks;
  // algorithm -> content path -> digest
  std::map<std::string, std::map<std::string, std::string>> fixity;
};

// Checks an inventory document. `where` is its path for reports.
InventoryFacts CheckInventory(const json& j, const std::string& where, Sink& sink) {
  InventoryFacts f;
  if (!j.is_object()) {
    sink.Error("E033", where, "inventory is not a JSON object");
    return f;
  }
  static const std::set<std::string, std::less<>> kKeys = {
      "id", "type", "digestAlgorithm", "head", "contentDirectory", "fixity", "manifest",
      "versions"};
  for (const auto& [k, v] : j.items()) {
    if (!kKeys.count(k)) sink.Error("E102", where, "unknown key \"" + k + "\"");
  }
  bool ok = true;
  // id
  if (auto it = j.find("id"); it == j.end()) {
    sink.Error("E036", where, "missing \"id\"");
    ok = false;
  } else if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    sink.Error("E037", where, "\"id\" is not a non-empty string");
    ok = false;
  } else {
    f.id = it->get<std::string>();
    if (!LooksLikeUri(f.id)) sink.Warn("W005", where, "id \"" + f.id + "\" is not a URI");
  }
  // type
  if (auto it = j.find("type"); it == j.end()) {
    sink.Error("E036", where, "missing \"type\"");
  } else if (!it->is_string() || SpecVersionOfType(it->get_ref<const std::string&>()).empty()) {
    sink.Error("E038", where, "\"type\" is not an OCFL inventory type URI");
  } else {
    f.type = it->get<std::string>();
    f.spec_version = SpecVersionOfType(f.type);
  }
  // digestAlgorithm
  if (auto it = j.find("digestAlgorithm"); it == j.end()) {
    sink.Error("E036", where, "missing \"digestAlgorithm\"");
    ok = false;
  } else if (!it->is_string()) {
    sink.Error("E025", where, "\"digestAlgorithm\" is not a string");
    ok = false;
  } else {
    f.digest_algorithm = it->get<std::string>();
    if (f.digest_algorithm == "sha256") {
      sink.Warn("W004", where, "digestAlgorithm is sha256");
    } else if (f.digest_algorithm != "sha512") {
      sink.Error("E025", where, "digestAlgorithm \"" + f.digest_algorithm + "\"");
      ok = false;
    }
  }
  // head
  if (auto it = j.find("head"); it == j.end()) {
    sink.Error("E036", where, "missing \"head\"");
    ok = false;
  } else if (!it->is_string() || !VersionNumber(it->get_ref<const std::string&>())) {
    sink.Error("E040", where, "\"head\" is not a version directory name");
    ok = false;
  } else {
    f.head = it->get<std::string>();
  }
  // contentDirectory
  if (auto it = j.find("contentDirectory"); it != j.end()) {
    if (!it->is_string()) {
      sink.Error("E017", where, "\"contentDirectory\" is not a string");
      ok = false;
    } else {
      const std::string& cd = it->get_ref<const std::string&>();
      if (cd.find('/') != std::string::npos) {
        sink.Error("E017", where, "contentDirectory \"" + cd + "\" contains /");
        ok = false;
      } else if (cd == "." || cd == "..") {
        sink.Error("E018", where, "contentDirectory \"" + cd + "\"");
        ok = false;
      } else if (cd.empty()) {
        sink.Error("E108", where, "contentDirectory is empty");
        ok = false;
      } else {
        f.content_directory = cd;
        f.content_directory_set = true;
      }
    }
  }
  // manifest
  std::set<std::string> manifest_digests;  // as written
  if (auto it = j.find("manifest"); it == j.end()) {
    sink.Error("E041", where, "missing \"manifest\"");
    ok = false;
  } else if (!it->is_object()) {
    sink.Error("E106", where, "\"manifest\" is not a JSON object");
    ok = false;
  } else {
    std::set<std::string> lower_digests;
    std::vector<std::string> all_paths;
    size_t want_len = f.digest_algorithm == "sha512" ? 128 : f.digest_algorithm == "sha256" ? 64 : 0;
    for (const auto& [digest, paths] : it->items()) {
      manifest_digests.insert(digest);
      if (!lower_digests.insert(Lower(digest)).second) {
        sink.Error("E096", where, "digest " + digest + " occurs more than once in the manifest");
      }
      if (want_len != 0 && (!IsHex(digest) || digest.size() != want_len)) {
        sink.Error(f.digest_algorithm == "sha512" ? "E031" : "E030", where,
                   "manifest key \"" + digest + "\" is not a " + f.digest_algorithm + " digest");
      }
      if (!paths.is_array()) {
        sink.Error("E092", where, "manifest value for " + digest + " is not an array");
        ok = false;
        continue;
      }
      for (const auto& p : paths) {
        if (!p.is_string()) {
          sink.Error("E092", where, "manifest entry for " + digest + " is not a string");
          ok = false;
          continue;
        }
        const std::string& cp = p.get_ref<const std::string&>();
        if (std::string_view code = PathRuleBroken(cp, false); !code.empty()) {
          sink.Error(code, where, "content path \"" + cp + "\"");
        } else if (cp.find('\\') != std::string::npos) {
          sink.Error("E035", where, "content path \"" + cp + "\" uses a backslash");
        }
        all_paths.push_back(cp);
        f.manifest[cp] = digest;
      }
    }
    CheckUniqueNonConflicting(all_paths, "E101", where, sink);
  }
  // versions
  std::set<std::string> used_digests;
  if (auto it = j.find("versions"); it == j.end()) {
    sink.Error("E043", where, "missing \"versions\"");
    ok = false;
  } else if (!it->is_object()) {
    sink.Error("E044", where, "\"versions\" is not a JSON object");
    ok = false;
  } else if (it->empty()) {
    sink.Error("E008", where, "\"versions\" is empty");
    ok = false;
  } else {
    // Names, sequence and padding.
    for (const auto& [name, block] : it->items()) {
      std::optional<int> n = VersionNumber(name);
      if (!n) {
        sink.Error("E104", where, "version key \"" + name + "\" is not v<number>");
        ok = false;
        continue;
      }
      if (f.version_names.count(*n)) {
        sink.Error("E012", where, "version " + std::to_string(*n) + " appears under two names");
        ok = false;
        continue;
      }
      f.version_names[*n] = name;
    }
    if (!f.version_names.empty()) {
      if (f.version_names.begin()->first != 1) {
        sink.Error("E009", where, "version sequence does not start at 1");
        ok = false;
      }
      int expect = 1;
      for (const auto& [n, name] : f.version_names) {
        if (n != expect && expect != 1) {
          sink.Error("E010", where, "version v" + std::to_string(expect) + " missing before " + name);
          ok = false;
          break;
        }
        expect = n + 1;
      }
      const std::string& first = f.version_names.begin()->second;
      const bool padded = first.size() > 2 && first[1] == '0';
      if (padded) sink.Warn("W001", where, "zero-padded version names");
      for (const auto& [n, name] : f.version_names) {
        bool this_padded = name.size() > 2 && name[1] == '0';
        if (padded && !this_padded) {
          sink.Error("E011", where, "zero-padded sequence continues with " + name);
          sink.Error("E013", where, name + " does not follow the naming of " + first);
        } else if (name.size() != first.size() && (padded || this_padded)) {
          sink.Error("E012", where, name + " is padded differently from " + first);
        }
      }
      if (!f.head.empty() && f.head != f.version_names.rbegin()->second) {
        sink.Error("E040", where,
                   "head " + f.head + " is not the highest version " +
                       f.version_names.rbegin()->second);
        if (VersionNumber(f.head) && *VersionNumber(f.head) > f.version_names.rbegin()->first) {
          ok = false;
        }
      }
    }
    // Blocks.
    for (const auto& [n, name] : f.version_names) {
      const json& block = (*it)[name];
      const std::string vwhere = where;
      if (!block.is_object()) {
        sink.Error("E047", vwhere, "version " + name + " is not a JSON object");
        ok = false;
        continue;
      }
      f.version_blocks[name] = block;
      for (const auto& [k, v] : block.items()) {
        if (k != "created" && k != "message" && k != "user" && k != "state") {
          sink.Error("E102", vwhere, "version " + name + " has unknown key \"" + k + "\"");
        }
      }
      if (auto c = block.find("created"); c == block.end()) {
        sink.Error("E048", vwhere, "version " + name + " lacks \"created\"");
      } else if (!c->is_string() || !IsRfc3339(c->get_ref<const std::string&>())) {
        sink.Error("E049", vwhere, "version " + name + " \"created\" is not an RFC 3339 date-time");
      }
      bool has_message = false, has_user = false;
      if (auto m = block.find("message"); m != block.end()) {
        has_message = true;
        if (!m->is_string()) sink.Error("E094", vwhere, "version " + name + " message is not a string");
      }
      if (auto u = block.find("user"); u != block.end()) {
        has_user = true;
        if (!u->is_object()) {
          sink.Error("E054", vwhere, "version " + name + " user is not a JSON object");
        } else {
          auto nm = u->find("name");
          if (nm == u->end() || !nm->is_string() || nm->get_ref<const std::string&>().empty()) {
            sink.Error("E054", vwhere, "version " + name + " user has no name string");
          }
          auto addr = u->find("address");
          if (addr == u->end()) {
            sink.Warn("W008", vwhere, "version " + name + " user has no address");
          } else if (!addr->is_string()) {
            sink.Error("E054", vwhere, "version " + name + " user address is not a string");
          } else if (!LooksLikeUri(addr->get_ref<const std::string&>())) {
            sink.Warn("W009", vwhere, "version " + name + " user address is not a URI");
          }
        }
      }
      if (!has_message || !has_user) {
        sink.Warn("W007", vwhere, "version " + name + " lacks message or user");
      }
      auto st = block.find("state");
      if (st == block.end()) {
        sink.Error("E048", vwhere, "version " + name + " lacks \"state\"");
        ok = false;
        continue;
      }
      if (!st->is_object()) {
        sink.Error("E050", vwhere, "version " + name + " state is not a JSON object");
        ok = false;
        continue;
      }
      std::vector<std::string> logical;
      auto& state = f.states[name];
      for (const auto& [digest, paths] : st->items()) {
        used_digests.insert(digest);
        if (!manifest_digests.count(digest)) {
          sink.Error("E050", vwhere, "version " + name + " state digest " + digest +
                                         " is not in the manifest");
        }
        if (!paths.is_array()) {
          sink.Error("E051", vwhere, "version " + name + " state value is not an array");
          ok = false;
          continue;
        }
        for (const auto& p : paths) {
          if (!p.is_string()) {
            sink.Error("E051", vwhere, "version " + name + " state holds a non-string path");
            ok = false;
            continue;
          }
          const std::string& lp = p.get_ref<const std::string&>();
          if (std::string_view code = PathRuleBroken(lp, true); !code.empty()) {
            sink.Error(code, vwhere, "version " + name + " logical path \"" + lp + "\"");
          }
          logical.push_back(lp);
          state[lp] = digest;
        }
      }
      CheckUniqueNonConflicting(logical, "E095", vwhere, sink);
    }
  }
  // Manifest entries not used by any version.
  if (!f.version_names.empty()) {
    for (const auto& d : manifest_digests) {
      if (!used_digests.count(d)) {
        sink.Error("E107", where, "manifest digest " + d + " is not used in any version state");
      }
    }
  }
  // Content paths must sit in a version's content directory.
  for (const auto& [cp, digest] : f.manifest) {
    size_t slash = cp.find('/');
    std::string vdir = cp.substr(0, slash);
    std::optional<int> n = VersionNumber(vdir);
    bool known = n && f.version_names.count(*n) && f.version_names[*n] == vdir;
    if (!known) {
      sink.Error("E042", where, "content path \"" + cp + "\" is not inside a version directory");
    } else if (slash == std::string::npos ||
               cp.compare(slash + 1, f.content_directory.size() + 1,
                          f.content_directory + "/") != 0) {
      sink.Error("E015", where,
                 "content path \"" + cp + "\" is not inside the content directory \"" +
                     f.content_directory + "\"");
    }
  }
  // fixity
  if (auto it = j.find("fixity"); it != j.end()) {
    if (!it->is_object()) {
      sink.Error("E111", where, "\"fixity\" is not a JSON object");
    } else {
      for (const auto& [alg, block] : it->items()) {
        if (!IsKnownFixityAlgorithm(alg)) {
          sink.Error("E056", where, "fixity algorithm \"" + alg + "\"");
        }
        if (!block.is_object()) {
          sink.Error("E057", where, "fixity block for " + alg + " is not a JSON object");
          continue;
        }
        std::set<std::string> lower;
        auto& paths_for_alg = f.fixity[alg];
        for (const auto& [digest, paths] : block.items()) {
          if (!lower.insert(Lower(digest)).second) {
            sink.Error("E097", where, "fixity " + alg + " digest " + digest + " repeated");
          }
          if (!paths.is_array()) {
            sink.Error("E057", where, "fixity " + alg + " value for " + digest + " is not an array");
            continue;
          }
          for (const auto& p : paths) {
            if (!p.is_string()) {
              sink.Error("E057", where, "fixity " + alg + " entry is not a string");
              continue;
            }
            const std::string& cp = p.get_ref<const std::string&>();
            if (std::string_view code = PathRuleBroken(cp, false); !code.empty()) {
              sink.Error(code, where, "fixity content path \"" + cp + "\"");
            } else if (!f.manifest.count(cp)) {
              sink.Error("E057", where, "fixity content path \"" + cp + "\" is not in the manifest");
            }
            paths_for_alg[cp] = digest;
          }
        }
      }
    }
  }
  f.usable = ok && !f.version_names.empty();
  return f;
}

// Reads a regular file (never a link, FIFO or device). nullopt + issue when not possible.
std::optional<std::string> ReadSmallFile(const stdfs::path& p, std::string_view code,
                                         const std::string& where, Sink& sink) {
  Kind k = KindOf(p);
  if (k != Kind::kFile) {
    sink.Error(k == Kind::kLink ? "E090" : code, where,
               k == Kind::kLink ? "is a symbolic link" : "is not a regular file");
    return std::nullopt;
  }
  Result<std::string> r = ReadFileToString(p, kMaxJsonBytes);
  if (!r.ok()) {
    sink.Error(code, where, std::string(r.status().message()));
    return std::nullopt;
  }
  return *std::move(r);
}

// Checks the sidecar of the inventory in `dir` (E058, E060, E061). `algorithm` is the
// inventory's digestAlgorithm (may be unusable).
void CheckSidecar(const stdfs::path& dir, const std::string& rel_dir, const std::string& algorithm,
                  const std::string& inventory_bytes, Sink& sink) {
  std::optional<DigestAlgorithm> alg = ParseDigestName(algorithm);
  if (!alg || (algorithm != "sha256" && algorithm != "sha512")) return;  // E025 already said
  const std::string name = SidecarName(algorithm);
  const std::string where = Join(rel_dir, name);
  const stdfs::path p = dir / name;
  if (KindOf(p) == Kind::kMissing) {
    sink.Error("E058", where, "missing sidecar " + name);
    return;
  }
  std::optional<std::string> text = ReadSmallFile(p, "E061", where, sink);
  if (!text) return;
  // "DIGEST<whitespace>inventory.json", optionally followed by a line end.
  std::string_view line = *text;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  const size_t ws = line.find_first_of(" \t");
  const std::string_view digest = line.substr(0, ws);
  std::string_view rest = ws == std::string_view::npos ? std::string_view() : line.substr(ws);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (ws == std::string_view::npos || !IsHex(digest) || rest != "inventory.json") {
    sink.Error("E061", where, "sidecar is not \"DIGEST inventory.json\"");
    return;
  }
  Result<MultiHasher> h = MultiHasher::Create({*alg});
  if (!h.ok()) return;
  h->Update(inventory_bytes);
  const std::string actual = h->Finish().at(0);
  if (Lower(digest) != actual) {
    sink.Error("E060", where,
               "sidecar digest " + std::string(digest) + " != inventory digest " + actual);
  }
}

// One expected digest of a content file, and the code to report when it does not match.
struct Expectation {
  std::string algorithm;
  std::string digest;
  std::string_view code;  // E092 (manifest) or E093 (fixity)
  std::string source;     // which inventory said so
};

// Walks a version's content directory; files go to `files` (object-relative paths).
void WalkContent(const stdfs::path& object_root, const std::string& rel, Sink& sink,
                 std::set<std::string>* files, int depth) {
  Result<std::vector<Entry>> entries = List(object_root / rel);
  if (!entries.ok()) {
    sink.Error("E023", rel, "cannot list: " + std::string(entries.status().message()));
    return;
  }
  if (entries->empty()) {
    sink.Error("E024", rel, "empty directory in content");
    return;
  }
  if (depth > 256) {
    sink.Error("E023", rel, "content hierarchy too deep to validate");
    return;
  }
  for (const auto& e : *entries) {
    std::string child = rel + "/" + e.name;
    switch (e.kind) {
      case Kind::kFile: files->insert(child); break;
      case Kind::kDir: WalkContent(object_root, child, sink, files, depth + 1); break;
      case Kind::kLink: sink.Error("E090", child, "symbolic link in content"); break;
      default: sink.Error("E090", child, "not a regular file or directory"); break;
    }
  }
}

// Compares version `name` of a prior inventory with the same version of the root inventory.
void CompareVersionBlocks(const InventoryFacts& prior, const InventoryFacts& root,
                          const std::string& name, const std::string& where, Sink& sink) {
  auto pstate = prior.states.find(name);
  auto rstate = root.states.find(name);
  if (pstate == prior.states.end() || rstate == root.states.end()) {
    sink.Error("E066", where, "version " + name + " missing in one of the inventories");
    return;
  }
  bool same = true;
  if (pstate->second.size() != rstate->second.size()) same = false;
  const bool same_alg = prior.digest_algorithm == root.digest_algorithm;
  for (const auto& [lp, pdigest] : pstate->second) {
    if (!same) break;
    auto r = rstate->second.find(lp);
    if (r == rstate->second.end()) {
      same = false;
      break;
    }
    if (same_alg) {
      same = Lower(pdigest) == Lower(r->second);
    } else {
      // Different algorithms: the logical path must resolve to the same content files.
      std::set<std::string> pfiles, rfiles;
      for (const auto& [cp, d] : prior.manifest) {
        if (d == pdigest) pfiles.insert(cp);
      }
      for (const auto& [cp, d] : root.manifest) {
        if (d == r->second) rfiles.insert(cp);
      }
      // The prior manifest only knows content up to its own head; compare what it knows.
      bool overlap = false;
      for (const auto& cp : pfiles) {
        if (rfiles.count(cp)) overlap = true;
      }
      same = overlap;
    }
  }
  if (!same) {
    sink.Error("E066", where, "version " + name + " state differs from the root inventory");
  }
  auto pb = prior.version_blocks.find(name);
  auto rb = root.version_blocks.find(name);
  if (pb != prior.version_blocks.end() && rb != root.version_blocks.end()) {
    for (const char* key : {"created", "message", "user"}) {
      auto a = pb->second.find(key);
      auto b = rb->second.find(key);
      bool a_has = a != pb->second.end(), b_has = b != rb->second.end();
      if (a_has != b_has || (a_has && *a != *b)) {
        sink.Warn("W011", where, std::string("version ") + name + " \"" + key +
                                     "\" differs from the root inventory");
      }
    }
  }
}

struct ObjectResult {
  std::string id;            // "" when unknown
  std::string spec_version;  // from the declaration ("1.1", "1.0"), "" when unknown
};

class ObjectValidator {
 public:
  ObjectValidator(const stdfs::path& root, const ValidateOptions& o, Sink& sink)
      : root_(root), opts_(o), sink_(sink) {}

  Status Run(ObjectResult* out) {
    VAULT_ASSIGN_OR_RETURN(std::vector<Entry> entries, List(root_));
    CheckDeclaration(entries);
    out->spec_version = spec_version_;

    const stdfs::path inv_path = root_ / "inventory.json";
    if (KindOf(inv_path) == Kind::kMissing) {
      sink_.Error("E063", "inventory.json", "no inventory in the object root");
      CheckRootEntries(entries, nullptr);
      return Status::Ok();
    }
    std::optional<std::string> bytes = ReadSmallFile(inv_path, "E033", "inventory.json", sink_);
    if (!bytes) {
      CheckRootEntries(entries, nullptr);
      return Status::Ok();
    }
    root_bytes_ = *bytes;
    json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (j.is_discarded()) {
      sink_.Error("E033", "inventory.json", "not well-formed JSON");
      CheckRootEntries(entries, nullptr);
      return Status::Ok();
    }
    {
      ValidationReport scratch;
      Sink s(&scratch);
      root_inv_ = CheckInventory(j, "inventory.json", s);
      for (const auto& e : scratch.errors) sink_.Raw(e, true);
      for (const auto& w : scratch.warnings) {
        root_warning_codes_.insert(w.code);
        sink_.Raw(w, false);
      }
    }
    out->id = root_inv_.id;
    if (!spec_version_.empty() && !root_inv_.spec_version.empty() &&
        root_inv_.spec_version != spec_version_) {
      sink_.Error("E038", "inventory.json",
                  "type is for OCFL " + root_inv_.spec_version + " but the object declares " +
                      spec_version_);
    }
    CheckSidecar(root_, "", root_inv_.digest_algorithm, *bytes, sink_);
    CheckRootEntries(entries, &root_inv_);
    CheckVersions();
    CheckContent();
    if (opts_.check_digests) CheckDigests();
    return Status::Ok();
  }

 private:
  void CheckDeclaration(const std::vector<Entry>& entries) {
    std::vector<const Entry*> decls;
    for (const auto& e : entries) {
      if (e.name.rfind("0=", 0) == 0) decls.push_back(&e);
    }
    if (decls.empty()) {
      sink_.Error("E003", "", "no 0=ocfl_object_<version> declaration");
      return;
    }
    if (decls.size() > 1) {
      sink_.Error("E003", "", "more than one version declaration");
      return;
    }
    const Entry& d = *decls[0];
    const std::string dvalue = d.name.substr(2);
    if (dvalue == "ocfl_object_1.1") {
      spec_version_ = "1.1";
    } else if (dvalue == "ocfl_object_1.0") {
      spec_version_ = "1.0";
    } else {
      sink_.Error("E006", d.name, "declaration \"" + d.name + "\" is not 0=ocfl_object_1.1");
      return;
    }
    std::optional<std::string> text = ReadSmallFile(root_ / d.name, "E007", d.name, sink_);
    if (text && *text != dvalue + "\n") {
      sink_.Error("E007", d.name, "declaration file does not contain \"" + dvalue + "\\n\"");
    }
  }

  void CheckRootEntries(const std::vector<Entry>& entries, const InventoryFacts* inv) {
    std::set<std::string> version_dirs;
    if (inv) {
      for (const auto& [n, name] : inv->version_names) version_dirs.insert(name);
    }
    for (const auto& e : entries) {
      if (e.kind == Kind::kLink) {
        sink_.Error("E090", e.name, "symbolic link in the object root");
        continue;
      }
      if (e.name.rfind("0=", 0) == 0 || e.name == "inventory.json") continue;
      if (e.name.rfind("inventory.json.", 0) == 0 && e.kind == Kind::kFile) {
        // The sidecar for the inventory's algorithm; with an unusable algorithm any is allowed.
        if (!inv || inv->digest_algorithm.empty() || e.name == SidecarName(inv->digest_algorithm) ||
            (inv->digest_algorithm != "sha256" && inv->digest_algorithm != "sha512")) {
          continue;
        }
      }
      if (e.name == "logs" && e.kind == Kind::kDir) continue;
      if (e.name == "extensions" && e.kind == Kind::kDir) {
        CheckExtensions();
        continue;
      }
      if (e.kind == Kind::kDir && version_dirs.count(e.name)) continue;
      if (e.kind == Kind::kDir && VersionNumber(e.name)) {
        // Without a usable inventory the version directories cannot be judged.
        if (inv) sink_.Error("E046", e.name, "version directory not listed in the root inventory");
        continue;
      }
      sink_.Error("E001", e.name, "unexpected entry in the object root");
    }
  }

  void CheckExtensions() {
    Result<std::vector<Entry>> entries = List(root_ / "extensions");
    if (!entries.ok()) {
      sink_.Error("E067", "extensions", std::string(entries.status().message()));
      return;
    }
    for (const auto& e : *entries) {
      const std::string where = "extensions/" + e.name;
      if (e.kind != Kind::kDir) {
        sink_.Error(e.kind == Kind::kLink ? "E090" : "E067", where,
                    "not an extension sub-directory");
      } else if (!RegisteredExtensions().count(e.name)) {
        sink_.Warn("W013", where, "unregistered extension \"" + e.name + "\"");
      }
    }
  }

  void CheckVersions() {
    if (root_inv_.version_names.empty()) return;
    std::string prev_spec;
    std::string prev_name;
    for (const auto& [n, name] : root_inv_.version_names) {
      const stdfs::path vdir = root_ / name;
      Kind k = KindOf(vdir);
      if (k != Kind::kDir) {
        if (k != Kind::kLink) {
          sink_.Error("E010", name, "version directory " + name + " is missing");
        }
        continue;
      }
      Result<std::vector<Entry>> entries = List(vdir);
      if (!entries.ok()) {
        sink_.Error("E010", name, "cannot list: " + std::string(entries.status().message()));
        continue;
      }
      bool has_inventory = false;
      for (const auto& e : *entries) {
        const std::string where = name + "/" + e.name;
        if (e.kind == Kind::kLink) {
          sink_.Error("E090", where, "symbolic link in a version directory");
        } else if (e.name == "inventory.json" && e.kind == Kind::kFile) {
          has_inventory = true;
        } else if (e.kind == Kind::kFile && e.name.rfind("inventory.json.", 0) == 0) {
          // sidecar; checked with the inventory
        } else if (e.kind == Kind::kDir && e.name == root_inv_.content_directory) {
          content_dirs_.push_back(name + "/" + e.name);
        } else if (e.kind == Kind::kDir) {
          sink_.Warn("W002", where, "extra directory in version directory");
        } else {
          sink_.Error("E015", where, "unexpected file in version directory");
        }
      }
      if (!has_inventory) {
        sink_.Warn("W010", name, "no inventory in version directory " + name);
        continue;
      }
      const std::string inv_where = name + "/inventory.json";
      std::optional<std::string> bytes =
          ReadSmallFile(vdir / "inventory.json", "E033", inv_where, sink_);
      if (!bytes) continue;
      json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
      if (j.is_discarded()) {
        sink_.Error("E033", inv_where, "not well-formed JSON");
        continue;
      }
      InventoryFacts inv = CheckVersionInventory(j, inv_where);
      CheckSidecar(vdir, name, inv.digest_algorithm, *bytes, sink_);
      if (!inv.spec_version.empty()) {
        if (!prev_spec.empty() && inv.spec_version < prev_spec) {
          sink_.Error("E103", inv_where,
                      name + " declares OCFL " + inv.spec_version + " after " + prev_name +
                          " declared " + prev_spec);
        }
        if (!spec_version_.empty() && inv.spec_version > spec_version_) {
          sink_.Error("E103", inv_where, name + " declares a later OCFL version than the object");
        }
        prev_spec = inv.spec_version;
        prev_name = name;
      }
      if (name == root_inv_.head) {
        if (*bytes != root_bytes_) {
          sink_.Error("E064", inv_where, "differs from the root inventory.json");
        }
        continue;
      }
      if (!inv.head.empty() && inv.head != name) {
        sink_.Error("E040", inv_where, "head " + inv.head + " in the inventory of " + name);
      }
      if (!inv.id.empty() && !root_inv_.id.empty() && inv.id != root_inv_.id) {
        sink_.Error("E037", inv_where, "id \"" + inv.id + "\" differs from \"" + root_inv_.id + "\"");
      }
      if (inv.content_directory != root_inv_.content_directory) {
        sink_.Error("E019", inv_where, "contentDirectory differs from the root inventory");
      }
      if (!inv.usable) continue;
      for (const auto& [pn, pname] : inv.version_names) {
        if (pn > n) {
          sink_.Error("E066", inv_where, "holds version " + pname + " later than " + name);
          continue;
        }
        CompareVersionBlocks(inv, root_inv_, pname, inv_where, sink_);
      }
      prior_.push_back({name, n, std::move(inv)});
    }
  }

  // Checks a version directory's inventory. Its warnings that repeat a warning code of the root
  // inventory (W001, W004, W007...) are dropped: they say nothing new.
  InventoryFacts CheckVersionInventory(const json& j, const std::string& where) {
    ValidationReport scratch;
    Sink s(&scratch);
    InventoryFacts inv = CheckInventory(j, where, s);
    for (const auto& e : scratch.errors) sink_.Raw(e, true);
    for (const auto& w : scratch.warnings) {
      if (!root_warning_codes_.count(w.code)) sink_.Raw(w, false);
    }
    return inv;
  }

  void CheckContent() {
    for (const auto& cd : content_dirs_) WalkContent(root_, cd, sink_, &files_, 0);
    if (root_inv_.manifest.empty() && root_inv_.version_names.empty()) return;
    for (const auto& f : files_) {
      if (!root_inv_.manifest.count(f)) {
        sink_.Error("E023", f, "content file not referenced in the manifest");
      }
    }
    for (const auto& [cp, digest] : root_inv_.manifest) {
      if (!files_.count(cp)) {
        sink_.Error("E092", cp, "manifest content path does not exist");
      }
    }
    for (const auto& [alg, paths] : root_inv_.fixity) {
      for (const auto& [cp, digest] : paths) {
        if (!files_.count(cp)) {
          sink_.Error("E093", cp, "fixity " + alg + " content path does not exist");
        }
      }
    }
    // Each prior inventory's manifest must cover the content of its versions.
    for (const auto& p : prior_) {
      const std::string where = p.name + "/inventory.json";
      for (const auto& f : files_) {
        std::string vdir = f.substr(0, f.find('/'));
        std::optional<int> n = VersionNumber(vdir);
        if (n && *n <= p.number && !p.inv.manifest.count(f)) {
          sink_.Error("E023", where, "content file " + f + " missing from this manifest");
        }
      }
      for (const auto& [cp, digest] : p.inv.manifest) {
        if (!files_.count(cp)) sink_.Error("E092", where, "content path " + cp + " does not exist");
      }
    }
  }

  void CheckDigests() {
    std::map<std::string, std::vector<Expectation>> want;  // content path -> expectations
    for (const auto& [cp, d] : root_inv_.manifest) {
      want[cp].push_back({root_inv_.digest_algorithm, d, "E092", "inventory.json"});
    }
    for (const auto& [alg, m] : root_inv_.fixity) {
      for (const auto& [cp, d] : m) want[cp].push_back({alg, d, "E093", "inventory.json"});
    }
    for (const auto& p : prior_) {
      for (const auto& [cp, d] : p.inv.manifest) {
        want[cp].push_back({p.inv.digest_algorithm, d, "E092", p.name + "/inventory.json"});
      }
    }
    for (const auto& [cp, exps] : want) {
      if (!files_.count(cp)) continue;  // missing or not a regular file: reported already
      std::vector<DigestAlgorithm> algs;
      for (const auto& e : exps) {
        std::optional<DigestAlgorithm> a = ParseDigestName(e.algorithm);
        if (a && e.algorithm == DigestName(*a) &&
            std::find(algs.begin(), algs.end(), *a) == algs.end()) {
          algs.push_back(*a);
        }
      }
      if (algs.empty()) continue;  // E028: unsupported optional algorithms are ignored
      if (KindOf(root_ / cp) != Kind::kFile) continue;
      Result<FileDigests> got = HashFile(root_ / cp, algs);
      if (!got.ok()) {
        sink_.Error("E092", cp, "cannot read: " + std::string(got.status().message()));
        continue;
      }
      for (const auto& e : exps) {
        std::optional<DigestAlgorithm> a = ParseDigestName(e.algorithm);
        if (!a || e.algorithm != DigestName(*a)) continue;
        size_t idx = static_cast<size_t>(std::find(algs.begin(), algs.end(), *a) - algs.begin());
        const std::string& actual = got->hex.at(idx);
        if (Lower(e.digest) != actual) {
          sink_.Error(e.code, cp,
                      e.source + " gives " + e.algorithm + " " + e.digest + ", file has " + actual);
        }
      }
    }
  }

  struct Prior {
    std::string name;
    int number;
    InventoryFacts inv;
  };

  stdfs::path root_;
  const ValidateOptions& opts_;
  Sink& sink_;
  std::string spec_version_;
  std::string root_bytes_;
  InventoryFacts root_inv_;
  std::vector<Prior> prior_;
  std::vector<std::string> content_dirs_;
  std::set<std::string> files_;
  std::set<std::string> root_warning_codes_;
};

// --- storage root ----------------------------------------------------------------------------

struct Layout {
  bool hashed_n_tuple = false;
  std::optional<HashedNTupleConfig> config;
};

class StorageRootValidator {
 public:
  StorageRootValidator(const stdfs::path& root, const ValidateOptions& o, ValidationReport* r)
      : root_(root), opts_(o), report_(r), sink_(r) {}

  Status Run() {
    VAULT_ASSIGN_OR_RETURN(std::vector<Entry> entries, List(root_));
    CheckDeclaration(entries);
    Layout layout = CheckLayout(entries);
    for (const auto& e : entries) {
      if (e.name.rfind("0=", 0) == 0 || e.name == "ocfl_layout.json") continue;
      if (e.kind == Kind::kLink) {
        sink_.Error("E090", e.name, "symbolic link in the storage root");
      } else if (e.kind == Kind::kDir && e.name == "extensions") {
        CheckExtensions();
      } else if (e.kind == Kind::kDir) {
        Walk(e.name, 1, layout);
      }
      // E087: other files in the storage root are ignored.
    }
    if (top_level_objects_ > 0 && nested_objects_ > 0) {
      sink_.Warn("W015", "", "objects are both top-level and in a directory hierarchy");
    }
    return Status::Ok();
  }

 private:
  void CheckDeclaration(const std::vector<Entry>& entries) {
    std::vector<const Entry*> decls;
    for (const auto& e : entries) {
      if (e.name.rfind("0=", 0) == 0) decls.push_back(&e);
    }
    if (decls.empty()) {
      sink_.Error("E069", "", "no 0=ocfl_1.1 root conformance declaration");
      return;
    }
    if (decls.size() > 1) {
      sink_.Error("E076", "", "more than one version declaration");
      return;
    }
    const std::string dvalue = decls[0]->name.substr(2);
    if (dvalue == "ocfl_1.1") {
      spec_version_ = "1.1";
    } else if (dvalue == "ocfl_1.0") {
      spec_version_ = "1.0";
    } else {
      sink_.Error("E079", decls[0]->name, "declaration is not 0=ocfl_1.1");
      return;
    }
    std::optional<std::string> text =
        ReadSmallFile(root_ / decls[0]->name, "E080", decls[0]->name, sink_);
    if (text && *text != dvalue + "\n") {
      sink_.Error("E080", decls[0]->name, "declaration file does not contain \"" + dvalue + "\\n\"");
    }
  }

  Layout CheckLayout(const std::vector<Entry>& entries) {
    Layout layout;
    bool present = std::any_of(entries.begin(), entries.end(),
                               [](const Entry& e) { return e.name == "ocfl_layout.json"; });
    if (!present) return layout;
    std::optional<std::string> text =
        ReadSmallFile(root_ / "ocfl_layout.json", "E070", "ocfl_layout.json", sink_);
    if (!text) return layout;
    json j = json::parse(text->begin(), text->end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      sink_.Error("E070", "ocfl_layout.json", "not a JSON object");
      return layout;
    }
    auto ext = j.find("extension");
    auto desc = j.find("description");
    if (ext == j.end() || desc == j.end() || !ext->is_string() || !desc->is_string()) {
      sink_.Error("E070", "ocfl_layout.json", "needs string keys extension and description");
      return layout;
    }
    const std::string& name = ext->get_ref<const std::string&>();
    if (!RegisteredExtensions().count(name)) {
      sink_.Error("E071", "ocfl_layout.json", "extension \"" + name + "\" is not registered");
      return layout;
    }
    if (name != kHashedNTupleExtension) return layout;
    layout.hashed_n_tuple = true;
    const std::string cfg_rel = "extensions/" + std::string(kHashedNTupleExtension) + "/config.json";
    const stdfs::path cfg = root_ / cfg_rel;
    if (KindOf(cfg) == Kind::kMissing) {
      layout.config = HashedNTupleConfig{};  // the extension's defaults
      return layout;
    }
    std::optional<std::string> cfg_text = ReadSmallFile(cfg, "E083", cfg_rel, sink_);
    if (!cfg_text) return layout;
    Result<HashedNTupleConfig> c = ParseHashedNTupleConfig(*cfg_text);
    if (!c.ok()) {
      sink_.Error("E083", cfg_rel, std::string(c.status().message()));
      return layout;
    }
    layout.config = *c;
    return layout;
  }

  void CheckExtensions() {
    Result<std::vector<Entry>> entries = List(root_ / "extensions");
    if (!entries.ok()) {
      sink_.Error("E112", "extensions", std::string(entries.status().message()));
      return;
    }
    for (const auto& e : *entries) {
      const std::string where = "extensions/" + e.name;
      if (e.kind != Kind::kDir) {
        sink_.Error(e.kind == Kind::kLink ? "E090" : "E112", where, "not an extension sub-directory");
      } else if (!RegisteredExtensions().count(e.name)) {
        sink_.Warn("W016", where, "unregistered extension \"" + e.name + "\"");
      }
    }
  }

  void Walk(const std::string& rel, int depth, const Layout& layout) {
    if (depth > kMaxHierarchyDepth) {
      sink_.Error("E085", rel, "storage hierarchy too deep; not terminated by an object root");
      return;
    }
    Result<std::vector<Entry>> entries = List(root_ / rel);
    if (!entries.ok()) {
      sink_.Error("E072", rel, "cannot list: " + std::string(entries.status().message()));
      return;
    }
    if (entries->empty()) {
      sink_.Error("E073", rel, "empty directory under the storage root");
      return;
    }
    bool is_object = std::any_of(entries->begin(), entries->end(), [](const Entry& e) {
      return e.name.rfind("0=ocfl_object_", 0) == 0;
    });
    if (is_object) {
      ValidateOne(rel, depth, layout);
      return;
    }
    for (const auto& e : *entries) {
      const std::string child = rel + "/" + e.name;
      if (e.kind == Kind::kDir) {
        Walk(child, depth + 1, layout);
      } else if (e.kind == Kind::kLink) {
        sink_.Error("E090", child, "symbolic link in the storage hierarchy");
      } else {
        sink_.Error("E072", child, "file outside any OCFL object");
      }
    }
  }

  void ValidateOne(const std::string& rel, int depth, const Layout& layout) {
    ++report_->objects_checked;
    (depth == 1 ? top_level_objects_ : nested_objects_)++;
    Sink object_sink(report_);
    object_sink.prefix = rel;
    ObjectValidator v(root_ / rel, opts_, object_sink);
    ObjectResult res;
    Status s = v.Run(&res);
    if (!s.ok()) {
      sink_.Error("E072", rel, "cannot validate object: " + std::string(s.message()));
      return;
    }
    if (!spec_version_.empty() && !res.spec_version.empty() && res.spec_version > spec_version_) {
      sink_.Error("E081", rel, "object declares OCFL " + res.spec_version +
                                   ", later than the storage root's " + spec_version_);
    }
    if (res.id.empty()) return;
    if (auto [it, inserted] = ids_.emplace(res.id, rel); !inserted) {
      sink_.Error("E037", rel, "id \"" + res.id + "\" also used by " + it->second);
    }
    if (layout.hashed_n_tuple && layout.config) {
      Result<std::string> want = HashedNTuplePath(res.id, *layout.config);
      if (want.ok() && *want != rel) {
        sink_.Error("E083", rel, "object \"" + res.id + "\" should be at " + *want);
      }
    }
  }

  stdfs::path root_;
  const ValidateOptions& opts_;
  ValidationReport* report_;
  Sink sink_;
  std::string spec_version_;
  std::map<std::string, std::string> ids_;
  int top_level_objects_ = 0;
  int nested_objects_ = 0;
};

Status CheckReadableDir(const stdfs::path& p) {
  std::error_code ec;
  stdfs::file_status st = stdfs::status(p, ec);
  if (ec || st.type() == stdfs::file_type::not_found) {
    return Status::NotFound("no such directory: " + p.string());
  }
  if (st.type() != stdfs::file_type::directory) {
    return Status::InvalidArgument("not a directory: " + p.string());
  }
  return Status::Ok();
}

}  // namespace

Result<ValidationReport> ValidateObject(const stdfs::path& object_root, const ValidateOptions& o) {
  try {
    VAULT_RETURN_IF_ERROR(CheckReadableDir(object_root));
    ValidationReport report;
    Sink sink(&report);
    ObjectValidator v(object_root, o, sink);
    ObjectResult res;
    VAULT_RETURN_IF_ERROR(v.Run(&res));
    report.objects_checked = 1;
    return report;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("ocfl validate: ") + e.what());
  }
}

Result<ValidationReport> ValidateStorageRoot(const stdfs::path& root, const ValidateOptions& o) {
  try {
    VAULT_RETURN_IF_ERROR(CheckReadableDir(root));
    ValidationReport report;
    StorageRootValidator v(root, o, &report);
    VAULT_RETURN_IF_ERROR(v.Run());
    return report;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("ocfl validate: ") + e.what());
  }
}

Result<ValidationReport> ValidatePath(const stdfs::path& p, const ValidateOptions& o) {
  VAULT_RETURN_IF_ERROR(CheckReadableDir(p));
  Result<std::vector<Entry>> entries = List(p);
  if (!entries.ok()) return entries.status();
  for (const auto& e : *entries) {
    if (e.name.rfind("0=ocfl_", 0) == 0 && e.name.rfind("0=ocfl_object_", 0) != 0) {
      return ValidateStorageRoot(p, o);
    }
  }
  return ValidateObject(p, o);
}

json ReportToJson(const ValidationReport& r) {
  auto issues = [](const std::vector<ValidationIssue>& v) {
    json a = json::array();
    for (const auto& i : v) {
      json o = json::object();
      o["code"] = i.code;
      o["message"] = i.message;
      o["path"] = i.path;
      a.push_back(std::move(o));
    }
    return a;
  };
  json j = json::object();
  j["valid"] = r.valid;
  j["errors"] = issues(r.errors);
  j["warnings"] = issues(r.warnings);
  j["objects_checked"] = r.objects_checked;
  return j;
}

}  // namespace vault::ocfl
