#include "sluice/ebpf/ebpf_dataplane.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <set>

#include "convert.h"
#include "skeletons.h"
#include "sluice/base/prime.h"
#include "sluice/ebpf/abi.h"
#include "sluice/ebpf/bpf_map.h"
#include "sluice/ebpf/bpffs.h"
#include "sluice/ebpf/unique_fd.h"

namespace sluice::ebpf {

namespace {

using dataplane::ServiceId;

// libbpf's messages (the verifier log above all) go to our log instead of stderr.
int libbpfLog(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  // Verifier logs run to many kilobytes: size the buffer to the message.
  va_list measure;
  va_copy(measure, args);
  const int n = std::vsnprintf(nullptr, 0, format, measure);  // NOLINT: libbpf's format
  va_end(measure);
  if (n <= 0) return n;
  std::string text(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);  // NOLINT: libbpf's format
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  // bpf_tc_hook_create on an interface that has its clsact already: expected, not a warning.
  if (text.find("Exclusivity flag on, cannot modify") != std::string::npos) return n;
  if (level == LIBBPF_WARN) {
    spdlog::warn("libbpf: {}", text);
  } else {
    spdlog::info("libbpf: {}", text);
  }
  return n;
}

std::vector<std::uint8_t> addressBytes(const base::IpAddress& address) {
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    return {b.begin(), b.end()};
  }
  const auto b = address.to_v6().to_bytes();
  return {b.begin(), b.end()};
}

bool answersPing(std::uint8_t kind) {
  return kind == SL_KIND_LOAD_BALANCER || kind == SL_KIND_EXTERNAL_IP;
}

sl_vip_key vipOf(const sl_frontend_key& key) {
  sl_vip_key vip{};
  vip.addr = key.addr;
  vip.family = key.family;
  return vip;
}

base::Status invalid(std::string message) {
  return base::fail(base::Errc::kInvalidArgument, std::move(message));
}

}  // namespace

