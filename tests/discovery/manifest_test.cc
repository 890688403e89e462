// Manifests: YAML scalars typed as Kubernetes reads them, and errors with file and line.
#include "sluice/discovery/manifest.h"

#include <gtest/gtest.h>

namespace sluice::discovery {
namespace {

TEST(ManifestTest, ReadsSeveralDocumentsAndLists) {
  auto objects = parseManifest(R"(
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a}
    spec: {clusterIP: 10.96.0.1, ports: [{port: 80, targetPort: "8080"}]}
---
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {topology.kubernetes.io/zone: "1"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
)",
                               "all.yaml");
  ASSERT_TRUE(objects) << objects.error().toString();
  ASSERT_EQ(objects->services.size(), 1U);
  EXPECT_EQ(objects->services[0].ports[0].target_port.number, 8080);
  ASSERT_EQ(objects->nodes.size(), 1U);
  EXPECT_EQ(objects->nodes[0].zone, "1") << "a quoted number stays a string";
  ASSERT_EQ(objects->ignored.size(), 1U);
  EXPECT_EQ(objects->ignored[0], "all.yaml:14: kind Deployment is not read here");
}

TEST(ManifestTest, ErrorsCarryFileAndLine) {
  auto bad_port = parseManifest(R"(apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  ports:
    - port: 80
    - port: 99999
)",
                                "web.yaml");
  ASSERT_FALSE(bad_port);
  EXPECT_EQ(bad_port.error().toString(),
            "web.yaml:7: Service: spec.ports[1].port: 99999 is outside 1..65535");

  auto syntax = parseManifest("kind: Service\nmetadata: {name: [\n", "broken.yaml");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().file, "broken.yaml");
  EXPECT_GT(syntax.error().line, 0);

  auto no_kind = parseManifest("metadata: {name: a}\n", "x.yaml");
  ASSERT_FALSE(no_kind);
  EXPECT_EQ(no_kind.error().toString(), "x.yaml:1: the document has no kind");

  auto not_a_map = parseManifest("- just\n- a list\n", "y.yaml");
  ASSERT_FALSE(not_a_map);
  EXPECT_EQ(not_a_map.error().toString(), "y.yaml:1: a manifest must be a mapping with a kind");
}

TEST(ManifestTest, ReadsJsonToo) {
  auto objects = parseManifest(
      R"({"kind": "Service", "metadata": {"name": "j"}, "spec": {"ports": [{"port": 443}]}})",
      "j.json");
  ASSERT_TRUE(objects) << objects.error().toString();
  EXPECT_EQ(objects->services.at(0).ports.at(0).port, 443);
}

}  // namespace
}  // namespace sluice::discovery
