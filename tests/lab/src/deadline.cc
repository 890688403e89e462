#include "sluice/lab/deadline.h"

#include <algorithm>
#include <limits>
#include <string>
#include <thread>

namespace sluice::lab {

int pollTimeoutUntil(Deadline deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto millis = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(
      std::min<std::chrono::milliseconds::rep>(millis, std::numeric_limits<int>::max()));
}

base::Status waitFor(std::string_view what, const std::function<bool()>& condition,
                     Deadline deadline, Clock::duration interval) {
  const auto start = Clock::now();
  while (true) {
    if (condition()) return {};
    const auto now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(interval, deadline - now));
  }
  if (condition()) return {};
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
  return base::fail(base::Errc::kTimeout, "timed out after " + std::to_string(waited.count()) +
                                              " ms waiting for " + std::string(what));
}

}  // namespace sluice::lab