base::Result<std::unique_ptr<EbpfDataplane>> EbpfDataplane::open(const EbpfOptions& options) {
  static const bool log_installed = [] {
    libbpf_set_print(libbpfLog);
    return true;
  }();
  (void)log_installed;

  if (options.maglev_size < 3 || !base::isPrime(options.maglev_size) ||
      options.maglev_size > base::MaglevTable::kMaxSize) {
    return base::fail(base::Errc::kInvalidArgument,
                      "Maglev size " + std::to_string(options.maglev_size) +
                          " is not a prime in [3, " + std::to_string(base::MaglevTable::kMaxSize) +
                          "]");
  }
  auto pin_dir = preparePinDirectory(options.bpffs, options.pin_subdir);
  if (!pin_dir) return base::fail(std::move(pin_dir.error()));

  const std::uint64_t maglev_entries =
      (static_cast<std::uint64_t>(options.max_services) + 1) * options.maglev_size;
  if (options.max_services == 0 || maglev_entries > 0xffffffffULL) {
    return base::fail(base::Errc::kInvalidArgument,
                      "max services " + std::to_string(options.max_services) + " × Maglev size " +
                          std::to_string(options.maglev_size) +
                          " does not fit one Maglev array; lower one of them");
  }
  // Every object sizes the shared Maglev array alike (a pinned one of another size is refused at
  // load: the configuration changed; remove the pins or keep the old sizes).
  auto sizeMaglev = [&](bpf_map* map) {
    return bpf_map__set_max_entries(map, static_cast<std::uint32_t>(maglev_entries)) == 0;
  };
  auto skeletons = std::make_unique<Skeletons>();
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_dir->c_str());
  skeletons->tc.reset(tc_pod::open(&open_opts));
  if (!skeletons->tc) return base::failErrno("opening BPF object tc_pod", errno);
  skeletons->tc->rodata->sl_maglev_size = options.maglev_size;
  if (!sizeMaglev(skeletons->tc->maps.sl_maglev_v2)) return base::failErrno("sizing maps", errno);
  if (tc_pod::load(skeletons->tc.get()) != 0) {
    return base::failErrno("loading BPF object tc_pod (verifier log above; pinned maps in " +
                               *pin_dir + " must match this build's layout)",
                           errno);
  }
  skeletons->socket.reset(sock::open(&open_opts));
  if (!skeletons->socket) return base::failErrno("opening BPF object sock", errno);
  skeletons->socket->rodata->sl_maglev_size = options.maglev_size;
  if (!sizeMaglev(skeletons->socket->maps.sl_maglev_v2)) {
    return base::failErrno("sizing maps", errno);
  }
  if (sock::load(skeletons->socket.get()) != 0) {
    return base::failErrno("loading BPF object sock (verifier log above)", errno);
  }
  skeletons->external.reset(ext::open(&open_opts));
  if (!skeletons->external) return base::failErrno("opening BPF object ext", errno);
  skeletons->external->rodata->sl_maglev_size = options.maglev_size;
  if (!sizeMaglev(skeletons->external->maps.sl_maglev_v2)) {
    return base::failErrno("sizing maps", errno);
  }
  if (options.node_ipv4) {
    if (!options.node_ipv4->is_v4())
      return base::fail(base::Errc::kInvalidArgument, "node_ipv4 is not an IPv4 address");
    skeletons->external->rodata->sl_node_v4 = detail::toAbi(*options.node_ipv4).v4;
  }
  if (options.node_ipv6) {
    if (!options.node_ipv6->is_v6())
      return base::fail(base::Errc::kInvalidArgument, "node_ipv6 is not an IPv6 address");
    const sl_addr v6 = detail::toAbi(*options.node_ipv6);
    for (int i = 0; i < 4; ++i) skeletons->external->rodata->sl_node_v6[i] = v6.v6[i];
  }
  if (ext::load(skeletons->external.get()) != 0) {
    return base::failErrno("loading BPF object ext (verifier log above)", errno);
  }
  skeletons->writer.reset(maglev_writer::open(&open_opts));
  if (!skeletons->writer) return base::failErrno("opening BPF object maglev_writer", errno);
  if (!sizeMaglev(skeletons->writer->maps.sl_maglev_v2)) {
    return base::failErrno("sizing maps", errno);
  }
  if (maglev_writer::load(skeletons->writer.get()) != 0) {
    return base::failErrno("loading BPF object maglev_writer (verifier log above)", errno);
  }
  std::unique_ptr<EbpfDataplane> dp(new EbpfDataplane(options, *pin_dir, std::move(skeletons)));
  if (auto ok = dp->restoreBackendIds(); !ok) return base::fail(std::move(ok.error()));
  if (auto ok = dp->restoreVips(); !ok) return base::fail(std::move(ok.error()));
  spdlog::info("ebpf data plane: maps pinned in {}, {} backends restored", dp->pin_dir_,
               dp->backend_ids_.size());
  return dp;
}

EbpfDataplane::EbpfDataplane(EbpfOptions options, std::string pin_dir,
                             std::unique_ptr<Skeletons> skeletons)
    : options_(std::move(options)), pin_dir_(std::move(pin_dir)), skel_(std::move(skeletons)) {}

EbpfDataplane::~EbpfDataplane() = default;

base::Status EbpfDataplane::restoreBackendIds() {
  auto entries = skel_->backends().entries();
  if (!entries) return base::fail(std::move(entries.error()));
  std::set<std::uint32_t> used;
  for (const auto& [id, backend] : *entries) {
    const auto b = detail::fromAbi(backend);
    backend_ids_[{backend.service_id, addressBytes(b.address), b.port}] = id;
    used.insert(id);
  }
  next_backend_id_ = used.empty() ? 1 : *used.rbegin() + 1;
  for (std::uint32_t id = 1; id < next_backend_id_; ++id) {
    if (!used.contains(id)) free_backend_ids_.push_back(id);
  }
  return {};
}

std::uint32_t EbpfDataplane::allocateBackendId() {
  if (!free_backend_ids_.empty()) {
    const std::uint32_t id = free_backend_ids_.back();
    free_backend_ids_.pop_back();
    return id;
  }
  return next_backend_id_++;
}

