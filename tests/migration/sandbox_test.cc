// Tests of RunSandboxed: limits, timeouts, cleanup, environment and network isolation.
#include "formats/migration/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::migration {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using vault::testing::TempDir;

Limits SmallLimits() {
  Limits l;
  l.wall = seconds(60);
  l.kill_grace = milliseconds(500);
  l.cpu_seconds = 60;
  l.output_bytes = 64ull << 20;
  return l;
}

// Live (non-zombie) processes whose process group is `pgid`, from /proc.
std::vector<int> LiveProcessesInGroup(int pgid) {
  std::vector<int> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // "pid (comm) S ppid pgrp ..." — comm may contain spaces: parse after the last ')'.
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    int ppid = 0;
    int pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') out.push_back(std::stoi(name));
  }
  return out;
}

int PgidFromFile(const std::filesystem::path& p) {
  std::ifstream f(p);
  int v = 0;
  f >> v;
  return v;
}

TEST(MigrationSandbox, RunsProgramAndCapturesOutput) {
  TempDir dir;
  auto r = RunSandboxed({"sh", "-c", "echo hello; echo oops >&2; exit 3"}, dir.path(),
                        SmallLimits());
  ASSERT_OK(r);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->term_signal, 0);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->stdout_tail, "hello\n");
  EXPECT_EQ(r->stderr_tail, "oops\n");
  EXPECT_FALSE(r->Succeeded());
  EXPECT_EQ(r->Describe(), "exit 3");
  EXPECT_FALSE(r->network_isolation.empty());
  std::printf("network_isolation: %s\n", r->network_isolation.c_str());
}

