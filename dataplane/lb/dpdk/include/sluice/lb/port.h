// One DPDK ethdev port as sluice-lb uses it: an mbuf pool, one rx and one tx queue per worker,
// RSS across the rx queues (on IP addresses and TCP/UDP ports) when there is more than one and
// the device can, promiscuous mode off, started. Stopped and closed when the object goes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sluice/base/error.h"
#include "sluice/lb/wire.h"

struct rte_mempool;

namespace sluice::lb {

struct PortOptions {
  std::uint16_t queues = 1;
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 1024;
  std::uint32_t mbufs = 8191;  // per port, shared by its queues
  // RSS on IP addresses only (not ports): all of a client's flows reach one lcore, so ClientIP
  // affinity (kept per lcore) holds across them.
  bool rss_addresses_only = false;
};

class Port {
 public:
  // `name` is an ethdev name ("net_af_packet0", "net_ring0", a PCI address) or a port number.
  [[nodiscard]] static base::Result<std::unique_ptr<Port>> open(const std::string& name,
                                                                const PortOptions& options);
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;
  ~Port();

  [[nodiscard]] std::uint16_t id() const noexcept { return id_; }
  [[nodiscard]] std::uint16_t queues() const noexcept { return queues_; }
  [[nodiscard]] const Mac& mac() const noexcept { return mac_; }
  [[nodiscard]] bool rss() const noexcept { return rss_; }
  [[nodiscard]] std::uint16_t mtu() const noexcept { return mtu_; }
  [[nodiscard]] rte_mempool* pool() const noexcept { return pool_; }

 private:
  Port() = default;

  std::uint16_t id_ = 0;
  std::uint16_t queues_ = 0;
  Mac mac_{};
  bool rss_ = false;
  bool started_ = false;
  std::uint16_t mtu_ = 1500;
  rte_mempool* pool_ = nullptr;
};

}  // namespace sluice::lb
