// One lcore's connection table: fixed capacity, allocated once, set-associative (8 ways per
// bucket). A full bucket gives up its least recently seen entry, as the eBPF plane's LRU map
// does. ClientIP affinity entries live here too, under their own direction. Single-threaded: each
// lcore owns its table. Timeouts and TCP states are the eBPF plane's (docs/ebpf.md, "Connection
// tracking").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sluice/dataplane/model.h"
#include "sluice/lb/parse.h"
#include "sluice/lb/wire.h"

namespace sluice::lb {

enum class CtDir : std::uint8_t {
  kForward,   // client → frontend; names the backend (and the SNAT port, full NAT)
  kReply,     // backend → LB's SNAT address:port (full NAT); names client and frontend
  kAffinity,  // ClientIP affinity: src = client, sport/dport 0, service in `service`; names the
              // backend the client's new flows go to
};

enum class CtState : std::uint8_t { kNew, kEstablished, kClosing };

inline constexpr std::uint8_t kCtFlagSnat = 1U << 0U;
inline constexpr std::uint8_t kCtFlagDsr = 1U << 1U;

struct CtKey {
  Addr src;
  Addr dst;
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint8_t proto = 0;
  std::uint8_t family = 0;
  CtDir dir = CtDir::kForward;
  std::uint8_t pad = 0;

  friend bool operator==(const CtKey&, const CtKey&) = default;
};

struct CtEntry {
  CtKey key;
  // Forward: the backend. Reply: the frontend the client addressed.
  Addr nat_addr;
  std::uint16_t nat_port = 0;
  // Forward: the SNAT port (full NAT). Reply: the client's port; peer_addr its address.
  std::uint16_t peer_port = 0;
  Addr peer_addr;
  dataplane::ServiceId service = 0;
  std::uint64_t last_seen_ns = 0;
  CtState state = CtState::kNew;
  std::uint8_t flags = 0;
  std::uint8_t seen_fin = 0;
  bool used = false;
  std::uint32_t affinity_timeout_s = 0;  // affinity entries: the frontend's timeout
};

[[nodiscard]] std::uint64_t ctTimeoutNs(std::uint8_t proto, CtState state) noexcept;
[[nodiscard]] inline bool ctAlive(const CtEntry& entry, std::uint64_t now_ns) noexcept {
  const std::uint64_t timeout = entry.key.dir == CtDir::kAffinity
                                    ? std::uint64_t{entry.affinity_timeout_s} * 1'000'000'000ULL
                                    : ctTimeoutNs(entry.key.proto, entry.state);
  return now_ns - entry.last_seen_ns <= timeout;
}
// Moves the state on a packet of the flow (FIN from both sides or RST: closing; UDP and TCP
// become established when the backend answers).
void ctOnPacket(CtEntry& entry, const ParsedPacket& pkt, bool from_backend,
                std::uint64_t now_ns) noexcept;
// A SYN without ACK on a closing entry starts a new connection on a reused port.
[[nodiscard]] bool ctIsNewSyn(const CtEntry& entry, const ParsedPacket& pkt) noexcept;

class ConnTable {
 public:
  static constexpr std::size_t kWays = 8;

  // Room for at least `capacity` entries (rounded up to a power of two of buckets).
  explicit ConnTable(std::size_t capacity);

  // The entry with this key, live or expired; nullptr when there is none.
  [[nodiscard]] CtEntry* find(const CtKey& key) noexcept;
  // The entry for this key, reset with the key set: its old slot, a free or expired one, or the
  // bucket's least recently seen (evicted).
  [[nodiscard]] CtEntry& insert(const CtKey& key, std::uint64_t now_ns) noexcept;
  void erase(CtEntry& entry) noexcept;

  [[nodiscard]] std::size_t capacity() const noexcept { return entries_.size(); }
  // Slots holding an entry (expired ones count until they are reused); any thread may read it.
  [[nodiscard]] std::size_t occupied() const noexcept {
    return occupied_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }
  [[nodiscard]] const std::vector<CtEntry>& entries() const noexcept { return entries_; }

 private:
  [[nodiscard]] std::size_t bucketOf(const CtKey& key) const noexcept;

  std::vector<CtEntry> entries_;
  std::size_t bucket_mask_ = 0;
  std::uint64_t evictions_ = 0;
  std::atomic<std::size_t> occupied_{0};
};

}  // namespace sluice::lb
