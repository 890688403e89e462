// The reflector when things go wrong: the server down for a while (nothing flushed, back-off
// grows, then resets), HTTP 500 and 429 with Retry-After, 401 with a clear error, a rotated token
// file, a server that never answers, and stop() promptly in each of those states.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>

#include "fake_apiserver.h"
#include "kube_test_util.h"

namespace sluice::testing {
namespace {

using discovery::KubeConfig;
using discovery::Reflector;
using namespace std::chrono_literals;

TEST(ReflectorFailureTest, ServerDownFlushesNothingAndResumesFromTheLastVersion) {
  FakeApiServer server;
  RecordingSink sink;
  server.upsert(kServices, namedObject("default", "a"));
  server.upsert(kServices, namedObject("default", "b"));
  Reflector reflector(KubeConfig{.server = server.url()}, servicesKind(), sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.synced() && server.openWatches() == 1; }));

  server.setDown(true);
  // Several failed reconnects, with delays growing up to the cap.
  std::map<std::uint32_t, std::chrono::milliseconds> delays;
  ASSERT_TRUE(waitFor([&] {
    const auto stats = reflector.stats();
    if (stats.consecutive_failures > 0) delays[stats.consecutive_failures] = stats.last_backoff;
    return stats.consecutive_failures >= 6;
  }));
  for (const auto& [failures, delay] : delays) {
    const auto floor = std::min(40ms * (1 << (failures - 1)), 320ms);
    EXPECT_GE(delay, floor) << "after " << failures << " failures";
    EXPECT_LE(delay, 320ms) << "after " << failures << " failures";
  }
  EXPECT_EQ(reflector.stats().last_backoff, 320ms);  // capped
  EXPECT_TRUE(reflector.synced());
  EXPECT_EQ(sink.log(), std::vector<std::string>{"replace a,b @3"});  // nothing flushed
  EXPECT_NE(reflector.stats().last_error.find("refused"), std::string::npos)
      << reflector.stats().last_error;

  server.setDown(false);
  const auto version = server.upsert(kServices, namedObject("default", "c"));
  ASSERT_TRUE(sink.waitForLine("ADDED c @" + std::to_string(version)));
  EXPECT_EQ(sink.log(),
            (std::vector<std::string>{"replace a,b @3", "ADDED c @" + std::to_string(version)}));
  const auto stats = reflector.stats();
  EXPECT_EQ(stats.lists, 1U);  // resumed, not relisted
  EXPECT_EQ(stats.relists_410, 0U);
  EXPECT_EQ(stats.consecutive_failures, 0U);  // the back-off starts over

  // A new failure starts from the initial delay again.
  server.setDown(true);
  ASSERT_TRUE(waitFor([&] { return reflector.stats().consecutive_failures >= 1; }));
  EXPECT_LT(reflector.stats().last_backoff, 80ms);
}

TEST(ReflectorFailureTest, ServerErrorsAreRetriedAndRetryAfterIsHonoured) {
  FakeApiServer server;
  RecordingSink sink;
  server.upsert(kServices, namedObject("default", "a"));
  server.failRequests(429, 1, std::chrono::seconds(1));
  Reflector reflector(KubeConfig{.server = server.url()}, servicesKind(), sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.synced(); }));
  const auto requests = server.requests();
  ASSERT_GE(requests.size(), 2U);
  EXPECT_EQ(requests[0].status, 429U);
  EXPECT_GE(requests[1].at - requests[0].at, 1s);  // not the 40 ms back-off
  EXPECT_NE(reflector.stats().last_error.find("HTTP 429"), std::string::npos);

  // 500s on the watch: retried with back-off from the same version, no relist.
  server.failRequests(500, 3);
  server.cutWatches(CutMode::kBetweenEvents);
  ASSERT_TRUE(waitFor([&] { return server.openWatches() == 1 && reflector.stats().errors >= 4; }));
  EXPECT_EQ(server.countRequests(false), 2U);  // the 429'd list and the list
  EXPECT_EQ(reflector.stats().lists, 1U);
  EXPECT_NE(reflector.stats().last_error.find("HTTP 500"), std::string::npos)
      << reflector.stats().last_error;
}

