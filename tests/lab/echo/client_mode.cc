#include "client_mode.h"

#include <charconv>
#include <cstdio>
#include <string>

#include "sluice/lab/echo_reply.h"
#include "sluice/lab/probe.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::lab::echo {

namespace {

constexpr const char* kUsage =
    "usage: sluice-echo client (--tcp | --udp) --to ADDRESS:PORT [--message TEXT]\n"
    "                          [--source-port N] [--timeout-ms N] [--count N]\n"
    "Sends --count probes (default 1) to an echo server and prints each reply line.\n"
    "Exit code 0 when every probe was answered, 1 otherwise, 2 on bad arguments.\n";

template <typename Number>
bool parseNumber(std::string_view text, Number& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

int usageError(const std::string& why) {
  std::fprintf(stderr, "sluice-echo client: %s\n%s", why.c_str(), kUsage);
  return 2;
}

}  // namespace

int runClient(std::span<const std::string_view> args) {
  bool tcp = false;
  bool udp = false;
  std::string to;
  unsigned count = 1;
  unsigned timeout_ms = 2000;
  ProbeOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "--tcp") {
      tcp = true;
    } else if (arg == "--udp") {
      udp = true;
    } else if (arg == "--to" && has_value) {
      to = args[++i];
    } else if (arg == "--message" && has_value) {
      options.message = args[++i];
    } else if (arg == "--source-port" && has_value) {
      if (!parseNumber(args[++i], options.source_port)) return usageError("bad --source-port");
    } else if (arg == "--timeout-ms" && has_value) {
      if (!parseNumber(args[++i], timeout_ms)) return usageError("bad --timeout-ms");
    } else if (arg == "--count" && has_value) {
      if (!parseNumber(args[++i], count)) return usageError("bad --count");
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      return usageError("unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (tcp == udp) return usageError("give exactly one of --tcp and --udp");
  auto server = parseSocketAddress(to);
  if (!server) return usageError(server.error().message());
  options.timeout = std::chrono::milliseconds(timeout_ms);

  int failures = 0;
  for (unsigned n = 0; n < count; ++n) {
    auto reply = tcp ? tcpEcho(*server, options) : udpEcho(*server, options);
    if (reply) {
      std::printf("%s\n", formatEchoReply(*reply).c_str());
    } else {
      ++failures;
      std::fprintf(stderr, "sluice-echo client: %s (%s)\n", reply.error().toString().c_str(),
                   std::string(failureKindName(classifyFailure(reply.error()))).c_str());
    }
    std::fflush(stdout);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace sluice::lab::echo
