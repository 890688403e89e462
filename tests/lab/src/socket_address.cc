#include "sluice/lab/socket_address.h"

#include <charconv>
#include <ostream>
#include <string>

namespace sluice::lab {

base::IpAddress unmapIpv4(const base::IpAddress& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

base::Result<SocketAddress> parseSocketAddress(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return base::fail(base::Errc::kInvalidArgument,
                      "'" + std::string(text) + "' is not an address:port (" + std::string(why) +
                          "); write 10.0.0.1:80 or [fd00::1]:80");
  };
  std::string_view host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("no ']:' after the IPv6 address");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return bad("IPv6 addresses need brackets");
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad("bad port");
  }
  auto address = base::parseIpAddress(host);
  if (!address) return bad(address.error().message());
  return SocketAddress{.address = unmapIpv4(*address), .port = static_cast<std::uint16_t>(port)};
}

std::ostream& operator<<(std::ostream& out, const SocketAddress& address) {
  return out << address.toString();
}

}  // namespace sluice::lab
