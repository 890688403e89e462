// The decoder's entry points and its L2/L3 half: Ethernet with VLAN tags, IPv4 with options and
// fragments, IPv6 with its extension-header chain.
#include "sluice/packet/decode.h"

#include <fmt/format.h>

#include <algorithm>

#include "decoder.h"
#include "names.h"
#include "sluice/packet/checksum.h"
#include "wire.h"

namespace sluice::packet {

namespace detail {

namespace {

constexpr std::size_t kMaxVlanTags = 4;
constexpr std::size_t kMaxExtensions = 16;

boost::asio::ip::address_v4 v4At(ByteView data, std::size_t at) {
  return boost::asio::ip::address_v4(load32(data, at));
}

boost::asio::ip::address_v6 v6At(ByteView data, std::size_t at) {
  boost::asio::ip::address_v6::bytes_type bytes{};
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), 16, bytes.begin());
  return boost::asio::ip::address_v6(bytes);
}

const char* extensionName(std::uint8_t type) {
  switch (type) {
    case ipproto::kHopByHop: return "hop_by_hop";
    case ipproto::kRouting: return "routing";
    case ipproto::kFragment: return "fragment";
    case ipproto::kDestOptions: return "dest_options";
    default: return "auth";
  }
}

std::string etherTypeText(std::uint16_t type) {
  const char* name = names::etherType(type);
  return *name ? fmt::format("{} ({})", names::hex(type, 4), name) : names::hex(type, 4);
}

bool isExtension(std::uint8_t next) {
  return next == ipproto::kHopByHop || next == ipproto::kRouting || next == ipproto::kFragment ||
         next == ipproto::kDestOptions || next == 51 /* AH */;
}

}  // namespace

bool Decoder::need(std::size_t at, std::size_t size, std::size_t end, std::string_view what) {
  if (at <= end && size <= end - at) return true;
  const std::size_t left = at < end ? end - at : 0;
  problem(fmt::format("truncated: {} needs {} bytes at offset {}, {} left", what, size,
                      frameOffset(at), left));
  return false;
}

void Decoder::problem(std::string message) {
  if (stopped()) return;
  if (quoted_) {
    out_.incomplete = std::move(message);
  } else {
    error_.emplace(base::Errc::kInvalidArgument, std::move(message));
  }
}

void Decoder::field(std::string_view name, std::size_t at, std::size_t size, std::string value) {
  out_.fields.push_back({.name = prefix_ + std::string(name),
                         .offset = frameOffset(at),
                         .size = size,
                         .value = std::move(value)});
  covered_ = std::max(covered_, at + size);
}

void Decoder::bytesField(std::string_view name, std::size_t at, std::size_t size) {
  field(name, at, size, names::bytesSummary(data_.subspan(at, size)));
  out_.fields.back().opaque = true;
}

void Decoder::checksum(std::string_view what, std::size_t at, std::uint32_t found,
                       std::uint32_t correct, bool valid) {
  out_.checksums.push_back({.what = prefix_ + std::string(what),
                            .offset = frameOffset(at),
                            .found = found,
                            .correct = correct,
                            .valid = valid});
}

void Decoder::run(bool with_ethernet) {
  std::size_t at = 0;
  std::uint16_t type = 0;
  if (!with_ethernet) {
    if (!need(0, 1, data_.size(), "IP header")) return;
    type = (data_[0] >> 4) == 6 ? ethertype::kIpv6 : ethertype::kIpv4;
  } else if (!ethernet(at, type)) {
    return;
  }
  if (type == ethertype::kIpv4) {
    ipv4(at);
  } else if (type == ethertype::kIpv6) {
    ipv6(at);
  } else {
    payload(at, data_.size());
  }
  // Whatever no header claimed (after an error, or a non-IP frame's tail) still takes part in
  // diffs as one opaque field.
  if (covered_ < data_.size()) bytesField("unparsed", covered_, data_.size() - covered_);
}

