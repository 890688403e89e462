// The serialising half of Packet: L4 segment first (its length feeds the IP header), then the IP
// header with the pseudo-header checksum filled in, then the Ethernet/VLAN framing.
#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

#include "sluice/packet/checksum.h"
#include "sluice/packet/packet.h"
#include "wire.h"

namespace sluice::packet {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

// A checksum that can never verify: one's-complement arithmetic treats 0x0000 and 0xFFFF as the
// same number, so flipping the low bit (a change of exactly 1) is always wrong.
std::uint16_t spoil(std::uint16_t checksum) { return static_cast<std::uint16_t>(checksum ^ 1U); }

std::string l4Name(std::size_t index) {
  static constexpr const char* kNames[] = {"", "tcp()", "udp()", "sctp()", "icmp", "rawL4()"};
  return kNames[index];
}

}  // namespace

base::Result<Bytes> Packet::buildL4(std::uint8_t& protocol) const {
  Bytes segment;
  auto header = std::visit(
      Overloaded{
          [&](std::monostate) -> base::Result<Bytes> {
            protocol = std::holds_alternative<Ipv6>(l3_) ? ipproto::kNoNext : ipproto::kReserved;
            return Bytes{};
          },
          [&](const Tcp& tcp) -> base::Result<Bytes> {
            protocol = ipproto::kTcp;
            Bytes options = tcp.fields.options;
            options.resize((options.size() + 3) / 4 * 4, 0);
            Bytes h(kTcpHeaderSize, 0);
            store16(h, 0, tcp.src_port);
            store16(h, 2, tcp.dst_port);
            store32(h, 4, tcp.fields.seq);
            store32(h, 8, tcp.fields.ack);
            const std::size_t words = (kTcpHeaderSize + options.size()) / 4;
            if (words > 15 && !tcp.fields.data_offset) {
              return base::fail(base::Errc::kInvalidArgument,
                                "tcp(): options longer than 40 bytes; set data_offset to force");
            }
            h[12] = static_cast<std::uint8_t>(
                tcp.fields.data_offset.value_or(static_cast<std::uint8_t>(words & 0xf)) << 4);
            h[13] = static_cast<std::uint8_t>(tcp.flags);
            store16(h, 14, tcp.fields.window);
            store16(h, 18, tcp.fields.urgent);
            wire::append(h, options);
            return h;
          },
          [&](const Udp& udp) -> base::Result<Bytes> {
            protocol = ipproto::kUdp;
            Bytes h(kUdpHeaderSize, 0);
            store16(h, 0, udp.src_port);
            store16(h, 2, udp.dst_port);
            const std::size_t length = kUdpHeaderSize + payload_.size();
            if (length > 0xffff && !udp.fields.length) {
              return base::fail(base::Errc::kInvalidArgument,
                                "udp(): " + std::to_string(length) + " bytes overflow the length");
            }
            store16(h, 4, udp.fields.length.value_or(static_cast<std::uint16_t>(length)));
            return h;
          },
          [&](const Sctp& sctp) -> base::Result<Bytes> {
            protocol = ipproto::kSctp;
            Bytes h(kSctpCommonHeaderSize, 0);
            store16(h, 0, sctp.src_port);
            store16(h, 2, sctp.dst_port);
            store32(h, 4, sctp.fields.verification_tag);
            return h;
          },
          [&](const Icmp& icmp) -> base::Result<Bytes> {
            protocol = icmp.v6 ? ipproto::kIcmpv6 : ipproto::kIcmp;
            Bytes h(kIcmpHeaderSize, 0);
            h[0] = icmp.fields.type;
            h[1] = icmp.fields.code;
            store32(h, 4, icmp.fields.rest);
            wire::append(h, icmp.quoted);
            return h;
          },
          [&](const Raw& raw) -> base::Result<Bytes> {
            protocol = raw.protocol;
            return Bytes{};
          },
      },
      l4_);
  if (!header) return header;
  segment = std::move(*header);
  wire::append(segment, payload_);
  return segment;
}

