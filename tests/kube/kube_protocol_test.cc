// The client's protocol pieces on their own: watch-line decoding, Status bodies, server URLs,
// query encoding and the back-off schedule.
#include <gtest/gtest.h>

#include "kube_backoff.h"
#include "kube_url.h"
#include "kube_watch.h"

namespace sluice::discovery::detail {
namespace {

using namespace std::chrono_literals;

TEST(WatchLineTest, DecodesEventsBookmarksAndErrors) {
  auto added = decodeWatchLine(
      R"({"type":"ADDED","object":{"kind":"Service","metadata":{"name":"a","resourceVersion":"7"}}})");
  ASSERT_TRUE(added) << added.error().toString();
  EXPECT_EQ(added->kind, WatchLine::Kind::kEvent);
  EXPECT_EQ(added->type, WatchEventType::kAdded);
  EXPECT_EQ(added->resource_version, "7");
  EXPECT_EQ(added->object.at("kind").as_string(), "Service");

  auto deleted = decodeWatchLine(R"({"type":"DELETED","object":{"metadata":{}}})");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->type, WatchEventType::kDeleted);
  EXPECT_EQ(deleted->resource_version, "");

  auto bookmark = decodeWatchLine(
      R"({"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  ASSERT_TRUE(bookmark);
  EXPECT_EQ(bookmark->kind, WatchLine::Kind::kBookmark);
  EXPECT_EQ(bookmark->resource_version, "12");

  auto expired = decodeWatchLine(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}})j");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->kind, WatchLine::Kind::kError);
  EXPECT_EQ(expired->code, 410);
  EXPECT_EQ(expired->reason, "Expired");
  EXPECT_EQ(expired->message, "too old resource version: 5 (9)");

  auto blank = decodeWatchLine("  \r");
  ASSERT_TRUE(blank);
  EXPECT_EQ(blank->kind, WatchLine::Kind::kBlank);
}

TEST(WatchLineTest, RefusesWhatIsNotAnEvent) {
  for (const char* line :
       {R"({"type":"ADDED","object":{"metadata":)", R"([1,2])", R"({"type":"ADDED"})",
        R"({"type":"ADDED","object":"x"})", R"({"type":"SNAPSHOT","object":{}})",
        R"({"type":"BOOKMARK","object":{"metadata":{}}})"}) {
    EXPECT_FALSE(decodeWatchLine(line)) << line;
  }
}

TEST(StatusBodyTest, SaysReasonAndMessage) {
  EXPECT_EQ(describeStatusBody(
                R"({"kind":"Status","reason":"Forbidden","message":"services is forbidden"})"),
            "Forbidden: services is forbidden");
  EXPECT_EQ(describeStatusBody("upstream connect error"), "upstream connect error");
}

TEST(ServerUrlTest, SplitsSchemeHostPortAndPrefix) {
  auto plain = parseServerUrl("https://10.96.0.1");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->tls);
  EXPECT_EQ(plain->host, "10.96.0.1");
  EXPECT_EQ(plain->port, "443");
  EXPECT_EQ(plain->hostHeader(), "10.96.0.1");
  EXPECT_TRUE(plain->hostIsIp());

  auto v6 = parseServerUrl("https://[fd00::1]:6443/k8s/clusters/c-1/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "fd00::1");
  EXPECT_EQ(v6->port, "6443");
  EXPECT_EQ(v6->path_prefix, "/k8s/clusters/c-1");
  EXPECT_EQ(v6->hostHeader(), "[fd00::1]:6443");

  auto http = parseServerUrl("http://api.example:8080");
  ASSERT_TRUE(http);
  EXPECT_FALSE(http->tls);
  EXPECT_FALSE(http->hostIsIp());
  EXPECT_EQ(http->hostHeader(), "api.example:8080");

  for (const char* bad : {"api.example:6443", "ftp://x", "https://", "https://h:0",
                          "https://h:99999", "https://[::1", "https://user@h"}) {
    EXPECT_FALSE(parseServerUrl(bad)) << bad;
  }
}

TEST(QueryTest, SortsAndEscapesLikeGo) {
  EXPECT_EQ(encodeQuery({{"watch", "1"},
                         {"labelSelector", "!service.kubernetes.io/headless"},
                         {"allowWatchBookmarks", "true"}}),
            "?allowWatchBookmarks=true&labelSelector=%21service.kubernetes.io%2Fheadless&watch=1");
  EXPECT_EQ(encodeQuery({}), "");
}

TEST(BackoffTest, DoublesToTheCapWithBoundedJitterAndResets) {
  Backoff backoff(100ms, 1000ms, 0.5, 7);
  const std::chrono::milliseconds floors[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (const auto floor : floors) {
    const auto delay = backoff.next();
    EXPECT_GE(delay, floor);
    EXPECT_LE(delay, std::min(floor * 3 / 2, 1000ms));
  }
  EXPECT_EQ(backoff.failures(), 6U);
  backoff.reset();
  EXPECT_LE(backoff.next(), 150ms);
}

TEST(BackoffTest, IsDeterministicForASeed) {
  Backoff a(100ms, 10s, 1.0, 99);
  Backoff b(100ms, 10s, 1.0, 99);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.next(), b.next());
}

}  // namespace
}  // namespace sluice::discovery::detail
