// Decoding the API's JSON: defaults the API defines, and errors that say where.
#include "sluice/discovery/objects.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::discovery {
namespace {

boost::json::object json(const char* text) { return boost::json::parse(text).as_object(); }

TEST(ObjectsTest, DecodesAServiceAsTheApiServerSendsIt) {
  auto service = decodeService(json(R"({
    "kind": "Service", "apiVersion": "v1",
    "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "42",
                 "labels": {"app": "web"}},
    "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.10",
             "clusterIPs": ["10.96.0.10", "fd00::10"],
             "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http",
                        "nodePort": 30080},
                       {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 5353}],
             "externalTrafficPolicy": "Local", "healthCheckNodePort": 32000,
             "sessionAffinity": "ClientIP"},
    "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.1"}]}}})"));
  ASSERT_TRUE(service) << service.error().toString();
  EXPECT_EQ(service->meta.name.toString(), "shop/web");
  EXPECT_EQ(service->meta.resource_version, "42");
  EXPECT_EQ(service->type, ServiceType::kLoadBalancer);
  EXPECT_EQ(service->cluster_ips, (std::vector<std::string>{"10.96.0.10", "fd00::10"}));
  ASSERT_EQ(service->ports.size(), 2U);
  EXPECT_EQ(service->ports[0].target_port.name, "http");
  EXPECT_EQ(service->ports[0].node_port, 30080);
  EXPECT_EQ(service->ports[1].protocol, "UDP");
  EXPECT_EQ(service->ports[1].target_port.number, 5353);
  EXPECT_EQ(service->external_traffic_policy, TrafficPolicy::kLocal);
  EXPECT_EQ(service->affinity_timeout_s, 10800U) << "the API's default timeout";
  EXPECT_EQ(service->load_balancer_ips, (std::vector<std::string>{"203.0.113.1"}));
  EXPECT_EQ(service->health_check_node_port, 32000);
}

TEST(ObjectsTest, EndpointConditionsTakeTheApiDefaults) {
  auto slice = decodeEndpointSlice(json(R"({
    "metadata": {"name": "web-abc", "namespace": "shop",
                 "labels": {"kubernetes.io/service-name": "web"},
                 "annotations": {"endpoints.kubernetes.io/last-change-trigger-time":
                                 "2026-11-22T10:00:00.250Z"}},
    "addressType": "IPv4",
    "endpoints": [{"addresses": ["10.0.0.1"]},
                  {"addresses": ["10.0.0.2"], "conditions": {"ready": false,
                                                             "terminating": true}},
                  {"addresses": ["10.0.0.3"], "nodeName": "n1", "zone": "a",
                   "hints": {"forZones": [{"name": "a"}]}}],
    "ports": [{"name": "http", "port": 8080}]})"));
  ASSERT_TRUE(slice) << slice.error().toString();
  EXPECT_EQ(slice->service_name, "web");
  ASSERT_EQ(slice->endpoints.size(), 3U);
  EXPECT_TRUE(slice->endpoints[0].conditions.ready);
  EXPECT_TRUE(slice->endpoints[0].conditions.serving);
  EXPECT_FALSE(slice->endpoints[1].conditions.serving) << "serving defaults to ready";
  EXPECT_TRUE(slice->endpoints[1].conditions.terminating);
  EXPECT_EQ(slice->endpoints[2].hint_zones, (std::vector<std::string>{"a"}));
  EXPECT_EQ(slice->ports[0].protocol, "TCP");
  EXPECT_EQ(slice->last_change_trigger_unix_ms, 1795341600250);
}

TEST(ObjectsTest, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* error;
  };
  const Case cases[] = {
      {R"({"metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}, {"port": 70000}]}})",
       "spec.ports[1].port: 70000 is outside 1..65535"},
      {R"({"metadata": {"name": "a"}, "spec": {"ports": [{"port": 80, "protocol": "ICMP"}]}})",
       "spec.ports[0].protocol: \"ICMP\" is not TCP, UDP or SCTP"},
      {R"({"metadata": {}, "spec": {}})", "metadata.name: is required"},
      {R"({"metadata": {"name": "a"}, "spec": {"type": "Magic"}})",
       "spec.type: \"Magic\" is not a Service type"},
      {R"({"metadata": {"name": "a"}, "spec": {"ports": "80"}})", "spec.ports: must be a list"},
      {R"({"kind": "Pod", "metadata": {"name": "a"}})",
       "kind: \"Pod\" where a Service was expected"},
      {R"({"metadata": {"name": "a"}, "spec": {"externalTrafficPolicy": "Nearby"}})",
       "spec.externalTrafficPolicy: \"Nearby\" is not Cluster or Local"},
  };
  for (const auto& c : cases) {
    auto service = decodeService(json(c.json));
    ASSERT_FALSE(service) << c.json;
    EXPECT_EQ(service.error().toString(), c.error);
  }
  auto slice = decodeEndpointSlice(json(R"({"metadata": {"name": "s"}, "addressType": "IPX"})"));
  ASSERT_FALSE(slice);
  EXPECT_EQ(slice.error().toString(), "addressType: \"IPX\" is not IPv4, IPv6 or FQDN");
}

TEST(ObjectsTest, ParsesRfc3339) {
  EXPECT_EQ(parseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseRfc3339Ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parseRfc3339Ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_FALSE(parseRfc3339Ms("yesterday"));
  EXPECT_FALSE(parseRfc3339Ms("2026-02-30T00:00:00Z"));
}

}  // namespace
}  // namespace sluice::discovery
