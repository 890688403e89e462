// HttpConnection (see kube_http.h). Everything is asynchronous Asio on a private io_context that
// this thread drives one operation at a time; a deadline or a stop request closes the socket,
// which completes the pending operation with operation_aborted. That is how a blocking-looking
// API gets deadlines without a second thread.
#include "kube_http.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <sstream>

#include "kube_tls.h"

namespace sluice::discovery::detail {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using base::Errc;
using base::fail;
using boost::system::error_code;
using TlsStream = asio::ssl::stream<tcp::socket>;

constexpr std::chrono::milliseconds kStopPoll{20};

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) {
  if (value.empty() || value.size() > 6) return std::nullopt;  // an HTTP-date is not honoured
  std::int64_t seconds = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::seconds(seconds);
}

base::Result<std::string> readToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kUnavailable, "bearer token file " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) return fail(Errc::kUnavailable, "bearer token file " + path + " is empty");
  return token;
}

}  // namespace

class HttpConnection::Impl {
 public:
  Impl(KubeConfig config, ServerUrl url, HttpOptions options,
       std::unique_ptr<asio::ssl::context> tls_context, const std::atomic<bool>& stopping)
      : config_(std::move(config)),
        url_(std::move(url)),
        options_(std::move(options)),
        tls_context_(std::move(tls_context)),
        stopping_(stopping),
        resolver_(io_) {}

