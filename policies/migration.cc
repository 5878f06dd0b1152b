#include "policies/migration.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <tuple>
#include <utility>
#include <vector>

#include "policies/toml_util.h"
#include "vault/base/fs.h"
#include "vault/base/unicode.h"

namespace vault::policies {
namespace {

using toml_util::CheckKeys;
using toml_util::LineOf;
using toml_util::Quote;
using toml_util::Where;

// ---- the vocabulary -------------------------------------------------------------------------

struct TargetInfo {
  std::string_view name, extension, puid_hint;
  std::vector<std::string_view> puids;  // what an identifier may call the output
};

const std::vector<TargetInfo>& Targets() {
  // PDF/A-2b is fmt/477; PNG 1.0-1.2 (and APNG, which ImageMagick can write as .png);
  // TIFF 3-6 and generic TIFF; FLAC; WAV (generic and the three fmt chunk forms); Matroska.
  static const std::vector<TargetInfo> kTargets = {
      {"pdfa-2b", "pdf", "fmt/477", {"fmt/477"}},
      {"png", "png", "fmt/13", {"fmt/11", "fmt/12", "fmt/13", "fmt/935"}},
      {"tiff", "tif", "fmt/353", {"fmt/353", "fmt/7", "fmt/8", "fmt/9", "fmt/10"}},
      {"flac", "flac", "fmt/279", {"fmt/279"}},
      {"wav", "wav", "fmt/141", {"fmt/6", "fmt/141", "fmt/142", "fmt/143"}},
      {"ffv1-mkv", "mkv", "fmt/569", {"fmt/569"}},
  };
  return kTargets;
}

const TargetInfo* FindTarget(std::string_view name) {
  for (const TargetInfo& t : Targets()) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

// Which converter can produce which target.
bool CanProduce(std::string_view converter, std::string_view target) {
  if (converter == "libreoffice" || converter == "ghostscript")
    return target == "pdfa-2b";
  if (converter == "imagemagick")
    return target == "png" || target == "tiff";
  if (converter == "ffmpeg")
    return target == "flac" || target == "wav" || target == "ffv1-mkv";
  return false;
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty())
      out += ", ";
    out += n;
  }
  return out;
}

// ---- policy parsing -------------------------------------------------------------------------

constexpr size_t kMaxPolicyBytes = size_t{1} << 20;
constexpr size_t kMaxRules = 256;
constexpr size_t kMaxPuidsPerRule = 512;
constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxTitleBytes = 512;
constexpr size_t kMaxReasonBytes = 4096;
constexpr int64_t kMaxVersion = 1000000000;

bool IsId(std::string_view s) { return toml_util::IsId(s, kMaxIdLength); }

// A required (or, with `required` false, optional) string key; `line` gets the key's line.
Status ReadString(const toml::table& t, std::string_view key, bool required, size_t max_bytes,
                  const Where& w, std::string& out, int& line) {
  line = LineOf(t);
  const toml::node* n = t.get(key);
  if (!n) {
    if (required)
      return w.Bad(line, "missing " + std::string(key));
    return Status::Ok();
  }
  line = LineOf(*n);
  const auto* s = n->as_string();
  if (!s)
    return w.Bad(line, std::string(key) + " must be a string");
  out = s->get();
  if (required && out.empty())
    return w.Bad(line, std::string(key) + " must not be empty");
  if (out.size() > max_bytes) {
    return w.Bad(line, std::string(key) + " is longer than " + std::to_string(max_bytes) +
                           " bytes");
  }
  return Status::Ok();
}

struct PuidAt {
  std::string rule;
  int line = 0;
};

Result<MigrationRule> ParseRule(const toml::table& t, size_t index, std::string_view source,
                                std::set<std::string>& ids, std::vector<int>& puid_lines) {
  MigrationRule r;
  r.line = LineOf(t);
  Where w(source, "rule #" + std::to_string(index + 1));
  int line = r.line;

  // The id first, so every later message names the rule.
  VAULT_RETURN_IF_ERROR(ReadString(t, "id", true, 1024, w, r.id, line));
  if (!IsId(r.id))
    return w.Bad(line, "id " + Quote(r.id) + " must be 1..64 characters of A-Z a-z 0-9 . _ -");
  w.set_what("rule " + Quote(r.id));
  if (!ids.insert(r.id).second)
    return w.Bad(line, "duplicate id " + Quote(r.id));

  VAULT_RETURN_IF_ERROR(CheckKeys(t,
                                  {"id", "category", "title_vi", "title_en", "puids", "target",
                                   "converter", "reason", "enabled"},
                                  w));

  VAULT_RETURN_IF_ERROR(ReadString(t, "category", true, 1024, w, r.category, line));
  if (!IsId(r.category)) {
    return w.Bad(line,
                 "category " + Quote(r.category) + " must be 1..64 characters of A-Z a-z 0-9 . _ -");
  }
  VAULT_RETURN_IF_ERROR(ReadString(t, "title_vi", true, kMaxTitleBytes, w, r.title_vi, line));
  VAULT_RETURN_IF_ERROR(ReadString(t, "title_en", true, kMaxTitleBytes, w, r.title_en, line));
  VAULT_RETURN_IF_ERROR(ReadString(t, "reason", true, kMaxReasonBytes, w, r.reason, line));

  int target_line = r.line;
  VAULT_RETURN_IF_ERROR(ReadString(t, "target", true, 1024, w, r.target, target_line));
  if (!FindTarget(r.target)) {
    return w.Bad(target_line, "target = " + Quote(r.target) + " is not one of " +
                                  JoinNames(MigrationTargets()));
  }
  int conv_line = r.line;
  VAULT_RETURN_IF_ERROR(ReadString(t, "converter", true, 1024, w, r.converter, conv_line));
  const auto& convs = MigrationConverters();
  if (std::find(convs.begin(), convs.end(), r.converter) == convs.end()) {
    return w.Bad(conv_line,
                 "converter = " + Quote(r.converter) + " is not one of " + JoinNames(convs));
  }
  if (!CanProduce(r.converter, r.target)) {
    return w.Bad(conv_line, "converter " + Quote(r.converter) + " cannot produce target " +
                                Quote(r.target));
  }

  if (const toml::node* n = t.get("enabled")) {
    const auto* b = n->as_boolean();
    if (!b)
      return w.Bad(LineOf(*n), "enabled must be true or false");
    r.enabled = b->get();
  }

  const toml::node* pn = t.get("puids");
  if (!pn)
    return w.Bad(r.line, "missing puids");
  const toml::array* pa = pn->as_array();
  if (!pa)
    return w.Bad(LineOf(*pn), "puids must be an array of PRONOM ids");
  if (pa->empty())
    return w.Bad(LineOf(*pn), "puids must not be empty");
  if (pa->size() > kMaxPuidsPerRule) {
    return w.Bad(LineOf(*pn), "puids has more than " + std::to_string(kMaxPuidsPerRule) + " entries");
  }
  const TargetInfo* target = FindTarget(r.target);
  std::map<std::string, int, std::less<>> seen;
  for (const toml::node& e : *pa) {
    const int el = LineOf(e);
    const auto* s = e.as_string();
    if (!s)
      return w.Bad(el, "puids must hold strings");
    const std::string& p = s->get();
    if (!IsPuid(p)) {
      return w.Bad(el, "puid " + Quote(p.size() > 64 ? p.substr(0, 64) + "…" : p) +
                           " is not a PRONOM id (fmt/N or x-fmt/N)");
    }
    if (auto it = seen.find(p); it != seen.end())
      return w.Bad(el, "puid " + Quote(p) + " is listed twice (first on line " +
                           std::to_string(it->second) + ")");
    seen.emplace(p, el);
    if (std::find(target->puids.begin(), target->puids.end(), p) != target->puids.end()) {
      return w.Bad(el, "puid " + Quote(p) + " is the format of this rule's own target " +
                           Quote(r.target) + ": migration loop");
    }
    r.puids.push_back(p);
    puid_lines.push_back(el);
  }
  return r;
}

// Checks across rules (enabled ones): one rule per PUID, no source that is an output format.
Status CheckRuleSet(const MigrationPolicy& p, const std::vector<std::vector<int>>& puid_lines,
                    std::string_view source) {
  std::map<std::string_view, PuidAt> owner;
  // target → the first enabled rule using it (for the message).
  std::map<std::string_view, const MigrationRule*> target_users;
  for (const MigrationRule& r : p.rules) {
    if (r.enabled)
      target_users.emplace(r.target, &r);
  }
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const MigrationRule& r = p.rules[i];
    if (!r.enabled)
      continue;
    const Where w(source, "rule " + Quote(r.id));
    for (size_t j = 0; j < r.puids.size(); ++j) {
      const std::string& puid = r.puids[j];
      const int line = puid_lines[i][j];
      for (const auto& [target, user] : target_users) {
        const auto& outs = FindTarget(target)->puids;
        if (std::find(outs.begin(), outs.end(), puid) != outs.end()) {
          return w.Bad(line, "puid " + Quote(puid) + " is an output format of target " +
                                 Quote(target) + " (rule " + Quote(user->id) + ", line " +
                                 std::to_string(user->line) +
                                 "): migration outputs would be migrated again");
        }
      }
      auto [it, inserted] = owner.emplace(puid, PuidAt{r.id, line});
      if (!inserted) {
        return w.Bad(line, "puid " + Quote(puid) + " is already in rule " +
                               Quote(it->second.rule) + " (line " +
                               std::to_string(it->second.line) + ")");
      }
    }
  }
  return Status::Ok();
}

