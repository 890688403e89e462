// Runs sluice-lb's workers: one LcoreLoop per worker on the EAL's worker lcores (worker i on
// queue i of the port), with hand-off rings between them when there are several. The calling
// (main) lcore stays free for the control side: programming, inspection, counters.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/lb/lb_dataplane.h"
#include "sluice/lb/lcore_loop.h"
#include "sluice/lb/port.h"

namespace sluice::lb {

class LbRunner {
 public:
  // Errors: fewer worker lcores or port queues than the data plane has workers.
  [[nodiscard]] static base::Result<std::unique_ptr<LbRunner>> start(LbDataplane& dp,
                                                                     const Port& port);
  LbRunner(const LbRunner&) = delete;
  LbRunner& operator=(const LbRunner&) = delete;
  ~LbRunner();  // stops

  // Asks every loop to stop and waits for their lcores.
  void stop();
  [[nodiscard]] const LcoreLoop& loop(std::size_t worker) const { return *loops_[worker]; }

 private:
  explicit LbRunner(LbDataplane& dp) : dp_(dp) {}

  LbDataplane& dp_;
  std::unique_ptr<HandOffRings> rings_;
  std::vector<std::unique_ptr<LcoreLoop>> loops_;
  std::vector<unsigned> lcores_;
  std::atomic<bool> stop_{false};
  bool running_ = false;
};

}  // namespace sluice::lb