bool Decoder::ethernet(std::size_t& at, std::uint16_t& type) {
  if (!need(0, kEthHeaderSize, data_.size(), "Ethernet header")) return false;
  EthHeader eth;
  std::array<std::uint8_t, 6> mac{};
  std::copy_n(data_.begin(), 6, mac.begin());
  eth.dst = MacAddress(mac);
  std::copy_n(data_.begin() + 6, 6, mac.begin());
  eth.src = MacAddress(mac);
  field("eth.dst", 0, 6, eth.dst.toString());
  field("eth.src", 6, 6, eth.src.toString());
  at = 12;
  type = load16(data_, at);
  std::string type_name = "eth.type";
  while ((type == ethertype::kVlan || type == ethertype::kQinQ) &&
         eth.vlans.size() < kMaxVlanTags) {
    field(type_name, at, 2, etherTypeText(type));
    if (!need(at + 2, kVlanTagSize, data_.size(), "VLAN tag")) return false;
    const std::uint16_t tci = load16(data_, at + 2);
    const VlanTag tag{.tpid = type,
                      .pcp = static_cast<std::uint8_t>(tci >> 13),
                      .dei = (tci & 0x1000) != 0,
                      .vid = static_cast<std::uint16_t>(tci & 0xfff)};
    const std::string vlan = fmt::format("vlan{}.", eth.vlans.size());
    field(vlan + "tci", at + 2, 2, fmt::format("vid={} pcp={} dei={}", tag.vid, tag.pcp, tag.dei));
    eth.vlans.push_back(tag);
    type_name = vlan + "type";
    at += kVlanTagSize;
    type = load16(data_, at);
  }
  field(type_name, at, 2, etherTypeText(type));
  eth.ethertype = type;
  at += 2;
  out_.eth = std::move(eth);
  return true;
}

