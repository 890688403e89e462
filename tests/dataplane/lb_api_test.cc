// The load-balancer API (sluice.lb.v1.LoadBalancer) end to end over its unix socket: a real gRPC
// client against LbApiServer with the fake data plane behind it. What an operator scripting a
// dedicated load balancer relies on: VIPs and weighted backends land in the data plane, bad
// requests are refused with the field named and change nothing, counters come back by name.
#include "sluice/dataplane/lb_api.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "sluice/dataplane/fake_dataplane.h"
#include "sluice/dataplane/lb_metrics.h"
#include "sluice/lb/v1/lb.grpc.pb.h"

namespace sluice::dataplane {
namespace {

namespace v1 = lb::v1;

class LbApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::temp_directory_path() / "sluice-lb-api-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    socket_ = dir_ + "/lb.sock";
    auto server = LbApiServer::start(socket_, fake_, mutex_, {.maglev_size = 1021});
    ASSERT_TRUE(server) << server.error().toString();
    server_ = std::move(*server);
    stub_ = v1::LoadBalancer::NewStub(
        grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  static v1::Vip vip(const std::string& address, std::uint32_t port, const std::string& protocol,
                     std::uint32_t service) {
    v1::Vip out;
    out.mutable_key()->set_address(address);
    out.mutable_key()->set_port(port);
    out.mutable_key()->set_protocol(protocol);
    out.set_service_id(service);
    return out;
  }
  static void addBackend(v1::SetBackendsRequest& request, const std::string& address,
                         std::uint32_t port, std::uint32_t weight) {
    v1::Backend& b = *request.add_backends();
    b.set_address(address);
    b.set_port(port);
    b.set_weight(weight);
  }

  grpc::Status upsert(const v1::Vip& request) {
    grpc::ClientContext context;
    v1::UpsertVipReply reply;
    return stub_->UpsertVip(&context, request, &reply);
  }
  grpc::Status setBackends(const v1::SetBackendsRequest& request, v1::SetBackendsReply* reply) {
    grpc::ClientContext context;
    return stub_->SetBackends(&context, request, reply);
  }
  v1::VipList vips() {
    grpc::ClientContext context;
    v1::VipList reply;
    EXPECT_TRUE(stub_->ListVips(&context, v1::ListVipsRequest(), &reply).ok());
    return reply;
  }

  std::string dir_;
  std::string socket_;
  FakeDataplane fake_;
  std::mutex mutex_;
  std::unique_ptr<LbApiServer> server_;
  std::unique_ptr<v1::LoadBalancer::Stub> stub_;
};

TEST_F(LbApiTest, TheSocketIsRootOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600U);
}

TEST_F(LbApiTest, VipsAndWeightedBackendsReachTheDataplane) {
  v1::Vip web = vip("192.168.60.10", 80, "tcp", 7);
  web.set_dsr(true);
  web.add_source_ranges("10.0.0.0/8");
  ASSERT_TRUE(upsert(web).ok());
  ASSERT_TRUE(upsert(vip("2001:db8::10", 53, "UDP", 8)).ok());

  v1::SetBackendsRequest request;
  request.set_service_id(7);
  addBackend(request, "10.244.1.2", 8080, 2);
  addBackend(request, "10.244.2.2", 8080, 1);
  v1::SetBackendsReply reply;
  const grpc::Status status = setBackends(request, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.maglev_size(), 1021U);
  ASSERT_EQ(reply.backends_size(), 2);
  // Weight 2 holds about twice the slots of weight 1; together they fill the table.
  const auto heavy = reply.backends(0).maglev_entries();
  const auto light = reply.backends(1).maglev_entries();
  EXPECT_EQ(heavy + light, 1021U);
  EXPECT_NEAR(static_cast<double>(heavy) / light, 2.0, 0.02);

  // The data plane holds exactly that.
  auto state = fake_.programmed();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->frontends.size(), 2U);
  ASSERT_EQ(state->services.size(), 1U);
  EXPECT_EQ(state->services[0].service, 7U);
  EXPECT_EQ(state->services[0].maglev.size(), 1021U);
  const Frontend& programmed = state->frontends[0];  // sorted: the IPv4 one first
  EXPECT_EQ(programmed.key.address.to_string(), "192.168.60.10");
  EXPECT_EQ(programmed.kind, FrontendKind::kLoadBalancer);
  EXPECT_TRUE(programmed.dsr);
  ASSERT_EQ(programmed.source_ranges.size(), 1U);

