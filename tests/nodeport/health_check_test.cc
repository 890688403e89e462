// Health-check node ports: the answer's format (unit), and a load balancer's view of it — an
// HTTP GET from outside to each node's port (lab, real sockets in node namespaces).
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <string>
#include <thread>

#include "sluice/lab/http_client.h"
#include "sluice/lab/lab_test.h"
#include "sluice/lab/run_in_netns.h"
#include "sluice/nodeport/health_check_server.h"

namespace sluice::nodeport {
namespace {

TEST(HealthCheckAnswer, MatchesKubeProxy) {
  const HealthCheckAnswer up =
      answerFor({.service_namespace = "shop", .service_name = "web", .local_endpoints = 2});
  EXPECT_EQ(up.status, 200U);
  EXPECT_EQ(up.body, R"({"service":{"namespace":"shop","name":"web"},"localEndpoints":2,)"
                     R"("serviceProxyHealthy":true})");
  const HealthCheckAnswer down = answerFor({.service_namespace = "shop", .service_name = "web"});
  EXPECT_EQ(down.status, 503U);
  EXPECT_NE(down.body.find(R"("localEndpoints":0)"), std::string::npos);
}

// The status line ("HTTP/1.1 200 OK") and the body of a GET sent from `netns`.
std::pair<std::string, std::string> get(const std::string& netns, const lab::SocketAddress& to) {
  auto response = lab::httpGet(netns, to);
  if (!response) return {response.error().toString(), ""};
  return {response->status_line, response->body};
}

class HealthCheckLab : public lab::LabTest {};

TEST_F(HealthCheckLab, ANodeWithLocalEndpointsSays200AndOneWithoutSays503) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  {
    HealthCheckServer n1(io);
    HealthCheckServer n2(io);
    ASSERT_TRUE(lab::runInNetns(lab().node("n1").netns, [&] {
      return n1.set(31000,
                    {.service_namespace = "shop", .service_name = "web", .local_endpoints = 1});
    }));
    ASSERT_TRUE(lab::runInNetns(lab().node("n2").netns, [&] {
      return n2.set(31000, {.service_namespace = "shop", .service_name = "web"});
    }));
    const std::string ext = lab().ext().netns;
    auto [s1, b1] = get(ext, {.address = lab().node("n1").ipv4, .port = 31000});
    EXPECT_EQ(s1, "HTTP/1.1 200 OK");
    EXPECT_NE(b1.find(R"("localEndpoints":1)"), std::string::npos) << b1;
    auto [s2, b2] = get(ext, {.address = lab().node("n2").ipv6, .port = 31000});
    EXPECT_EQ(s2, "HTTP/1.1 503 Service Unavailable");
    // The endpoint moves: n2 gains one, n1 loses its own.
    ASSERT_TRUE(
        n2.set(31000, {.service_namespace = "shop", .service_name = "web", .local_endpoints = 1}));
    ASSERT_TRUE(n1.set(31000, {.service_namespace = "shop", .service_name = "web"}));
    EXPECT_EQ(get(ext, {.address = lab().node("n2").ipv4, .port = 31000}).first, "HTTP/1.1 200 OK");
    EXPECT_EQ(get(ext, {.address = lab().node("n1").ipv4, .port = 31000}).first,
              "HTTP/1.1 503 Service Unavailable");
    // A port that is taken is an error, not a crash; a removed port stops answering.
    EXPECT_FALSE(lab::runInNetns(lab().node("n1").netns, [&] {
      HealthCheckServer other(io);
      return other.set(31000, {});
    }));
    EXPECT_FALSE(n1.set(0, {}));
    n1.remove(31000);
    EXPECT_EQ(n1.portCount(), 0U);
  }
  work.reset();
  io.stop();
  runner.join();
}

}  // namespace
}  // namespace sluice::nodeport
