// One HTTP/1.1 connection to the API server, plain or TLS, used by one reflector thread: whole
// responses (list pages) and streamed ones (watches). Every operation has a deadline and also
// gives up when `stopping` turns true, polled every few tens of milliseconds, so a reflector
// stops promptly whatever it is blocked on.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "kube_url.h"
#include "sluice/base/error.h"
#include "sluice/discovery/kube_config.h"

namespace sluice::discovery::detail {

using Clock = std::chrono::steady_clock;

struct HttpResponse {
  unsigned status = 0;
  std::string body;  // empty for a stream until read
  std::optional<std::chrono::seconds> retry_after;
};

struct HttpOptions {
  std::string user_agent;
  std::size_t max_body_bytes = std::size_t{1} << 30;
  std::chrono::milliseconds connect_timeout{10'000};
};

class HttpConnection {
 public:
  // Fails when the server URL or the TLS material (CA, client certificate) is unusable.
  [[nodiscard]] static base::Result<std::unique_ptr<HttpConnection>> create(
      const KubeConfig& config, HttpOptions options, const std::atomic<bool>& stopping);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // GET target (path and query) and read the whole response by `deadline`. A kept-alive
  // connection is reused; if it turns out the server had closed it, one fresh connection is tried.
  [[nodiscard]] base::Result<HttpResponse> get(const std::string& target,
                                               Clock::time_point deadline);

  // GET target and read only the status and headers by `deadline`; the body follows with
  // readStream. The connection is closed when the stream ends.
  [[nodiscard]] base::Result<HttpResponse> startStream(const std::string& target,
                                                       Clock::time_point deadline);
  // Appends whatever part of the body arrives next (at least one byte unless the body ended).
  // Returns true once the body is complete. An error when the connection breaks, or nothing at
  // all arrives by `deadline`.
  [[nodiscard]] base::Result<bool> readStream(std::string& out, Clock::time_point deadline);

  void close();

 private:
  class Impl;
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::discovery::detail