base::Status EbpfDataplane::upsertFrontend(const dataplane::Frontend& frontend) {
  if (auto ok = dataplane::validateFrontend(frontend); !ok) return ok;
  const std::size_t width = frontend.key.address.is_v4() ? 4 : 16;
  for (auto it = firstBackendOf(frontend.service);
       it != backend_ids_.end() && std::get<0>(it->first) == frontend.service; ++it) {
    if (std::get<1>(it->first).size() != width) {
      return invalid("frontend " + dataplane::toString(frontend.key) + ": service " +
                     std::to_string(frontend.service) +
                     " has backends of the other address family");
    }
  }
  // loadBalancerSourceRanges belong to the service and apply to its LoadBalancer frontends only:
  // another kind of frontend of the same service (a NodePort) must not clear them.
  if (frontend.kind == dataplane::FrontendKind::kLoadBalancer) {
    if (auto ok = writeSourceRanges(frontend.service, frontend.source_ranges); !ok) return ok;
  } else if (!frontend.source_ranges.empty()) {
    return invalid("frontend " + dataplane::toString(frontend.key) +
                   ": source ranges apply to LoadBalancer frontends only");
  }
  const sl_frontend_key key = detail::toAbi(frontend.key);
  const sl_frontend value = detail::toAbi(frontend);
  auto previous = skel_->frontends().lookup(key);
  if (!previous) return base::fail(std::move(previous.error()));
  if (auto ok = skel_->frontends().update(key, value); !ok) return ok;
  if (*previous && answersPing((*previous)->kind)) {
    if (auto ok = releaseVip(key); !ok) return ok;
  }
  if (answersPing(value.kind)) return holdVip(key);
  return {};
}

// LoadBalancer and external IPs answer ping while any frontend of theirs exists.
base::Status EbpfDataplane::holdVip(const sl_frontend_key& key) {
  const sl_vip_key vip = vipOf(key);
  const std::string id(reinterpret_cast<const char*>(&vip), sizeof(vip));
  if (vip_refs_[id]++ == 0) return skel_->vips().update(vip, 1);
  return {};
}

base::Status EbpfDataplane::releaseVip(const sl_frontend_key& key) {
  const sl_vip_key vip = vipOf(key);
  const std::string id(reinterpret_cast<const char*>(&vip), sizeof(vip));
  auto it = vip_refs_.find(id);
  if (it == vip_refs_.end()) return {};
  if (--it->second > 0) return {};
  vip_refs_.erase(it);
  auto erased = skel_->vips().erase(vip);
  if (!erased) return base::fail(std::move(erased.error()));
  return {};
}

base::Status EbpfDataplane::restoreVips() {
  auto frontends = skel_->frontends().entries();
  if (!frontends) return base::fail(std::move(frontends.error()));
  for (const auto& [key, value] : *frontends) {
    if (!answersPing(value.kind)) continue;
    if (auto ok = holdVip(key); !ok) return ok;
  }
  return {};
}

// A service's loadBalancerSourceRanges, replaced whole: new prefixes first, then stale ones go.
base::Status EbpfDataplane::writeSourceRanges(ServiceId service,
                                              const std::vector<base::IpPrefix>& ranges) {
  const auto map = skel_->sourceRanges();
  std::set<std::vector<std::uint8_t>> wanted;
  for (const base::IpPrefix& range : ranges) {
    sl_source_range_key key{};
    key.prefixlen = 32 + range.length();
    key.service_id = htonl(service);
    const sl_addr addr = detail::toAbi(range.address());
    std::memcpy(key.addr, addr.bytes, sizeof(key.addr));
    if (auto ok = map.update(key, 1); !ok) return ok;
    wanted.emplace(reinterpret_cast<const std::uint8_t*>(&key),
                   reinterpret_cast<const std::uint8_t*>(&key) + sizeof(key));
  }
  auto present = map.keys();
  if (!present) return base::fail(std::move(present.error()));
  for (const sl_source_range_key& key : *present) {
    if (ntohl(key.service_id) != service) continue;
    const std::vector<std::uint8_t> bytes(
        reinterpret_cast<const std::uint8_t*>(&key),
        reinterpret_cast<const std::uint8_t*>(&key) + sizeof(key));
    if (wanted.contains(bytes)) continue;
    if (auto erased = map.erase(key); !erased) return base::fail(std::move(erased.error()));
  }
  return {};
}

