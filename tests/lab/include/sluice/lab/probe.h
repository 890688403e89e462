// What the lab's clients share: where and how a probe is sent (ProbeOptions), a socket made in a
// given namespace, and the classification of a failed probe. Tests that hold many connections
// open must tell a connection reset (the proxy broke a flow) from a timeout (nothing came back)
// from a refusal (no listener / no backend), so every client error can be classified.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/base/address.h"
#include "sluice/base/error.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab {

struct ProbeOptions {
  std::string netns;  // where the client socket is made; "" = the calling thread's namespace
  std::optional<base::IpAddress> source_address;  // bind to it; unset = the kernel chooses
  std::uint16_t source_port = 0;                  // bind to it (SO_REUSEADDR); 0 = ephemeral
  std::chrono::milliseconds timeout{2000};        // for the whole probe (connect + round trip)
  std::string message = "ping";                   // what the echo server repeats; no newlines
  // TCP: close with a reset instead of a FIN, so the same fixed source port can be reused at once
  // (a FIN leaves the client's side in TIME_WAIT and the next connect fails).
  bool reset_on_close = false;
};

enum class FailureKind {
  kTimeout,      // nothing came back before the deadline
  kReset,        // the connection was reset (ECONNRESET, EPIPE)
  kRefused,      // no listener: TCP RST to a SYN, or ICMP port unreachable for UDP
  kUnreachable,  // ICMP host/network unreachable, or no route
  kClosed,       // the peer closed the connection (EOF) before answering
  kOther,
};

[[nodiscard]] std::string_view failureKindName(FailureKind kind) noexcept;

// How a client call of this library failed. Only meaningful for errors from the lab's clients.
[[nodiscard]] FailureKind classifyFailure(const base::Error& error) noexcept;

// The error the clients report when the peer closed the connection: Errc::kUnavailable with no
// errno (that pair is what classifyFailure reads as kClosed).
[[nodiscard]] base::Error closedByPeerError(std::string_view what);

// A socket (SOCK_CLOEXEC added) created inside `netns` ("" = here); it stays in that namespace.
[[nodiscard]] base::Result<UniqueFd> openSocket(std::string_view netns, int family, int type);

}  // namespace sluice::lab
