// The fluent half of Packet: each method records a layer or a malformation; build.cc turns them
// into bytes.
#include "sluice/packet/packet.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "wire.h"

namespace sluice::packet {

namespace {

// Pads IPv6 options so that the 2-byte header plus options is a multiple of 8 (RFC 8200 4.2).
Bytes padOptions(Bytes options) {
  const std::size_t missing = (8 - (options.size() + 2) % 8) % 8;
  if (missing == 1) {
    options.push_back(0);  // Pad1
  } else if (missing > 1) {
    options.push_back(1);  // PadN
    options.push_back(static_cast<std::uint8_t>(missing - 2));
    options.insert(options.end(), missing - 2, 0);
  }
  return options;
}

// A hop-by-hop, destination-options or routing header: Next Header (filled at build), length in
// 8-byte units not counting the first 8, then the body (already padded).
Bytes lengthPrefixed(const Bytes& body) {
  Bytes header;
  header.reserve(body.size() + 2);
  header.push_back(0);
  header.push_back(static_cast<std::uint8_t>((body.size() + 2) / 8 - 1));
  header.insert(header.end(), body.begin(), body.end());
  return header;
}

}  // namespace

void Packet::recordError(std::string message) {
  if (!error_) error_.emplace(base::Errc::kInvalidArgument, std::move(message));
}

Packet& Packet::eth(MacAddress src, MacAddress dst, EthFields fields) {
  with_eth_ = true;
  eth_src_ = src;
  eth_dst_ = dst;
  eth_fields_ = fields;
  return *this;
}

Packet& Packet::vlan(std::uint16_t vid, VlanFields fields) {
  if (vid > 0xfff) recordError("vlan(): VLAN id " + std::to_string(vid) + " is not 0..4095");
  if (fields.pcp > 7) recordError("vlan(): PCP " + std::to_string(fields.pcp) + " is not 0..7");
  vlans_.push_back({.vid = vid, .fields = fields});
  return *this;
}

Packet& Packet::noEth() {
  with_eth_ = false;
  return *this;
}

Packet& Packet::ipv4(const base::IpAddress& src, const base::IpAddress& dst, Ipv4Fields fields) {
  if (!src.is_v4() || !dst.is_v4()) {
    recordError("ipv4(): " + src.to_string() + " > " + dst.to_string() +
                " are not both IPv4 addresses; use ipv6()");
    return *this;
  }
  if (fields.fragment_offset > 0x1fff) recordError("ipv4(): fragment_offset is 13 bits");
  if (fields.ihl && *fields.ihl > 15) recordError("ipv4(): ihl is a 4-bit field");
  l3_ = Ipv4{.src = src.to_v4(), .dst = dst.to_v4(), .fields = std::move(fields)};
  return *this;
}

Packet& Packet::ipv4(std::string_view src, std::string_view dst, Ipv4Fields fields) {
  auto s = base::parseIpAddress(src);
  auto d = base::parseIpAddress(dst);
  if (!s || !d) {
    recordError("ipv4(): " + (s ? d.error() : s.error()).message());
    return *this;
  }
  return ipv4(*s, *d, std::move(fields));
}

Packet& Packet::ipv6(const base::IpAddress& src, const base::IpAddress& dst, Ipv6Fields fields) {
  if (!src.is_v6() || !dst.is_v6()) {
    recordError("ipv6(): " + src.to_string() + " > " + dst.to_string() +
                " are not both IPv6 addresses; use ipv4()");
    return *this;
  }
  if (fields.flow_label > 0xfffff) recordError("ipv6(): flow_label is 20 bits");
  l3_ = Ipv6{.src = src.to_v6(), .dst = dst.to_v6(), .fields = fields};
  return *this;
}

Packet& Packet::ipv6(std::string_view src, std::string_view dst, Ipv6Fields fields) {
  auto s = base::parseIpAddress(src);
  auto d = base::parseIpAddress(dst);
  if (!s || !d) {
    recordError("ipv6(): " + (s ? d.error() : s.error()).message());
    return *this;
  }
  return ipv6(*s, *d, fields);
}

Packet& Packet::hopByHop(Bytes options) {
  ext_headers_.push_back(
      {.type = ipproto::kHopByHop, .bytes = lengthPrefixed(padOptions(std::move(options)))});
  return *this;
}

Packet& Packet::destOptions(Bytes options) {
  ext_headers_.push_back(
      {.type = ipproto::kDestOptions, .bytes = lengthPrefixed(padOptions(std::move(options)))});
  return *this;
}

Packet& Packet::routing(Ipv6RoutingFields fields) {
  Bytes body{fields.type, fields.segments_left};
  body.insert(body.end(), fields.data.begin(), fields.data.end());
  body.resize(body.size() + (8 - (body.size() + 2) % 8) % 8, 0);
  if (body.size() + 2 > 2048) recordError("routing(): header longer than 2048 bytes");
  ext_headers_.push_back({.type = ipproto::kRouting, .bytes = lengthPrefixed(body)});
  return *this;
}

Packet& Packet::routing(std::uint8_t type, std::uint8_t segments_left,
                        const std::vector<base::IpAddress>& addresses) {
  Ipv6RoutingFields fields{.type = type, .segments_left = segments_left, .data = Bytes(4, 0)};
  for (const auto& address : addresses) {
    if (!address.is_v6()) {
      recordError("routing(): " + address.to_string() + " is not an IPv6 address");
      continue;
    }
    const auto bytes = address.to_v6().to_bytes();
    fields.data.insert(fields.data.end(), bytes.begin(), bytes.end());
  }
  return routing(std::move(fields));
}

Packet& Packet::fragmentHeader(Ipv6FragmentFields fields) {
  if (fields.offset > 0x1fff) recordError("fragmentHeader(): offset is 13 bits");
  Bytes header(8, 0);
  store16(header, 2,
          static_cast<std::uint16_t>((fields.offset << 3) | (fields.more_fragments ? 1 : 0)));
  store32(header, 4, fields.id);
  ext_headers_.push_back({.type = ipproto::kFragment, .bytes = std::move(header)});
  return *this;
}

Packet& Packet::tcp(std::uint16_t src_port, std::uint16_t dst_port, TcpFlags flags,
                    TcpFields fields) {
  if (fields.data_offset && *fields.data_offset > 15) {
    recordError("tcp(): data_offset is a 4-bit field");
  }
  l4_ =
      Tcp{.src_port = src_port, .dst_port = dst_port, .flags = flags, .fields = std::move(fields)};
  return *this;
}

Packet& Packet::udp(std::uint16_t src_port, std::uint16_t dst_port, UdpFields fields) {
  l4_ = Udp{.src_port = src_port, .dst_port = dst_port, .fields = fields};
  return *this;
}

Packet& Packet::sctp(std::uint16_t src_port, std::uint16_t dst_port, SctpFields fields) {
  l4_ = Sctp{.src_port = src_port, .dst_port = dst_port, .fields = fields};
  return *this;
}

Packet& Packet::setQuoted(bool v6, IcmpFields fields, const Packet& quoted) {
  auto datagram = quoted.tryBuildDatagram();
  if (!datagram) {
    recordError("quoted packet: " + datagram.error().message());
    return *this;
  }
  // An ICMP error quotes the start of the offending datagram (RFC 792, RFC 4443 2.4(c)); the
  // quoted packet's truncateTo() says how much.
  if (quoted.truncate_to_) *datagram = truncate(std::move(*datagram), *quoted.truncate_to_);
  l4_ = Icmp{.v6 = v6, .fields = fields, .quoted = std::move(*datagram)};
  return *this;
}

Packet& Packet::icmpv4(IcmpFields fields) {
  l4_ = Icmp{.v6 = false, .fields = fields};
  return *this;
}
Packet& Packet::icmpv4(IcmpFields fields, const Packet& quoted) {
  return setQuoted(false, fields, quoted);
}
Packet& Packet::icmpv4EchoRequest(std::uint16_t id, std::uint16_t seq) {
  return icmpv4({.type = icmp4::kEchoRequest, .rest = wire::echoRest(id, seq)});
}
Packet& Packet::icmpv4EchoReply(std::uint16_t id, std::uint16_t seq) {
  return icmpv4({.type = icmp4::kEchoReply, .rest = wire::echoRest(id, seq)});
}
Packet& Packet::icmpv4DestUnreachable(std::uint8_t code, const Packet& quoted) {
  return icmpv4({.type = icmp4::kDestUnreachable, .code = code}, quoted);
}
Packet& Packet::icmpv4FragNeeded(std::uint16_t mtu, const Packet& quoted) {
  // RFC 1191: the next-hop MTU is the low 16 bits of the rest-of-header word.
  return icmpv4({.type = icmp4::kDestUnreachable, .code = icmp4::kFragNeeded, .rest = mtu}, quoted);
}
Packet& Packet::icmpv4TimeExceeded(const Packet& quoted, std::uint8_t code) {
  return icmpv4({.type = icmp4::kTimeExceeded, .code = code}, quoted);
}

Packet& Packet::icmpv6(IcmpFields fields) {
  l4_ = Icmp{.v6 = true, .fields = fields};
  return *this;
}
Packet& Packet::icmpv6(IcmpFields fields, const Packet& quoted) {
  return setQuoted(true, fields, quoted);
}
Packet& Packet::icmpv6EchoRequest(std::uint16_t id, std::uint16_t seq) {
  return icmpv6({.type = icmp6::kEchoRequest, .rest = wire::echoRest(id, seq)});
}
Packet& Packet::icmpv6EchoReply(std::uint16_t id, std::uint16_t seq) {
  return icmpv6({.type = icmp6::kEchoReply, .rest = wire::echoRest(id, seq)});
}
Packet& Packet::icmpv6DestUnreachable(std::uint8_t code, const Packet& quoted) {
  return icmpv6({.type = icmp6::kDestUnreachable, .code = code}, quoted);
}
Packet& Packet::icmpv6PacketTooBig(std::uint32_t mtu, const Packet& quoted) {
  return icmpv6({.type = icmp6::kPacketTooBig, .rest = mtu}, quoted);
}
Packet& Packet::icmpv6TimeExceeded(const Packet& quoted, std::uint8_t code) {
  return icmpv6({.type = icmp6::kTimeExceeded, .code = code}, quoted);
}

Packet& Packet::rawL4(std::uint8_t protocol) {
  l4_ = Raw{.protocol = protocol};
  return *this;
}

Packet& Packet::payload(std::string_view text) {
  payload_.assign(text.begin(), text.end());
  return *this;
}
Packet& Packet::payload(Bytes bytes) {
  payload_ = std::move(bytes);
  return *this;
}
Packet& Packet::payloadSize(std::size_t size) {
  payload_.resize(size);
  for (std::size_t i = 0; i < size; ++i) payload_[i] = static_cast<std::uint8_t>(i & 0xff);
  return *this;
}
Packet& Packet::trailer(Bytes bytes) {
  trailer_ = std::move(bytes);
  return *this;
}

Packet& Packet::badIpChecksum() {
  bad_ip_checksum_ = true;
  return *this;
}
Packet& Packet::badL4Checksum() {
  bad_l4_checksum_ = true;
  return *this;
}
Packet& Packet::truncateTo(std::size_t size) {
  truncate_to_ = size;
  return *this;
}

Bytes Packet::build() const {
  auto bytes = tryBuild();
  if (!bytes) throw std::invalid_argument("Packet::build(): " + bytes.error().message());
  return std::move(*bytes);
}

}  // namespace sluice::packet
