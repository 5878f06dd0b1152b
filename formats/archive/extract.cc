#include "formats/archive/extract.h"

#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include <archive.h>
#include <archive_entry.h>

#include "vault/base/fs.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::archive {
namespace {

constexpr size_t kBufferBytes = 256 * 1024;
constexpr uint64_t kRatioGraceBytes = 1ull << 20;

struct ArchiveFree {
  void operator()(struct archive* a) const noexcept { archive_read_free(a); }
};
using ArchiveReadPtr = std::unique_ptr<struct archive, ArchiveFree>;

// Switches the calling thread to C.UTF-8 for LC_CTYPE while libarchive decodes entry names: in the
// "C" locale libarchive cannot represent UTF-8 names from zip or pax headers at all.
class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale() {
    loc_ = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (loc_ != static_cast<locale_t>(nullptr))
      old_ = uselocale(loc_);
  }
  ~ScopedUtf8Locale() {
    if (loc_ != static_cast<locale_t>(nullptr)) {
      uselocale(old_);
      freelocale(loc_);
    }
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t loc_ = static_cast<locale_t>(nullptr);
  locale_t old_ = static_cast<locale_t>(nullptr);
};

Violation MakeViolation(std::string rule, std::string path, std::string message) {
  return Violation{std::move(rule), std::move(path), std::move(message)};
}

// Strips what tar legitimately writes around names: leading "./" and one trailing '/'.
// Returns an empty string for "." itself.
std::string CleanName(std::string_view raw) {
  while (raw.size() >= 2 && raw[0] == '.' && raw[1] == '/') {
    raw.remove_prefix(2);
  }
  if (raw == ".")
    return "";
  if (!raw.empty() && raw.back() == '/')
    raw.remove_suffix(1);
  return std::string(raw);
}

// The extraction state shared by archives and directory trees: what exists under dest_dir, the
// running totals, and the one file being written.
class Sink {
 public:
  Sink(fs::path dest, const ExtractLimits& limits, bool fsync_files, uint64_t ratio_base)
      : dest_(std::move(dest)), limits_(limits), fsync_(fsync_files), ratio_base_(ratio_base) {}

  ExtractOutcome& outcome() { return outcome_; }

  // Validates an entry name; on success `clean` is the relative path to create.
  std::optional<Violation> CheckName(std::string_view raw, std::string* clean) {
    *clean = CleanName(raw);
    if (!raw.empty() && raw.front() == '/') {
      return MakeViolation("path.absolute", std::string(raw), "entry has an absolute path");
    }
    if (clean->empty() && !raw.empty())
      return std::nullopt;  // "." or "./": the root itself
    Status s = CheckSafeRelativePath(*clean, limits_.max_path_bytes);
    if (!s.ok()) {
      std::string_view msg = s.message();
      std::string rule(msg.substr(0, msg.find(':')));
      return MakeViolation(rule, std::string(raw), "unsafe entry name (" + rule + ")");
    }
    return std::nullopt;
  }

  std::optional<Violation> CountEntry(const std::string& name) {
    if (++entries_ > limits_.max_files) {
      return MakeViolation("archive.file_count", name,
                           "more than " + std::to_string(limits_.max_files) + " entries");
    }
    return std::nullopt;
  }

  // Registers `name` (file or directory) in the NFC table.
  std::optional<Violation> CheckNfc(const std::string& name) {
    std::optional<std::string> nfc = ToNfc(name);
    if (!nfc)
      return MakeViolation("path.invalid_utf8", name, "entry name is not valid UTF-8");
    auto [it, inserted] = nfc_names_.emplace(*nfc, name);
    if (!inserted && it->second != name) {
      return MakeViolation("path.normalization_collision", name,
                           "name collides with '" + it->second + "' after NFC normalisation");
    }
    return std::nullopt;
  }

  // Creates the parent directories of `name`.
  Result<std::optional<Violation>> MakeParents(const std::string& name) {
    size_t pos = 0;
    while ((pos = name.find('/', pos)) != std::string::npos) {
      std::string dir = name.substr(0, pos);
      ++pos;
      VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, MakeDir(dir, name));
      if (v)
        return v;
    }
    return std::optional<Violation>();
  }

