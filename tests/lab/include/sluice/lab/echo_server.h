// Starting sluice-echo (echo/main.cc) from tests: where the binary is and its command line. The
// Lab starts and owns the processes (Lab::startEcho); this is the part that needs no lab.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::lab {

struct EchoServerOptions {
  std::uint16_t port = 8080;
  bool tcp = true;
  bool udp = true;
  std::chrono::milliseconds ready_timeout{5000};  // until it prints "ready"
};

// $SLUICE_ECHO_BINARY when set, else the sluice-echo this library was built with. Fails, saying
// how to build it, when the file is not an executable.
[[nodiscard]] base::Result<std::string> echoBinaryPath();

// [binary, --name, name, --port, N, --tcp?, --udp?]
[[nodiscard]] std::vector<std::string> echoServerCommand(const std::string& binary,
                                                         std::string_view name,
                                                         const EchoServerOptions& options);

}  // namespace sluice::lab
