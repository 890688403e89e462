// A minimal HTTP/1.1 responder for the node's small status endpoints (health-check node ports,
// /healthz, /livez): every request on a connection gets the answer its target maps to, until the
// client closes or sends something that is not HTTP.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>

namespace sluice::nodeport {

struct HttpAnswer {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Serves `socket` on its executor; `answer` is called with each request's target ("/healthz").
void serveHttp(boost::asio::ip::tcp::socket socket,
               std::function<HttpAnswer(const std::string& target)> answer);

}  // namespace sluice::nodeport
