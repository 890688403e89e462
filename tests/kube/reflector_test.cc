// The reflector against the fake API server: list in pages, watch from the list's version,
// events in order, bookmarks, re-watch after a timeout or a broken stream without relisting, and
// relist when the server says the version has expired (410).
#include <gtest/gtest.h>

#include "fake_apiserver.h"
#include "kube_test_util.h"

namespace sluice::testing {
namespace {

using discovery::KubeConfig;
using discovery::Reflector;

class ReflectorTest : public ::testing::Test {
 protected:
  void startReflector(discovery::ReflectorOptions options = fastOptions(),
                      discovery::ResourceKind kind = servicesKind()) {
    reflector_ = std::make_unique<Reflector>(KubeConfig{.server = server_.url()}, std::move(kind),
                                             sink_, options);
    reflector_->start();
  }
  void startSynced(discovery::ReflectorOptions options = fastOptions()) {
    startReflector(options);
    ASSERT_TRUE(waitFor([&] { return reflector_->synced() && server_.openWatches() == 1; }));
  }
  std::vector<RecordedRequest> watches() const {
    std::vector<RecordedRequest> out;
    for (auto& r : server_.requests()) {
      if (r.isWatch()) out.push_back(r);
    }
    return out;
  }

  FakeApiServer server_;
  RecordingSink sink_;
  std::unique_ptr<Reflector> reflector_;
};

TEST_F(ReflectorTest, ListsInPagesThenWatchesFromTheListVersion) {
  for (const char* name : {"e", "a", "d", "b", "c"})
    server_.upsert(kServices, namedObject("default", name));
  startSynced();
  const std::string version = std::to_string(server_.resourceVersion());
  EXPECT_EQ(sink_.log(), std::vector<std::string>{"replace a,b,c,d,e @" + version});

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 4U);
  EXPECT_EQ(requests[0].param("limit"), "2");
  EXPECT_EQ(requests[0].param("continue"), "");
  EXPECT_NE(requests[1].param("continue"), "");
  EXPECT_NE(requests[2].param("continue"), "");
  EXPECT_FALSE(requests[2].isWatch());
  const auto& watch = requests[3];
  EXPECT_TRUE(watch.isWatch());
  EXPECT_EQ(watch.path, kServices);
  EXPECT_EQ(watch.param("resourceVersion"), version);
  EXPECT_EQ(watch.param("allowWatchBookmarks"), "true");
  const int timeout = std::stoi(watch.param("timeoutSeconds"));
  EXPECT_GE(timeout, 60);
  EXPECT_LE(timeout, 120);

