// RunSandboxed: run one external converter (or checker) as a confined child process.
//
// Format migration feeds hostile, decades-old files to large C/C++ programs (LibreOffice,
// Ghostscript, ImageMagick, ffmpeg, poppler). Any of them may crash, hang, allocate without
// bound, write without bound or be exploited. A sandboxed run therefore fails only its own job:
//
//  - Process: fork + exec (no shell), in a new session and process group (setsid), with
//    PR_SET_PDEATHSIG(SIGKILL) so the child dies with the daemon. stdin is /dev/null; stdout and
//    stderr go to files in the run directory (their last bytes come back in the result); every
//    other descriptor is closed (close_range, or a bounded close loop). umask 077.
//    PR_SET_NO_NEW_PRIVS is always set (setuid binaries gain nothing).
//  - Environment: cleared; only PATH=/usr/bin:/bin, HOME, TMPDIR (a fresh, empty per-run
//    directory each: LibreOffice profiles, ImageMagick temp files and caches all land there),
//    LANG=C.UTF-8 and SAL_USE_VCLPLUGIN=svp (LibreOffice's headless backend).
//    argv[0] without '/' is resolved in the parent against /usr/bin then /bin only, so a
//    /usr/local/bin stand-in (e.g. a `convert` wrapper) is never picked up.
//  - Resource limits (setrlimit, per process: a converter's children get their own budget):
//    RLIMIT_CPU (soft = cpu_seconds → SIGXCPU, hard = soft + 1 → SIGKILL), RLIMIT_AS,
//    RLIMIT_FSIZE (= output_bytes; also caps the captured stdout/stderr), RLIMIT_CORE = 0,
//    RLIMIT_NOFILE. LibreOffice 7.4 headless needs ~256 MiB of address space for a small
//    document (192 MiB aborts); the default 4 GiB leaves room for large documents and for
//    ffmpeg's per-thread buffers.
//  - Wall clock: enforced by the parent. At the deadline the whole process group gets SIGTERM,
//    then SIGKILL after `kill_grace`. Whatever way the main child ends, the parent then sends
//    SIGKILL to the group (before reaping the leader, so the group id cannot be reused) and
//    reaps the child: no stragglers stay behind. Converters cannot leave the group: setsid()
//    and setpgid() fail with EPERM under the seccomp filter.
//  - No network, two independent layers:
//      1. "netns": unshare(CLONE_NEWNET) when the caller has CAP_SYS_ADMIN (root), else
//         unshare(CLONE_NEWUSER | CLONE_NEWNET) with a one-id uid/gid map. The child then sees
//         only a loopback interface that is down.
//      2. "seccomp": a hand-built classic-BPF filter (architecture checked first: a foreign
//         architecture or the x32 ABI kills the process) that makes socket() fail with EACCES
//         for every address family except AF_UNIX, io_uring_setup() fail with EPERM (io_uring
//         can open sockets by itself) and setsid()/setpgid() fail with EPERM.
//    SandboxResult::network_isolation names the layers that were active: "netns+seccomp",
//    "seccomp" or "netns". When neither can be applied the run fails with kFailedPrecondition
//    and nothing is executed: a converter never runs with network access.
//
// Files: RunSandboxed creates `work_dir` (if needed) and a fresh run directory
// `<work_dir>/.run-XXXXXX` holding home/, tmp/, stdout.log and stderr.log. The child's working
// directory is `work_dir`. home/ and tmp/ are removed after the run; the logs are kept for the
// caller (who owns `work_dir` and removes it).
//
// Threading: RunSandboxed may be called from several threads at once. Between fork and exec
// the child only makes async-signal-safe calls (everything is prepared before fork). It never
// calls waitpid(-1): only its own child is reaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "vault/base/status.h"

namespace vault::migration {

struct Limits {
  // Wall-clock deadline for the whole run, enforced by the parent.
  std::chrono::milliseconds wall{std::chrono::minutes(5)};
  // Time between SIGTERM and SIGKILL when the deadline has passed.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(2)};
  uint64_t cpu_seconds = 300;                   // RLIMIT_CPU, per process
  uint64_t address_space_bytes = 4ull << 30;    // RLIMIT_AS, per process (see header comment)
  uint64_t output_bytes = 2ull << 30;           // RLIMIT_FSIZE: largest file the child may write
  uint64_t open_files = 1024;                   // RLIMIT_NOFILE
};

struct SandboxResult {
  int exit_code = -1;        // exit status when the child exited normally, else -1
  int term_signal = 0;       // signal that ended the child, else 0
  bool timed_out = false;    // the parent killed the group at the wall-clock deadline
  // RLIMIT_FSIZE was hit: the child died of SIGXFSZ, or a file it wrote under work_dir (or its
  // stdout/stderr log) reached output_bytes (for children that ignore SIGXFSZ and get EFBIG).
  bool output_limit_hit = false;
  std::string network_isolation;  // "netns+seccomp", "seccomp" or "netns"
  std::string stdout_tail;        // last kTailBytes of stdout
  std::string stderr_tail;        // last kTailBytes of stderr
  double wall_seconds = 0;
  std::filesystem::path run_dir;  // <work_dir>/.run-XXXXXX (logs kept there)

  // True when the child exited with status 0 and no limit was hit.
  bool Succeeded() const {
    return exit_code == 0 && term_signal == 0 && !timed_out && !output_limit_hit;
  }
  // "exit 3", "signal 9 (Killed)", "timed out after 2.0 s", "output limit hit" …
  std::string Describe() const;
};

inline constexpr size_t kTailBytes = 4096;

// Runs argv (argv[0]: absolute path, or a name looked up in /usr/bin then /bin) confined as
// described above, and waits for it. Returns a SandboxResult for every run that started,
// whatever its outcome (crash, timeout, non-zero exit): judging it is the caller's job.
// Errors (nothing ran): kInvalidArgument (empty argv, NUL bytes, bad limits), kNotFound
// (argv[0] not found), kFailedPrecondition (neither network layer could be applied, or the
// child's setup failed: the message names the step and errno), kIoError (work_dir, pipes, fork).
Result<SandboxResult> RunSandboxed(const std::vector<std::string>& argv,
                                   const std::filesystem::path& work_dir, const Limits& limits);

// Resolves a program name the way RunSandboxed does (/usr/bin, then /bin; paths with '/' are
// taken as they are). kNotFound when no executable file is there.
Result<std::filesystem::path> ResolveProgram(const std::string& name);

}  // namespace vault::migration