  Result<std::optional<Violation>> AddDirectory(const std::string& name) {
    if (explicit_.count(name)) {
      return std::optional<Violation>(
          MakeViolation("archive.duplicate_entry", name, "directory entry appears twice"));
    }
    explicit_.insert(name);
    if (auto v = CountEntry(name))
      return v;
    VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, MakeParents(name));
    if (v)
      return v;
    return MakeDir(name, name);
  }

  // Writes one regular file whose bytes come from `read(buf, cap)` (returns bytes read, 0 at the
  // end, or a Violation / Status).
  template <class ReadFn>
  Result<std::optional<Violation>> AddFile(const std::string& name, ReadFn&& read) {
    if (explicit_.count(name)) {
      return std::optional<Violation>(
          MakeViolation("archive.duplicate_entry", name, "entry name appears twice"));
    }
    explicit_.insert(name);
    if (auto v = CountEntry(name))
      return v;
    if (dirs_.count(name)) {
      return std::optional<Violation>(MakeViolation(
          "archive.path_conflict", name, "name is used both as a directory and as a file"));
    }
    if (auto v = CheckNfc(name))
      return v;
    VAULT_ASSIGN_OR_RETURN(std::optional<Violation> pv, MakeParents(name));
    if (pv)
      return pv;
    fs::path target = dest_ / name;
    ScopedFd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      int err = errno;
      if (err == EEXIST || err == ELOOP || err == ENOTDIR) {
        return std::optional<Violation>(
            MakeViolation("archive.path_conflict", name, "target already exists"));
      }
      return Status::FromErrno(err, "create", target.string());
    }
    files_.insert(name);
    if (!hasher_) {
      VAULT_ASSIGN_OR_RETURN(MultiHasher h, MultiHasher::Create({DigestAlgorithm::kSha256}));
      hasher_ = std::make_unique<MultiHasher>(std::move(h));
    }
    if (buf_.empty())
      buf_.resize(kBufferBytes);
    uint64_t size = 0;
    for (;;) {
      std::variant<size_t, Violation, Status> got = read(buf_.data(), buf_.size());
      if (auto* v = std::get_if<Violation>(&got))
        return std::optional<Violation>(std::move(*v));
      if (auto* s = std::get_if<Status>(&got))
        return std::move(*s);
      size_t n = std::get<size_t>(got);
      if (n == 0)
        break;
      total_ += n;
      size += n;
      if (total_ > limits_.max_total_bytes) {
        return std::optional<Violation>(MakeViolation(
            "archive.total_bytes", name,
            "unpacked size exceeds " + std::to_string(limits_.max_total_bytes) + " bytes"));
      }
      if (ratio_base_ > 0 && total_ > kRatioGraceBytes &&
          static_cast<double>(total_) > limits_.max_ratio * static_cast<double>(ratio_base_)) {
        return std::optional<Violation>(
            MakeViolation("archive.ratio", name,
                          "compression ratio exceeds " + std::to_string(limits_.max_ratio) +
                              " after " + std::to_string(total_) + " unpacked bytes from a " +
                              std::to_string(ratio_base_) + "-byte archive"));
      }
      hasher_->Update(buf_.data(), n);
      VAULT_RETURN_IF_ERROR(WriteAll(fd.get(), std::string_view(buf_.data(), n), target.string()));
    }
    if (fsync_ && ::fsync(fd.get()) != 0)
      return Status::FromErrno(errno, "fsync", target.string());
    VAULT_RETURN_IF_ERROR(fd.Close(target.string()));
    outcome_.files.push_back(ExtractedFile{name, size, hasher_->Finish()[0]});
    return std::optional<Violation>();
  }

  Status SyncDirs() {
    if (!fsync_)
      return Status::Ok();
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      VAULT_RETURN_IF_ERROR(FsyncDir(dest_ / *it));
    }
    return FsyncDir(dest_);
  }

 private:
  Result<std::optional<Violation>> MakeDir(const std::string& dir, const std::string& entry) {
    if (dirs_.count(dir))
      return std::optional<Violation>();
    if (files_.count(dir)) {
      return std::optional<Violation>(MakeViolation(
          "archive.path_conflict", entry, "'" + dir + "' is used both as a file and a directory"));
    }
    if (auto v = CheckNfc(dir))
      return v;
    fs::path p = dest_ / dir;
    if (::mkdir(p.c_str(), 0755) != 0) {
      int err = errno;
      struct stat st;
      if (err == EEXIST && ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        dirs_.insert(dir);
        return std::optional<Violation>();
      }
      if (err == EEXIST || err == ENOTDIR) {
        return std::optional<Violation>(
            MakeViolation("archive.path_conflict", entry, "'" + dir + "' already exists"));
      }
      return Status::FromErrno(err, "mkdir", p.string());
    }
    dirs_.insert(dir);
    created_.push_back(dir);
    return std::optional<Violation>();
  }

  fs::path dest_;
  ExtractLimits limits_;
  bool fsync_;
  uint64_t ratio_base_;
  ExtractOutcome outcome_;
  std::set<std::string> explicit_;  // names of entries seen (files and directory entries)
  std::set<std::string> dirs_;      // directories that exist under dest_
  std::set<std::string> files_;     // files written
  std::map<std::string, std::string> nfc_names_;  // NFC form -> name as given
  std::vector<std::string> created_;
  uint64_t total_ = 0;
  uint64_t entries_ = 0;
  std::unique_ptr<MultiHasher> hasher_;
  std::vector<char> buf_;
};