void Decoder::ipv4(std::size_t at) {
  if (!need(at, kIpv4HeaderSize, data_.size(), "IPv4 header")) return;
  Ipv4Header ip;
  const unsigned version = data_[at] >> 4;
  ip.ihl = data_[at] & 0xf;
  field("ipv4.version_ihl", at, 1, fmt::format("version={} ihl={}", version, ip.ihl));
  if (version != 4) {
    return problem(
        fmt::format("IPv4 header at offset {} has version {}", frameOffset(at), version));
  }
  if (ip.ihl < 5) {
    return problem(
        fmt::format("IPv4 IHL {} at offset {} is below the minimum 5", ip.ihl, frameOffset(at)));
  }
  const std::size_t header_size = std::size_t{ip.ihl} * 4;
  if (!need(at, header_size, data_.size(), "IPv4 header with options")) return;
  ip.tos = data_[at + 1];
  ip.total_length = load16(data_, at + 2);
  ip.id = load16(data_, at + 4);
  const std::uint16_t flags = load16(data_, at + 6);
  ip.reserved_flag = (flags & 0x8000) != 0;
  ip.dont_fragment = (flags & 0x4000) != 0;
  ip.more_fragments = (flags & 0x2000) != 0;
  ip.fragment_offset = flags & 0x1fff;
  ip.ttl = data_[at + 8];
  ip.protocol = data_[at + 9];
  ip.checksum = load16(data_, at + 10);
  ip.src = v4At(data_, at + 12);
  ip.dst = v4At(data_, at + 16);
  ip.options.assign(data_.begin() + static_cast<std::ptrdiff_t>(at + kIpv4HeaderSize),
                    data_.begin() + static_cast<std::ptrdiff_t>(at + header_size));

  field("ipv4.tos", at + 1, 1, names::hex(ip.tos, 2));
  field("ipv4.total_length", at + 2, 2, std::to_string(ip.total_length));
  field("ipv4.id", at + 4, 2, std::to_string(ip.id));
  std::string flag_text = ip.reserved_flag ? "RES " : "";
  if (ip.dont_fragment) flag_text += "DF ";
  if (ip.more_fragments) flag_text += "MF ";
  field("ipv4.flags", at + 6, 1,
        flag_text.empty() ? "none" : flag_text.substr(0, flag_text.size() - 1));
  field("ipv4.frag_offset", at + 6, 2, std::to_string(ip.fragment_offset));
  field("ipv4.ttl", at + 8, 1, std::to_string(ip.ttl));
  field("ipv4.protocol", at + 9, 1,
        names::numberAndName(ip.protocol, names::protocol(ip.protocol)));
  field("ipv4.checksum", at + 10, 2, names::hex(ip.checksum, 4));
  field("ipv4.src", at + 12, 4, ip.src.to_string());
  field("ipv4.dst", at + 16, 4, ip.dst.to_string());
  if (header_size > kIpv4HeaderSize) {
    bytesField("ipv4.options", at + kIpv4HeaderSize, header_size - kIpv4HeaderSize);
  }

  const ByteView header = data_.subspan(at, header_size);
  const Bytes zeroed = wire::zeroedCopy(header, 10, 2);
  checksum("ipv4 header", at + 10, ip.checksum, internetChecksum(zeroed),
           internetChecksum(header) == 0);

  std::size_t end = at + ip.total_length;
  const bool later_fragment = ip.fragment_offset != 0;
  const bool whole = !later_fragment && !ip.more_fragments;
  const auto src = ip.src;
  const auto dst = ip.dst;
  const std::uint8_t protocol = ip.protocol;
  out_.ipv4 = std::move(ip);
  if (end < at + header_size) {
    return problem(fmt::format("IPv4 total length {} at offset {} is shorter than its header ({})",
                               end - at, frameOffset(at + 2), header_size));
  }
  if (end > data_.size()) {
    problem(fmt::format("truncated: IPv4 total length {} at offset {} exceeds the {} bytes there",
                        end - at, frameOffset(at + 2), data_.size() - at));
    if (!quoted_) return;
    end = data_.size();  // a quoted packet goes on with what there is
  }
  const std::size_t l4_at = at + header_size;
  if (later_fragment) {
    payload(l4_at, end);
  } else {
    l4(l4_at, end, protocol, src, dst, whole && out_.incomplete.empty());
  }
  if (!quoted_ && !stopped() && end < data_.size()) {
    out_.trailer.assign(data_.begin() + static_cast<std::ptrdiff_t>(end), data_.end());
    bytesField("trailer", end, data_.size() - end);
  }
}

void Decoder::ipv6(std::size_t at) {
  if (!need(at, kIpv6HeaderSize, data_.size(), "IPv6 header")) return;
  Ipv6Header ip;
  const std::uint32_t word = load32(data_, at);
  const unsigned version = word >> 28;
  field("ipv6.version", at, 1, std::to_string(version));
  if (version != 6) {
    return problem(
        fmt::format("IPv6 header at offset {} has version {}", frameOffset(at), version));
  }
  ip.traffic_class = static_cast<std::uint8_t>((word >> 20) & 0xff);
  ip.flow_label = word & 0xfffff;
  ip.payload_length = load16(data_, at + 4);
  ip.next_header = data_[at + 6];
  ip.hop_limit = data_[at + 7];
  ip.src = v6At(data_, at + 8);
  ip.dst = v6At(data_, at + 24);
  field("ipv6.traffic_class", at, 2, names::hex(ip.traffic_class, 2));
  field("ipv6.flow_label", at + 1, 3, names::hex(ip.flow_label, 5));
  field("ipv6.payload_length", at + 4, 2, std::to_string(ip.payload_length));
  field("ipv6.next_header", at + 6, 1,
        names::numberAndName(ip.next_header, names::protocol(ip.next_header)));
  field("ipv6.hop_limit", at + 7, 1, std::to_string(ip.hop_limit));
  field("ipv6.src", at + 8, 16, ip.src.to_string());
  field("ipv6.dst", at + 24, 16, ip.dst.to_string());
  out_.ipv6 = std::move(ip);

  std::size_t end = at + kIpv6HeaderSize + out_.ipv6->payload_length;
  if (end > data_.size()) {
    problem(fmt::format("truncated: IPv6 payload length {} at offset {} exceeds the {} bytes there",
                        out_.ipv6->payload_length, frameOffset(at + 4),
                        data_.size() - at - kIpv6HeaderSize));
    if (!quoted_) return;
    end = data_.size();
  }
  std::size_t pos = at + kIpv6HeaderSize;
  std::uint8_t next = out_.ipv6->next_header;
  boost::asio::ip::address_v6 pseudo_dst = out_.ipv6->dst;
  while (isExtension(next)) {
    if (out_.ipv6->extensions.size() == kMaxExtensions) {
      return problem(fmt::format("more than {} IPv6 extension headers", kMaxExtensions));
    }
    if (!ipv6Extension(pos, end, next, pseudo_dst)) return;
  }
  out_.ipv6->protocol = next;
  const auto& fragment = out_.ipv6->fragment;
  if (fragment && fragment->offset != 0) return payload(pos, end);
  const bool whole = !(fragment && fragment->more_fragments) && out_.incomplete.empty();
  l4(pos, end, next, out_.ipv6->src, pseudo_dst, whole);
  if (!quoted_ && !stopped() && end < data_.size()) {
    out_.trailer.assign(data_.begin() + static_cast<std::ptrdiff_t>(end), data_.end());
    bytesField("trailer", end, data_.size() - end);
  }
}

