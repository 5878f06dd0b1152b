#include "formats/migration/sandbox.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <system_error>

#include "vault/base/fs.h"

namespace vault::migration {
namespace {

namespace stdfs = std::filesystem;

// ---- seccomp -------------------------------------------------------------------------------

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
constexpr bool kHaveSeccompArch = true;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
constexpr bool kHaveSeccompArch = true;
#else
constexpr uint32_t kAuditArch = 0;
constexpr bool kHaveSeccompArch = false;  // only the network namespace can be used
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr uint32_t kArg0Low = offsetof(seccomp_data, args);
#else
constexpr uint32_t kArg0Low = offsetof(seccomp_data, args) + 4;
#endif

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

constexpr sock_filter Stmt(uint16_t code, uint32_t k) { return sock_filter{code, 0, 0, k}; }
constexpr sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return sock_filter{code, jt, jf, k};
}

// The filter (jump offsets are relative to the next instruction):
//   arch != native            → kill process
//   nr has the x32 bit        → kill process (x86-64 only)
//   socket(AF_UNIX, …)        → allow; socket(any other family) → EACCES
//   io_uring_setup, setsid, setpgid → EPERM
//   everything else           → allow
constexpr std::array<sock_filter, 16> kFilter = {{
    /* 0 */ Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
    /* 1 */ Jump(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
    /* 2 */ Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    /* 3 */ Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
#if defined(__x86_64__)
    /* 4 */ Jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1),
    /* 5 */ Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#else
    /* 4 */ Jump(BPF_JMP | BPF_JA, 0, 0, 0),  // no-op pair keeps the offsets below valid
    /* 5 */ Jump(BPF_JMP | BPF_JA, 0, 0, 0),
#endif
    /* 6 */ Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4),
    /* 7 */ Stmt(BPF_LD | BPF_W | BPF_ABS, kArg0Low),
    /* 8 */ Jump(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
    /* 9 */ Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 10 */ Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    /* 11 */ Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 2, 0),
    /* 12 */ Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsid, 1, 0),
    /* 13 */ Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_setpgid, 0, 1),
    /* 14 */ Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    /* 15 */ Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
}};

// ---- child → parent records ----------------------------------------------------------------

enum class Step : int32_t {
  kNone = 0,
  kSetsid,
  kDeathSignal,
  kUserNsMap,
  kUmask,
  kRlimit,
  kChdir,
  kStdin,
  kStdout,
  kStderr,
  kCloseFds,
  kNoNewPrivs,
  kSeccomp,
  kNoIsolation,
  kFork,
  kExec,
};

const char* StepName(Step s) {
  switch (s) {
    case Step::kNone: return "none";
    case Step::kSetsid: return "setsid";
    case Step::kDeathSignal: return "prctl(PR_SET_PDEATHSIG)";
    case Step::kUserNsMap: return "write uid/gid map";
    case Step::kUmask: return "umask";
    case Step::kRlimit: return "setrlimit";
    case Step::kChdir: return "chdir(work_dir)";
    case Step::kStdin: return "open /dev/null as stdin";
    case Step::kStdout: return "open stdout log";
    case Step::kStderr: return "open stderr log";
    case Step::kCloseFds: return "close inherited descriptors";
    case Step::kNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case Step::kSeccomp: return "install seccomp filter";
    case Step::kNoIsolation: return "network isolation (neither netns nor seccomp available)";
    case Step::kFork: return "fork converter";
    case Step::kExec: return "execve";
  }
  return "?";
}

enum class RecordKind : int32_t { kSeccompOn = 1, kFailure = 2, kChildStatus = 3 };

struct Record {
  RecordKind kind;
  int32_t step;   // Step for kFailure
  int32_t value;  // errno for kFailure, wait status for kChildStatus
};

