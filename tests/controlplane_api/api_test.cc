// The local gRPC API end to end: ApiServer on a unix socket in a fresh temporary directory, a
// FakeInspector behind it, ApiClient (and the raw generated stub, to see the gRPC status codes)
// in front. Every RPC round-trips every field; errors keep their category; the socket file is
// root-only, is not stolen from a live server, and a stale one is replaced.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "fake_inspector.h"
#include "sluice/controlplane/api_client.h"
#include "sluice/controlplane/api_server.h"
#include "sluice/rpc/grpc_status.h"
#include "sluice/rpc/unix_socket.h"
#include "sluice/v1/agent.grpc.pb.h"
#include "test_support.h"

namespace sluice::controlplane {
namespace {

using base::Errc;
using testing::FakeInspector;
using testing::TempDir;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ApiServer::start(socket_, inspector_);
    ASSERT_TRUE(server) << server.error().toString();
    server_ = std::move(*server);
    auto client = ApiClient::connect(socket_);
    ASSERT_TRUE(client) << client.error().toString();
    client_ = std::make_unique<ApiClient>(std::move(*client));
  }

  // The generated stub, for checks on the wire-level status codes.
  [[nodiscard]] std::unique_ptr<v1::Agent::Stub> rawStub() const {
    return v1::Agent::NewStub(
        grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials()));
  }

  TempDir dir_;
  std::string socket_ = dir_.file("agent.sock");
  FakeInspector inspector_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<ApiClient> client_;
};

TEST_F(ApiTest, StatusRoundTripsEveryField) {
  auto status = client_->status();
  ASSERT_TRUE(status) << status.error().toString();
  testing::expectSame(*status, testing::sampleStatus());
}

TEST_F(ApiTest, ServicesRoundTripEveryFieldWithAllFrontendsAndFlags) {
  auto services = client_->services();
  ASSERT_TRUE(services) << services.error().toString();
  testing::expectSame(*services, testing::sampleServices());
}

TEST_F(ApiTest, BackendsRoundTripEveryField) {
  auto backends = client_->backends("default/web:http/TCP");
  ASSERT_TRUE(backends) << backends.error().toString();
  testing::expectSame(*backends, testing::sampleBackends());

  auto empty = client_->backends("default/empty:8080/TCP");
  ASSERT_TRUE(empty) << empty.error().toString();
  EXPECT_TRUE(empty->empty());
}