  base::Result<HttpResponse> get(const std::string& target, Clock::time_point deadline) {
    for (int attempt = 0;; ++attempt) {
      const bool reused = open_;
      auto sent = send(target, deadline);
      if (sent) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(options_.max_body_bytes);
        auto read = drive("reading the response", deadline, [&](auto handler) {
          withStream(
              [&](auto& stream) { http::async_read(stream, buffer_, parser, std::move(handler)); });
        });
        if (read) {
          auto& message = parser.get();
          HttpResponse response{.status = message.result_int(), .body = std::move(message.body())};
          response.retry_after = parseRetryAfter(message[http::field::retry_after]);
          if (!message.keep_alive()) close();
          return response;
        }
        sent = fail(read.error());
      }
      close();
      // A kept-alive connection the server has meanwhile closed fails at once; that says nothing
      // about the server, so try a fresh one (GET is idempotent).
      if (!reused || attempt > 0 || stopping_ || Clock::now() >= deadline) {
        return fail(sent.error());
      }
    }
  }

  base::Result<HttpResponse> startStream(const std::string& target, Clock::time_point deadline) {
    close();  // a stream gets a connection of its own
    auto sent = send(target, deadline);
    if (!sent) {
      close();
      return fail(sent.error());
    }
    stream_parser_.emplace();
    stream_parser_->body_limit(boost::none);  // a watch is unbounded; events are bounded above
    auto read = drive("reading the response headers", deadline, [&](auto handler) {
      withStream([&](auto& stream) {
        http::async_read_header(stream, buffer_, *stream_parser_, std::move(handler));
      });
    });
    if (!read) {
      close();
      return fail(read.error());
    }
    const auto& message = stream_parser_->get();
    HttpResponse response{.status = message.result_int()};
    response.retry_after = parseRetryAfter(message[http::field::retry_after]);
    return response;
  }

  base::Result<bool> readStream(std::string& out, Clock::time_point deadline) {
    if (!stream_parser_ || !open_) {
      return fail(Errc::kInternal, "readStream without an open stream");
    }
    while (!stream_parser_->is_done()) {
      auto& body = stream_parser_->get().body();
      body.data = chunk_.data();
      body.size = chunk_.size();
      auto read = drive("reading the stream", deadline, [&](auto handler) {
        withStream([&](auto& stream) {
          http::async_read_some(stream, buffer_, *stream_parser_, std::move(handler));
        });
      });
      if (!read) {
        close();
        return fail(read.error());
      }
      const std::size_t got = chunk_.size() - stream_parser_->get().body().size;
      if (got > 0) {
        out.append(chunk_.data(), got);
        return stream_parser_->is_done();
      }
    }
    return true;
  }

  void close() {
    error_code ignored;
    resolver_.cancel();
    if (tls_) tls_->next_layer().close(ignored);
    if (tcp_) tcp_->close(ignored);
    // Let aborted handlers run so nothing refers to the streams below any more.
    io_.restart();
    io_.poll();
    tls_.reset();
    tcp_.reset();
    stream_parser_.reset();
    buffer_.clear();
    open_ = false;
  }

 private:
  template <typename F>
  void withStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*tcp_);
    }
  }

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *tcp_; }

  // Runs one asynchronous operation to completion, closing the socket (which aborts it) when the
  // deadline passes or stop is requested.
  template <typename Start>
  base::Status drive(std::string_view what, Clock::time_point deadline, Start&& start) {
    bool done = false;
    error_code result;
    start([&done, &result](error_code ec, auto&&...) {
      done = true;
      result = ec;
    });
    io_.restart();
    const char* aborted = nullptr;
    while (!done) {
      if (aborted == nullptr && (stopping_ || Clock::now() >= deadline)) {
        aborted = stopping_ ? "stopped" : "timed out";
        error_code ignored;
        resolver_.cancel();
        if (tls_ || tcp_) socket().close(ignored);
      }
      const auto wait = std::min<Clock::duration>(
          kStopPoll, std::max<Clock::duration>(deadline - Clock::now(), Clock::duration::zero()));
      if (io_.run_one_for(aborted != nullptr ? kStopPoll : wait) == 0 && io_.stopped()) {
        io_.restart();
      }
    }
    // need_buffer only says the caller's buffer is full: the read itself went fine.
    if (!result || result == http::error::need_buffer) return {};
    const std::string where = url_.hostHeader();
    if (aborted != nullptr) {
      open_ = false;
      return fail(std::string_view(aborted) == "stopped" ? Errc::kUnavailable : Errc::kTimeout,
                  std::string(what) + " from " + where + ": " + aborted);
    }
    open_ = false;
    if (result == http::error::end_of_stream || result == asio::error::eof ||
        result == http::error::partial_message) {
      return fail(Errc::kUnavailable,
                  std::string(what) + " from " + where + ": the server closed the connection");
    }
    if (result == http::error::body_limit) {
      return fail(Errc::kOutOfRange, std::string(what) + " from " + where + ": more than " +
                                         std::to_string(options_.max_body_bytes) + " bytes");
    }
    std::string message = result.message();
    if (tls_) {
      if (std::string why = tlsVerifyFailure(tls_->native_handle()); !why.empty()) {
        message = "certificate verify failed: " + why;
      }
    }
    return fail(Errc::kUnavailable, std::string(what) + " " + where + ": " + message);
  }

  base::Status openConnection(Clock::time_point deadline) {
    close();
    const auto connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    error_code resolve_error;
    auto resolve = drive("resolving", connect_deadline, [&](auto handler) {
      resolver_.async_resolve(
          url_.host, url_.port,
          [&, handler = std::move(handler)](error_code ec, tcp::resolver::results_type found) {
            resolved = !ec;
            resolve_error = ec;
            endpoints = std::move(found);
            handler(ec);
          });
    });
    if (!resolve) return fail(resolve.error());
    if (!resolved) {
      return fail(Errc::kUnavailable, "resolving " + url_.host + ": " + resolve_error.message());
    }
    if (tls_context_) {
      tls_ = std::make_unique<TlsStream>(io_, *tls_context_);
    } else {
      tcp_ = std::make_unique<tcp::socket>(io_);
    }
    open_ = true;
    auto connected = drive("connecting to", connect_deadline, [&](auto handler) {
      asio::async_connect(
          socket(), endpoints,
          [handler = std::move(handler)](error_code ec, const tcp::endpoint&) { handler(ec); });
    });
    if (!connected) return fail(connected.error());
    error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
    socket().set_option(asio::socket_base::keep_alive(true), ignored);
    if (tls_) {
      const std::string& name =
          config_.tls_server_name.empty() ? url_.host : config_.tls_server_name;
      auto prepared =
          prepareTlsConnection(tls_->native_handle(), name, !config_.insecure_skip_tls_verify);
      if (!prepared) return prepared;
      auto handshake = drive("TLS handshake with", connect_deadline, [&](auto handler) {
        tls_->async_handshake(asio::ssl::stream_base::client, std::move(handler));
      });
      if (!handshake) return fail(handshake.error());
    }
    return {};
  }

  base::Status send(const std::string& target, Clock::time_point deadline) {
    if (!open_) {
      auto opened = openConnection(deadline);
      if (!opened) {
        close();
        return opened;
      }
    }
    // Read for every request, not once: projected service-account tokens rotate, and a request
    // or two a minute makes the file read free.
    std::string token = config_.bearer_token;
    if (!config_.token_file.empty()) {
      auto read = readToken(config_.token_file);
      if (!read) return fail(read.error());
      token = std::move(*read);
    }
    http::request<http::empty_body> request{http::verb::get, url_.path_prefix + target, 11};
    request.set(http::field::host, url_.hostHeader());
    request.set(http::field::user_agent, options_.user_agent);
    request.set(http::field::accept, "application/json");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    return drive("sending the request to", deadline, [&](auto handler) {
      withStream([&](auto& stream) { http::async_write(stream, request, std::move(handler)); });
    });
  }

  KubeConfig config_;
  ServerUrl url_;
  HttpOptions options_;
  std::unique_ptr<asio::ssl::context> tls_context_;  // null for http://
  const std::atomic<bool>& stopping_;
  asio::io_context io_;
  tcp::resolver resolver_;
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<tcp::socket> tcp_;
  bool open_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> stream_parser_;
  std::array<char, std::size_t{64} * 1024> chunk_{};
};

base::Result<std::unique_ptr<HttpConnection>> HttpConnection::create(
    const KubeConfig& config, HttpOptions options, const std::atomic<bool>& stopping) {
  auto url = parseServerUrl(config.server);
  if (!url) return fail(url.error());
  std::unique_ptr<asio::ssl::context> tls;
  if (url->tls) {
    auto context = makeTlsContext(config);
    if (!context) return fail(context.error());
    tls = std::move(*context);
  }
  return std::unique_ptr<HttpConnection>(new HttpConnection(std::make_unique<Impl>(
      config, std::move(*url), std::move(options), std::move(tls), stopping)));
}

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpConnection::~HttpConnection() {
  if (impl_) impl_->close();
}

base::Result<HttpResponse> HttpConnection::get(const std::string& target,
                                               Clock::time_point deadline) {
  return impl_->get(target, deadline);
}
base::Result<HttpResponse> HttpConnection::startStream(const std::string& target,
                                                       Clock::time_point deadline) {
  return impl_->startStream(target, deadline);
}
base::Result<bool> HttpConnection::readStream(std::string& out, Clock::time_point deadline) {
  return impl_->readStream(out, deadline);
}
void HttpConnection::close() { impl_->close(); }

}  // namespace sluice::discovery::detail
