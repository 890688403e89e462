// Kubeconfig and in-cluster configuration (see kube_config.h). yaml-cpp throws on malformed
// input; that is caught here and turned into an error naming the file.
#include "sluice/discovery/kube_config.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::discovery {
namespace {

using base::Errc;
using base::fail;

base::Result<std::string> readFile(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Errc::kNotFound, std::string(what) + " " + path.string() + ": cannot be read");
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Standard base64 (RFC 4648) as kubeconfig's *-data fields use; whitespace is ignored.
base::Result<std::string> decodeBase64(std::string_view text) {
  std::array<int, 256> table{};
  table.fill(-1);
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  std::string out;
  unsigned bits = 0;
  int bit_count = 0;
  bool padding = false;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int value = table[static_cast<unsigned char>(c)];
    if (value < 0 || padding) return fail(Errc::kInvalidArgument, "not valid base64");
    bits = (bits << 6U) | static_cast<unsigned>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> static_cast<unsigned>(bit_count)) & 0xFFU));
    }
  }
  return out;
}

// Finds `name` in a kubeconfig list (clusters, users, contexts) and returns its `field` map.
base::Result<YAML::Node> findNamed(const YAML::Node& root, const std::string& list,
                                   const std::string& name, const std::string& field,
                                   const std::string& file) {
  const YAML::Node entries = root[list];
  if (entries && !entries.IsSequence()) {
    return fail(Errc::kInvalidArgument, file + ": " + list + " must be a list");
  }
  if (entries) {
    for (const auto& entry : entries) {
      if (entry["name"] && entry["name"].as<std::string>() == name) {
        const YAML::Node body = entry[field];
        if (!body || !body.IsMap()) {
          std::string message = file;
          message.append(": ").append(list).append(" entry \"").append(name);
          message.append("\" has no ").append(field).append(" map");
          return fail(Errc::kInvalidArgument, std::move(message));
        }
        return body;
      }
    }
  }
  return fail(Errc::kNotFound, file + ": no " + list + " entry named \"" + name + "\"");
}

std::string scalar(const YAML::Node& map, const char* key) {
  const YAML::Node node = map[key];
  return node && node.IsScalar() ? node.as<std::string>() : std::string();
}

// Reads "<key>-data" (base64) or "<key>" (a file path) into PEM text; "" when neither is set.
base::Result<std::string> pemField(const YAML::Node& map, const std::string& key,
                                   const std::filesystem::path& dir, const std::string& file) {
  if (const std::string data = scalar(map, (key + "-data").c_str()); !data.empty()) {
    auto decoded = decodeBase64(data);
    if (!decoded) {
      return fail(Errc::kInvalidArgument,
                  file + ": " + key + "-data: " + decoded.error().message());
    }
    return decoded;
  }
  const std::string path = scalar(map, key.c_str());
  if (path.empty()) return std::string();
  const std::filesystem::path resolved =
      std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : dir / path;
  auto text = readFile(resolved, file + ": " + key);
  if (!text) return fail(text.error());
  return text;
}

