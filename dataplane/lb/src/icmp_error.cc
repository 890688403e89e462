#include "sluice/lb/icmp_error.h"

#include <algorithm>

namespace sluice::lb {
namespace {

constexpr std::uint8_t kIcmpDestUnreachable = 3;
constexpr std::uint8_t kIcmpTimeExceeded = 11;
constexpr std::uint8_t kIcmpParameterProblem = 12;
constexpr std::uint8_t kIcmpv6FirstError = 1;  // destination unreachable .. parameter problem
constexpr std::uint8_t kIcmpv6LastError = 4;
constexpr std::uint8_t kIcmpFragNeeded = 4;  // code of destination unreachable
constexpr std::uint8_t kIcmpv6PacketTooBig = 2;
constexpr std::size_t kIcmpv4ErrorMax = 576;   // RFC 1812: the whole error datagram
constexpr std::size_t kIcmpv6ErrorMax = 1280;  // RFC 4443: the minimum IPv6 MTU
constexpr std::uint8_t kTtlDefault = 64;

std::size_t addrLen(std::uint8_t family) { return family == kFamilyIpv4 ? 4 : 16; }

// Replaces `len` bytes at `field` (covered by the checksum at `check`, if any) with `to`.
void replaceField(std::uint8_t* field, const std::uint8_t* to, std::size_t len,
                  std::uint8_t* check) {
  if (check != nullptr) checksumReplace(check, field, to, len);
  std::copy_n(to, len, field);
}

}  // namespace

bool isIcmpError(const ParsedPacket& pkt) noexcept {
  if (pkt.family == kFamilyIpv4) {
    return pkt.proto == kProtoIcmp &&
           (pkt.icmp_type == kIcmpDestUnreachable || pkt.icmp_type == kIcmpTimeExceeded ||
            pkt.icmp_type == kIcmpParameterProblem);
  }
  return pkt.proto == kProtoIcmpv6 && pkt.icmp_type >= kIcmpv6FirstError &&
         pkt.icmp_type <= kIcmpv6LastError;
}

bool readIcmpQuote(const std::uint8_t* frame, std::uint16_t length, const ParsedPacket& pkt,
                   IcmpQuote& quote) noexcept {
  if (pkt.fragment != Fragment::kNone) return false;
  quote = IcmpQuote{};
  quote.l3_off = static_cast<std::uint16_t>(pkt.l4_off + kIcmpHeaderLen);
  const std::uint8_t* ip = frame + quote.l3_off;
  if (pkt.family == kFamilyIpv4) {
    if (quote.l3_off + kIpv4HeaderLen > length) return false;
    const unsigned ihl = ip[0] & 0x0fU;
    if ((ip[0] >> 4U) != 4 || ihl < 5 || (load16(ip + 6) & 0x1fffU) != 0) return false;
    quote.proto = ip[9];
    std::copy_n(ip + 12, 4, quote.src.bytes.begin());
    std::copy_n(ip + 16, 4, quote.dst.bytes.begin());
    quote.l4_off = static_cast<std::uint16_t>(quote.l3_off + ihl * 4);
  } else {
    if (quote.l3_off + kIpv6HeaderLen > length || (ip[0] >> 4U) != 6) return false;
    quote.proto = ip[6];  // a quote with extension headers is left alone
    std::copy_n(ip + 8, 16, quote.src.bytes.begin());
    std::copy_n(ip + 24, 16, quote.dst.bytes.begin());
    quote.l4_off = static_cast<std::uint16_t>(quote.l3_off + kIpv6HeaderLen);
  }
  if (quote.proto != kProtoTcp && quote.proto != kProtoUdp) return false;
  if (quote.l4_off + 4 > length) return false;
  quote.sport = load16(frame + quote.l4_off);
  quote.dport = load16(frame + quote.l4_off + 2);
  return true;
}

void translateIcmpError(std::uint8_t* frame, std::uint16_t length, const ParsedPacket& pkt,
                        const IcmpQuote& quote, const Addr& src, std::uint16_t sport,
                        const Addr& dst, std::uint16_t dport, const Addr& outer_src,
                        const Addr& outer_dst) noexcept {
  const std::size_t len = addrLen(pkt.family);
  const bool v4 = pkt.family == kFamilyIpv4;
  std::uint8_t* qip = frame + quote.l3_off;
  std::uint8_t* ql4 = frame + quote.l4_off;

  // The quoted TCP/UDP checksum, when the quote holds it, covers the quoted addresses (pseudo
  // header) and ports. A zero UDP checksum over IPv4 means "none" and stays.
  const std::size_t check_off = quote.proto == kProtoTcp ? 16 : 6;
  std::uint8_t* l4_check = nullptr;
  if (quote.l4_off + check_off + 2 <= length) {
    l4_check = ql4 + check_off;
    if (quote.proto == kProtoUdp && v4 && load16(l4_check) == 0) l4_check = nullptr;
  }
  std::uint8_t* ip_check = v4 ? qip + 10 : nullptr;
  std::uint8_t addrs[32];
  std::copy_n(src.bytes.begin(), len, addrs);
  std::copy_n(dst.bytes.begin(), len, addrs + len);
  if (l4_check != nullptr) checksumReplace(l4_check, qip + (v4 ? 12 : 8), addrs, 2 * len);
  replaceField(qip + (v4 ? 12 : 8), addrs, 2 * len, ip_check);
  std::uint8_t ports[4];
  store16(ports, sport);
  store16(ports + 2, dport);
  replaceField(ql4, ports, 4, l4_check);

  std::uint8_t* l3 = frame + pkt.l3_off;
  std::copy_n(outer_src.bytes.begin(), len, addrs);
  std::copy_n(outer_dst.bytes.begin(), len, addrs + len);
  replaceField(l3 + (v4 ? 12 : 8), addrs, 2 * len, v4 ? l3 + 10 : nullptr);

  // The ICMP checksum covers the whole message (and, for ICMPv6, the outer addresses).
  std::uint8_t* icmp = frame + pkt.l4_off;
  const std::size_t message = std::size_t{pkt.l3_off} + pkt.l3_len - pkt.l4_off;
  std::uint32_t seed = 0;
  if (!v4) {
    seed = checksumAdd(0, l3 + 8, 32) + static_cast<std::uint32_t>(message) + kProtoIcmpv6;
  }
  store16(icmp + 2, 0);
  store16(icmp + 2, checksumOf(icmp, message, seed));
}

bool packetTooBig(Frame& frame, const ParsedPacket& pkt, std::uint16_t mtu) noexcept {
  const bool v4 = pkt.family == kFamilyIpv4;
  std::uint8_t* f = frame.data;
  if (v4 && (load16(f + pkt.l3_off + 6) & 0x4000U) == 0) return false;  // DF not set
  const std::size_t ip_len = v4 ? kIpv4HeaderLen : kIpv6HeaderLen;
  const std::size_t headers = ip_len + kIcmpHeaderLen;
  const std::size_t quote =
      std::min<std::size_t>(pkt.l3_len, (v4 ? kIcmpv4ErrorMax : kIcmpv6ErrorMax) - headers);
  const std::size_t new_length = pkt.l3_off + headers + quote;
  if (new_length > std::size_t{frame.length} + frame.tailroom) return false;

  Mac mac;
  std::copy_n(f, 6, mac.begin());
  std::copy_n(f + 6, 6, f);
  std::copy(mac.begin(), mac.end(), f + 6);
  std::uint8_t* ip = f + pkt.l3_off;
  std::copy_backward(ip, ip + quote, ip + headers + quote);  // the quote, behind the new headers
  std::fill_n(ip, headers, 0);
  std::uint8_t* icmp = ip + ip_len;
  const Addr sender = pkt.src;     // becomes the destination
  const Addr addressed = pkt.dst;  // becomes the source
  if (v4) {
    ip[0] = 0x45;
    store16(ip + 2, static_cast<std::uint16_t>(headers + quote));
    ip[8] = kTtlDefault;
    ip[9] = kProtoIcmp;
    std::copy_n(addressed.bytes.begin(), 4, ip + 12);
    std::copy_n(sender.bytes.begin(), 4, ip + 16);
    store16(ip + 10, checksumOf(ip, kIpv4HeaderLen));
    icmp[0] = kIcmpDestUnreachable;
    icmp[1] = kIcmpFragNeeded;
    store16(icmp + 6, mtu);
    store16(icmp + 2, checksumOf(icmp, kIcmpHeaderLen + quote));
  } else {
    store32(ip, 0x60000000U);
    store16(ip + 4, static_cast<std::uint16_t>(kIcmpHeaderLen + quote));
    ip[6] = kProtoIcmpv6;
    ip[7] = kTtlDefault;
    std::copy(addressed.bytes.begin(), addressed.bytes.end(), ip + 8);
    std::copy(sender.bytes.begin(), sender.bytes.end(), ip + 24);
    icmp[0] = kIcmpv6PacketTooBig;
    store32(icmp + 4, mtu);
    const std::uint32_t seed = checksumAdd(0, ip + 8, 32) +
                               static_cast<std::uint32_t>(kIcmpHeaderLen + quote) + kProtoIcmpv6;
    store16(icmp + 2, checksumOf(icmp, kIcmpHeaderLen + quote, seed));
  }
  frame.tailroom = static_cast<std::uint16_t>(frame.length + frame.tailroom - new_length);
  frame.length = static_cast<std::uint16_t>(new_length);
  return true;
}

}  // namespace sluice::lb