// Everything the child needs, prepared before fork: the child only makes async-signal-safe
// calls (no allocation, no locks).
struct ChildPlan {
  const char* program = nullptr;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* work_dir = nullptr;
  const char* stdout_path = nullptr;
  const char* stderr_path = nullptr;
  const char* uid_map = nullptr;  // non-null: write the maps (new user namespace)
  const char* gid_map = nullptr;
  bool pid_ns = false;             // the child is pid 1 of a new pid namespace
  bool net_ns = false;             // the child is in a new network namespace
  int status_fd = -1;              // write end of the record pipe (CLOEXEC)
  std::array<rlimit, 5> rlimits{};
  std::array<int, 5> rlimit_ids{};
};

void WriteRecord(int fd, RecordKind kind, Step step, int value) {
  Record r{kind, static_cast<int32_t>(step), value};
  ssize_t n;
  do {
    n = ::write(fd, &r, sizeof r);
  } while (n < 0 && errno == EINTR);
}

[[noreturn]] void ChildFail(const ChildPlan& plan, Step step, int err) {
  WriteRecord(plan.status_fd, RecordKind::kFailure, step, err);
  ::_exit(127);
}

bool WriteSmallFile(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t len = ::strlen(text);
  ssize_t n = ::write(fd, text, len);
  ::close(fd);
  return n == static_cast<ssize_t>(len);
}

int RedirectFd(const char* path, int flags, int target) {
  int fd = ::open(path, flags | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  if (fd != target) {
    if (::dup2(fd, target) < 0) return errno;  // dup2 clears FD_CLOEXEC on target
    ::close(fd);
  } else if (::fcntl(fd, F_SETFD, 0) < 0) {
    return errno;
  }
  return 0;
}

// Runs in the child (pid 1 of the new pid namespace when plan.pid_ns). Never returns.
[[noreturn]] void ChildMain(ChildPlan& plan) {
  if (::setsid() < 0) ChildFail(plan, Step::kSetsid, errno);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(plan, Step::kDeathSignal, errno);
  if (plan.uid_map != nullptr) {
    // Own uid/gid mapped to themselves; setgroups must be denied before gid_map is written.
    if (!WriteSmallFile("/proc/self/setgroups", "deny") ||
        !WriteSmallFile("/proc/self/uid_map", plan.uid_map) ||
        !WriteSmallFile("/proc/self/gid_map", plan.gid_map)) {
      ChildFail(plan, Step::kUserNsMap, errno);
    }
  }
  ::umask(077);
  for (size_t i = 0; i < plan.rlimits.size(); ++i) {
    if (::setrlimit(plan.rlimit_ids[i], &plan.rlimits[i]) != 0) {
      ChildFail(plan, Step::kRlimit, errno);
    }
  }
  if (::chdir(plan.work_dir) != 0) ChildFail(plan, Step::kChdir, errno);
  if (int e = RedirectFd("/dev/null", O_RDONLY, 0); e != 0) ChildFail(plan, Step::kStdin, e);
  if (int e = RedirectFd(plan.stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 1); e != 0) {
    ChildFail(plan, Step::kStdout, e);
  }
  if (int e = RedirectFd(plan.stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 2); e != 0) {
    ChildFail(plan, Step::kStderr, e);
  }
  // The status pipe is fd 3 (the parent arranged that); close everything above it.
  if (::syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    rlim_t top = nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > 65536 ? 65536
                                                                              : nofile.rlim_cur;
    for (rlim_t fd = 4; fd < top; ++fd) ::close(static_cast<int>(fd));
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail(plan, Step::kNoNewPrivs, errno);
  bool seccomp_on = false;
  if (kHaveSeccompArch) {
    sock_fprog prog{static_cast<unsigned short>(kFilter.size()),
                    const_cast<sock_filter*>(kFilter.data())};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) {
      seccomp_on = true;
    }
  }
  if (seccomp_on) WriteRecord(plan.status_fd, RecordKind::kSeccompOn, Step::kNone, 0);
  if (!seccomp_on && !plan.net_ns) ChildFail(plan, Step::kNoIsolation, ENOSYS);

  if (!plan.pid_ns) {
    // Without a pid namespace the child itself becomes the converter: the parent's process
    // group kill is then the only cleanup.
    ::execve(plan.program, plan.argv.data(), plan.envp.data());
    ChildFail(plan, Step::kExec, errno);
  }
  // pid 1 of the namespace: start the converter, reap everything until it has exited, report
  // its wait status, exit. The kernel then kills and reaps whatever is left in the namespace.
  pid_t converter = ::fork();
  if (converter < 0) ChildFail(plan, Step::kFork, errno);
  if (converter == 0) {
    ::execve(plan.program, plan.argv.data(), plan.envp.data());
    ChildFail(plan, Step::kExec, errno);
  }
  for (;;) {
    int status = 0;
    pid_t p = ::waitpid(-1, &status, 0);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) ::_exit(126);
    if (p == converter) {
      WriteRecord(plan.status_fd, RecordKind::kChildStatus, Step::kNone, status);
      ::_exit(0);
    }
  }
}