TEST(MigrationSandbox, RejectsBadArguments) {
  TempDir dir;
  EXPECT_EQ(RunSandboxed({}, dir.path(), SmallLimits()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RunSandboxed({"no-such-program-xyz"}, dir.path(), SmallLimits()).status().code(),
            Code::kNotFound);
  Limits zero = SmallLimits();
  zero.cpu_seconds = 0;
  EXPECT_EQ(RunSandboxed({"true"}, dir.path(), zero).status().code(), Code::kInvalidArgument);
}

TEST(MigrationSandbox, ResolvesProgramsInUsrBinFirst) {
  // /usr/local/bin is never searched (a stand-in `convert` lives there on some machines).
  auto p = ResolveProgram("sh");
  ASSERT_OK(p);
  EXPECT_TRUE(p->string() == "/usr/bin/sh" || p->string() == "/bin/sh") << *p;
  auto c = ResolveProgram("convert");
  if (c.ok()) {
    EXPECT_EQ(c->parent_path().string().rfind("/usr/local", 0), std::string::npos) << *c;
  }
}

TEST(MigrationSandbox, HungConverterIsKilledAtWallLimitAndNothingSurvives) {
  TempDir dir;
  Limits l = SmallLimits();
  l.wall = seconds(2);
  l.kill_grace = milliseconds(500);
  // A background child, a grandchild that ignores SIGTERM, and a foreground sleep.
  auto r = RunSandboxed({"sh", "-c",
                         "cut -d' ' -f5 /proc/self/stat > pgid.txt; "
                         "(trap '' TERM; sleep 600) & sleep 600 & sleep 600; wait"},
                        dir.path(), l);
  ASSERT_OK(r);
  EXPECT_TRUE(r->timed_out);
  EXPECT_NE(r->term_signal, 0);
  EXPECT_FALSE(r->Succeeded());
  EXPECT_NE(r->Describe().find("timed out"), std::string::npos) << r->Describe();
  int pgid = PgidFromFile(dir.path() / "pgid.txt");
  ASSERT_GT(pgid, 1) << "the child did not record its process group";
  EXPECT_TRUE(LiveProcessesInGroup(pgid).empty()) << "processes survived in group " << pgid;
}

TEST(MigrationSandbox, CpuLimitKillsBusyLoop) {
  TempDir dir;
  Limits l = SmallLimits();
  l.cpu_seconds = 1;
  auto r = RunSandboxed({"sh", "-c", "while :; do :; done"}, dir.path(), l);
  ASSERT_OK(r);
  EXPECT_FALSE(r->timed_out);
  EXPECT_TRUE(r->term_signal == SIGXCPU || r->term_signal == SIGKILL) << r->Describe();
}

TEST(MigrationSandbox, OutputLimitStopsEndlessWriter) {
  TempDir dir;
  Limits l = SmallLimits();
  l.output_bytes = 1 << 20;
  auto r = RunSandboxed({"sh", "-c", "cat /dev/zero > big.bin"}, dir.path(), l);
  ASSERT_OK(r);
  EXPECT_TRUE(r->output_limit_hit) << r->Describe();
  EXPECT_FALSE(r->Succeeded());
  EXPECT_LE(std::filesystem::file_size(dir.path() / "big.bin"), l.output_bytes);
}

TEST(MigrationSandbox, OutputLimitAlsoSeenWhenSigxfszIsIgnored) {
  // python3 ignores SIGXFSZ: its write fails with EFBIG instead; the file size tells.
  TempDir dir;
  Limits l = SmallLimits();
  l.output_bytes = 1 << 20;
  auto r = RunSandboxed({"python3", "-c",
                         "f=open('big.bin','wb')\n"
                         "while True: f.write(b'x'*65536); f.flush()"},
                        dir.path(), l);
  ASSERT_OK(r);
  EXPECT_TRUE(r->output_limit_hit) << r->Describe() << " " << r->stderr_tail;
}

TEST(MigrationSandbox, FreshHomeAndNoParentEnvironment) {
  TempDir dir;
  ASSERT_EQ(::setenv("VAULT_MIGRATION_CANARY", "leaked-secret", 1), 0);
  auto r = RunSandboxed({"sh", "-c", "env; echo cwd=$(pwd); ls -A \"$HOME\" | wc -l; umask"},
                        dir.path(), SmallLimits());
  ::unsetenv("VAULT_MIGRATION_CANARY");
  ASSERT_OK(r);
  ASSERT_EQ(r->exit_code, 0) << r->stderr_tail;
  const std::string& out = r->stdout_tail;
  EXPECT_EQ(out.find("VAULT_MIGRATION_CANARY"), std::string::npos) << out;
  EXPECT_EQ(out.find("leaked-secret"), std::string::npos) << out;
  EXPECT_NE(out.find("PATH=/usr/bin:/bin\n"), std::string::npos) << out;
  EXPECT_NE(out.find("LANG=C.UTF-8\n"), std::string::npos) << out;
  EXPECT_NE(out.find("HOME=" + (r->run_dir / "home").string() + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TMPDIR=" + (r->run_dir / "tmp").string() + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("cwd=" + std::filesystem::absolute(dir.path()).string()), std::string::npos)
      << out;
  EXPECT_NE(out.find("\n0\n"), std::string::npos) << "HOME not empty: " << out;
  EXPECT_NE(out.find("0077"), std::string::npos) << "umask: " << out;
  // HOME and TMPDIR are removed after the run.
  EXPECT_FALSE(std::filesystem::exists(r->run_dir / "home"));
  // Every run gets its own fresh directories.
  auto r2 = RunSandboxed({"true"}, dir.path(), SmallLimits());
  ASSERT_OK(r2);
  EXPECT_NE(r2->run_dir, r->run_dir);
}

TEST(MigrationSandbox, InheritedDescriptorsAreClosed) {
  TempDir dir;
  // A descriptor without O_CLOEXEC in the parent must not reach the child.
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto r = RunSandboxed({"sh", "-c", "ls /proc/self/fd"}, dir.path(), SmallLimits());
  ::close(fd);
  ASSERT_OK(r);
  // 0-2 plus the directory ls itself is reading: nothing inherited.
  std::istringstream in(r->stdout_tail);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  EXPECT_LE(n, 4) << r->stdout_tail;
}

class ListenerFixture {
 public:
  ListenerFixture() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
          ::listen(fd_, 8) == 0;
    socklen_t len = sizeof a;
    ok_ = ok_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    port_ = ntohs(a.sin_port);
  }
  ~ListenerFixture() {
    if (fd_ >= 0) ::close(fd_);
  }
  ListenerFixture(const ListenerFixture&) = delete;
  ListenerFixture& operator=(const ListenerFixture&) = delete;
  bool ok() const { return ok_; }
  int port() const { return port_; }
  // Accepts every pending connection without waiting; returns how many.
  int AcceptPending() {
    int n = 0;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) != 1) return n;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return n;
      ::close(c);
      ++n;
    }
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  int port_ = 0;
};