TEST(ReflectorFailureTest, UnauthorizedIsReportedClearlyAndARotatedTokenFileIsReRead) {
  FakeApiServer server;
  RecordingSink sink;
  server.upsert(kServices, namedObject("default", "a"));
  server.requireBearerToken("first-token");
  const auto dir =
      std::filesystem::temp_directory_path() / ("sluice-kube-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto token_file = dir / "token";
  std::ofstream(token_file) << "wrong-token\n";

  Reflector reflector(KubeConfig{.server = server.url(), .token_file = token_file.string()},
                      servicesKind(), sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().errors >= 2; }));
  const auto failed = reflector.stats();
  EXPECT_FALSE(failed.synced);
  EXPECT_NE(failed.last_error.find("HTTP 401 Unauthorized"), std::string::npos)
      << failed.last_error;
  EXPECT_NE(failed.last_error.find("token"), std::string::npos) << failed.last_error;
  EXPECT_EQ(sink.size(), 0U);

  std::ofstream(token_file) << "first-token\n";  // the kubelet rotates the projected token
  ASSERT_TRUE(waitFor([&] { return reflector.synced() && server.openWatches() == 1; }));
  EXPECT_EQ(server.requests().back().authorization, "Bearer first-token");

  std::ofstream(token_file) << "second-token\n";
  server.requireBearerToken("second-token");
  server.cutWatches(CutMode::kBetweenEvents);
  ASSERT_TRUE(waitFor([&] {
    const auto requests = server.requests();
    return server.openWatches() == 1 && requests.back().authorization == "Bearer second-token";
  }));
  EXPECT_EQ(reflector.stats().lists, 1U);
  reflector.stop();
  std::filesystem::remove_all(dir);
}

TEST(ReflectorFailureTest, StopIsPromptDuringBackOff) {
  FakeApiServer server;
  server.setDown(true);
  RecordingSink sink;
  auto options = fastOptions();
  options.backoff_initial = 30s;
  options.backoff_max = 60s;
  Reflector reflector(KubeConfig{.server = server.url()}, servicesKind(), sink, options);
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().consecutive_failures == 1; }));
  const auto started = std::chrono::steady_clock::now();
  reflector.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
}

TEST(ReflectorFailureTest, AServerThatNeverAnswersTimesOutAndStopIsPrompt) {
  // Listening but never accepting: the TCP handshake completes from the backlog, the request is
  // written, and no byte ever comes back.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  RecordingSink sink;
  auto options = fastOptions();
  options.request_timeout = 300ms;
  Reflector reflector(KubeConfig{.server = url}, servicesKind(), sink, options);
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().errors >= 1; }));
  EXPECT_NE(reflector.stats().last_error.find("timed out"), std::string::npos)
      << reflector.stats().last_error;

  // Now stop while a request is outstanding (request timeout far away).
  Reflector patient(KubeConfig{.server = url}, servicesKind(), sink, fastOptions());
  patient.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().errors >= 2; }));  // let it get going
  const auto started = std::chrono::steady_clock::now();
  patient.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  EXPECT_EQ(patient.stats().errors, 0U);
  EXPECT_EQ(sink.size(), 0U);
}

TEST(ReflectorFailureTest, AnUnknownResourceSaysSo) {
  FakeApiServer server;
  RecordingSink sink;
  Reflector reflector(KubeConfig{.server = server.url()},
                      discovery::ResourceKind{.name = "widgets", .list_path = "/api/v1/widgets"},
                      sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().errors >= 1; }));
  EXPECT_NE(reflector.stats().last_error.find("HTTP 404"), std::string::npos);
  EXPECT_NE(reflector.stats().last_error.find("/api/v1/widgets"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