// ---- parent helpers ------------------------------------------------------------------------

double SecondsSince(const timespec& t0) {
  timespec t1{};
  ::clock_gettime(CLOCK_MONOTONIC, &t1);
  return static_cast<double>(t1.tv_sec - t0.tv_sec) +
         static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

std::string ReadTail(const stdfs::path& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return "";
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  off_t start = st.st_size > static_cast<off_t>(kTailBytes) ? st.st_size - kTailBytes : 0;
  std::string out(kTailBytes, '\0');
  ssize_t n = ::pread(fd.get(), out.data(), out.size(), start);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// True when any regular file under `dir` (not following symlinks; at most 100000 entries
// looked at) has reached `limit` bytes.
bool AnyFileAtLimit(const stdfs::path& dir, uint64_t limit) {
  std::error_code ec;
  stdfs::recursive_directory_iterator it(dir, stdfs::directory_options::skip_permission_denied,
                                         ec);
  int seen = 0;
  for (; !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (++seen > 100000) break;
    std::error_code ec2;
    if (it->is_symlink(ec2)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec2) && it->file_size(ec2) >= limit && !ec2) return true;
  }
  return false;
}

// Waits until `pid` has exited (without reaping it) or `deadline_ms` passed. True if exited.
bool WaitExitedNoReap(pid_t pid, int pidfd, const timespec& t0, double deadline_s) {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      return true;
    }
    double left = deadline_s - SecondsSince(t0);
    if (left <= 0) return false;
    int ms = static_cast<int>(left * 1000) + 1;
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, ms > 1000 ? 1000 : ms);
    } else {
      timespec nap{0, 10'000'000};
      ::nanosleep(&nap, nullptr);
    }
  }
}

}  // namespace

std::string SandboxResult::Describe() const {
  std::string s;
  auto add = [&s](const std::string& part) {
    if (!s.empty()) s += ", ";
    s += part;
  };
  if (timed_out) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "timed out after %.1f s", wall_seconds);
    add(buf);
  }
  if (output_limit_hit) add("output limit hit");
  if (term_signal != 0) {
    const char* name = ::strsignal(term_signal);
    add("signal " + std::to_string(term_signal) + " (" + (name ? name : "?") + ")");
  }
  if (exit_code >= 0) add("exit " + std::to_string(exit_code));
  return s.empty() ? "no status" : s;
}

Result<stdfs::path> ResolveProgram(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("sandbox: empty program name");
  auto executable = [](const stdfs::path& p) {
    struct stat st{};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (executable(name)) return stdfs::path(name);
    return Status::NotFound("sandbox: program not found or not executable: " + name);
  }
  for (const char* dir : {"/usr/bin", "/bin"}) {
    stdfs::path p = stdfs::path(dir) / name;
    if (executable(p)) return p;
  }
  return Status::NotFound("sandbox: program not found in /usr/bin or /bin: " + name);
}

