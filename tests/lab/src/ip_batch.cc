#include "sluice/lab/ip_batch.h"

#include <charconv>

#include "sluice/lab/command.h"

namespace sluice::lab {

IpBatch& IpBatch::add(std::string command) {
  commands_.push_back(std::move(command));
  return *this;
}

std::optional<std::size_t> failedBatchCommand(std::string_view ip_stderr) {
  constexpr std::string_view kMarker = "Command failed -:";
  const auto at = ip_stderr.rfind(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = ip_stderr.substr(at + kMarker.size());
  std::size_t line = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), line);
  if (ec != std::errc() || end == digits.data() || line == 0) return std::nullopt;
  return line - 1;
}

namespace {

// ip's stderr without its "Command failed -:N" line, on one line.
std::string ipComplaint(std::string_view ip_stderr) {
  std::string text;
  while (!ip_stderr.empty()) {
    const auto newline = ip_stderr.find('\n');
    const std::string_view line = ip_stderr.substr(0, newline);
    ip_stderr =
        newline == std::string_view::npos ? std::string_view() : ip_stderr.substr(newline + 1);
    if (line.empty() || line.starts_with("Command failed -:")) continue;
    if (!text.empty()) text += "; ";
    text += line;
  }
  return text.empty() ? "(ip printed nothing)" : text;
}

}  // namespace

base::Status IpBatch::run(std::chrono::milliseconds timeout) const {
  if (commands_.empty()) return {};
  std::vector<std::string> argv{"ip"};
  if (!netns_.empty()) {
    argv.emplace_back("-n");
    argv.push_back(netns_);
  }
  argv.emplace_back("-batch");
  argv.emplace_back("-");
  std::string script;
  for (const std::string& command : commands_) script += command + "\n";

  const std::string ip_prefix = netns_.empty() ? "ip " : "ip -n " + netns_ + " ";
  auto result = runCommand(argv, {.timeout = timeout, .stdin_text = script});
  if (!result) return base::fail(std::move(result.error()));
  if (result->status.success()) return {};

  const auto failed = failedBatchCommand(result->stderr_text);
  if (failed && *failed < commands_.size()) {
    std::string message = ip_prefix + commands_[*failed] + ": " + ipComplaint(result->stderr_text);
    if (commands_.size() > 1) {
      message += " (command " + std::to_string(*failed + 1) + " of " +
                 std::to_string(commands_.size()) + " in one ip -batch";
      message += *failed + 1 < commands_.size() ? "; the commands after it did not run)" : ")";
    }
    return base::fail(base::Errc::kIo, std::move(message));
  }
  std::string message = ip_prefix + "-batch " + result->status.toString() + ": " +
                        ipComplaint(result->stderr_text) + "; the batch was:";
  for (const std::string& command : commands_) message += "\n  " + command;
  return base::fail(base::Errc::kIo, std::move(message));
}

base::Status runIp(std::string_view netns, std::string command) {
  IpBatch batch{std::string(netns)};
  batch.add(std::move(command));
  return batch.run();
}

}  // namespace sluice::lab