// ---- paths ----------------------------------------------------------------------------------

constexpr std::string_view kOriginalPrefix = "representations/rep1/data/";
constexpr size_t kMaxPathBytes = 4096;

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

// A relative path of non-empty segments other than "." and "..", valid UTF-8, without
// backslashes or control characters.
bool IsSafePath(std::string_view path) {
  if (path.empty() || path.size() > kMaxPathBytes || path.front() == '/')
    return false;
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\')
      return false;
  }
  if (!IsValidUtf8(path))
    return false;
  for (std::string_view seg : Split(path)) {
    if (seg.empty() || seg == "." || seg == "..")
      return false;
  }
  return true;
}

enum class PathClass { kOriginal, kMigrationOutput, kMetadata, kOther };

// `path` must be safe.
PathClass Classify(std::string_view path) {
  const std::vector<std::string_view> seg = Split(path);
  if (seg.size() == 1 && seg[0] == "METS.xml")
    return PathClass::kMetadata;
  if (seg[0] == "metadata")
    return PathClass::kMetadata;
  if (seg[0] == "representations" && seg.size() >= 3) {
    if ((seg.size() == 3 && seg[2] == "METS.xml") || seg[2] == "metadata")
      return PathClass::kMetadata;
    if (seg[1].substr(0, 5) == "rep2-")
      return PathClass::kMigrationOutput;
    if (seg[1] == "rep1" && seg[2] == "data" && seg.size() >= 4)
      return PathClass::kOriginal;
  }
  return PathClass::kOther;
}

