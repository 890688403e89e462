// JSON documents for `sluice -o json` (see render_json.h).
#include "render_json.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace sluice::controlplane::cli {
namespace json = boost::json;
namespace {

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& item : items) out.emplace_back(item);
  return out;
}

json::object conntrackJson(const ConntrackView& e) {
  return {{"protocol", e.protocol}, {"client", e.client}, {"frontend", e.frontend},
          {"backend", e.backend},   {"flags", e.flags},   {"service", e.service},
          {"idle_ms", e.idle_ms}};
}

void pretty(const json::value& value, std::string& out, std::size_t indent) {
  const auto newline = [&out](std::size_t spaces) {
    out += '\n';
    out.append(spaces, ' ');
  };
  if (value.is_object()) {
    const json::object& object = value.get_object();
    if (object.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& member : object) {
      if (!first) out += ',';
      first = false;
      newline(indent + 2);
      out += json::serialize(json::string(member.key()));
      out += ": ";
      pretty(member.value(), out, indent + 2);
    }
    newline(indent);
    out += '}';
  } else if (value.is_array()) {
    const json::array& array = value.get_array();
    if (array.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const json::value& item : array) {
      if (!first) out += ',';
      first = false;
      newline(indent + 2);
      pretty(item, out, indent + 2);
    }
    newline(indent);
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

json::value toJson(const StatusView& s) {
  return json::object{{"node", s.node},
                      {"dataplane", s.dataplane},
                      {"source", s.source},
                      {"synced", s.synced},
                      {"last_sync_unix_ms", s.last_sync_unix_ms},
                      {"services", s.services},
                      {"frontends", s.frontends},
                      {"backends", s.backends},
                      {"syncs", s.syncs},
                      {"sync_errors", s.sync_errors},
                      {"drift_repairs", s.drift_repairs},
                      {"watch_restarts", s.watch_restarts},
                      {"version", s.version}};
}

json::value toJson(const std::vector<ServiceView>& services) {
  json::array list;
  for (const ServiceView& s : services) {
    json::array frontends;
    for (const FrontendView& f : s.frontends) {
      frontends.emplace_back(
          json::object{{"address", f.address}, {"kind", f.kind}, {"flags", strings(f.flags)}});
    }
    list.emplace_back(json::object{{"name", s.name},
                                   {"id", s.id},
                                   {"family", s.family},
                                   {"frontends", std::move(frontends)},
                                   {"backends_ready", s.backends_ready},
                                   {"backends_total", s.backends_total},
                                   {"packets", s.packets},
                                   {"bytes", s.bytes},
                                   {"connections", s.connections}});
  }
  return json::object{{"services", std::move(list)}};
}

json::value toJson(const std::string& service, const std::vector<BackendView>& backends) {
  json::array list;
  for (const BackendView& b : backends) {
    list.emplace_back(json::object{{"service", b.service},
                                   {"address", b.address},
                                   {"weight", b.weight},
                                   {"state", b.state},
                                   {"node_local", b.node_local},
                                   {"node", b.node},
                                   {"zone", b.zone},
                                   {"maglev_entries", b.maglev_entries}});
  }
  return json::object{{"service", service}, {"backends", std::move(list)}};
}

json::value toJson(const std::vector<ConntrackView>& entries) {
  json::array list;
  for (const ConntrackView& e : entries) list.emplace_back(conntrackJson(e));
  return json::object{{"conntrack", std::move(list)}};
}

json::value toJson(const ExplainView& v) {
  json::value conntrack = nullptr;
  if (v.conntrack) conntrack = conntrackJson(*v.conntrack);
  return json::object{
      {"matched", v.matched}, {"frontend", v.frontend},     {"kind", v.kind},
      {"service", v.service}, {"service_id", v.service_id}, {"steps", strings(v.steps)},
      {"backend", v.backend}, {"verdict", v.verdict},       {"conntrack", std::move(conntrack)}};
}

json::value metricsJson(const std::string& text) { return json::object{{"text", text}}; }

std::string prettyJson(const json::value& value) {
  std::string out;
  pretty(value, out, 0);
  out += '\n';
  return out;
}

}  // namespace sluice::controlplane::cli
