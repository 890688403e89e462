#include "sluice/lb/rewrite.h"

#include <algorithm>

namespace sluice::lb {
namespace {

constexpr std::uint8_t kIcmpEchoReply = 0;
constexpr std::uint8_t kIcmpv6EchoReply = 129;
constexpr std::uint8_t kIcmpv6NeighborSolicitation = 135;
constexpr std::uint8_t kIcmpv6NeighborAdvertisement = 136;
constexpr std::uint8_t kNdOptionTargetLinkLayer = 2;
constexpr std::size_t kNdMessageLen = 24;      // type .. target address
constexpr std::size_t kNdLinkLayerOptLen = 8;  // type, length, MAC
constexpr std::uint8_t kTtlDefault = 64;

std::size_t addrLen(std::uint8_t family) { return family == kFamilyIpv4 ? 4 : 16; }

// The ICMPv6 checksum of `len` bytes at icmp (checksum field zero) with its pseudo header.
std::uint16_t icmpv6Checksum(const std::uint8_t* ip6, const std::uint8_t* icmp, std::size_t len) {
  std::uint32_t sum = checksumAdd(0, ip6 + 8, 32);
  sum += static_cast<std::uint32_t>(len);
  sum += kProtoIcmpv6;
  return checksumOf(icmp, len, sum);
}

}  // namespace

void rewriteFlow(std::uint8_t* frame, const ParsedPacket& pkt, const Addr& src, std::uint16_t sport,
                 const Addr& dst, std::uint16_t dport) noexcept {
  std::uint8_t* l3 = frame + pkt.l3_off;
  std::uint8_t* l4 = frame + pkt.l4_off;
  std::uint8_t* l4_check = l4 + (pkt.proto == kProtoTcp ? 16 : 6);
  const bool udp_no_checksum =
      pkt.proto == kProtoUdp && pkt.family == kFamilyIpv4 && load16(l4_check) == 0;
  const std::size_t len = addrLen(pkt.family);
  std::uint8_t* addrs = l3 + (pkt.family == kFamilyIpv4 ? 12 : 8);

  std::uint8_t after[32];
  std::copy_n(src.bytes.begin(), len, after);
  std::copy_n(dst.bytes.begin(), len, after + len);
  if (pkt.family == kFamilyIpv4) checksumReplace(l3 + 10, addrs, after, 2 * len);
  if (!udp_no_checksum) checksumReplace(l4_check, addrs, after, 2 * len);
  std::copy_n(after, 2 * len, addrs);

  std::uint8_t ports_before[4];
  std::copy_n(l4, 4, ports_before);
  store16(l4, sport);
  store16(l4 + 2, dport);
  if (!udp_no_checksum) {
    checksumReplace(l4_check, ports_before, l4, 4);
    if (pkt.proto == kProtoUdp && load16(l4_check) == 0) store16(l4_check, 0xffff);
  }
}

void decrementTtl(std::uint8_t* frame, const ParsedPacket& pkt) noexcept {
  std::uint8_t* l3 = frame + pkt.l3_off;
  if (pkt.family == kFamilyIpv4) {
    const std::uint16_t before = load16(l3 + 8);
    --l3[8];
    checksumReplace16(l3 + 10, before, load16(l3 + 8));
  } else {
    --l3[7];
  }
}

void setMacs(std::uint8_t* frame, const Mac& dst, const Mac& src) noexcept {
  std::copy(dst.begin(), dst.end(), frame);
  std::copy(src.begin(), src.end(), frame + 6);
}

bool encapsulate(Frame& frame, const ParsedPacket& pkt, const Addr& outer_src,
                 const Addr& outer_dst, std::uint16_t port) noexcept {
  const std::size_t outer_len = pkt.family == kFamilyIpv4 ? kIpv4HeaderLen : kIpv6HeaderLen;
  if (frame.headroom < outer_len || pkt.l3_len + outer_len > 0xffff) return false;
  std::uint8_t* start = frame.data - outer_len;
  std::copy(frame.data, frame.data + pkt.l3_off, start);  // L2 header to the new front
  std::uint8_t* outer = start + pkt.l3_off;
  std::fill_n(outer, outer_len, 0);
  if (pkt.family == kFamilyIpv4) {
    outer[0] = 0x45;
    store16(outer + 2, static_cast<std::uint16_t>(pkt.l3_len + outer_len));
    store16(outer + 4, port);
    outer[8] = kTtlDefault;
    outer[9] = kProtoIpip;
    std::copy_n(outer_src.bytes.begin(), 4, outer + 12);
    std::copy_n(outer_dst.bytes.begin(), 4, outer + 16);
    store16(outer + 10, checksumOf(outer, kIpv4HeaderLen));
  } else {
    store32(outer, 0x60000000U | port);  // version 6, traffic class 0, flow label = port
    store16(outer + 4, pkt.l3_len);
    outer[6] = kProtoIpv6InIp;
    outer[7] = kTtlDefault;
    std::copy_n(outer_src.bytes.begin(), 16, outer + 8);
    std::copy_n(outer_dst.bytes.begin(), 16, outer + 24);
  }
  frame.data = start;
  frame.headroom = static_cast<std::uint16_t>(frame.headroom - outer_len);
  frame.length = static_cast<std::uint16_t>(frame.length + outer_len);
  return true;
}

void echoReply(std::uint8_t* frame, const ParsedPacket& pkt) noexcept {
  Mac mac;
  std::copy_n(frame, 6, mac.begin());
  std::copy_n(frame + 6, 6, frame);
  std::copy(mac.begin(), mac.end(), frame + 6);

  std::uint8_t* icmp = frame + pkt.l4_off;
  const std::uint16_t type_before = load16(icmp);
  icmp[0] = pkt.family == kFamilyIpv4 ? kIcmpEchoReply : kIcmpv6EchoReply;
  checksumReplace16(icmp + 2, type_before, load16(icmp));  // swapped addresses: same pseudo sum

  std::uint8_t* l3 = frame + pkt.l3_off;
  const std::size_t len = addrLen(pkt.family);
  std::uint8_t* src = l3 + (pkt.family == kFamilyIpv4 ? 12 : 8);
  std::swap_ranges(src, src + len, src + len);
  if (pkt.family == kFamilyIpv4) {
    const std::uint16_t before = load16(l3 + 8);
    l3[8] = kTtlDefault;
    checksumReplace16(l3 + 10, before, load16(l3 + 8));
  } else {
    l3[7] = kTtlDefault;
  }
}

bool arpRequestTarget(const std::uint8_t* frame, std::uint16_t length, const ParsedPacket& pkt,
                      Addr& target) noexcept {
  if (pkt.ethertype != kEtherTypeArp || length < pkt.l3_off + kArpIpv4Len) return false;
  const std::uint8_t* arp = frame + pkt.l3_off;
  // Ethernet (1), IPv4 (0x0800), 6-byte MACs, 4-byte addresses, request (1).
  if (load16(arp) != 1 || load16(arp + 2) != kEtherTypeIpv4 || arp[4] != 6 || arp[5] != 4 ||
      load16(arp + 6) != 1) {
    return false;
  }
  target = Addr{};
  std::copy_n(arp + 24, 4, target.bytes.begin());
  return true;
}

void arpReply(std::uint8_t* frame, const ParsedPacket& pkt, const Mac& mac) noexcept {
  std::uint8_t* arp = frame + pkt.l3_off;
  std::uint8_t sender[10];  // the requester's MAC and address
  std::copy_n(arp + 8, 10, sender);
  store16(arp + 6, 2);
  std::copy_n(arp + 24, 4, arp + 14);  // our address: what was asked for
  std::copy(mac.begin(), mac.end(), arp + 8);
  std::copy_n(sender, 10, arp + 18);
  std::copy_n(sender, 6, frame);
  std::copy(mac.begin(), mac.end(), frame + 6);
}

bool neighborSolicitationTarget(const std::uint8_t* frame, std::uint16_t length,
                                const ParsedPacket& pkt, Addr& target) noexcept {
  if (pkt.family != kFamilyIpv6 || pkt.proto != kProtoIcmpv6 || pkt.fragment != Fragment::kNone ||
      pkt.icmp_type != kIcmpv6NeighborSolicitation || pkt.icmp_code != 0 || pkt.ttl != 255 ||
      pkt.l4_off != pkt.l3_off + kIpv6HeaderLen || length < pkt.l4_off + kNdMessageLen) {
    return false;
  }
  std::copy_n(frame + pkt.l4_off + 8, 16, target.bytes.begin());
  return true;
}

bool neighborAdvertisement(Frame& frame, const ParsedPacket& pkt, const Addr& target,
                           const Mac& mac) noexcept {
  const std::size_t icmp_len = kNdMessageLen + kNdLinkLayerOptLen;
  const std::size_t new_length = pkt.l4_off + icmp_len;
  if (new_length > std::size_t{frame.length} + frame.tailroom) return false;
  std::uint8_t* f = frame.data;
  std::uint8_t* ip6 = f + pkt.l3_off;
  const bool from_unspecified = pkt.src.isZero();

  std::copy_n(f + 6, 6, f);  // to the solicitor
  std::copy(mac.begin(), mac.end(), f + 6);
  // Payload: from the base header on (no extension headers in what we answer).
  store16(ip6 + 4, static_cast<std::uint16_t>(new_length - pkt.l3_off - kIpv6HeaderLen));
  ip6[6] = kProtoIcmpv6;
  ip6[7] = 255;
  if (from_unspecified) {
    // RFC 4861 7.2.4: to all-nodes, not solicited.
    static constexpr std::uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                   0,    0,    0, 0, 0, 0, 0, 1};
    std::copy_n(kAllNodes, 16, ip6 + 24);
  } else {
    std::copy_n(ip6 + 8, 16, ip6 + 24);
  }
  std::copy(target.bytes.begin(), target.bytes.end(), ip6 + 8);

  std::uint8_t* icmp = f + pkt.l3_off + kIpv6HeaderLen;
  std::fill_n(icmp, icmp_len, 0);
  icmp[0] = kIcmpv6NeighborAdvertisement;
  icmp[4] = from_unspecified ? 0x20 : 0x60;  // (solicited,) override
  std::copy(target.bytes.begin(), target.bytes.end(), icmp + 8);
  icmp[24] = kNdOptionTargetLinkLayer;
  icmp[25] = 1;
  std::copy(mac.begin(), mac.end(), icmp + 26);
  store16(icmp + 2, icmpv6Checksum(ip6, icmp, icmp_len));
  frame.tailroom = static_cast<std::uint16_t>(frame.length + frame.tailroom - new_length);
  frame.length = static_cast<std::uint16_t>(new_length);
  return true;
}

}  // namespace sluice::lb