base::Result<KubeConfig> parseKubeconfig(const YAML::Node& root, const std::string& file,
                                         const std::filesystem::path& dir,
                                         const std::string& wanted_context) {
  if (!root.IsMap()) return fail(Errc::kInvalidArgument, file + ": not a kubeconfig (not a map)");
  std::string context_name = wanted_context;
  if (context_name.empty()) context_name = scalar(root, "current-context");
  if (context_name.empty()) {
    return fail(Errc::kInvalidArgument,
                file + ": no current-context is set and no context was given");
  }
  auto context = findNamed(root, "contexts", context_name, "context", file);
  if (!context) return fail(context.error());
  const std::string cluster_name = scalar(*context, "cluster");
  if (cluster_name.empty()) {
    return fail(Errc::kInvalidArgument,
                file + ": context \"" + context_name + "\" names no cluster");
  }
  auto cluster = findNamed(root, "clusters", cluster_name, "cluster", file);
  if (!cluster) return fail(cluster.error());

  KubeConfig config;
  config.server = scalar(*cluster, "server");
  if (config.server.empty()) {
    return fail(Errc::kInvalidArgument, file + ": cluster \"" + cluster_name + "\" has no server");
  }
  config.insecure_skip_tls_verify =
      (*cluster)["insecure-skip-tls-verify"] && (*cluster)["insecure-skip-tls-verify"].as<bool>();
  config.tls_server_name = scalar(*cluster, "tls-server-name");
  auto ca = pemField(*cluster, "certificate-authority", dir, file);
  if (!ca) return fail(ca.error());
  config.ca_pem = std::move(*ca);
  if (config.insecure_skip_tls_verify && !config.ca_pem.empty()) {
    // client-go refuses this combination too: one of the two settings is a mistake.
    return fail(Errc::kInvalidArgument,
                file + ": cluster \"" + cluster_name +
                    "\" sets both a certificate authority and insecure-skip-tls-verify");
  }
  if ((*cluster)["proxy-url"]) {
    return fail(Errc::kInvalidArgument,
                file + ": cluster \"" + cluster_name + "\": proxy-url is not supported");
  }

  const std::string user_name = scalar(*context, "user");
  if (user_name.empty()) return config;  // anonymous, as kubectl allows
  auto user = findNamed(root, "users", user_name, "user", file);
  if (!user) return fail(user.error());
  if ((*user)["exec"] || (*user)["auth-provider"]) {
    return fail(Errc::kInvalidArgument,
                file + ": user \"" + user_name +
                    "\" uses an exec or auth-provider credential plugin, which is not supported; "
                    "use a token, tokenFile or client certificate");
  }
  if ((*user)["username"] || (*user)["password"]) {
    return fail(Errc::kInvalidArgument,
                file + ": user \"" + user_name + "\": basic authentication is not supported");
  }
  config.bearer_token = scalar(*user, "token");
  if (std::string token_file = scalar(*user, "tokenFile"); !token_file.empty()) {
    config.token_file =
        std::filesystem::path(token_file).is_absolute() ? token_file : (dir / token_file).string();
  }
  auto cert = pemField(*user, "client-certificate", dir, file);
  if (!cert) return fail(cert.error());
  auto key = pemField(*user, "client-key", dir, file);
  if (!key) return fail(key.error());
  if (cert->empty() != key->empty()) {
    return fail(Errc::kInvalidArgument, file + ": user \"" + user_name +
                                            "\" has a client certificate without a key or a key "
                                            "without a certificate");
  }
  config.client_cert_pem = std::move(*cert);
  config.client_key_pem = std::move(*key);
  return config;
}

bool hasScheme(const std::string& url) { return url.find("://") != std::string::npos; }

}  // namespace

std::string KubeConfig::describe() const {
  std::string out = server.empty() ? std::string("(no server)") : server;
  if (server.starts_with("https://")) {
    if (insecure_skip_tls_verify) {
      out += ", TLS not verified";
    } else if (ca_pem.empty()) {
      out += ", system CAs";
    } else {
      std::size_t certs = 0;
      for (std::size_t at = ca_pem.find("BEGIN CERTIFICATE"); at != std::string::npos;
           at = ca_pem.find("BEGIN CERTIFICATE", at + 1)) {
        ++certs;
      }
      out += ", CA " + std::to_string(certs) + " cert(s)";
    }
    if (!tls_server_name.empty()) out += ", server name " + tls_server_name;
  }
  if (!token_file.empty()) {
    out += ", token file " + token_file;
  } else if (!bearer_token.empty()) {
    out += ", bearer token";
  }
  if (!client_cert_pem.empty()) out += ", client certificate";
  return out;
}

base::Result<KubeConfig> loadKubeconfig(const std::string& path, const std::string& context) {
  auto text = readFile(path, "kubeconfig");
  if (!text) return fail(text.error());
  const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  try {
    const YAML::Node root = YAML::Load(*text);
    return parseKubeconfig(root, path, dir, context);
  } catch (const YAML::Exception& e) {
    return fail(Errc::kInvalidArgument, path + ": " + e.what());
  }
}

base::Result<KubeConfig> inClusterConfig(const std::string& sa_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return fail(Errc::kNotFound,
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
                "must be set (or give a kubeconfig or --master)");
  }
  KubeConfig config;
  const std::string host_text(host);
  const bool ipv6 = host_text.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + host_text + "]" : host_text) + ":" + std::string(port);
  const std::filesystem::path dir(sa_dir);
  // Read once now so a missing token is reported at start, not at the first request.
  auto token = readFile(dir / "token", "service-account token");
  if (!token) return fail(token.error());
  config.token_file = (dir / "token").string();
  auto ca = readFile(dir / "ca.crt", "service-account CA");
  if (!ca) return fail(ca.error());
  config.ca_pem = std::move(*ca);
  return config;
}

void applyMasterOverride(KubeConfig& config, std::string url) {
  if (url.empty()) return;
  if (!hasScheme(url)) {
    const bool tls_configured = !config.ca_pem.empty() || config.insecure_skip_tls_verify ||
                                !config.client_cert_pem.empty();
    url = (tls_configured ? "https://" : "http://") + url;
  }
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  config.server = std::move(url);
}

}  // namespace sluice::discovery
