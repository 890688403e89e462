// Helpers shared by the packet library's own tests.
#pragma once

#include <string_view>

#include "sluice/base/address.h"
#include "sluice/packet/headers.h"

namespace sluice::packet::test {

inline Bytes fromHex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return out;
}

inline base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

}  // namespace sluice::packet::test