// ---- plan reasons (Vietnamese / English) ----------------------------------------------------

std::string KindName(std::string_view kind) {
  return kind.empty() ? std::string("chưa xác định / unknown") : std::string(kind);
}

PlanSkip Skip(const std::string& object_id, std::string path, std::string puid,
              std::string_view code, std::string reason) {
  return PlanSkip{object_id, std::move(path), std::move(puid), std::string(code),
                  std::move(reason)};
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string NfcOrRaw(const std::string& s) {
  if (IsAscii(s))
    return s;  // ASCII is NFC
  std::optional<std::string> n = ToNfc(s);
  return n ? *std::move(n) : s;
}

// PUID → enabled rule, built once per plan (RuleFor() scans every rule).
using RuleIndex = std::map<std::string_view, const MigrationRule*, std::less<>>;

void PlanObjectFiles(const MigrationPolicy& policy, const RuleIndex& rules, const PlanObject& obj,
                     MigrationPlan& plan) {
  std::map<std::string_view, int> path_count;
  std::set<std::string> existing;  // NFC of every listed path: outputs must not land on one
  for (const PlanFile& f : obj.files) {
    ++path_count[f.path];
    existing.insert(NfcOrRaw(f.path));
  }

  struct Candidate {
    const PlanFile* file;
    const MigrationRule* rule;
    std::string base, keep_ext, output;
  };
  std::vector<Candidate> cands;
  for (const PlanFile& f : obj.files) {
    if (!IsSafePath(f.path)) {
      plan.skipped.push_back(Skip(
          obj.id, EscapeInvalidUtf8(f.path), f.puid, "unsafe_path",
          "Đường dẫn không an toàn (tuyệt đối, '..', '.', đoạn rỗng, '\\', ký tự điều khiển hoặc "
          "UTF-8 sai): không chuyển đổi / Unsafe path (absolute, '..', '.', empty segment, '\\', "
          "control character or invalid UTF-8): not migrated"));
      continue;
    }
    if (path_count[f.path] > 1) {
      plan.skipped.push_back(Skip(obj.id, f.path, f.puid, "duplicate_path",
                                  "Đường dẫn xuất hiện nhiều lần trong hồ sơ: không chuyển đổi / "
                                  "The path is listed more than once in the object: not migrated"));
      continue;
    }
    switch (Classify(f.path)) {
      case PathClass::kMetadata:
        continue;  // never migrated, not worth a line
      case PathClass::kMigrationOutput:
        plan.skipped.push_back(Skip(obj.id, f.path, f.puid, "is_migration_output",
                                    "Tệp là kết quả của một lần chuyển đổi trước: không chuyển "
                                    "đổi lại / The file is the output of an earlier migration: "
                                    "never migrated again"));
        continue;
      case PathClass::kOther:
        plan.skipped.push_back(
            Skip(obj.id, f.path, f.puid, "not_original",
                 "Tệp không thuộc biểu diễn gốc (representations/rep1/data/): không chuyển đổi / "
                 "Not in the original representation (representations/rep1/data/): not "
                 "migrated"));
        continue;
      case PathClass::kOriginal:
        break;
    }
    if (obj.done.count(f.path)) {
      plan.skipped.push_back(Skip(obj.id, f.path, f.puid, "already_migrated",
                                  "Đã được chuyển đổi trong một phiên bản trước / Already "
                                  "migrated by an earlier version"));
      continue;
    }
    if (f.puid.empty()) {
      plan.skipped.push_back(Skip(obj.id, f.path, "", "unidentified",
                                  "Chưa nhận dạng được định dạng (không có PUID): cần lưu trữ viên "
                                  "xem xét / Format not identified (no PUID): an archivist should "
                                  "look at it"));
      continue;
    }
    const auto found = rules.find(f.puid);
    const MigrationRule* rule = found == rules.end() ? nullptr : found->second;
    if (!rule) {
      const std::string fmt = EscapeInvalidUtf8(f.puid) +
                              (f.format_name.empty() ? "" : " (" + EscapeInvalidUtf8(f.format_name) + ")");
      const std::string pol = Quote(policy.id) + " v" + std::to_string(policy.version);
      plan.skipped.push_back(
          Skip(obj.id, f.path, f.puid, "no_rule",
               "Định dạng " + fmt + " không có quy tắc chuyển đổi trong chính sách " + pol +
                   " / Format " + fmt + " has no migration rule in policy " + pol));
      continue;
    }
    Candidate c{&f, rule, OutputPathFor(f.path, rule->target, false),
                OutputPathFor(f.path, rule->target, true), ""};
    cands.push_back(std::move(c));
  }

  // Collisions (see the header): decided on sets, so the input order does not matter.
  std::map<std::string_view, int> base_count;
  for (const Candidate& c : cands)
    ++base_count[c.base];
  for (Candidate& c : cands) {
    const bool clash = base_count[c.base] > 1 || existing.count(c.base) > 0;
    c.output = clash ? c.keep_ext : c.base;
  }
  std::map<std::string_view, int> output_count;
  for (const Candidate& c : cands)
    ++output_count[c.output];
  for (const Candidate& c : cands) {
    const PlanFile& f = *c.file;
    if (c.output.empty() || output_count[c.output] > 1 || existing.count(c.output) > 0) {
      plan.skipped.push_back(
          Skip(obj.id, f.path, f.puid, "output_collision",
               "Không có đường dẫn đầu ra riêng (" + c.keep_ext +
                   " đã bị trùng): cần lưu trữ viên xử lý / No free output path (" + c.keep_ext +
                   " is taken): an archivist must resolve it"));
      continue;
    }
    PlannedMigration m;
    m.object_id = obj.id;
    m.source_path = f.path;
    m.source_puid = f.puid;
    m.source_format = f.format_name;
    m.rule_id = c.rule->id;
    m.target = c.rule->target;
    m.target_puid_hint = std::string(TargetPuidHint(c.rule->target));
    m.converter = c.rule->converter;
    m.output_path = c.output;
    m.reason = c.rule->reason;
    m.source_size = f.size;
    plan.items.push_back(std::move(m));
  }
}

}  // namespace

