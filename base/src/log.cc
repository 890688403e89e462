#include "sluice/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <memory>
#include <string>
#include <utility>

namespace sluice::base {

Result<spdlog::level::level_enum> parseLogLevel(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 8> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  for (const auto& [word, level] : kLevels) {
    if (word == text) return level;
  }
  return fail(Errc::kInvalidArgument,
              "log level '" + std::string(text) +
                  "' is not one of trace, debug, info, warn, error, critical, off");
}

Status setupLogging(const LogOptions& options) {
  auto level = parseLogLevel(options.level);
  if (!level) return fail(std::move(level.error()));
  // Not registered under its name: calling setupLogging twice replaces the logger, never throws.
  auto logger = std::make_shared<spdlog::logger>(
      options.name, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
  logger->set_level(*level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

}  // namespace sluice::base