base::Status EbpfDataplane::deleteFrontend(const dataplane::FrontendKey& key) {
  auto previous = skel_->frontends().lookup(detail::toAbi(key));
  if (!previous) return base::fail(std::move(previous.error()));
  if (*previous && answersPing((*previous)->kind)) {
    if (auto ok = releaseVip(detail::toAbi(key)); !ok) return ok;
  }
  auto erased = skel_->frontends().erase(detail::toAbi(key));
  if (!erased) return base::fail(std::move(erased.error()));
  if (!*erased) {
    return base::fail(base::Errc::kNotFound,
                      "frontend " + dataplane::toString(key) + " is not programmed");
  }
  return {};
}

// GCC 12 reports a memcmp bound overflow inside std::vector's <=> when it inlines this lookup
// (-Wstringop-overread), a known false positive for comparisons with a constant-size vector.
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
std::map<EbpfDataplane::BackendIdentity, std::uint32_t>::iterator EbpfDataplane::firstBackendOf(
    ServiceId service) {
  // No address sorts below a single zero byte (real ones are 4 or 16 bytes).
  return backend_ids_.lower_bound(BackendIdentity{service, std::vector<std::uint8_t>{0}, 0});
}
#pragma GCC diagnostic pop

base::Status EbpfDataplane::writeMaglevTable(ServiceId service,
                                             const std::vector<std::uint32_t>& entries) {
  if (service > options_.max_services) {
    return base::fail(base::Errc::kOutOfRange,
                      "service id " + std::to_string(service) + " is above the " +
                          std::to_string(options_.max_services) +
                          " services this data plane has Maglev tables for (raise max services)");
  }
  // In place, by the writer program: each entry changes atomically, so a packet sees the old
  // backend or the new one for its slot, and both exist until the table is written
  // (replaceBackends' order). The program reads whole chunks: pad the buffer to one.
  constexpr std::size_t kChunk = SL_MAGLEV_WRITE_CHUNK;
  std::vector<std::uint32_t> padded((entries.size() + kChunk - 1) / kChunk * kChunk, 0);
  std::copy(entries.begin(), entries.end(), padded.begin());
  sl_maglev_write args{};
  args.entries = reinterpret_cast<std::uintptr_t>(padded.data());
  args.first = service * options_.maglev_size;
  args.count = static_cast<std::uint32_t>(entries.size());
  LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &args, .ctx_size_in = sizeof(args));
  if (bpf_prog_test_run_opts(bpf_program__fd(skel_->writer->progs.sl_write_maglev), &run) != 0) {
    return base::failErrno("writing the Maglev table of service " + std::to_string(service), errno);
  }
  if (run.retval != args.count) {
    return base::fail(base::Errc::kIo, "writing the Maglev table of service " +
                                           std::to_string(service) + ": " +
                                           std::to_string(run.retval) + " of " +
                                           std::to_string(args.count) + " entries written");
  }
  return skel_->maglevOn().update(service, 1);
}

base::Result<std::vector<std::uint32_t>> EbpfDataplane::readMaglevRow(ServiceId service) const {
  const std::uint32_t size = options_.maglev_size;
  std::vector<std::uint32_t> keys(size), values(size);
  auto count = size;
  // A batch lookup continues after the key it is given: the last entry of the row before.
  std::uint32_t from = service * size - 1;
  std::uint32_t next = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, batch_opts);
  const int rc = bpf_map_lookup_batch(bpf_map__fd(skel_->tc->maps.sl_maglev_v2), &from, &next,
                                      keys.data(), values.data(), &count, &batch_opts);
  if (rc != 0 && errno != ENOENT) {
    return base::failErrno("reading the Maglev table of service " + std::to_string(service), errno);
  }
  std::vector<std::uint32_t> row(size, 0);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint32_t slot = keys[i] - service * size;
    if (slot < size) row[slot] = values[i];
  }
  return row;
}

