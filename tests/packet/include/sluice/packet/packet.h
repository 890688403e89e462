// Packet: the fluent builder of frames for data-plane fixture tests.
//
//   Bytes syn = Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build();
//   Bytes big = Packet().eth(kNodeMac, kGwMac).vlan(100).ipv6(a, b, {.hop_limit = 1})
//                   .hopByHop().udp(53, 5353).payload("hello").build();
//   Bytes err = Packet().ipv4(router, pod).icmpv4FragNeeded(1400, Packet().ipv4(pod, svc)
//                   .tcp(40000, 80, TcpFlags::kAck).payloadSize(1500)).build();
//
// Layers are set by calling their method once (calling it again replaces it); order of calls does
// not matter, except that IPv6 extension headers go on the wire in the order they were added.
// Lengths and checksums are computed at build() unless a *Fields struct sets them, so a malformed
// packet differs from a good one by exactly the field the test is about. Without eth() a frame gets
// kDefaultSrcMac/kDefaultDstMac; noEth() makes a bare IP datagram.
//
// Misuse (an IPv6 address given to ipv4(), tcp() with no IP layer, a payload too long for a
// 16-bit length) is reported by tryBuild() as an Error, and by build() as std::invalid_argument
// carrying the same text, which gtest reports as a failure of the test that built the packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/base/error.h"
#include "sluice/packet/fields.h"
#include "sluice/packet/headers.h"

namespace sluice::packet {

class Packet {
 public:
  // --- L2 ---
  Packet& eth(MacAddress src, MacAddress dst, EthFields fields = {});
  // Adds an 802.1Q tag after the MACs; a second call adds an inner tag (QinQ: outer first).
  Packet& vlan(std::uint16_t vid, VlanFields fields = {});
  // No Ethernet header: the frame starts with the IP header (L3 devices, quoted packets).
  Packet& noEth();

  // --- L3 (one of) ---
  Packet& ipv4(const base::IpAddress& src, const base::IpAddress& dst, Ipv4Fields fields = {});
  Packet& ipv4(std::string_view src, std::string_view dst, Ipv4Fields fields = {});
  Packet& ipv6(const base::IpAddress& src, const base::IpAddress& dst, Ipv6Fields fields = {});
  Packet& ipv6(std::string_view src, std::string_view dst, Ipv6Fields fields = {});

  // --- IPv6 extension headers, on the wire in call order ---
  // Options are padded with Pad1/PadN to a multiple of 8 bytes; {} gives one PadN.
  Packet& hopByHop(Bytes options = {});
  Packet& destOptions(Bytes options = {});
  Packet& routing(Ipv6RoutingFields fields);
  // Type 0/2 layout: 4 reserved bytes, then the addresses.
  Packet& routing(std::uint8_t type, std::uint8_t segments_left,
                  const std::vector<base::IpAddress>& addresses);
  Packet& fragmentHeader(Ipv6FragmentFields fields);

  // --- L4 (one of) ---
  Packet& tcp(std::uint16_t src_port, std::uint16_t dst_port, TcpFlags flags = TcpFlags::kNone,
              TcpFields fields = {});
  Packet& udp(std::uint16_t src_port, std::uint16_t dst_port, UdpFields fields = {});
  Packet& sctp(std::uint16_t src_port, std::uint16_t dst_port, SctpFields fields = {});
  // Any ICMP message; `quoted` (an ICMP error's offending packet) is built without its Ethernet
  // header and goes first in the body, before any payload().
  Packet& icmpv4(IcmpFields fields);
  Packet& icmpv4(IcmpFields fields, const Packet& quoted);
  Packet& icmpv4EchoRequest(std::uint16_t id, std::uint16_t seq);
  Packet& icmpv4EchoReply(std::uint16_t id, std::uint16_t seq);
  Packet& icmpv4DestUnreachable(std::uint8_t code, const Packet& quoted);
  Packet& icmpv4FragNeeded(std::uint16_t mtu, const Packet& quoted);
  Packet& icmpv4TimeExceeded(const Packet& quoted, std::uint8_t code = icmp4::kTtlExceeded);
  Packet& icmpv6(IcmpFields fields);
  Packet& icmpv6(IcmpFields fields, const Packet& quoted);
  Packet& icmpv6EchoRequest(std::uint16_t id, std::uint16_t seq);
  Packet& icmpv6EchoReply(std::uint16_t id, std::uint16_t seq);
  Packet& icmpv6DestUnreachable(std::uint8_t code, const Packet& quoted);
  Packet& icmpv6PacketTooBig(std::uint32_t mtu, const Packet& quoted);
  Packet& icmpv6TimeExceeded(const Packet& quoted, std::uint8_t code = icmp6::kHopLimitExceeded);
  // No L4 header: the payload follows the IP (extension) headers, under this protocol number
  // (GRE 47, a hand-made SCTP packet, the rest of a non-first fragment ...).
  Packet& rawL4(std::uint8_t protocol);

