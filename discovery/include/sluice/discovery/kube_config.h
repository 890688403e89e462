// Where the Kubernetes API server is and how to authenticate to it: a kubeconfig file, the
// in-cluster service account, and the --master override, with kube-proxy's precedence
// (kubeconfig, then --master overrides its server; neither → in-cluster).
#pragma once

#include <string>

#include "sluice/base/error.h"

namespace sluice::discovery {

struct KubeConfig {
  std::string server;  // "https://host:port" or "http://host:port", optionally with a path prefix
  std::string ca_pem;  // PEM bundle of trusted CAs; empty → the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the name checked in the server certificate (and SNI)
  std::string bearer_token;
  // Read again for every request: service-account tokens rotate. Takes precedence over
  // bearer_token, as in client-go.
  std::string token_file;
  std::string client_cert_pem, client_key_pem;

  // For logs: where and how, never a secret ("https://10.0.0.1:443, CA 1 cert(s), token file
  // /var/run/...").
  [[nodiscard]] std::string describe() const;
};

// Reads a kubeconfig (context = "" → its current-context). Relative file paths in it are resolved
// against the kubeconfig's directory. exec and auth-provider credential plugins are not supported
// and are reported as such.
[[nodiscard]] base::Result<KubeConfig> loadKubeconfig(const std::string& path,
                                                      const std::string& context = "");

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT, <sa_dir>/token (as token_file, so it
// is re-read) and <sa_dir>/ca.crt.
[[nodiscard]] base::Result<KubeConfig> inClusterConfig(
    const std::string& sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// --master: replaces the server, keeping credentials. A URL without a scheme gets https when TLS
// settings are present and http otherwise, as client-go does.
void applyMasterOverride(KubeConfig& config, std::string url);

}  // namespace sluice::discovery
