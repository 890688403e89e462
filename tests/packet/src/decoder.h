// Internal: the decoder's state machine, split by layer between decode.cc (L2/L3) and
// decode_l4.cc (L4 and quoted packets). Every read is preceded by need(), which is the only
// bounds check and the only place a "truncated" message is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sluice/base/address.h"
#include "sluice/base/error.h"
#include "sluice/packet/decode.h"

namespace sluice::packet::detail {

class Decoder {
 public:
  // `base` is where `data` starts in the outermost frame (offsets in messages and fields are
  // frame offsets); a `quoted` decoder notes problems in Decoded::incomplete instead of failing.
  Decoder(ByteView data, Decoded& out, std::string prefix, std::size_t base, bool quoted, int depth)
      : data_(data),
        out_(out),
        prefix_(std::move(prefix)),
        base_(base),
        quoted_(quoted),
        depth_(depth) {}

  void run(bool ethernet);
  [[nodiscard]] std::optional<base::Error>& error() { return error_; }

 private:
  // L2/L3: decode.cc
  bool ethernet(std::size_t& at, std::uint16_t& type);
  void ipv4(std::size_t at);
  void ipv6(std::size_t at);
  bool ipv6Extension(std::size_t& at, std::size_t end, std::uint8_t& next,
                     boost::asio::ip::address_v6& pseudo_dst);

  // L4: decode_l4.cc. `whole` says the segment is all there (checksums can be verified).
  void l4(std::size_t at, std::size_t end, std::uint8_t protocol, const base::IpAddress& src,
          const base::IpAddress& pseudo_dst, bool whole);
  void tcp(std::size_t at, std::size_t end, const base::IpAddress& src, const base::IpAddress& dst,
           bool whole);
  void udp(std::size_t at, std::size_t end, const base::IpAddress& src, const base::IpAddress& dst,
           bool whole);
  void sctp(std::size_t at, std::size_t end, bool whole);
  void icmp(std::size_t at, std::size_t end, bool v6, const base::IpAddress& src,
            const base::IpAddress& dst, bool whole);
  void quotedPacket(std::size_t at, std::size_t end, const std::string& prefix);
  void ports(std::size_t at, std::size_t end, std::uint16_t& src, std::uint16_t& dst,
             std::string_view layer);
  void payload(std::size_t at, std::size_t end);

  // True when [at, at + size) lies before `end`; otherwise records "truncated" and returns false.
  bool need(std::size_t at, std::size_t size, std::size_t end, std::string_view what);
  // Records a malformation: an error, or for a quoted packet a note in Decoded::incomplete.
  void problem(std::string message);
  [[nodiscard]] bool stopped() const { return error_.has_value() || !out_.incomplete.empty(); }
  void field(std::string_view name, std::size_t at, std::size_t size, std::string value);
  void bytesField(std::string_view name, std::size_t at, std::size_t size);
  void checksum(std::string_view what, std::size_t at, std::uint32_t found, std::uint32_t correct,
                bool valid);
  [[nodiscard]] std::size_t frameOffset(std::size_t at) const { return base_ + at; }

  ByteView data_;
  Decoded& out_;
  std::string prefix_;  // "" or "icmp.inner." for field and checksum names
  std::size_t base_;
  bool quoted_;
  int depth_;  // nesting of quoted packets; bounded so crafted input cannot exhaust the stack
  std::size_t covered_ = 0;  // end of the furthest field recorded
  std::optional<base::Error> error_;
};

}  // namespace sluice::packet::detail
