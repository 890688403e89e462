// The Kubernetes objects Sluice reads (Service, EndpointSlice, Node), holding only the fields the
// proxy uses, and their decoding from the API's JSON form. The same decoder serves every source:
// the API server's JSON, and YAML manifests converted to JSON (manifest.h).
//
// Decoding checks shape and ranges (a port is 1..65535, a protocol is TCP/UDP/SCTP); semantic
// rules (which endpoints are eligible, loopback addresses, headless services) belong to the
// service model and the reconciler, which log their reasons.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::discovery {

// "namespace/name": the key of every namespaced object here.
struct ObjectName {
  std::string namespace_;
  std::string name;

  [[nodiscard]] std::string toString() const { return namespace_ + "/" + name; }
  friend bool operator==(const ObjectName&, const ObjectName&) = default;
  friend auto operator<=>(const ObjectName&, const ObjectName&) = default;
};

struct ObjectMeta {
  ObjectName name;
  std::string uid;
  std::string resource_version;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  bool deleting = false;  // metadata.deletionTimestamp is set

  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

enum class ServiceType : std::uint8_t { kClusterIp, kNodePort, kLoadBalancer, kExternalName };
enum class TrafficPolicy : std::uint8_t { kCluster, kLocal };

// A Service port's targetPort: a number, or the name of a container port resolved per endpoint.
struct TargetPort {
  std::uint16_t number = 0;  // 0: use `name`, or the service port when `name` is empty too
  std::string name;

  friend bool operator==(const TargetPort&, const TargetPort&) = default;
};

struct ServicePort {
  std::string name;
  std::string protocol = "TCP";  // TCP, UDP or SCTP
  std::uint16_t port = 0;
  TargetPort target_port;
  std::uint16_t node_port = 0;  // 0: none

  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

struct Service {
  ObjectMeta meta;
  ServiceType type = ServiceType::kClusterIp;
  std::vector<std::string> cluster_ips;  // spec.clusterIPs (or spec.clusterIP); may be "None"
  std::vector<ServicePort> ports;
  std::vector<std::string> external_ips;
  std::vector<std::string> load_balancer_ips;  // status.loadBalancer.ingress[].ip
  std::vector<std::string> load_balancer_source_ranges;
  TrafficPolicy external_traffic_policy = TrafficPolicy::kCluster;
  TrafficPolicy internal_traffic_policy = TrafficPolicy::kCluster;
  std::uint32_t affinity_timeout_s = 0;  // sessionAffinity ClientIP; 0 = None
  std::uint16_t health_check_node_port = 0;
  std::string traffic_distribution;  // spec.trafficDistribution ("PreferClose"), "" when unset

  friend bool operator==(const Service&, const Service&) = default;
};

// EndpointConditions as the API defines their defaults: ready unset = ready; serving unset =
// ready; terminating unset = not terminating.
struct EndpointConditions {
  bool ready = true;
  bool serving = true;
  bool terminating = false;

  friend bool operator==(const EndpointConditions&, const EndpointConditions&) = default;
};

struct Endpoint {
  std::vector<std::string> addresses;
  EndpointConditions conditions;
  std::string node_name;
  std::string zone;
  std::vector<std::string> hint_zones;  // hints.forZones[].name

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct EndpointPort {
  std::string name;
  std::string protocol = "TCP";
  std::uint16_t port = 0;  // 0: unset (the slice carries no port for it)

  friend bool operator==(const EndpointPort&, const EndpointPort&) = default;
};

struct EndpointSlice {
  ObjectMeta meta;
  std::string service_name;  // label kubernetes.io/service-name; "" = belongs to no service
  std::string address_type;  // IPv4, IPv6 or FQDN
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
  // Annotation endpoints.kubernetes.io/last-change-trigger-time (RFC 3339), in Unix ms; 0 = none.
  std::int64_t last_change_trigger_unix_ms = 0;

  friend bool operator==(const EndpointSlice&, const EndpointSlice&) = default;
};

struct Node {
  ObjectMeta meta;                     // nodes have no namespace
  std::string zone;                    // label topology.kubernetes.io/zone
  std::vector<std::string> addresses;  // status.addresses[].address (InternalIP, ExternalIP)

  friend bool operator==(const Node&, const Node&) = default;
};

// Where in the object a decoding error is ("spec.ports[1].port") and why.
struct DecodeError {
  std::string path;
  std::string reason;

  [[nodiscard]] std::string toString() const {
    return path.empty() ? reason : path + ": " + reason;
  }
};

template <typename T>
using Decoded = std::expected<T, DecodeError>;

[[nodiscard]] Decoded<Service> decodeService(const boost::json::object& object);
[[nodiscard]] Decoded<EndpointSlice> decodeEndpointSlice(const boost::json::object& object);
[[nodiscard]] Decoded<Node> decodeNode(const boost::json::object& object);
// Metadata only: what a watch event on an object that fails to decode still identifies.
[[nodiscard]] Decoded<ObjectMeta> decodeMeta(const boost::json::object& object);

// RFC 3339 ("2026-11-22T10:00:00Z", "2026-11-22T10:00:00.123456+01:00") to Unix milliseconds.
[[nodiscard]] std::optional<std::int64_t> parseRfc3339Ms(const std::string& text);

}  // namespace sluice::discovery