  // And reads back through the API.
  const v1::VipList list = vips();
  ASSERT_EQ(list.vips_size(), 2);
  EXPECT_EQ(list.vips(0).key().protocol(), "TCP");
  EXPECT_EQ(list.vips(0).kind(), "LoadBalancer");
  EXPECT_EQ(list.vips(1).key().address(), "2001:db8::10");
  grpc::ClientContext context;
  v1::ListBackendsRequest which;
  which.set_service_id(7);
  v1::BackendList backends;
  ASSERT_TRUE(stub_->ListBackends(&context, which, &backends).ok());
  ASSERT_EQ(backends.backends_size(), 2);
  EXPECT_EQ(backends.backends(0).maglev_entries(), heavy);
  EXPECT_EQ(backends.backends(0).state(), "ready");
}

TEST_F(LbApiTest, BadRequestsAreRefusedByFieldAndChangeNothing) {
  ASSERT_TRUE(upsert(vip("192.168.60.10", 80, "TCP", 7)).ok());
  const struct {
    v1::Vip request;
    std::string says;
  } bad[] = {
      {vip("192.168.60.300", 80, "TCP", 7), "not an IP address"},
      {vip("192.168.60.11", 0, "TCP", 7), "port 0 is not in 1..65535"},
      {vip("192.168.60.11", 70000, "TCP", 7), "port 70000"},
      {vip("192.168.60.11", 80, "ICMP", 7), "not TCP or UDP"},
      {vip("192.168.60.11", 80, "TCP", 0), "service_id must be > 0"},
  };
  for (const auto& [request, says] : bad) {
    const grpc::Status status = upsert(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << says;
    EXPECT_NE(status.error_message().find(says), std::string::npos) << status.error_message();
  }
  v1::Vip odd_kind = vip("192.168.60.11", 80, "TCP", 7);
  odd_kind.set_kind("Ingress");
  EXPECT_EQ(upsert(odd_kind).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::Vip odd_range = vip("192.168.60.11", 80, "TCP", 7);
  odd_range.add_source_ranges("10.0.0.0/33");
  EXPECT_EQ(upsert(odd_range).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::SetBackendsRequest twice;
  twice.set_service_id(7);
  addBackend(twice, "10.244.1.2", 8080, 1);
  addBackend(twice, "10.244.1.2", 8080, 1);
  v1::SetBackendsReply reply;
  grpc::Status status = setBackends(twice, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("listed twice"), std::string::npos);
  v1::SetBackendsRequest bad_state;
  bad_state.set_service_id(7);
  addBackend(bad_state, "10.244.1.2", 8080, 1);
  bad_state.mutable_backends(0)->set_state("sleepy");
  EXPECT_EQ(setBackends(bad_state, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A caller's own Maglev table must have this LB's size, and name only listed backends.
  v1::SetBackendsRequest small_table;
  small_table.set_service_id(7);
  addBackend(small_table, "10.244.1.2", 8080, 1);
  for (int i = 0; i < 13; ++i) small_table.add_maglev(0);
  status = setBackends(small_table, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("1021"), std::string::npos) << status.error_message();
  v1::SetBackendsRequest bad_index;
  bad_index.set_service_id(7);
  addBackend(bad_index, "10.244.1.2", 8080, 1);
  for (int i = 0; i < 1021; ++i) bad_index.add_maglev(i == 5 ? 3 : 0);
  EXPECT_EQ(setBackends(bad_index, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Only the first VIP is there, and no backend set was written.
  EXPECT_EQ(vips().vips_size(), 1);
  auto state = fake_.programmed();
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->services.empty());

  grpc::ClientContext context;
  v1::VipKey missing;
  missing.set_address("192.168.60.99");
  missing.set_port(80);
  missing.set_protocol("TCP");
  v1::DeleteVipReply deleted;
  EXPECT_EQ(stub_->DeleteVip(&context, missing, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(LbApiTest, CountersComeBackByServiceAndDropReason) {
  Counters counters;
  counters.services[7] = ServiceCounters{.packets = 10, .bytes = 1500, .new_connections = 2};
  counters.drops[SLUICE_DROP_NO_BACKEND] = 3;
  counters.conntrack_entries = 2;
  fake_.setCounters(counters);

  grpc::ClientContext context;
  v1::Counters reply;
  ASSERT_TRUE(stub_->GetCounters(&context, v1::GetCountersRequest(), &reply).ok());
  ASSERT_EQ(reply.services_size(), 1);
  EXPECT_EQ(reply.services(0).service_id(), 7U);
  EXPECT_EQ(reply.services(0).bytes(), 1500U);
  ASSERT_EQ(reply.drops_size(), 1);
  EXPECT_EQ(reply.drops(0).reason(), "no_backend");
  EXPECT_EQ(reply.drops(0).packets(), 3U);
  EXPECT_EQ(reply.connections(), 2U);

  grpc::ClientContext status_context;
  v1::Status status;
  ASSERT_TRUE(stub_->GetStatus(&status_context, v1::GetStatusRequest(), &status).ok());
  EXPECT_EQ(status.dataplane(), "fake");
}

TEST_F(LbApiTest, ASecondServerOnTheSameSocketIsRefused) {
  std::mutex other_mutex;
  FakeDataplane other;
  auto second = LbApiServer::start(socket_, other, other_mutex, {});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), base::Errc::kAlreadyExists);
}

// The CLI an operator types, against the same server: what it prints and what it programs.
TEST_F(LbApiTest, TheCliProgramsAndShowsVipsAndWeightedBackends) {
  const auto run = [&](const std::string& args) {
    const std::string command = std::string(SLUICE_LBCTL) + " --socket " + socket_ + " " + args;
    std::string output;
    std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return std::pair{-1, output};
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    const int status = ::pclose(pipe);
    return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
  };
  auto [rc, out] = run("vip add [2001:db8::10]:443/tcp --service 3 --dsr");
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = run("backends set 3 [2001:db8::2]:8443 [2001:db8::3]:8443*3");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[2001:db8::3]:8443"), std::string::npos) << out;

  auto state = fake_.programmed();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->frontends.size(), 1U);
  EXPECT_EQ(state->frontends[0].key.port, 443);
  EXPECT_TRUE(state->frontends[0].dsr);
  ASSERT_EQ(state->services.size(), 1U);
  EXPECT_EQ(state->services[0].backends[1].weight, 3U);

  std::tie(rc, out) = run("-o json vip list");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"address\": \"2001:db8::10\""), std::string::npos) << out;
  // A typo is a usage error (2) and reaches nobody; a refused request says why (1).
  std::tie(rc, out) = run("vip add 2001:db8::10:443 --service 3");
  EXPECT_EQ(rc, 2) << out;
  std::tie(rc, out) = run("backends set 3 10.0.0.1:0");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("port 0"), std::string::npos) << out;
  EXPECT_EQ(fake_.programmed()->services[0].backends.size(), 2U);  // unchanged
}

// GET /metrics over plain HTTP, as a scraper does.
std::string scrape(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      std::array<char, 4096> buffer{};
      ssize_t n = 0;
      while ((n = ::recv(fd, buffer.data(), buffer.size(), 0)) > 0) {
        response.append(buffer.data(), static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  return response;
}

TEST(LbMetricsTest, AScrapeReadsTheDataplanesCountersByName) {
  FakeDataplane fake;
  std::mutex mutex;
  Counters counters;
  counters.services[7] = ServiceCounters{.packets = 10, .bytes = 1500, .new_connections = 2};
  counters.drops[SLUICE_DROP_MALFORMED_L3] = 4;
  counters.conntrack_entries = 5;
  fake.setCounters(counters);
  auto metrics = LbMetrics::start("127.0.0.1:0", fake, mutex, [] {
    prometheus::MetricFamily lcore{
        "sluice_lb_lcore_rx_packets_total", "per lcore", prometheus::MetricType::Counter, {}};
    prometheus::ClientMetric sample;
    sample.label = {{"lcore", "1"}};
    sample.counter.value = 42;
    lcore.metric.push_back(sample);
    return std::vector<prometheus::MetricFamily>{lcore};
  });
  ASSERT_TRUE(metrics) << metrics.error().toString();
  ASSERT_NE((*metrics)->port(), 0);
  const std::string body = scrape((*metrics)->port());
  EXPECT_NE(body.find("sluice_service_packets_total{service_id=\"7\"} 10"), std::string::npos)
      << body;
  EXPECT_NE(body.find("sluice_service_bytes_total{service_id=\"7\"} 1500"), std::string::npos);
  EXPECT_NE(body.find("sluice_drops_total{reason=\"malformed_l3\"} 4"), std::string::npos);
  EXPECT_NE(body.find("sluice_conntrack_entries 5"), std::string::npos);
  EXPECT_NE(body.find("sluice_lb_lcore_rx_packets_total{lcore=\"1\"} 42"), std::string::npos);

  // The next scrape sees what changed meanwhile (read at scrape time, not cached).
  counters.services[7].packets = 11;
  fake.setCounters(counters);
  EXPECT_NE((*metrics)->text().find("sluice_service_packets_total{service_id=\"7\"} 11"),
            std::string::npos);
}

TEST(LbMetricsTest, AnAddressItCannotListenOnIsAClearError) {
  FakeDataplane fake;
  std::mutex mutex;
  auto metrics = LbMetrics::start("256.1.1.1:9101", fake, mutex);
  ASSERT_FALSE(metrics);
  EXPECT_EQ(metrics.error().code(), base::Errc::kUnavailable);
  EXPECT_NE(metrics.error().message().find("256.1.1.1:9101"), std::string::npos);
}

}  // namespace
}  // namespace sluice::dataplane