// ---- public: vocabulary -----------------------------------------------------------------------

const std::vector<std::string_view>& MigrationTargets() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> v;
    for (const TargetInfo& t : Targets())
      v.push_back(t.name);
    return v;
  }();
  return kNames;
}

const std::vector<std::string_view>& MigrationConverters() {
  static const std::vector<std::string_view> kNames = {"libreoffice", "ghostscript", "imagemagick",
                                                       "ffmpeg"};
  return kNames;
}

std::string_view TargetExtension(std::string_view target) {
  const TargetInfo* t = FindTarget(target);
  return t ? t->extension : std::string_view();
}

std::string_view TargetPuidHint(std::string_view target) {
  const TargetInfo* t = FindTarget(target);
  return t ? t->puid_hint : std::string_view();
}

const std::vector<std::string_view>& TargetPuids(std::string_view target) {
  static const std::vector<std::string_view> kNone;
  const TargetInfo* t = FindTarget(target);
  return t ? t->puids : kNone;
}

bool IsPuid(std::string_view s) {
  if (s.substr(0, 2) == "x-")
    s.remove_prefix(2);
  if (s.substr(0, 4) != "fmt/")
    return false;
  s.remove_prefix(4);
  if (s.empty() || s.size() > 6 || s[0] == '0')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- public: policy ---------------------------------------------------------------------------

const MigrationRule* MigrationPolicy::RuleFor(std::string_view puid) const {
  for (const MigrationRule& r : rules) {
    if (!r.enabled)
      continue;
    if (std::find(r.puids.begin(), r.puids.end(), puid) != r.puids.end())
      return &r;
  }
  return nullptr;
}

const MigrationRule* MigrationPolicy::Find(std::string_view rule_id) const {
  for (const MigrationRule& r : rules) {
    if (r.id == rule_id)
      return &r;
  }
  return nullptr;
}

Result<MigrationPolicy> ParseMigrationPolicy(std::string_view toml_text,
                                             std::string_view source_name) {
  const Where top(source_name, "");
  if (toml_text.size() > kMaxPolicyBytes) {
    return top.Bad(1, "policy text is larger than " + std::to_string(kMaxPolicyBytes) + " bytes");
  }
  toml::table root;
  VAULT_RETURN_IF_ERROR(toml_util::Parse(toml_text, source_name, root));
  MigrationPolicy p;
  VAULT_RETURN_IF_ERROR(CheckKeys(root, {"policy", "rule"}, top));

  const toml::table* pt = nullptr;
  VAULT_RETURN_IF_ERROR(toml_util::RequiredTable(root, "policy", top, pt));
  const Where pw(source_name, "policy");
  VAULT_RETURN_IF_ERROR(CheckKeys(*pt, {"id", "version", "applies_to", "description"}, pw));
  int line = LineOf(*pt);
  VAULT_RETURN_IF_ERROR(ReadString(*pt, "id", true, 1024, pw, p.id, line));
  if (!IsId(p.id))
    return pw.Bad(line, "id " + Quote(p.id) + " must be 1..64 characters of A-Z a-z 0-9 . _ -");
  const toml::node* vn = pt->get("version");
  if (!vn)
    return pw.Bad(LineOf(*pt), "missing version");
  const auto* vi = vn->as_integer();
  if (!vi)
    return pw.Bad(LineOf(*vn), "version must be an integer");
  if (vi->get() < 1 || vi->get() > kMaxVersion) {
    return pw.Bad(LineOf(*vn), "version = " + std::to_string(vi->get()) + " must be 1.." +
                                   std::to_string(kMaxVersion));
  }
  p.version = static_cast<int>(vi->get());
  if (pt->get("applies_to")) {
    VAULT_RETURN_IF_ERROR(ReadString(*pt, "applies_to", true, 1024, pw, p.applies_to, line));
    if (p.applies_to != "permanent") {
      return pw.Bad(line, "applies_to = " + Quote(p.applies_to) +
                              " is not \"permanent\" (the only retention kind migrated)");
    }
  }
  VAULT_RETURN_IF_ERROR(
      ReadString(*pt, "description", false, kMaxReasonBytes, pw, p.description, line));

  const toml::node* rn = root.get("rule");
  if (!rn)
    return top.Bad(1, "no [[rule]]: a policy needs at least one rule");
  const toml::array* ra = rn->as_array();
  if (!ra || !ra->is_array_of_tables())
    return top.Bad(LineOf(*rn), "rule must be [[rule]] tables");
  if (ra->empty())
    return top.Bad(LineOf(*rn), "no [[rule]]: a policy needs at least one rule");
  if (ra->size() > kMaxRules) {
    return top.Bad(LineOf(*rn), "more than " + std::to_string(kMaxRules) + " rules");
  }
  std::set<std::string> ids;
  std::vector<std::vector<int>> puid_lines(ra->size());
  for (size_t i = 0; i < ra->size(); ++i) {
    VAULT_ASSIGN_OR_RETURN(MigrationRule r,
                           ParseRule(*ra->get(i)->as_table(), i, source_name, ids, puid_lines[i]));
    p.rules.push_back(std::move(r));
  }
  VAULT_RETURN_IF_ERROR(CheckRuleSet(p, puid_lines, source_name));
  return p;
}

Result<MigrationPolicy> LoadMigrationPolicy(const std::filesystem::path& file) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(file, kMaxPolicyBytes));
  return ParseMigrationPolicy(text, file.string());
}

