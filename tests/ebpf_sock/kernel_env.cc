#include "kernel_env.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sluice::sock_test {
namespace {

constexpr std::string_view kCgroupPrefix = "sluice-sock-";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Octal escapes (\040 for a space) as /proc/<pid>/mountinfo writes them.
std::string unescapeMountinfo(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == std::string_view::npos) {
        out.push_back(static_cast<char>(std::stoi(std::string(digits), nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

std::vector<pid_t> readPids(const std::string& cgroup) {
  std::vector<pid_t> pids;
  std::istringstream in(readFile(cgroup + "/cgroup.procs"));
  for (pid_t pid = 0; in >> pid;) pids.push_back(pid);
  return pids;
}

// Kills what is inside (never this process), waits until it is empty and removes it.
void removeCgroupDirectory(const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    const auto pids = readPids(path);
    if (pids.empty() || std::chrono::steady_clock::now() > deadline) break;
    for (const pid_t pid : pids) {
      if (pid != ::getpid()) ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::rmdir(path.c_str());
}

void removeStaleCgroups(const std::string& mount) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(mount, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kCgroupPrefix)) continue;
    const pid_t owner = std::atoi(name.c_str() + kCgroupPrefix.size());
    if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    removeCgroupDirectory(entry.path().string());
  }
}

}  // namespace

std::string rootProblem() {
  if (::geteuid() != 0) {
    return "needs root (BPF programs, cgroups, network namespaces); run as root or with sudo";
  }
  return "";
}

bool privilegedRequired() {
  const char* value = std::getenv("SLUICE_REQUIRE_PRIVILEGED");
  return value != nullptr && std::string_view(value) == "1";
}

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    reset(other.fd_);
    other.fd_ = -1;
  }
  return *this;
}

void FileDescriptor::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

base::Result<PrivateBpffs> PrivateBpffs::create() {
  std::string path = (std::filesystem::temp_directory_path() / "sluice-sock-bpffs-XXXXXX").string();
  if (::mkdtemp(path.data()) == nullptr) return base::failErrno("mkdtemp", errno);
  if (::mount("bpf", path.c_str(), "bpf", 0, "mode=0700") != 0) {
    const int err = errno;
    ::rmdir(path.c_str());
    return base::failErrno("mounting a private bpffs at " + path, err);
  }
  return PrivateBpffs(path);
}

PrivateBpffs::PrivateBpffs(PrivateBpffs&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

PrivateBpffs::~PrivateBpffs() {
  if (path_.empty()) return;
  ::umount2(path_.c_str(), MNT_DETACH);
  ::rmdir(path_.c_str());
}

std::string cgroup2MountFromMountinfo(std::string_view mountinfo) {
  // "<id> <parent> <major:minor> <root> <mount point> <options> [optional...] - <fstype> ..."
  std::istringstream lines{std::string(mountinfo)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    for (std::size_t i = 5; i + 1 < words.size(); ++i) {
      if (words[i] == "-") {
        if (words[i + 1] == "cgroup2") return unescapeMountinfo(words[4]);
        break;
      }
    }
  }
  return "";
}

base::Result<TestCgroup> TestCgroup::create() {
  const std::string mount = cgroup2MountFromMountinfo(readFile("/proc/self/mountinfo"));
  if (mount.empty()) {
    return base::fail(base::Errc::kUnavailable,
                      "cgroup v2 is not mounted (no cgroup2 line in /proc/self/mountinfo)");
  }
  removeStaleCgroups(mount);
  static std::atomic<int> counter{0};
  const std::string path = mount + "/" + std::string(kCgroupPrefix) + std::to_string(::getpid()) +
                           "-" + std::to_string(counter++);
  if (::mkdir(path.c_str(), 0755) != 0) return base::failErrno("creating cgroup " + path, errno);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    ::rmdir(path.c_str());
    return base::failErrno("opening cgroup " + path, err);
  }
  return TestCgroup(path, std::move(fd));
}

TestCgroup::TestCgroup(TestCgroup&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::move(other.fd_)) {
  other.path_.clear();
}

TestCgroup::~TestCgroup() {
  if (path_.empty()) return;
  fd_.reset();
  removeCgroupDirectory(path_);
}

std::vector<pid_t> TestCgroup::processes() const { return readPids(path_); }

base::Result<TestNetns> TestNetns::create() {
  int fd = -1;
  int err = 0;
  std::thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno;
  }).join();
  if (fd < 0) return base::failErrno("creating a network namespace (unshare CLONE_NEWNET)", err);
  return TestNetns(FileDescriptor(fd));
}

base::Status TestNetns::run(const std::function<void()>& body) const {
  int err = 0;
  std::exception_ptr thrown;
  std::thread([&] {
    if (::setns(fd_.get(), CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    try {
      body();
    } catch (...) {
      thrown = std::current_exception();
    }
  }).join();
  if (err != 0) return base::failErrno("joining the test's network namespace", err);
  if (thrown) std::rethrow_exception(thrown);
  return {};
}

base::Status TestNetns::exec(const std::vector<std::string>& argv) const {
  std::string command;
  for (const auto& word : argv) command += (command.empty() ? "" : " ") + word;
  base::Status result;
  auto ran = run([&] {
    std::vector<char*> args;
    for (const auto& word : argv) args.push_back(const_cast<char*>(word.c_str()));
    args.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      result = base::failErrno("pipe for " + command, errno);
      return;
    }
    const pid_t child = ::fork();
    if (child == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(out[1], STDERR_FILENO);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string output;
    char buffer[512];
    for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) {
      output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (child < 0) {
      result = base::failErrno("fork for " + command, errno);
      return;
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      result = base::fail(base::Errc::kIo, "`" + command + "` in the test netns failed (status " +
                                               std::to_string(status) + "): " + output);
    }
  });
  if (!ran) return ran;
  return result;
}

}  // namespace sluice::sock_test
