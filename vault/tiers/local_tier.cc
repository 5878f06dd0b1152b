#include "vault/tiers/local_tier.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <utility>
#include <vector>

#include "vault/base/fs.h"

namespace vault::tiers {
namespace {

namespace fs = std::filesystem;

std::string TempName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(LocalTier::kTempPrefix);
  for (int i = 0; i < 16; ++i) s.push_back(kChars[rng() % 36]);
  return s;
}

ObjectInfo InfoFromStat(const struct stat& st) {
  ObjectInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return info;
}


// Runs `op` with `dir` temporarily writable by its owner when it is sealed (0555), then
// restores the mode. `op` returns 0 or an errno value.
template <class Op>
int WithWritableDir(const fs::path& dir, Op op) {
  int err = op();
  if (err != EACCES && err != EPERM) return err;
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) return err;
  if ((st.st_mode & S_IWUSR) != 0) return err;  // not sealed: a real permission problem
  if (::chmod(dir.c_str(), (st.st_mode & 07777) | S_IWUSR) != 0) return err;
  err = op();
  ::chmod(dir.c_str(), st.st_mode & 07777);
  return err;
}

struct DirEntry {
  std::string sort_key;  // name, plus '/' for directories: gives whole-key lexicographic order
  std::string name;
  bool is_dir = false;
  ObjectInfo info;
};

// Reads `dir` without following symlinks. ENOENT/ENOTDIR on `dir` itself → empty, OK.
Status ReadDirEntries(const fs::path& dir, std::vector<DirEntry>* out) {
  out->clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return Status::FromErrno(errno, "opendir", dir.string());
  }
  int dfd = ::dirfd(d);
  Status status;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) status = Status::FromErrno(errno, "readdir", dir.string());
      break;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st{};
    if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile
      status = Status::FromErrno(errno, "stat", (dir / e->d_name).string());
      break;
    }
    DirEntry entry;
    entry.name = std::string(name);
    entry.is_dir = S_ISDIR(st.st_mode);
    entry.sort_key = entry.is_dir ? entry.name + "/" : entry.name;
    entry.info = InfoFromStat(st);
    out->push_back(std::move(entry));
  }
  ::closedir(d);
  std::sort(out->begin(), out->end(),
            [](const DirEntry& a, const DirEntry& b) { return a.sort_key < b.sort_key; });
  return status;
}

// Depth-first walk in whole-key lexicographic order. Sets *stop when fn asked to stop.
Status Walk(const fs::path& dir, const std::string& key_dir, std::string_view name_filter,
            const std::function<bool(std::string_view, const ObjectInfo&)>& fn, bool* stop) {
  std::vector<DirEntry> entries;
  VAULT_RETURN_IF_ERROR(ReadDirEntries(dir, &entries));
  for (const DirEntry& e : entries) {
    if (!name_filter.empty() && e.name.compare(0, name_filter.size(), name_filter) != 0) continue;
    if (e.is_dir) {
      VAULT_RETURN_IF_ERROR(Walk(dir / e.name, key_dir + e.name + "/", "", fn, stop));
    } else if (!fn(key_dir + e.name, e.info)) {
      *stop = true;
    }
    if (*stop) return Status::Ok();
  }
  return Status::Ok();
}

// Seals `path` and everything below it: files 0444, directories 0555 (children first, so that
// a directory is writable while its children are changed). What already has the sealed mode is
// not chmod-ed again. A missing path is nothing to seal.
Status SealTree(const fs::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return Status::FromErrno(errno, "stat", path.string());
  }
  if (S_ISLNK(st.st_mode)) return Status::Ok();  // chmod would follow it
  if (S_ISDIR(st.st_mode)) {
    std::vector<DirEntry> entries;
    VAULT_RETURN_IF_ERROR(ReadDirEntries(path, &entries));
    for (const DirEntry& e : entries) VAULT_RETURN_IF_ERROR(SealTree(path / e.name));
    if ((st.st_mode & 07777) != 0555 && ::chmod(path.c_str(), 0555) != 0) {
      return Status::FromErrno(errno, "chmod", path.string());
    }
    return Status::Ok();
  }
  if (S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0444 && ::chmod(path.c_str(), 0444) != 0) {
    return Status::FromErrno(errno, "chmod", path.string());
  }
  return Status::Ok();
}

