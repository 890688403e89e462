#include "sluice/base/address.h"

#include <array>
#include <charconv>
#include <string>

namespace sluice::base {

namespace {

// Clears the bits after the first `length` of a byte array.
template <std::size_t N>
std::array<unsigned char, N> maskBytes(std::array<unsigned char, N> bytes, unsigned length) {
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned keep = length > 8 * i ? std::min(8U, length - 8 * static_cast<unsigned>(i)) : 0;
    bytes[i] = static_cast<unsigned char>(bytes[i] & (0xFFU << (8 - keep)));
  }
  return bytes;
}

IpAddress masked(const IpAddress& address, unsigned length) {
  if (address.is_v4()) {
    return boost::asio::ip::address_v4(maskBytes(address.to_v4().to_bytes(), length));
  }
  return boost::asio::ip::address_v6(maskBytes(address.to_v6().to_bytes(), length));
}

}  // namespace

Result<IpAddress> parseIpAddress(std::string_view text) {
  boost::system::error_code ec;
  IpAddress address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return fail(Errc::kInvalidArgument, "'" + std::string(text) + "' is not an IP address");
  return address;
}

std::string formatEndpoint(const IpAddress& address, std::uint16_t port) {
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

Result<IpPrefix> IpPrefix::make(const IpAddress& address, unsigned length) {
  const unsigned max = address.is_v4() ? 32 : 128;
  if (length > max) {
    return fail(Errc::kInvalidArgument, "prefix length " + std::to_string(length) +
                                            " is longer than " + std::to_string(max) + " for " +
                                            address.to_string());
  }
  return IpPrefix(masked(address, length), length);
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = parseIpAddress(text.substr(0, slash));
  if (!address) return fail(std::move(address.error()).withContext("prefix"));
  unsigned length = address->is_v4() ? 32 : 128;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
      return fail(Errc::kInvalidArgument, "prefix '" + std::string(text) + "' has a bad length");
    }
  }
  return make(*address, length);
}

bool IpPrefix::contains(const IpAddress& address) const noexcept {
  if (address.is_v4() != address_.is_v4()) return false;
  return masked(address, length_) == address_;
}

std::string IpPrefix::toString() const {
  return address_.to_string() + "/" + std::to_string(length_);
}

}  // namespace sluice::base
