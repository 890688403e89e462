// What the TCP and UDP clients share: opening a non-blocking socket in the probe's namespace,
// bound as the probe asks, and naming the probe in error messages. Internal to the lab libraries.
#pragma once

#include <string>
#include <string_view>

#include "sluice/base/error.h"
#include "sluice/lab/probe.h"
#include "sluice/lab/socket_address.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab::detail {

// "tcp to 10.244.1.2:8080 from netns sl42-ext (source port 40000)"
[[nodiscard]] std::string describeProbe(std::string_view proto, const SocketAddress& server,
                                        const ProbeOptions& options);

// A non-blocking socket of `type` (SOCK_STREAM/SOCK_DGRAM) in options.netns, of the family that
// reaches `server`, bound to options.source_address/source_port when they are set.
[[nodiscard]] base::Result<UniqueFd> openClientSocket(const SocketAddress& server, int type,
                                                      const ProbeOptions& options);

}  // namespace sluice::lab::detail
