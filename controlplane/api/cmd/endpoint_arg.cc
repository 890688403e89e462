// Checks for `sluice explain` arguments (see endpoint_arg.h).
#include "endpoint_arg.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "sluice/base/address.h"

namespace sluice::controlplane::cli {

using base::Errc;
using base::fail;

base::Status checkEndpoint(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      return fail(Errc::kInvalidArgument, quoted + ": write an IPv6 endpoint as [ADDR]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) {
      return fail(Errc::kInvalidArgument, quoted + ": brackets are for IPv6 addresses only");
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return fail(Errc::kInvalidArgument, quoted + ": expected ADDR:PORT, e.g. 10.0.1.7:40112");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(Errc::kInvalidArgument,
                  quoted + ": write an IPv6 endpoint as [ADDR]:PORT, e.g. [fd00::7]:40112");
    }
  }
  if (!base::parseIpAddress(host)) {
    return fail(Errc::kInvalidArgument,
                quoted + ": '" + std::string(host) + "' is not an IP address");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > UINT16_MAX) {
    return fail(Errc::kInvalidArgument, quoted + ": the port must be a number from 1 to 65535");
  }
  return {};
}

base::Result<std::string> normaliseProtocol(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "tcp" || lower == "udp" || lower == "sctp") return lower;
  return fail(Errc::kInvalidArgument,
              "'" + std::string(text) + "' is not a protocol; use tcp, udp or sctp");
}

}  // namespace sluice::controlplane::cli
