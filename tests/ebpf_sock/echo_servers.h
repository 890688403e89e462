// Servers standing in for backends (and for "decoys": whatever listens on a service address
// itself, reached only by untranslated sockets). Each endpoint gets a TCP listener and a UDP
// socket bound to exactly that address and port. A TCP connection gets one line back, the
// accepted socket's local endpoint ("10.244.1.3:8080"), then the server closes; a datagram gets a
// datagram back with the same text, sent from the bound address. So a client learns which
// server it really reached, whatever its own socket pretends.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "endpoint.h"
#include "kernel_env.h"

namespace sluice::sock_test {

class EchoServers {
 public:
  // Binds everything inside `netns` (the addresses must exist there), then serves on a thread.
  [[nodiscard]] static base::Result<std::unique_ptr<EchoServers>> start(
      const TestNetns& netns, const std::vector<Endpoint>& endpoints);
  ~EchoServers();
  EchoServers(const EchoServers&) = delete;
  EchoServers& operator=(const EchoServers&) = delete;

 private:
  EchoServers() = default;
  void serve();

  std::vector<FileDescriptor> tcp_;
  std::vector<FileDescriptor> udp_;
  FileDescriptor stop_;  // eventfd
  std::thread thread_;
};

}  // namespace sluice::sock_test
