// Logging set-up. Sluice logs through spdlog; binaries call setupLogging() once at start and
// then use spdlog::info(...) and friends. Logs go to stderr (journald and kubectl logs read it).
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "sluice/base/error.h"

namespace sluice::base {

struct LogOptions {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string name = "sluice";  // shown in every line, e.g. "sluice-agent"
};

// "debug" → spdlog::level::debug; anything else is an error naming the accepted words.
[[nodiscard]] Result<spdlog::level::level_enum> parseLogLevel(std::string_view text);

// Installs a stderr logger named options.name as the default logger.
[[nodiscard]] Status setupLogging(const LogOptions& options);

}  // namespace sluice::base
