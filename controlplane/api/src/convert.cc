// View structs <-> sluice.v1 messages (see convert.h).
#include "convert.h"

#include <string>
#include <vector>

namespace sluice::controlplane::api {
namespace {

template <typename Repeated>
std::vector<std::string> strings(const Repeated& repeated) {
  return {repeated.begin(), repeated.end()};
}

}  // namespace

void toProto(const StatusView& view, v1::AgentStatus& out) {
  out.set_node(view.node);
  out.set_dataplane(view.dataplane);
  out.set_source(view.source);
  out.set_synced(view.synced);
  out.set_last_sync_unix_ms(view.last_sync_unix_ms);
  out.set_services(view.services);
  out.set_frontends(view.frontends);
  out.set_backends(view.backends);
  out.set_syncs(view.syncs);
  out.set_sync_errors(view.sync_errors);
  out.set_drift_repairs(view.drift_repairs);
  out.set_watch_restarts(view.watch_restarts);
  out.set_version(view.version);
}

void toProto(const ServiceView& view, v1::Service& out) {
  out.set_name(view.name);
  out.set_id(view.id);
  out.set_family(view.family);
  for (const FrontendView& frontend : view.frontends) {
    v1::Frontend& f = *out.add_frontends();
    f.set_address(frontend.address);
    f.set_kind(frontend.kind);
    for (const std::string& flag : frontend.flags) f.add_flags(flag);
  }
  out.set_backends_ready(view.backends_ready);
  out.set_backends_total(view.backends_total);
  out.set_packets(view.packets);
  out.set_bytes(view.bytes);
  out.set_connections(view.connections);
}

void toProto(const BackendView& view, v1::Backend& out) {
  out.set_address(view.address);
  out.set_weight(view.weight);
  out.set_state(view.state);
  out.set_node_local(view.node_local);
  out.set_node(view.node);
  out.set_zone(view.zone);
  out.set_maglev_entries(view.maglev_entries);
  out.set_service(view.service);
}

void toProto(const ConntrackView& view, v1::ConntrackEntry& out) {
  out.set_protocol(view.protocol);
  out.set_client(view.client);
  out.set_frontend(view.frontend);
  out.set_backend(view.backend);
  out.set_flags(view.flags);
  out.set_service(view.service);
  out.set_idle_ms(view.idle_ms);
}

void toProto(const ExplainRequest& request, v1::ExplainRequest& out) {
  out.set_protocol(request.protocol);
  out.set_source(request.source);
  out.set_destination(request.destination);
}

void toProto(const ExplainView& view, v1::Explanation& out) {
  out.set_matched(view.matched);
  out.set_frontend(view.frontend);
  out.set_kind(view.kind);
  out.set_service(view.service);
  out.set_service_id(view.service_id);
  for (const std::string& step : view.steps) out.add_steps(step);
  out.set_backend(view.backend);
  out.set_verdict(view.verdict);
  if (view.conntrack) toProto(*view.conntrack, *out.mutable_conntrack());
}

StatusView fromProto(const v1::AgentStatus& message) {
  return {
      .node = message.node(),
      .dataplane = message.dataplane(),
      .source = message.source(),
      .synced = message.synced(),
      .last_sync_unix_ms = message.last_sync_unix_ms(),
      .services = message.services(),
      .frontends = message.frontends(),
      .backends = message.backends(),
      .syncs = message.syncs(),
      .sync_errors = message.sync_errors(),
      .drift_repairs = message.drift_repairs(),
      .watch_restarts = message.watch_restarts(),
      .version = message.version(),
  };
}

ServiceView fromProto(const v1::Service& message) {
  ServiceView view{
      .name = message.name(),
      .id = message.id(),
      .family = message.family(),
      .backends_ready = message.backends_ready(),
      .backends_total = message.backends_total(),
      .packets = message.packets(),
      .bytes = message.bytes(),
      .connections = message.connections(),
  };
  view.frontends.reserve(static_cast<std::size_t>(message.frontends_size()));
  for (const v1::Frontend& f : message.frontends()) {
    view.frontends.push_back(
        {.address = f.address(), .kind = f.kind(), .flags = strings(f.flags())});
  }
  return view;
}

BackendView fromProto(const v1::Backend& message) {
  return {
      .service = message.service(),
      .address = message.address(),
      .weight = message.weight(),
      .state = message.state(),
      .node_local = message.node_local(),
      .node = message.node(),
      .zone = message.zone(),
      .maglev_entries = message.maglev_entries(),
  };
}

ConntrackView fromProto(const v1::ConntrackEntry& message) {
  return {
      .protocol = message.protocol(),
      .client = message.client(),
      .frontend = message.frontend(),
      .backend = message.backend(),
      .flags = message.flags(),
      .service = message.service(),
      .idle_ms = message.idle_ms(),
  };
}

ExplainRequest fromProto(const v1::ExplainRequest& message) {
  return {
      .protocol = message.protocol(),
      .source = message.source(),
      .destination = message.destination(),
  };
}

ExplainView fromProto(const v1::Explanation& message) {
  ExplainView view{
      .matched = message.matched(),
      .frontend = message.frontend(),
      .kind = message.kind(),
      .service = message.service(),
      .service_id = message.service_id(),
      .steps = strings(message.steps()),
      .backend = message.backend(),
      .verdict = message.verdict(),
  };
  if (message.has_conntrack()) view.conntrack = fromProto(message.conntrack());
  return view;
}

}  // namespace sluice::controlplane::api
