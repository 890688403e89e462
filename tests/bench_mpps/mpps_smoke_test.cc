// The Mpps benchmark's pipeline (bench/mpps) really forwards: for each configuration and traffic
// type a short burst reaches the sink, and where the node translates (Sluice, iptables, nftables)
// every frame arrives DNATed to an endpoint and source-NATed to the node. The kernel peers drop
// packets with bad TCP/UDP checksums (conntrack marks them invalid, KUBE-FORWARD drops them), so
// their deliveries also vouch for the generator's checksums. Sluice's frames must not pass
// through the node's kernel: its IPv4 forwarding counter stays flat.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "mpps.h"
#include "sluice/lab/command.h"
#include "sluice/lab/privileged.h"

namespace sluice::bench::mpps {
namespace {

// Ip: ForwDatagrams of the namespace `netns` (/proc/net/snmp as a process inside sees it).
std::uint64_t forwardedDatagrams(const std::string& netns) {
  const std::vector<std::string> argv = {"cat", "/proc/net/snmp"};
  auto out = lab::runCommandChecked(argv, {.netns = netns});
  if (!out) {
    ADD_FAILURE() << out.error().toString();
    return 0;
  }
  std::istringstream lines(out->stdout_text);
  std::string header;
  std::string values;
  while (std::getline(lines, header) && std::getline(lines, values)) {
    if (header.rfind("Ip:", 0) != 0) continue;
    std::istringstream names(header);
    std::istringstream numbers(values);
    std::string name;
    std::string number;
    while (names >> name && numbers >> number) {
      if (name == "ForwDatagrams") return std::stoull(number);
    }
  }
  ADD_FAILURE() << "no Ip: ForwDatagrams in /proc/net/snmp of " << netns;
  return 0;
}

TEST(MppsSmokeTest, EveryConfigurationForwards) {
  SLUICE_REQUIRE_LAB();
  auto bench = Bench::create({.services = 16, .flows = 64, .maglev_size = 1021});
  ASSERT_TRUE(bench) << bench.error().toString();
  const MeasureOptions burst{.duration = std::chrono::milliseconds(200), .max_packets = 2'000'000};
  for (const Traffic traffic : kTraffics) {
    for (const Config config : kConfigs) {
      SCOPED_TRACE(std::string(configName(config)) + " / " + std::string(trafficName(traffic)));
      const std::uint64_t forwarded_before = forwardedDatagrams((*bench)->nodeNetns(config));
      auto m = (*bench)->measure(config, traffic, burst);
      ASSERT_TRUE(m) << m.error().toString();
      EXPECT_GT(m->sent, 0U);
      EXPECT_GT(m->delivered.frames, 0U);
      EXPECT_LE(m->delivered.frames, m->sent + 1024);  // what was sent, plus a ring in flight
      if (config != Config::kCeiling) {
        EXPECT_EQ(m->delivered.to_backend, m->delivered.frames) << "not all DNATed";
        EXPECT_EQ(m->delivered.from_node, m->delivered.frames) << "not all source-NATed";
      }
      const std::uint64_t forwarded =
          forwardedDatagrams((*bench)->nodeNetns(config)) - forwarded_before;
      if (config == Config::kSluice || config == Config::kCeiling) {
        EXPECT_EQ(forwarded, 0U) << "frames went through the node's kernel";
      } else {
        EXPECT_GT(forwarded, 0U);
      }
    }
  }
  EXPECT_EQ((*bench)->sluiceDrops(), "none");
}

TEST(MppsFrameTest, ChecksumsVerify) {
  for (const Traffic traffic : kTraffics) {
    const auto frame = buildFrame(
        {.traffic = traffic, .saddr = 0x64400001, .daddr = 0xac1e0101, .sport = 1024, .dport = 80});
    ASSERT_EQ(frame.size(), kFrameSize);
    auto sum = [&](std::size_t from, std::size_t size, std::uint32_t acc) {
      for (std::size_t i = from; i < from + size; i += 2) {
        acc += static_cast<std::uint32_t>(frame[i] << 8 | frame[i + 1]);
      }
      while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
      return acc;
    };
    EXPECT_EQ(sum(14, 20, 0), 0xffffU) << trafficName(traffic) << ": IPv4 header checksum";
    const std::size_t l4_length = static_cast<std::size_t>(frame[16] << 8 | frame[17]) - 20;
    const std::uint32_t pseudo = sum(26, 8, 0) + frame[23] + static_cast<std::uint32_t>(l4_length);
    EXPECT_EQ(sum(34, l4_length, pseudo), 0xffffU) << trafficName(traffic) << ": L4 checksum";
  }
}

}  // namespace
}  // namespace sluice::bench::mpps