// Whether `path` and everything below it has no write bit (regular files and directories;
// symlinks and other entries are not looked at). A missing path is sealed.
Result<bool> TreeIsSealed(const fs::path& path, bool check_self) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return true;
    return Status::FromErrno(errno, "stat", path.string());
  }
  constexpr mode_t kWrite = S_IWUSR | S_IWGRP | S_IWOTH;
  if (S_ISREG(st.st_mode)) return !check_self || (st.st_mode & kWrite) == 0;
  if (!S_ISDIR(st.st_mode)) return true;
  if (check_self && (st.st_mode & kWrite) != 0) return false;
  std::vector<DirEntry> entries;
  VAULT_RETURN_IF_ERROR(ReadDirEntries(path, &entries));
  for (const DirEntry& e : entries) {
    VAULT_ASSIGN_OR_RETURN(bool sealed, TreeIsSealed(path / e.name, /*check_self=*/true));
    if (!sealed) return false;
  }
  return true;
}

// The inverse of SealTree for directories: 0755 at and below `path`; files and symlinks are
// left alone. The directory is made writable before its children are read (0555 is readable
// anyway, but this keeps the order of a crash simple: parents first).
Status UnsealTree(const fs::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();  // nothing to unseal
    return Status::FromErrno(errno, "stat", path.string());
  }
  if (!S_ISDIR(st.st_mode)) return Status::Ok();
  if ((st.st_mode & 07777) != 0755 && ::chmod(path.c_str(), 0755) != 0) {
    return Status::FromErrno(errno, "chmod", path.string());
  }
  std::vector<DirEntry> entries;
  VAULT_RETURN_IF_ERROR(ReadDirEntries(path, &entries));
  for (const DirEntry& e : entries) {
    if (e.is_dir) VAULT_RETURN_IF_ERROR(UnsealTree(path / e.name));
  }
  return Status::Ok();
}

}  // namespace

LocalTier::LocalTier(std::string name, std::filesystem::path root)
    : name_(std::move(name)), root_(std::move(root)) {}

Result<fs::path> LocalTier::PathFor(std::string_view key) const {
  if (Status s = CheckSafeRelativePath(key); !s.ok()) {
    return std::move(s).WithContext("tier " + name_ + ": bad key");
  }
  return root_ / fs::path(std::string(key));
}

Result<fs::path> LocalTier::DirFor(std::string_view dir) const {
  if (dir.empty()) return root_;
  return PathFor(dir);
}

void LocalTier::Touch(const fs::path& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  touched_.insert(dir);
}

Status LocalTier::EnsureParent(const fs::path& dir) {
  Status s = CreateDirsDurable(dir);
  if (s.code() == Code::kAlreadyExists) {
    // A parent "directory" of the key is itself a key.
    return Status::FailedPrecondition(std::string(s.message()));
  }
  return s;
}

Status LocalTier::Place(const fs::path& tmp, const fs::path& dest, const fs::path& restore_to) {
  int err = RenameNoReplace(tmp, dest);
  if (err != 0) {
    if (restore_to.empty()) {
      ::unlink(tmp.c_str());
    } else {
      ::rename(tmp.c_str(), restore_to.c_str());
    }
    if (err == EEXIST || err == ENOTEMPTY) {
      return Status::AlreadyExists("tier " + name_ + ": key exists: " + dest.string());
    }
    return Status::FromErrno(err, "rename", dest.string());
  }
  CrashPoint("tier:put:placed");
  Touch(dest.parent_path());
  return Status::Ok();
}

