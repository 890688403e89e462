// Internal: small wire rules shared by the builder and the decoder, so both read a header the
// same way.
#pragma once

#include <cstdint>
#include <optional>

#include "sluice/base/address.h"
#include "sluice/packet/headers.h"

namespace sluice::packet::wire {

[[nodiscard]] constexpr std::uint32_t echoRest(std::uint16_t id, std::uint16_t seq) {
  return (std::uint32_t{id} << 16) | seq;
}

inline void append(Bytes& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// A copy of `data` with [at, at + size) set to zero: the bytes a checksum is computed over.
[[nodiscard]] inline Bytes zeroedCopy(ByteView data, std::size_t at, std::size_t size) {
  Bytes copy(data.begin(), data.end());
  for (std::size_t i = at; i < at + size && i < copy.size(); ++i) copy[i] = 0;
  return copy;
}

[[nodiscard]] inline bool isIcmpv4Error(std::uint8_t type) {
  return type == icmp4::kDestUnreachable || type == icmp4::kTimeExceeded ||
         type == icmp4::kParameterProblem || type == 4 /* source quench */ ||
         type == 5 /* redirect */;
}
[[nodiscard]] inline bool isIcmpv6Error(std::uint8_t type) { return type < 128; }

// The address an IPv6 pseudo-header names as destination when a routing header still has
// segments to visit (RFC 8200 8.1): the last address of a type 0/2 header, Segment List[0] of
// an SRH (type 4). `routing` is the whole routing header. nullopt when the header does not
// change it (segments left 0, unknown type, too short).
[[nodiscard]] inline std::optional<boost::asio::ip::address_v6> routingFinalDestination(
    ByteView routing) {
  if (routing.size() < 8 || routing[3] == 0) return std::nullopt;
  const std::uint8_t type = routing[2];
  const std::size_t addresses_start = 8;
  std::size_t at = 0;
  if (type == 4) {
    at = addresses_start;
  } else if (type == 0 || type == 2) {
    if (routing.size() < addresses_start + 16) return std::nullopt;
    at = addresses_start + (routing.size() - addresses_start) / 16 * 16 - 16;
  } else {
    return std::nullopt;
  }
  if (routing.size() < at + 16) return std::nullopt;
  boost::asio::ip::address_v6::bytes_type bytes{};
  for (std::size_t i = 0; i < 16; ++i) bytes[i] = routing[at + i];
  return boost::asio::ip::address_v6(bytes);
}

}  // namespace sluice::packet::wire
