// `sluice explain`: what the data plane would do with a flow and why — the frontend it matches,
// each policy decision, the conntrack entry that pins it, or the Maglev slot that would choose
// its backend (computed with the data plane's own flow hash).
#include <algorithm>

#include "agent_state.h"

namespace sluice::controlplane {
namespace {

base::Result<std::pair<base::IpAddress, std::uint16_t>> parseEndpoint(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  auto bad = [&] {
    return base::fail(base::Errc::kInvalidArgument,
                      "\"" + text + "\" is not ADDRESS:PORT (10.0.0.1:80, [fd00::1]:80)");
  };
  if (colon == std::string::npos || colon + 1 >= text.size()) return bad();
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = base::parseIpAddress(host);
  if (!address) return bad();
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) return bad();
  } catch (const std::exception&) {
    return bad();
  }
  if (port == 0 || port > 65535) return bad();
  return std::pair{*address, static_cast<std::uint16_t>(port)};
}

base::Result<dataplane::Protocol> parseProtocol(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "tcp") return dataplane::Protocol::kTcp;
  if (lower == "udp") return dataplane::Protocol::kUdp;
  if (lower == "sctp") return dataplane::Protocol::kSctp;
  return base::fail(base::Errc::kInvalidArgument,
                    "\"" + text + "\" is not a protocol (tcp, udp, sctp)");
}

std::string describeBackend(const dataplane::Backend& b, const BackendOrigin& origin) {
  std::string out = base::formatEndpoint(b.address, b.port) + " (" +
                    std::string(dataplane::backendStateName(b.state));
  if (b.node_local) {
    out += ", on this node";
  } else if (!origin.node.empty()) {
    out += ", on node " + origin.node;
  }
  return out + ")";
}

}  // namespace

base::Result<ExplainView> Agent::explain(const ExplainRequest& request) const {
  auto protocol = parseProtocol(request.protocol);
  if (!protocol) return base::fail(protocol.error());
  auto source = parseEndpoint(request.source);
  if (!source) return base::fail(std::move(source.error()).withContext("source"));
  auto destination = parseEndpoint(request.destination);
  if (!destination) return base::fail(std::move(destination.error()).withContext("destination"));
  if (source->first.is_v4() != destination->first.is_v4()) {
    return base::fail(base::Errc::kInvalidArgument,
                      "source and destination are of different families");
  }
  const dataplane::FlowTuple flow{.protocol = *protocol,
                                  .source = source->first,
                                  .source_port = source->second,
                                  .destination = destination->first,
                                  .destination_port = destination->second};
  const dataplane::FrontendKey key{
      .address = flow.destination, .port = flow.destination_port, .protocol = flow.protocol};

  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  ExplainView out;
  out.frontend = dataplane::toString(key);
  const AppliedView* match = nullptr;
  const dataplane::Frontend* frontend = nullptr;
  for (const auto& [view_key, view] : s.sync->reconciler().views()) {
    if (auto it = view.frontends.find(key); it != view.frontends.end()) {
      match = &view;
      frontend = &it->second;
      break;
    }
  }
  if (match == nullptr) {
    out.steps.push_back("no service has the frontend " + out.frontend);
    out.verdict = "pass (not service traffic; the kernel routes it)";
    return out;
  }
  out.matched = true;
  out.kind = std::string(dataplane::frontendKindName(frontend->kind));
  out.service = match->desired.key;
  out.service_id = match->id;
  out.steps.push_back(out.frontend + " is a " + out.kind + " frontend of " + out.service +
                      " (data-plane service " + std::to_string(match->id) + ")");

  if (!frontend->source_ranges.empty()) {
    const auto allowed =
        std::find_if(frontend->source_ranges.begin(), frontend->source_ranges.end(),
                     [&](const base::IpPrefix& prefix) { return prefix.contains(flow.source); });
    if (allowed == frontend->source_ranges.end()) {
      out.steps.push_back("source " + flow.source.to_string() +
                          " is outside every loadBalancerSourceRange");
      out.verdict = "drop (source not allowed)";
      return out;
    }
    out.steps.push_back("source " + flow.source.to_string() + " is inside allow " +
                        allowed->toString());
  }
  for (const auto& decision : match->desired.decisions) out.steps.push_back(decision);

  if (auto tracked = s.dataplane->conntrackLookup(flow); tracked && *tracked) {
    ConntrackView entry{
        .protocol = std::string(dataplane::protocolName(flow.protocol)),
        .client = base::formatEndpoint(flow.source, flow.source_port),
        .frontend = base::formatEndpoint(flow.destination, flow.destination_port),
        .backend = base::formatEndpoint((*tracked)->backend, (*tracked)->backend_port),
        .flags = (*tracked)->state,
        .service = (*tracked)->service,
        .idle_ms = (*tracked)->idle_ms};
    out.steps.push_back("the flow is tracked (" + entry.flags + ", idle " +
                        std::to_string(entry.idle_ms) + " ms): it stays on " + entry.backend);
    out.backend = entry.backend;
    out.conntrack = std::move(entry);
    out.verdict = "forward (established)";
    return out;
  }
  if (frontend->affinity_timeout_s > 0) {
    out.steps.push_back("ClientIP affinity (" + std::to_string(frontend->affinity_timeout_s) +
                        " s): a backend this client used recently wins over the table below");
  }
  if (!match->backends) {
    out.verdict = "reject (no backend set programmed)";
    return out;
  }
  auto rebuilt = s.sync->reconciler().tableOf(*match);
  if (!rebuilt) {
    out.steps.push_back(rebuilt.error().toString());
    out.verdict = "forward (backend chosen by the data plane)";
    return out;
  }
  const auto& table = rebuilt->maglev;
  const auto hash = s.dataplane->flowHash(flow);
  if (!hash || table.empty()) {
    out.steps.push_back("the " + std::string(s.dataplane->kind()) +
                        " data plane does not say how it hashes flows");
    out.verdict = "forward (backend chosen by the data plane)";
    return out;
  }
  const std::size_t slot = *hash % table.size();
  const std::int32_t index = table[slot];
  if (index < 0) {
    out.steps.push_back("Maglev slot " + std::to_string(slot) + " of " +
                        std::to_string(table.size()) + " is empty: no backend is eligible");
    out.verdict = frontend->local_only ? "drop (no local endpoint)" : "reject (no backend)";
    return out;
  }
  const auto& chosen = rebuilt->backends[static_cast<std::size_t>(index)];
  BackendOrigin origin;
  for (std::size_t i = 0; i < match->desired.backends.size(); ++i) {
    const auto& b = match->desired.backends[i];
    if (b.address == chosen.address && b.port == chosen.port) origin = match->desired.origins[i];
  }
  out.backend = base::formatEndpoint(chosen.address, chosen.port);
  out.steps.push_back("Maglev slot " + std::to_string(slot) + " of " +
                      std::to_string(table.size()) + " (flow hash " + std::to_string(*hash) +
                      ") → " + describeBackend(chosen, origin));
  const bool external = frontend->kind != dataplane::FrontendKind::kClusterIp;
  if (external && !chosen.node_local) {
    out.steps.emplace_back(frontend->dsr ? "remote backend: sent over IPIP, it answers the client "
                                           "directly (DSR)"
                                         : "remote backend: source NATed to this node so replies "
                                           "come back here");
  } else if (external) {
    out.steps.emplace_back("local backend: the client's address is kept");
  } else {
    out.steps.emplace_back(
        "sockets in hooked cgroups choose at connect time by socket cookie; "
        "the backend above is the packet path's choice");
  }
  out.verdict = "forward";
  return out;
}

}  // namespace sluice::controlplane
