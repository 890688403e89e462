// packet_cost: what one packet costs in Sluice's BPF programs, measured with BPF_PROG_RUN beside
// floors loaded in the same run (bench/floors): an XDP MAC swap, and parse + one hash lookup +
// MAC swap (as XDP and as tc). Figures are the kernel's own per-run time (ns); what counts is the
// ratio to the floor of the same program type, since these machines are shared and noisy.
//
//   established   one flow, the same frame run `repeat` times (conntrack hit)
//   new           a fresh 5-tuple every run (repeat=1 each): Maglev choice + conntrack insert
//   pass          traffic that is no service's
//
// Bars (issue 6): established ≤ 1.5× the parse+lookup floor, new connection ≤ 2.5×.
// Needs root (BPF). Usage: packet_cost [--repeat N] [--fresh N] [--rounds N]
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/log.h"
#include "sluice/bpf/parse_lookup.skel.h"
#include "sluice/bpf/xdp_macswap.skel.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/ebpf/ebpf_dataplane.h"

namespace {

using Frame = std::vector<std::uint8_t>;
using sluice::dataplane::Protocol;

struct Options {
  std::uint32_t repeat = 200000;  // runs per established/pass measurement
  std::uint32_t fresh = 20000;    // fresh 5-tuples per new-connection measurement
  int rounds = 5;                 // the median of this many measurements is reported
  std::string csv;                // also write the table here (bench/run.sh plots it)
};

std::uint16_t checksum(const std::uint8_t* data, std::size_t size) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2)
    sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (size % 2) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// A 64-byte Ethernet/IPv4/TCP (SYN) or UDP frame. L4 checksums are left 0: nothing here checks
// them, and the programs' incremental updates cost the same either way.
Frame frame(const char* src, const char* dst, std::uint16_t sport, std::uint16_t dport,
            bool tcp = true) {
  Frame f(64, 0);
  const std::uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
  std::copy(std::begin(macs), std::end(macs), f.begin());
  f[12] = 0x08;
  f[13] = 0x00;
  std::uint8_t* ip = f.data() + 14;
  const std::uint16_t l4 = tcp ? 20 : 8;
  const auto total = static_cast<std::uint16_t>(20 + l4);
  ip[0] = 0x45;
  ip[2] = static_cast<std::uint8_t>(total >> 8);
  ip[3] = static_cast<std::uint8_t>(total);
  ip[8] = 64;
  ip[9] = tcp ? 6 : 17;
  inet_pton(AF_INET, src, ip + 12);
  inet_pton(AF_INET, dst, ip + 16);
  const std::uint16_t sum = checksum(ip, 20);
  ip[10] = static_cast<std::uint8_t>(sum >> 8);
  ip[11] = static_cast<std::uint8_t>(sum);
  std::uint8_t* l4p = ip + 20;
  l4p[0] = static_cast<std::uint8_t>(sport >> 8);
  l4p[1] = static_cast<std::uint8_t>(sport);
  l4p[2] = static_cast<std::uint8_t>(dport >> 8);
  l4p[3] = static_cast<std::uint8_t>(dport);
  if (tcp) {
    l4p[12] = 0x50;
    l4p[13] = 0x02;  // SYN
  } else {
    l4p[4] = 0;
    l4p[5] = 8;
  }
  return f;
}

// Average ns per run the kernel measured for `repeat` runs of one frame.
double runAverage(int prog_fd, const Frame& in, std::uint32_t repeat) {
  Frame out(in.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out.data(),
              .data_size_in = static_cast<std::uint32_t>(in.size()),
              .data_size_out = static_cast<std::uint32_t>(out.size()),
              .repeat = static_cast<int>(repeat));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
    std::perror("BPF_PROG_RUN");
    std::exit(1);
  }
  return static_cast<double>(opts.duration);  // the kernel's average per run, in ns
}

