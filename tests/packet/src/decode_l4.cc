// The decoder's L4 half: TCP, UDP, SCTP and ICMP/ICMPv6 headers with their checksums, and the
// packet an ICMP error quotes, decoded by a nested Decoder that tolerates a cut-short quote.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "decoder.h"
#include "names.h"
#include "sluice/packet/checksum.h"
#include "wire.h"

namespace sluice::packet::detail {

namespace {

constexpr int kMaxQuoteDepth = 4;

std::string icmpRestText(const IcmpHeader& icmp) {
  const bool echo = icmp.v6 ? (icmp.type == icmp6::kEchoRequest || icmp.type == icmp6::kEchoReply)
                            : (icmp.type == icmp4::kEchoRequest || icmp.type == icmp4::kEchoReply);
  if (echo) return fmt::format("id={} seq={}", icmp.id(), icmp.seq());
  const bool mtu = icmp.v6
                       ? icmp.type == icmp6::kPacketTooBig
                       : icmp.type == icmp4::kDestUnreachable && icmp.code == icmp4::kFragNeeded;
  if (mtu) return fmt::format("mtu={}", icmp.mtu());
  return names::hex(icmp.rest, 8);
}

}  // namespace

void Decoder::l4(std::size_t at, std::size_t end, std::uint8_t protocol, const base::IpAddress& src,
                 const base::IpAddress& pseudo_dst, bool whole) {
  switch (protocol) {
    case ipproto::kTcp: return tcp(at, end, src, pseudo_dst, whole);
    case ipproto::kUdp: return udp(at, end, src, pseudo_dst, whole);
    case ipproto::kSctp: return sctp(at, end, whole);
    case ipproto::kIcmp:
      if (src.is_v4()) return icmp(at, end, false, src, pseudo_dst, whole);
      break;
    case ipproto::kIcmpv6:
      if (src.is_v6()) return icmp(at, end, true, src, pseudo_dst, whole);
      break;
    default: break;
  }
  payload(at, end);
}

void Decoder::ports(std::size_t at, std::size_t end, std::uint16_t& src, std::uint16_t& dst,
                    std::string_view layer) {
  // Only for quoted packets, whose L4 header is often cut after 8 bytes (RFC 792).
  if (at > end || end - at < 4) return;
  src = load16(data_, at);
  dst = load16(data_, at + 2);
  field(fmt::format("{}.src_port", layer), at, 2, std::to_string(src));
  field(fmt::format("{}.dst_port", layer), at + 2, 2, std::to_string(dst));
}

void Decoder::payload(std::size_t at, std::size_t end) {
  if (at > end) return;
  out_.payload.assign(data_.begin() + static_cast<std::ptrdiff_t>(at),
                      data_.begin() + static_cast<std::ptrdiff_t>(end));
  bytesField("payload", at, end - at);
}

void Decoder::tcp(std::size_t at, std::size_t end, const base::IpAddress& src,
                  const base::IpAddress& dst, bool whole) {
  if (!need(at, kTcpHeaderSize, end, "TCP header")) {
    if (!quoted_ || at > end || end - at < 4) return;
    TcpHeader partial;
    ports(at, end, partial.src_port, partial.dst_port, "tcp");
    if (end - at >= 8) {
      partial.seq = load32(data_, at + 4);
      field("tcp.seq", at + 4, 4, std::to_string(partial.seq));
    }
    out_.tcp = partial;
    return;
  }
  TcpHeader tcp;
  tcp.src_port = load16(data_, at);
  tcp.dst_port = load16(data_, at + 2);
  tcp.seq = load32(data_, at + 4);
  tcp.ack = load32(data_, at + 8);
  tcp.data_offset = data_[at + 12] >> 4;
  tcp.flags = static_cast<TcpFlags>(data_[at + 13]);
  tcp.window = load16(data_, at + 14);
  tcp.checksum = load16(data_, at + 16);
  tcp.urgent = load16(data_, at + 18);
  field("tcp.src_port", at, 2, std::to_string(tcp.src_port));
  field("tcp.dst_port", at + 2, 2, std::to_string(tcp.dst_port));
  field("tcp.seq", at + 4, 4, std::to_string(tcp.seq));
  field("tcp.ack", at + 8, 4, std::to_string(tcp.ack));
  field("tcp.data_offset", at + 12, 1, std::to_string(tcp.data_offset));
  field("tcp.flags", at + 13, 1, "[" + tcpFlagsToString(tcp.flags) + "]");
  field("tcp.window", at + 14, 2, std::to_string(tcp.window));
  field("tcp.checksum", at + 16, 2, names::hex(tcp.checksum, 4));
  field("tcp.urgent", at + 18, 2, std::to_string(tcp.urgent));
  const std::size_t header_size = std::size_t{tcp.data_offset} * 4;
  const bool header_ok =
      tcp.data_offset >= 5 && need(at, header_size, end, "TCP header with options");
  if (tcp.data_offset < 5) {
    problem(fmt::format("TCP data offset {} at offset {} is below the minimum 5", tcp.data_offset,
                        frameOffset(at + 12)));
  }
  if (header_ok) {
    tcp.options.assign(data_.begin() + static_cast<std::ptrdiff_t>(at + kTcpHeaderSize),
                       data_.begin() + static_cast<std::ptrdiff_t>(at + header_size));
    if (header_size > kTcpHeaderSize) {
      bytesField("tcp.options", at + kTcpHeaderSize, header_size - kTcpHeaderSize);
    }
  }
  const std::uint16_t found = tcp.checksum;
  out_.tcp = std::move(tcp);
  if (!header_ok) return;
  if (whole) {
    const ByteView segment = data_.subspan(at, end - at);
    const Bytes zeroed = wire::zeroedCopy(segment, 16, 2);
    checksum("tcp", at + 16, found, l4Checksum(src, dst, ipproto::kTcp, zeroed),
             l4Checksum(src, dst, ipproto::kTcp, segment) == 0);
  }
  payload(at + header_size, end);
}

void Decoder::udp(std::size_t at, std::size_t end, const base::IpAddress& src,
                  const base::IpAddress& dst, bool whole) {
  if (!need(at, kUdpHeaderSize, end, "UDP header")) {
    if (!quoted_) return;
    UdpHeader partial;
    ports(at, end, partial.src_port, partial.dst_port, "udp");
    if (at <= end && end - at >= 4) out_.udp = partial;
    return;
  }
  UdpHeader udp{.src_port = load16(data_, at),
                .dst_port = load16(data_, at + 2),
                .length = load16(data_, at + 4),
                .checksum = load16(data_, at + 6)};
  field("udp.src_port", at, 2, std::to_string(udp.src_port));
  field("udp.dst_port", at + 2, 2, std::to_string(udp.dst_port));
  field("udp.length", at + 4, 2, std::to_string(udp.length));
  field("udp.checksum", at + 6, 2, names::hex(udp.checksum, 4));
  out_.udp = udp;
  if (udp.length < kUdpHeaderSize) {
    return problem(fmt::format("UDP length {} at offset {} is below the minimum 8", udp.length,
                               frameOffset(at + 4)));
  }
  std::size_t udp_end = at + udp.length;
  if (udp_end > end) {
    problem(fmt::format("truncated: UDP length {} at offset {} exceeds the {} bytes there",
                        udp.length, frameOffset(at + 4), end - at));
    if (!quoted_) return;
    udp_end = end;
    whole = false;
  }
  if (whole && !(udp.checksum == 0 && src.is_v4())) {  // 0 over IPv4: sender sent none
    const ByteView segment = data_.subspan(at, udp_end - at);
    const Bytes zeroed = wire::zeroedCopy(segment, 6, 2);
    std::uint16_t correct = l4Checksum(src, dst, ipproto::kUdp, zeroed);
    if (correct == 0) correct = 0xffff;
    checksum("udp", at + 6, udp.checksum, correct,
             udp.checksum != 0 && l4Checksum(src, dst, ipproto::kUdp, segment) == 0);
  }
  payload(at + kUdpHeaderSize, udp_end);
}

void Decoder::sctp(std::size_t at, std::size_t end, bool whole) {
  if (!need(at, kSctpCommonHeaderSize, end, "SCTP common header")) {
    if (!quoted_) return;
    SctpHeader partial;
    ports(at, end, partial.src_port, partial.dst_port, "sctp");
    if (at <= end && end - at >= 4) out_.sctp = partial;
    return;
  }
  SctpHeader sctp{.src_port = load16(data_, at),
                  .dst_port = load16(data_, at + 2),
                  .verification_tag = load32(data_, at + 4),
                  .checksum = loadSctpChecksum(data_, at + 8)};
  field("sctp.src_port", at, 2, std::to_string(sctp.src_port));
  field("sctp.dst_port", at + 2, 2, std::to_string(sctp.dst_port));
  field("sctp.verification_tag", at + 4, 4, names::hex(sctp.verification_tag, 8));
  field("sctp.checksum", at + 8, 4, names::hex(sctp.checksum, 8));
  out_.sctp = sctp;
  if (whole) {
    const std::uint32_t correct = sctpChecksum(data_.subspan(at, end - at));
    checksum("sctp", at + 8, sctp.checksum, correct, sctp.checksum == correct);
  }
  payload(at + kSctpCommonHeaderSize, end);
}

void Decoder::icmp(std::size_t at, std::size_t end, bool v6, const base::IpAddress& src,
                   const base::IpAddress& dst, bool whole) {
  const std::string layer = v6 ? "icmpv6" : "icmp";
  if (!need(at, kIcmpHeaderSize, end, v6 ? "ICMPv6 header" : "ICMP header")) return;
  IcmpHeader icmp{.v6 = v6,
                  .type = data_[at],
                  .code = data_[at + 1],
                  .checksum = load16(data_, at + 2),
                  .rest = load32(data_, at + 4)};
  field(layer + ".type", at, 1, names::numberAndName(icmp.type, names::icmpType(v6, icmp.type)));
  field(layer + ".code", at + 1, 1, std::to_string(icmp.code));
  field(layer + ".checksum", at + 2, 2, names::hex(icmp.checksum, 4));
  field(layer + ".rest", at + 4, 4, icmpRestText(icmp));
  out_.icmp = icmp;
  if (whole) {
    const ByteView message = data_.subspan(at, end - at);
    const Bytes zeroed = wire::zeroedCopy(message, 2, 2);
    const std::uint16_t correct =
        v6 ? l4Checksum(src, dst, ipproto::kIcmpv6, zeroed) : internetChecksum(zeroed);
    const bool valid =
        v6 ? l4Checksum(src, dst, ipproto::kIcmpv6, message) == 0 : internetChecksum(message) == 0;
    checksum(layer, at + 2, icmp.checksum, correct, valid);
  }
  if (icmp.isError() && depth_ < kMaxQuoteDepth) {
    quotedPacket(at + kIcmpHeaderSize, end, layer + ".inner.");
  } else {
    payload(at + kIcmpHeaderSize, end);
  }
}

void Decoder::quotedPacket(std::size_t at, std::size_t end, const std::string& prefix) {
  out_.payload.assign(data_.begin() + static_cast<std::ptrdiff_t>(at),
                      data_.begin() + static_cast<std::ptrdiff_t>(end));
  auto inner = std::make_shared<Decoded>();
  Decoder quoted(data_.subspan(at, end - at), *inner, prefix_ + prefix, base_ + at, true,
                 depth_ + 1);
  quoted.run(false);
  // Names and offsets of the quoted packet are already frame-wide: hoist them, so one flat list
  // (and one checksumsValid()) covers the whole frame.
  out_.fields.insert(out_.fields.end(), inner->fields.begin(), inner->fields.end());
  out_.checksums.insert(out_.checksums.end(), inner->checksums.begin(), inner->checksums.end());
  covered_ = std::max(covered_, end);
  out_.inner = std::move(inner);
}

}  // namespace sluice::packet::detail
