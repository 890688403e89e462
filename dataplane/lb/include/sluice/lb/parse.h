// Parsing a frame for sluice-lb: Ethernet with up to two VLAN tags, ARP, IPv4 (options),
// IPv6 (up to four extension headers), TCP, UDP, ICMP/ICMPv6. The same fields and the same
// judgement of malformed headers as the eBPF plane's parse.h, plus bounds against the frame's
// real length. Never reads past `length`.
#pragma once

#include <cstdint>

#include "sluice/dataplane/drop_reason.h"
#include "sluice/lb/wire.h"

namespace sluice::lb {

enum class Fragment : std::uint8_t { kNone, kFirst, kLater };

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpAck = 0x10;

struct ParsedPacket {
  Addr src;
  Addr dst;
  std::uint16_t sport = 0;  // host order; ICMP echo: the identifier in both
  std::uint16_t dport = 0;
  std::uint16_t ethertype = 0;  // after the VLAN tags
  std::uint16_t l3_off = 0;     // from the start of the frame
  std::uint16_t l4_off = 0;
  std::uint16_t l3_len = 0;  // IPv4 total length / IPv6 payload length + 40
  std::uint8_t family = 0;   // kFamilyIpv4 / kFamilyIpv6; 0 = not IP
  std::uint8_t proto = 0;    // L4 protocol after IPv6 extension headers
  std::uint8_t tcp_flags = 0;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::uint8_t ttl = 0;  // TTL / hop limit
  Fragment fragment = Fragment::kNone;
};

// 0 (pkt->family == 0 when not IP; ethertype tells ARP) or a sluice_drop_reason.
[[nodiscard]] int parsePacket(const std::uint8_t* frame, std::uint16_t length,
                              ParsedPacket& pkt) noexcept;

}  // namespace sluice::lb
