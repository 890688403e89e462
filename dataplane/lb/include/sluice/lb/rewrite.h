// In-place rewrites of a parsed frame: address/port translation with incremental checksums (the
// same arithmetic as the eBPF plane's nat_xdp.h, so the output bytes are the same), TTL, MACs,
// IPIP / IPv6-in-IPv6 encapsulation for DSR (dsr.h's format), and the answers sluice-lb gives
// itself: ICMP echo replies, ARP replies and IPv6 neighbour advertisements for its VIPs.
#pragma once

#include <cstdint>

#include "sluice/lb/parse.h"
#include "sluice/lb/wire.h"

namespace sluice::lb {

// A frame in a buffer that may grow at the front (headroom) or the back (tailroom).
struct Frame {
  std::uint8_t* data = nullptr;
  std::uint16_t length = 0;
  std::uint16_t headroom = 0;
  std::uint16_t tailroom = 0;
};

// Source and destination (addresses and ports) of a parsed TCP/UDP packet.
void rewriteFlow(std::uint8_t* frame, const ParsedPacket& pkt, const Addr& src, std::uint16_t sport,
                 const Addr& dst, std::uint16_t dport) noexcept;
// TTL / hop limit one less (IPv4 checksum updated). The caller checked it is above 1.
void decrementTtl(std::uint8_t* frame, const ParsedPacket& pkt) noexcept;
void setMacs(std::uint8_t* frame, const Mac& dst, const Mac& src) noexcept;

// Wraps the IP datagram in an outer IPv4 (IPIP) or IPv6 (IPv6-in-IPv6) header from outer_src to
// outer_dst that carries `port` (IPv4: the IP id; IPv6: the flow label), TTL 64. The L2 header
// moves to the front. False when there is no room (nothing changed).
[[nodiscard]] bool encapsulate(Frame& frame, const ParsedPacket& pkt, const Addr& outer_src,
                               const Addr& outer_dst, std::uint16_t port) noexcept;

// An ICMP/ICMPv6 echo request turned into its reply, as a host with the destination address
// would send it: MACs and addresses swapped, TTL 64.
void echoReply(std::uint8_t* frame, const ParsedPacket& pkt) noexcept;

// The target address of an ARP request for IPv4 over Ethernet; false when the frame is not one.
[[nodiscard]] bool arpRequestTarget(const std::uint8_t* frame, std::uint16_t length,
                                    const ParsedPacket& pkt, Addr& target) noexcept;
// The request turned into the reply "target is at `mac`".
void arpReply(std::uint8_t* frame, const ParsedPacket& pkt, const Mac& mac) noexcept;

// The target of an IPv6 neighbour solicitation (hop limit 255, code 0); false when not one.
[[nodiscard]] bool neighborSolicitationTarget(const std::uint8_t* frame, std::uint16_t length,
                                              const ParsedPacket& pkt, Addr& target) noexcept;
// The solicitation turned into a solicited neighbour advertisement for its target with the
// target link-layer address option; false when the frame cannot hold it.
[[nodiscard]] bool neighborAdvertisement(Frame& frame, const ParsedPacket& pkt, const Addr& target,
                                         const Mac& mac) noexcept;

}  // namespace sluice::lb
