#include "vault/base/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <random>

#include "vault/base/logging.h"
#include "vault/base/unicode.h"

namespace vault {
namespace {

std::atomic<uint64_t> g_crash_points{0};
const uint64_t g_crash_at = [] {
  const char* e = std::getenv("VAULT_CRASH_AT");
  return e ? std::strtoull(e, nullptr, 10) : 0ull;
}();
const bool g_crash_trace = std::getenv("VAULT_CRASH_TRACE") != nullptr;
// By name: the VAULT_CRASH_NAME_N-th (default 1st) passage through the point VAULT_CRASH_NAME.
const char* const g_crash_name = std::getenv("VAULT_CRASH_NAME");
const uint64_t g_crash_name_n = [] {
  const char* e = std::getenv("VAULT_CRASH_NAME_N");
  return e ? std::strtoull(e, nullptr, 10) : 1ull;
}();
std::atomic<uint64_t> g_crash_name_seen{0};

std::string TempSuffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s = ".tmp-";
  for (int i = 0; i < 12; ++i) s.push_back(kChars[rng() % 36]);
  return s;
}

}  // namespace

void CrashPoint(std::string_view name) {
  uint64_t n = g_crash_points.fetch_add(1) + 1;
  if (g_crash_trace) LogInfo("crashpoint", std::to_string(n) + " " + std::string(name));
  if (g_crash_at != 0 && n == g_crash_at) {
    LogWarning("crashpoint", "VAULT_CRASH_AT reached at " + std::string(name) + "; SIGKILL");
    ::kill(::getpid(), SIGKILL);
  }
  if (g_crash_name != nullptr && name == g_crash_name &&
      g_crash_name_seen.fetch_add(1) + 1 == g_crash_name_n) {
    LogWarning("crashpoint", "VAULT_CRASH_NAME reached at " + std::string(name) + "; SIGKILL");
    ::kill(::getpid(), SIGKILL);
  }
}

uint64_t CrashPointsPassed() { return g_crash_points.load(); }

ScopedFd& ScopedFd::operator=(ScopedFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status ScopedFd::Close(std::string_view path) {
  int f = release();
  if (f >= 0 && ::close(f) != 0) return Status::FromErrno(errno, "close", path);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, std::string_view path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write", path);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> ReadFileToString(const fs::path& path, uint64_t max_bytes) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open", path.string());
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat", path.string());
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("not a regular file: " + path.string());
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::ResourceExhausted("file larger than " + std::to_string(max_bytes) +
                                     " bytes: " + path.string());
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (true) {
    if (got == out.size()) out.resize(out.size() + 4096);  // file grew; read what is there
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read", path.string());
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
    if (got > max_bytes) return Status::ResourceExhausted("file too large: " + path.string());
  }
  out.resize(got);
  return out;
}

Status FsyncPath(const fs::path& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open", path.string());
  if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync", path.string());
  return Status::Ok();
}

Status FsyncDir(const fs::path& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open dir", dir.string());
  if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync dir", dir.string());
  return Status::Ok();
}

Status WriteFileDurable(const fs::path& path, std::string_view data, bool read_only) {
  fs::path tmp = path;
  tmp += TempSuffix();
  ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno(errno, "create", tmp.string());
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  if (Status s = WriteAll(fd.get(), data, tmp.string()); !s.ok()) return fail(std::move(s));
  CrashPoint("write-file:written");
  if (::fsync(fd.get()) != 0) return fail(Status::FromErrno(errno, "fsync", tmp.string()));
  if (read_only && ::fchmod(fd.get(), 0444) != 0) {
    return fail(Status::FromErrno(errno, "chmod", tmp.string()));
  }
  if (Status s = fd.Close(tmp.string()); !s.ok()) return fail(std::move(s));
  CrashPoint("write-file:synced");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Status::FromErrno(errno, "rename", path.string()));
  }
  CrashPoint("write-file:renamed");
  return FsyncDir(path.has_parent_path() ? path.parent_path() : fs::path("."));
}

