// The in-process clients against real servers in the lab: persistent connections, fixed source
// ports, and telling resets, refusals, unreachables and timeouts apart.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <set>
#include <vector>

#include "sluice/lab/lab_test.h"
#include "sluice/lab/run_in_netns.h"
#include "sluice/lab/sockaddr.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::lab {
namespace {

using std::chrono::milliseconds;

class LabClients : public LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(lab().startEcho(lab().pod("p2a")).has_value());
  }
  [[nodiscard]] ProbeOptions fromExt(milliseconds timeout = milliseconds(2000)) {
    return {.netns = lab().ext().netns, .timeout = timeout};
  }
};

TEST_F(LabClients, ManyPersistentConnectionsKeepWorking) {
  const PodInfo& pod = lab().pod("p2a");
  std::vector<TcpConnection> connections;
  std::set<std::string> sources;
  for (int i = 0; i < 60; ++i) {
    const IpFamily family = i % 2 == 0 ? IpFamily::kIpv4 : IpFamily::kIpv6;
    auto connection = TcpConnection::connect({pod.address(family), 8080}, fromExt());
    ASSERT_TRUE(connection.has_value()) << connection.error().toString();
    sources.insert(connection->local().toString());
    connections.push_back(std::move(*connection));
  }
  EXPECT_EQ(sources.size(), connections.size());
  for (int round = 0; round < 5; ++round) {
    for (TcpConnection& connection : connections) {
      const std::string text = "round " + std::to_string(round);
      auto reply = connection.echo(text, milliseconds(2000));
      ASSERT_TRUE(reply.has_value()) << reply.error().toString();
      EXPECT_EQ(reply->name, "p2a");
      EXPECT_EQ(reply->peer, connection.local()) << "the server saw the connection's own source";
      EXPECT_EQ(reply->echo, text);
    }
  }
}

TEST_F(LabClients, FixedSourcePortsAreKept) {
  const PodInfo& pod = lab().pod("p2a");
  for (int attempt = 0; attempt < 2; ++attempt) {  // twice: the port is free again at once
    ProbeOptions options = fromExt();
    options.source_port = 40000;
    options.reset_on_close = true;
    auto tcp = tcpEcho({pod.ipv4, 8080}, options);
    ASSERT_TRUE(tcp.has_value()) << tcp.error().toString();
    EXPECT_EQ(tcp->peer, (SocketAddress{lab().ext().ipv4, 40000}));

    options.source_port = 40001;
    auto udp = udpEcho({pod.ipv6, 8080}, options);
    ASSERT_TRUE(udp.has_value()) << udp.error().toString();
    EXPECT_EQ(udp->peer, (SocketAddress{lab().ext().ipv6, 40001}));
  }
}

TEST_F(LabClients, NoListenerIsRefused) {
  const PodInfo& pod = lab().pod("p2a");
  auto tcp = tcpEcho({pod.ipv4, 9}, fromExt());
  ASSERT_FALSE(tcp.has_value());
  EXPECT_EQ(classifyFailure(tcp.error()), FailureKind::kRefused) << tcp.error().toString();
  auto udp = udpEcho({pod.ipv6, 9}, fromExt());
  ASSERT_FALSE(udp.has_value());
  EXPECT_EQ(classifyFailure(udp.error()), FailureKind::kRefused) << udp.error().toString();
}

TEST_F(LabClients, SilentDropsTimeOutAndRejectsAreUnreachable) {
  const NodeInfo& n1 = lab().node("n1");
  ASSERT_TRUE(lab().ip(n1.netns, "route add blackhole 10.244.1.250/32"));
  ASSERT_TRUE(lab().ip(n1.netns, "route add unreachable 10.244.1.251/32"));
  const base::IpAddress dropped = *base::parseIpAddress("10.244.1.250");
  const base::IpAddress rejected = *base::parseIpAddress("10.244.1.251");

  const auto start = Clock::now();
  auto tcp = tcpEcho({dropped, 8080}, fromExt(milliseconds(300)));
  ASSERT_FALSE(tcp.has_value());
  EXPECT_EQ(classifyFailure(tcp.error()), FailureKind::kTimeout) << tcp.error().toString();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  auto udp = udpEcho({dropped, 8080}, fromExt(milliseconds(300)));
  ASSERT_FALSE(udp.has_value());
  EXPECT_EQ(classifyFailure(udp.error()), FailureKind::kTimeout) << udp.error().toString();

  auto unreachable = tcpEcho({rejected, 8080}, fromExt());
  ASSERT_FALSE(unreachable.has_value());
  EXPECT_EQ(classifyFailure(unreachable.error()), FailureKind::kUnreachable)
      << unreachable.error().toString();
}

// A server in p1b made in-process, so the test decides how each connection ends.
TEST_F(LabClients, ResetIsToldApartFromClose) {
  const PodInfo& pod = lab().pod("p1b");
  auto listener = runInNetns(pod.netns, [&]() -> base::Result<UniqueFd> {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = toSockaddr({pod.ipv4, 7000}, AF_INET);
    if (!fd.valid() || !address || ::bind(fd.get(), address->get(), address->length) != 0 ||
        ::listen(fd.get(), 8) != 0) {
      return base::failErrno("listen", errno);
    }
    return fd;
  });
  ASSERT_TRUE(listener.has_value()) << listener.error().toString();

  for (const bool reset : {true, false}) {
    auto client = TcpConnection::connect({pod.ipv4, 7000}, fromExt());
    ASSERT_TRUE(client.has_value()) << client.error().toString();
    UniqueFd accepted(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(accepted.valid());
    if (reset) {
      const linger abort_on_close{.l_onoff = 1, .l_linger = 0};
      ASSERT_EQ(::setsockopt(accepted.get(), SOL_SOCKET, SO_LINGER, &abort_on_close,
                             sizeof(abort_on_close)),
                0);
    }
    accepted.reset();
    auto line = client->readLine(deadlineAfter(milliseconds(2000)));
    ASSERT_FALSE(line.has_value());
    EXPECT_EQ(classifyFailure(line.error()), reset ? FailureKind::kReset : FailureKind::kClosed)
        << line.error().toString();
  }
}

TEST_F(LabClients, SocketsKeepTheNamespaceTheyWereMadeIn) {
  // The pod's address can be bound only inside the pod.
  const PodInfo& pod = lab().pod("p1a");
  const auto bindPodAddress = [&](const std::string& netns) {
    auto fd = openSocket(netns, AF_INET, SOCK_DGRAM);
    EXPECT_TRUE(fd.has_value());
    auto address = toSockaddr({pod.ipv4, 0}, AF_INET);
    return fd && address && ::bind(fd->get(), address->get(), address->length) == 0;
  };
  EXPECT_TRUE(bindPodAddress(pod.netns));
  EXPECT_FALSE(bindPodAddress(lab().ext().netns));
}

}  // namespace
}  // namespace sluice::lab