// ---- public: plans ----------------------------------------------------------------------------

std::string OutputPathFor(std::string_view source_path, std::string_view target) {
  return OutputPathFor(source_path, target, false);
}

std::string OutputPathFor(std::string_view source_path, std::string_view target,
                          bool keep_source_extension) {
  const TargetInfo* t = FindTarget(target);
  if (!t || !IsSafePath(source_path) || source_path.substr(0, kOriginalPrefix.size()) != kOriginalPrefix ||
      source_path.size() == kOriginalPrefix.size()) {
    return "";
  }
  std::string_view rel = source_path.substr(kOriginalPrefix.size());  // "<dir>/<name>"
  const size_t slash = rel.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? "" : rel.substr(0, slash + 1);
  std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  if (!keep_source_extension) {
    const size_t dot = name.rfind('.');
    if (dot != std::string_view::npos && dot > 0)  // ".doc" is a name, not an extension
      name = name.substr(0, dot);
  }
  std::string out = "representations/rep2-" + std::string(t->name) + "/data/" + std::string(dir) +
                    std::string(name) + "." + std::string(t->extension);
  if (IsAscii(out))
    return out;  // ASCII is NFC, and the source path was safe
  std::optional<std::string> nfc = ToNfc(out);
  if (!nfc || !IsSafePath(*nfc))
    return "";
  return *std::move(nfc);
}

