#include "sock_lb.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "sluice/base/maglev.h"
#include "sluice/bpf/sock.skel.h"

namespace sluice::sock_test {
namespace {

constexpr std::uint32_t kTestCapacity = 4096;

std::unexpected<base::Error> mapError(const std::string& what) {
  return base::failErrno(what, errno);
}

}  // namespace

base::Result<std::unique_ptr<SockLb>> SockLb::load(const std::string& pin_root,
                                                   std::uint32_t maglev_size) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root.c_str());
  sock* skel = sock::open(&opts);
  if (skel == nullptr) return base::failErrno("opening the sock BPF object", errno);
  std::unique_ptr<SockLb> lb(new SockLb(skel, maglev_size));
  skel->rodata->sl_maglev_size = maglev_size;
  // Rows for service ids 0..kServiceRows-1, as the data plane sizes the array.
  if (bpf_map__set_max_entries(skel->maps.sl_maglev_v2, kServiceRows * maglev_size) != 0) {
    sock::destroy(skel);
    return base::failErrno("sizing the Maglev array", errno);
  }
  for (bpf_map* map : {skel->maps.sl_be_v1, skel->maps.sl_fe_v1, skel->maps.sl_ct_v2,
                       skel->maps.sl_aff_v1, skel->maps.sl_sock_rev_v1}) {
    if (bpf_map__set_max_entries(map, kTestCapacity) != 0) {
      return mapError(std::string("sizing map ") + bpf_map__name(map));
    }
  }
  if (sock::load(skel) != 0) {
    return base::failErrno("loading the sock BPF object (the verifier log is above)", errno);
  }
  return lb;
}

SockLb::SockLb(sock* skeleton, std::uint32_t maglev_size)
    : skel_(skeleton), maglev_size_(maglev_size) {}

SockLb::~SockLb() {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  sock::destroy(skel_);
}

base::Status SockLb::attach(int cgroup_fd) {
  for (bpf_program* prog :
       {skel_->progs.sock_connect4, skel_->progs.sock_connect6, skel_->progs.sock_sendmsg4,
        skel_->progs.sock_sendmsg6, skel_->progs.sock_recvmsg4, skel_->progs.sock_recvmsg6,
        skel_->progs.sock_getpeername4, skel_->progs.sock_getpeername6}) {
    bpf_link* link = bpf_program__attach_cgroup(prog, cgroup_fd);
    if (link == nullptr) {
      return mapError(std::string("attaching ") + bpf_program__name(prog) + " to the cgroup");
    }
    links_.push_back(link);
  }
  return {};
}

base::Status SockLb::addFrontend(const FrontendSpec& frontend) {
  auto addr = toSlAddr(frontend.address.ip);
  if (!addr) return base::fail(std::move(addr.error()));
  sl_frontend_key key{};
  key.addr = *addr;
  key.port = htons(frontend.address.port);
  key.proto = frontend.proto;
  key.family = frontend.address.isV6() ? SL_FAMILY_IPV6 : SL_FAMILY_IPV4;
  sl_frontend value{};
  value.service_id = frontend.service;
  value.flags = frontend.flags;
  value.affinity_timeout_s = frontend.affinity_timeout_s;
  value.kind = frontend.kind;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.sl_fe_v1), &key, &value, BPF_ANY) != 0) {
    return mapError("adding frontend " + frontend.address.toString());
  }
  return {};
}

base::Status SockLb::setBackend(std::uint32_t id, const Endpoint& address, std::uint32_t service,
                                bool active) {
  auto addr = toSlAddr(address.ip);
  if (!addr) return base::fail(std::move(addr.error()));
  sl_backend value{};
  value.addr = *addr;
  value.port = htons(address.port);
  value.family = address.isV6() ? SL_FAMILY_IPV6 : SL_FAMILY_IPV4;
  value.flags = active ? SL_BE_ACTIVE : SL_BE_TERMINATING;
  value.service_id = service;
  value.weight = 1;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.sl_be_v1), &id, &value, BPF_ANY) != 0) {
    return mapError("setting backend " + std::to_string(id));
  }
  std::erase_if(backends_, [id](const auto& b) { return b.first == id; });
  backends_.emplace_back(id, address);
  return {};
}

