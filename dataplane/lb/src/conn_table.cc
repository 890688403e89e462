#include "sluice/lb/conn_table.h"

#include <bit>

#include "sluice/lb/flow_hash.h"

namespace sluice::lb {
namespace {

constexpr std::uint64_t kNsPerSec = 1'000'000'000ULL;
constexpr std::uint8_t kFinFromClient = 1;
constexpr std::uint8_t kFinFromBackend = 2;

}  // namespace

std::uint64_t ctTimeoutNs(std::uint8_t proto, CtState state) noexcept {
  if (proto == kProtoTcp) {
    if (state == CtState::kEstablished) return 6ULL * 3600 * kNsPerSec;
    if (state == CtState::kClosing) return 10 * kNsPerSec;
    return 60 * kNsPerSec;
  }
  return state == CtState::kEstablished ? 120 * kNsPerSec : 30 * kNsPerSec;
}

void ctOnPacket(CtEntry& entry, const ParsedPacket& pkt, bool from_backend,
                std::uint64_t now_ns) noexcept {
  entry.last_seen_ns = now_ns;
  if (pkt.proto == kProtoTcp) {
    if ((pkt.tcp_flags & kTcpRst) != 0) {
      entry.state = CtState::kClosing;
      return;
    }
    if ((pkt.tcp_flags & kTcpFin) != 0)
      entry.seen_fin |= from_backend ? kFinFromBackend : kFinFromClient;
    if (entry.seen_fin == (kFinFromClient | kFinFromBackend)) {
      entry.state = CtState::kClosing;
      return;
    }
  }
  if (from_backend && entry.state == CtState::kNew) entry.state = CtState::kEstablished;
}

bool ctIsNewSyn(const CtEntry& entry, const ParsedPacket& pkt) noexcept {
  return pkt.proto == kProtoTcp && (pkt.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn &&
         entry.state == CtState::kClosing;
}

ConnTable::ConnTable(std::size_t capacity) {
  const std::size_t buckets =
      std::bit_ceil(std::max<std::size_t>(1, (capacity + kWays - 1) / kWays));
  bucket_mask_ = buckets - 1;
  entries_.resize(buckets * kWays);
}

std::size_t ConnTable::bucketOf(const CtKey& key) const noexcept {
  const std::uint32_t h =
      flowHash(key.src, key.dst, key.sport, key.dport,
               static_cast<std::uint8_t>(key.proto ^ (static_cast<unsigned>(key.dir) << 7U)));
  return (h & bucket_mask_) * kWays;
}

CtEntry* ConnTable::find(const CtKey& key) noexcept {
  const std::size_t first = bucketOf(key);
  for (std::size_t i = first; i < first + kWays; ++i) {
    if (entries_[i].used && entries_[i].key == key) return &entries_[i];
  }
  return nullptr;
}

CtEntry& ConnTable::insert(const CtKey& key, std::uint64_t now_ns) noexcept {
  const std::size_t first = bucketOf(key);
  CtEntry* victim = nullptr;
  for (std::size_t i = first; i < first + kWays && victim == nullptr; ++i) {
    if (entries_[i].used && entries_[i].key == key) victim = &entries_[i];
  }
  for (std::size_t i = first; i < first + kWays && victim == nullptr; ++i) {
    if (!entries_[i].used || !ctAlive(entries_[i], now_ns)) victim = &entries_[i];
  }
  if (victim == nullptr) {
    victim = &entries_[first];
    for (std::size_t i = first + 1; i < first + kWays; ++i) {
      if (entries_[i].last_seen_ns < victim->last_seen_ns) victim = &entries_[i];
    }
    ++evictions_;
  }
  if (!victim->used)
    occupied_.store(occupied_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  *victim = CtEntry{};
  victim->key = key;
  victim->used = true;
  victim->last_seen_ns = now_ns;
  return *victim;
}

void ConnTable::erase(CtEntry& entry) noexcept {
  if (entry.used) {
    occupied_.store(occupied_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
  entry = CtEntry{};
}

}  // namespace sluice::lb
