// describe(): the one-line, tcpdump-like summary of a frame.
#include "sluice/packet/describe.h"

#include <fmt/format.h>

#include "names.h"

namespace sluice::packet {

namespace {

std::string endpoint(const base::IpAddress& address, std::optional<std::uint16_t> port) {
  if (!port) return address.to_string();
  return base::formatEndpoint(address, *port);
}

std::string l4Text(const Decoded& d) {
  if (d.isLaterFragment()) return "";
  std::string out;
  if (d.tcp) {
    // A quoted header cut short before its flags has none to show.
    const bool flags_known = d.incomplete.empty() || d.tcp->data_offset != 0;
    out = flags_known ? fmt::format(" TCP [{}]", tcpFlagsToString(d.tcp->flags)) : " TCP";
  } else if (d.udp) {
    out = " UDP";
  } else if (d.sctp) {
    out = fmt::format(" SCTP vtag={}", names::hex(d.sctp->verification_tag, 8));
  } else if (d.icmp) {
    const IcmpHeader& icmp = *d.icmp;
    const char* name = names::icmpType(icmp.v6, icmp.type);
    out = fmt::format(" {} {}", icmp.v6 ? "ICMPv6" : "ICMP",
                      *name ? std::string(name) : fmt::format("type={}", icmp.type));
    if (icmp.code != 0) out += fmt::format(" code={}", icmp.code);
    if (icmp.isError()) {
      const bool has_mtu =
          icmp.v6 ? icmp.type == icmp6::kPacketTooBig
                  : icmp.code == icmp4::kFragNeeded && icmp.type == icmp4::kDestUnreachable;
      if (has_mtu) out += fmt::format(" mtu={}", icmp.mtu());
    } else {
      out += fmt::format(" id={} seq={}", icmp.id(), icmp.seq());
    }
  } else if (const auto protocol = d.protocol()) {
    out = " proto " + names::numberAndName(*protocol, names::protocol(*protocol));
  }
  return out;
}

std::string describeDecoded(const Decoded& d) {
  std::string out;
  if (d.eth) {
    for (const VlanTag& tag : d.eth->vlans) out += fmt::format("vlan {} ", tag.vid);
  }
  if (d.ipVersion() == 0) {
    if (d.eth) {
      const char* name = names::etherType(d.eth->ethertype);
      out += fmt::format("ethertype {}{}", names::hex(d.eth->ethertype, 4),
                         *name ? fmt::format(" ({})", name) : "");
    }
    return out + fmt::format(" payload={}", d.payload.size());
  }
  const bool ports = !d.isLaterFragment();
  out += fmt::format("IPv{} {} > {}", d.ipVersion(),
                     endpoint(d.src(), ports ? d.srcPort() : std::nullopt),
                     endpoint(d.dst(), ports ? d.dstPort() : std::nullopt));
  out += l4Text(d);
  if (d.ipv4) {
    out += fmt::format(" ttl={} len={}", d.ipv4->ttl, d.ipv4->total_length);
    if (d.ipv4->more_fragments || d.ipv4->fragment_offset != 0) {
      out += fmt::format(" frag(id={} off={}{})", d.ipv4->id, d.ipv4->fragment_offset * 8,
                         d.ipv4->more_fragments ? " MF" : "");
    }
  } else {
    out +=
        fmt::format(" hlim={} len={}", d.ipv6->hop_limit, kIpv6HeaderSize + d.ipv6->payload_length);
    if (const auto& fragment = d.ipv6->fragment) {
      out += fmt::format(" frag(id={} off={}{})", fragment->id, fragment->offset * 8,
                         fragment->more_fragments ? " MF" : "");
    }
  }
  const bool quotes = d.icmp && d.icmp->isError() && d.inner;
  if (!quotes && !d.payload.empty()) out += fmt::format(" payload={}", d.payload.size());
  if (quotes) {
    out += " {" + describeDecoded(*d.inner);
    if (!d.inner->incomplete.empty()) out += " (cut short)";
    out += "}";
  }
  return out;
}

}  // namespace

std::string describe(ByteView frame, DecodeOptions options) {
  const PartialDecode result = decodePartial(frame, options);
  std::string out = describeDecoded(result.decoded);
  for (const ChecksumCheck& check : result.decoded.checksums) {
    if (!check.valid) out += fmt::format(" bad-checksum({})", check.what);
  }
  if (result.error) out += " !! " + result.error->message();
  return out;
}

}  // namespace sluice::packet
