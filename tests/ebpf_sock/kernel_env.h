// The kernel objects a socket-LB test owns, each torn down by its destructor so nothing is left
// behind when an assertion fails: a private bpffs mount, a cgroup v2 directory (the only place
// the socket hooks attach — LAB.md rule 3, never the root cgroup) and an anonymous network
// namespace (traffic stays inside it — LAB.md rule 1).
//
// Local to tests/ebpf_sock: the lab harness (tests/lab) was being written at the same time.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::sock_test {

// "" when this process can run the tests (root); else why not. SOCK_TEST_REQUIRE_ROOT() skips
// with that text, or fails under SLUICE_REQUIRE_PRIVILEGED=1 (CI).
[[nodiscard]] std::string rootProblem();
[[nodiscard]] bool privilegedRequired();

#define SOCK_TEST_REQUIRE_ROOT()                                                         \
  do {                                                                                   \
    if (const std::string sock_problem_ = ::sluice::sock_test::rootProblem();            \
        !sock_problem_.empty()) {                                                        \
      if (::sluice::sock_test::privilegedRequired()) {                                   \
        GTEST_FAIL() << "SLUICE_REQUIRE_PRIVILEGED=1, but: " << sock_problem_;           \
      }                                                                                  \
      GTEST_SKIP() << sock_problem_ << " (SLUICE_REQUIRE_PRIVILEGED=1 makes this fail)"; \
    }                                                                                    \
  } while (false)

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// A bpffs instance of the test's own on a temporary directory, the pin root of its maps.
class PrivateBpffs {
 public:
  [[nodiscard]] static base::Result<PrivateBpffs> create();
  PrivateBpffs(PrivateBpffs&& other) noexcept;
  PrivateBpffs& operator=(PrivateBpffs&&) = delete;
  PrivateBpffs(const PrivateBpffs&) = delete;
  PrivateBpffs& operator=(const PrivateBpffs&) = delete;
  ~PrivateBpffs();

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  explicit PrivateBpffs(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The first cgroup2 mount point in a /proc/<pid>/mountinfo text ("" when there is none).
[[nodiscard]] std::string cgroup2MountFromMountinfo(std::string_view mountinfo);

// <cgroup2 mount>/sluice-sock-<pid>-<n>. Destruction kills whatever is still inside and removes
// the directory. Directories of test runs whose process is gone are removed by create().
class TestCgroup {
 public:
  [[nodiscard]] static base::Result<TestCgroup> create();
  TestCgroup(TestCgroup&& other) noexcept;
  TestCgroup& operator=(TestCgroup&&) = delete;
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;
  ~TestCgroup();

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const FileDescriptor& fd() const noexcept { return fd_; }
  [[nodiscard]] std::vector<pid_t> processes() const;

 private:
  TestCgroup(std::string path, FileDescriptor fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  FileDescriptor fd_;  // O_DIRECTORY, for attaching programs
};

// A fresh network namespace with no name (it lives while its fd, a thread or a socket in it
// does): unshare(CLONE_NEWNET) on a throw-away thread. Threads join it with setns().
class TestNetns {
 public:
  [[nodiscard]] static base::Result<TestNetns> create();

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  // Runs `body` on a new thread inside the namespace and waits for it. Sockets made there stay
  // in the namespace after the thread has gone.
  [[nodiscard]] base::Status run(const std::function<void()>& body) const;
  // Runs a command (argv[0] looked up in PATH) inside the namespace; a non-zero exit is an error
  // quoting the command and its output.
  [[nodiscard]] base::Status exec(const std::vector<std::string>& argv) const;

 private:
  explicit TestNetns(FileDescriptor fd) : fd_(std::move(fd)) {}
  FileDescriptor fd_;
};

}  // namespace sluice::sock_test