Status LocalTier::CopyToTemp(const fs::path& src, const fs::path& tmp) {
  ScopedFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return Status::FromErrno(errno, "open", src.string());
  struct stat st{};
  if (::fstat(in.get(), &st) != 0) return Status::FromErrno(errno, "stat", src.string());
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("not a regular file: " + src.string());
  ScopedFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out.valid()) return Status::FromErrno(errno, "create", tmp.string());
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Status::FromErrno(errno, "read", src.string()));
    }
    if (n == 0) break;
    if (Status s = WriteAll(out.get(), std::string_view(buf.data(), static_cast<size_t>(n)),
                            tmp.string());
        !s.ok()) {
      return fail(std::move(s));
    }
  }
  if (::fsync(out.get()) != 0) return fail(Status::FromErrno(errno, "fsync", tmp.string()));
  if (Status s = out.Close(tmp.string()); !s.ok()) return fail(std::move(s));
  CrashPoint("tier:put:temp-written");
  return Status::Ok();
}

Status LocalTier::PutFile(std::string_view key, const fs::path& src, bool move) {
  VAULT_ASSIGN_OR_RETURN(fs::path dest, PathFor(key));
  if (dest.filename().string().starts_with(kTempPrefix)) {
    return Status::InvalidArgument("tier " + name_ + ": reserved key name: " + std::string(key));
  }
  const fs::path dir = dest.parent_path();
  VAULT_RETURN_IF_ERROR(EnsureParent(dir));
  struct stat st{};
  if (::lstat(dest.c_str(), &st) == 0) {
    return Status::AlreadyExists("tier " + name_ + ": key exists: " + std::string(key));
  }
  const fs::path tmp = dir / TempName();
  if (move) {
    if (::lstat(src.c_str(), &st) != 0) return Status::FromErrno(errno, "stat", src.string());
    if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("not a regular file: " + src.string());
    if (::rename(src.c_str(), tmp.c_str()) == 0) {
      // The staged file's data may never have been fsynced by whoever wrote it.
      if (Status s = FsyncPath(tmp); !s.ok()) {
        ::rename(tmp.c_str(), src.c_str());
        return s;
      }
      CrashPoint("tier:put:temp-written");
      return Place(tmp, dest, src);
    }
    if (errno != EXDEV) return Status::FromErrno(errno, "rename " + src.string() + " ->", tmp.string());
    // Another file system: copy, then drop the source.
  }
  VAULT_RETURN_IF_ERROR(CopyToTemp(src, tmp));
  VAULT_RETURN_IF_ERROR(Place(tmp, dest, fs::path()));
  if (move && ::unlink(src.c_str()) != 0) return Status::FromErrno(errno, "unlink", src.string());
  return Status::Ok();
}

Status LocalTier::PutBytes(std::string_view key, std::string_view data) {
  VAULT_ASSIGN_OR_RETURN(fs::path dest, PathFor(key));
  if (dest.filename().string().starts_with(kTempPrefix)) {
    return Status::InvalidArgument("tier " + name_ + ": reserved key name: " + std::string(key));
  }
  const fs::path dir = dest.parent_path();
  VAULT_RETURN_IF_ERROR(EnsureParent(dir));
  struct stat st{};
  if (::lstat(dest.c_str(), &st) == 0) {
    return Status::AlreadyExists("tier " + name_ + ": key exists: " + std::string(key));
  }
  const fs::path tmp = dir / TempName();
  {
    ScopedFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out.valid()) return Status::FromErrno(errno, "create", tmp.string());
    auto fail = [&](Status s) {
      ::unlink(tmp.c_str());
      return s;
    };
    if (Status s = WriteAll(out.get(), data, tmp.string()); !s.ok()) return fail(std::move(s));
    if (::fsync(out.get()) != 0) return fail(Status::FromErrno(errno, "fsync", tmp.string()));
    if (Status s = out.Close(tmp.string()); !s.ok()) return fail(std::move(s));
  }
  CrashPoint("tier:put:temp-written");
  return Place(tmp, dest, fs::path());
}

Status LocalTier::Sync() {
  std::set<fs::path> dirs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirs.swap(touched_);
  }
  Status first;
  std::set<fs::path> failed;
  for (const fs::path& d : dirs) {
    Status s = FsyncDir(d);
    // A directory removed since (PruneUp) needs no fsync; its parent was touched instead.
    if (s.ok() || s.code() == Code::kNotFound) continue;
    failed.insert(d);
    if (first.ok()) first = std::move(s);
  }
  if (!failed.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    touched_.insert(failed.begin(), failed.end());
  }
  return first;
}

