// MAC address text and TCP flag notation.
#include "sluice/packet/headers.h"

#include <fmt/format.h>

namespace sluice::packet {

base::Result<MacAddress> MacAddress::parse(std::string_view text) {
  const Parsed parsed = parseText(text);
  if (!parsed.ok) {
    return base::fail(base::Errc::kInvalidArgument,
                      "'" + std::string(text) + "' is not a MAC address (want 02:00:00:00:00:01)");
  }
  return MacAddress(parsed.bytes);
}

std::string MacAddress::toString() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes_[0], bytes_[1], bytes_[2],
                     bytes_[3], bytes_[4], bytes_[5]);
}

std::string tcpFlagsToString(TcpFlags flags) {
  // tcpdump's letters, ACK last as "."
  static constexpr struct {
    TcpFlags flag;
    char letter;
  } kLetters[] = {{TcpFlags::kSyn, 'S'}, {TcpFlags::kFin, 'F'}, {TcpFlags::kPsh, 'P'},
                  {TcpFlags::kRst, 'R'}, {TcpFlags::kUrg, 'U'}, {TcpFlags::kEce, 'E'},
                  {TcpFlags::kCwr, 'W'}, {TcpFlags::kAck, '.'}};
  std::string out;
  for (const auto& entry : kLetters) {
    if (hasFlag(flags, entry.flag)) out += entry.letter;
  }
  return out.empty() ? "none" : out;
}

}  // namespace sluice::packet
