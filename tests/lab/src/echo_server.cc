#include "sluice/lab/echo_server.h"

#include <cstdlib>

#include "sluice/lab/command.h"

#ifndef SLUICE_ECHO_PATH
#error "SLUICE_ECHO_PATH must name the sluice-echo binary (set by tests/lab/CMakeLists.txt)"
#endif

namespace sluice::lab {

base::Result<std::string> echoBinaryPath() {
  const char* override_path = std::getenv("SLUICE_ECHO_BINARY");  // NOLINT(concurrency-mt-unsafe)
  const std::string path =
      override_path != nullptr && *override_path != '\0' ? override_path : SLUICE_ECHO_PATH;
  auto found = findExecutable(path);
  if (!found) {
    return base::fail(base::Errc::kNotFound,
                      "sluice-echo not found at " + path +
                          ": build it (cmake --build <build dir> --target sluice-echo) or point "
                          "SLUICE_ECHO_BINARY at it");
  }
  return found;
}

std::vector<std::string> echoServerCommand(const std::string& binary, std::string_view name,
                                           const EchoServerOptions& options) {
  std::vector<std::string> argv{binary, "--name", std::string(name), "--port",
                                std::to_string(options.port)};
  // Naming neither serves both; name only what is wanted.
  if (options.tcp != options.udp) argv.emplace_back(options.tcp ? "--tcp" : "--udp");
  return argv;
}

}  // namespace sluice::lab
