#include "sluice/packet/checksum.h"

#include <array>
#include <cassert>

namespace sluice::packet {

void ChecksumAccumulator::add(ByteView data) {
  std::size_t i = 0;
  if (odd_ && !data.empty()) {
    sum_ += data[0];  // the low byte of the word the previous range started
    i = 1;
    odd_ = false;
  }
  for (; i + 1 < data.size(); i += 2) sum_ += load16(data, i);
  if (i < data.size()) {
    sum_ += std::uint64_t{data[i]} << 8;
    odd_ = true;
  }
}

void ChecksumAccumulator::add16(std::uint16_t value) {
  const std::array<std::uint8_t, 2> bytes{static_cast<std::uint8_t>(value >> 8),
                                          static_cast<std::uint8_t>(value & 0xff)};
  add(bytes);
}

void ChecksumAccumulator::add32(std::uint32_t value) {
  add16(static_cast<std::uint16_t>(value >> 16));
  add16(static_cast<std::uint16_t>(value & 0xffff));
}

std::uint16_t ChecksumAccumulator::sum() const {
  std::uint64_t folded = sum_;
  while (folded >> 16) folded = (folded & 0xffff) + (folded >> 16);
  return static_cast<std::uint16_t>(folded);
}

std::uint16_t internetChecksum(ByteView data) {
  ChecksumAccumulator sum;
  sum.add(data);
  return sum.checksum();
}

void addPseudoHeader(ChecksumAccumulator& sum, const base::IpAddress& src,
                     const base::IpAddress& dst, std::uint8_t protocol, std::uint32_t l4_length) {
  if (src.is_v4()) {
    sum.add(src.to_v4().to_bytes());
    sum.add(dst.to_v4().to_bytes());
    sum.add16(protocol);
    sum.add16(static_cast<std::uint16_t>(l4_length));
  } else {
    sum.add(src.to_v6().to_bytes());
    sum.add(dst.to_v6().to_bytes());
    sum.add32(l4_length);
    sum.add32(protocol);
  }
}

std::uint16_t l4Checksum(const base::IpAddress& src, const base::IpAddress& dst,
                         std::uint8_t protocol, ByteView segment) {
  ChecksumAccumulator sum;
  addPseudoHeader(sum, src, dst, protocol, static_cast<std::uint32_t>(segment.size()));
  sum.add(segment);
  return sum.checksum();
}

std::uint16_t checksumUpdate(std::uint16_t old_checksum, ByteView old_bytes, ByteView new_bytes) {
  assert(old_bytes.size() == new_bytes.size() && old_bytes.size() % 2 == 0);
  ChecksumAccumulator sum;
  sum.add16(static_cast<std::uint16_t>(~old_checksum));
  for (std::size_t i = 0; i + 1 < old_bytes.size(); i += 2) {
    sum.add16(static_cast<std::uint16_t>(~load16(old_bytes, i)));
    sum.add16(load16(new_bytes, i));
  }
  return sum.checksum();
}

std::uint16_t checksumUpdate16(std::uint16_t old_checksum, std::uint16_t old_value,
                               std::uint16_t new_value) {
  ChecksumAccumulator sum;
  sum.add16(static_cast<std::uint16_t>(~old_checksum));
  sum.add16(static_cast<std::uint16_t>(~old_value));
  sum.add16(new_value);
  return sum.checksum();
}

std::uint16_t checksumUpdate32(std::uint16_t old_checksum, std::uint32_t old_value,
                               std::uint32_t new_value) {
  const std::uint16_t high =
      checksumUpdate16(old_checksum, static_cast<std::uint16_t>(old_value >> 16),
                       static_cast<std::uint16_t>(new_value >> 16));
  return checksumUpdate16(high, static_cast<std::uint16_t>(old_value & 0xffff),
                          static_cast<std::uint16_t>(new_value & 0xffff));
}

namespace {

// The byte-at-a-time table for the reflected Castagnoli polynomial 0x1EDC6F41 (0x82F63B78).
constexpr std::array<std::uint32_t, 256> makeCrc32cTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1U) ? (crc >> 1) ^ 0x82F63B78U : crc >> 1;
    table[i] = crc;
  }
  return table;
}
constexpr auto kCrc32cTable = makeCrc32cTable();

std::uint32_t crc32cUpdate(std::uint32_t crc, ByteView data) {
  for (const std::uint8_t byte : data) crc = kCrc32cTable[(crc ^ byte) & 0xffU] ^ (crc >> 8);
  return crc;
}

}  // namespace

std::uint32_t crc32c(ByteView data) { return ~crc32cUpdate(0xffffffffU, data); }

void storeSctpChecksum(std::span<std::uint8_t> data, std::size_t offset, std::uint32_t crc) {
  for (std::size_t i = 0; i < 4; ++i) {
    data[offset + i] = static_cast<std::uint8_t>((crc >> (8 * i)) & 0xff);
  }
}

std::uint32_t loadSctpChecksum(ByteView data, std::size_t offset) {
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < 4; ++i) crc |= std::uint32_t{data[offset + i]} << (8 * i);
  return crc;
}

std::uint32_t sctpChecksum(ByteView sctp_packet) {
  if (sctp_packet.size() < kSctpCommonHeaderSize) return crc32c(sctp_packet);
  constexpr std::array<std::uint8_t, 4> kZero{};
  std::uint32_t crc = crc32cUpdate(0xffffffffU, sctp_packet.first(8));
  crc = crc32cUpdate(crc, kZero);
  crc = crc32cUpdate(crc, sctp_packet.subspan(kSctpCommonHeaderSize));
  return ~crc;
}

}  // namespace sluice::packet