MigrationPlan PlanMigrations(const MigrationPolicy& policy, const std::vector<PlanObject>& objects) {
  MigrationPlan plan;
  RuleIndex rules;
  for (const MigrationRule& r : policy.rules) {
    if (!r.enabled)
      continue;
    for (const std::string& p : r.puids)
      rules.emplace(p, &r);  // first wins, as in RuleFor()
  }
  std::map<std::string_view, int> id_count;
  for (const PlanObject& o : objects)
    ++id_count[o.id];
  for (const PlanObject& o : objects) {
    if (id_count[o.id] > 1) {
      plan.skipped.push_back(Skip(o.id, "", "", "duplicate_object",
                                  "Mã hồ sơ xuất hiện nhiều lần trong đầu vào: không lập kế hoạch "
                                  "/ The object id appears more than once in the input: nothing "
                                  "is planned"));
      continue;
    }
    if (o.being_destroyed) {
      plan.skipped.push_back(Skip(o.id, "", "", "destroying",
                                  "Hồ sơ đang trong quá trình hủy: không chuyển đổi / The object "
                                  "is being destroyed: nothing is migrated"));
      continue;
    }
    if (o.retention_kind != policy.applies_to) {
      const std::string kind = KindName(EscapeInvalidUtf8(o.retention_kind));
      plan.skipped.push_back(
          Skip(o.id, "", "", "not_permanent",
               "Thời hạn bảo quản không phải vĩnh viễn (" + kind +
                   "): chính sách chỉ áp dụng cho hồ sơ bảo quản vĩnh viễn / Retention is not "
                   "permanent (" +
                   kind + "): the policy applies to permanently kept records only"));
      continue;
    }
    PlanObjectFiles(policy, rules, o, plan);
  }
  // Deterministic order whatever the input order (every field takes part, so equal keys with
  // different contents cannot swap).
  std::sort(plan.items.begin(), plan.items.end(),
            [](const PlannedMigration& a, const PlannedMigration& b) {
              return std::tie(a.object_id, a.source_path, a.output_path) <
                     std::tie(b.object_id, b.source_path, b.output_path);
            });
  std::sort(plan.skipped.begin(), plan.skipped.end(), [](const PlanSkip& a, const PlanSkip& b) {
    return std::tie(a.object_id, a.path, a.puid, a.reason_code, a.reason) <
           std::tie(b.object_id, b.path, b.puid, b.reason_code, b.reason);
  });
  return plan;
}

