// Typed access to a BPF map: BpfMap<Key, Value> over a map fd, so nothing above this layer
// handles raw fds and void pointers. Per-CPU maps read back as one value per possible CPU.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::ebpf {

template <typename Key, typename Value>
class BpfMap {
  static_assert(std::is_trivially_copyable_v<Key> && std::is_trivially_copyable_v<Value>);

 public:
  BpfMap() = default;
  // Does not own the fd; the owner (skeleton or UniqueFd) must outlive this.
  BpfMap(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  [[nodiscard]] base::Status update(const Key& key, const Value& value,
                                    std::uint64_t flags = BPF_ANY) const {
    if (bpf_map_update_elem(fd_, &key, &value, flags) != 0) {
      return base::failErrno("update of map " + name_, errno);
    }
    return {};
  }

  // std::nullopt when absent; an error only when the lookup itself failed.
  [[nodiscard]] base::Result<std::optional<Value>> lookup(const Key& key) const {
    Value value{};
    if (bpf_map_lookup_elem(fd_, &key, &value) == 0) return value;
    if (errno == ENOENT) return std::optional<Value>{};
    return base::failErrno("lookup in map " + name_, errno);
  }

  // false when the key was not there.
  [[nodiscard]] base::Result<bool> erase(const Key& key) const {
    if (bpf_map_delete_elem(fd_, &key) == 0) return true;
    if (errno == ENOENT) return false;
    return base::failErrno("delete from map " + name_, errno);
  }

  // Every key present now (a snapshot: the data path may add or evict meanwhile).
  [[nodiscard]] base::Result<std::vector<Key>> keys() const {
    std::vector<Key> out;
    Key key{};
    const Key* previous = nullptr;
    while (bpf_map_get_next_key(fd_, previous, &key) == 0) {
      out.push_back(key);
      previous = &out.back();
    }
    if (errno != ENOENT) return base::failErrno("iterating map " + name_, errno);
    return out;
  }

  // Every (key, value) present now; entries deleted during the walk are skipped.
  [[nodiscard]] base::Result<std::vector<std::pair<Key, Value>>> entries() const {
    auto all_keys = keys();
    if (!all_keys) return base::fail(std::move(all_keys.error()));
    std::vector<std::pair<Key, Value>> out;
    out.reserve(all_keys->size());
    for (const Key& key : *all_keys) {
      auto value = lookup(key);
      if (!value) return base::fail(std::move(value.error()));
      if (*value) out.emplace_back(key, **value);
    }
    return out;
  }

 private:
  int fd_ = -1;
  std::string name_;
};

// A per-CPU array or hash: lookups return one Value per possible CPU.
template <typename Key, typename Value>
class PerCpuMap {
 public:
  PerCpuMap() = default;
  PerCpuMap(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  [[nodiscard]] base::Result<std::vector<Value>> lookup(const Key& key) const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return base::failErrno("counting possible CPUs", -cpus);
    // The kernel copies values rounded up to 8 bytes per CPU.
    static_assert(sizeof(Value) % 8 == 0, "per-CPU values must be a multiple of 8 bytes");
    std::vector<Value> values(static_cast<std::size_t>(cpus));
    if (bpf_map_lookup_elem(fd_, &key, values.data()) != 0) {
      return base::failErrno("lookup in per-CPU map " + name_, errno);
    }
    return values;
  }

  // Sets every CPU's value (used to reset counters).
  [[nodiscard]] base::Status updateAll(const Key& key, const Value& value) const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return base::failErrno("counting possible CPUs", -cpus);
    std::vector<Value> values(static_cast<std::size_t>(cpus), value);
    if (bpf_map_update_elem(fd_, &key, values.data(), BPF_ANY) != 0) {
      return base::failErrno("update of per-CPU map " + name_, errno);
    }
    return {};
  }

 private:
  int fd_ = -1;
  std::string name_;
};

}  // namespace sluice::ebpf
