// sluice: asks this node's sluice-agent, over its local gRPC API, what it programs and why.
//
//   sluice status
//   sluice service list
//   sluice backend list SERVICE
//   sluice ct list [--limit N]
//   sluice explain PROTO SRC:PORT DST:PORT
//   sluice metrics
//   global: --socket PATH (default /run/sluice/agent.sock, env SLUICE_SOCKET)  -o table|json
//
// Exit codes: 0 ok, 1 the agent could not be reached or said no, 2 usage.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>

#include "endpoint_arg.h"
#include "render_json.h"
#include "render_table.h"
#include "sluice/controlplane/api_client.h"

namespace {

namespace cp = sluice::controlplane;
namespace cli = sluice::controlplane::cli;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct Options {
  std::string socket = cp::kDefaultApiSocketPath;
  std::string output = "table";
  std::string service;
  std::size_t limit = 0;
  cp::ExplainRequest flow;
};

int failed(const std::string& message) {
  std::fprintf(stderr, "sluice: %s\n", message.c_str());
  return kFailed;
}

int print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  return std::fflush(stdout) == 0 ? kOk : kFailed;
}

// Prints a call's result as a table or as JSON, or its error.
template <typename T, typename Table, typename Json>
int show(const Options& options, const sluice::base::Result<T>& result, Table&& table,
         Json&& json) {
  if (!result) return failed(result.error().message());
  if (options.output == "json") return print(cli::prettyJson(json(*result)));
  return print(table(*result));
}

std::int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CLI11 validator from a base::Status check.
CLI::Validator endpointValidator() {
  return {[](std::string& text) -> std::string {
            auto ok = cli::checkEndpoint(text);
            return ok ? std::string() : ok.error().message();
          },
          "ADDR:PORT"};
}

int run(int argc, char** argv) {
  Options options;
  CLI::App app("Shows what this node's sluice-agent programs, and why.", "sluice");
  app.fallthrough();  // global options are accepted after the subcommand too
  app.require_subcommand(1);
  app.set_version_flag("--version", SLUICE_VERSION);
  app.add_option("--socket", options.socket, "The agent's API socket")
      ->envname("SLUICE_SOCKET")
      ->capture_default_str();
  app.add_option("-o,--output", options.output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  CLI::App* status = app.add_subcommand("status", "The agent: node, source, sync state, counts");
  CLI::App* service = app.add_subcommand("service", "Services programmed on this node");
  service->require_subcommand(1);
  CLI::App* service_list =
      service->add_subcommand("list", "Every service port: frontends, backends, counters");
  CLI::App* backend = app.add_subcommand("backend", "Backends of a service");
  backend->require_subcommand(1);
  CLI::App* backend_list = backend->add_subcommand(
      "list", "The backends of a service port, with state, weight and Maglev share");
  backend_list
      ->add_option("SERVICE", options.service,
                   "A service port (default/web:http/TCP) or a service (default/web)")
      ->required();
  CLI::App* ct = app.add_subcommand("ct", "Connection tracking");
  ct->require_subcommand(1);
  CLI::App* ct_list = ct->add_subcommand("list", "Tracked connections");
  ct_list->add_option("--limit", options.limit, "Show at most N entries (0: all)")
      ->check(CLI::NonNegativeNumber)  // CLI11 2.1 would wrap "-3" into a huge size_t
      ->capture_default_str();
  CLI::App* explain = app.add_subcommand(
      "explain",
      "What the data plane does with a flow: frontend, policy decisions, backend, conntrack");
  explain->add_option("PROTO", options.flow.protocol, "tcp, udp or sctp")
      ->required()
      ->check(CLI::IsMember({"tcp", "udp", "sctp"}, CLI::ignore_case));
  explain->add_option("SRC", options.flow.source, "Source, 10.0.1.7:40112 or [fd00::7]:40112")
      ->required()
      ->check(endpointValidator());
  explain->add_option("DST", options.flow.destination, "Destination, 10.96.0.10:80")
      ->required()
      ->check(endpointValidator());
  explain->footer("Example: sluice explain tcp 10.0.1.7:40112 10.96.0.10:80");
  CLI::App* metrics =
      app.add_subcommand("metrics", "The agent's Prometheus metrics, as /metrics serves them");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;  // --help and --version exit 0
  }
  if (auto protocol = cli::normaliseProtocol(options.flow.protocol); protocol) {
    options.flow.protocol = *protocol;
  }

  auto client = cp::ApiClient::connect(options.socket);
  if (!client) {
    return failed(client.error().message() + " (is sluice-agent running? are you root?)");
  }

  if (status->parsed()) {
    return show(
        options, client->status(),
        [](const cp::StatusView& view) { return cli::renderStatus(view, nowUnixMs()); },
        [](const cp::StatusView& view) { return cli::toJson(view); });
  }
  if (service_list->parsed()) {
    return show(
        options, client->services(), [](const auto& views) { return cli::renderServices(views); },
        [](const auto& views) { return cli::toJson(views); });
  }
  if (backend_list->parsed()) {
    return show(
        options, client->backends(options.service),
        [&](const auto& views) { return cli::renderBackends(options.service, views); },
        [&](const auto& views) { return cli::toJson(options.service, views); });
  }
  if (ct_list->parsed()) {
    return show(
        options, client->conntrack(options.limit),
        [](const auto& views) { return cli::renderConntrack(views); },
        [](const auto& views) { return cli::toJson(views); });
  }
  if (explain->parsed()) {
    return show(
        options, client->explain(options.flow),
        [&](const cp::ExplainView& view) { return cli::renderExplain(options.flow, view); },
        [](const cp::ExplainView& view) { return cli::toJson(view); });
  }
  if (metrics->parsed()) {
    return show(
        options, client->metricsText(), [](const std::string& text) { return text; },
        [](const std::string& text) { return cli::metricsJson(text); });
  }
  return failed("no command");  // unreachable: CLI11 requires one
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return failed(std::string("internal error: ") + e.what());
  }
}
