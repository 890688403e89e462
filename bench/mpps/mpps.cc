#include "mpps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/address_v4.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "sluice/bpf/mpps_gen.skel.h"
#include "sluice/bpf/mpps_sink.skel.h"
#include "sluice/bpf/xdp_macswap.skel.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/lab/command.h"
#include "sluice/lab/lab.h"
#include "sluice/lab/offload.h"
#include "sluice/lab/run_in_netns.h"
#include "sluice/lab/sysctl.h"

namespace sluice::bench::mpps {

namespace {

std::atomic<bool> g_stop{false};

constexpr std::uint32_t kClientBase = 0x64400000;   // 100.64.0.0
constexpr std::uint32_t kBackendNet = 0xac1f0000;   // 172.31.0.0/24
constexpr std::uint32_t kBackendMask = 0xffffff00;  // /24

base::IpAddress v4(std::uint32_t host_order) { return boost::asio::ip::address_v4(host_order); }

std::uint32_t hostOrder(const base::IpAddress& address) { return address.to_v4().to_uint(); }

std::uint16_t foldChecksum(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint32_t sumWords(const std::uint8_t* data, std::size_t size, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  }
  if (size % 2) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
  return sum;
}

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}

// A private bpffs for Sluice's pinned maps, unmounted with everything in it at the end.
class PrivateBpffs {
 public:
  static base::Result<PrivateBpffs> create() {
    std::string dir = (std::filesystem::temp_directory_path() / "sluice-mpps-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return base::failErrno("mkdtemp", errno);
    if (::mount("bpf", dir.c_str(), "bpf", 0, "mode=0700") != 0) {
      const int err = errno;
      ::rmdir(dir.c_str());
      return base::failErrno("mounting a private bpffs at " + dir, err);
    }
    return PrivateBpffs(std::move(dir));
  }
  PrivateBpffs(PrivateBpffs&& other) noexcept : dir_(std::exchange(other.dir_, {})) {}
  PrivateBpffs& operator=(PrivateBpffs&&) = delete;
  PrivateBpffs(const PrivateBpffs&) = delete;
  PrivateBpffs& operator=(const PrivateBpffs&) = delete;
  ~PrivateBpffs() {
    if (dir_.empty()) return;
    ::umount2(dir_.c_str(), MNT_DETACH);
    ::rmdir(dir_.c_str());
  }
  [[nodiscard]] const std::string& path() const noexcept { return dir_; }

 private:
  explicit PrivateBpffs(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

struct SkeletonDeleter {
  void operator()(mpps_gen* s) const { mpps_gen::destroy(s); }
  void operator()(mpps_sink* s) const { mpps_sink::destroy(s); }
  void operator()(xdp_macswap* s) const { xdp_macswap::destroy(s); }
};

struct Interface {
  int ifindex = 0;
  std::array<std::uint8_t, 6> mac{};
};

base::Result<Interface> lookupInterface(std::string_view netns, const std::string& name) {
  return lab::runInNetns(netns, [&]() -> base::Result<Interface> {
    Interface out;
    out.ifindex = static_cast<int>(if_nametoindex(name.c_str()));
    if (out.ifindex == 0) return base::failErrno("interface " + name, errno);
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return base::failErrno("socket", errno);
    ifreq request{};
    std::memcpy(request.ifr_name, name.c_str(),
                std::min(name.size() + 1, sizeof(request.ifr_name)));
    const int rc = ::ioctl(fd, SIOCGIFHWADDR, &request);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return base::failErrno("SIOCGIFHWADDR " + name, err);
    std::memcpy(out.mac.data(), request.ifr_hwaddr.sa_data, out.mac.size());
    return out;
  });
}

base::Status attachXdp(std::string_view netns, int ifindex, int prog_fd, std::string_view what) {
  return lab::runInNetns(netns, [&]() -> base::Status {
    const int rc = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, nullptr);
    if (rc != 0) {
      return base::failErrno("attaching " + std::string(what) + " in " + std::string(netns), -rc);
    }
    return {};
  });
}

std::string macText(const std::array<std::uint8_t, 6>& mac) {
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return text;
}

// Service ids 1..2*services need Maglev tables. EbpfOptions::max_services says how many the data
// plane makes room for where the data plane has that option (the flat Maglev array); the
// map-in-map layout had no such limit.
template <typename Options>
void setMaxServices(Options& options, std::uint32_t ids) {
  if constexpr (requires { options.max_services; }) {
    options.max_services = std::max<std::uint32_t>(options.max_services, ids);
  }
}

void pinToCpu(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(cpu), &set);
  (void)::sched_setaffinity(0, sizeof(set), &set);
}

}  // namespace

// --- names and addresses ---

std::string_view configName(Config config) noexcept {
  switch (config) {
    case Config::kCeiling: return "ceiling";
    case Config::kSluice: return "sluice";
    case Config::kIptables: return "iptables";
    case Config::kNftables: return "nftables";
  }
  return "?";
}

std::string_view trafficName(Traffic traffic) noexcept {
  switch (traffic) {
    case Traffic::kUdp: return "udp";
    case Traffic::kTcpSyn: return "tcp-syn";
    case Traffic::kTcpEstablished: return "tcp-est";
  }
  return "?";
}

std::string_view trafficDescription(Traffic traffic) noexcept {
  switch (traffic) {
    case Traffic::kUdp: return "UDP 64B, established flows";
    case Traffic::kTcpSyn: return "TCP SYN 64B, every packet a new connection";
    case Traffic::kTcpEstablished: return "TCP 64B data segments, established flows";
  }
  return "?";
}

base::IpAddress serviceAddress(int service) {
  const auto s = static_cast<std::uint32_t>(service);
  return v4((172U << 24) | (30U << 16) | ((1 + s / 250) << 8) | (1 + s % 250));
}

base::IpAddress clusterIp(int service) {
  const auto s = static_cast<std::uint32_t>(service);
  return v4((10U << 24) | (96U << 16) | ((s / 250) << 8) | (1 + s % 250));
}

base::IpAddress endpointAddress(int endpoint) {
  return v4(kBackendNet + 1 + static_cast<std::uint32_t>(endpoint));
}

base::IpAddress clientAddress(std::uint32_t index) { return v4(kClientBase + index); }

// --- frames ---

std::size_t l4ChecksumOffset(Traffic traffic) noexcept {
  return 14 + 20 + (traffic == Traffic::kUdp ? 6 : 16);
}

std::vector<std::uint8_t> buildFrame(const FrameSpec& spec) {
  std::vector<std::uint8_t> f(kFrameSize, 0);
  std::copy(std::begin(spec.dst_mac), std::end(spec.dst_mac), f.begin());
  std::copy(std::begin(spec.src_mac), std::end(spec.src_mac), f.begin() + 6);
  put16(f.data() + 12, 0x0800);
  std::uint8_t* ip = f.data() + 14;
  const bool udp = spec.traffic == Traffic::kUdp;
  const std::size_t l4_header = udp ? 8 : 20;
  // UDP and TCP data segments fill the 64 bytes; a SYN carries no data (Ethernet padding).
  const std::size_t payload = spec.traffic == Traffic::kTcpSyn ? 0 : kFrameSize - 34 - l4_header;
  const auto l4_length = static_cast<std::uint16_t>(l4_header + payload);
  ip[0] = 0x45;
  put16(ip + 2, static_cast<std::uint16_t>(20 + l4_length));
  put16(ip + 4, 0x1234);  // id
  ip[8] = 64;
  ip[9] = udp ? 17 : 6;
  put32(ip + 12, spec.saddr);
  put32(ip + 16, spec.daddr);
  put16(ip + 10, foldChecksum(sumWords(ip, 20)));
  std::uint8_t* l4 = ip + 20;
  put16(l4, spec.sport);
  put16(l4 + 2, spec.dport);
  if (udp) {
    put16(l4 + 4, l4_length);
  } else {
    put32(l4 + 4, 0x10000000);  // seq
    l4[12] = 0x50;
    if (spec.traffic == Traffic::kTcpSyn) {
      l4[13] = 0x02;  // SYN
    } else {
      put32(l4 + 8, 0x20000000);  // ack
      l4[13] = 0x18;              // ACK, PSH
    }
    put16(l4 + 14, 64240);  // window
  }
  for (std::size_t i = 0; i < payload; ++i) {
    l4[l4_header + i] = static_cast<std::uint8_t>('a' + i % 26);
  }
  // Pseudo header + L4 header and data.
  std::uint32_t sum = sumWords(ip + 12, 8);
  sum += ip[9];
  sum += l4_length;
  sum = sumWords(l4, l4_length, sum);
  std::uint16_t check = foldChecksum(sum);
  if (udp && check == 0) check = 0xffff;
  put16(f.data() + l4ChecksumOffset(spec.traffic), check);
  return f;
}

// --- the bench ---

struct Bench::State {
  BenchOptions options;
  std::unique_ptr<lab::Lab> lab;
  struct Node {
    Config config = Config::kCeiling;
    std::string node_netns;
    std::string node_interface;
    std::string wire_netns;
    Interface node_if;
    Interface wire_if;
    base::IpAddress node_address;  // the node's address on the link (SNAT source)
    base::IpAddress wire_address;  // the next hop towards clients and endpoints
    std::unique_ptr<mpps_sink, SkeletonDeleter> sink;
  };
  std::vector<Node> nodes;  // indexed like kConfigs
  std::unique_ptr<mpps_gen, SkeletonDeleter> gen;
  std::unique_ptr<xdp_macswap, SkeletonDeleter> macswap;
  std::optional<PrivateBpffs> bpffs;
  std::unique_ptr<ebpf::EbpfDataplane> sluice;
  std::uint64_t next_new_flow = 0;  // new-connection traffic never repeats a flow

