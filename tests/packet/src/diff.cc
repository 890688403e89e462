// hexdiff(): two frames compared field by field (matched by name), then byte by byte for what no
// header covers.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "names.h"
#include "sluice/packet/describe.h"

namespace sluice::packet {

namespace {

constexpr std::size_t kMaxLines = 40;

ByteView bytesOf(ByteView frame, const Field& field) {
  if (field.offset > frame.size()) return {};
  return frame.subspan(field.offset, std::min(field.size, frame.size() - field.offset));
}

bool sameField(ByteView expected_frame, const Field& expected, ByteView actual_frame,
               const Field& actual) {
  if (!expected.opaque) return expected.value == actual.value;
  const ByteView a = bytesOf(expected_frame, expected);
  const ByteView b = bytesOf(actual_frame, actual);
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// For a checksum field that differs: whether the actual packet's own checksum is right, which
// tells "the rewrite forgot the checksum" apart from "the rewrite went elsewhere".
std::string checksumNote(const Decoded& actual, const Field& field) {
  if (!field.name.ends_with("checksum")) return "";
  for (const ChecksumCheck& check : actual.checksums) {
    if (check.offset != field.offset) continue;
    const int digits = field.size == 4 ? 8 : 4;
    return check.valid ? " (correct for the actual bytes)"
                       : fmt::format(" (wrong for the actual bytes: should be {})",
                                     names::hex(check.correct, digits));
  }
  return "";
}

std::string opaqueDetail(ByteView expected, ByteView actual) {
  const auto mismatch =
      std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
  const auto at = static_cast<std::size_t>(mismatch.first - expected.begin());
  return fmt::format(" (first difference at byte {} of the field)", at);
}

// Byte ranges that differ and lie outside every field of both frames.
std::vector<std::string> uncoveredDifferences(ByteView expected, ByteView actual, const Decoded& e,
                                              const Decoded& a) {
  const std::size_t size = std::max(expected.size(), actual.size());
  std::vector<bool> covered(size, false);
  for (const Decoded* d : {&e, &a}) {
    for (const Field& f : d->fields) {
      for (std::size_t i = f.offset; i < f.offset + f.size && i < size; ++i) covered[i] = true;
    }
  }
  std::vector<std::string> lines;
  const std::size_t common = std::min(expected.size(), actual.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (covered[i] || expected[i] == actual[i]) continue;
    std::size_t j = i;
    std::string e_hex;
    std::string a_hex;
    for (; j < common && !covered[j] && expected[j] != actual[j] && j - i < 16; ++j) {
      e_hex += fmt::format(" {:02x}", expected[j]);
      a_hex += fmt::format(" {:02x}", actual[j]);
    }
    lines.push_back(fmt::format("  @{} bytes:{} expected, got{}", i, e_hex, a_hex));
    i = j - 1;
  }
  return lines;
}

}  // namespace

std::string hexdiff(ByteView expected, ByteView actual, DecodeOptions options) {
  if (std::equal(expected.begin(), expected.end(), actual.begin(), actual.end())) return "";
  const PartialDecode e = decodePartial(expected, options);
  const PartialDecode a = decodePartial(actual, options);

  // Field names are unique within a frame; the occurrence count guards against crafted ones.
  std::map<std::string, std::vector<const Field*>> actual_fields;
  for (const Field& f : a.decoded.fields) actual_fields[f.name].push_back(&f);
  std::map<std::string, std::size_t> used;

  std::vector<std::string> lines;
  for (const Field& f : e.decoded.fields) {
    auto& candidates = actual_fields[f.name];
    const std::size_t index = used[f.name]++;
    if (index >= candidates.size()) {
      lines.push_back(fmt::format("  @{} {}: expected {}, missing", f.offset, f.name, f.value));
      continue;
    }
    const Field& g = *candidates[index];
    if (sameField(expected, f, actual, g)) continue;
    std::string line =
        fmt::format("  @{} {}: expected {}, got {}", f.offset, f.name, f.value, g.value);
    if (f.opaque) line += opaqueDetail(bytesOf(expected, f), bytesOf(actual, g));
    line += checksumNote(a.decoded, g);
    if (g.offset != f.offset) line += fmt::format(" (at @{} in actual)", g.offset);
    lines.push_back(std::move(line));
  }
  for (const auto& [name, candidates] : actual_fields) {
    for (std::size_t i = used[name]; i < candidates.size(); ++i) {
      lines.push_back(fmt::format("  @{} {}: unexpected {}", candidates[i]->offset, name,
                                  candidates[i]->value));
    }
  }
  for (std::string& line : uncoveredDifferences(expected, actual, e.decoded, a.decoded)) {
    lines.push_back(std::move(line));
  }

  std::string out = "packets differ";
  if (expected.size() != actual.size()) {
    out += fmt::format(" (length: expected {}, got {})", expected.size(), actual.size());
  }
  out += ":\n";
  for (std::size_t i = 0; i < lines.size() && i < kMaxLines; ++i) out += lines[i] + "\n";
  if (lines.size() > kMaxLines) out += fmt::format("  ... {} more\n", lines.size() - kMaxLines);
  out += "expected: " + describe(expected, options) + "\n";
  out += "actual:   " + describe(actual, options);
  return out;
}

}  // namespace sluice::packet
