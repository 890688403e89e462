// Kubeconfig, in-cluster and --master configuration: what is read, how relative paths resolve,
// and that every missing or malformed piece is an error naming the file.
#include "sluice/discovery/kube_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sluice::discovery {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCaPem = "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----\n";

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-kubeconfig-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  fs::path dir_;
};

// "CA\n" and "cert\n" and "key\n", base64.
constexpr const char* kGood = R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster:
    server: https://api.prod.example:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClEwRUsKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
- name: dev-cluster
  cluster:
    server: http://127.0.0.1:8080
contexts:
- name: prod
  context:
    cluster: prod-cluster
    user: proxy
- name: dev
  context:
    cluster: dev-cluster
users:
- name: proxy
  user:
    token: s3cret
    client-certificate-data: Y2VydAo=
    client-key-data: a2V5Cg==
)";

TEST_F(KubeConfigTest, ReadsTheCurrentContext) {
  auto config = loadKubeconfig(write("config", kGood));
  ASSERT_TRUE(config) << config.error().toString();
  EXPECT_EQ(config->server, "https://api.prod.example:6443");
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->bearer_token, "s3cret");
  EXPECT_EQ(config->client_cert_pem, "cert\n");
  EXPECT_EQ(config->client_key_pem, "key\n");
  const std::string described = config->describe();
  EXPECT_NE(described.find("https://api.prod.example:6443"), std::string::npos);
  EXPECT_NE(described.find("CA 1 cert(s)"), std::string::npos);
  EXPECT_EQ(described.find("s3cret"), std::string::npos);  // never a secret in logs
}

TEST_F(KubeConfigTest, AnExplicitContextWins) {
  auto config = loadKubeconfig(write("config", kGood), "dev");
  ASSERT_TRUE(config) << config.error().toString();
  EXPECT_EQ(config->server, "http://127.0.0.1:8080");
  EXPECT_TRUE(config->bearer_token.empty());  // a context without a user is anonymous
}

TEST_F(KubeConfigTest, RelativeFilesResolveAgainstTheKubeconfigsDirectory) {
  write("sub/pki/ca.crt", kCaPem);
  write("sub/pki/client.crt", "cert-from-file");
  write("sub/pki/client.key", "key-from-file");
  const std::string path = write("sub/config", R"(current-context: c
clusters:
- name: k
  cluster: {server: "https://10.0.0.1", certificate-authority: pki/ca.crt}
contexts:
- name: c
  context: {cluster: k, user: u}
users:
- name: u
  user: {client-certificate: pki/client.crt, client-key: pki/client.key, tokenFile: pki/token}
)");
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config) << config.error().toString();
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->client_cert_pem, "cert-from-file");
  EXPECT_EQ(config->client_key_pem, "key-from-file");
  EXPECT_EQ(fs::path(config->token_file), dir_ / "sub" / "pki" / "token");
  EXPECT_NE(config->describe().find("token file"), std::string::npos);
}

struct BadCase {
  const char* description;
  const char* yaml;
  const char* expected;  // a piece of the error message
};

TEST_F(KubeConfigTest, EveryMissingOrMalformedPieceIsAClearError) {
  const BadCase cases[] = {
      {"no current context", "clusters: []\n", "no current-context"},
      {"unknown context", "current-context: x\ncontexts: []\n", "no contexts entry named \"x\""},
      {"context without cluster", "current-context: c\ncontexts:\n- name: c\n  context: {}\n",
       "names no cluster"},
      {"unknown cluster",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters: []\n",
       "no clusters entry named \"k\""},
      {"no server",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: "
       "k\n  cluster: {}\n",
       "has no server"},
      {"bad base64",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: "
       "k\n  cluster: {server: 'https://h', certificate-authority-data: '!!!'}\n",
       "certificate-authority-data: not valid base64"},
      {"missing CA file",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: "
       "k\n  cluster: {server: 'https://h', certificate-authority: nope.crt}\n",
       "nope.crt: cannot be read"},
      {"insecure and CA",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: "
       "k\n  cluster: {server: 'https://h', certificate-authority-data: 'Q0EK', "
       "insecure-skip-tls-verify: true}\n",
       "both a certificate authority and insecure-skip-tls-verify"},
      {"exec plugin",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- "
       "name: k\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user:\n    exec: "
       "{command: aws}\n",
       "not supported"},
      {"unknown user",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- "
       "name: k\n  cluster: {server: 'https://h'}\n",
       "no users entry named \"u\""},
      {"certificate without key",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- "
       "name: k\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user: "
       "{client-certificate-data: Y2VydAo=}\n",
       "without a key"},
      {"malformed YAML", "current-context: [unclosed\n", "config"},
      {"not a map", "- just\n- a list\n", "not a kubeconfig"},
  };
  for (const auto& c : cases) {
    const std::string path = write("config", c.yaml);
    auto config = loadKubeconfig(path);
    ASSERT_FALSE(config) << c.description;
    EXPECT_NE(config.error().message().find(path), std::string::npos)
        << c.description << ": " << config.error().message();
    EXPECT_NE(config.error().message().find(c.expected), std::string::npos)
        << c.description << ": " << config.error().message();
  }
  auto missing = loadKubeconfig((dir_ / "absent").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("absent"), std::string::npos);
}

class InClusterTest : public KubeConfigTest {
 protected:
  void TearDown() override {
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
    KubeConfigTest::TearDown();
  }
};

TEST_F(InClusterTest, ReadsTheServiceAccount) {
  write("sa/token", "token-1\n");
  write("sa/ca.crt", kCaPem);
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = inClusterConfig((dir_ / "sa").string());
  ASSERT_TRUE(config) << config.error().toString();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->token_file, (dir_ / "sa" / "token").string());
  EXPECT_EQ(config->ca_pem, kCaPem);

  ::setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
  config = inClusterConfig((dir_ / "sa").string());
  ASSERT_TRUE(config);
  EXPECT_EQ(config->server, "https://[fd00:10:96::1]:443");
}

TEST_F(InClusterTest, SaysWhatIsMissing) {
  auto no_env = inClusterConfig((dir_ / "sa").string());
  ASSERT_FALSE(no_env);
  EXPECT_NE(no_env.error().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);

  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto no_token = inClusterConfig((dir_ / "sa").string());
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().message().find("token"), std::string::npos);
}

TEST(MasterOverrideTest, ReplacesTheServerAndKeepsCredentials) {
  KubeConfig config{.server = "https://old:6443", .ca_pem = kCaPem, .bearer_token = "t"};
  applyMasterOverride(config, "https://new:6443/");
  EXPECT_EQ(config.server, "https://new:6443");
  EXPECT_EQ(config.bearer_token, "t");

  applyMasterOverride(config, "10.0.0.1:6443");  // TLS material present → https
  EXPECT_EQ(config.server, "https://10.0.0.1:6443");

  KubeConfig bare;
  applyMasterOverride(bare, "127.0.0.1:8080");  // nothing for TLS → http, as client-go
  EXPECT_EQ(bare.server, "http://127.0.0.1:8080");

  applyMasterOverride(bare, "");  // no --master: untouched
  EXPECT_EQ(bare.server, "http://127.0.0.1:8080");
}

}  // namespace
}  // namespace sluice::discovery
