// Wire vocabulary shared by the packet builder, decoder and differ: byte buffers, MAC addresses,
// TCP flags, EtherTypes, IP protocol numbers, ICMP/ICMPv6 types and codes, header sizes, and the
// big-endian load/store helpers every layer uses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::packet {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A 48-bit Ethernet address. A string literal converts at compile time, so a typo in a fixture
// table is a build error: Packet().eth("02:00:00:00:00:01", "02:00:00:00:00:02").
class MacAddress {
 public:
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(std::array<std::uint8_t, 6> bytes) : bytes_(bytes) {}
  // NOLINTNEXTLINE(google-explicit-constructor): literals in tables should read as MACs.
  consteval MacAddress(const char (&text)[18]) {
    const auto parsed = parseText(std::string_view(text, 17));
    if (!parsed.ok) throw std::invalid_argument("not a MAC address (want 02:00:00:00:00:01)");
    bytes_ = parsed.bytes;
  }

  // Runtime parsing of "aa:bb:cc:dd:ee:ff" (either case); the error quotes the text.
  [[nodiscard]] static base::Result<MacAddress> parse(std::string_view text);

  [[nodiscard]] constexpr const std::array<std::uint8_t, 6>& bytes() const { return bytes_; }
  [[nodiscard]] std::string toString() const;

  friend constexpr bool operator==(const MacAddress&, const MacAddress&) = default;

 private:
  struct Parsed {
    bool ok = false;
    std::array<std::uint8_t, 6> bytes{};
  };
  static constexpr int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static constexpr Parsed parseText(std::string_view text) {
    Parsed out;
    if (text.size() != 17) return out;
    for (std::size_t i = 0; i < 6; ++i) {
      const int hi = hexValue(text[3 * i]);
      const int lo = hexValue(text[3 * i + 1]);
      if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':')) return out;
      out.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    out.ok = true;
    return out;
  }

  std::array<std::uint8_t, 6> bytes_{};
};

// The MACs a Packet gets when eth() is not called (locally administered, easy to spot in dumps).
inline constexpr MacAddress kDefaultSrcMac("02:00:00:00:00:01");
inline constexpr MacAddress kDefaultDstMac("02:00:00:00:00:02");