Status RenameDurable(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + from.string() + " ->", to.string());
  }
  CrashPoint("rename:done");
  VAULT_RETURN_IF_ERROR(FsyncDir(to.parent_path()));
  if (from.parent_path() != to.parent_path()) VAULT_RETURN_IF_ERROR(FsyncDir(from.parent_path()));
  return Status::Ok();
}

Status CreateDirsDurable(const fs::path& dir) {
  if (dir.empty()) return Status::Ok();
  struct stat st{};
  if (::stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status::Ok()
                               : Status::AlreadyExists("not a directory: " + dir.string());
  }
  fs::path parent = dir.parent_path();
  if (!parent.empty() && parent != dir) VAULT_RETURN_IF_ERROR(CreateDirsDurable(parent));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FromErrno(errno, "mkdir", dir.string());
  }
  return FsyncDir(parent.empty() ? fs::path(".") : parent);
}

Status RemoveTree(const fs::path& path) {
  std::error_code ec;
  auto st = fs::symlink_status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) return Status::Ok();
  if (st.type() == fs::file_type::directory) {
    ::chmod(path.c_str(), 0755);
    for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      VAULT_RETURN_IF_ERROR(RemoveTree(it->path()));
    }
    if (ec) return Status::IoError("list " + path.string() + ": " + ec.message());
    if (::rmdir(path.c_str()) != 0) return Status::FromErrno(errno, "rmdir", path.string());
    return Status::Ok();
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "unlink", path.string());
  }
  return Status::Ok();
}

Status MakeReadOnly(const fs::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat", path.string());
  mode_t mode = st.st_mode & 07555;
  if (::chmod(path.c_str(), mode) != 0) return Status::FromErrno(errno, "chmod", path.string());
  return Status::Ok();
}

Result<std::vector<std::string>> ListDirSorted(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return Status::FromErrno(ec.value(), "list", dir.string());
  std::sort(names.begin(), names.end());
  return names;
}

bool IsDurableWriteTemp(std::string_view name) {
  size_t pos = name.rfind(".tmp-");
  if (pos == std::string_view::npos || pos == 0 || name.size() - pos != 5 + 12) return false;
  for (char c : name.substr(pos + 5)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Result<int> SweepDurableWriteTemps(const fs::path& dir, std::string_view only_prefix) {
  int removed = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!IsDurableWriteTemp(name) || name.rfind(only_prefix, 0) != 0) continue;
    if (::unlink(it->path().c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno(errno, "unlink", it->path().string());
    }
    ++removed;
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IoError("list " + dir.string() + ": " + ec.message());
  }
  return removed;
}

Status CheckSafeRelativePath(std::string_view path, size_t max_len) {
  auto bad = [&](std::string_view rule) {
    return Status::InvalidArgument(std::string(rule) + ": '" + std::string(path) + "'");
  };
  if (path.empty()) return bad("path.empty");
  if (path.size() > max_len) return bad("path.too_long");
  if (path.find('\0') != std::string_view::npos) return bad("path.nul");
  if (!IsValidUtf8(path)) return bad("path.invalid_utf8");
  if (path.front() == '/') return bad("path.absolute");
  if (path.find('\\') != std::string_view::npos) return bad("path.backslash");
  if (path.size() >= 2 && path[1] == ':' &&
      ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'))) {
    return bad("path.drive_letter");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(start, end - start);
    if (comp.empty()) return bad("path.empty_component");
    if (comp == ".") return bad("path.dot_component");
    if (comp == "..") return bad("path.parent_reference");
    for (unsigned char c : comp) {
      if (c < 0x20 || c == 0x7f) return bad("path.control_character");
    }
    start = end + 1;
  }
  return Status::Ok();
}

int RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  int err = errno;
  if (err != EINVAL && err != ENOSYS && err != ENOTSUP) return err;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  if (::unlink(from.c_str()) != 0) {
    err = errno;
    ::unlink(to.c_str());
    return err;
  }
  return 0;
}

}  // namespace vault
