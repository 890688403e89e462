// The reconciler's promises: minimal diffs, stable ids across a restart, no deletion before the
// first complete sync, drift repaired, failures counted without losing what is programmed.
#include "sluice/controlplane/reconciler.h"

#include <gtest/gtest.h>

#include "sluice/controlplane/service_sync.h"
#include "sluice/dataplane/fake_dataplane.h"
#include "sluice/discovery/manifest.h"

namespace sluice::controlplane {
namespace {

using std::chrono::milliseconds;

constexpr const char* kTwoServices = R"(
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.244.1.2]}, {addresses: [10.244.2.2]}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: 10.96.0.20, ports: [{port: 5432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
ports: [{port: 5432}]
endpoints: [{addresses: [10.244.1.3]}]
)";

discovery::ManifestObjects parse(const std::string& yaml) {
  auto objects = discovery::parseManifest(yaml, "test.yaml");
  EXPECT_TRUE(objects) << objects.error().toString();
  return objects ? *objects : discovery::ManifestObjects{};
}

void load(discovery::ServiceModel& model, const std::string& yaml) {
  auto objects = parse(yaml);
  model.replaceServices(objects.services);
  model.replaceSlices(objects.slices);
}

NodeContext node() { return NodeContext{.node_name = "n1"}; }
ReconcilerOptions options() { return ReconcilerOptions{.maglev_size = 31}; }

discovery::ObjectName name(const char* n) {
  return discovery::ObjectName{.namespace_ = "default", .name = n};
}

TEST(ReconcilerTest, OneEndpointChangeIsOneBackendWrite) {
  dataplane::FakeDataplane fake;
  discovery::ServiceModel model;
  ServiceSync sync(fake, node(), options());
  load(model, kTwoServices);
  model.markSynced();
  (void)sync.pass(model, model.takeChanges(milliseconds(0)));
  const auto before = fake.mutations();

  auto slice = parse(kTwoServices).slices.at(0);
  slice.endpoints.pop_back();
  model.upsertSlice(slice);
  const auto changes = model.takeChanges(milliseconds(0));
  EXPECT_EQ(changes.services.size(), 1U);
  const auto pass = sync.pass(model, changes);
  EXPECT_EQ(pass.services_examined, 1U);
  EXPECT_EQ(fake.mutations() - before, 1U) << fake.dump();
  EXPECT_EQ(pass.stats.errors, 0U);

  // The same state again changes nothing.
  model.upsertSlice(slice);
  EXPECT_EQ(sync.pass(model, model.takeChanges(milliseconds(0))).stats.mutations, 0U);
}

TEST(ReconcilerTest, RestartReusesIdsRewritesNothingAndDeletesOnlyAfterSync) {
  dataplane::FakeDataplane fake;
  {
    discovery::ServiceModel model;
    ServiceSync first(fake, node(), options());
    load(model, kTwoServices);
    model.markSynced();
    (void)first.pass(model, model.takeChanges(milliseconds(0)));
  }
  const std::string programmed = fake.dump();
  const auto before = fake.mutations();

  // The new agent has heard about "web" only: "db" must stay while the source is not synced.
  discovery::ServiceModel model;
  ServiceSync second(fake, node(), options());
  ASSERT_TRUE(second.restore());
  auto objects = parse(kTwoServices);
  model.upsertService(objects.services.at(0));
  model.upsertSlice(objects.slices.at(0));
  (void)second.pass(model, model.takeChanges(milliseconds(0)));
  EXPECT_EQ(fake.dump(), programmed);
  EXPECT_EQ(fake.mutations(), before) << "an unchanged service was rewritten";

  // The first complete sync says "db" is gone: now it is deleted.
  model.replaceServices({objects.services.at(0)});
  model.replaceSlices({objects.slices.at(0)});
  model.markSynced();
  const auto pass = second.pass(model, model.takeChanges(milliseconds(0)));
  EXPECT_TRUE(pass.removed_orphans);
  EXPECT_EQ(fake.dump().find("10.96.0.20"), std::string::npos) << fake.dump();
  EXPECT_NE(fake.dump().find("10.96.0.10:80/TCP -> service 2"), std::string::npos) << fake.dump();
}

TEST(ReconcilerTest, DriftIsRepairedAndCounted) {
  dataplane::FakeDataplane fake;
  discovery::ServiceModel model;
  ServiceSync sync(fake, node(), options());
  load(model, kTwoServices);
  model.markSynced();
  (void)sync.pass(model, model.takeChanges(milliseconds(0)));
  const std::string wanted = fake.dump();

  // Someone deletes a frontend, empties a backend set, and adds a stray frontend.
  auto programmed = fake.programmed();
  ASSERT_TRUE(programmed);
  ASSERT_TRUE(fake.deleteFrontend(programmed->frontends.at(0).key));
  auto backends = programmed->services.at(1);
  backends.maglev.assign(backends.maglev.size(), -1);
  ASSERT_TRUE(fake.replaceBackends(backends));
  auto stray = programmed->frontends.at(1);
  stray.key.port = 9999;
  ASSERT_TRUE(fake.upsertFrontend(stray));

  auto repaired = sync.reconciler().repairDrift(/*remove_unowned=*/true);
  ASSERT_TRUE(repaired) << repaired.error().toString();
  EXPECT_EQ(repaired->repairs, 3U);
  EXPECT_EQ(fake.dump(), wanted);
  auto again = sync.reconciler().repairDrift(true);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->repairs, 0U);
  EXPECT_EQ(again->mutations, 0U);
}

TEST(ReconcilerTest, AFailedWriteIsCountedKeepsOthersAndIsRetried) {
  dataplane::FakeDataplane fake;
  discovery::ServiceModel model;
  ServiceSync sync(fake, node(), options());
  fake.failNextCall(base::Error(base::Errc::kUnavailable, "map full"));
  load(model, kTwoServices);
  model.markSynced();
  const auto pass = sync.pass(model, model.takeChanges(milliseconds(0)));
  EXPECT_EQ(pass.stats.errors, 1U);
  EXPECT_NE(fake.dump().find("10.96.0.20"), std::string::npos) << "the other service is there";

  auto repaired = sync.reconciler().repairDrift(true);
  ASSERT_TRUE(repaired);
  EXPECT_EQ(repaired->errors, 0U);
  dataplane::FakeDataplane clean;
  discovery::ServiceModel clean_model;
  ServiceSync clean_sync(clean, node(), options());
  load(clean_model, kTwoServices);
  clean_model.markSynced();
  (void)clean_sync.pass(clean_model, clean_model.takeChanges(milliseconds(0)));
  EXPECT_EQ(fake.dump(), clean.dump());
}

TEST(ReconcilerTest, DeletedServiceIsRemovedAndItsIdFreed) {
  dataplane::FakeDataplane fake;
  discovery::ServiceModel model;
  ServiceSync sync(fake, node(), options());
  load(model, kTwoServices);
  model.markSynced();
  (void)sync.pass(model, model.takeChanges(milliseconds(0)));
  model.deleteService(name("db"));
  (void)sync.pass(model, model.takeChanges(milliseconds(0)));
  EXPECT_EQ(fake.dump().find("10.96.0.20"), std::string::npos);
  EXPECT_EQ(sync.reconciler().views().size(), 1U);
  auto programmed = fake.programmed();
  ASSERT_TRUE(programmed);
  EXPECT_EQ(programmed->services.size(), 1U);
}

}  // namespace
}  // namespace sluice::controlplane
