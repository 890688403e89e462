#include "sluice/lb/lb_runner.h"

#include <rte_launch.h>

#include <string>

#include "sluice/lb/eal.h"

namespace sluice::lb {
namespace {

struct LaunchArgs {
  LcoreLoop* loop;
  const std::atomic<bool>* stop;
};

int runLoop(void* arg) {
  const auto* args = static_cast<const LaunchArgs*>(arg);
  args->loop->run(*args->stop);
  delete args;
  return 0;
}

}  // namespace

base::Result<std::unique_ptr<LbRunner>> LbRunner::start(LbDataplane& dp, const Port& port) {
  const std::size_t workers = dp.workers();
  const std::vector<unsigned> lcores = Eal::workerLcores();
  if (lcores.size() < workers) {
    return base::fail(base::Errc::kInvalidArgument,
                      std::to_string(workers) +
                          " workers need as many EAL worker lcores besides "
                          "the main one; the EAL has " +
                          std::to_string(lcores.size()) + " (give it more with -l, e.g. -l 0-" +
                          std::to_string(workers) + ")");
  }
  if (port.queues() < workers) {
    return base::fail(base::Errc::kInvalidArgument, "port " + std::to_string(port.id()) + " has " +
                                                        std::to_string(port.queues()) +
                                                        " queues for " + std::to_string(workers) +
                                                        " workers");
  }
  std::unique_ptr<LbRunner> runner(new LbRunner(dp));
  if (workers > 1) {
    auto rings = HandOffRings::create(workers);
    if (!rings) return base::fail(std::move(rings.error()));
    runner->rings_ = std::move(*rings);
  }
  for (std::size_t w = 0; w < workers; ++w) {
    runner->loops_.push_back(std::make_unique<LcoreLoop>(
        dp, port.id(), static_cast<std::uint16_t>(w), w, runner->rings_.get()));
  }
  dp.setLcoresRunning(true);
  runner->running_ = true;
  for (std::size_t w = 0; w < workers; ++w) {
    auto* args = new LaunchArgs{.loop = runner->loops_[w].get(), .stop = &runner->stop_};
    if (rte_eal_remote_launch(runLoop, args, lcores[w]) != 0) {
      delete args;
      runner->stop();
      return base::fail(base::Errc::kUnavailable, "lcore " + std::to_string(lcores[w]) +
                                                      " is busy; cannot start worker " +
                                                      std::to_string(w));
    }
    runner->lcores_.push_back(lcores[w]);
  }
  return runner;
}

void LbRunner::stop() {
  if (!running_) return;
  stop_.store(true);
  for (unsigned lcore : lcores_) (void)rte_eal_wait_lcore(lcore);
  lcores_.clear();
  dp_.setLcoresRunning(false);
  running_ = false;
}

LbRunner::~LbRunner() { stop(); }

}  // namespace sluice::lb
