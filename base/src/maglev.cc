#include "sluice/base/maglev.h"

#include <algorithm>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "sluice/base/hash.h"
#include "sluice/base/prime.h"

namespace sluice::base {

namespace {

// Fixed seeds: changing them reshuffles every table in every cluster on upgrade.
constexpr std::uint64_t kOffsetSeed = 0x6d61676c65762d31ULL;  // "maglev-1"
constexpr std::uint64_t kSkipSeed = 0x6d61676c65762d32ULL;    // "maglev-2"

// A backend's walk through its preference list: offset, offset+skip, … (mod size).
struct Permutation {
  std::uint32_t next;
  std::uint32_t skip;
};

Permutation permutationFor(const std::string& key, std::uint32_t size) {
  return {
      .next = static_cast<std::uint32_t>(hash64(key, kOffsetSeed) % size),
      .skip = static_cast<std::uint32_t>(hash64(key, kSkipSeed) % (size - 1) + 1),
  };
}

// Claims the backend's next still-empty preferred entry. The table has an empty entry whenever
// this is called, and skip is coprime to the prime size, so the walk visits it.
void claimNext(Permutation& perm, std::vector<std::int32_t>& entries, std::int32_t backend) {
  const auto size = static_cast<std::uint32_t>(entries.size());
  std::uint32_t slot = perm.next;
  while (entries[slot] != MaglevTable::kNoBackend) {
    slot += perm.skip;
    if (slot >= size) slot -= size;
  }
  entries[slot] = backend;
  slot += perm.skip;
  perm.next = slot >= size ? slot - size : slot;
}

Status validate(std::span<const MaglevBackend> sorted, std::uint32_t size) {
  if (size < 3 || size > MaglevTable::kMaxSize || !isPrime(size)) {
    return fail(Errc::kInvalidArgument, "Maglev table size " + std::to_string(size) +
                                            " must be a prime in [3, " +
                                            std::to_string(MaglevTable::kMaxSize) + "] (default " +
                                            std::to_string(MaglevTable::kDefaultSize) + ")");
  }
  std::size_t weighted = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].key.empty()) {
      return fail(Errc::kInvalidArgument,
                  "Maglev backend " + std::to_string(i) + " has an empty key");
    }
    if (i > 0 && sorted[i].key == sorted[i - 1].key) {
      return fail(Errc::kInvalidArgument,
                  "Maglev backend key '" + sorted[i].key + "' appears twice; keys must be unique");
    }
    if (sorted[i].weight > 0) ++weighted;
  }
  if (weighted > size) {
    return fail(Errc::kOutOfRange, std::to_string(weighted) + " weighted backends do not fit a " +
                                       "Maglev table of " + std::to_string(size) +
                                       " entries; configure a larger prime size");
  }
  return {};
}

// Equal weights: the paper's algorithm, one claim per backend per round.
void fillRoundRobin(std::vector<Permutation>& perms, const std::vector<std::int32_t>& members,
                    std::vector<std::int32_t>& entries) {
  std::size_t filled = 0;
  while (true) {
    for (std::int32_t b : members) {
      claimNext(perms[static_cast<std::size_t>(b)], entries, b);
      if (++filled == entries.size()) return;
    }
  }
}

// Unequal weights: the backend whose next turn time (claimed+1)/weight is earliest claims next;
// ties go to the lower index, so equal weights degenerate to round robin.
void fillWeighted(std::vector<Permutation>& perms, const std::vector<std::int32_t>& members,
                  std::span<const MaglevBackend> backends, std::vector<std::int32_t>& entries) {
  struct Turn {
    std::uint64_t claims_after;  // claimed + 1
    std::uint64_t weight;
    std::int32_t backend;
  };
  auto later = [](const Turn& a, const Turn& b) {
    // a after b ⇔ a.claims_after/a.weight > b.claims_after/b.weight (exact, no division).
    const std::uint64_t lhs = a.claims_after * b.weight;
    const std::uint64_t rhs = b.claims_after * a.weight;
    return lhs != rhs ? lhs > rhs : a.backend > b.backend;
  };
  std::priority_queue<Turn, std::vector<Turn>, decltype(later)> turns(later);
  for (std::int32_t b : members) {
    turns.push({1, backends[static_cast<std::size_t>(b)].weight, b});
  }
  for (std::size_t filled = 0; filled < entries.size(); ++filled) {
    Turn turn = turns.top();
    turns.pop();
    claimNext(perms[static_cast<std::size_t>(turn.backend)], entries, turn.backend);
    ++turn.claims_after;
    turns.push(turn);
  }
}

}  // namespace

Result<MaglevTable> MaglevTable::build(std::span<const MaglevBackend> backends,
                                       std::uint32_t size) {
  std::vector<MaglevBackend> sorted(backends.begin(), backends.end());
  std::ranges::sort(sorted, {}, &MaglevBackend::key);
  if (auto ok = validate(sorted, size); !ok) return fail(std::move(ok.error()));

  std::vector<std::int32_t> members;
  std::vector<Permutation> perms(sorted.size());
  bool equal_weights = true;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].weight == 0) continue;
    if (!members.empty() &&
        sorted[i].weight != sorted[static_cast<std::size_t>(members[0])].weight) {
      equal_weights = false;
    }
    members.push_back(static_cast<std::int32_t>(i));
    perms[i] = permutationFor(sorted[i].key, size);
  }

  std::vector<std::int32_t> entries(size, kNoBackend);
  if (!members.empty()) {
    if (equal_weights) {
      fillRoundRobin(perms, members, entries);
    } else {
      fillWeighted(perms, members, sorted, entries);
    }
  }
  return MaglevTable(std::move(sorted), std::move(entries));
}

std::vector<std::uint32_t> MaglevTable::entryCounts() const {
  std::vector<std::uint32_t> counts(backends_.size(), 0);
  for (std::int32_t e : entries_) {
    if (e != kNoBackend) ++counts[static_cast<std::size_t>(e)];
  }
  return counts;
}

Result<std::uint32_t> countMovedEntries(const MaglevTable& before, const MaglevTable& after) {
  if (before.size() != after.size()) {
    return fail(Errc::kInvalidArgument, "cannot compare Maglev tables of sizes " +
                                            std::to_string(before.size()) + " and " +
                                            std::to_string(after.size()));
  }
  auto keyAt = [](const MaglevTable& t, std::uint32_t i) -> const std::string* {
    const std::int32_t b = t.entries()[i];
    return b == MaglevTable::kNoBackend ? nullptr : &t.backends()[static_cast<std::size_t>(b)].key;
  };
  std::uint32_t moved = 0;
  for (std::uint32_t i = 0; i < before.size(); ++i) {
    const std::string* a = keyAt(before, i);
    const std::string* b = keyAt(after, i);
    if ((a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b)) ++moved;
  }
  return moved;
}

}  // namespace sluice::base