  ~State() {
    sluice.reset();  // before its bpffs goes
    if (lab) lab->teardown();
  }

  [[nodiscard]] const Node& node(Config config) const {
    return nodes[static_cast<std::size_t>(
        std::find(std::begin(kConfigs), std::end(kConfigs), config) - std::begin(kConfigs))];
  }

  base::Result<SinkCounts> sinkCounts(const Node& n) const {
    const int fd = bpf_map__fd(n.sink->maps.sink_counts);
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return base::fail(base::Errc::kInternal, "libbpf_num_possible_cpus failed");
    std::vector<std::uint64_t> values(static_cast<std::size_t>(cpus));
    std::array<std::uint64_t, 3> total{};
    for (std::uint32_t key = 0; key < total.size(); ++key) {
      if (bpf_map_lookup_elem(fd, &key, values.data()) != 0) {
        return base::failErrno("reading the sink's counters", errno);
      }
      for (const std::uint64_t v : values) total[key] += v;
    }
    return SinkCounts{.frames = total[0], .to_backend = total[1], .from_node = total[2]};
  }
};

void requestStop() noexcept { g_stop.store(true); }

Bench::Bench(std::unique_ptr<State> state) : state_(std::move(state)) {}
Bench::~Bench() = default;

const BenchOptions& Bench::options() const noexcept { return state_->options; }

const std::string& Bench::nodeNetns(Config config) const { return state_->node(config).node_netns; }

base::Result<std::unique_ptr<Bench>> Bench::create(const BenchOptions& options) {
  if (options.services < 1 || options.services > kMaxServices) {
    return base::fail(base::Errc::kInvalidArgument,
                      "services must be 1.." + std::to_string(kMaxServices));
  }
  if (options.flows < 1) return base::fail(base::Errc::kInvalidArgument, "flows must be >= 1");
  auto state = std::make_unique<State>();
  state->options = options;
  if (state->options.cpu < 0) state->options.cpu = ::sched_getcpu();

  auto lab = lab::Lab::create({.nodes = static_cast<int>(std::size(kConfigs)), .pods_per_node = 1});
  if (!lab) return base::fail(std::move(lab.error()));
  state->lab = std::move(*lab);

  state->gen.reset(mpps_gen::open_and_load());
  state->macswap.reset(xdp_macswap::open_and_load());
  if (!state->gen || !state->macswap) {
    return base::failErrno("loading the generator / MAC-swap programs", errno);
  }

  // Each configuration's wire: the node's veth to its pod, routes to clients and endpoints
  // through the pod, a permanent neighbour entry (the sink drops everything IPv4 and ARP needs no
  // round trip), the sink on the pod's end.
  for (std::size_t i = 0; i < std::size(kConfigs); ++i) {
    State::Node n;
    n.config = kConfigs[i];
    const lab::NodeInfo& node = state->lab->nodes()[i];
    const lab::PodInfo& pod = *state->lab->podsOn(node.name).front();
    n.node_netns = node.netns;
    n.node_interface = pod.node_interface;
    n.wire_netns = pod.netns;
    n.node_address = pod.gateway_v4;
    n.wire_address = pod.ipv4;
    auto node_if = lookupInterface(n.node_netns, n.node_interface);
    if (!node_if) return base::fail(std::move(node_if.error()));
    auto wire_if = lookupInterface(n.wire_netns, pod.interface);
    if (!wire_if) return base::fail(std::move(wire_if.error()));
    n.node_if = *node_if;
    n.wire_if = *wire_if;
    const std::string via = " via " + n.wire_address.to_string() + " dev " + n.node_interface;
    for (const std::string& command :
         {"route replace 100.64.0.0/10" + via + " onlink",
          "route replace 172.31.0.0/24" + via + " onlink src " + n.node_address.to_string(),
          "neigh replace " + n.wire_address.to_string() + " lladdr " + macText(n.wire_if.mac) +
              " dev " + n.node_interface + " nud permanent"}) {
      if (auto done = state->lab->ip(n.node_netns, command); !done) return base::fail(done.error());
    }
    const std::vector<lab::Sysctl> sysctls = {
        {"net.ipv4.conf." + n.node_interface + ".send_redirects", "0"},
        {"net.ipv4.conf." + n.node_interface + ".rp_filter", "0"}};
    if (auto written = lab::writeSysctls(n.node_netns, sysctls); !written) {
      return base::fail(written.error());
    }

    n.sink.reset(mpps_sink::open());
    if (!n.sink) return base::failErrno("opening the sink program", errno);
    n.sink->bss->backend_net = htonl(kBackendNet);
    n.sink->bss->backend_mask = htonl(kBackendMask);
    n.sink->bss->node_addr = htonl(hostOrder(n.node_address));
    if (mpps_sink::load(n.sink.get()) != 0) return base::failErrno("loading the sink", errno);
    if (auto attached = attachXdp(n.wire_netns, n.wire_if.ifindex,
                                  bpf_program__fd(n.sink->progs.xdp_sink), "the sink");
        !attached) {
      return base::fail(attached.error());
    }
    state->nodes.push_back(std::move(n));
  }

  // Ceiling: MAC swap + XDP_TX.
  {
    const State::Node& n = state->node(Config::kCeiling);
    if (auto attached = attachXdp(n.node_netns, n.node_if.ifindex,
                                  bpf_program__fd(state->macswap->progs.xdp_macswap), "MAC swap");
        !attached) {
      return base::fail(attached.error());
    }
  }

  // Sluice: the external path with every service programmed.
  {
    const State::Node& n = state->node(Config::kSluice);
    auto bpffs = PrivateBpffs::create();
    if (!bpffs) return base::fail(std::move(bpffs.error()));
    state->bpffs.emplace(std::move(*bpffs));
    ebpf::EbpfOptions dp_options{.bpffs = state->bpffs->path(),
                                 .pin_subdir = "sluice",
                                 .maglev_size = options.maglev_size,
                                 .node_ipv4 = n.node_address};
    setMaxServices(dp_options, static_cast<std::uint32_t>(2 * options.services));
    auto dp = ebpf::EbpfDataplane::open(dp_options);
    if (!dp) return base::fail(std::move(dp.error()));
    state->sluice = std::move(*dp);
    for (int s = 0; s < options.services; ++s) {
      for (const dataplane::Protocol proto :
           {dataplane::Protocol::kTcp, dataplane::Protocol::kUdp}) {
        const auto id = static_cast<dataplane::ServiceId>(
            1 + 2 * s + (proto == dataplane::Protocol::kUdp ? 1 : 0));
        std::vector<dataplane::Backend> backends;
        backends.reserve(kEndpointsPerService);
        for (int e = 0; e < kEndpointsPerService; ++e) {
          backends.push_back({.address = endpointAddress(e),
                              .port = static_cast<std::uint16_t>(kFirstBackendPort + s)});
        }
        auto set = dataplane::buildServiceBackends(id, std::move(backends),
                                                   {.maglev_size = options.maglev_size});
        if (!set) return base::fail(std::move(set.error()));
        if (auto done = state->sluice->replaceBackends(*set); !done)
          return base::fail(done.error());
        const dataplane::Frontend frontends[] = {
            {.key = {.address = clusterIp(s), .port = kServicePort, .protocol = proto},
             .service = id,
             .kind = dataplane::FrontendKind::kClusterIp},
            {.key = {.address = n.node_address,
                     .port = static_cast<std::uint16_t>(kFirstNodePort + s),
                     .protocol = proto},
             .service = id,
             .kind = dataplane::FrontendKind::kNodePort},
            {.key = {.address = serviceAddress(s), .port = kServicePort, .protocol = proto},
             .service = id,
             .kind = dataplane::FrontendKind::kLoadBalancer},
        };
        for (const dataplane::Frontend& fe : frontends) {
          if (auto done = state->sluice->upsertFrontend(fe); !done) return base::fail(done.error());
        }
      }
    }
    ebpf::EbpfDataplane* sluice = state->sluice.get();
    const int ifindex = n.node_if.ifindex;
    auto attached = lab::runInNetns(
        n.node_netns, [&]() -> base::Status { return sluice->attachExternalInterface(ifindex); });
    if (!attached) return base::fail(attached.error());
  }

  // The peers: kernel forwarding with kube-proxy's rules, loaded in the node's namespace.
  for (const Config config : {Config::kIptables, Config::kNftables}) {
    const State::Node& n = state->node(config);
    if (auto passed = lab::attachXdpPass(n.node_netns, n.node_interface); !passed) {
      return base::fail(passed.error());
    }
    std::vector<std::string> argv;
    std::string rules;
    if (config == Config::kIptables) {
      argv = {"iptables-restore"};
      rules = iptablesRules(options.services);
    } else {
      argv = {"nft", "-f", "-"};
      rules = nftablesRules(options.services, n.node_address);
    }
    auto loaded = lab::runCommandChecked(
        argv, {.netns = n.node_netns, .timeout = std::chrono::seconds(120), .stdin_text = rules});
    if (!loaded) return base::fail(std::move(loaded.error()));
  }

  return std::unique_ptr<Bench>(new Bench(std::move(state)));
}

base::Result<Measurement> Bench::measure(Config config, Traffic traffic,
                                         const MeasureOptions& options) {
  State& s = *state_;
  const State::Node& n = s.node(config);
  FrameSpec spec{.traffic = traffic,
                 .saddr = kClientBase,
                 .daddr = hostOrder(serviceAddress(0)),
                 .sport = 1024,
                 .dport = kServicePort};
  std::copy(n.wire_if.mac.begin(), n.wire_if.mac.end(), spec.src_mac);
  std::copy(n.node_if.mac.begin(), n.node_if.mac.end(), spec.dst_mac);
  const std::vector<std::uint8_t> frame = buildFrame(spec);

  auto* bss = s.gen->bss;
  std::memcpy(bss->tmpl, frame.data(), frame.size());
  bss->l4_check_offset = static_cast<std::uint32_t>(l4ChecksumOffset(traffic));
  bss->flows = traffic == Traffic::kTcpSyn ? 0 : s.options.flows;
  bss->services = static_cast<std::uint32_t>(s.options.services);
  bss->client_base = kClientBase;
  bss->first_flow = s.next_new_flow;
  bss->seq = 0;

  const int prog = bpf_program__fd(s.gen->progs.xdp_gen);
  const int ifindex = n.wire_if.ifindex;
  const int cpu = s.options.cpu;
  // Runs `count` frames; returns the kernel's average ns per frame.
  auto run = [&](std::uint64_t count) -> base::Result<double> {
    xdp_md ctx{};
    ctx.data_end = static_cast<std::uint32_t>(frame.size());
    ctx.ingress_ifindex = static_cast<std::uint32_t>(ifindex);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                .data_size_in = static_cast<std::uint32_t>(frame.size()), .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(count),
                .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
    if (bpf_prog_test_run_opts(prog, &opts) != 0) {
      return base::failErrno("BPF_PROG_RUN (live frames)", errno);
    }
    return static_cast<double>(opts.duration);
  };

  auto result = lab::runInNetns(n.wire_netns, [&]() -> base::Result<Measurement> {
    pinToCpu(cpu);
    // Warm-up and calibration: every established flow seen (conntrack entries made), caches
    // warm, and the rate the window's frame count is made from.
    const std::uint64_t warmup =
        std::max<std::uint64_t>(20000, traffic == Traffic::kTcpSyn ? 0 : 4ULL * s.options.flows);
    auto calibration = run(warmup);
    if (!calibration) return base::fail(calibration.error());
    const double ns = std::max(*calibration, 1.0);
    const auto frames = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(options.duration.count() * 1e9 / ns), 1000,
        std::min<std::uint64_t>(options.max_packets, std::numeric_limits<int>::max()));
    if (g_stop.load()) return base::fail(base::Errc::kUnavailable, "stopped by a signal");
    // Let the warm-up's last frames land before the window opens.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n.sink->bss->first_ns = 0;
    n.sink->bss->last_ns = 0;
    n.sink->bss->seen = 0;
    auto before = s.sinkCounts(n);
    if (!before) return base::fail(std::move(before.error()));
    Measurement m;
    auto ran = run(frames);
    if (!ran) return base::fail(ran.error());
    m.sent = frames;
    m.ns_per_frame = *ran;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // frames still in flight
    auto after = s.sinkCounts(n);
    if (!after) return base::fail(std::move(after.error()));
    m.seconds = static_cast<double>(n.sink->bss->last_ns - n.sink->bss->first_ns) / 1e9;
    m.delivered = {.frames = after->frames - before->frames,
                   .to_backend = after->to_backend - before->to_backend,
                   .from_node = after->from_node - before->from_node};
    return m;
  });
  s.next_new_flow += bss->seq;
  return result;
}

std::string Bench::sluiceDrops() const {
  auto counters = state_->sluice->counters();
  if (!counters) return counters.error().toString();
  std::string out;
  for (std::size_t i = 0; i < counters->drops.size(); ++i) {
    if (counters->drops[i] == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(dataplane::dropReasonName(static_cast<int>(i))) +
           "=" + std::to_string(counters->drops[i]);
  }
  return out.empty() ? "none" : out;
}

}  // namespace sluice::bench::mpps