// TCP header flags; combine with |: TcpFlags::kSyn | TcpFlags::kAck.
enum class TcpFlags : std::uint8_t {
  kNone = 0,
  kFin = 0x01,
  kSyn = 0x02,
  kRst = 0x04,
  kPsh = 0x08,
  kAck = 0x10,
  kUrg = 0x20,
  kEce = 0x40,
  kCwr = 0x80,
};
[[nodiscard]] constexpr TcpFlags operator|(TcpFlags a, TcpFlags b) {
  return static_cast<TcpFlags>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr TcpFlags operator&(TcpFlags a, TcpFlags b) {
  return static_cast<TcpFlags>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr bool hasFlag(TcpFlags flags, TcpFlags flag) {
  return (flags & flag) == flag;
}
// tcpdump notation: "S", "S.", "P.", "F.", "R"; "none" for no flag.
[[nodiscard]] std::string tcpFlagsToString(TcpFlags flags);

namespace ethertype {
inline constexpr std::uint16_t kIpv4 = 0x0800;
inline constexpr std::uint16_t kArp = 0x0806;
inline constexpr std::uint16_t kVlan = 0x8100;  // 802.1Q
inline constexpr std::uint16_t kQinQ = 0x88a8;  // 802.1ad service tag
inline constexpr std::uint16_t kIpv6 = 0x86dd;
}  // namespace ethertype

namespace ipproto {
inline constexpr std::uint8_t kHopByHop = 0;
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kIpip = 4;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kIpv6 = 41;
inline constexpr std::uint8_t kRouting = 43;
inline constexpr std::uint8_t kFragment = 44;
inline constexpr std::uint8_t kGre = 47;
inline constexpr std::uint8_t kIcmpv6 = 58;
inline constexpr std::uint8_t kNoNext = 59;
inline constexpr std::uint8_t kDestOptions = 60;
inline constexpr std::uint8_t kSctp = 132;
inline constexpr std::uint8_t kReserved = 255;
}  // namespace ipproto

namespace icmp4 {
inline constexpr std::uint8_t kEchoReply = 0;
inline constexpr std::uint8_t kDestUnreachable = 3;
inline constexpr std::uint8_t kEchoRequest = 8;
inline constexpr std::uint8_t kTimeExceeded = 11;
inline constexpr std::uint8_t kParameterProblem = 12;
// Destination-unreachable codes.
inline constexpr std::uint8_t kNetUnreachable = 0;
inline constexpr std::uint8_t kHostUnreachable = 1;
inline constexpr std::uint8_t kProtocolUnreachable = 2;
inline constexpr std::uint8_t kPortUnreachable = 3;
inline constexpr std::uint8_t kFragNeeded = 4;
inline constexpr std::uint8_t kAdminProhibited = 13;
// Time-exceeded codes.
inline constexpr std::uint8_t kTtlExceeded = 0;
inline constexpr std::uint8_t kReassemblyExceeded = 1;
}  // namespace icmp4

namespace icmp6 {
inline constexpr std::uint8_t kDestUnreachable = 1;
inline constexpr std::uint8_t kPacketTooBig = 2;
inline constexpr std::uint8_t kTimeExceeded = 3;
inline constexpr std::uint8_t kParameterProblem = 4;
inline constexpr std::uint8_t kEchoRequest = 128;
inline constexpr std::uint8_t kEchoReply = 129;
// Destination-unreachable codes.
inline constexpr std::uint8_t kNoRoute = 0;
inline constexpr std::uint8_t kAdminProhibited = 1;
inline constexpr std::uint8_t kAddressUnreachable = 3;
inline constexpr std::uint8_t kPortUnreachable = 4;
// Time-exceeded codes.
inline constexpr std::uint8_t kHopLimitExceeded = 0;
}  // namespace icmp6

inline constexpr std::size_t kEthHeaderSize = 14;
inline constexpr std::size_t kVlanTagSize = 4;
inline constexpr std::size_t kIpv4HeaderSize = 20;  // without options
inline constexpr std::size_t kIpv6HeaderSize = 40;
inline constexpr std::size_t kTcpHeaderSize = 20;  // without options
inline constexpr std::size_t kUdpHeaderSize = 8;
inline constexpr std::size_t kIcmpHeaderSize = 8;  // type, code, checksum, 4 bytes rest-of-header
inline constexpr std::size_t kSctpCommonHeaderSize = 12;

// Big-endian access. Callers check bounds first; these never do.
[[nodiscard]] constexpr std::uint16_t load16(ByteView data, std::size_t offset) {
  return static_cast<std::uint16_t>((data[offset] << 8) | data[offset + 1]);
}
[[nodiscard]] constexpr std::uint32_t load32(ByteView data, std::size_t offset) {
  return (std::uint32_t{data[offset]} << 24) | (std::uint32_t{data[offset + 1]} << 16) |
         (std::uint32_t{data[offset + 2]} << 8) | std::uint32_t{data[offset + 3]};
}
constexpr void store16(std::span<std::uint8_t> data, std::size_t offset, std::uint16_t value) {
  data[offset] = static_cast<std::uint8_t>(value >> 8);
  data[offset + 1] = static_cast<std::uint8_t>(value & 0xff);
}
constexpr void store32(std::span<std::uint8_t> data, std::size_t offset, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i) {
    data[offset + i] = static_cast<std::uint8_t>((value >> (24 - 8 * i)) & 0xff);
  }
}

// Copies the first n bytes (all if n is larger): a truncated frame for malformed-input cases.
[[nodiscard]] inline Bytes truncate(Bytes bytes, std::size_t n) {
  if (n < bytes.size()) bytes.resize(n);
  return bytes;
}

}  // namespace sluice::packet
