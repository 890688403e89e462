// The API server's address split for connecting (scheme, host, port, path prefix) and the
// query-string encoding the list and watch requests use.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::discovery::detail {

struct ServerUrl {
  bool tls = true;
  std::string host;         // without IPv6 brackets
  std::string port;         // "443" when the URL has none
  std::string path_prefix;  // "" or "/k8s/clusters/c-1" (no trailing slash)

  [[nodiscard]] bool hostIsIp() const;
  // The Host header: host[:port], bracketed for IPv6, the port left out when it is the default.
  [[nodiscard]] std::string hostHeader() const;
};

[[nodiscard]] base::Result<ServerUrl> parseServerUrl(const std::string& url);

// "?a=1&b=x%2Fy" from (key, value) pairs sorted by key, as Go's url.Values.Encode writes them.
[[nodiscard]] std::string encodeQuery(std::vector<std::pair<std::string, std::string>> params);

}  // namespace sluice::discovery::detail
