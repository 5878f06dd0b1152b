#include "formats/pronom/identify.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <unordered_set>

#include "formats/pronom/container.h"
#include "formats/pronom/droid.h"
#include "formats/pronom/ole2.h"
#include "formats/pronom/signature.h"
#include "formats/pronom/zip.h"
#include "vault/base/fs.h"

namespace vault::pronom {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxWindow = uint64_t{1} << 30;
// Largest prefix of one container entry a container signature looks at.
constexpr uint64_t kMaxEntryBytes = uint64_t{1} << 20;

std::string LowerExtension(std::string_view filename) {
  const size_t slash = filename.find_last_of('/');
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  const size_t dot = filename.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == filename.size()) return "";
  std::string ext(filename.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// pread exactly up to `len` bytes at `offset`; a shorter result only at end of file.
Status ReadAt(int fd, uint64_t offset, uint64_t len, std::string* out, const fs::path& path) {
  out->resize(len);
  size_t got = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, out->data() + got, len - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read", path.string());
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out->resize(got);
  return Status::Ok();
}

class Ole2View : public ContainerView {
 public:
  explicit Ole2View(const Ole2Reader& r) : r_(r) {}
  const std::vector<std::string>& Names() const override { return r_.StreamNames(); }
  Result<std::string> Read(std::string_view name, uint64_t max_bytes) const override {
    return r_.ReadStream(name, max_bytes);
  }

 private:
  const Ole2Reader& r_;
};

class ZipView : public ContainerView {
 public:
  explicit ZipView(const ZipReader& r) : r_(r) {}
  const std::vector<std::string>& Names() const override { return r_.EntryNames(); }
  Result<std::string> Read(std::string_view name, uint64_t max_bytes) const override {
    return r_.ReadEntry(name, max_bytes);
  }

 private:
  const ZipReader& r_;
};

}  // namespace

std::string_view BasisName(Basis b) {
  switch (b) {
    case Basis::kSignature:
      return "signature";
    case Basis::kContainer:
      return "container";
    case Basis::kExtension:
      return "extension";
    case Basis::kNone:
      return "none";
  }
  return "none";
}

// One candidate format: index into sigs_->formats, how it was found, how specific.
struct Identifier::Candidate {
  size_t format = 0;
  Basis basis = Basis::kSignature;
  size_t specificity = 0;  // fixed bytes of the best matching signature
};

Identifier::Identifier() = default;
Identifier::~Identifier() = default;

size_t Identifier::signature_count() const { return sigs_->signatures.size(); }
size_t Identifier::format_count() const { return sigs_->formats.size(); }
size_t Identifier::container_signature_count() const {
  return containers_ ? containers_->signatures.size() : 0;
}

Result<std::shared_ptr<const Identifier>> Identifier::Load(const fs::path& signature_file,
                                                           const fs::path& container_file,
                                                           IdentifierOptions options) {
  std::shared_ptr<Identifier> id(new Identifier());
  VAULT_ASSIGN_OR_RETURN(SignatureFile sigs, LoadSignatureFile(signature_file));
  id->sigs_ = std::make_unique<SignatureFile>(std::move(sigs));
  id->version_ = "DROID V" + id->sigs_->version;
  if (!container_file.empty()) {
    VAULT_ASSIGN_OR_RETURN(ContainerSignatureFile c, LoadContainerSignatureFile(container_file));
    id->containers_ = std::make_unique<ContainerSignatureFile>(std::move(c));
    // container-signature-20260119.xml -> "20260119"
    std::string stem = container_file.stem().string();
    const std::string prefix = "container-signature-";
    std::string date = stem.rfind(prefix, 0) == 0 ? stem.substr(prefix.size()) : "";
    if (date.empty() || !std::all_of(date.begin(), date.end(),
                                     [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
      date = "v" + id->containers_->version;
    }
    id->version_ += "; container " + date;
  }
  options.bof_window = std::min(options.bof_window, kMaxWindow);
  options.eof_window = std::min(options.eof_window, kMaxWindow);
  id->options_ = options;
  return std::shared_ptr<const Identifier>(std::move(id));
}

std::vector<Identifier::Candidate> Identifier::BinaryCandidates(std::string_view bof,
                                                                std::string_view eof,
                                                                uint64_t file_size,
                                                                bool* work_exhausted) const {
  std::vector<Candidate> out;
  const Window w{bof, eof, file_size};
  MatchContext ctx(w);
  const auto& sigs = sigs_->signatures;
  const QuickCheck* quick = sigs_->quick_checks.data();
  for (size_t i = 0; i < sigs.size(); ++i) {
    if (!PassesQuickCheck(quick[i], w) || !Matcher::Matches(sigs[i], ctx)) continue;
    for (size_t f : sigs_->formats_of_signature[i]) {
      auto it = std::find_if(out.begin(), out.end(), [&](const Candidate& c) { return c.format == f; });
      if (it == out.end()) {
        out.push_back({f, Basis::kSignature, sigs[i].fixed_bytes});
      } else {
        it->specificity = std::max(it->specificity, sigs[i].fixed_bytes);
      }
    }
  }
  *work_exhausted = ctx.exhausted();
  return out;
}

void Identifier::ApplyPriorities(std::vector<Candidate>* c) const {
  if (c->size() < 2) return;
  std::unordered_set<uint32_t> dominated;
  for (const Candidate& x : *c) {
    for (uint32_t id : sigs_->formats[x.format].priority_over) dominated.insert(id);
  }
  std::vector<Candidate> kept;
  for (const Candidate& x : *c) {
    if (dominated.count(sigs_->formats[x.format].id) == 0) kept.push_back(x);
  }
  // A priority cycle would remove everything; keep the input then.
  if (!kept.empty()) *c = std::move(kept);
}

Identification Identifier::Finish(std::vector<Candidate> candidates, std::string_view filename,
                                  std::string warning) const {
  Identification out;
  const std::string ext = LowerExtension(filename);
  auto has_ext = [&](size_t f) {
    const auto& exts = sigs_->formats[f].extensions;
    return !ext.empty() && std::find(exts.begin(), exts.end(), ext) != exts.end();
  };
  if (candidates.empty()) {
    // Extension only: formats without binary signatures that list this extension.
    if (!ext.empty()) {
      auto it = sigs_->formats_by_extension.find(ext);
      if (it != sigs_->formats_by_extension.end()) {
        for (size_t f : it->second) {
          if (sigs_->formats[f].signature_ids.empty()) {
            candidates.push_back({f, Basis::kExtension, 0});
          }
        }
      }
    }
    if (warning.empty()) {
      warning = candidates.empty() ? "no signature matched"
                                   : "no signature matched; identified by extension only";
    }
  } else if (candidates.size() > 1 && warning.empty()) {
    warning = "several formats matched";
  }
  // Container matches first, then extension agreement, then specificity; stable otherwise
  // (signature file order).
  std::stable_sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    const bool ac = a.basis == Basis::kContainer, bc = b.basis == Basis::kContainer;
    if (ac != bc) return ac;
    const bool ae = has_ext(a.format), be = has_ext(b.format);
    if (ae != be) return ae;
    return a.specificity > b.specificity;
  });
  for (const Candidate& c : candidates) {
    const FileFormat& f = sigs_->formats[c.format];
    out.matches.push_back({f.puid, f.name, f.version, f.mime, c.basis});
  }
  if (!candidates.empty() && candidates.front().basis != Basis::kExtension) {
    const FileFormat& best = sigs_->formats[candidates.front().format];
    out.extension_mismatch = !best.extensions.empty() && !has_ext(candidates.front().format);
  }
  out.warning = std::move(warning);
  return out;
}

Identification Identifier::IdentifyBuffer(std::string_view bof, std::string_view eof,
                                          uint64_t file_size, std::string_view filename) const {
  bool exhausted = false;
  std::vector<Candidate> c = BinaryCandidates(bof, eof, file_size, &exhausted);
  ApplyPriorities(&c);
  return Finish(std::move(c), filename,
                exhausted ? "signature matching stopped early (work limit)" : "");
}

Result<Identification> Identifier::IdentifyFile(const fs::path& file) const {
  return IdentifyFile(file, nullptr);
}

Result<Identification> Identifier::IdentifyFile(const fs::path& file, IdentifyStats* stats) const {
  IdentifyStats local;
  IdentifyStats& st = stats != nullptr ? *stats : local;
  st = IdentifyStats();
  // O_NONBLOCK: opening a FIFO must not block; a FIFO is refused just below anyway.
  ScopedFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ELOOP) return Status::InvalidArgument("identify " + file.string() + ": symlink refused");
    return Status::FromErrno(errno, "open", file.string());
  }
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) return Status::FromErrno(errno, "stat", file.string());
  if (!S_ISREG(sb.st_mode)) {
    return Status::InvalidArgument("identify " + file.string() + ": not a regular file");
  }
  const auto size = static_cast<uint64_t>(sb.st_size);
  std::string bof, eof;
  bool whole = size <= options_.bof_window + options_.eof_window;
  if (whole) {
    VAULT_RETURN_IF_ERROR(ReadAt(fd.get(), 0, size, &bof, file));
    st.bytes_read += bof.size();
  } else {
    VAULT_RETURN_IF_ERROR(ReadAt(fd.get(), 0, options_.bof_window, &bof, file));
    VAULT_RETURN_IF_ERROR(
        ReadAt(fd.get(), size - options_.eof_window, options_.eof_window, &eof, file));
    st.bytes_read += bof.size() + eof.size();
    if (eof.size() < options_.eof_window) {  // the file shrank under us: use what we have
      whole = true;
    }
  }
  const std::string_view bof_v = bof;
  const std::string_view eof_v = whole ? std::string_view(bof) : std::string_view(eof);
  const uint64_t seen_size = whole ? bof.size() : size;
  const std::string filename = file.filename().string();

  bool exhausted = false;
  // Container triggers are looked for among all binary hits, before priorities: an ODF or OOXML
  // file matches both its own binary signature and the ZIP trigger, which its format has
  // priority over (DROID likewise checks triggers on the raw hits).
  std::vector<Candidate> c = BinaryCandidates(bof_v, eof_v, seen_size, &exhausted);
  std::string warning = exhausted ? "signature matching stopped early (work limit)" : "";

  if (!options_.binary_only && containers_ != nullptr) {
    // The first trigger decides the container type (OLE2 and ZIP are never both matched).
    std::optional<ContainerType> type;
    for (const Candidate& x : c) {
      type = containers_->TriggerFor(sigs_->formats[x.format].puid);
      if (type) break;
    }
    if (type) {
      fd = ScopedFd();  // the reader opens the file itself
      st.container_opened = true;
      std::vector<const ContainerSignature*> hits;
      Status err;
      if (*type == ContainerType::kOle2) {
        auto r = Ole2Reader::Open(file, options_.container_budget);
        if (r.ok()) {
          hits = MatchContainer(*containers_, *type, Ole2View(*r),
                                std::min(kMaxEntryBytes, options_.container_budget));
          st.container_bytes_read = r->bytes_read();
        } else {
          err = r.status();
        }
      } else {
        auto r = ZipReader::Open(file, options_.container_budget);
        if (r.ok()) {
          hits = MatchContainer(*containers_, *type, ZipView(*r),
                                std::min(kMaxEntryBytes, options_.container_budget));
          st.container_bytes_read = r->bytes_read();
        } else {
          err = r.status();
        }
      }
      if (!err.ok()) {
        warning = "container not readable: " + std::string(err.message());
      }
      std::vector<Candidate> cont;
      for (const ContainerSignature* cs : hits) {
        for (const std::string& puid : cs->puids) {
          auto it = sigs_->puid_index.find(puid);
          if (it == sigs_->puid_index.end()) continue;  // PUID unknown to this binary file
          if (std::none_of(cont.begin(), cont.end(),
                           [&](const Candidate& x) { return x.format == it->second; })) {
            size_t spec = 0;
            for (const ContainerFileEntry& e : cs->files) spec += 1 + e.signatures.size();
            cont.push_back({it->second, Basis::kContainer, spec});
          }
        }
      }
      if (!cont.empty()) {
        // The container result replaces the trigger formats; other binary hits stay (after the
        // container ones) unless the container result names the same format.
        for (const Candidate& x : c) {
          const bool trigger = containers_->TriggerFor(sigs_->formats[x.format].puid).has_value();
          const bool dup = std::any_of(cont.begin(), cont.end(),
                                       [&](const Candidate& y) { return y.format == x.format; });
          if (!trigger && !dup) cont.push_back(x);
        }
        c = std::move(cont);
      }
    }
  }
  ApplyPriorities(&c);
  return Finish(std::move(c), filename, std::move(warning));
}

