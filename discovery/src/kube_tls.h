// TLS for the API server connection: the client context built from a KubeConfig (trusted CAs,
// client certificate) and the per-connection settings (SNI, the name or address the server
// certificate must carry).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "sluice/base/error.h"
#include "sluice/discovery/kube_config.h"

namespace sluice::discovery::detail {

[[nodiscard]] base::Result<std::unique_ptr<boost::asio::ssl::context>> makeTlsContext(
    const KubeConfig& config);

// `name` is the host the certificate must be valid for: a DNS name or an IP address literal.
[[nodiscard]] base::Status prepareTlsConnection(SSL* ssl, const std::string& name, bool verify);

// After a failed handshake: why the peer's certificate was refused, or "" when it was not.
[[nodiscard]] std::string tlsVerifyFailure(SSL* ssl);

}  // namespace sluice::discovery::detail
