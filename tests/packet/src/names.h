// Internal: names of protocol numbers, EtherTypes and ICMP types, and the value formats shared by
// the decoder's field list and describe().
#pragma once

#include <cstdint>
#include <string>

#include "sluice/packet/headers.h"

namespace sluice::packet::names {

// "TCP", "UDP", "ICMPv6" ...; "" when unknown.
[[nodiscard]] const char* protocol(std::uint8_t protocol);
// "IPv4", "IPv6", "ARP", "802.1Q" ...; "" when unknown.
[[nodiscard]] const char* etherType(std::uint16_t type);
// "echo request", "dest unreachable", "packet too big" ...; "" when unknown.
[[nodiscard]] const char* icmpType(bool v6, std::uint8_t type);

[[nodiscard]] std::string hex(std::uint32_t value, int digits);  // "0x1c46"
// "6 (TCP)" or "253"
[[nodiscard]] std::string numberAndName(unsigned value, const char* name);
// `5 bytes "hello"` for printable text, else `20 bytes 00 01 02 ...` (first 16 bytes).
[[nodiscard]] std::string bytesSummary(ByteView bytes);

}  // namespace sluice::packet::names
