// Between the data-plane model (dataplane/model.h) and the BPF ABI structs (abi.h). Private to
// the ebpf target.
#pragma once

#include "sluice/dataplane/model.h"
#include "sluice/ebpf/abi.h"

namespace sluice::ebpf::detail {

[[nodiscard]] sl_addr toAbi(const base::IpAddress& address);
[[nodiscard]] base::IpAddress fromAbi(const sl_addr& address, std::uint8_t family);
[[nodiscard]] std::uint8_t familyOf(const base::IpAddress& address);

[[nodiscard]] sl_frontend_key toAbi(const dataplane::FrontendKey& key);
[[nodiscard]] dataplane::FrontendKey fromAbi(const sl_frontend_key& key);

[[nodiscard]] sl_frontend toAbi(const dataplane::Frontend& frontend);
// The frontend with the given key; source ranges are not kept in the map (not read back).
[[nodiscard]] dataplane::Frontend fromAbi(const sl_frontend_key& key, const sl_frontend& value);

[[nodiscard]] sl_backend toAbi(const dataplane::Backend& backend, dataplane::ServiceId service,
                               bool active);
[[nodiscard]] dataplane::Backend fromAbi(const sl_backend& backend);

}  // namespace sluice::ebpf::detail