std::string PlanToJson(const MigrationPlan& plan) {
  using nlohmann::json;
  const auto s = [](const std::string& v) { return EscapeInvalidUtf8(v); };
  json items = json::array();
  for (const PlannedMigration& m : plan.items) {
    items.push_back({{"object_id", s(m.object_id)},
                     {"source_path", s(m.source_path)},
                     {"source_puid", s(m.source_puid)},
                     {"source_format", s(m.source_format)},
                     {"rule_id", s(m.rule_id)},
                     {"target", s(m.target)},
                     {"target_puid_hint", s(m.target_puid_hint)},
                     {"converter", s(m.converter)},
                     {"output_path", s(m.output_path)},
                     {"source_size", m.source_size},
                     {"reason", s(m.reason)}});
  }
  json skipped = json::array();
  std::map<std::string, uint64_t> by_reason;
  for (const PlanSkip& k : plan.skipped) {
    ++by_reason[k.reason_code];
    skipped.push_back({{"object_id", s(k.object_id)},
                       {"path", s(k.path)},
                       {"puid", s(k.puid)},
                       {"reason_code", s(k.reason_code)},
                       {"reason", s(k.reason)}});
  }
  json counts = json::object();
  for (const auto& [code, n] : by_reason)
    counts[s(code)] = n;
  const json out = {{"planned", plan.items.size()},
                    {"skipped_count", plan.skipped.size()},
                    {"skipped_by_reason", counts},
                    {"items", std::move(items)},
                    {"skipped", std::move(skipped)}};
  return out.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace vault::policies