  // --- Data ---
  Packet& payload(std::string_view text);
  Packet& payload(Bytes bytes);
  // `size` bytes counting up from 0 (mod 256): for MTU and fragmentation cases.
  Packet& payloadSize(std::size_t size);
  // Bytes after the IP datagram, not counted in any length: Ethernet padding, junk.
  Packet& trailer(Bytes bytes);

  // --- Malformations ---
  Packet& badIpChecksum();  // the IPv4 header checksum, and that of a quoted packet untouched
  Packet& badL4Checksum();  // TCP/UDP/ICMP/ICMPv6/SCTP: a value that never verifies
  Packet& truncateTo(std::size_t size);  // cut the built frame to `size` bytes

  [[nodiscard]] base::Result<Bytes> tryBuild() const;
  [[nodiscard]] Bytes build() const;
  // The IP datagram alone, whatever eth()/noEth() said (and not truncated).
  [[nodiscard]] base::Result<Bytes> tryBuildDatagram() const;

 private:
  struct Vlan {
    std::uint16_t vid = 0;
    VlanFields fields;
  };
  struct Ipv4 {
    boost::asio::ip::address_v4 src, dst;
    Ipv4Fields fields;
  };
  struct Ipv6 {
    boost::asio::ip::address_v6 src, dst;
    Ipv6Fields fields;
  };
  struct ExtHeader {
    std::uint8_t type = 0;
    Bytes bytes;  // the whole header; bytes[0] (its Next Header) is filled at build
  };
  struct Tcp {
    std::uint16_t src_port = 0, dst_port = 0;
    TcpFlags flags = TcpFlags::kNone;
    TcpFields fields;
  };
  struct Udp {
    std::uint16_t src_port = 0, dst_port = 0;
    UdpFields fields;
  };
  struct Sctp {
    std::uint16_t src_port = 0, dst_port = 0;
    SctpFields fields;
  };
  struct Icmp {
    bool v6 = false;
    IcmpFields fields;
    Bytes quoted;
  };
  struct Raw {
    std::uint8_t protocol = 0;
  };
  using L3 = std::variant<std::monostate, Ipv4, Ipv6>;
  using L4 = std::variant<std::monostate, Tcp, Udp, Sctp, Icmp, Raw>;

  void recordError(std::string message);
  Packet& setQuoted(bool v6, IcmpFields fields, const Packet& quoted);
  [[nodiscard]] base::Result<Bytes> buildL4(std::uint8_t& protocol) const;
  void fillL4Checksum(Bytes& segment, const base::IpAddress& src, const base::IpAddress& dst) const;
  [[nodiscard]] base::Result<Bytes> buildIpv4(const Ipv4& ip) const;
  [[nodiscard]] base::Result<Bytes> buildIpv6(const Ipv6& ip) const;

  bool with_eth_ = true;
  MacAddress eth_src_ = kDefaultSrcMac;
  MacAddress eth_dst_ = kDefaultDstMac;
  EthFields eth_fields_;
  std::vector<Vlan> vlans_;
  L3 l3_;
  std::vector<ExtHeader> ext_headers_;
  L4 l4_;
  Bytes payload_;
  Bytes trailer_;
  bool bad_ip_checksum_ = false;
  bool bad_l4_checksum_ = false;
  std::optional<std::size_t> truncate_to_;
  std::optional<base::Error> error_;  // the first misuse; reported by tryBuild()
};

}  // namespace sluice::packet
