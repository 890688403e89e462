#include "sluice/lab/names.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>

namespace sluice::lab {

std::string labPrefix(pid_t pid, unsigned lab_number) {
  // Bijective base 26: 1 → a, 26 → z, 27 → aa.
  std::string letters;
  for (unsigned n = lab_number; n > 0; n = (n - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('a' + (n - 1) % 26));
  }
  return "sl" + std::to_string(pid) + letters + "-";
}

std::string nextLabPrefix() {
  static std::atomic<unsigned> next_lab{0};
  return labPrefix(::getpid(), next_lab.fetch_add(1));
}

std::optional<pid_t> labOwnerPid(std::string_view name) {
  if (!name.starts_with("sl")) return std::nullopt;
  name.remove_prefix(2);
  std::size_t digits = 0;
  while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits])) != 0) {
    ++digits;
  }
  std::size_t letters = digits;
  while (letters < name.size() && name[letters] >= 'a' && name[letters] <= 'z') ++letters;
  if (digits == 0 || letters >= name.size() || name[letters] != '-') return std::nullopt;
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + digits, pid);
  if (ec != std::errc() || end != name.data() + digits || pid <= 0) return std::nullopt;
  return pid;
}

bool processIsAlive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace sluice::lab