TEST_F(ApiTest, UnknownServiceIsNotFoundWithTheInspectorsMessage) {
  auto backends = client_->backends("default/nope");
  ASSERT_FALSE(backends);
  EXPECT_EQ(backends.error().code(), Errc::kNotFound);
  EXPECT_EQ(backends.error().message(), "no service matches 'default/nope'");

  v1::ListBackendsRequest request;
  request.set_service("default/nope");
  v1::ListBackendsResponse reply;
  grpc::ClientContext context;
  const grpc::Status status = rawStub()->ListBackends(&context, request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no service matches 'default/nope'");
}

TEST_F(ApiTest, ConntrackRoundTripsEveryFieldAndPassesTheLimit) {
  auto all = client_->conntrack(0);
  ASSERT_TRUE(all) << all.error().toString();
  EXPECT_EQ(inspector_.lastLimit(), 0U);
  testing::expectSame(*all, testing::sampleConntrack());

  auto two = client_->conntrack(2);
  ASSERT_TRUE(two) << two.error().toString();
  EXPECT_EQ(inspector_.lastLimit(), 2U);
  ASSERT_EQ(two->size(), 2U);
}

TEST_F(ApiTest, ConntrackUnavailableIsUnavailable) {
  inspector_.conntrack_unavailable = true;
  auto entries = client_->conntrack(0);
  ASSERT_FALSE(entries);
  EXPECT_EQ(entries.error().code(), Errc::kUnavailable);
  EXPECT_EQ(entries.error().message(), "the fake data plane keeps no conntrack");

  v1::ListConntrackResponse reply;
  grpc::ClientContext context;
  EXPECT_EQ(rawStub()->ListConntrack(&context, v1::ListConntrackRequest(), &reply).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ApiTest, ExplainRoundTripsRequestAndViewWithConntrack) {
  const ExplainRequest request{
      .protocol = "tcp", .source = "10.0.1.7:40112", .destination = "10.96.0.10:80"};
  auto view = client_->explain(request);
  ASSERT_TRUE(view) << view.error().toString();
  testing::expectSame(*view, testing::sampleExplainWithConntrack());
  const ExplainRequest seen = inspector_.lastRequest();
  EXPECT_EQ(seen.protocol, request.protocol);
  EXPECT_EQ(seen.source, request.source);
  EXPECT_EQ(seen.destination, request.destination);
}

TEST_F(ApiTest, ExplainWithoutConntrackEntryHasNone) {
  auto view = client_->explain(
      {.protocol = "tcp", .source = "[fd00:1::7]:1234", .destination = "192.168.1.10:30080"});
  ASSERT_TRUE(view) << view.error().toString();
  EXPECT_FALSE(view->conntrack.has_value());
  testing::expectSame(*view, testing::sampleExplainRejected());
}

TEST_F(ApiTest, ExplainOfABadRequestIsInvalidArgument) {
  const ExplainRequest bad{.protocol = "icmp", .source = "1.2.3.4:1", .destination = "5.6.7.8:2"};
  auto view = client_->explain(bad);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(view.error().message(), "protocol 'icmp' is not tcp, udp or sctp");

  v1::ExplainRequest request;
  request.set_protocol("icmp");
  v1::Explanation reply;
  grpc::ClientContext context;
  EXPECT_EQ(rawStub()->Explain(&context, request, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, MetricsTextIsPassedAsIs) {
  auto text = client_->metricsText();
  ASSERT_TRUE(text) << text.error().toString();
  EXPECT_EQ(*text, testing::sampleMetrics());
}

TEST_F(ApiTest, AnExceptionInTheInspectorIsInternalAndTheServerKeepsServing) {
  inspector_.status_throws = true;
  auto status = client_->status();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Errc::kInternal);
  EXPECT_NE(status.error().message().find("inspector blew up"), std::string::npos);
  inspector_.status_throws = false;
  EXPECT_TRUE(client_->status());
}

TEST_F(ApiTest, SocketIsRootOnly) {
  struct stat st {};
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600U);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

// Root-only for real: another user is refused by the kernel (needs root to become that user).
TEST_F(ApiTest, AnotherUserCannotConnect) {
  if (::geteuid() != 0) {
    // Without root we cannot become another user; the mode bits are checked elsewhere.
    GTEST_SKIP() << "needs root to switch to another user";
  }
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // the directory is not what stops them
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    constexpr uid_t kNobody = 65534;
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(2);
    ::_exit(rpc::probeConnect(socket_) == EACCES ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 2) << "cannot become user 65534 here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "user 65534 connected, or failed other than EACCES";
}

TEST_F(ApiTest, SecondServerOnALiveSocketIsRefusedAndTheFirstKeepsServing) {
  FakeInspector other;
  auto second = ApiServer::start(socket_, other);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), Errc::kAlreadyExists);
  EXPECT_NE(second.error().message().find("already serves " + socket_), std::string::npos)
      << second.error().message();
  EXPECT_TRUE(client_->status());
  auto fresh = ApiClient::connect(socket_);
  ASSERT_TRUE(fresh) << fresh.error().toString();
  EXPECT_TRUE(fresh->status());
}

TEST_F(ApiTest, StopRemovesTheSocketAndClientsThenCannotReachTheAgent) {
  server_->stop();
  server_->stop();  // idempotent
  EXPECT_FALSE(std::filesystem::exists(socket_));
  auto client = ApiClient::connect(socket_);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code(), Errc::kUnavailable);
  EXPECT_EQ(client.error().message(),
            "cannot reach the agent at " + socket_ + ": No such file or directory");
}

// A unix socket file nobody listens on, as an agent killed with SIGKILL leaves behind.
void makeStaleSocket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
}

