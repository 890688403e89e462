// The model reports exactly the services an object change can affect.
#include "sluice/discovery/service_model.h"

#include <gtest/gtest.h>

namespace sluice::discovery {
namespace {

using std::chrono::milliseconds;

Service service(const char* name) {
  Service s;
  s.meta.name = {.namespace_ = "default", .name = name};
  return s;
}

EndpointSlice slice(const char* name, const char* owner) {
  EndpointSlice s;
  s.meta.name = {.namespace_ = "default", .name = name};
  s.service_name = owner;
  s.address_type = "IPv4";
  return s;
}

ObjectName named(const char* name) { return {.namespace_ = "default", .name = name}; }

TEST(ServiceModelTest, ASliceChangeMarksItsServiceOnly) {
  ServiceModel model;
  model.replaceServices({service("a"), service("b")});
  model.replaceSlices({slice("a-1", "a"), slice("b-1", "b")});
  (void)model.takeChanges(milliseconds(0));

  auto changed = slice("a-1", "a");
  changed.endpoints.push_back(Endpoint{.addresses = {"10.0.0.1"}});
  model.upsertSlice(changed);
  auto changes = model.takeChanges(milliseconds(0));
  EXPECT_EQ(changes.services, (std::set<ObjectName>{named("a")}));
  ASSERT_TRUE(model.snapshot(named("a")));
  EXPECT_EQ(model.snapshot(named("a"))->slices.size(), 1U);

  model.upsertSlice(changed);  // no change
  EXPECT_TRUE(model.takeChanges(milliseconds(0)).services.empty());

  model.deleteSlice(named("b-1"));
  EXPECT_EQ(model.takeChanges(milliseconds(0)).services, (std::set<ObjectName>{named("b")}));
  EXPECT_TRUE(model.snapshot(named("b"))->slices.empty());
}

TEST(ServiceModelTest, ReplaceReportsDeletionsAndSyncIsReported) {
  ServiceModel model;
  model.replaceServices({service("a"), service("b")});
  (void)model.takeChanges(milliseconds(0));
  model.replaceServices({service("a")});
  EXPECT_EQ(model.takeChanges(milliseconds(0)).services, (std::set<ObjectName>{named("b")}));
  EXPECT_FALSE(model.synced());
  model.markSynced();
  EXPECT_TRUE(model.synced());
  EXPECT_TRUE(model.takeChanges(milliseconds(0)).all);
}

}  // namespace
}  // namespace sluice::discovery
