// Deadlines and condition polling: how the lab waits — for a server to be ready, a process to
// exit, a namespace to go away — without sleeping for a guessed time (CONVENTIONS.md: no sleeps
// as synchronisation; poll for the condition with a deadline).
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "sluice/base/error.h"

namespace sluice::lab {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

[[nodiscard]] inline Deadline deadlineAfter(Clock::duration timeout) {
  return Clock::now() + timeout;
}

// What is left until `deadline` in whole milliseconds, rounded up; 0 once it has passed. Made for
// poll(2)'s timeout argument.
[[nodiscard]] int pollTimeoutUntil(Deadline deadline);

// Evaluates `condition` until it holds or `deadline` passes, pausing `interval` between tries. It
// is evaluated once more at the deadline, so a condition that comes true just in time counts.
// Fails with Errc::kTimeout: "timed out after 2000 ms waiting for <what>".
[[nodiscard]] base::Status waitFor(std::string_view what, const std::function<bool()>& condition,
                                   Deadline deadline,
                                   Clock::duration interval = std::chrono::milliseconds(5));

}  // namespace sluice::lab
