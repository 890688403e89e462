#include "sluice/packet/testing.h"

#include "sluice/packet/describe.h"

namespace sluice::packet {

namespace {

::testing::AssertionResult compare(const char* expected_expr, const char* actual_expr,
                                   ByteView expected, ByteView actual, DecodeOptions options) {
  const std::string diff = hexdiff(expected, actual, options);
  if (diff.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "frames " << expected_expr << " (expected) and " << actual_expr << " (actual) " << diff;
}

}  // namespace

::testing::AssertionResult packetsEqual(const char* expected_expr, const char* actual_expr,
                                        ByteView expected, ByteView actual) {
  return compare(expected_expr, actual_expr, expected, actual, {.ethernet = true});
}

::testing::AssertionResult datagramsEqual(const char* expected_expr, const char* actual_expr,
                                          ByteView expected, ByteView actual) {
  return compare(expected_expr, actual_expr, expected, actual, {.ethernet = false});
}

::testing::AssertionResult checksumsValid(const char* frame_expr, ByteView frame) {
  auto decoded = decode(frame);
  if (!decoded) {
    return ::testing::AssertionFailure()
           << frame_expr << " does not decode: " << decoded.error().message();
  }
  if (decoded->checksumsValid()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << frame_expr << " [" << describe(frame) << "]: " << decoded->checksumErrors();
}

}  // namespace sluice::packet
