// Exponential back-off with jitter for reconnecting to the API server: initial, doubled per
// consecutive failure up to max, each delay stretched by a random factor in [1, 1 + jitter] so
// many agents that lost the server together do not come back together.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace sluice::discovery::detail {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter,
          std::uint64_t seed)
      : initial_(std::max(initial, std::chrono::milliseconds(1))),
        max_(std::max(max, initial_)),
        jitter_(std::max(jitter, 0.0)),
        random_(seed) {}

  [[nodiscard]] std::chrono::milliseconds next() {
    const double base =
        std::min(static_cast<double>(initial_.count()) *
                     static_cast<double>(std::uint64_t{1} << std::min(failures_, 30U)),
                 static_cast<double>(max_.count()));
    ++failures_;
    std::uniform_real_distribution<double> stretch(1.0, 1.0 + jitter_);
    const double delay = std::min(base * stretch(random_), static_cast<double>(max_.count()));
    return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
  }

  void reset() { failures_ = 0; }
  [[nodiscard]] std::uint32_t failures() const { return failures_; }

 private:
  std::chrono::milliseconds initial_, max_;
  double jitter_;
  std::uint32_t failures_ = 0;
  std::mt19937_64 random_;
};

}  // namespace sluice::discovery::detail