void SupportFormats(struct archive* a) {
  archive_read_support_format_zip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
}

std::string ArchiveError(struct archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

Status CheckDest(const fs::path& dest_dir) {
  struct stat st;
  if (::stat(dest_dir.c_str(), &st) != 0)
    return Status::FromErrno(errno, "stat", dest_dir.string());
  if (!S_ISDIR(st.st_mode))
    return Status::InvalidArgument("not a directory: " + dest_dir.string());
  return Status::Ok();
}

}  // namespace

bool LooksLikeArchive(const std::filesystem::path& p) {
  ScopedFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid())
    return false;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
    return false;
  ScopedUtf8Locale locale;
  ArchiveReadPtr a(archive_read_new());
  if (!a)
    return false;
  SupportFormats(a.get());
  if (archive_read_open_fd(a.get(), fd.get(), 64 * 1024) != ARCHIVE_OK)
    return false;
  struct archive_entry* e = nullptr;
  int r = archive_read_next_header(a.get(), &e);
  if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
    return true;
  // An empty tar (only the end-of-archive blocks) or an empty zip is still an archive.
  return r == ARCHIVE_EOF && archive_format(a.get()) != 0;
}

Result<ExtractOutcome> ExtractArchive(const std::filesystem::path& archive_path,
                                      const std::filesystem::path& dest_dir,
                                      const ExtractLimits& limits, bool fsync_files) {
  VAULT_RETURN_IF_ERROR(CheckDest(dest_dir));
  ScopedFd fd(::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return Status::FromErrno(errno, "open", archive_path.string());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    return Status::FromErrno(errno, "stat", archive_path.string());
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("not a regular file: " + archive_path.string());
  }
  ScopedUtf8Locale locale;
  Sink sink(dest_dir, limits, fsync_files,
            std::max<uint64_t>(1, static_cast<uint64_t>(st.st_size)));
  auto finish = [&](std::optional<Violation> v) -> Result<ExtractOutcome> {
    sink.outcome().violation = std::move(v);
    VAULT_RETURN_IF_ERROR(sink.SyncDirs());
    return std::move(sink.outcome());
  };
  ArchiveReadPtr a(archive_read_new());
  if (!a)
    return Status::ResourceExhausted("archive_read_new failed");
  SupportFormats(a.get());
  if (archive_read_open_fd(a.get(), fd.get(), 64 * 1024) != ARCHIVE_OK) {
    return finish(MakeViolation("archive.corrupt", "",
                                "not a readable zip or tar archive: " + ArchiveError(a.get())));
  }
  for (;;) {
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN) {
      return finish(MakeViolation("archive.corrupt", "",
                                  "cannot read the next entry: " + ArchiveError(a.get())));
    }
    const char* raw_name = archive_entry_pathname(e);
    if (raw_name == nullptr) {
      return finish(MakeViolation("path.invalid_utf8", "",
                                  "entry name cannot be decoded: " + ArchiveError(a.get())));
    }
    std::string raw(raw_name);
    if (archive_entry_hardlink(e) != nullptr) {
      return finish(MakeViolation("archive.hardlink", raw,
                                  std::string("hard link to '") + archive_entry_hardlink(e) + "'"));
    }
    std::string name;
    if (auto v = sink.CheckName(raw, &name))
      return finish(std::move(v));
    switch (archive_entry_filetype(e)) {
      case AE_IFREG: {
        if (name.empty()) {
          return finish(MakeViolation("path.empty", raw, "file entry without a name"));
        }
        struct archive* ap = a.get();
        auto read = [ap](char* buf, size_t cap) -> std::variant<size_t, Violation, Status> {
          la_ssize_t n = archive_read_data(ap, buf, cap);
          if (n < 0) {
            return MakeViolation("archive.corrupt", "",
                                 "cannot read entry data: " + ArchiveError(ap));
          }
          return static_cast<size_t>(n);
        };
        VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, sink.AddFile(name, read));
        if (v) {
          if (v->path.empty())
            v->path = raw;
          return finish(std::move(v));
        }
        break;
      }
      case AE_IFDIR: {
        if (name.empty())
          break;  // "./"
        VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, sink.AddDirectory(name));
        if (v)
          return finish(std::move(v));
        break;
      }
      case AE_IFLNK:
        return finish(MakeViolation("archive.symlink", raw,
                                    std::string("symbolic link to '") +
                                        (archive_entry_symlink(e) ? archive_entry_symlink(e) : "") +
                                        "'"));
      case AE_IFCHR:
      case AE_IFBLK:
        return finish(MakeViolation("archive.device", raw, "device node"));
      case AE_IFIFO:
        return finish(MakeViolation("archive.fifo", raw, "named pipe (FIFO)"));
      case AE_IFSOCK:
        return finish(MakeViolation("archive.socket", raw, "socket"));
      default:
        return finish(MakeViolation("archive.unsupported_entry", raw, "unsupported entry type"));
    }
  }
  return finish(std::nullopt);
}