void Packet::fillL4Checksum(Bytes& segment, const base::IpAddress& src,
                            const base::IpAddress& dst) const {
  const auto internet = [&](std::size_t at, std::uint8_t protocol,
                            const std::optional<std::uint16_t>& fixed, bool pseudo) {
    std::uint16_t checksum = 0;
    if (fixed) {
      checksum = *fixed;
    } else {
      checksum = pseudo ? l4Checksum(src, dst, protocol, segment) : internetChecksum(segment);
      if (protocol == ipproto::kUdp && checksum == 0) checksum = 0xffff;  // 0 means "none"
      if (bad_l4_checksum_) checksum = spoil(checksum);
      if (protocol == ipproto::kUdp && checksum == 0) checksum = 3;
    }
    store16(segment, at, checksum);
  };
  std::visit(Overloaded{
                 [](std::monostate) {},
                 [](const Raw&) {},
                 [&](const Tcp& tcp) { internet(16, ipproto::kTcp, tcp.fields.checksum, true); },
                 [&](const Udp& udp) { internet(6, ipproto::kUdp, udp.fields.checksum, true); },
                 [&](const Icmp& icmp) {
                   internet(2, icmp.v6 ? ipproto::kIcmpv6 : ipproto::kIcmp, icmp.fields.checksum,
                            icmp.v6);
                 },
                 [&](const Sctp& sctp) {
                   std::uint32_t crc = sctp.fields.checksum.value_or(sctpChecksum(segment));
                   if (!sctp.fields.checksum && bad_l4_checksum_) crc ^= 1U;
                   storeSctpChecksum(segment, 8, crc);
                 },
             },
             l4_);
}

base::Result<Bytes> Packet::buildIpv4(const Ipv4& ip) const {
  if (!ext_headers_.empty()) {
    return base::fail(base::Errc::kInvalidArgument,
                      "IPv6 extension headers (hopByHop() ...) on an ipv4() packet");
  }
  if (const auto* icmp = std::get_if<Icmp>(&l4_); icmp && icmp->v6) {
    return base::fail(base::Errc::kInvalidArgument, "icmpv6 over ipv4(); use icmpv4");
  }
  std::uint8_t protocol = 0;
  auto segment = buildL4(protocol);
  if (!segment) return segment;
  fillL4Checksum(*segment, ip.src, ip.dst);

  const Ipv4Fields& f = ip.fields;
  Bytes options = f.options;
  options.resize((options.size() + 3) / 4 * 4, 0);
  const std::size_t header_size = kIpv4HeaderSize + options.size();
  const std::size_t total = header_size + segment->size();
  if (header_size > 60 && !f.ihl) {
    return base::fail(base::Errc::kInvalidArgument,
                      "ipv4(): options longer than 40 bytes; set ihl to force");
  }
  if (total > 0xffff && !f.total_length) {
    return base::fail(base::Errc::kInvalidArgument,
                      "ipv4(): datagram of " + std::to_string(total) +
                          " bytes overflows total_length; make it smaller or set total_length");
  }
  Bytes h(kIpv4HeaderSize, 0);
  h[0] = static_cast<std::uint8_t>(
      0x40 | f.ihl.value_or(static_cast<std::uint8_t>((header_size / 4) & 0xf)));
  h[1] = f.tos;
  store16(h, 2, f.total_length.value_or(static_cast<std::uint16_t>(total)));
  store16(h, 4, f.id);
  const unsigned flags = (f.reserved_flag ? 0x8000U : 0U) | (f.dont_fragment ? 0x4000U : 0U) |
                         (f.more_fragments ? 0x2000U : 0U);
  store16(h, 6, static_cast<std::uint16_t>(flags | f.fragment_offset));
  h[8] = f.ttl;
  h[9] = f.protocol.value_or(protocol);
  store32(h, 12, ip.src.to_uint());
  store32(h, 16, ip.dst.to_uint());
  wire::append(h, options);
  std::uint16_t checksum = f.checksum.value_or(internetChecksum(h));
  if (!f.checksum && bad_ip_checksum_) checksum = spoil(checksum);
  store16(h, 10, checksum);
  wire::append(h, *segment);
  return h;
}

