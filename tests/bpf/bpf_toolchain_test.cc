// The BPF build path end to end: a program compiled with clang -target bpf, turned into a
// skeleton by bpftool, loaded into the running kernel through libbpf and run on a packet with
// BPF_PROG_RUN. Needs root (CAP_BPF); skips — or fails under SLUICE_REQUIRE_PRIVILEGED=1.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

#include "sluice/bpf/xdp_macswap.skel.h"
#include "sluice/lab/privileged.h"

namespace {

struct SkeletonDeleter {
  void operator()(xdp_macswap* skel) const { xdp_macswap::destroy(skel); }
};

TEST(BpfToolchain, SkeletonLoadsAndRunsInTheKernel) {
  SLUICE_REQUIRE_ROOT();
  std::unique_ptr<xdp_macswap, SkeletonDeleter> skel(xdp_macswap::open_and_load());
  ASSERT_NE(skel, nullptr) << "loading xdp_macswap failed: " << std::strerror(errno);

  std::array<std::uint8_t, 64> frame{};
  const std::array<std::uint8_t, 6> dst = {0x02, 0, 0, 0, 0, 0x01};
  const std::array<std::uint8_t, 6> src = {0x02, 0, 0, 0, 0, 0x02};
  std::memcpy(frame.data(), dst.data(), 6);
  std::memcpy(frame.data() + 6, src.data(), 6);
  frame[12] = 0x08;  // IPv4 ethertype; the floor does not look further
  std::array<std::uint8_t, 64> out{};

  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = frame.size(), .data_size_out = out.size(), .repeat = 1);
  ASSERT_EQ(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_macswap), &opts), 0)
      << std::strerror(errno);
  EXPECT_EQ(opts.retval, static_cast<std::uint32_t>(XDP_TX));
  ASSERT_EQ(opts.data_size_out, frame.size());
  EXPECT_EQ(0, std::memcmp(out.data(), src.data(), 6)) << "destination is the old source";
  EXPECT_EQ(0, std::memcmp(out.data() + 6, dst.data(), 6)) << "source is the old destination";
}

TEST(BpfToolchain, RuntFrameIsDropped) {
  SLUICE_REQUIRE_ROOT();
  std::unique_ptr<xdp_macswap, SkeletonDeleter> skel(xdp_macswap::open_and_load());
  ASSERT_NE(skel, nullptr);
  std::array<std::uint8_t, 14> frame{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = 13, .repeat = 1);
  // The kernel refuses frames shorter than an Ethernet header before the program runs.
  const int rc = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_macswap), &opts);
  if (rc == 0)
    EXPECT_EQ(opts.retval, static_cast<std::uint32_t>(XDP_DROP));
  else
    EXPECT_EQ(errno, EINVAL);
}

}  // namespace
