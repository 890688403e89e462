// Checksums the data planes must get right, exposed for reuse by tests and tools: the Internet
// checksum (RFC 1071) with the TCP/UDP/ICMPv6 pseudo-headers, its incremental update after a
// rewrite (RFC 1624, the form NAT uses), and CRC32c for SCTP (RFC 4960 appendix B).
//
// A 16-bit checksum value here is the number as read big-endian from the wire: store it with
// store16() and a packet carrying it verifies.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sluice/base/address.h"
#include "sluice/packet/headers.h"

namespace sluice::packet {

// A running one's-complement sum over a sequence of byte ranges. Ranges may have odd lengths:
// a byte left over from one range pairs with the first byte of the next, as if concatenated.
class ChecksumAccumulator {
 public:
  void add(ByteView data);
  void add16(std::uint16_t value);
  void add32(std::uint32_t value);
  // The folded 16-bit one's-complement sum (not complemented).
  [[nodiscard]] std::uint16_t sum() const;
  // The checksum to store: the complement of sum().
  [[nodiscard]] std::uint16_t checksum() const { return static_cast<std::uint16_t>(~sum()); }

 private:
  std::uint64_t sum_ = 0;
  bool odd_ = false;  // the last range ended in the high byte of a 16-bit word
};

// RFC 1071 checksum of `data`. Over a range that already contains a correct checksum the result is
// 0, which is how verification is done.
[[nodiscard]] std::uint16_t internetChecksum(ByteView data);

// The TCP/UDP/ICMPv6 checksum of an L4 segment (header + payload, its checksum field included as
// it is: zero it first to compute, leave it to verify) with the pseudo-header of RFC 793/768
// (IPv4) or RFC 8200 section 8.1 (IPv6). Both addresses must be of one family.
[[nodiscard]] std::uint16_t l4Checksum(const base::IpAddress& src, const base::IpAddress& dst,
                                       std::uint8_t protocol, ByteView segment);

// Adds the pseudo-header (addresses, protocol, L4 length) to a running sum.
void addPseudoHeader(ChecksumAccumulator& sum, const base::IpAddress& src,
                     const base::IpAddress& dst, std::uint8_t protocol, std::uint32_t l4_length);

// RFC 1624 eqn. 3: the checksum after a 16-bit word covered by it changes from old_value to
// new_value, HC' = ~(~HC + ~m + m'). Never yields the -0 (0xFFFF from 0x0000) form of eqn. 2.
[[nodiscard]] std::uint16_t checksumUpdate16(std::uint16_t old_checksum, std::uint16_t old_value,
                                             std::uint16_t new_value);
// The same for a 32-bit field (an IPv4 address, a sequence number).
[[nodiscard]] std::uint16_t checksumUpdate32(std::uint16_t old_checksum, std::uint32_t old_value,
                                             std::uint32_t new_value);
// The same for a field of any even length (an IPv6 address); old and new must be the same size.
[[nodiscard]] std::uint16_t checksumUpdate(std::uint16_t old_checksum, ByteView old_bytes,
                                           ByteView new_bytes);

// CRC32c (Castagnoli, reflected) as SCTP uses it. SCTP stores the result least significant byte
// first: write it with storeSctpChecksum.
[[nodiscard]] std::uint32_t crc32c(ByteView data);
void storeSctpChecksum(std::span<std::uint8_t> data, std::size_t offset, std::uint32_t crc);
[[nodiscard]] std::uint32_t loadSctpChecksum(ByteView data, std::size_t offset);

// The CRC32c of a whole SCTP packet (common header + chunks) with its checksum field taken as 0.
[[nodiscard]] std::uint32_t sctpChecksum(ByteView sctp_packet);

}  // namespace sluice::packet
