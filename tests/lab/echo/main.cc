// sluice-echo: the lab's backend. A TCP and UDP echo server that answers every line (TCP) or
// datagram (UDP) with one line saying who answered and what it saw (see echo_reply.h):
//
//   sluice-echo --name p1a [--port 8080] [--tcp] [--udp]     (both protocols unless one is named)
//   sluice-echo client --tcp --to 10.244.1.2:8080            (see client_mode.h)
//
// Listens on [::] dual stack. Prints "ready" on stdout once every socket is bound, which the lab
// harness waits for; exits cleanly with code 0 on SIGTERM or SIGINT.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client_mode.h"
#include "tcp_echo_server.h"
#include "udp_echo_server.h"

namespace {

constexpr const char* kUsage =
    "usage: sluice-echo --name NAME [--port PORT] [--tcp] [--udp]\n"
    "       sluice-echo client --help\n"
    "Echo server for the Sluice lab: answers each TCP line / UDP datagram with\n"
    "  name=NAME proto=tcp peer=ADDR:PORT local=ADDR:PORT echo=TEXT\n"
    "Serves TCP and UDP unless one is named; port 8080 by default. Prints 'ready' once bound.\n";

struct ServerOptions {
  std::string name;
  std::uint16_t port = 8080;
  bool tcp = false;
  bool udp = false;
};

int usageError(const std::string& why) {
  std::fprintf(stderr, "sluice-echo: %s\n%s", why.c_str(), kUsage);
  return 2;
}

// nullopt after printing the problem (or the help text, with *exit_code 0).
std::optional<ServerOptions> parseServerOptions(const std::vector<std::string_view>& args,
                                                int* exit_code) {
  ServerOptions options;
  *exit_code = 2;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "--name" && has_value) {
      options.name = args[++i];
    } else if (arg == "--port" && has_value) {
      const std::string_view text = args[++i];
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), options.port);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        usageError("bad --port '" + std::string(text) + "'");
        return std::nullopt;
      }
    } else if (arg == "--tcp") {
      options.tcp = true;
    } else if (arg == "--udp") {
      options.udp = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      *exit_code = 0;
      return std::nullopt;
    } else {
      usageError("unexpected argument '" + std::string(arg) + "'");
      return std::nullopt;
    }
  }
  if (options.name.empty() || options.name.find_first_of(" \t\n=") != std::string::npos) {
    usageError("--name is required and may not contain spaces or '='");
    return std::nullopt;
  }
  if (!options.tcp && !options.udp) options.tcp = options.udp = true;
  return options;
}

int runServer(const ServerOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  stop_signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });

  sluice::lab::echo::TcpEchoServer tcp(io, options.name);
  sluice::lab::echo::UdpEchoServer udp(io, options.name);
  if (options.tcp) {
    if (auto listening = tcp.listen(options.port); !listening) {
      std::fprintf(stderr, "sluice-echo %s: %s\n", options.name.c_str(),
                   listening.error().toString().c_str());
      return 1;
    }
    tcp.start();
  }
  if (options.udp) {
    if (auto listening = udp.listen(options.port); !listening) {
      std::fprintf(stderr, "sluice-echo %s: %s\n", options.name.c_str(),
                   listening.error().toString().c_str());
      return 1;
    }
    udp.start();
  }
  std::printf("ready\n");
  std::fflush(stdout);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "client") {
    return sluice::lab::echo::runClient(std::span(args).subspan(1));
  }
  int exit_code = 0;
  const auto options = parseServerOptions(args, &exit_code);
  if (!options) return exit_code;
  return runServer(*options);
}
