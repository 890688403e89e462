// sluice-agent: the node daemon (see sluice/controlplane/agent.h). Exit codes: 0 stopped by
// SIGINT/SIGTERM, 1 could not start or failed, 2 bad flags.
#include <csignal>
#include <cstdio>
#include <thread>

#include "sluice/base/log.h"
#include "sluice/controlplane/agent.h"

int main(int argc, char** argv) {
  auto parsed = sluice::controlplane::parseAgentOptions(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "sluice-agent: %s\n(see sluice-agent --help)\n",
                 parsed.error().message().c_str());
    return 2;
  }
  if (parsed->outcome == sluice::controlplane::ParseOutcome::kExit) return parsed->exit_code;
  if (auto logging =
          sluice::base::setupLogging({.level = parsed->options.log_level, .name = "sluice-agent"});
      !logging) {
    std::fprintf(stderr, "sluice-agent: --log-level: %s\n", logging.error().message().c_str());
    return 2;
  }

  // Signals are taken before anything starts, so a stop during start-up is not lost.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto agent = sluice::controlplane::Agent::create(std::move(parsed->options));
  if (!agent) {
    std::fprintf(stderr, "sluice-agent: %s\n", agent.error().toString().c_str());
    return agent.error().code() == sluice::base::Errc::kInvalidArgument ? 2 : 1;
  }
  std::thread signals([&agent, &stop_signals] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    (*agent)->requestStop();
  });
  auto ran = (*agent)->run();
  if (!ran) {
    std::fprintf(stderr, "sluice-agent: %s\n", ran.error().toString().c_str());
    // The signal thread waits for a signal that will not come; the process ends with it.
    signals.detach();
    return 1;
  }
  signals.join();
  return 0;
}