Result<SandboxResult> RunSandboxed(const std::vector<std::string>& argv,
                                   const stdfs::path& work_dir, const Limits& limits) {
  if (argv.empty()) return Status::InvalidArgument("sandbox: empty argv");
  for (const auto& a : argv) {
    if (a.find('\0') != std::string::npos) {
      return Status::InvalidArgument("sandbox: NUL byte in argument");
    }
  }
  if (limits.wall.count() <= 0 || limits.cpu_seconds == 0 || limits.output_bytes == 0 ||
      limits.address_space_bytes == 0 || limits.open_files < 8) {
    return Status::InvalidArgument("sandbox: limits must be positive (open_files >= 8)");
  }
  VAULT_ASSIGN_OR_RETURN(stdfs::path program, ResolveProgram(argv[0]));

  // Per-run directory with a fresh HOME and TMPDIR.
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(work_dir));
  std::string tmpl = (work_dir / ".run-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Status::FromErrno(errno, "mkdtemp", tmpl);
  SandboxResult result;
  result.run_dir = stdfs::absolute(tmpl);
  const stdfs::path home = result.run_dir / "home";
  const stdfs::path tmp = result.run_dir / "tmp";
  for (const auto& d : {home, tmp}) {
    if (::mkdir(d.c_str(), 0700) != 0) return Status::FromErrno(errno, "mkdir", d.string());
  }
  const std::string stdout_path = (result.run_dir / "stdout.log").string();
  const std::string stderr_path = (result.run_dir / "stderr.log").string();
  const std::string abs_work = stdfs::absolute(work_dir).string();

  // argv/envp storage lives until the child has exec'ed.
  std::vector<std::string> args = argv;
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + home.string(),
                                  "TMPDIR=" + tmp.string(), "LANG=C.UTF-8",
                                  "SAL_USE_VCLPLUGIN=svp"};
  const std::string uid_map = std::to_string(::geteuid()) + " " + std::to_string(::geteuid()) + " 1";
  const std::string gid_map = std::to_string(::getegid()) + " " + std::to_string(::getegid()) + " 1";

  ChildPlan plan;
  std::string program_str = program.string();
  plan.program = program_str.c_str();
  for (auto& a : args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.work_dir = abs_work.c_str();
  plan.stdout_path = stdout_path.c_str();
  plan.stderr_path = stderr_path.c_str();
  auto lim = [](uint64_t v) { return rlimit{static_cast<rlim_t>(v), static_cast<rlim_t>(v)}; };
  plan.rlimit_ids = {RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_CORE, RLIMIT_NOFILE};
  plan.rlimits = {rlimit{static_cast<rlim_t>(limits.cpu_seconds),
                         static_cast<rlim_t>(limits.cpu_seconds + 1)},
                  lim(limits.address_space_bytes), lim(limits.output_bytes), lim(0),
                  lim(limits.open_files)};

  // Record pipe; its write end becomes fd 3 in the child.
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2", "sandbox");
  ScopedFd rd(pipefd[0]);
  ScopedFd wr(pipefd[1]);

  // Clone with namespaces, falling back step by step. The raw clone syscall with a null stack
  // behaves like fork (copy-on-write) but takes namespace flags.
  const bool root = ::geteuid() == 0;
  std::vector<unsigned long> attempts;
  if (root) attempts.push_back(CLONE_NEWPID | CLONE_NEWNET);
  attempts.push_back(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET);
  attempts.push_back(0);
  pid_t pid = -1;
  unsigned long used = 0;
  int clone_errno = 0;
  timespec t0{};
  ::clock_gettime(CLOCK_MONOTONIC, &t0);
  for (unsigned long flags : attempts) {
    plan.pid_ns = (flags & CLONE_NEWPID) != 0;
    plan.net_ns = (flags & CLONE_NEWNET) != 0;
    plan.uid_map = (flags & CLONE_NEWUSER) ? uid_map.c_str() : nullptr;
    plan.gid_map = (flags & CLONE_NEWUSER) ? gid_map.c_str() : nullptr;
    pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
    if (pid == 0) {
      // Child. Put the record pipe at fd 3 (it may already be there).
      int fd = pipefd[1];
      if (fd != 3) {
        if (::dup2(fd, 3) < 0) ::_exit(125);
        ::close(fd);
      }
      ::fcntl(3, F_SETFD, FD_CLOEXEC);
      plan.status_fd = 3;  // the read end (if not overwritten) is closed with fds >= 4 or 0-2
      ChildMain(plan);
    }
    if (pid > 0) {
      used = flags;
      break;
    }
    clone_errno = errno;
  }
  if (pid < 0) return Status::FromErrno(clone_errno, "clone", "sandbox");
  static_cast<void>(wr.Close("sandbox pipe"));

  const bool netns = (used & CLONE_NEWNET) != 0;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  ScopedFd pidfd_owner(pidfd >= 0 ? pidfd : -1);

  const double wall_s = static_cast<double>(limits.wall.count()) / 1000.0;
  const double grace_s = static_cast<double>(limits.kill_grace.count()) / 1000.0;
  bool exited = WaitExitedNoReap(pid, pidfd, t0, wall_s);
  if (!exited) {
    result.timed_out = true;
    ::kill(-pid, SIGTERM);
    exited = WaitExitedNoReap(pid, pidfd, t0, wall_s + grace_s);
  }
  // Whatever happened: kill the whole group before reaping its leader (so the group id cannot
  // be reused), then reap. In a pid namespace the kernel reaps the rest when pid 1 dies.
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.wall_seconds = SecondsSince(t0);

  // Drain the records (the pipe is at EOF once the child and the converter are gone).
  bool seccomp_on = false;
  bool have_child_status = false;
  int child_status = 0;
  Step failed_step = Step::kNone;
  int failed_errno = 0;
  ::fcntl(rd.get(), F_SETFL, O_NONBLOCK);
  for (;;) {
    Record r{};
    ssize_t n = ::read(rd.get(), &r, sizeof r);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof r)) break;
    switch (r.kind) {
      case RecordKind::kSeccompOn: seccomp_on = true; break;
      case RecordKind::kFailure:
        if (failed_step == Step::kNone) {
          failed_step = static_cast<Step>(r.step);
          failed_errno = r.value;
        }
        break;
      case RecordKind::kChildStatus:
        have_child_status = true;
        child_status = r.value;
        break;
    }
  }
  std::error_code ec;
  stdfs::remove_all(home, ec);
  stdfs::remove_all(tmp, ec);

  if (failed_step != Step::kNone) {
    return Status::FailedPrecondition(std::string("sandbox: child setup failed at ") +
                                      StepName(failed_step) + ": " + std::strerror(failed_errno) +
                                      " (" + program_str + ")");
  }
  if (netns && seccomp_on) {
    result.network_isolation = "netns+seccomp";
  } else if (seccomp_on) {
    result.network_isolation = "seccomp";
  } else if (netns) {
    result.network_isolation = "netns";
  }
  if (result.network_isolation.empty() && !result.timed_out) {
    // The child exec'ed nothing in this case: it stops before exec when neither layer works.
    return Status::FailedPrecondition(std::string("sandbox: ") + StepName(Step::kNoIsolation));
  }

  int st = have_child_status ? child_status : status;
  if (WIFEXITED(st)) {
    result.exit_code = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    result.term_signal = WTERMSIG(st);
  }
  result.stdout_tail = ReadTail(stdout_path);
  result.stderr_tail = ReadTail(stderr_path);
  result.output_limit_hit = result.term_signal == SIGXFSZ || AnyFileAtLimit(work_dir, limits.output_bytes);
  return result;
}

}  // namespace vault::migration