TEST(ApiServerSocketTest, StaleSocketFileIsReplaced) {
  TempDir dir;
  const std::string path = dir.file("agent.sock");
  makeStaleSocket(path);
  ASSERT_TRUE(std::filesystem::is_socket(path));
  ASSERT_FALSE(ApiClient::connect(path));  // nobody there

  FakeInspector inspector;
  auto server = ApiServer::start(path, inspector);
  ASSERT_TRUE(server) << server.error().toString();
  auto client = ApiClient::connect(path);
  ASSERT_TRUE(client) << client.error().toString();
  auto status = client->status();
  ASSERT_TRUE(status) << status.error().toString();
  EXPECT_EQ(status->node, "node-a");
}

TEST(ApiServerSocketTest, MissingDirectoriesAreCreated0755) {
  TempDir dir;
  const std::string path = dir.file("run/sluice/agent.sock");
  FakeInspector inspector;
  auto server = ApiServer::start(path, inspector);
  ASSERT_TRUE(server) << server.error().toString();
  for (const char* sub : {"run", "run/sluice"}) {
    struct stat st {};
    ASSERT_EQ(::stat(dir.file(sub).c_str(), &st), 0) << sub;
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0755U) << sub;
  }
  EXPECT_TRUE(ApiClient::connect(path));
}

TEST(ApiServerSocketTest, SomethingThatIsNotASocketIsNeverReplaced) {
  TempDir dir;
  const std::string path = dir.file("agent.sock");
  std::ofstream(path) << "precious";
  FakeInspector inspector;
  auto server = ApiServer::start(path, inspector);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code(), Errc::kAlreadyExists);
  EXPECT_NE(server.error().message().find("is not a socket"), std::string::npos);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST(ApiServerSocketTest, TooLongAPathIsAnInvalidArgument) {
  FakeInspector inspector;
  auto server = ApiServer::start("/tmp/" + std::string(120, 'x'), inspector);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code(), Errc::kInvalidArgument);
}

TEST(ApiClientTest, PermissionDeniedSaysSo) {
  TempDir dir;
  const std::string path = dir.file("agent.sock");
  FakeInspector inspector;
  auto server = ApiServer::start(path, inspector);
  ASSERT_TRUE(server) << server.error().toString();
  auto refused = [&] {
    auto client = ApiClient::connect(path);
    return !client && client.error().code() == Errc::kPermissionDenied &&
           client.error().message() == "cannot reach the agent at " + path + ": Permission denied";
  };
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(path.c_str(), 0), 0);
    EXPECT_TRUE(refused());
    return;
  }
  // Root may open any socket: ask as another user, the way a non-root `sluice` would.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    constexpr uid_t kNobody = 65534;
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(2);
    ::_exit(refused() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 2) << "cannot become user 65534 here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "user 65534 was not refused with the expected message";
}

TEST(ApiGrpcStatusTest, EveryErrorCategoryHasAStatusCodeThatMapsBack) {
  for (Errc code :
       {Errc::kInvalidArgument, Errc::kNotFound, Errc::kAlreadyExists, Errc::kOutOfRange,
        Errc::kPermissionDenied, Errc::kUnavailable, Errc::kTimeout, Errc::kInternal}) {
    const grpc::Status status = rpc::toGrpcStatus(base::Error(code, "what"));
    EXPECT_EQ(status.error_message(), "what");
    const base::Error back = rpc::fromGrpcStatus(status, "Call");
    EXPECT_EQ(back.code(), code) << base::errcName(code);
    EXPECT_EQ(back.message(), "what");
  }
  EXPECT_EQ(rpc::toGrpcCode(Errc::kNotFound), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(rpc::toGrpcCode(Errc::kInvalidArgument), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(rpc::toGrpcCode(Errc::kUnavailable), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(rpc::toGrpcCode(Errc::kTimeout), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(rpc::toGrpcCode(Errc::kIo), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(
      rpc::fromGrpcStatus(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""), "Explain").message(),
      "the agent does not implement Explain (is it older than this sluice?)");
}

}  // namespace
}  // namespace sluice::controlplane
