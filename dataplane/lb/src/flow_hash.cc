#include "sluice/lb/flow_hash.h"

#include <arpa/inet.h>

#include <array>

#include "sluice/dataplane/flow_hash.h"

namespace sluice::lb {

std::uint32_t flowHash(const Addr& src, const Addr& dst, std::uint16_t sport, std::uint16_t dport,
                       std::uint8_t proto) noexcept {
  std::array<std::uint32_t, 4> s{};
  std::array<std::uint32_t, 4> d{};
  for (std::size_t i = 0; i < 4; ++i) {
    s[i] = loadNative32(src.bytes.data() + 4 * i);
    d[i] = loadNative32(dst.bytes.data() + 4 * i);
  }
  return sl_flow_hash(s.data(), d.data(), htons(sport), htons(dport), proto);
}

}  // namespace sluice::lb
