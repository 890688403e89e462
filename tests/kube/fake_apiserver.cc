// FakeApiServer (see fake_apiserver.h). One thread accepts; each connection gets a thread of
// its own doing blocking Beast I/O, which keeps every session a straight-line story. Watch
// sessions wait on one condition variable for changes, bookmarks, cuts and stop; control calls
// from the test change shared state under one mutex and notify. Blocked reads are released by
// shutting the socket down.
#include "fake_apiserver.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace sluice::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using asio::ip::tcp;

// ---- certificates ------------------------------------------------------------------------

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("making a test certificate: ") + what);
}

void addExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  check(extension != nullptr, "extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// ---- requests and selectors --------------------------------------------------------------

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    out[percentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

const json::object& metaOf(const json::object& object) {
  static const json::object kEmpty;
  const auto* meta = object.if_contains("metadata");
  return meta != nullptr && meta->is_object() ? meta->get_object() : kEmpty;
}

std::string metaString(const json::object& object, std::string_view key) {
  const auto* value = metaOf(object).if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::string keyOf(const json::object& object) {
  return metaString(object, "namespace") + "/" + metaString(object, "name");
}

struct Requirement {
  std::string key;
  enum class Op { kExists, kNotExists, kEquals, kNotEquals } op = Op::kExists;
  std::string value;
};

std::vector<Requirement> parseSelector(const std::string& text) {
  std::vector<Requirement> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string term = text.substr(start, comma - start);
    start = comma + 1;
    while (!term.empty() && term.front() == ' ') term.erase(0, 1);
    while (!term.empty() && term.back() == ' ') term.pop_back();
    if (term.empty()) continue;
    Requirement r;
    if (const auto ne = term.find("!="); ne != std::string::npos) {
      r = {term.substr(0, ne), Requirement::Op::kNotEquals, term.substr(ne + 2)};
    } else if (const auto eq2 = term.find("=="); eq2 != std::string::npos) {
      r = {term.substr(0, eq2), Requirement::Op::kEquals, term.substr(eq2 + 2)};
    } else if (const auto eq = term.find('='); eq != std::string::npos) {
      r = {term.substr(0, eq), Requirement::Op::kEquals, term.substr(eq + 1)};
    } else if (term.front() == '!') {
      r = {term.substr(1), Requirement::Op::kNotExists, ""};
    } else {
      r = {term, Requirement::Op::kExists, ""};
    }
    out.push_back(std::move(r));
  }
  return out;
}

struct Selection {
  std::vector<Requirement> labels, fields;

  [[nodiscard]] bool matches(const json::object& object) const {
    const auto* labels_value = metaOf(object).if_contains("labels");
    const json::object* label_map = labels_value != nullptr && labels_value->is_object()
                                        ? &labels_value->get_object()
                                        : nullptr;
    for (const auto& r : labels) {
      const json::value* v = label_map != nullptr ? label_map->if_contains(r.key) : nullptr;
      const bool has = v != nullptr && v->is_string();
      const std::string value = has ? std::string(v->get_string()) : "";
      if (!test(r, has, value)) return false;
    }
    for (const auto& r : fields) {
      const std::string field = r.key.starts_with("metadata.") ? r.key.substr(9) : r.key;
      if (!test(r, true, metaString(object, field))) return false;
    }
    return true;
  }

  static bool test(const Requirement& r, bool has, const std::string& value) {
    switch (r.op) {
      case Requirement::Op::kExists: return has;
      case Requirement::Op::kNotExists: return !has;
      case Requirement::Op::kEquals: return has && value == r.value;
      case Requirement::Op::kNotEquals: return !has || value != r.value;
    }
    return false;
  }
};

struct ResourceType {
  std::string kind, api_version;
};

std::optional<ResourceType> resourceTypeOf(const std::string& path) {
  static const std::map<std::string, ResourceType> kTypes = {
      {"services", {"Service", "v1"}},
      {"endpoints", {"Endpoints", "v1"}},
      {"nodes", {"Node", "v1"}},
      {"pods", {"Pod", "v1"}},
      {"endpointslices", {"EndpointSlice", "discovery.k8s.io/v1"}},
      {"ingresses", {"Ingress", "networking.k8s.io/v1"}},
  };
  const auto found = kTypes.find(path.substr(path.rfind('/') + 1));
  if (found == kTypes.end()) return std::nullopt;
  return found->second;
}

std::string statusJson(unsigned code, const std::string& reason, const std::string& message) {
  return json::serialize(json::object{{"kind", "Status"},
                                      {"apiVersion", "v1"},
                                      {"metadata", json::object{}},
                                      {"status", "Failure"},
                                      {"message", message},
                                      {"reason", reason},
                                      {"code", code}});
}

std::string reasonFor(unsigned status) {
  switch (status) {
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 410: return "Expired";
    case 429: return "TooManyRequests";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "InternalError";
  }
}

std::string base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string unbase64(const std::string& text) {
  std::string out(3 * text.size() / 4 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return "";
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '\0') out.pop_back();  // padding
  return out;
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace

// ---- public helpers ------------------------------------------------------------------------

bool RecordedRequest::isWatch() const {
  const std::string watch = param("watch");
  return watch == "1" || watch == "true";
}

std::string RecordedRequest::param(const std::string& key) const {
  const auto found = query.find(key);
  return found == query.end() ? "" : found->second;
}

PemPair makeSelfSignedCert(const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& ip_addresses) {
  static std::atomic<long> serial{1};
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(key != nullptr, "key");
  X509* cert = X509_new();
  check(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++ + std::time(nullptr));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sluice-test-apiserver"), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  addExtension(cert, NID_basic_constraints, "critical,CA:TRUE");
  addExtension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
  addExtension(cert, NID_ext_key_usage, "serverAuth,clientAuth");
  addExtension(cert, NID_subject_key_identifier, "hash");
  std::string san;
  for (const auto& dns : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + dns;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!san.empty()) addExtension(cert, NID_subject_alt_name, san);
  check(X509_sign(cert, key, EVP_sha256()) > 0, "sign");
  PemPair out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  out.cert_pem = bioText(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bioText(bio);
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// ---- the server ----------------------------------------------------------------------------

class FakeApiServer::Impl {
 public:
  explicit Impl(FakeApiServerOptions options) : options_(std::move(options)) {
    if (options_.tls) {
      cert_ = makeSelfSignedCert(options_.cert_dns_names, options_.cert_ip_addresses);
      tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(cert_.cert_pem));
      tls_->use_private_key(asio::buffer(cert_.key_pem), asio::ssl::context::pem);
    }
    listen(0);
  }

  ~Impl() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    stopListening();
    killConnections();
    for (auto& thread : sessions_) thread.join();
  }

  std::string url() const {
    return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  std::uint16_t port() const { return port_; }
  const std::string& caPem() const { return cert_.cert_pem; }

  // ---- objects

  std::uint64_t upsert(const std::string& path, json::object object) {
    const auto type = resourceTypeOf(path);
    if (!type) throw std::invalid_argument("FakeApiServer: unknown resource path " + path);
    const std::lock_guard lock(mutex_);
    const std::uint64_t version = ++version_;
    object["kind"] = type->kind;
    object["apiVersion"] = type->api_version;
    if (!object["metadata"].is_object()) object["metadata"] = json::object{};
    auto& meta = object["metadata"].as_object();
    meta["resourceVersion"] = std::to_string(version);
    if (!meta.contains("uid")) meta["uid"] = "uid-" + std::to_string(version);
    auto& collection = collections_[path];
    const std::string key = keyOf(object);
    std::optional<json::object> previous;
    if (auto found = collection.find(key); found != collection.end()) previous = found->second;
    collection[key] = object;
    history_.push_back(
        {version, path, previous ? "MODIFIED" : "ADDED", std::move(object), std::move(previous)});
    changed_.notify_all();
    return version;
  }

  std::uint64_t remove(const std::string& path, const std::string& ns, const std::string& name) {
    const std::lock_guard lock(mutex_);
    auto& collection = collections_[path];
    const auto found = collection.find(ns + "/" + name);
    if (found == collection.end()) {
      throw std::invalid_argument("FakeApiServer: no " + ns + "/" + name + " in " + path);
    }
    const std::uint64_t version = ++version_;
    json::object object = std::move(found->second);
    collection.erase(found);
    json::object previous = object;
    // The deleted object carries the deletion's version, as the real server sends it.
    object["metadata"].as_object()["resourceVersion"] = std::to_string(version);
    history_.push_back({version, path, "DELETED", std::move(object), std::move(previous)});
    changed_.notify_all();
    return version;
  }

  void compact() {
    const std::lock_guard lock(mutex_);
    compacted_ = version_;
    history_.clear();
    std::erase_if(snapshots_, [&](const auto& entry) { return entry.first.second < compacted_; });
    changed_.notify_all();
  }

  std::uint64_t resourceVersion() const {
    const std::lock_guard lock(mutex_);
    return version_;
  }

  // ---- watch controls

  void sendBookmark() {
    forEachWatcher([](Watcher& w) { w.bookmark = true; });
  }
  void pauseWatches(bool paused) {
    const std::lock_guard lock(mutex_);
    paused_ = paused;
    changed_.notify_all();
  }
  void cutWatches(CutMode mode) {
    forEachWatcher([mode](Watcher& w) {
      w.cut = true;
      w.cut_mode = mode;
    });
  }
  std::size_t openWatches() const {
    const std::lock_guard lock(mutex_);
    return watchers_.size();
  }
  void expireNextWatch(bool http_status) {
    const std::lock_guard lock(mutex_);
    expire_next_watch_ = http_status ? 2 : 1;
  }
  void sendRawLine(const std::string& line) {
    forEachWatcher([&](Watcher& w) { w.raw.push_back(line); });
  }

  // ---- availability

  void setDown(bool down) {
    if (down) {
      {
        const std::lock_guard lock(mutex_);
        if (down_) return;
        down_ = true;
      }
      stopListening();
      killConnections();
    } else {
      {
        const std::lock_guard lock(mutex_);
        if (!down_) return;
        down_ = false;
      }
      listen(port_);
    }
  }

  void failRequests(unsigned status, int count, std::optional<std::chrono::seconds> retry_after) {
    const std::lock_guard lock(mutex_);
    fail_status_ = status;
    fail_count_ = count;
    fail_retry_after_ = retry_after;
  }
  void clearFailures() { failRequests(0, 0, std::nullopt); }
  void requireBearerToken(std::string token) {
    const std::lock_guard lock(mutex_);
    token_ = std::move(token);
  }

  std::vector<RecordedRequest> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  void clearRequests() {
    const std::lock_guard lock(mutex_);
    requests_.clear();
  }
  void onRequest(std::function<void(const RecordedRequest&)> hook) {
    const std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
  }

 private:
  struct HistoryEntry {
    std::uint64_t version;
    std::string path;
    std::string type;
    json::object object;
    std::optional<json::object> previous;
  };

  struct Watcher {
    std::string path;
    Selection selection;
    bool bookmarks = false;
    std::uint64_t cursor = 0;  // every change up to here has been considered
    bool bookmark = false;
    bool cut = false;
    CutMode cut_mode = CutMode::kBetweenEvents;
    std::deque<std::string> raw;
  };

  template <typename F>
  void forEachWatcher(F&& f) {
    const std::lock_guard lock(mutex_);
    for (Watcher* w : watchers_) f(*w);
    changed_.notify_all();
  }

  void listen(std::uint16_t port) {
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    acceptor_->open(endpoint.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen();
    port_ = acceptor_->local_endpoint().port();
    accept_thread_ = std::thread([this] { acceptLoop(); });
  }

  void stopListening() {
    if (!acceptor_) return;
    // Wakes the blocked accept() (Linux answers EINVAL); closing from here would race it.
    ::shutdown(acceptor_->native_handle(), SHUT_RDWR);
    accept_thread_.join();
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    acceptor_.reset();
  }

  void killConnections() {
    const std::lock_guard lock(mutex_);
    for (const int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
    changed_.notify_all();
  }

  void acceptLoop() {
    for (;;) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_->accept(socket, ec);
      if (ec) return;
      const std::lock_guard lock(mutex_);
      if (stopping_ || down_) return;
      const int fd = socket.native_handle();
      connection_fds_.insert(fd);
      sessions_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    try {
      if (tls_) {
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
        boost::system::error_code ec;
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (!ec) serveRequests(stream);
      } else {
        serveRequests(socket);
      }
    } catch (const std::exception&) {
      // A broken connection ends its session; nothing else to do.
    }
    const std::lock_guard lock(mutex_);
    connection_fds_.erase(fd);
  }

  template <typename Stream>
  void serveRequests(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(stream, buffer, request, ec);
      if (ec) return;
      if (!handle(stream, request)) return;
    }
  }

  // Answers one request; false when the connection is to be closed.
  template <typename Stream>
  bool handle(Stream& stream, const http::request<http::string_body>& request) {
    const std::string target(request.target());
    const std::size_t question = target.find('?');
    RecordedRequest record{.path = target.substr(0, question),
                           .query = question == std::string::npos
                                        ? std::map<std::string, std::string>{}
                                        : parseQuery(target.substr(question + 1)),
                           .authorization = std::string(request[http::field::authorization]),
                           .at = std::chrono::steady_clock::now()};
    std::function<void(const RecordedRequest&)> hook;
    {
      const std::lock_guard lock(mutex_);
      hook = hook_;
    }
    if (hook) hook(record);
    unsigned fail_status = 0;
    std::optional<std::chrono::seconds> retry_after;
    int expire = 0;
    std::size_t record_index = 0;
    {
      const std::lock_guard lock(mutex_);
      if (fail_count_ != 0 && fail_status_ != 0) {
        fail_status = fail_status_;
        retry_after = fail_retry_after_;
        if (fail_count_ > 0) --fail_count_;
      } else if (!token_.empty() && record.authorization != "Bearer " + token_) {
        fail_status = 401;
      } else if (!resourceTypeOf(record.path)) {
        fail_status = 404;
      } else if (record.isWatch() && expire_next_watch_ != 0) {
        expire = expire_next_watch_;
        expire_next_watch_ = 0;
        if (expire == 2) fail_status = 410;
      }
      record.status = fail_status != 0 ? fail_status : 200;
      requests_.push_back(record);
      record_index = requests_.size() - 1;
    }
    if (fail_status != 0) {
      const std::string message = fail_status == 401   ? "Unauthorized"
                                  : fail_status == 404 ? "the server could not find the requested "
                                                         "resource"
                                  : fail_status == 410 ? "too old resource version"
                                                       : "injected failure";
      std::vector<std::pair<std::string, std::string>> headers;
      if (retry_after) headers.emplace_back("Retry-After", std::to_string(retry_after->count()));
      return respond(stream, request, fail_status,
                     statusJson(fail_status, reasonFor(fail_status), message), headers);
    }
    if (record.isWatch()) {
      serveWatch(stream, record, expire == 1);
      return false;
    }
    return serveList(stream, request, record, record_index);
  }

  template <typename Stream>
  bool respond(Stream& stream, const http::request<http::string_body>& request, unsigned status,
               std::string body,
               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::response<http::string_body> response{static_cast<http::status>(status),
                                               request.version()};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-cache, private");
    for (const auto& [name, value] : headers) response.set(name, value);
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    boost::system::error_code ec;
    http::write(stream, response, ec);
    return !ec && request.keep_alive();
  }

  template <typename Stream>
  bool serveList(Stream& stream, const http::request<http::string_body>& request,
                 const RecordedRequest& record, std::size_t record_index) {
    const Selection selection{parseSelector(record.param("labelSelector")),
                              parseSelector(record.param("fieldSelector"))};
    const std::string limit_text = record.param("limit");
    const std::size_t limit = limit_text.empty() ? 0 : std::stoul(limit_text);
    const auto type = *resourceTypeOf(record.path);
    std::unique_lock lock(mutex_);
    std::uint64_t version = version_;
    std::string start;
    const std::string token = record.param("continue");
    if (!token.empty()) {
      boost::system::error_code ec;
      const json::value decoded = json::parse(unbase64(token), ec);
      if (ec || !decoded.is_object() || !decoded.as_object().contains("rv")) {
        setStatus(record_index, 400);
        lock.unlock();
        return respond(stream, request, 400,
                       statusJson(400, "BadRequest", "invalid continue token"));
      }
      version = static_cast<std::uint64_t>(decoded.at("rv").to_number<std::int64_t>());
      start = std::string(decoded.at("start").as_string());
      if (version < compacted_ || !snapshots_.contains({record.path, version})) {
        setStatus(record_index, 410);
        lock.unlock();
        return respond(
            stream, request, 410,
            statusJson(410, "Expired",
                       "The provided continue parameter is too old to display a consistent list "
                       "result. You can start a new list without the continue parameter, or use "
                       "the continue token in this response to retrieve the remainder of the "
                       "results. Continuing with the provided token results in an inconsistent "
                       "list - objects that were created, modified, or deleted between the time "
                       "the first chunk was returned and now may show up in the list."));
      }
    } else if (limit > 0) {
      // Later pages read the collection as it is now, like etcd reading at this revision.
      snapshots_[{record.path, version}] = collections_[record.path];
    }
    const auto& source = token.empty() && limit == 0 ? collections_[record.path]
                                                     : snapshots_[{record.path, version}];
    json::array items;
    std::string next_key;
    std::size_t remaining = 0;
    for (auto it = source.lower_bound(start); it != source.end(); ++it) {
      if (!selection.matches(it->second)) continue;
      if (limit > 0 && items.size() == limit) {
        if (next_key.empty()) next_key = it->first;
        ++remaining;
        continue;
      }
      json::object item = it->second;
      item.erase("kind");  // items of a list carry neither, the list says it once
      item.erase("apiVersion");
      items.push_back(std::move(item));
    }
    lock.unlock();
    json::object meta{{"resourceVersion", std::to_string(version)}};
    if (!next_key.empty()) {
      meta["continue"] = base64(json::serialize(
          json::object{{"v", "meta.k8s.io/v1"}, {"rv", version}, {"start", next_key}}));
      meta["remainingItemCount"] = remaining;
    }
    const json::object list{{"kind", type.kind + "List"},
                            {"apiVersion", type.api_version},
                            {"metadata", std::move(meta)},
                            {"items", std::move(items)}};
    return respond(stream, request, 200, json::serialize(list));
  }

  std::string eventLine(const std::string& type, const json::object& object) const {
    return json::serialize(json::object{{"type", type}, {"object", object}}) + "\n";
  }

  // The lines a watcher is owed for the changes since its cursor, seen through its selection.
  std::vector<std::string> pendingEvents(Watcher& w) {
    std::vector<std::string> lines;
    for (const auto& entry : history_) {
      if (entry.version <= w.cursor || entry.path != w.path) continue;
      const bool was = entry.previous && w.selection.matches(*entry.previous);
      const bool is = entry.type != "DELETED" && w.selection.matches(entry.object);
      if (entry.type == "DELETED") {
        if (was) lines.push_back(eventLine("DELETED", entry.object));
      } else if (was && is) {
        lines.push_back(eventLine("MODIFIED", entry.object));
      } else if (is) {
        lines.push_back(eventLine("ADDED", entry.object));
      } else if (was) {
        lines.push_back(eventLine("DELETED", entry.object));
      }
    }
    w.cursor = version_;
    return lines;
  }

  template <typename Stream>
  void serveWatch(Stream& stream, const RecordedRequest& record, bool expire) {
    const std::string header =
        "HTTP/1.1 200 OK\r\nCache-Control: no-cache, private\r\nContent-Type: "
        "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    boost::system::error_code ec;
    asio::write(stream, asio::buffer(header), ec);
    if (ec) return;
    auto send = [&](const std::string& data) {
      asio::write(stream, asio::buffer(data), ec);
      return !ec;
    };
    const auto type = *resourceTypeOf(record.path);
    const std::string timeout_text = record.param("timeoutSeconds");
    const auto timeout = timeout_text.empty() ? options_.default_watch_timeout
                                              : std::chrono::seconds(std::stol(timeout_text));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string version_text = record.param("resourceVersion");

    Watcher w{.path = record.path,
              .selection = {parseSelector(record.param("labelSelector")),
                            parseSelector(record.param("fieldSelector"))},
              .bookmarks = record.param("allowWatchBookmarks") == "true"};
    std::unique_lock lock(mutex_);
    std::vector<std::string> first;
    if (expire) {
      first.push_back(expiredLine(version_text.empty() ? 0 : std::stoull(version_text)));
    } else if (version_text.empty() || version_text == "0") {
      // "Start at most recent": the current state as ADDED events, then changes.
      for (const auto& [key, object] : collections_[record.path]) {
        if (w.selection.matches(object)) first.push_back(eventLine("ADDED", object));
      }
      w.cursor = version_;
    } else {
      w.cursor = std::stoull(version_text);
      if (w.cursor < compacted_) first.push_back(expiredLine(w.cursor));
    }
    if (!first.empty() && first.front().find("\"ERROR\"") != std::string::npos) {
      lock.unlock();
      if (send(chunk(first.front()))) send("0\r\n\r\n");
      return;
    }
    watchers_.insert(&w);
    for (;;) {
      std::vector<std::string> lines = std::move(first);
      first.clear();
      // Wakes every 50 ms to see whether the client has gone, as a real server's connection
      // reader would notice, so openWatches() counts only watches somebody is on.
      const bool woken = changed_.wait_until(
          lock,
          std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)),
          [&] {
            return stopping_ || down_ || w.cut || !lines.empty() ||
                   (!paused_ && (!w.raw.empty() || w.bookmark || hasPending(w)));
          });
      if (stopping_ || down_) break;
      if (!woken && std::chrono::steady_clock::now() < deadline) {
        if (peerClosed(stream)) break;
        continue;
      }
      if (w.cut) {
        std::string partial;
        if (w.cut_mode == CutMode::kMidLine) {
          auto owed = pendingEvents(w);
          const std::string line = !owed.empty()
                                       ? owed.front()
                                       : eventLine("MODIFIED", json::object{{"kind", type.kind}});
          // A chunk that announces the whole line but carries half of it.
          char size[32];
          std::snprintf(size, sizeof size, "%zx\r\n", line.size());
          partial = size + line.substr(0, line.size() / 2);
        }
        watchers_.erase(&w);
        lock.unlock();
        if (!partial.empty()) send(partial);
        closeAbruptly(stream);
        return;
      }
      if (std::chrono::steady_clock::now() >= deadline && lines.empty()) {
        watchers_.erase(&w);
        lock.unlock();
        send("0\r\n\r\n");  // timeoutSeconds reached: a clean end
        return;
      }
      if (!paused_) {
        if (w.cursor < compacted_) {
          // Changes this watcher was owed have been compacted away under it.
          lines.push_back(expiredLine(w.cursor));
        } else {
          auto owed = pendingEvents(w);
          std::move(owed.begin(), owed.end(), std::back_inserter(lines));
        }
        for (auto& raw : w.raw) lines.push_back(raw + "\n");
        w.raw.clear();
        if (w.bookmark && w.bookmarks) {
          lines.push_back(eventLine(
              "BOOKMARK", json::object{{"kind", type.kind},
                                       {"apiVersion", type.api_version},
                                       {"metadata", json::object{{"resourceVersion",
                                                                  std::to_string(version_)}}}}));
        }
        w.bookmark = false;
      }
      lock.unlock();
      bool ok = true;
      bool expired = false;
      for (const auto& line : lines) {
        ok = ok && send(chunk(line));
        expired = expired || line.starts_with("{\"type\":\"ERROR\"");
      }
      lock.lock();
      if (!ok) break;
      if (expired) {
        watchers_.erase(&w);
        lock.unlock();
        send("0\r\n\r\n");
        return;
      }
    }
    watchers_.erase(&w);
    lock.unlock();
    closeAbruptly(stream);
  }

  // Under the lock: corrects the answer recorded for a request once it is known.
  void setStatus(std::size_t index, unsigned status) {
    if (index < requests_.size()) requests_[index].status = status;
  }

  // Whether the client has gone (orderly close or reset); a watch only notices when it polls.
  template <typename Stream>
  static bool peerClosed(Stream& stream) {
    const int fd = boost::beast::get_lowest_layer(stream).native_handle();
    char byte = 0;
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  bool hasPending(const Watcher& w) const {
    if (w.cursor < compacted_) return true;
    return !history_.empty() && history_.back().version > w.cursor;
  }

  std::string expiredLine(std::uint64_t version) const {
    const std::string message = "too old resource version: " + std::to_string(version) + " (" +
                                std::to_string(compacted_) + ")";
    boost::system::error_code ec;
    return eventLine("ERROR", json::parse(statusJson(410, "Expired", message), ec).as_object());
  }

  template <typename Stream>
  static void closeAbruptly(Stream& stream) {
    auto& socket = boost::beast::get_lowest_layer(stream);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }

  const FakeApiServerOptions options_;
  PemPair cert_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::io_context io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::thread accept_thread_;
  std::uint16_t port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool down_ = false;
  bool paused_ = false;
  std::set<int> connection_fds_;
  std::list<std::thread> sessions_;
  std::set<Watcher*> watchers_;

  std::uint64_t version_ = 1;  // etcd starts above zero; "0" means "any" to the API
  std::uint64_t compacted_ = 0;
  std::map<std::string, std::map<std::string, json::object>> collections_;
  std::deque<HistoryEntry> history_;
  std::map<std::pair<std::string, std::uint64_t>, std::map<std::string, json::object>> snapshots_;

  unsigned fail_status_ = 0;
  int fail_count_ = 0;
  std::optional<std::chrono::seconds> fail_retry_after_;
  int expire_next_watch_ = 0;  // 1: ERROR event, 2: HTTP 410
  std::string token_;
  std::vector<RecordedRequest> requests_;
  std::function<void(const RecordedRequest&)> hook_;
};

FakeApiServer::FakeApiServer(FakeApiServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
FakeApiServer::~FakeApiServer() = default;
std::string FakeApiServer::url() const { return impl_->url(); }
std::uint16_t FakeApiServer::port() const { return impl_->port(); }
const std::string& FakeApiServer::caPem() const { return impl_->caPem(); }
std::uint64_t FakeApiServer::upsert(const std::string& path, boost::json::object object) {
  return impl_->upsert(path, std::move(object));
}
std::uint64_t FakeApiServer::remove(const std::string& path, const std::string& namespace_name,
                                    const std::string& name) {
  return impl_->remove(path, namespace_name, name);
}
void FakeApiServer::compact() { impl_->compact(); }
std::uint64_t FakeApiServer::resourceVersion() const { return impl_->resourceVersion(); }
void FakeApiServer::sendBookmark() { impl_->sendBookmark(); }
void FakeApiServer::pauseWatches(bool paused) { impl_->pauseWatches(paused); }
void FakeApiServer::cutWatches(CutMode mode) { impl_->cutWatches(mode); }
std::size_t FakeApiServer::openWatches() const { return impl_->openWatches(); }
void FakeApiServer::expireNextWatch(bool http_status) { impl_->expireNextWatch(http_status); }
void FakeApiServer::sendRawLine(const std::string& line) { impl_->sendRawLine(line); }
void FakeApiServer::setDown(bool down) { impl_->setDown(down); }
void FakeApiServer::failRequests(unsigned status, int count,
                                 std::optional<std::chrono::seconds> retry_after) {
  impl_->failRequests(status, count, retry_after);
}
void FakeApiServer::clearFailures() { impl_->clearFailures(); }
void FakeApiServer::requireBearerToken(std::string token) {
  impl_->requireBearerToken(std::move(token));
}
std::vector<RecordedRequest> FakeApiServer::requests() const { return impl_->requests(); }
std::size_t FakeApiServer::countRequests(bool watch, const std::string& path) const {
  std::size_t count = 0;
  for (const auto& r : impl_->requests()) {
    if (r.isWatch() == watch && (path.empty() || r.path == path)) ++count;
  }
  return count;
}
void FakeApiServer::clearRequests() { impl_->clearRequests(); }
void FakeApiServer::onRequest(std::function<void(const RecordedRequest&)> hook) {
  impl_->onRequest(std::move(hook));
}

}  // namespace sluice::testing