namespace {

// Depth-first, sorted walk that never follows symlinks. `rel` is "" for the root.
Result<std::optional<Violation>> CopyDir(const fs::path& src_root, const std::string& rel,
                                         Sink& sink) {
  fs::path dir = rel.empty() ? src_root : src_root / rel;
  VAULT_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirSorted(dir));
  for (const std::string& n : names) {
    std::string child = rel.empty() ? n : rel + "/" + n;
    std::string clean;
    if (auto v = sink.CheckName(child, &clean))
      return v;
    fs::path p = src_root / child;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0)
      return Status::FromErrno(errno, "lstat", p.string());
    if (S_ISLNK(st.st_mode)) {
      return std::optional<Violation>(MakeViolation("archive.symlink", child, "symbolic link"));
    }
    if (S_ISDIR(st.st_mode)) {
      VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, sink.AddDirectory(child));
      if (v)
        return v;
      VAULT_ASSIGN_OR_RETURN(v, CopyDir(src_root, child, sink));
      if (v)
        return v;
      continue;
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      return std::optional<Violation>(MakeViolation("archive.device", child, "device node"));
    }
    if (S_ISFIFO(st.st_mode)) {
      return std::optional<Violation>(MakeViolation("archive.fifo", child, "named pipe (FIFO)"));
    }
    if (S_ISSOCK(st.st_mode)) {
      return std::optional<Violation>(MakeViolation("archive.socket", child, "socket"));
    }
    if (!S_ISREG(st.st_mode)) {
      return std::optional<Violation>(
          MakeViolation("archive.unsupported_entry", child, "unsupported file type"));
    }
    ScopedFd in(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in.valid()) {
      return std::optional<Violation>(MakeViolation(
          "archive.unreadable_source", child,
          "cannot open source file: " + Status::FromErrno(errno, "open", "").ToString()));
    }
    int in_fd = in.get();
    std::string src = p.string();
    auto read = [in_fd, src](char* buf, size_t cap) -> std::variant<size_t, Violation, Status> {
      for (;;) {
        ssize_t r = ::read(in_fd, buf, cap);
        if (r >= 0)
          return static_cast<size_t>(r);
        if (errno != EINTR)
          return Status::FromErrno(errno, "read", src);
      }
    };
    VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, sink.AddFile(child, read));
    if (v)
      return v;
  }
  return std::optional<Violation>();
}

}  // namespace

Result<ExtractOutcome> CopyTree(const std::filesystem::path& src_dir,
                                const std::filesystem::path& dest_dir, const ExtractLimits& limits,
                                bool fsync_files) {
  VAULT_RETURN_IF_ERROR(CheckDest(dest_dir));
  struct stat st;
  if (::lstat(src_dir.c_str(), &st) != 0)
    return Status::FromErrno(errno, "lstat", src_dir.string());
  if (!S_ISDIR(st.st_mode))
    return Status::InvalidArgument("not a directory: " + src_dir.string());
  Sink sink(dest_dir, limits, fsync_files, /*ratio_base=*/0);
  VAULT_ASSIGN_OR_RETURN(std::optional<Violation> v, CopyDir(src_dir, "", sink));
  sink.outcome().violation = std::move(v);
  VAULT_RETURN_IF_ERROR(sink.SyncDirs());
  return std::move(sink.outcome());
}

}  // namespace vault::archive
