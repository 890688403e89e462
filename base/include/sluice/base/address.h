// IP addresses and prefixes. Addresses are Boost.Asio's ip::address (v4 or v6); this adds the
// prefix type Sluice needs (source ranges, CIDRs) and the text forms users read and write.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "sluice/base/error.h"

namespace sluice::base {

using IpAddress = boost::asio::ip::address;

// "10.0.0.1" or "fd00::1"; an error names the text that failed.
[[nodiscard]] Result<IpAddress> parseIpAddress(std::string_view text);

// "10.0.0.1:80" or "[fd00::1]:80".
[[nodiscard]] std::string formatEndpoint(const IpAddress& address, std::uint16_t port);

// An IPv4 or IPv6 prefix with its host bits cleared: 10.0.0.0/8, fd00::/8.
class IpPrefix {
 public:
  // "10.1.2.3/8" is accepted and normalised to 10.0.0.0/8; a bare address is a host prefix.
  [[nodiscard]] static Result<IpPrefix> parse(std::string_view text);
  [[nodiscard]] static Result<IpPrefix> make(const IpAddress& address, unsigned length);

  [[nodiscard]] const IpAddress& address() const noexcept { return address_; }
  [[nodiscard]] unsigned length() const noexcept { return length_; }
  [[nodiscard]] bool contains(const IpAddress& address) const noexcept;
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
  friend bool operator<(const IpPrefix& a, const IpPrefix& b) {
    return a.address_ != b.address_ ? a.address_ < b.address_ : a.length_ < b.length_;
  }

 private:
  IpPrefix(IpAddress address, unsigned length) : address_(std::move(address)), length_(length) {}
  IpAddress address_;
  unsigned length_ = 0;
};

}  // namespace sluice::base