bool Decoder::ipv6Extension(std::size_t& at, std::size_t end, std::uint8_t& next,
                            boost::asio::ip::address_v6& pseudo_dst) {
  const std::string name =
      fmt::format("ipv6.ext{}.{}", out_.ipv6->extensions.size(), extensionName(next));
  const std::string what = fmt::format("IPv6 {} header", extensionName(next));
  if (!need(at, 8, end, what)) return false;
  std::size_t size = 8;
  if (next == 51) {
    size = (std::size_t{data_[at + 1]} + 2) * 4;
  } else if (next != ipproto::kFragment) {
    size = (std::size_t{data_[at + 1]} + 1) * 8;
  }
  if (!need(at, size, end, what)) return false;
  const ByteView header = data_.subspan(at, size);
  Ipv6Extension extension{
      .type = next, .offset = frameOffset(at), .bytes = Bytes(header.begin(), header.end())};
  if (next == ipproto::kFragment) {
    const std::uint16_t word = load16(header, 2);
    out_.ipv6->fragment = Ipv6FragmentFields{.offset = static_cast<std::uint16_t>(word >> 3),
                                             .more_fragments = (word & 1) != 0,
                                             .id = load32(header, 4)};
    field(name, at, size,
          fmt::format("offset={}{} id={}", out_.ipv6->fragment->offset,
                      out_.ipv6->fragment->more_fragments ? " MF" : "", out_.ipv6->fragment->id));
  } else {
    if (next == ipproto::kRouting) {
      out_.ipv6->routing = Ipv6RoutingFields{.type = header[2],
                                             .segments_left = header[3],
                                             .data = Bytes(header.begin() + 4, header.end())};
      if (auto final_dst = wire::routingFinalDestination(header)) pseudo_dst = *final_dst;
    }
    bytesField(name, at, size);
  }
  out_.ipv6->extensions.push_back(std::move(extension));
  next = header[0];
  at += size;
  return true;
}

}  // namespace detail

namespace {

PartialDecode decodeFrame(ByteView frame, DecodeOptions options) {
  PartialDecode result;
  detail::Decoder decoder(frame, result.decoded, "", 0, false, 0);
  decoder.run(options.ethernet);
  result.error = std::move(decoder.error());
  return result;
}

}  // namespace

PartialDecode decodePartial(ByteView frame, DecodeOptions options) {
  return decodeFrame(frame, options);
}

base::Result<Decoded> decode(ByteView frame, DecodeOptions options) {
  PartialDecode result = decodeFrame(frame, options);
  if (result.error) return base::fail(std::move(*result.error));
  return std::move(result.decoded);
}

}  // namespace sluice::packet
