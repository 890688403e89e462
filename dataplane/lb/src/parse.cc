#include "sluice/lb/parse.h"

namespace sluice::lb {
namespace {

constexpr std::uint8_t kNextHop = 0;
constexpr std::uint8_t kNextRouting = 43;
constexpr std::uint8_t kNextFragment = 44;
constexpr std::uint8_t kNextDest = 60;
constexpr int kMaxIpv6Extensions = 4;

bool isIpv6Extension(std::uint8_t next) {
  return next == kNextHop || next == kNextRouting || next == kNextDest || next == kNextFragment;
}

int parseL4(const std::uint8_t* frame, std::uint16_t length, ParsedPacket& pkt) {
  if (pkt.fragment == Fragment::kLater) return 0;
  const std::uint8_t* l4 = frame + pkt.l4_off;
  const std::size_t left = length - pkt.l4_off;
  switch (pkt.proto) {
    case kProtoTcp:
      if (left < kTcpHeaderLen || (l4[12] >> 4U) < 5) return SLUICE_DROP_MALFORMED_L4;
      pkt.sport = load16(l4);
      pkt.dport = load16(l4 + 2);
      pkt.tcp_flags = l4[13];
      return 0;
    case kProtoUdp:
      if (left < kUdpHeaderLen) return SLUICE_DROP_MALFORMED_L4;
      pkt.sport = load16(l4);
      pkt.dport = load16(l4 + 2);
      return 0;
    case kProtoIcmp:
    case kProtoIcmpv6:
      if (left < kIcmpHeaderLen) return SLUICE_DROP_MALFORMED_L4;
      pkt.icmp_type = l4[0];
      pkt.icmp_code = l4[1];
      pkt.sport = load16(l4 + 4);
      pkt.dport = pkt.sport;
      return 0;
    default: return 0;
  }
}

int parseIpv4(const std::uint8_t* frame, std::uint16_t length, ParsedPacket& pkt) {
  const std::uint8_t* ip = frame + pkt.l3_off;
  if (length - pkt.l3_off < static_cast<int>(kIpv4HeaderLen)) return SLUICE_DROP_MALFORMED_L3;
  const unsigned ihl = ip[0] & 0x0fU;
  const std::uint16_t total = load16(ip + 2);
  if ((ip[0] >> 4U) != 4 || ihl < 5 || total < ihl * 4 || total > length - pkt.l3_off) {
    return SLUICE_DROP_MALFORMED_L3;
  }
  pkt.family = kFamilyIpv4;
  std::memcpy(pkt.src.bytes.data(), ip + 12, 4);
  std::memcpy(pkt.dst.bytes.data(), ip + 16, 4);
  pkt.proto = ip[9];
  pkt.ttl = ip[8];
  pkt.l3_len = total;
  pkt.l4_off = static_cast<std::uint16_t>(pkt.l3_off + ihl * 4);
  const std::uint16_t frag = load16(ip + 6);
  if ((frag & 0x1fffU) != 0) {
    pkt.fragment = Fragment::kLater;
  } else if ((frag & 0x2000U) != 0) {
    pkt.fragment = Fragment::kFirst;
  }
  return parseL4(frame, length, pkt);
}

int parseIpv6(const std::uint8_t* frame, std::uint16_t length, ParsedPacket& pkt) {
  const std::uint8_t* ip6 = frame + pkt.l3_off;
  if (length - pkt.l3_off < static_cast<int>(kIpv6HeaderLen)) return SLUICE_DROP_MALFORMED_L3;
  if ((ip6[0] >> 4U) != 6) return SLUICE_DROP_MALFORMED_L3;
  const std::uint16_t payload = load16(ip6 + 4);
  if (payload > length - pkt.l3_off - kIpv6HeaderLen) return SLUICE_DROP_MALFORMED_L3;
  pkt.family = kFamilyIpv6;
  std::memcpy(pkt.src.bytes.data(), ip6 + 8, 16);
  std::memcpy(pkt.dst.bytes.data(), ip6 + 24, 16);
  pkt.ttl = ip6[7];
  pkt.l3_len = static_cast<std::uint16_t>(payload + kIpv6HeaderLen);
  std::uint8_t next = ip6[6];
  std::size_t off = pkt.l3_off + kIpv6HeaderLen;
  for (int i = 0; i < kMaxIpv6Extensions && isIpv6Extension(next); ++i) {
    if (off + 8 > length) return SLUICE_DROP_MALFORMED_L3;
    const std::uint8_t* ext = frame + off;
    if (next == kNextFragment) {
      const std::uint16_t frag = load16(ext + 2);
      if ((frag & 0xfff8U) != 0) {
        pkt.fragment = Fragment::kLater;
      } else if ((frag & 1U) != 0) {
        pkt.fragment = Fragment::kFirst;
      }
      off += 8;
    } else {
      off += (std::size_t{ext[1]} + 1) * 8;
    }
    next = ext[0];
  }
  if (isIpv6Extension(next) || off > length) return SLUICE_DROP_MALFORMED_L3;
  pkt.proto = next;
  pkt.l4_off = static_cast<std::uint16_t>(off);
  return parseL4(frame, length, pkt);
}

}  // namespace

int parsePacket(const std::uint8_t* frame, std::uint16_t length, ParsedPacket& pkt) noexcept {
  pkt = ParsedPacket{};
  if (length < kEthHeaderLen) return SLUICE_DROP_MALFORMED_L2;
  std::size_t off = 12;
  std::uint16_t type = load16(frame + off);
  for (int tags = 0; tags < 2 && (type == kEtherTypeVlan || type == kEtherTypeQinQ); ++tags) {
    off += kVlanTagLen;
    if (off + 2 > length) return SLUICE_DROP_MALFORMED_L2;
    type = load16(frame + off);
  }
  if (type == kEtherTypeVlan || type == kEtherTypeQinQ) return SLUICE_DROP_MALFORMED_L2;
  pkt.ethertype = type;
  pkt.l3_off = static_cast<std::uint16_t>(off + 2);
  if (type == kEtherTypeIpv4) return parseIpv4(frame, length, pkt);
  if (type == kEtherTypeIpv6) return parseIpv6(frame, length, pkt);
  return 0;
}

}  // namespace sluice::lb
