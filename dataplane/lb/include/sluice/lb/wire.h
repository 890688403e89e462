// Byte-level vocabulary of sluice-lb's packet path: header sizes and protocol numbers, addresses
// as 16 raw bytes (the eBPF plane's union sl_addr layout, so the flow hash matches), unaligned
// big-endian loads and stores, and RFC 1624 incremental checksum updates. No allocation, no
// exceptions: everything here runs per packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sluice::lb {

inline constexpr std::size_t kEthHeaderLen = 14;
inline constexpr std::size_t kVlanTagLen = 4;
inline constexpr std::size_t kIpv4HeaderLen = 20;
inline constexpr std::size_t kIpv6HeaderLen = 40;
inline constexpr std::size_t kTcpHeaderLen = 20;
inline constexpr std::size_t kUdpHeaderLen = 8;
inline constexpr std::size_t kIcmpHeaderLen = 8;
inline constexpr std::size_t kArpIpv4Len = 28;

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoIpip = 4;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIpv6InIp = 41;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

inline constexpr std::uint8_t kFamilyIpv4 = 4;
inline constexpr std::uint8_t kFamilyIpv6 = 6;

using Mac = std::array<std::uint8_t, 6>;

// An IPv4 or IPv6 address in network byte order; IPv4 in bytes[0..3], the rest zero, so that
// equal addresses have equal bytes (and hash like the eBPF plane's union sl_addr).
struct Addr {
  std::array<std::uint8_t, 16> bytes{};

  friend bool operator==(const Addr&, const Addr&) = default;
  friend auto operator<=>(const Addr&, const Addr&) = default;
  [[nodiscard]] bool isZero() const noexcept { return *this == Addr{}; }
};

[[nodiscard]] inline std::uint16_t load16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8U) | p[1]);
}
[[nodiscard]] inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24U) | (std::uint32_t{p[1]} << 16U) | (std::uint32_t{p[2]} << 8U) |
         p[3];
}
inline void store16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8U);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store32(std::uint8_t* p, std::uint32_t v) noexcept {
  store16(p, static_cast<std::uint16_t>(v >> 16U));
  store16(p + 2, static_cast<std::uint16_t>(v));
}
// The 4 bytes at p as a native word, unconverted: how the BPF programs read addresses.
[[nodiscard]] inline std::uint32_t loadNative32(const std::uint8_t* p) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// The one's-complement sum of `len` bytes (an even number) as big-endian 16-bit words, added to
// `sum` without folding.
[[nodiscard]] inline std::uint32_t checksumAdd(std::uint32_t sum, const std::uint8_t* data,
                                               std::size_t len) noexcept {
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += load16(data + i);
  if ((len & 1U) != 0) sum += std::uint32_t{data[len - 1]} << 8U;
  return sum;
}
[[nodiscard]] inline std::uint16_t checksumFold(std::uint32_t sum) noexcept {
  sum = (sum & 0xffffU) + (sum >> 16U);
  sum = (sum & 0xffffU) + (sum >> 16U);
  return static_cast<std::uint16_t>(sum);
}
// The checksum to store over data whose checksum field is zero (RFC 1071).
[[nodiscard]] inline std::uint16_t checksumOf(const std::uint8_t* data, std::size_t len,
                                              std::uint32_t seed = 0) noexcept {
  return static_cast<std::uint16_t>(~checksumFold(checksumAdd(seed, data, len)));
}

// RFC 1624 eqn. 3 over a field of `len` bytes (even) that changes from `before` to `after`:
// HC' = ~(~HC + ~m + m'). `check` points at the stored (big-endian) checksum.
inline void checksumReplace(std::uint8_t* check, const std::uint8_t* before,
                            const std::uint8_t* after, std::size_t len) noexcept {
  std::uint32_t sum = static_cast<std::uint16_t>(~load16(check));
  for (std::size_t i = 0; i + 1 < len; i += 2) {
    sum += static_cast<std::uint16_t>(~load16(before + i));
    sum += load16(after + i);
  }
  store16(check, static_cast<std::uint16_t>(~checksumFold(sum)));
}
inline void checksumReplace16(std::uint8_t* check, std::uint16_t before,
                              std::uint16_t after) noexcept {
  std::uint8_t b[2];
  std::uint8_t a[2];
  store16(b, before);
  store16(a, after);
  checksumReplace(check, b, a, 2);
}

}  // namespace sluice::lb
