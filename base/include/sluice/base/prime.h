// Primality, for table sizes that must be prime (Maglev).
#pragma once

#include <cstdint>

namespace sluice::base {

// Exact for every 64-bit n (deterministic trial division; fast for the sizes Sluice uses).
[[nodiscard]] bool isPrime(std::uint64_t n) noexcept;

}  // namespace sluice::base
