// File-system helpers with the durable-write protocol of DESIGN.md §3:
// temp file → write → fsync → close → rename → fsync directory (→ chmod read-only).
//
// Crash points: CrashPoint(name) is called at every step that matters for crash safety. When
// the environment variable VAULT_CRASH_AT=N is set, the N-th crash point reached by the process
// (counting from 1) kills the process with SIGKILL; VAULT_CRASH_TRACE=1 logs each point. The
// crash-safety integration test uses this to kill the daemon at precise places.
// Threading: all functions are thread-safe (no shared state besides the crash counter).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault {

namespace fs = std::filesystem;

void CrashPoint(std::string_view name);
// Number of crash points passed so far in this process.
uint64_t CrashPointsPassed();

// Owns a file descriptor; closes it on destruction.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& o) noexcept : fd_(o.release()) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  // Closes and reports close(2)'s error (which can carry a deferred write error).
  Status Close(std::string_view path);

 private:
  int fd_ = -1;
};

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view data, std::string_view path);
// Reads a whole file. Fails with kResourceExhausted when it is larger than `max_bytes`.
Result<std::string> ReadFileToString(const fs::path& path, uint64_t max_bytes = 64u << 20);
// Atomically replaces `path` with `data`, durably (see above). Leaves no temp file on failure.
// With `read_only`, the file is chmod 0444 before the rename.
Status WriteFileDurable(const fs::path& path, std::string_view data, bool read_only = false);
Status FsyncPath(const fs::path& path);  // file or directory
Status FsyncDir(const fs::path& dir);
// rename(2), then fsync of the destination's parent (and of the source's parent when different).
Status RenameDurable(const fs::path& from, const fs::path& to);
// rename(2) that never replaces `to` (RENAME_NOREPLACE; on file systems without it, link +
// unlink, where link fails with EEXIST just the same). Not durable by itself. Returns 0 or an
// errno value.
int RenameNoReplace(const fs::path& from, const fs::path& to);
// mkdir -p; fsyncs every parent in which a directory was created.
Status CreateDirsDurable(const fs::path& dir);
// Removes a tree, making directories writable first (stored trees are read-only). Missing is OK.
Status RemoveTree(const fs::path& path);
// chmod a-w on a file or directory.
Status MakeReadOnly(const fs::path& path);

// The names in `dir` (not "." or ".."), sorted bytewise. Never follows anything.
Result<std::vector<std::string>> ListDirSorted(const fs::path& dir);

// True for the temp names WriteFileDurable uses ("<name>.tmp-<12 chars>"): a crash can leave
// one behind, and startup removes them.
bool IsDurableWriteTemp(std::string_view file_name);
// Removes such temp files directly in `dir` (not recursively) whose name starts with
// `only_prefix` (all when empty). Returns how many.
Result<int> SweepDurableWriteTemps(const fs::path& dir, std::string_view only_prefix = "");

// Rules for a relative path that came from outside (a package, a manifest, an API request):
// non-empty, '/'-separated, no leading '/', no empty, '.' or '..' component, no NUL, no
// backslash, no drive letter ("C:"), valid UTF-8, at most `max_len` bytes.
// Returns kInvalidArgument naming the rule that failed.
Status CheckSafeRelativePath(std::string_view path, size_t max_len = 4096);

}  // namespace vault