base::Status SockLb::deleteBackend(std::uint32_t id) {
  if (bpf_map_delete_elem(bpf_map__fd(skel_->maps.sl_be_v1), &id) != 0) {
    return mapError("deleting backend " + std::to_string(id));
  }
  std::erase_if(backends_, [id](const auto& b) { return b.first == id; });
  return {};
}

base::Status SockLb::setMaglev(std::uint32_t service,
                               const std::vector<std::uint32_t>& backend_ids) {
  std::vector<base::MaglevBackend> keys;
  std::map<std::string, std::uint32_t> id_of;
  for (const std::uint32_t id : backend_ids) {
    const auto it = std::find_if(backends_.begin(), backends_.end(),
                                 [id](const auto& b) { return b.first == id; });
    if (it == backends_.end()) {
      return base::fail(base::Errc::kNotFound, "no backend " + std::to_string(id));
    }
    keys.push_back({.key = it->second.toString(), .weight = 1});
    id_of[it->second.toString()] = id;
  }
  auto table = base::MaglevTable::build(keys, maglev_size_);
  if (!table) return base::fail(std::move(table.error()));
  std::vector<std::uint32_t> entries;
  for (const std::int32_t index : table->entries()) {
    entries.push_back(index == base::MaglevTable::kNoBackend
                          ? 0
                          : id_of.at(table->backends()[static_cast<std::size_t>(index)].key));
  }
  return writeMaglev(service, entries);
}

base::Status SockLb::fillMaglev(std::uint32_t service, std::uint32_t backend_id) {
  return writeMaglev(service, std::vector<std::uint32_t>(maglev_size_, backend_id));
}

base::Status SockLb::writeMaglev(std::uint32_t service, const std::vector<std::uint32_t>& entries) {
  // Row `service` of the one Maglev array (entry service * size + slot).
  if (service >= kServiceRows) return base::fail(base::Errc::kOutOfRange, "service id too large");
  const int fd = bpf_map__fd(skel_->maps.sl_maglev_v2);
  for (std::uint32_t slot = 0; slot < entries.size(); ++slot) {
    const std::uint32_t key = service * maglev_size_ + slot;
    if (bpf_map_update_elem(fd, &key, &entries[slot], BPF_ANY) != 0) {
      return base::failErrno("writing the Maglev table of " + std::to_string(service), errno);
    }
  }
  return {};
}

base::Result<std::uint64_t> SockLb::drops(sluice_drop_reason reason) const {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return base::failErrno("counting possible CPUs", -cpus);
  std::vector<std::uint64_t> values(static_cast<std::size_t>(cpus));
  const auto key = static_cast<std::uint32_t>(reason);
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.sl_drops_v1), &key, values.data()) != 0) {
    return base::failErrno("reading the drop counters", errno);
  }
  std::uint64_t sum = 0;
  for (const auto v : values) sum += v;
  return sum;
}

base::Result<sl_service_stats> SockLb::serviceStats(std::uint32_t service) const {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return base::failErrno("counting possible CPUs", -cpus);
  std::vector<sl_service_stats> values(static_cast<std::size_t>(cpus));
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.sl_svc_stats_v1), &service, values.data()) != 0) {
    return base::failErrno("reading the service counters", errno);
  }
  sl_service_stats sum{};
  for (const auto& v : values) {
    sum.packets += v.packets;
    sum.bytes += v.bytes;
    sum.new_connections += v.new_connections;
  }
  return sum;
}

base::Result<std::size_t> SockLb::affinityEntries() const {
  const int fd = bpf_map__fd(skel_->maps.sl_aff_v1);
  std::size_t count = 0;
  sl_affinity_key key{};
  sl_affinity_key next{};
  const void* previous = nullptr;
  while (bpf_map_get_next_key(fd, previous, &next) == 0) {
    ++count;
    key = next;
    previous = &key;
  }
  return count;
}

}  // namespace sluice::sock_test