base::Status EbpfDataplane::replaceBackends(const dataplane::ServiceBackends& s) {
  if (auto ok = dataplane::validateBackends(s); !ok) return ok;
  const std::string where = "service " + std::to_string(s.service);
  if (s.maglev.size() != options_.maglev_size) {
    return invalid(where + ": Maglev table of " + std::to_string(s.maglev.size()) +
                   " entries; this data plane is configured for " +
                   std::to_string(options_.maglev_size));
  }
  for (const auto& b : s.backends) {
    if (b.address.is_v4() != s.backends.front().address.is_v4()) {
      return invalid(where + ": backends of both address families; use one service id per family");
    }
  }
  std::vector<bool> active(s.backends.size(), false);
  for (std::int32_t e : s.maglev) {
    if (e >= 0) active[static_cast<std::size_t>(e)] = true;
  }

  // 1. Every backend exists before any table names it. Known backends keep their id, so their
  //    established flows (conntrack names the id) go on.
  std::vector<std::uint32_t> ids(s.backends.size());
  std::set<BackendIdentity> wanted;
  for (std::size_t i = 0; i < s.backends.size(); ++i) {
    const auto& b = s.backends[i];
    BackendIdentity identity{s.service, addressBytes(b.address), b.port};
    auto [it, inserted] = backend_ids_.try_emplace(identity, 0);
    if (inserted) it->second = allocateBackendId();
    ids[i] = it->second;
    wanted.insert(identity);
    if (auto ok = skel_->backends().update(ids[i], detail::toAbi(b, s.service, active[i])); !ok) {
      return ok;
    }
  }
  // 2. The new table.
  std::vector<std::uint32_t> entries;
  entries.reserve(s.maglev.size());
  for (std::int32_t e : s.maglev) entries.push_back(e < 0 ? 0 : ids[static_cast<std::size_t>(e)]);
  if (auto ok = writeMaglevTable(s.service, entries); !ok) return ok;
  // 3. Backends that left: their flows re-select on their next packet. (Identities sort by
  //    service first, so only this service's range is walked.)
  for (auto it = firstBackendOf(s.service);
       it != backend_ids_.end() && std::get<0>(it->first) == s.service;) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    auto erased = skel_->backends().erase(it->second);
    if (!erased) return base::fail(std::move(erased.error()));
    free_backend_ids_.push_back(it->second);
    it = backend_ids_.erase(it);
  }
  return {};
}

base::Status EbpfDataplane::deleteBackends(ServiceId service) {
  auto erased = skel_->maglevOn().erase(service);
  if (!erased) return base::fail(std::move(erased.error()));
  if (*erased) {
    // No slot may name a backend about to be deleted (its id may be reused by another service).
    if (auto cleared =
            writeMaglevTable(service, std::vector<std::uint32_t>(options_.maglev_size, 0));
        !cleared) {
      return cleared;
    }
    (void)skel_->maglevOn().erase(service);
  }
  bool had_backends = false;
  for (auto it = firstBackendOf(service);
       it != backend_ids_.end() && std::get<0>(it->first) == service;) {
    had_backends = true;
    auto gone = skel_->backends().erase(it->second);
    if (!gone) return base::fail(std::move(gone.error()));
    free_backend_ids_.push_back(it->second);
    it = backend_ids_.erase(it);
  }
  if (!*erased && !had_backends) {
    return base::fail(base::Errc::kNotFound,
                      "service " + std::to_string(service) + " has no backends programmed");
  }
  return {};
}

