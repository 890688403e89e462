// What a Packet layer may be told beyond its addresses and ports: one struct per header, built
// with designated initialisers. Every field has the value a well-formed packet needs; the
// std::optional ones are computed at build() unless set, which is how malformed packets are made
// (a wrong length, a garbage IHL, a chosen checksum).
#pragma once

#include <cstdint>
#include <optional>

#include "sluice/packet/headers.h"

namespace sluice::packet {

struct EthFields {
  std::optional<std::uint16_t> ethertype;  // default: from the L3 layer (or the next VLAN tag)
};

struct VlanFields {
  std::uint8_t pcp = 0;  // priority code point, 0..7
  bool dei = false;
  std::uint16_t tpid = ethertype::kVlan;  // 0x88a8 for an 802.1ad outer tag
};

struct Ipv4Fields {
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t id = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  bool reserved_flag = false;            // the "evil bit": must be 0 on the wire
  std::uint16_t fragment_offset = 0;     // in 8-byte units, as on the wire (185 = byte 1480)
  Bytes options;                         // raw option bytes; zero-padded (EOL) to a multiple of 4
  std::optional<std::uint8_t> protocol;  // default: from the L4 layer
  std::optional<std::uint16_t> total_length;  // default: header + L4 + payload
  std::optional<std::uint8_t> ihl;            // default: header length / 4 (a nibble: 0..15)
  std::optional<std::uint16_t> checksum;      // default: computed
};

struct Ipv6Fields {
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;                 // 20 bits
  std::optional<std::uint8_t> next_header;      // default: first extension header or the L4
  std::optional<std::uint16_t> payload_length;  // default: extension headers + L4 + payload
};

struct TcpFields {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint16_t window = 65535;
  std::uint16_t urgent = 0;
  Bytes options;                            // raw option bytes; zero-padded to a multiple of 4
  std::optional<std::uint8_t> data_offset;  // in 32-bit words; default: from the header length
  std::optional<std::uint16_t> checksum;    // default: computed with the pseudo-header
};

struct UdpFields {
  std::optional<std::uint16_t> length;    // default: header + payload
  std::optional<std::uint16_t> checksum;  // default: computed (0 = "no checksum" over IPv4)
};

struct SctpFields {
  std::uint32_t verification_tag = 0;
  std::optional<std::uint32_t> checksum;  // default: CRC32c of the SCTP packet
};

// An ICMP or ICMPv6 header: type, code and the 4 "rest of header" bytes (echo id/sequence, the
// MTU of frag-needed / packet-too-big, unused in others).
struct IcmpFields {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest = 0;
  std::optional<std::uint16_t> checksum;  // default: computed (ICMPv6 with the pseudo-header)
};

// An IPv6 routing header's type-specific part, after Segments Left.
struct Ipv6RoutingFields {
  std::uint8_t type = 0;
  std::uint8_t segments_left = 0;
  Bytes data;  // from the reserved/flags word on; zero-padded so the header is 8-byte aligned
};

struct Ipv6FragmentFields {
  std::uint16_t offset = 0;  // in 8-byte units (13 bits)
  bool more_fragments = false;
  std::uint32_t id = 0;
};

}  // namespace sluice::packet
