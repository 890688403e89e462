// Readable output for failing fixture tests: a one-line summary of a frame, and a field-by-field
// difference of two frames ("tcp.dst_port: expected 8080, got 80") instead of a hex blob.
#pragma once

#include <string>

#include "sluice/packet/decode.h"
#include "sluice/packet/headers.h"

namespace sluice::packet {

// "IPv4 10.244.1.2:40000 > 10.96.0.10:80 TCP [S] ttl=64 len=40", with VLAN tags, fragments, ICMP
// type and quoted packet, payload size and any bad checksum; a malformed frame ends in
// "!! <what is wrong>".
[[nodiscard]] std::string describe(ByteView frame, DecodeOptions options = {});

// Empty when the frames are equal. Otherwise one line per differing header field, named and
// located ("  @36 tcp.dst_port: expected 8080, got 80"), fields only one side has, the bytes no
// header covers, and both frames described. Fields are matched by name, so a missing VLAN tag or
// option does not turn every later field into a difference.
[[nodiscard]] std::string hexdiff(ByteView expected, ByteView actual, DecodeOptions options = {});

}  // namespace sluice::packet
