// Decoding Service, EndpointSlice and Node from their JSON form (see objects.h).
#include "sluice/discovery/objects.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "json_reader.h"

namespace sluice::discovery {
namespace {

using detail::JsonReader;

// Decoding is a long run of "read this field or stop with its error"; this keeps each read one
// line. Only for Decoded<T> expressions inside functions returning Decoded<U>.
#define SLUICE_DECODE(var, expr)                                     \
  auto var##_decoded = (expr);                                       \
  if (!var##_decoded) return std::unexpected(var##_decoded.error()); \
  auto var = std::move(*var##_decoded)  // NOLINT(bugprone-macro-parentheses)

Decoded<std::string> protocolOf(const JsonReader& reader) {
  SLUICE_DECODE(protocol, reader.string("protocol"));
  if (protocol.empty()) return std::string("TCP");
  if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
    return std::unexpected(
        reader.error("protocol", "\"" + protocol + "\" is not TCP, UDP or SCTP"));
  }
  return protocol;
}

Decoded<TargetPort> targetPortOf(const JsonReader& reader) {
  const auto* value = reader.find("targetPort");
  if (value == nullptr) return TargetPort{};
  if (value->is_string()) {
    std::string name(value->get_string());
    if (name.empty()) return TargetPort{};
    // The API server accepts a numeric string and means the number.
    std::uint32_t number = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
    if (ec == std::errc() && end == name.data() + name.size()) {
      if (number == 0 || number > 65535) {
        return std::unexpected(reader.error("targetPort", name + " is outside 1..65535"));
      }
      return TargetPort{.number = static_cast<std::uint16_t>(number)};
    }
    return TargetPort{.name = std::move(name)};
  }
  SLUICE_DECODE(number, reader.integer("targetPort", 1, 65535, 0));
  return TargetPort{.number = static_cast<std::uint16_t>(number)};
}

Decoded<ServicePort> servicePortOf(const JsonReader& reader) {
  ServicePort port;
  SLUICE_DECODE(name, reader.string("name"));
  SLUICE_DECODE(protocol, protocolOf(reader));
  SLUICE_DECODE(number, reader.integer("port", 1, 65535, 0));
  if (number == 0) return std::unexpected(reader.error("port", "is required"));
  SLUICE_DECODE(target, targetPortOf(reader));
  SLUICE_DECODE(node_port, reader.integer("nodePort", 0, 65535, 0));
  port.name = std::move(name);
  port.protocol = std::move(protocol);
  port.port = static_cast<std::uint16_t>(number);
  port.target_port = std::move(target);
  port.node_port = static_cast<std::uint16_t>(node_port);
  return port;
}

Decoded<TrafficPolicy> policyOf(const JsonReader& reader, std::string_view key) {
  SLUICE_DECODE(text, reader.string(key));
  // "Cluster" is the default; older clusters spell Local as "Local" and Cluster as "Cluster".
  if (text.empty() || text == "Cluster") return TrafficPolicy::kCluster;
  if (text == "Local") return TrafficPolicy::kLocal;
  return std::unexpected(reader.error(key, "\"" + text + "\" is not Cluster or Local"));
}

Decoded<ServiceType> serviceTypeOf(const JsonReader& spec) {
  SLUICE_DECODE(text, spec.string("type"));
  if (text.empty() || text == "ClusterIP") return ServiceType::kClusterIp;
  if (text == "NodePort") return ServiceType::kNodePort;
  if (text == "LoadBalancer") return ServiceType::kLoadBalancer;
  if (text == "ExternalName") return ServiceType::kExternalName;
  return std::unexpected(spec.error("type", "\"" + text + "\" is not a Service type"));
}

// Each list element is an object; `decode` reads one.
template <typename T, typename Decode>
Decoded<std::vector<T>> listOf(const JsonReader& reader, std::string_view key, Decode decode) {
  SLUICE_DECODE(array, reader.array(key));
  std::vector<T> out;
  if (array == nullptr) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    SLUICE_DECODE(element, reader.element(key, *array, i));
    SLUICE_DECODE(item, decode(element));
    out.push_back(std::move(item));
  }
  return out;
}

Decoded<std::vector<std::string>> loadBalancerIpsOf(const JsonReader& root) {
  SLUICE_DECODE(status, root.object("status"));
  SLUICE_DECODE(lb, status.object("loadBalancer"));
  return listOf<std::string>(lb, "ingress", [](const JsonReader& ingress) -> Decoded<std::string> {
    return ingress.string("ip");  // hostname-only ingress (some clouds) has no IP to serve
  });
}

Decoded<EndpointConditions> conditionsOf(const JsonReader& endpoint) {
  SLUICE_DECODE(conditions, endpoint.object("conditions"));
  SLUICE_DECODE(ready, conditions.boolean("ready", true));
  SLUICE_DECODE(serving, conditions.boolean("serving", ready));
  SLUICE_DECODE(terminating, conditions.boolean("terminating", false));
  return EndpointConditions{.ready = ready, .serving = serving, .terminating = terminating};
}

Decoded<Endpoint> endpointOf(const JsonReader& reader) {
  Endpoint endpoint;
  SLUICE_DECODE(addresses, reader.strings("addresses"));
  if (addresses.empty()) return std::unexpected(reader.error("addresses", "is required"));
  SLUICE_DECODE(conditions, conditionsOf(reader));
  SLUICE_DECODE(node_name, reader.string("nodeName"));
  SLUICE_DECODE(zone, reader.string("zone"));
  SLUICE_DECODE(hints, reader.object("hints"));
  SLUICE_DECODE(zones, listOf<std::string>(hints, "forZones",
                                           [](const JsonReader& z) { return z.string("name"); }));
  endpoint.addresses = std::move(addresses);
  endpoint.conditions = conditions;
  endpoint.node_name = std::move(node_name);
  endpoint.zone = std::move(zone);
  endpoint.hint_zones = std::move(zones);
  return endpoint;
}

Decoded<EndpointPort> endpointPortOf(const JsonReader& reader) {
  SLUICE_DECODE(name, reader.string("name"));
  SLUICE_DECODE(protocol, protocolOf(reader));
  SLUICE_DECODE(port, reader.integer("port", 1, 65535, 0));
  return EndpointPort{.name = std::move(name),
                      .protocol = std::move(protocol),
                      .port = static_cast<std::uint16_t>(port)};
}

Decoded<ObjectMeta> metaOf(const JsonReader& root, bool namespaced) {
  SLUICE_DECODE(metadata, root.object("metadata"));
  ObjectMeta meta;
  SLUICE_DECODE(name, metadata.string("name"));
  if (name.empty()) return std::unexpected(metadata.error("name", "is required"));
  SLUICE_DECODE(ns, metadata.string("namespace"));
  if (namespaced && ns.empty()) ns = "default";
  SLUICE_DECODE(uid, metadata.string("uid"));
  SLUICE_DECODE(rv, metadata.string("resourceVersion"));
  SLUICE_DECODE(labels, metadata.stringMap("labels"));
  SLUICE_DECODE(annotations, metadata.stringMap("annotations"));
  meta.name = ObjectName{.namespace_ = std::move(ns), .name = std::move(name)};
  meta.uid = std::move(uid);
  meta.resource_version = std::move(rv);
  meta.labels = std::move(labels);
  meta.annotations = std::move(annotations);
  meta.deleting = metadata.find("deletionTimestamp") != nullptr;
  return meta;
}

Decoded<void> expectKind(const JsonReader& root, std::string_view kind) {
  SLUICE_DECODE(actual, root.string("kind"));
  // Objects inside a list response carry no kind; anything that says what it is must say it.
  if (!actual.empty() && actual != kind) {
    return std::unexpected(
        root.error("kind", "\"" + actual + "\" where a " + std::string(kind) + " was expected"));
  }
  return {};
}

}  // namespace

Decoded<ObjectMeta> decodeMeta(const boost::json::object& object) {
  return metaOf(JsonReader(&object, ""), true);
}

Decoded<Service> decodeService(const boost::json::object& object) {
  const JsonReader root(&object, "");
  if (auto kind = expectKind(root, "Service"); !kind) return std::unexpected(kind.error());
  Service service;
  SLUICE_DECODE(meta, metaOf(root, true));
  SLUICE_DECODE(spec, root.object("spec"));
  SLUICE_DECODE(type, serviceTypeOf(spec));
  SLUICE_DECODE(cluster_ips, spec.strings("clusterIPs"));
  if (cluster_ips.empty()) {
    SLUICE_DECODE(cluster_ip, spec.string("clusterIP"));
    if (!cluster_ip.empty()) cluster_ips.push_back(std::move(cluster_ip));
  }
  SLUICE_DECODE(ports, listOf<ServicePort>(spec, "ports", servicePortOf));
  SLUICE_DECODE(external_ips, spec.strings("externalIPs"));
  SLUICE_DECODE(lb_ips, loadBalancerIpsOf(root));
  SLUICE_DECODE(ranges, spec.strings("loadBalancerSourceRanges"));
  SLUICE_DECODE(etp, policyOf(spec, "externalTrafficPolicy"));
  SLUICE_DECODE(itp, policyOf(spec, "internalTrafficPolicy"));
  SLUICE_DECODE(affinity, spec.string("sessionAffinity"));
  if (!affinity.empty() && affinity != "None" && affinity != "ClientIP") {
    return std::unexpected(
        spec.error("sessionAffinity", "\"" + affinity + "\" is not None or ClientIP"));
  }
  std::int64_t affinity_timeout = 0;
  if (affinity == "ClientIP") {
    SLUICE_DECODE(config, spec.object("sessionAffinityConfig"));
    SLUICE_DECODE(client_ip, config.object("clientIP"));
    // The API's default and maximum: 3 hours, 1 day.
    SLUICE_DECODE(timeout, client_ip.integer("timeoutSeconds", 1, 86400, 10800));
    affinity_timeout = timeout;
  }
  SLUICE_DECODE(health_port, spec.integer("healthCheckNodePort", 0, 65535, 0));
  SLUICE_DECODE(distribution, spec.string("trafficDistribution"));

  service.meta = std::move(meta);
  service.type = type;
  service.cluster_ips = std::move(cluster_ips);
  service.ports = std::move(ports);
  service.external_ips = std::move(external_ips);
  std::erase_if(lb_ips, [](const std::string& ip) { return ip.empty(); });
  service.load_balancer_ips = std::move(lb_ips);
  service.load_balancer_source_ranges = std::move(ranges);
  service.external_traffic_policy = etp;
  service.internal_traffic_policy = itp;
  service.affinity_timeout_s = static_cast<std::uint32_t>(affinity_timeout);
  service.health_check_node_port = static_cast<std::uint16_t>(health_port);
  service.traffic_distribution = std::move(distribution);
  return service;
}

Decoded<EndpointSlice> decodeEndpointSlice(const boost::json::object& object) {
  const JsonReader root(&object, "");
  if (auto kind = expectKind(root, "EndpointSlice"); !kind) return std::unexpected(kind.error());
  EndpointSlice slice;
  SLUICE_DECODE(meta, metaOf(root, true));
  SLUICE_DECODE(address_type, root.string("addressType"));
  if (address_type != "IPv4" && address_type != "IPv6" && address_type != "FQDN") {
    return std::unexpected(
        root.error("addressType", "\"" + address_type + "\" is not IPv4, IPv6 or FQDN"));
  }
  SLUICE_DECODE(endpoints, listOf<Endpoint>(root, "endpoints", endpointOf));
  SLUICE_DECODE(ports, listOf<EndpointPort>(root, "ports", endpointPortOf));
  if (auto it = meta.labels.find("kubernetes.io/service-name"); it != meta.labels.end()) {
    slice.service_name = it->second;
  }
  if (auto it = meta.annotations.find("endpoints.kubernetes.io/last-change-trigger-time");
      it != meta.annotations.end()) {
    slice.last_change_trigger_unix_ms = parseRfc3339Ms(it->second).value_or(0);
  }
  slice.meta = std::move(meta);
  slice.address_type = std::move(address_type);
  slice.endpoints = std::move(endpoints);
  slice.ports = std::move(ports);
  return slice;
}

Decoded<Node> decodeNode(const boost::json::object& object) {
  const JsonReader root(&object, "");
  if (auto kind = expectKind(root, "Node"); !kind) return std::unexpected(kind.error());
  Node node;
  SLUICE_DECODE(meta, metaOf(root, false));
  SLUICE_DECODE(status, root.object("status"));
  SLUICE_DECODE(addresses, listOf<std::string>(status, "addresses", [](const JsonReader& a) {
                  return a.string("address");
                }));
  if (auto it = meta.labels.find("topology.kubernetes.io/zone"); it != meta.labels.end()) {
    node.zone = it->second;
  }
  node.meta = std::move(meta);
  node.addresses = std::move(addresses);
  return node;
}

std::optional<std::int64_t> parseRfc3339Ms(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto digits = [&](int count, int& out) {
    out = 0;
    for (int i = 0; i < count; ++i, ++p) {
      if (p >= end || *p < '0' || *p > '9') return false;
      out = out * 10 + (*p - '0');
    }
    return true;
  };
  auto expect = [&](char c) { return p < end && (*p++ == c || (c == 'T' && p[-1] == 't')); };
  if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day) ||
      !expect('T') || !digits(2, hour) || !expect(':') || !digits(2, minute) || !expect(':') ||
      !digits(2, second)) {
    return std::nullopt;
  }
  std::int64_t millis = 0;
  if (p < end && *p == '.') {
    ++p;
    int scale = 100;
    while (p < end && *p >= '0' && *p <= '9') {
      millis += static_cast<std::int64_t>(scale) * (*p - '0');
      scale /= 10;
      ++p;
    }
  }
  std::int64_t offset_s = 0;
  if (p < end && (*p == 'Z' || *p == 'z')) {
    ++p;
  } else if (p < end && (*p == '+' || *p == '-')) {
    const int sign = *p++ == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(2, oh) || !expect(':') || !digits(2, om)) return std::nullopt;
    offset_s = static_cast<std::int64_t>(sign) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (p != end || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t seconds = static_cast<std::int64_t>(days) * 86400 +
                               static_cast<std::int64_t>(hour) * 3600 +
                               static_cast<std::int64_t>(minute) * 60 + second - offset_s;
  return seconds * 1000 + millis;
}

}  // namespace sluice::discovery