TEST(MigrationSandbox, NoNetwork) {
  ListenerFixture listener;
  ASSERT_TRUE(listener.ok());
  const std::string port = std::to_string(listener.port());
  // Control: an unsandboxed connect works.
  {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(listener.port()));
    ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::close(c);
    int accepted = 0;
    for (int i = 0; i < 100 && accepted == 0; ++i) {  // the connection is already queued
      accepted = listener.AcceptPending();
    }
    ASSERT_EQ(accepted, 1);
  }
  TempDir dir;
  auto tcp = RunSandboxed(
      {"python3", "-c",
       "import socket,sys\n"
       "try:\n"
       "  socket.create_connection(('127.0.0.1'," + port + "), timeout=5)\n"
       "  print('CONNECTED')\n"
       "except OSError as e:\n"
       "  print('FAILED', e.errno, e)\n"
       "  sys.exit(7)\n"},
      dir.path(), SmallLimits());
  ASSERT_OK(tcp);
  EXPECT_EQ(tcp->exit_code, 7) << tcp->stdout_tail << tcp->stderr_tail;
  EXPECT_EQ(tcp->stdout_tail.find("CONNECTED"), std::string::npos);
  EXPECT_EQ(listener.AcceptPending(), 0) << "the listener saw a sandboxed connection";
  std::printf("network_isolation: %s; python: %s", tcp->network_isolation.c_str(),
              tcp->stdout_tail.c_str());
  EXPECT_NE(tcp->network_isolation.find("seccomp"), std::string::npos);
  if (::geteuid() == 0) {
    EXPECT_EQ(tcp->network_isolation, "netns+seccomp");
  }

  auto udp = RunSandboxed({"python3", "-c",
                           "import socket\n"
                           "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                           "print('UDP-OK')\n"},
                          dir.path(), SmallLimits());
  ASSERT_OK(udp);
  EXPECT_NE(udp->exit_code, 0);
  EXPECT_NE(udp->stderr_tail.find("Permission denied"), std::string::npos) << udp->stderr_tail;

  auto ipv6 = RunSandboxed({"python3", "-c", "import socket; socket.socket(socket.AF_INET6)"},
                           dir.path(), SmallLimits());
  ASSERT_OK(ipv6);
  EXPECT_NE(ipv6->exit_code, 0);

  auto unix_ok = RunSandboxed({"python3", "-c", "import socket; socket.socketpair(); "
                               "socket.socket(socket.AF_UNIX)"},
                              dir.path(), SmallLimits());
  ASSERT_OK(unix_ok);
  EXPECT_EQ(unix_ok->exit_code, 0) << unix_ok->stderr_tail;

  auto dns = RunSandboxed({"getent", "hosts", "example.org"}, dir.path(), SmallLimits());
  ASSERT_OK(dns);
  EXPECT_NE(dns->exit_code, 0) << dns->stdout_tail;
  EXPECT_EQ(dns->stdout_tail.find("example.org"), std::string::npos) << dns->stdout_tail;
}

TEST(MigrationSandbox, CannotLeaveProcessGroup) {
  TempDir dir;
  auto r = RunSandboxed({"python3", "-c", "import os; os.setsid()"}, dir.path(), SmallLimits());
  ASSERT_OK(r);
  EXPECT_NE(r->exit_code, 0);
  EXPECT_NE(r->stderr_tail.find("Operation not permitted"), std::string::npos) << r->stderr_tail;
}

TEST(MigrationSandbox, CrashIsReportedNotPropagated) {
  TempDir dir;
  auto r = RunSandboxed({"sh", "-c", "kill -SEGV $$"}, dir.path(), SmallLimits());
  ASSERT_OK(r);
  EXPECT_EQ(r->term_signal, SIGSEGV) << r->Describe();
  EXPECT_NE(r->Describe().find("signal 11"), std::string::npos) << r->Describe();
}

}  // namespace
}  // namespace vault::migration