namespace {

// Newest DROID_SignatureFile_V<n>.xml and container-signature-<date>.xml in `dir`.
bool FindIn(const fs::path& dir, fs::path* binary, fs::path* container) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return false;
  uint64_t best_v = 0;
  std::string best_date;
  fs::path b, c;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file(ec)) continue;
    const std::string bp = "DROID_SignatureFile_V", cp = "container-signature-";
    if (name.rfind(bp, 0) == 0 && name.size() > bp.size() + 4 &&
        name.compare(name.size() - 4, 4, ".xml") == 0) {
      const std::string num = name.substr(bp.size(), name.size() - bp.size() - 4);
      if (num.empty() || num.size() > 9 ||
          !std::all_of(num.begin(), num.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
        continue;
      }
      const uint64_t v = std::stoull(num);
      if (b.empty() || v > best_v) {
        best_v = v;
        b = it->path();
      }
    } else if (name.rfind(cp, 0) == 0 && name.size() > cp.size() + 4 &&
               name.compare(name.size() - 4, 4, ".xml") == 0) {
      const std::string date = name.substr(cp.size(), name.size() - cp.size() - 4);
      if (c.empty() || date > best_date) {
        best_date = date;
        c = it->path();
      }
    }
  }
  if (b.empty()) return false;
  *binary = b;
  *container = c;
  return true;
}

}  // namespace

Result<std::pair<fs::path, fs::path>> FindSignatureFiles(const fs::path& preferred_dir) {
  std::vector<fs::path> dirs;
  if (!preferred_dir.empty()) dirs.push_back(preferred_dir);
  if (const char* e = std::getenv("VAULT_PRONOM_DIR"); e != nullptr && *e != '\0') {
    dirs.emplace_back(e);
  }
  if (const char* e = std::getenv("VAULT_CORPORA"); e != nullptr && *e != '\0') {
    dirs.push_back(fs::path(e) / "pronom-droid");
  }
#ifdef VAULT_PRONOM_DEV_CORPORA
  dirs.emplace_back(VAULT_PRONOM_DEV_CORPORA);
#endif
  std::string searched;
  for (const fs::path& d : dirs) {
    fs::path b, c;
    if (FindIn(d, &b, &c)) return std::make_pair(b, c);
    searched += (searched.empty() ? "" : ", ") + d.string();
  }
  return Status::NotFound("no DROID_SignatureFile_V*.xml in " +
                          (searched.empty() ? std::string("(no directory given)") : searched));
}

}  // namespace vault::pronom