Result<size_t> LocalTier::ReadAt(std::string_view key, uint64_t offset, void* buf,
                                 size_t n) const {
  VAULT_ASSIGN_OR_RETURN(fs::path path, PathFor(key));
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ELOOP) return Status::FailedPrecondition("symlink, not a key: " + path.string());
    if (errno == ENOTDIR) return Status::NotFound("no such key: " + path.string());
    return Status::FromErrno(errno, "open", path.string());
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat", path.string());
  if (S_ISDIR(st.st_mode)) return Status::NotFound("a directory, not a key: " + path.string());
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition("not a file: " + path.string());
  auto* p = static_cast<char*>(buf);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd.get(), p + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read", path.string());
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

Result<std::string> LocalTier::ReadAll(std::string_view key, uint64_t max_bytes) const {
  VAULT_ASSIGN_OR_RETURN(ObjectInfo info, Stat(key));
  if (info.size > max_bytes) {
    return Status::ResourceExhausted("tier " + name_ + ": " + std::string(key) + " is " +
                                     std::to_string(info.size) + " bytes, limit " +
                                     std::to_string(max_bytes));
  }
  std::string out;
  out.resize(static_cast<size_t>(info.size));
  VAULT_ASSIGN_OR_RETURN(size_t got, ReadAt(key, 0, out.data(), out.size()));
  out.resize(got);  // shrank meanwhile (a damaged copy): return what is there
  return out;
}

Result<ObjectInfo> LocalTier::Stat(std::string_view key) const {
  VAULT_ASSIGN_OR_RETURN(fs::path path, PathFor(key));
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOTDIR) return Status::NotFound("no such key: " + path.string());
    return Status::FromErrno(errno, "stat", path.string());
  }
  if (S_ISDIR(st.st_mode)) return Status::NotFound("a directory, not a key: " + path.string());
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition("not a file: " + path.string());
  return InfoFromStat(st);
}

Status LocalTier::List(std::string_view prefix,
                       const std::function<bool(std::string_view, const ObjectInfo&)>& fn) const {
  // "a/b/c" → walk directory "a/b" with entries filtered by "c"; "a/b/" → all of "a/b".
  size_t slash = prefix.rfind('/');
  std::string_view dir_part = slash == std::string_view::npos ? "" : prefix.substr(0, slash);
  std::string_view name_filter =
      slash == std::string_view::npos ? prefix : prefix.substr(slash + 1);
  if (name_filter.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("tier " + name_ + ": NUL in list prefix");
  }
  VAULT_ASSIGN_OR_RETURN(fs::path dir, DirFor(dir_part));
  std::string key_dir = dir_part.empty() ? "" : std::string(dir_part) + "/";
  bool stop = false;
  return Walk(dir, key_dir, name_filter, fn, &stop);
}

Status LocalTier::ListDir(std::string_view dir,
                          const std::function<bool(std::string_view, bool)>& fn) const {
  VAULT_ASSIGN_OR_RETURN(fs::path path, DirFor(dir));
  std::vector<DirEntry> entries;
  VAULT_RETURN_IF_ERROR(ReadDirEntries(path, &entries));
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  for (const DirEntry& e : entries) {
    if (!fn(e.name, e.is_dir)) break;
  }
  return Status::Ok();
}

Status LocalTier::PruneUp(fs::path dir) {
  while (dir != root_ && dir.string().size() > root_.string().size()) {
    const fs::path parent = dir.parent_path();
    int err = WithWritableDir(parent, [&] { return ::rmdir(dir.c_str()) == 0 ? 0 : errno; });
    if (err == ENOTEMPTY || err == EEXIST) return Status::Ok();
    if (err != 0 && err != ENOENT) return Status::FromErrno(err, "rmdir", dir.string());
    Touch(parent);
    dir = parent;
  }
  return Status::Ok();
}

