#include "sluice/base/hash.h"

#include <bit>
#include <cstring>

namespace sluice::base {

namespace {
constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

std::uint64_t loadLittleEndian(const std::byte* p, std::size_t n) noexcept {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < n; ++i) {
    word |= static_cast<std::uint64_t>(p[i]) << (8U * i);
  }
  return word;
}
}  // namespace

// Eight bytes at a time: each word is mixed on its own, then folded into the state with a
// rotate-multiply so that word order matters. The length enters the state first, so inputs
// that differ only by trailing zero bytes hash differently.
std::uint64_t hash64(std::span<const std::byte> data, std::uint64_t seed) noexcept {
  std::uint64_t state = mix64(seed ^ kGolden) ^ (data.size() * kGolden);
  std::size_t offset = 0;
  for (; offset + 8 <= data.size(); offset += 8) {
    state ^= mix64(loadLittleEndian(data.data() + offset, 8) + kGolden);
    state = std::rotl(state, 29) * kGolden;
  }
  if (offset < data.size()) {
    state ^= mix64(loadLittleEndian(data.data() + offset, data.size() - offset) + kGolden);
    state = std::rotl(state, 29) * kGolden;
  }
  return mix64(state);
}

}  // namespace sluice::base
