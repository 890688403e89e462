// Server URL parsing and query encoding (see kube_url.h).
#include "kube_url.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cstdio>

namespace sluice::discovery::detail {
namespace {

using base::Errc;
using base::fail;

bool isUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string percentEncode(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (isUnreserved(c)) {
      out.push_back(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += hex;
    }
  }
  return out;
}

}  // namespace

bool ServerUrl::hostIsIp() const {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::string ServerUrl::hostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) out += ":" + port;
  return out;
}

base::Result<ServerUrl> parseServerUrl(const std::string& url) {
  ServerUrl out;
  std::string rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.tls = false;
    rest = url.substr(7);
  } else {
    return fail(Errc::kInvalidArgument,
                "API server URL \"" + url + "\" must start with https:// or http://");
  }
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.path_prefix = rest.substr(slash);
  while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  if (authority.find('@') != std::string::npos || authority.find('?') != std::string::npos) {
    return fail(Errc::kInvalidArgument,
                "API server URL \"" + url + "\": user info and queries are not supported");
  }
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) {
      return fail(Errc::kInvalidArgument, "API server URL \"" + url + "\": unclosed [");
    }
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) {
        return fail(Errc::kInvalidArgument, "API server URL \"" + url + "\": bad port");
      }
      out.port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    return fail(Errc::kInvalidArgument, "API server URL \"" + url + "\" has no host");
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  const bool numeric =
      std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric || out.port.size() > 5 || std::stoul(out.port) == 0 ||
      std::stoul(out.port) > 65535) {
    return fail(Errc::kInvalidArgument,
                "API server URL \"" + url + "\": port \"" + out.port + "\" is not 1..65535");
  }
  return out;
}

std::string encodeQuery(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    out += out.empty() ? "?" : "&";
    out += percentEncode(key) + "=" + percentEncode(value);
  }
  return out;
}

}  // namespace sluice::discovery::detail
