// The reflector over TLS: the server certificate is checked against the configured CA and
// against the host (or the configured server name); a wrong CA or a wrong name is refused with
// an error that says so, and nothing reaches the sink.
#include <gtest/gtest.h>

#include "fake_apiserver.h"
#include "kube_test_util.h"

namespace sluice::testing {
namespace {

using discovery::KubeConfig;
using discovery::Reflector;

TEST(ReflectorTlsTest, SyncsWhenTheCaVouchesForTheServer) {
  FakeApiServer server(FakeApiServerOptions{.tls = true});
  server.upsert(kServices, namedObject("default", "a"));
  ASSERT_TRUE(server.url().starts_with("https://127.0.0.1:"));
  RecordingSink sink;
  Reflector reflector(KubeConfig{.server = server.url(), .ca_pem = server.caPem()}, servicesKind(),
                      sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.synced() && server.openWatches() == 1; }));
  const auto version = server.upsert(kServices, namedObject("default", "b"));
  EXPECT_TRUE(sink.waitForLine("ADDED b @" + std::to_string(version)));
  EXPECT_EQ(reflector.stats().errors, 0U);
}

TEST(ReflectorTlsTest, RefusesAServerSignedByAnotherCa) {
  FakeApiServer server(FakeApiServerOptions{.tls = true});
  server.upsert(kServices, namedObject("default", "a"));
  const PemPair other = makeSelfSignedCert({"localhost"}, {"127.0.0.1"});
  RecordingSink sink;
  Reflector reflector(KubeConfig{.server = server.url(), .ca_pem = other.cert_pem}, servicesKind(),
                      sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().errors >= 2; }));
  const auto stats = reflector.stats();
  EXPECT_FALSE(stats.synced);
  EXPECT_NE(stats.last_error.find("certificate verify failed"), std::string::npos)
      << stats.last_error;
  EXPECT_EQ(sink.size(), 0U);
  EXPECT_EQ(server.requests().size(), 0U);  // no request was ever sent in the clear or otherwise
}

TEST(ReflectorTlsTest, ChecksTheAddressAndHonoursTlsServerName) {
  // Valid for the name "localhost" only, not for the address 127.0.0.1 we connect to.
  FakeApiServer server(FakeApiServerOptions{.tls = true, .cert_ip_addresses = {}});
  server.upsert(kServices, namedObject("default", "a"));
  RecordingSink refused_sink;
  Reflector refused(KubeConfig{.server = server.url(), .ca_pem = server.caPem()}, servicesKind(),
                    refused_sink, fastOptions());
  refused.start();
  ASSERT_TRUE(waitFor([&] { return refused.stats().errors >= 1; }));
  EXPECT_NE(refused.stats().last_error.find("certificate verify failed"), std::string::npos)
      << refused.stats().last_error;
  refused.stop();

  RecordingSink sink;
  Reflector named(
      KubeConfig{.server = server.url(), .ca_pem = server.caPem(), .tls_server_name = "localhost"},
      servicesKind(), sink, fastOptions());
  named.start();
  EXPECT_TRUE(waitFor([&] { return named.synced(); }));
}

TEST(ReflectorTlsTest, InsecureSkipVerifyConnectsWithoutACa) {
  FakeApiServer server(FakeApiServerOptions{.tls = true});
  RecordingSink sink;
  Reflector reflector(KubeConfig{.server = server.url(), .insecure_skip_tls_verify = true},
                      servicesKind(), sink, fastOptions());
  reflector.start();
  EXPECT_TRUE(waitFor([&] { return reflector.synced(); }));
}

TEST(ReflectorTlsTest, AnUnusableCaIsReportedWithoutCrashing) {
  RecordingSink sink;
  Reflector reflector(KubeConfig{.server = "https://127.0.0.1:1", .ca_pem = "not a pem"},
                      servicesKind(), sink, fastOptions());
  reflector.start();
  ASSERT_TRUE(waitFor([&] { return reflector.stats().errors >= 1; }));
  EXPECT_NE(reflector.stats().last_error.find("CA"), std::string::npos)
      << reflector.stats().last_error;
}

}  // namespace
}  // namespace sluice::testing
