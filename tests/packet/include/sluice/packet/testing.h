// GoogleTest glue for fixture tests: assertions whose failure message is hexdiff()/describe()
// output, not two byte vectors.
//
//   EXPECT_PACKET_EQ(expected_frame, output_frame);
//   EXPECT_CHECKSUMS_VALID(output_frame);
#pragma once

#include <gtest/gtest.h>

#include "sluice/packet/decode.h"
#include "sluice/packet/headers.h"

namespace sluice::packet {

// For EXPECT_PRED_FORMAT2: frames starting with Ethernet.
[[nodiscard]] ::testing::AssertionResult packetsEqual(const char* expected_expr,
                                                      const char* actual_expr, ByteView expected,
                                                      ByteView actual);
// The same for bare IP datagrams (Packet().noEth(), tunnel payloads).
[[nodiscard]] ::testing::AssertionResult datagramsEqual(const char* expected_expr,
                                                        const char* actual_expr, ByteView expected,
                                                        ByteView actual);
// For EXPECT_PRED_FORMAT1: the frame decodes and every checksum in it verifies.
[[nodiscard]] ::testing::AssertionResult checksumsValid(const char* frame_expr, ByteView frame);

}  // namespace sluice::packet

#define EXPECT_PACKET_EQ(expected, actual) \
  EXPECT_PRED_FORMAT2(::sluice::packet::packetsEqual, expected, actual)
#define ASSERT_PACKET_EQ(expected, actual) \
  ASSERT_PRED_FORMAT2(::sluice::packet::packetsEqual, expected, actual)
#define EXPECT_DATAGRAM_EQ(expected, actual) \
  EXPECT_PRED_FORMAT2(::sluice::packet::datagramsEqual, expected, actual)
#define EXPECT_CHECKSUMS_VALID(frame) EXPECT_PRED_FORMAT1(::sluice::packet::checksumsValid, frame)
