// The cross-family views of a Decoded packet and its checksum summary.
#include <fmt/format.h>

#include <algorithm>

#include "names.h"
#include "sluice/packet/decode.h"
#include "wire.h"

namespace sluice::packet {

bool IcmpHeader::isError() const {
  return v6 ? wire::isIcmpv6Error(type) : wire::isIcmpv4Error(type);
}

base::IpAddress Decoded::src() const {
  if (ipv4) return ipv4->src;
  if (ipv6) return ipv6->src;
  return {};
}

base::IpAddress Decoded::dst() const {
  if (ipv4) return ipv4->dst;
  if (ipv6) return ipv6->dst;
  return {};
}

std::uint8_t Decoded::ttl() const {
  if (ipv4) return ipv4->ttl;
  if (ipv6) return ipv6->hop_limit;
  return 0;
}

std::optional<std::uint8_t> Decoded::protocol() const {
  if (ipv4) return ipv4->protocol;
  if (ipv6) return ipv6->protocol;
  return std::nullopt;
}

std::optional<std::uint16_t> Decoded::srcPort() const {
  if (tcp) return tcp->src_port;
  if (udp) return udp->src_port;
  if (sctp) return sctp->src_port;
  return std::nullopt;
}

std::optional<std::uint16_t> Decoded::dstPort() const {
  if (tcp) return tcp->dst_port;
  if (udp) return udp->dst_port;
  if (sctp) return sctp->dst_port;
  return std::nullopt;
}

bool Decoded::isLaterFragment() const {
  if (ipv4) return ipv4->fragment_offset != 0;
  return ipv6 && ipv6->fragment && ipv6->fragment->offset != 0;
}

bool Decoded::checksumsValid() const {
  return std::all_of(checksums.begin(), checksums.end(),
                     [](const ChecksumCheck& check) { return check.valid; });
}

std::string Decoded::checksumErrors() const {
  std::string out;
  for (const ChecksumCheck& check : checksums) {
    if (check.valid) continue;
    const int digits = check.what.ends_with("sctp") ? 8 : 4;
    out += fmt::format("{}{} checksum at offset {} is {}, should be {}", out.empty() ? "" : "; ",
                       check.what, check.offset, names::hex(check.found, digits),
                       names::hex(check.correct, digits));
  }
  return out;
}

}  // namespace sluice::packet
