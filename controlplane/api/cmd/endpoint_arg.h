// The flow arguments of `sluice explain`: a protocol word and "ADDR:PORT" / "[IPV6]:PORT"
// endpoints, checked before anything is sent so a typo is a usage error, not an agent error.
#pragma once

#include <string>
#include <string_view>

#include "sluice/base/error.h"

namespace sluice::controlplane::cli {

// "10.0.1.7:40112" or "[fd00::7]:40112", port 1-65535. The error says what is wrong and how to
// write it.
[[nodiscard]] base::Status checkEndpoint(std::string_view text);

// "tcp", "udp" or "sctp" in any case → lower case.
[[nodiscard]] base::Result<std::string> normaliseProtocol(std::string_view text);

}  // namespace sluice::controlplane::cli
