// The decoder: a frame's bytes → a structured view for asserting on data-plane output
// (addresses, ports, TTL, flags, the packet quoted by an ICMP error, payload), with every checksum
// verified and every header field located (offset, size, name) for readable diffs.
//
// It reads any byte string without reading out of bounds. A frame shorter than its headers or
// length fields say is an error naming the header and the offset ("TCP header needs 20 bytes at
// offset 34, 6 left"); decodePartial() keeps what parsed before that point. Packets quoted in
// ICMP errors are expected to be cut short: they are decoded as far as they go, and what stopped
// them is noted in Decoded::incomplete instead of failing the whole frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/base/error.h"
#include "sluice/packet/fields.h"
#include "sluice/packet/headers.h"

namespace sluice::packet {

struct VlanTag {
  std::uint16_t tpid = 0;
  std::uint8_t pcp = 0;
  bool dei = false;
  std::uint16_t vid = 0;
};

struct EthHeader {
  MacAddress dst;
  MacAddress src;
  std::vector<VlanTag> vlans;   // outer first
  std::uint16_t ethertype = 0;  // the one after the VLAN tags
};

struct Ipv4Header {
  std::uint8_t ihl = 0;  // in 32-bit words
  std::uint8_t tos = 0;
  std::uint16_t total_length = 0;
  std::uint16_t id = 0;
  bool reserved_flag = false;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // in 8-byte units
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  std::uint16_t checksum = 0;
  boost::asio::ip::address_v4 src;
  boost::asio::ip::address_v4 dst;
  Bytes options;
};

struct Ipv6Extension {
  std::uint8_t type = 0;   // the Next Header value that announced it (0, 43, 44, 60, 51)
  std::size_t offset = 0;  // in the frame
  Bytes bytes;             // the whole extension header
};

struct Ipv6Header {
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = 0;  // in the fixed header
  std::uint8_t hop_limit = 0;
  boost::asio::ip::address_v6 src;
  boost::asio::ip::address_v6 dst;
  std::vector<Ipv6Extension> extensions;
  std::optional<Ipv6FragmentFields> fragment;
  std::optional<Ipv6RoutingFields> routing;
  std::uint8_t protocol = 0;  // the upper-layer protocol after the extension headers
};

struct TcpHeader {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t data_offset = 0;  // in 32-bit words
  TcpFlags flags = TcpFlags::kNone;
  std::uint16_t window = 0;
  std::uint16_t checksum = 0;
  std::uint16_t urgent = 0;
  Bytes options;
};

struct UdpHeader {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t length = 0;
  std::uint16_t checksum = 0;
};

struct SctpHeader {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t verification_tag = 0;
  std::uint32_t checksum = 0;  // as loadSctpChecksum reads it
};

struct IcmpHeader {
  bool v6 = false;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t checksum = 0;
  std::uint32_t rest = 0;  // the 4 bytes after the checksum

  [[nodiscard]] std::uint16_t id() const { return static_cast<std::uint16_t>(rest >> 16); }
  [[nodiscard]] std::uint16_t seq() const { return static_cast<std::uint16_t>(rest & 0xffff); }
  // Frag-needed keeps the MTU in the low 16 bits; packet-too-big uses all 32.
  [[nodiscard]] std::uint32_t mtu() const { return v6 ? rest : rest & 0xffff; }
  // An error message, whose body quotes the offending packet.
  [[nodiscard]] bool isError() const;
};

// One verified checksum.
struct ChecksumCheck {
  std::string what;           // "ipv4 header", "tcp", "icmp.inner.ipv4 header"
  std::size_t offset = 0;     // of the checksum field in the frame
  std::uint32_t found = 0;    // as on the wire
  std::uint32_t correct = 0;  // what a correct packet carries there
  bool valid = false;
};

// One header field: where it is and what it says. Fields sharing bytes (IPv4 flags and fragment
// offset) each have their own entry.
struct Field {
  std::string name;  // "ipv4.dst", "tcp.dst_port", "icmp.inner.udp.src_port", "payload"
  std::size_t offset = 0;
  std::size_t size = 0;
  std::string value;    // as a person reads it: "10.96.0.10", "8080", "[S.]", "0x1c46"
  bool opaque = false;  // raw bytes (options, payload): compare the bytes, not `value`
};

struct Decoded {
  std::optional<EthHeader> eth;
  std::optional<Ipv4Header> ipv4;
  std::optional<Ipv6Header> ipv6;
  std::optional<TcpHeader> tcp;
  std::optional<UdpHeader> udp;
  std::optional<SctpHeader> sctp;
  std::optional<IcmpHeader> icmp;
  std::shared_ptr<const Decoded> inner;  // the packet an ICMP error quotes
  // For a quoted packet: why it could not be decoded whole, "cut short: TCP header needs 20 bytes
  // at offset 62, 8 left" (quotes usually end early; that is not an error). Empty when whole.
  std::string incomplete;
  Bytes payload;  // after the L4 header; an ICMP body; a non-first fragment's data
  Bytes trailer;  // after the IP datagram (Ethernet padding)
  std::vector<ChecksumCheck> checksums;
  std::vector<Field> fields;  // in wire order

  [[nodiscard]] int ipVersion() const { return ipv4 ? 4 : ipv6 ? 6 : 0; }
  [[nodiscard]] base::IpAddress src() const;  // unspecified when not IP
  [[nodiscard]] base::IpAddress dst() const;
  [[nodiscard]] std::uint8_t ttl() const;                      // TTL or hop limit
  [[nodiscard]] std::optional<std::uint8_t> protocol() const;  // upper layer, after extensions
  [[nodiscard]] std::optional<std::uint16_t> srcPort() const;  // TCP, UDP, SCTP
  [[nodiscard]] std::optional<std::uint16_t> dstPort() const;
  // A fragment other than the first: no L4 header, payload only.
  [[nodiscard]] bool isLaterFragment() const;

  // Every checksum this packet carries that can be verified: IPv4 header, the L4 with its
  // pseudo-header (not for fragments), and the quoted IPv4 header of an ICMP error (its L4 only
  // when quoted whole).
  [[nodiscard]] bool checksumsValid() const;
  // "tcp checksum at offset 50 is 0x1234, should be 0xabcd; ..."; empty when all are valid.
  [[nodiscard]] std::string checksumErrors() const;
};

struct DecodeOptions {
  bool ethernet = true;  // false: the bytes start with the IP header (Packet().noEth())
};

[[nodiscard]] base::Result<Decoded> decode(ByteView frame, DecodeOptions options = {});

// What parsed before the first problem, and that problem (nullopt when there was none).
struct PartialDecode {
  Decoded decoded;
  std::optional<base::Error> error;
};
[[nodiscard]] PartialDecode decodePartial(ByteView frame, DecodeOptions options = {});

}  // namespace sluice::packet
