// The hash that picks a new flow's Maglev slot (slot = hash % table size): the one every data
// plane uses (sluice/dataplane/flow_hash.h), over this plane's address type, so a flow gets the
// same backend here as from the eBPF plane.
#pragma once

#include <cstdint>

#include "sluice/lb/wire.h"

namespace sluice::lb {

// Ports and protocol as the packet carries them; ports in host order (converted here to the
// network-order words the BPF programs hash).
[[nodiscard]] std::uint32_t flowHash(const Addr& src, const Addr& dst, std::uint16_t sport,
                                     std::uint16_t dport, std::uint8_t proto) noexcept;

}  // namespace sluice::lb
