// Seeded 64-bit hashing of byte strings, stable across runs, hosts and builds: Maglev
// permutations and anything else whose output must not change when the agent restarts.
// Not for adversarial input (no secret key); flow hashing in the data planes uses its own.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::base {

[[nodiscard]] std::uint64_t hash64(std::span<const std::byte> data, std::uint64_t seed) noexcept;

[[nodiscard]] inline std::uint64_t hash64(std::string_view text, std::uint64_t seed) noexcept {
  return hash64(std::as_bytes(std::span(text.data(), text.size())), seed);
}

// The splitmix64 finaliser: a bijection on 64-bit words with full avalanche.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

}  // namespace sluice::base
