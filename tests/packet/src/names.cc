#include "names.h"

#include <fmt/format.h>

namespace sluice::packet::names {

const char* protocol(std::uint8_t protocol) {
  switch (protocol) {
    case ipproto::kHopByHop: return "HOPOPT";
    case ipproto::kIcmp: return "ICMP";
    case ipproto::kIpip: return "IPIP";
    case ipproto::kTcp: return "TCP";
    case ipproto::kUdp: return "UDP";
    case ipproto::kIpv6: return "IPv6";
    case ipproto::kRouting: return "IPv6-Route";
    case ipproto::kFragment: return "IPv6-Frag";
    case ipproto::kGre: return "GRE";
    case ipproto::kIcmpv6: return "ICMPv6";
    case ipproto::kNoNext: return "IPv6-NoNxt";
    case ipproto::kDestOptions: return "IPv6-Opts";
    case ipproto::kSctp: return "SCTP";
    default: return "";
  }
}

const char* etherType(std::uint16_t type) {
  switch (type) {
    case ethertype::kIpv4: return "IPv4";
    case ethertype::kArp: return "ARP";
    case ethertype::kVlan: return "802.1Q";
    case ethertype::kQinQ: return "802.1ad";
    case ethertype::kIpv6: return "IPv6";
    default: return "";
  }
}

const char* icmpType(bool v6, std::uint8_t type) {
  if (v6) {
    switch (type) {
      case icmp6::kDestUnreachable: return "dest unreachable";
      case icmp6::kPacketTooBig: return "packet too big";
      case icmp6::kTimeExceeded: return "time exceeded";
      case icmp6::kParameterProblem: return "parameter problem";
      case icmp6::kEchoRequest: return "echo request";
      case icmp6::kEchoReply: return "echo reply";
      case 133: return "router solicitation";
      case 134: return "router advertisement";
      case 135: return "neighbor solicitation";
      case 136: return "neighbor advertisement";
      default: return "";
    }
  }
  switch (type) {
    case icmp4::kEchoReply: return "echo reply";
    case icmp4::kDestUnreachable: return "dest unreachable";
    case 4: return "source quench";
    case 5: return "redirect";
    case icmp4::kEchoRequest: return "echo request";
    case icmp4::kTimeExceeded: return "time exceeded";
    case icmp4::kParameterProblem: return "parameter problem";
    default: return "";
  }
}

std::string hex(std::uint32_t value, int digits) { return fmt::format("0x{:0{}x}", value, digits); }

std::string numberAndName(unsigned value, const char* name) {
  if (*name == '\0') return std::to_string(value);
  return fmt::format("{} ({})", value, name);
}

std::string bytesSummary(ByteView bytes) {
  bool printable = !bytes.empty();
  for (const std::uint8_t b : bytes) printable = printable && b >= 0x20 && b < 0x7f;
  if (printable && bytes.size() <= 64) {
    return fmt::format("{} bytes \"{}\"", bytes.size(), std::string(bytes.begin(), bytes.end()));
  }
  std::string out = fmt::format("{} bytes", bytes.size());
  for (std::size_t i = 0; i < bytes.size() && i < 16; ++i) out += fmt::format(" {:02x}", bytes[i]);
  if (bytes.size() > 16) out += " ...";
  return out;
}

}  // namespace sluice::packet::names