base::Result<Bytes> Packet::buildIpv6(const Ipv6& ip) const {
  if (const auto* icmp = std::get_if<Icmp>(&l4_); icmp && !icmp->v6) {
    return base::fail(base::Errc::kInvalidArgument, "icmpv4 over ipv6(); use icmpv6");
  }
  std::uint8_t protocol = 0;
  auto segment = buildL4(protocol);
  if (!segment) return segment;

  Bytes extensions;
  boost::asio::ip::address_v6 pseudo_dst = ip.dst;
  for (std::size_t i = 0; i < ext_headers_.size(); ++i) {
    Bytes header = ext_headers_[i].bytes;
    header[0] = i + 1 < ext_headers_.size() ? ext_headers_[i + 1].type : protocol;
    if (ext_headers_[i].type == ipproto::kRouting) {
      if (auto final_dst = wire::routingFinalDestination(header)) pseudo_dst = *final_dst;
    }
    wire::append(extensions, header);
  }
  fillL4Checksum(*segment, ip.src, pseudo_dst);

  const Ipv6Fields& f = ip.fields;
  const std::size_t payload_length = extensions.size() + segment->size();
  if (payload_length > 0xffff && !f.payload_length) {
    return base::fail(base::Errc::kInvalidArgument,
                      "ipv6(): payload of " + std::to_string(payload_length) +
                          " bytes overflows payload_length (jumbograms are not supported)");
  }
  Bytes h(kIpv6HeaderSize, 0);
  store32(h, 0, (6U << 28) | (std::uint32_t{f.traffic_class} << 20) | (f.flow_label & 0xfffffU));
  store16(h, 4, f.payload_length.value_or(static_cast<std::uint16_t>(payload_length)));
  h[6] = f.next_header.value_or(ext_headers_.empty() ? protocol : ext_headers_.front().type);
  h[7] = f.hop_limit;
  const auto src = ip.src.to_bytes();
  const auto dst = ip.dst.to_bytes();
  std::copy(src.begin(), src.end(), h.begin() + 8);
  std::copy(dst.begin(), dst.end(), h.begin() + 24);
  wire::append(h, extensions);
  wire::append(h, *segment);
  return h;
}

base::Result<Bytes> Packet::tryBuildDatagram() const {
  if (error_) return base::fail(*error_);
  if (const auto* v4 = std::get_if<Ipv4>(&l3_)) return buildIpv4(*v4);
  if (const auto* v6 = std::get_if<Ipv6>(&l3_)) return buildIpv6(*v6);
  if (l4_.index() != 0) {
    return base::fail(base::Errc::kInvalidArgument,
                      l4Name(l4_.index()) + " needs an IP layer: call ipv4() or ipv6()");
  }
  if (!ext_headers_.empty()) {
    return base::fail(base::Errc::kInvalidArgument, "IPv6 extension headers need ipv6()");
  }
  return payload_;  // an L2-only frame (ARP, LLDP ...): the payload is all there is
}

base::Result<Bytes> Packet::tryBuild() const {
  auto datagram = tryBuildDatagram();
  if (!datagram) return datagram;
  Bytes frame;
  if (with_eth_) {
    std::uint16_t l3_type = 0;
    if (eth_fields_.ethertype) {
      l3_type = *eth_fields_.ethertype;
    } else if (std::holds_alternative<Ipv4>(l3_)) {
      l3_type = ethertype::kIpv4;
    } else if (std::holds_alternative<Ipv6>(l3_)) {
      l3_type = ethertype::kIpv6;
    } else {
      return base::fail(base::Errc::kInvalidArgument,
                        "a frame with no IP layer needs eth(..., {.ethertype = ...})");
    }
    wire::append(frame, eth_dst_.bytes());
    wire::append(frame, eth_src_.bytes());
    frame.resize(frame.size() + 2);
    std::size_t type_at = frame.size() - 2;
    for (const Vlan& tag : vlans_) {
      store16(frame, type_at, tag.fields.tpid);
      frame.resize(frame.size() + 4);
      const unsigned tci =
          (unsigned{tag.fields.pcp} << 13) | (tag.fields.dei ? 0x1000U : 0U) | tag.vid;
      store16(frame, frame.size() - 4, static_cast<std::uint16_t>(tci));
      type_at = frame.size() - 2;
    }
    store16(frame, type_at, l3_type);
  }
  wire::append(frame, *datagram);
  wire::append(frame, trailer_);
  if (truncate_to_) frame = truncate(std::move(frame), *truncate_to_);
  return frame;
}

}  // namespace sluice::packet
