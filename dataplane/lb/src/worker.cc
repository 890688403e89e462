#include "sluice/lb/worker.h"

#include "sluice/lb/flow_hash.h"
#include "sluice/lb/icmp_error.h"

namespace sluice::lb {
namespace {

constexpr std::uint8_t kIcmpEchoRequest = 8;
constexpr std::uint8_t kIcmpv6EchoRequest = 128;
constexpr int kSnatTries = 8;
constexpr std::uint32_t kSnatStride = 7919;  // a prime: successive tries spread over the range

CtKey forwardKey(const ParsedPacket& pkt) {
  return CtKey{.src = pkt.src,
               .dst = pkt.dst,
               .sport = pkt.sport,
               .dport = pkt.dport,
               .proto = pkt.proto,
               .family = pkt.family,
               .dir = CtDir::kForward};
}

CtKey replyKey(const ParsedPacket& pkt, const Addr& backend, std::uint16_t backend_port,
               const Addr& snat, std::uint16_t snat_port) {
  return CtKey{.src = backend,
               .dst = snat,
               .sport = backend_port,
               .dport = snat_port,
               .proto = pkt.proto,
               .family = pkt.family,
               .dir = CtDir::kReply};
}

Outcome transmit() { return {.verdict = Verdict::kTransmit}; }

}  // namespace

Worker::Worker(const WorkerConfig& config)
    : config_(config), conntrack_(config.conntrack_capacity), counters_(config.max_services) {
  if (config_.count == 0) config_.count = 1;
}

std::uint16_t Worker::snatPortOwner(std::uint16_t port) const noexcept {
  return static_cast<std::uint16_t>((port - config_.snat_port_min) % config_.count);
}

Outcome Worker::drop(int reason) noexcept {
  if (reason > 0 && reason < SLUICE_DROP_MAX) {
    WorkerCounters::bump(counters_.drops[static_cast<std::size_t>(reason)]);
  }
  return {.verdict = Verdict::kDrop, .reason = static_cast<std::uint8_t>(reason)};
}

Outcome Worker::process(Frame& frame, const Tables& tables, std::uint64_t now_ns) noexcept {
  WorkerCounters::bump(counters_.received);
  ParsedPacket pkt;
  if (const int err = parsePacket(frame.data, frame.length, pkt); err != 0) return drop(err);
  if (pkt.family == 0 || pkt.proto == kProtoIcmp || pkt.proto == kProtoIcmpv6) {
    return answerLocally(frame, pkt, tables, now_ns);
  }
  if (pkt.fragment == Fragment::kLater) {
    // No ports: its flow cannot be found. For a VIP it is ours to drop, and say so.
    if (tables.isVip(pkt.dst, pkt.family)) return drop(SLUICE_DROP_FRAGMENT);
    WorkerCounters::bump(counters_.passed);
    return {.verdict = Verdict::kPass};
  }
  if (pkt.proto == kProtoTcp || pkt.proto == kProtoUdp) {
    const Addr& snat = tables.snatAddress(pkt.family);
    if (!snat.isZero() && pkt.dst == snat && pkt.dport >= config_.snat_port_min &&
        pkt.dport - config_.snat_port_min < config_.snat_port_span) {
      if (const std::uint16_t owner = snatPortOwner(pkt.dport); owner != config_.index) {
        WorkerCounters::bump(counters_.handed_off);
        return {.verdict = Verdict::kHandOff, .worker = owner};
      }
      CtEntry* reply = conntrack_.find(replyKey(pkt, pkt.src, pkt.sport, pkt.dst, pkt.dport));
      if (reply != nullptr && ctAlive(*reply, now_ns)) {
        return reverseNat(frame, pkt, *reply, tables, now_ns);
      }
    }
    const FrontendEntry* fe = tables.frontend(pkt.dst, pkt.dport, pkt.proto, pkt.family);
    if (fe != nullptr && fe->spec.kind != dataplane::FrontendKind::kClusterIp) {
      if (pkt.fragment == Fragment::kFirst) return drop(SLUICE_DROP_FRAGMENT);
      if (!fe->sourceAllowed(pkt.src)) return drop(SLUICE_DROP_SOURCE_RANGE);
      return toBackend(frame, pkt, *fe, tables, now_ns);
    }
  }
  WorkerCounters::bump(counters_.passed);
  return {.verdict = Verdict::kPass};
}

Outcome Worker::answerLocally(Frame& frame, const ParsedPacket& pkt, const Tables& tables,
                              std::uint64_t now_ns) noexcept {
  Addr target;
  if (pkt.family == 0) {
    if (arpRequestTarget(frame.data, frame.length, pkt, target) &&
        tables.isVip(target, kFamilyIpv4)) {
      arpReply(frame.data, pkt, tables.portMac());
      WorkerCounters::bump(counters_.arp_replies);
      WorkerCounters::bump(counters_.transmitted);
      return transmit();
    }
  } else if (pkt.fragment == Fragment::kNone) {
    if (neighborSolicitationTarget(frame.data, frame.length, pkt, target) &&
        tables.isVip(target, kFamilyIpv6)) {
      if (!neighborAdvertisement(frame, pkt, target, tables.portMac())) {
        return drop(SLUICE_DROP_NAT_FAILED);
      }
      WorkerCounters::bump(counters_.neighbor_advertisements);
      WorkerCounters::bump(counters_.transmitted);
      return transmit();
    }
    const bool echo =
        pkt.icmp_type == (pkt.family == kFamilyIpv4 ? kIcmpEchoRequest : kIcmpv6EchoRequest);
    if (echo && tables.isVip(pkt.dst, pkt.family)) {
      echoReply(frame.data, pkt);
      WorkerCounters::bump(counters_.echo_replies);
      WorkerCounters::bump(counters_.transmitted);
      return transmit();
    }
    if (isIcmpError(pkt) && pkt.dst == tables.snatAddress(pkt.family)) {
      return icmpErrorToClient(frame, pkt, tables, now_ns);
    }
  }
  WorkerCounters::bump(counters_.passed);
  return {.verdict = Verdict::kPass};
}

Outcome Worker::reverseNat(Frame& frame, const ParsedPacket& pkt, CtEntry& reply,
                           const Tables& tables, std::uint64_t now_ns) noexcept {
  ctOnPacket(reply, pkt, /*from_backend=*/true, now_ns);
  const Addr client = reply.peer_addr;
  const std::uint16_t client_port = reply.peer_port;
  const Addr frontend = reply.nat_addr;
  const std::uint16_t frontend_port = reply.nat_port;
  const CtKey forward{.src = client,
                      .dst = frontend,
                      .sport = client_port,
                      .dport = frontend_port,
                      .proto = pkt.proto,
                      .family = pkt.family,
                      .dir = CtDir::kForward};
  if (CtEntry* entry = conntrack_.find(forward); entry != nullptr) {
    ctOnPacket(*entry, pkt, /*from_backend=*/true, now_ns);
  }
  if (auto* svc = counters_.service(reply.service); svc != nullptr) {
    WorkerCounters::bump(svc->packets);
    WorkerCounters::bump(svc->bytes, frame.length);
  }
  if (pkt.ttl <= 1) return drop(SLUICE_DROP_TTL_EXCEEDED);
  rewriteFlow(frame.data, pkt, frontend, frontend_port, client, client_port);
  decrementTtl(frame.data, pkt);
  return sendTo(frame, pkt, client, tables);
}

Outcome Worker::icmpErrorToClient(Frame& frame, const ParsedPacket& pkt, const Tables& tables,
                                  std::uint64_t now_ns) noexcept {
  IcmpQuote quote;
  if (!readIcmpQuote(frame.data, frame.length, pkt, quote) || quote.src != pkt.dst ||
      quote.sport < config_.snat_port_min ||
      quote.sport - config_.snat_port_min >= config_.snat_port_span) {
    WorkerCounters::bump(counters_.passed);
    return {.verdict = Verdict::kPass};
  }
  if (const std::uint16_t owner = snatPortOwner(quote.sport); owner != config_.index) {
    WorkerCounters::bump(counters_.handed_off);
    return {.verdict = Verdict::kHandOff, .worker = owner};
  }
  // The quote left as LB:port → backend; its flow's reply entry is backend → LB:port.
  const CtKey answer{.src = quote.dst,
                     .dst = quote.src,
                     .sport = quote.dport,
                     .dport = quote.sport,
                     .proto = quote.proto,
                     .family = pkt.family,
                     .dir = CtDir::kReply};
  const CtEntry* reply = conntrack_.find(answer);
  if (reply == nullptr || !ctAlive(*reply, now_ns)) {
    WorkerCounters::bump(counters_.passed);
    return {.verdict = Verdict::kPass};
  }
  if (pkt.ttl <= 1) return drop(SLUICE_DROP_TTL_EXCEEDED);
  // The backend itself reporting is heard from the frontend; a router keeps its address.
  const Addr outer_src = pkt.src == quote.dst ? reply->nat_addr : pkt.src;
  translateIcmpError(frame.data, frame.length, pkt, quote, reply->peer_addr, reply->peer_port,
                     reply->nat_addr, reply->nat_port, outer_src, reply->peer_addr);
  decrementTtl(frame.data, pkt);
  if (auto* svc = counters_.service(reply->service); svc != nullptr) {
    WorkerCounters::bump(svc->packets);
    WorkerCounters::bump(svc->bytes, frame.length);
  }
  return sendTo(frame, pkt, reply->peer_addr, tables);
}

CtEntry* Worker::trackedFlow(const ParsedPacket& pkt, const FrontendEntry& fe,
                             const ServiceTable* svc, std::uint64_t now_ns) noexcept {
  CtEntry* entry = conntrack_.find(forwardKey(pkt));
  if (entry == nullptr || entry->service != fe.spec.service || !ctAlive(*entry, now_ns) ||
      ctIsNewSyn(*entry, pkt)) {
    return nullptr;
  }
  if (svc == nullptr || !svc->contains(entry->nat_addr, entry->nat_port)) return nullptr;
  if (((entry->flags & kCtFlagDsr) != 0) != fe.spec.dsr) return nullptr;  // mode changed
  ctOnPacket(*entry, pkt, /*from_backend=*/false, now_ns);
  return entry;
}

const BackendEntry* Worker::chooseBackend(const ParsedPacket& pkt, const FrontendEntry& fe,
                                          const ServiceTable& svc, std::uint32_t hash,
                                          std::uint64_t now_ns, BackendEntry& sticky) noexcept {
  const std::uint32_t timeout = fe.spec.affinity_timeout_s;
  if (timeout == 0) return svc.pick(hash);
  CtKey key{.src = pkt.src, .family = pkt.family, .dir = CtDir::kAffinity};
  store32(key.dst.bytes.data(), fe.spec.service);  // one client, one entry per service
  if (CtEntry* entry = conntrack_.find(key); entry != nullptr && ctAlive(*entry, now_ns) &&
                                             svc.takesNewFlows(entry->nat_addr, entry->nat_port)) {
    entry->last_seen_ns = now_ns;
    sticky = BackendEntry{.address = entry->nat_addr, .port = entry->nat_port};
    return &sticky;
  }
  const BackendEntry* be = svc.pick(hash);
  if (be != nullptr) {
    CtEntry& entry = conntrack_.insert(key, now_ns);
    entry.nat_addr = be->address;
    entry.nat_port = be->port;
    entry.service = fe.spec.service;
    entry.affinity_timeout_s = timeout;
  }
  return be;
}

CtEntry* Worker::createFlow(const ParsedPacket& pkt, const FrontendEntry& fe,
                            const BackendEntry& be, std::uint32_t hash, const Tables& tables,
                            std::uint64_t now_ns, int& reason) noexcept {
  std::uint16_t snat_port = 0;
  const Addr& snat = tables.snatAddress(pkt.family);
  if (!fe.spec.dsr) {
    if (snat.isZero()) {
      reason = SLUICE_DROP_NAT_FAILED;  // no address of this family to translate to
      return nullptr;
    }
    // A port of this worker's share whose reply entry is free: replies then find their flow
    // here. A port held by a live flow is never taken twice.
    const std::uint32_t slots = config_.snat_port_span / config_.count;
    bool found = false;
    for (int i = 0; i < kSnatTries && !found && slots > 0; ++i) {
      const std::uint32_t slot = (hash + static_cast<std::uint32_t>(i) * kSnatStride) % slots;
      snat_port =
          static_cast<std::uint16_t>(config_.snat_port_min + slot * config_.count + config_.index);
      const CtEntry* taken = conntrack_.find(replyKey(pkt, be.address, be.port, snat, snat_port));
      found = taken == nullptr || !ctAlive(*taken, now_ns);
    }
    if (!found) {
      reason = SLUICE_DROP_SNAT_EXHAUSTED;
      return nullptr;
    }
    CtEntry& reply = conntrack_.insert(replyKey(pkt, be.address, be.port, snat, snat_port), now_ns);
    reply.nat_addr = pkt.dst;
    reply.nat_port = pkt.dport;
    reply.peer_addr = pkt.src;
    reply.peer_port = pkt.sport;
    reply.service = fe.spec.service;
    reply.flags = kCtFlagSnat;
  }
  CtEntry& forward = conntrack_.insert(forwardKey(pkt), now_ns);
  forward.nat_addr = be.address;
  forward.nat_port = be.port;
  forward.peer_port = snat_port;
  forward.service = fe.spec.service;
  forward.flags = fe.spec.dsr ? kCtFlagDsr : kCtFlagSnat;
  return &forward;
}

Outcome Worker::toBackend(Frame& frame, const ParsedPacket& pkt, const FrontendEntry& fe,
                          const Tables& tables, std::uint64_t now_ns) noexcept {
  const ServiceTable* svc = tables.service(fe.spec.service);
  CtEntry* flow = trackedFlow(pkt, fe, svc, now_ns);
  const bool fresh = flow == nullptr;
  if (fresh) {
    const std::uint32_t hash = flowHash(pkt.src, pkt.dst, pkt.sport, pkt.dport, pkt.proto);
    BackendEntry sticky;
    const BackendEntry* be =
        svc != nullptr ? chooseBackend(pkt, fe, *svc, hash, now_ns, sticky) : nullptr;
    if (be == nullptr) {
      return drop(fe.spec.local_only ? SLUICE_DROP_NO_LOCAL_BACKEND : SLUICE_DROP_NO_BACKEND);
    }
    int reason = SLUICE_DROP_NONE;
    flow = createFlow(pkt, fe, *be, hash, tables, now_ns, reason);
    if (flow == nullptr) return drop(reason);
  }
  if (auto* counters = counters_.service(fe.spec.service); counters != nullptr) {
    WorkerCounters::bump(counters->packets);
    WorkerCounters::bump(counters->bytes, frame.length);
    if (fresh) WorkerCounters::bump(counters->new_connections);
  }
  const Addr backend = flow->nat_addr;
  const std::uint16_t backend_port = flow->nat_port;
  if ((flow->flags & kCtFlagDsr) != 0) {
    // DNAT, then IPIP whose source and id (flow label) name the frontend: dsr.h's format, which
    // a Sluice node behind us unwraps (xdp_ext_ingress → dsr_decap). Too big for the port once
    // wrapped: the client hears so (path MTU discovery), as from the frontend.
    const std::size_t outer = pkt.family == kFamilyIpv4 ? kIpv4HeaderLen : kIpv6HeaderLen;
    if (pkt.l3_len + outer > config_.mtu) {
      const auto mtu = static_cast<std::uint16_t>(config_.mtu - outer);
      if (!packetTooBig(frame, pkt, mtu)) return drop(SLUICE_DROP_NAT_FAILED);
      WorkerCounters::bump(counters_.too_big);
      WorkerCounters::bump(counters_.transmitted);
      return transmit();
    }
    rewriteFlow(frame.data, pkt, pkt.src, pkt.sport, backend, backend_port);
    if (!encapsulate(frame, pkt, pkt.dst, backend, pkt.dport)) {
      return drop(SLUICE_DROP_NAT_FAILED);
    }
    return sendTo(frame, pkt, backend, tables);
  }
  if (pkt.ttl <= 1) return drop(SLUICE_DROP_TTL_EXCEEDED);
  rewriteFlow(frame.data, pkt, tables.snatAddress(pkt.family), flow->peer_port, backend,
              backend_port);
  decrementTtl(frame.data, pkt);
  return sendTo(frame, pkt, backend, tables);
}

Outcome Worker::sendTo(Frame& frame, const ParsedPacket& pkt, const Addr& next,
                       const Tables& tables) noexcept {
  const Mac* mac = tables.nextHop(next, pkt.family);
  if (mac == nullptr) {
    WorkerCounters::bump(counters_.no_next_hop);
    return drop(SLUICE_DROP_NAT_FAILED);
  }
  setMacs(frame.data, *mac, tables.portMac());
  WorkerCounters::bump(counters_.transmitted);
  return transmit();
}

}  // namespace sluice::lb