  const auto stats = reflector_->stats();
  EXPECT_EQ(stats.lists, 1U);
  EXPECT_TRUE(stats.synced);
  EXPECT_EQ(stats.resource_version, version);
  EXPECT_EQ(stats.errors, 0U);
}

TEST_F(ReflectorTest, AnEmptyCollectionSyncsWithAnEmptyReplace) {
  server_.upsert(kNodes, namedObject("", "node-1"));  // another collection moves the version
  startSynced();
  EXPECT_EQ(sink_.log(), std::vector<std::string>{"replace  @2"});
}

TEST_F(ReflectorTest, WatchEventsReachTheSinkInOrder) {
  server_.upsert(kServices, namedObject("default", "a"));
  server_.upsert(kServices, namedObject("default", "b"));
  startSynced();
  const auto v1 = server_.upsert(kServices, namedObject("default", "c"));
  const auto v2 = server_.upsert(kServices, namedObject("default", "a", {{"tier", "web"}}));
  const auto v3 = server_.remove(kServices, "default", "b");
  server_.upsert(kNodes, namedObject("", "node-1"));  // not ours: never seen
  ASSERT_TRUE(sink_.waitForLine("DELETED b @" + std::to_string(v3)));
  EXPECT_EQ(sink_.log(),
            (std::vector<std::string>{"replace a,b @3", "ADDED c @" + std::to_string(v1),
                                      "MODIFIED a @" + std::to_string(v2),
                                      "DELETED b @" + std::to_string(v3)}));
  const auto stats = reflector_->stats();
  EXPECT_EQ(stats.events, 3U);
  EXPECT_EQ(stats.resource_version, std::to_string(v3));
}

TEST_F(ReflectorTest, ABookmarkAdvancesTheVersionWithoutTellingTheSink) {
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced();
  server_.upsert(kNodes, namedObject("", "node-1"));  // the global version moves on
  const std::string latest = std::to_string(server_.upsert(kNodes, namedObject("", "node-2")));
  server_.sendBookmark();
  ASSERT_TRUE(waitFor([&] { return reflector_->stats().bookmarks == 1; }));
  EXPECT_EQ(reflector_->stats().resource_version, latest);
  EXPECT_EQ(sink_.size(), 1U);  // only the list

  // The next watch starts from the bookmark's version.
  server_.cutWatches(CutMode::kBetweenEvents);
  ASSERT_TRUE(waitFor([&] { return watches().size() == 2 && server_.openWatches() == 1; }));
  EXPECT_EQ(watches()[1].param("resourceVersion"), latest);
  EXPECT_EQ(reflector_->stats().lists, 1U);
}

TEST_F(ReflectorTest, AWatchThatTimesOutIsResumedWithoutRelisting) {
  auto options = fastOptions();
  options.watch_timeout_min = std::chrono::seconds(1);
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced(options);
  const std::string version = reflector_->stats().resource_version;
  ASSERT_TRUE(waitFor([&] { return watches().size() >= 2; }));
  const auto all = watches();
  EXPECT_EQ(all[1].param("resourceVersion"), version);
  const int timeout = std::stoi(all[0].param("timeoutSeconds"));
  EXPECT_TRUE(timeout == 1 || timeout == 2);
  EXPECT_EQ(server_.countRequests(false), 1U);
  EXPECT_GE(reflector_->stats().watch_restarts, 1U);
  EXPECT_EQ(reflector_->stats().errors, 0U);
  EXPECT_EQ(sink_.size(), 1U);
}

TEST_F(ReflectorTest, AStreamBrokenMidLineResumesFromTheLastVersionLosingAndRepeatingNothing) {
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced();
  const auto v1 = server_.upsert(kServices, namedObject("default", "b"));
  ASSERT_TRUE(sink_.waitForLine("ADDED b @" + std::to_string(v1)));

  server_.pauseWatches(true);
  const auto v2 = server_.upsert(kServices, namedObject("default", "c"));
  const auto v3 = server_.upsert(kServices, namedObject("default", "d"));
  server_.cutWatches(CutMode::kMidLine);  // half of c's line, then the connection drops
  server_.pauseWatches(false);
  ASSERT_TRUE(sink_.waitForLine("ADDED d @" + std::to_string(v3)));

  EXPECT_EQ(sink_.log(), (std::vector<std::string>{"replace a @2", "ADDED b @" + std::to_string(v1),
                                                   "ADDED c @" + std::to_string(v2),
                                                   "ADDED d @" + std::to_string(v3)}));
  const auto all = watches();
  ASSERT_GE(all.size(), 2U);
  EXPECT_EQ(all[1].param("resourceVersion"), std::to_string(v1));
  EXPECT_EQ(server_.countRequests(false), 1U);  // no relist
  const auto stats = reflector_->stats();
  EXPECT_EQ(stats.lists, 1U);
  EXPECT_EQ(stats.relists_410, 0U);
  EXPECT_GE(stats.watch_restarts, 1U);
}

TEST_F(ReflectorTest, AnExpiredWatchEventRelistsAndReplaces) {
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced();
  server_.expireNextWatch();
  server_.cutWatches(CutMode::kBetweenEvents);
  ASSERT_TRUE(waitFor([&] { return reflector_->stats().lists == 2; }));
  EXPECT_EQ(reflector_->stats().relists_410, 1U);
  EXPECT_EQ(sink_.count("replace a @2"), 2U);
  EXPECT_EQ(sink_.count("DELETED"), 0U);
}

TEST_F(ReflectorTest, AnHttp410OnTheWatchRelists) {
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced();
  server_.expireNextWatch(/*http_status=*/true);
  server_.cutWatches(CutMode::kBetweenEvents);
  ASSERT_TRUE(waitFor([&] { return reflector_->stats().lists == 2; }));
  EXPECT_EQ(reflector_->stats().relists_410, 1U);
  // A 410 is the protocol working, not an error (the cut itself may count as a very short watch).
  EXPECT_EQ(reflector_->stats().last_error.find("410"), std::string::npos);
}

TEST_F(ReflectorTest, ASliceDeletedWhileDisconnectedIsGoneAfterTheRelist) {
  const discovery::ResourceKind slices{.name = "endpointslices", .list_path = kSlices};
  server_.upsert(kSlices, namedObject("default", "web-abc"));
  server_.upsert(kSlices, namedObject("default", "web-def"));
  startReflector(fastOptions(), slices);
  ASSERT_TRUE(waitFor([&] { return reflector_->synced() && server_.openWatches() == 1; }));
  const std::string listed = reflector_->stats().resource_version;

  server_.setDown(true);
  ASSERT_TRUE(waitFor([&] { return reflector_->stats().consecutive_failures >= 2; }));
  server_.remove(kSlices, "default", "web-abc");
  server_.compact();            // the deletion is no longer in the history a watch could replay
  EXPECT_EQ(sink_.size(), 1U);  // nothing flushed during the outage
  server_.setDown(false);

  const std::string version = std::to_string(server_.resourceVersion());
  ASSERT_TRUE(sink_.waitForLine("replace web-def @" + version));
  EXPECT_EQ(sink_.log(), (std::vector<std::string>{"replace web-abc,web-def @" + listed,
                                                   "replace web-def @" + version}));
  const auto all = watches();
  ASSERT_GE(all.size(), 2U);
  EXPECT_EQ(all[1].param("resourceVersion"), listed);  // it tried to resume first
  EXPECT_EQ(reflector_->stats().relists_410, 1U);
}

TEST_F(ReflectorTest, AnExpiredContinueTokenRestartsTheList) {
  for (const char* name : {"a", "b", "c", "d", "e"})
    server_.upsert(kServices, namedObject("default", name));
  bool compacted = false;
  server_.onRequest([&](const RecordedRequest& request) {
    if (!compacted && !request.param("continue").empty()) {
      compacted = true;  // between the first and second page: a change, then compaction
      server_.upsert(kServices, namedObject("default", "f"));
      server_.compact();
    }
  });
  startSynced();
  const std::string version = std::to_string(server_.resourceVersion());
  EXPECT_EQ(sink_.log(), std::vector<std::string>{"replace a,b,c,d,e,f @" + version});
  EXPECT_EQ(reflector_->stats().relists_410, 1U);
  const auto requests = server_.requests();
  ASSERT_GE(requests.size(), 3U);
  EXPECT_EQ(requests[1].status, 410U);
  EXPECT_EQ(requests[2].param("continue"), "");  // started over
}

TEST_F(ReflectorTest, SelectorsAreSentAndHonoured) {
  server_.upsert(kServices, namedObject("default", "plain"));
  server_.upsert(kServices,
                 namedObject("default", "headless", {{"service.kubernetes.io/headless", ""}}));
  startReflector(fastOptions(),
                 discovery::ResourceKind{.name = "services",
                                         .list_path = kServices,
                                         .label_selector = "!service.kubernetes.io/headless",
                                         .field_selector = "metadata.namespace=default"});
  ASSERT_TRUE(waitFor([&] { return reflector_->synced() && server_.openWatches() == 1; }));
  EXPECT_EQ(sink_.log(), std::vector<std::string>{"replace plain @3"});
  for (const auto& request : server_.requests()) {
    EXPECT_EQ(request.param("labelSelector"), "!service.kubernetes.io/headless");
    EXPECT_EQ(request.param("fieldSelector"), "metadata.namespace=default");
  }
  // Gaining the label takes it out of the selection: the watch says DELETED.
  const auto version = server_.upsert(
      kServices, namedObject("default", "plain", {{"service.kubernetes.io/headless", ""}}));
  EXPECT_TRUE(sink_.waitForLine("DELETED plain @" + std::to_string(version)));
}

TEST_F(ReflectorTest, AMalformedEventIsCountedAndRecoveredFromByRelisting) {
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced();
  server_.sendRawLine("{\"type\":\"ADDED\",\"object\":{\"metadata\":");
  ASSERT_TRUE(waitFor([&] { return reflector_->stats().lists == 2; }));
  const auto stats = reflector_->stats();
  EXPECT_GE(stats.errors, 1U);
  EXPECT_NE(stats.last_error.find("not JSON"), std::string::npos) << stats.last_error;
  EXPECT_EQ(sink_.count("replace a"), 2U);
}

TEST_F(ReflectorTest, StopIsPromptMidWatchAndNoCallbackFollowsIt) {
  server_.upsert(kServices, namedObject("default", "a"));
  startSynced();
  const auto started = std::chrono::steady_clock::now();
  reflector_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  const std::size_t seen = sink_.size();
  server_.upsert(kServices, namedObject("default", "b"));
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 0; }));
  EXPECT_EQ(sink_.size(), seen);
}

}  // namespace
}  // namespace sluice::testing
