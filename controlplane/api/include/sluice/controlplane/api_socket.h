// Where the agent's local gRPC API listens by default: one constant shared by the agent
// (ApiServer) and its clients (ApiClient, the `sluice` CLI).
#pragma once

namespace sluice::controlplane {

// A unix socket, mode 0600 (root only); its directory is created 0755 when missing.
inline constexpr const char* kDefaultApiSocketPath = "/run/sluice/agent.sock";

}  // namespace sluice::controlplane
