// Checksum offload on lab links. Between namespaces of one kernel a TCP/UDP checksum is often
// never computed (CHECKSUM_PARTIAL travels over veth), which no wire does: XDP programs on a
// node's external link would see packets whose checksum field is not a checksum. The lab turns
// transmit checksumming off where packets enter the fabric (ext's and every node's fabric link),
// so what crosses the fabric carries full checksums, like a frame on a real wire.
#pragma once

#include <string>
#include <string_view>

#include "sluice/base/error.h"

namespace sluice::lab {

// ethtool -K <interface> tx <on|off>, inside `netns` (SIOCETHTOOL, ETHTOOL_STXCSUM).
[[nodiscard]] base::Status setTxChecksumming(std::string_view netns, const std::string& interface,
                                             bool on);

// Attaches an XDP program that passes everything to `interface` in `netns`. A veth only takes
// the frames its peer sends with XDP_TX/XDP_REDIRECT while it runs XDP itself (a NIC's wire
// needs no such help), so the lab puts this on the fabric's ports facing the nodes.
[[nodiscard]] base::Status attachXdpPass(std::string_view netns, const std::string& interface);

}  // namespace sluice::lab
