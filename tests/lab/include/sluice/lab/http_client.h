// A one-shot HTTP/1.1 GET from inside a lab namespace, as a load balancer's health checker sends
// it (Connection: close, read to the end).
#pragma once

#include <string>
#include <string_view>

#include "sluice/base/error.h"
#include "sluice/lab/socket_address.h"

namespace sluice::lab {

struct HttpResponse {
  std::string status_line;  // "HTTP/1.1 200 OK"
  std::string body;
};

[[nodiscard]] base::Result<HttpResponse> httpGet(std::string_view netns, const SocketAddress& to,
                                                 std::string_view path = "/");

}  // namespace sluice::lab
