// A sluice-lb worker driven one frame at a time, without DPDK: the LB side of the fixture tables
// (the eBPF plane's are in tests/ebpf/). Frames sit in a buffer with head- and tailroom, as in an
// mbuf, so encapsulation and neighbour advertisements can grow them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sluice/dataplane/backend_set.h"
#include "sluice/lb/lb_dataplane.h"
#include "sluice/packet/headers.h"

namespace sluice::testing {

inline constexpr std::uint32_t kLbMaglevSize = 251;
// The LB's port: frames from the client side arrive addressed to it (the builder's default dst).
inline constexpr packet::MacAddress kLbMac = packet::kDefaultDstMac;
// The client side's router (the builder's default src): the gateway.
inline constexpr packet::MacAddress kRouterMac = packet::kDefaultSrcMac;
inline constexpr packet::MacAddress kBackend1Mac("02:00:00:00:0b:01");
inline constexpr packet::MacAddress kBackend2Mac("02:00:00:00:0b:02");
inline constexpr packet::MacAddress kBackend6Mac("02:00:00:00:0b:06");

inline base::IpAddress lbIp(const char* text) { return base::parseIpAddress(text).value(); }
inline lb::Mac macOf(packet::MacAddress mac) { return mac.bytes(); }

struct LbRun {
  lb::Outcome outcome;
  packet::Bytes output;  // the frame after processing (rewritten or not)
};

class LbFixture {
 public:
  explicit LbFixture(lb::LbOptions options) : dp_(std::make_unique<lb::LbDataplane>(options)) {}

  [[nodiscard]] lb::LbDataplane& dataplane() { return *dp_; }

  [[nodiscard]] base::Status setBackends(dataplane::ServiceId id,
                                         std::vector<dataplane::Backend> backends,
                                         bool local_only = false) {
    auto set = dataplane::buildServiceBackends(
        id, std::move(backends), {.maglev_size = kLbMaglevSize, .local_only = local_only});
    if (!set) return base::fail(std::move(set.error()));
    return dp_->replaceBackends(*set);
  }

  // now_ns 0: the monotonic clock (what inspection ages entries by).
  LbRun run(const packet::Bytes& frame, std::size_t worker = 0, std::uint64_t now_ns = 0) {
    constexpr std::uint16_t kRoom = 128;
    std::vector<std::uint8_t> buffer(kRoom + frame.size() + kRoom);
    std::copy(frame.begin(), frame.end(), buffer.begin() + kRoom);
    lb::Frame f{.data = buffer.data() + kRoom,
                .length = static_cast<std::uint16_t>(frame.size()),
                .headroom = kRoom,
                .tailroom = kRoom};
    LbRun out;
    out.outcome = dp_->worker(worker).process(f, *dp_->snapshots().read(),
                                              now_ns != 0 ? now_ns : lb::monotonicNs());
    out.output.assign(f.data, f.data + f.length);
    return out;
  }
  // The frame must be sent back out; returns it.
  packet::Bytes transmit(const packet::Bytes& frame, std::size_t worker = 0,
                         std::uint64_t now_ns = 0) {
    LbRun r = run(frame, worker, now_ns);
    EXPECT_EQ(r.outcome.verdict, lb::Verdict::kTransmit) << "reason " << int{r.outcome.reason};
    return r.output;
  }
  [[nodiscard]] std::uint64_t drops(int reason) {
    auto c = dp_->counters();
    return c ? c->drops[static_cast<std::size_t>(reason)] : ~0ULL;
  }

 private:
  std::unique_ptr<lb::LbDataplane> dp_;
};

}  // namespace sluice::testing
