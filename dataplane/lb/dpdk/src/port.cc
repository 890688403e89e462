#include "sluice/lb/port.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <charconv>

namespace sluice::lb {
namespace {

constexpr unsigned kMbufCache = 256;

base::Result<std::uint16_t> findPort(const std::string& name) {
  std::uint16_t id = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec == std::errc() && end == name.data() + name.size()) {
    if (rte_eth_dev_is_valid_port(id) == 0) {
      return base::fail(base::Errc::kNotFound, "DPDK port " + name + " does not exist");
    }
    return id;
  }
  if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
    return base::fail(base::Errc::kNotFound, "no DPDK port named " + name +
                                                 " (give it to the EAL with --vdev=" + name +
                                                 ",... or as a PCI device)");
  }
  return id;
}

base::Status check(int rc, const std::string& what) {
  if (rc >= 0) return {};
  return base::fail(base::Errc::kUnavailable, what + ": " + rte_strerror(-rc));
}

}  // namespace

base::Result<std::unique_ptr<Port>> Port::open(const std::string& name,
                                               const PortOptions& options) {
  auto id = findPort(name);
  if (!id) return base::fail(std::move(id.error()));
  std::unique_ptr<Port> port(new Port());
  port->id_ = *id;
  port->queues_ = options.queues == 0 ? 1 : options.queues;
  const std::string where = "DPDK port " + name;

  rte_eth_dev_info info{};
  if (auto ok = check(rte_eth_dev_info_get(port->id_, &info), where + ": device info"); !ok) {
    return base::fail(std::move(ok.error()));
  }
  if (port->queues_ > info.max_rx_queues || port->queues_ > info.max_tx_queues) {
    return base::fail(base::Errc::kOutOfRange,
                      where + " has at most " + std::to_string(info.max_rx_queues) + " rx / " +
                          std::to_string(info.max_tx_queues) + " tx queues, " +
                          std::to_string(port->queues_) + " asked for");
  }
  const std::string pool_name = "sl_lb_mbuf_" + std::to_string(port->id_);
  const auto socket = rte_eth_dev_socket_id(port->id_);
  port->pool_ = rte_pktmbuf_pool_create(pool_name.c_str(), options.mbufs, kMbufCache, 0,
                                        RTE_MBUF_DEFAULT_BUF_SIZE,
                                        socket < 0 ? static_cast<int>(SOCKET_ID_ANY) : socket);
  if (port->pool_ == nullptr) {
    return base::fail(base::Errc::kUnavailable,
                      where + ": mbuf pool of " + std::to_string(options.mbufs) + ": " +
                          rte_strerror(rte_errno) + " (more memory: -m, or hugepages)");
  }

  rte_eth_conf conf{};
  const std::uint64_t rss_wanted = options.rss_addresses_only
                                       ? RTE_ETH_RSS_IP
                                       : RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
  const std::uint64_t rss_hf = rss_wanted & info.flow_type_rss_offloads;
  if (port->queues_ > 1 && rss_hf != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    port->rss_ = true;
  }
  if (auto ok = check(rte_eth_dev_configure(port->id_, port->queues_, port->queues_, &conf),
                      where + ": configure");
      !ok) {
    return base::fail(std::move(ok.error()));
  }
  std::uint16_t rx_desc = options.rx_descriptors;
  std::uint16_t tx_desc = options.tx_descriptors;
  (void)rte_eth_dev_adjust_nb_rx_tx_desc(port->id_, &rx_desc, &tx_desc);
  for (std::uint16_t q = 0; q < port->queues_; ++q) {
    const auto qs = static_cast<unsigned>(socket < 0 ? 0 : socket);
    if (auto ok = check(rte_eth_rx_queue_setup(port->id_, q, rx_desc, qs, nullptr, port->pool_),
                        where + ": rx queue " + std::to_string(q));
        !ok) {
      return base::fail(std::move(ok.error()));
    }
    if (auto ok = check(rte_eth_tx_queue_setup(port->id_, q, tx_desc, qs, nullptr),
                        where + ": tx queue " + std::to_string(q));
        !ok) {
      return base::fail(std::move(ok.error()));
    }
  }
  rte_ether_addr mac{};
  if (auto ok = check(rte_eth_macaddr_get(port->id_, &mac), where + ": MAC address"); !ok) {
    return base::fail(std::move(ok.error()));
  }
  std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), port->mac_.begin());
  std::uint16_t mtu = 0;
  if (rte_eth_dev_get_mtu(port->id_, &mtu) == 0 && mtu >= 1280) port->mtu_ = mtu;
  if (auto ok = check(rte_eth_dev_start(port->id_), where + ": start"); !ok) {
    return base::fail(std::move(ok.error()));
  }
  port->started_ = true;
  return port;
}

Port::~Port() {
  if (started_) {
    (void)rte_eth_dev_stop(id_);
    (void)rte_eth_dev_close(id_);
  }
  rte_mempool_free(pool_);
}

}  // namespace sluice::lb