// Average over a run per frame, each frame once.
double runFresh(int prog_fd, const std::vector<Frame>& frames) {
  double total = 0;
  for (const Frame& f : frames) total += runAverage(prog_fd, f, 1);
  return total / static_cast<double>(frames.size());
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct Row {
  std::string name;
  double ns = 0;
  double floor_ns = 0;
  std::string floor;
  double bar = 0;  // 0: no bar
};

bool parseNumber(std::string_view text, auto& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string_view value = argv[i + 1];
    const bool ok = (flag == "--repeat" && parseNumber(value, o.repeat)) ||
                    (flag == "--fresh" && parseNumber(value, o.fresh)) ||
                    (flag == "--rounds" && parseNumber(value, o.rounds));
    if (flag == "--csv") {
      o.csv = value;
    } else if (!ok) {
      std::fprintf(stderr,
                   "usage: packet_cost [--repeat N] [--fresh N] [--rounds N] [--csv FILE]\n");
      return 2;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "packet_cost: needs root (BPF)\n");
    return 2;
  }
  (void)sluice::base::setupLogging({.level = "warn", .name = "packet_cost"});

  // A private bpffs, removed at the end: nothing of the machine's own is touched.
  std::string dir = (std::filesystem::temp_directory_path() / "sluice-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return 1;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      ::umount2(dir.c_str(), MNT_DETACH);
      ::rmdir(dir.c_str());
    }
  } cleanup{dir};

  auto dp = sluice::ebpf::EbpfDataplane::open(
      {.bpffs = dir,
       .pin_subdir = "sluice",
       .node_ipv4 = sluice::base::parseIpAddress("192.168.50.1").value()});
  if (!dp) {
    std::fprintf(stderr, "packet_cost: %s\n", dp.error().toString().c_str());
    return 1;
  }
  auto ip = [](const char* text) { return sluice::base::parseIpAddress(text).value(); };
  std::vector<sluice::dataplane::Backend> cluster;
  std::vector<sluice::dataplane::Backend> remote;
  for (const char* b : {"10.244.2.2", "10.244.2.3", "10.244.3.2", "10.244.3.3"}) {
    cluster.push_back({.address = ip(b), .port = 8080});
    remote.push_back({.address = ip(b), .port = 8080});
  }
  bool ok = true;
  for (const auto& [id, backends] : {std::pair{1U, cluster}, std::pair{2U, remote}}) {
    auto set = sluice::dataplane::buildServiceBackends(id, backends, {});
    ok = ok && set && (*dp)->replaceBackends(*set);
  }
  for (const Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    ok = ok && (*dp)->upsertFrontend(
                   {.key = {.address = ip("10.96.0.10"), .port = 80, .protocol = p}, .service = 1});
    ok = ok && (*dp)->upsertFrontend(
                   {.key = {.address = ip("192.168.50.1"), .port = 30080, .protocol = p},
                    .service = 2,
                    .kind = sluice::dataplane::FrontendKind::kNodePort});
  }
  if (!ok) {
    std::fprintf(stderr, "packet_cost: programming the services failed\n");
    return 1;
  }

  xdp_macswap* macswap = xdp_macswap::open_and_load();
  parse_lookup* floor = parse_lookup::open_and_load();
  if (macswap == nullptr || floor == nullptr) {
    std::fprintf(stderr, "packet_cost: loading the floors failed\n");
    return 1;
  }
  const int xdp_floor = bpf_program__fd(floor->progs.xdp_parse_lookup);
  const int tc_floor = bpf_program__fd(floor->progs.tc_parse_lookup);
  const int xdp_swap = bpf_program__fd(macswap->progs.xdp_macswap);
  const int xdp_ext = (*dp)->externalIngressProgram();
  const int tc_pod = (*dp)->podIngressProgram();

  // Frames. Fresh ones differ in client address and port, as new connections do.
  const Frame np_est = frame("192.168.50.100", "192.168.50.1", 40000, 30080);
  const Frame np_udp = frame("192.168.50.100", "192.168.50.1", 40001, 30080, false);
  const Frame cl_est = frame("10.244.1.2", "10.96.0.10", 40000, 80);
  const Frame cl_udp = frame("10.244.1.2", "10.96.0.10", 40001, 80, false);
  const Frame pass = frame("192.168.50.100", "192.168.50.1", 40000, 22);
  std::vector<Frame> np_fresh, cl_fresh, floor_fresh;
  // Floor flows: every fresh frame's 5-tuple is in the floor's map, so it does one hit each.
  const int floor_map = bpf_map__fd(floor->maps.floor_flows);
  auto addFloorFlow = [&](const Frame& f) {
    std::array<std::uint8_t, 16> key{};
    std::copy(f.begin() + 26, f.begin() + 34, key.begin());      // saddr, daddr
    std::copy(f.begin() + 34, f.begin() + 38, key.begin() + 8);  // ports
    key[12] = f[23];                                             // protocol
    const std::uint32_t one = 1;
    bpf_map_update_elem(floor_map, key.data(), &one, BPF_ANY);
  };
  for (const Frame* f : {&np_est, &np_udp, &cl_est, &cl_udp}) addFloorFlow(*f);
  int round_base = 0;
  auto makeFresh = [&] {
    np_fresh.clear();
    cl_fresh.clear();
    floor_fresh.clear();
    for (std::uint32_t i = 0; i < o.fresh; ++i) {
      const std::uint32_t n = static_cast<std::uint32_t>(round_base) * o.fresh + i;
      char client[32];
      std::snprintf(client, sizeof(client), "172.16.%u.%u", (n >> 8) & 0xff, n & 0xff);
      const auto port = static_cast<std::uint16_t>(1024 + (n >> 16));
      np_fresh.push_back(frame(client, "192.168.50.1", port, 30080));
      cl_fresh.push_back(frame(client, "10.96.0.10", port, 80));
      floor_fresh.push_back(frame(client, "192.168.50.1", port, 30080));
      addFloorFlow(floor_fresh.back());
    }
    ++round_base;
  };
  // Warm the established flows (first run creates their conntrack entries).
  for (const Frame* f : {&np_est, &np_udp}) runAverage(xdp_ext, *f, 1);
  for (const Frame* f : {&cl_est, &cl_udp}) runAverage(tc_pod, *f, 1);

  std::vector<double> m[12];
  for (int r = 0; r < o.rounds; ++r) {
    makeFresh();
    m[0].push_back(runAverage(xdp_swap, np_est, o.repeat));
    m[1].push_back(runAverage(xdp_floor, np_est, o.repeat));
    m[2].push_back(runAverage(xdp_ext, np_est, o.repeat));
    m[3].push_back(runAverage(xdp_ext, np_udp, o.repeat));
    m[4].push_back(runAverage(xdp_ext, pass, o.repeat));
    m[5].push_back(runFresh(xdp_floor, floor_fresh));
    m[6].push_back(runFresh(xdp_ext, np_fresh));
    m[7].push_back(runAverage(tc_floor, cl_est, o.repeat));
    m[8].push_back(runAverage(tc_pod, cl_est, o.repeat));
    m[9].push_back(runAverage(tc_pod, cl_udp, o.repeat));
    m[10].push_back(runFresh(tc_floor, floor_fresh));
    m[11].push_back(runFresh(tc_pod, cl_fresh));
  }
  double v[12];
  for (int i = 0; i < 12; ++i) v[i] = median(m[i]);

  const Row rows[] = {
      {"XDP floor: MAC swap + XDP_TX", v[0], v[1], "xdp parse+lookup", 0},
      {"XDP floor: parse + lookup + MAC swap", v[1], v[1], "xdp parse+lookup", 0},
      {"NodePort TCP, established (XDP)", v[2], v[1], "xdp parse+lookup", 1.5},
      {"NodePort UDP, established (XDP)", v[3], v[1], "xdp parse+lookup", 1.5},
      {"not a service: pass (XDP)", v[4], v[1], "xdp parse+lookup", 0},
      {"XDP floor, fresh frame per run", v[5], v[5], "xdp floor fresh", 0},
      {"NodePort TCP, new connection (XDP)", v[6], v[5], "xdp floor fresh", 2.5},
      {"tc floor: parse + lookup", v[7], v[7], "tc parse+lookup", 0},
      {"ClusterIP TCP, established (tc)", v[8], v[7], "tc parse+lookup", 1.5},
      {"ClusterIP UDP, established (tc)", v[9], v[7], "tc parse+lookup", 1.5},
      {"tc floor, fresh frame per run", v[10], v[10], "tc floor fresh", 0},
      {"ClusterIP TCP, new connection (tc)", v[11], v[10], "tc floor fresh", 2.5},
  };
  std::printf("packet_cost: median of %d rounds; repeat=%u, fresh=%u; ns per packet (kernel)\n\n",
              o.rounds, o.repeat, o.fresh);
  std::printf("%-40s %9s  %-18s %7s  %s\n", "case", "ns/pkt", "ratio to", "ratio", "bar");
  int missed = 0;
  for (const Row& row : rows) {
    const double ratio = row.ns / row.floor_ns;
    std::string bar = "-";
    if (row.bar > 0) {
      const bool met = ratio <= row.bar;
      if (!met) ++missed;
      char text[32];
      std::snprintf(text, sizeof(text), "<= %.1fx %s", row.bar, met ? "met" : "MISSED");
      bar = text;
    }
    std::printf("%-40s %9.1f  %-18s %6.2fx  %s\n", row.name.c_str(), row.ns, row.floor.c_str(),
                ratio, bar.c_str());
  }
  if (!o.csv.empty()) {
    std::ofstream csv(o.csv);
    csv << "case,ns_per_packet,ratio_to,ratio,bar\n";
    for (const Row& row : rows) {
      std::string name = row.name;  // no commas inside a field: plot.sh splits on them
      std::replace(name.begin(), name.end(), ',', ';');
      csv << name << "," << row.ns << "," << row.floor << "," << row.ns / row.floor_ns << ","
          << row.bar << "\n";
    }
    if (!csv) std::fprintf(stderr, "packet_cost: writing %s failed\n", o.csv.c_str());
  }
  xdp_macswap::destroy(macswap);
  parse_lookup::destroy(floor);
  dp->reset();
  return missed == 0 ? 0 : 1;
}
