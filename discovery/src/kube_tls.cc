// TLS set-up for the API server connection (see kube_tls.h). Host checking follows Go's
// crypto/tls, which is what every other Kubernetes client does: subject alternative names only
// (no common-name fallback), IP literals matched against IP SANs.
#include "kube_tls.h"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace sluice::discovery::detail {
namespace {

using base::Errc;
using base::fail;
namespace ssl = boost::asio::ssl;

}  // namespace

base::Result<std::unique_ptr<ssl::context>> makeTlsContext(const KubeConfig& config) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (config.insecure_skip_tls_verify) {
    context->set_verify_mode(ssl::verify_none, ec);
  } else {
    context->set_verify_mode(ssl::verify_peer, ec);
    if (config.ca_pem.empty()) {
      context->set_default_verify_paths(ec);
      if (ec) return fail(Errc::kInvalidArgument, "loading the system CAs: " + ec.message());
    } else {
      context->add_certificate_authority(boost::asio::buffer(config.ca_pem), ec);
      if (ec) {
        return fail(Errc::kInvalidArgument,
                    "the API server CA is not a usable PEM certificate: " + ec.message());
      }
    }
  }
  if (!config.client_cert_pem.empty()) {
    context->use_certificate_chain(boost::asio::buffer(config.client_cert_pem), ec);
    if (ec) {
      return fail(Errc::kInvalidArgument,
                  "the client certificate is not a usable PEM certificate: " + ec.message());
    }
    context->use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    if (ec) {
      return fail(Errc::kInvalidArgument,
                  "the client key is not a usable PEM key (or does not match the certificate): " +
                      ec.message());
    }
  }
  return context;
}

base::Status prepareTlsConnection(SSL* ssl, const std::string& name, bool verify) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(name, ec);
  const bool is_ip = !ec;
  // SNI carries DNS names only (RFC 6066).
  if (!is_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(name.c_str())) != 1) {
    return fail(Errc::kInternal, "setting TLS server name " + name + " failed");
  }
  if (!verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(
      param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str())
                       : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  if (ok != 1) return fail(Errc::kInternal, "setting the TLS host check for " + name + " failed");
  return {};
}

std::string tlsVerifyFailure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return "";
  return X509_verify_cert_error_string(result);
}

}  // namespace sluice::discovery::detail
