// `sluice-echo client ...`: one process that sends echo probes and prints the replies. The lab's
// in-process clients cover most tests; this exists for clients that must be their own process —
// placed in a cgroup whose socket hooks are under test, or run by hand in a lab namespace.
#pragma once

#include <span>
#include <string_view>

namespace sluice::lab::echo {

// args: everything after "client". Returns the process exit code.
int runClient(std::span<const std::string_view> args);

}  // namespace sluice::lab::echo
