// IpBatch: several `ip` commands for one namespace, run as a single `ip -n <netns> -batch -`. A
// lab of a dozen namespaces then takes a dozen processes instead of a hundred, and a failure
// still names the exact command that failed and what ip said about it:
//
//   ip -n sl42-n1 route add 10.244.2.0/24 via 192.168.50.2 dev eth0: Error: Nexthop has invalid
//   gateway. (command 3 of 5; the commands after it did not run)
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::lab {

class IpBatch {
 public:
  // "" = the root namespace: only for `netns add` / `netns del`; never configure the host here.
  explicit IpBatch(std::string netns) : netns_(std::move(netns)) {}

  // One command without the leading "ip", e.g. "link set eth0 up".
  IpBatch& add(std::string command);

  [[nodiscard]] const std::string& netns() const noexcept { return netns_; }
  [[nodiscard]] std::span<const std::string> commands() const noexcept { return commands_; }
  [[nodiscard]] bool empty() const noexcept { return commands_.empty(); }

  // Runs the commands in order; stops at the first that fails. Nothing to do when empty.
  [[nodiscard]] base::Status run(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) const;

 private:
  std::string netns_;
  std::vector<std::string> commands_;
};

// One command in `netns`: runIp("sl42-n1", "route add blackhole 10.244.1.250/32").
[[nodiscard]] base::Status runIp(std::string_view netns, std::string command);

// ip -batch reports "Command failed -:<line>"; the 0-based index of that command, if present.
[[nodiscard]] std::optional<std::size_t> failedBatchCommand(std::string_view ip_stderr);

}  // namespace sluice::lab
