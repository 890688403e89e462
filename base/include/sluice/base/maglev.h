// The Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
// Balancer", NSDI 2016, §3.4): a table of M entries (M prime), each naming a backend, such that
// backends get near-equal (or weight-proportional) shares and a change of the backend set moves
// few entries. The data planes pick a backend as entries[flowHash % M].
//
// Each backend's preference list is the permutation offset, offset+skip, offset+2·skip, … (mod M)
// with offset = h1(key) mod M and skip = h2(key) mod (M−1) + 1, from two seeded hashes of its
// stable key. Backends take turns claiming their next still-empty preferred entry until the table
// is full. Equal weights give the paper's round-robin turns; unequal weights give each backend
// turns in proportion to its weight (smallest "next turn time" (placed+1)/weight first).
//
// The output depends only on the set of (key, weight) pairs and M: backends are sorted by key
// first, so the order in which callers list them never matters.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::base {

struct MaglevBackend {
  std::string key;           // stable identity, e.g. "10.244.1.5:8080"; hashed for the permutation
  std::uint32_t weight = 1;  // relative share; 0 = present but gets no entries
};

class MaglevTable {
 public:
  static constexpr std::uint32_t kDefaultSize = 16381;
  static constexpr std::uint32_t kMaxSize = 4194301;  // largest prime below 2^22
  static constexpr std::int32_t kNoBackend = -1;      // every entry, when no backend has weight

  // Errors: size not prime or outside [3, kMaxSize]; an empty or duplicate key; more backends
  // with weight than entries.
  [[nodiscard]] static Result<MaglevTable> build(std::span<const MaglevBackend> backends,
                                                 std::uint32_t size = kDefaultSize);

  [[nodiscard]] std::uint32_t size() const noexcept {
    return static_cast<std::uint32_t>(entries_.size());
  }
  // entries()[i] is an index into backends(), or kNoBackend.
  [[nodiscard]] std::span<const std::int32_t> entries() const noexcept { return entries_; }
  // The backends sorted by key: the index space of entries().
  [[nodiscard]] const std::vector<MaglevBackend>& backends() const noexcept { return backends_; }

  // The backend index for a flow hash (kNoBackend when the table is empty).
  [[nodiscard]] std::int32_t lookup(std::uint64_t flow_hash) const noexcept {
    return entries_[flow_hash % entries_.size()];
  }
  // How many entries each backend owns, indexed like backends().
  [[nodiscard]] std::vector<std::uint32_t> entryCounts() const;

 private:
  MaglevTable(std::vector<MaglevBackend> backends, std::vector<std::int32_t> entries)
      : backends_(std::move(backends)), entries_(std::move(entries)) {}

  std::vector<MaglevBackend> backends_;
  std::vector<std::int32_t> entries_;
};

// How many entries name a different backend (compared by key) in `after` than in `before`.
// Both tables must have the same size; the measure of disruption in the Maglev paper (§5.3).
[[nodiscard]] Result<std::uint32_t> countMovedEntries(const MaglevTable& before,
                                                      const MaglevTable& after);

}  // namespace sluice::base