Status LocalTier::Remove(std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(fs::path path, PathFor(key));
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOTDIR) return Status::NotFound("no such key: " + path.string());
    return Status::FromErrno(errno, "stat", path.string());
  }
  if (S_ISDIR(st.st_mode)) return Status::NotFound("a directory, not a key: " + path.string());
  const fs::path dir = path.parent_path();
  int err = WithWritableDir(dir, [&] { return ::unlink(path.c_str()) == 0 ? 0 : errno; });
  if (err != 0) return Status::FromErrno(err, "unlink", path.string());
  CrashPoint("tier:remove:done");
  Touch(dir);
  return PruneUp(dir);
}

Status LocalTier::PruneEmpty(std::string_view prefix) {
  VAULT_ASSIGN_OR_RETURN(fs::path path, DirFor(prefix));
  // Post-order: children first, so that a chain of empty directories goes in one call.
  std::function<Status(const fs::path&)> prune_below = [&](const fs::path& d) -> Status {
    std::vector<DirEntry> entries;
    VAULT_RETURN_IF_ERROR(ReadDirEntries(d, &entries));
    for (const DirEntry& e : entries) {
      if (!e.is_dir) continue;
      const fs::path child = d / e.name;
      VAULT_RETURN_IF_ERROR(prune_below(child));
      int err = WithWritableDir(d, [&] { return ::rmdir(child.c_str()) == 0 ? 0 : errno; });
      if (err == 0) {
        Touch(d);
      } else if (err != ENOTEMPTY && err != EEXIST && err != ENOENT) {
        return Status::FromErrno(err, "rmdir", child.string());
      }
    }
    return Status::Ok();
  };
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    VAULT_RETURN_IF_ERROR(prune_below(path));
  }
  if (path == root_) return Status::Ok();
  return PruneUp(path);
}

Status LocalTier::Seal(std::string_view prefix) {
  if (prefix.empty()) {
    std::vector<DirEntry> entries;
    VAULT_RETURN_IF_ERROR(ReadDirEntries(root_, &entries));
    for (const DirEntry& e : entries) VAULT_RETURN_IF_ERROR(SealTree(root_ / e.name));
    return Status::Ok();
  }
  VAULT_ASSIGN_OR_RETURN(fs::path path, PathFor(prefix));
  return SealTree(path);
}

Status LocalTier::Unseal(std::string_view prefix) {
  if (prefix.empty()) {
    std::vector<DirEntry> entries;
    VAULT_RETURN_IF_ERROR(ReadDirEntries(root_, &entries));
    for (const DirEntry& e : entries) {
      if (e.is_dir) VAULT_RETURN_IF_ERROR(UnsealTree(root_ / e.name));
    }
    return Status::Ok();
  }
  VAULT_ASSIGN_OR_RETURN(fs::path path, PathFor(prefix));
  return UnsealTree(path);
}

Result<bool> LocalTier::IsSealed(std::string_view prefix) const {
  if (prefix.empty()) return TreeIsSealed(root_, /*check_self=*/false);
  VAULT_ASSIGN_OR_RETURN(fs::path path, PathFor(prefix));
  return TreeIsSealed(path, /*check_self=*/true);
}

std::optional<fs::path> LocalTier::LocalPath(std::string_view key) const {
  auto p = PathFor(key);
  if (!p.ok()) return std::nullopt;
  return *std::move(p);
}

bool LocalTier::IsTemporaryKey(std::string_view key) const {
  size_t slash = key.rfind('/');
  std::string_view last = slash == std::string_view::npos ? key : key.substr(slash + 1);
  return last.starts_with(kTempPrefix);
}

Result<std::unique_ptr<Tier>> OpenLocalTier(std::string name, const fs::path& root) {
  if (root.empty()) return Status::InvalidArgument("local tier " + name + ": empty root path");
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) return Status::IoError("local tier " + name + ": " + ec.message());
  abs = abs.lexically_normal();
  if (abs.has_filename() == false && abs.has_parent_path() && abs != abs.root_path()) {
    abs = abs.parent_path();  // drop a trailing '/'
  }
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(abs));
  struct stat st{};
  if (::stat(abs.c_str(), &st) != 0) return Status::FromErrno(errno, "stat", abs.string());
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("local tier " + name + ": not a directory: " + abs.string());
  }
  return std::unique_ptr<Tier>(std::make_unique<LocalTier>(std::move(name), std::move(abs)));
}

}  // namespace vault::tiers
