// The parent half of the crash tests of the store: re-runs this test binary as a child that
// SIGKILLs itself at its N-th crash point (VAULT_CRASH_AT, vault/base/fs.h) or at a named one
// (VAULT_CRASH_NAME).
#ifndef VAULT_TESTS_STORE_CRASH_FORK_H_
#define VAULT_TESTS_STORE_CRASH_FORK_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::testing {

// Runs `self` (this binary) with the disabled test `gtest_filter` only, the environment variable
// `crash_var` (VAULT_CRASH_AT or VAULT_CRASH_NAME) set to `crash_value` and
// VAULT_STORE_CRASH_DIR=dir, its stdout and stderr going to dir/child.log, and waits for it.
// Returns its wait status, or nullopt when it could not be forked or waited for.
inline std::optional<int> RunChildWithCrashEnv(const std::filesystem::path& self,
                                               const char* crash_var,
                                               const std::string& crash_value,
                                               const std::filesystem::path& dir,
                                               const char* gtest_filter) {
  pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::setenv(crash_var, crash_value.c_str(), 1);
    ::setenv("VAULT_STORE_CRASH_DIR", dir.c_str(), 1);
    std::string out = (dir / "child.log").string();
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    const std::string filter = std::string("--gtest_filter=") + gtest_filter;
    ::execl(self.c_str(), self.c_str(), "--gtest_also_run_disabled_tests", filter.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return std::nullopt;
  return status;
}

// RunChildWithCrashEnv with VAULT_CRASH_AT=crash_at: the child SIGKILLs itself at its
// crash_at-th crash point.
inline std::optional<int> RunCrashingChild(const std::filesystem::path& self, int crash_at,
                                           const std::filesystem::path& dir,
                                           const char* gtest_filter) {
  return RunChildWithCrashEnv(self, "VAULT_CRASH_AT", std::to_string(crash_at), dir,
                              gtest_filter);
}

// RunChildWithCrashEnv with VAULT_CRASH_NAME=name: the child SIGKILLs itself at the crash point
// of that name.
inline std::optional<int> RunChildCrashingAtName(const std::filesystem::path& self,
                                                 const std::string& name,
                                                 const std::filesystem::path& dir,
                                                 const char* gtest_filter) {
  return RunChildWithCrashEnv(self, "VAULT_CRASH_NAME", name, dir, gtest_filter);
}

// RunCrashingChild, and checks how the child ended: an exit with 0 (it had fewer than crash_at
// crash points: it finished its work) sets *finished, a SIGKILL at the crash point counts in
// *crashes, anything else fails the test. Call it under ASSERT_NO_FATAL_FAILURE.
inline void RunChildCrashingAt(const std::filesystem::path& self, int crash_at,
                               const std::filesystem::path& dir, const char* gtest_filter,
                               bool* finished, int* crashes) {
  const std::optional<int> status = RunCrashingChild(self, crash_at, dir, gtest_filter);
  ASSERT_TRUE(status.has_value());
  if (WIFEXITED(*status)) {
    ASSERT_EQ(WEXITSTATUS(*status), 0) << ReadFile(dir / "child.log");
    *finished = true;
  } else {
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
    ++*crashes;
  }
}

}  // namespace vault::testing

#endif  // VAULT_TESTS_STORE_CRASH_FORK_H_