base::Result<dataplane::ProgrammedState> EbpfDataplane::programmed() const {
  dataplane::ProgrammedState state;
  auto frontends = skel_->frontends().entries();
  if (!frontends) return base::fail(std::move(frontends.error()));
  auto ranges = skel_->sourceRanges().keys();
  if (!ranges) return base::fail(std::move(ranges.error()));
  for (const auto& [key, value] : *frontends) {
    dataplane::Frontend frontend = detail::fromAbi(key, value);
    for (const sl_source_range_key& range : *ranges) {
      if (value.kind != SL_KIND_LOAD_BALANCER || ntohl(range.service_id) != frontend.service) {
        continue;
      }
      sl_addr addr{};
      std::memcpy(addr.bytes, range.addr, sizeof(addr.bytes));
      auto prefix = base::IpPrefix::make(detail::fromAbi(addr, key.family), range.prefixlen - 32);
      if (prefix) frontend.source_ranges.push_back(*prefix);
    }
    std::ranges::sort(frontend.source_ranges,
                      [](const auto& a, const auto& b) { return a.toString() < b.toString(); });
    state.frontends.push_back(std::move(frontend));
  }
  std::sort(state.frontends.begin(), state.frontends.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });

  auto backends = skel_->backends().entries();
  if (!backends) return base::fail(std::move(backends.error()));
  std::map<ServiceId, std::vector<std::pair<std::uint32_t, sl_backend>>> by_service;
  for (const auto& [id, b] : *backends) by_service[b.service_id].emplace_back(id, b);
  auto tables = skel_->maglevOn().keys();
  if (!tables) return base::fail(std::move(tables.error()));
  const std::set<ServiceId> with_table(tables->begin(), tables->end());
  for (ServiceId service : *tables) by_service.try_emplace(service);

  for (auto& [service, members] : by_service) {
    std::ranges::sort(members, [](const auto& a, const auto& b) {
      const auto x = detail::fromAbi(a.second);
      const auto y = detail::fromAbi(b.second);
      return x.address != y.address ? x.address < y.address : x.port < y.port;
    });
    dataplane::ServiceBackends out{.service = service, .backends = {}, .maglev = {}};
    std::map<std::uint32_t, std::int32_t> index_of_id;
    for (const auto& [id, b] : members) {
      index_of_id[id] = static_cast<std::int32_t>(out.backends.size());
      out.backends.push_back(detail::fromAbi(b));
    }
    if (with_table.contains(service)) {
      auto row = readMaglevRow(service);
      if (!row) return base::fail(std::move(row.error()));
      out.maglev.assign(options_.maglev_size, -1);
      for (std::size_t slot = 0; slot < row->size(); ++slot) {
        const auto it = index_of_id.find((*row)[slot]);
        if (it != index_of_id.end()) out.maglev[slot] = it->second;
      }
    }
    state.services.push_back(std::move(out));
  }
  return state;
}

base::Result<dataplane::Counters> EbpfDataplane::counters() const {
  dataplane::Counters out;
  std::set<ServiceId> services;
  auto frontends = skel_->frontends().entries();
  if (!frontends) return base::fail(std::move(frontends.error()));
  for (const auto& [key, value] : *frontends) services.insert(value.service_id);
  for (const auto& [identity, id] : backend_ids_) services.insert(std::get<0>(identity));
  for (ServiceId service : services) {
    auto per_cpu = skel_->serviceStats().lookup(service);
    if (!per_cpu) continue;  // an id beyond the stats array has no counters
    dataplane::ServiceCounters& c = out.services[service];
    for (const auto& cpu : *per_cpu) {
      c.packets += cpu.packets;
      c.bytes += cpu.bytes;
      c.new_connections += cpu.new_connections;
    }
  }
  for (std::uint32_t reason = 0; reason < SLUICE_DROP_MAX; ++reason) {
    auto per_cpu = skel_->drops().lookup(reason);
    if (!per_cpu) return base::fail(std::move(per_cpu.error()));
    for (std::uint64_t n : *per_cpu) out.drops[reason] += n;
  }
  auto ct = skel_->conntrack().keys();
  if (!ct) return base::fail(std::move(ct.error()));
  out.conntrack_entries = ct->size();
  return out;
}

int EbpfDataplane::podIngressProgram() const {
  return bpf_program__fd(skel_->tc->progs.tc_pod_ingress);
}
int EbpfDataplane::podEgressProgram() const {
  return bpf_program__fd(skel_->tc->progs.tc_pod_egress);
}

int EbpfDataplane::externalIngressProgram() const {
  return bpf_program__fd(skel_->external->progs.xdp_ext_ingress);
}
int EbpfDataplane::externalTcIngressProgram() const {
  return bpf_program__fd(skel_->external->progs.tc_ext_ingress);
}
int EbpfDataplane::externalEgressProgram() const {
  return bpf_program__fd(skel_->external->progs.tc_ext_egress);
}

std::vector<EbpfDataplane::SocketProgram> EbpfDataplane::socketPrograms() const {
  std::vector<SocketProgram> out;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->socket->obj) {
    out.push_back({.name = bpf_program__name(prog),
                   .fd = bpf_program__fd(prog),
                   .attach_type = static_cast<int>(bpf_program__expected_attach_type(prog))});
  }
  return out;
}

}  // namespace sluice::ebpf
