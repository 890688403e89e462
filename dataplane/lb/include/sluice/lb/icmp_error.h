// ICMP errors about full-NAT flows (RFC 5508 §4.2), as the eBPF plane translates them
// (ebpf/bpf/icmp_error.h): an error reaching the LB quotes the packet as it left (LB:port →
// backend). The client must hear about the packet it sent (client → frontend), or its socket
// never learns of it (path MTU, port unreachable, TTL exceeded): both sides of the quote, the
// outer destination (the client) and — when the backend itself reported — the outer source (the
// frontend) are rewritten, with every checksum kept right.
#pragma once

#include <cstdint>

#include "sluice/lb/parse.h"
#include "sluice/lb/rewrite.h"
#include "sluice/lb/wire.h"

namespace sluice::lb {

// The TCP/UDP packet an ICMP error quotes.
struct IcmpQuote {
  Addr src;
  Addr dst;
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint16_t l3_off = 0;  // in the frame
  std::uint16_t l4_off = 0;
  std::uint8_t proto = 0;
};

// Destination unreachable, time exceeded, parameter problem (ICMPv6: types 1-4).
[[nodiscard]] bool isIcmpError(const ParsedPacket& pkt) noexcept;
// False when the quote is not a TCP/UDP packet whose ports are in the frame (nothing to do).
[[nodiscard]] bool readIcmpQuote(const std::uint8_t* frame, std::uint16_t length,
                                 const ParsedPacket& pkt, IcmpQuote& quote) noexcept;

// Rewrites the quote to src:sport → dst:dport and the outer header to outer_src → outer_dst,
// then the ICMP / ICMPv6 checksum over the whole message.
void translateIcmpError(std::uint8_t* frame, std::uint16_t length, const ParsedPacket& pkt,
                        const IcmpQuote& quote, const Addr& src, std::uint16_t sport,
                        const Addr& dst, std::uint16_t dport, const Addr& outer_src,
                        const Addr& outer_dst) noexcept;

// The frame turned, in place, into the error its sender must get when the packet cannot go on
// for its size: ICMP "fragmentation needed" (IPv4 with DF) / ICMPv6 "packet too big" naming
// `mtu`, from the address the packet was sent to, quoting as much of it as fits in 576 / 1280
// bytes (RFC 1812 §4.3.2.3, RFC 4443 §2.4), MACs swapped. False (nothing changed) for IPv4
// without DF: that packet could be fragmented instead, which sluice-lb does not do.
[[nodiscard]] bool packetTooBig(Frame& frame, const ParsedPacket& pkt, std::uint16_t mtu) noexcept;

}  // namespace sluice::lb
