// A small in-process Kubernetes API server for tests of the list/watch client, written from the
// API documentation ("Efficient detection of changes", "Retrieving large results sets in
// chunks", "Watch bookmarks"). It serves HTTP/1.1 (optionally TLS with a certificate made in
// code) on 127.0.0.1 with a kernel-chosen port, holds objects per collection path with one global
// resourceVersion counter as etcd does, and behaves like kube-apiserver where a client can tell:
//
//   list   GET <path>[?limit=N&continue=T]: {"kind":"<Kind>List","apiVersion":...,"metadata":
//          {"resourceVersion":"N","continue":"T","remainingItemCount":K},"items":[...]}, items
//          sorted by namespace/name, every page from one snapshot; a continue token whose
//          snapshot was compacted → HTTP 410 Status reason Expired.
//   watch  GET <path>?watch=1&resourceVersion=RV[&allowWatchBookmarks=true][&timeoutSeconds=N]:
//          chunked, one {"type":...,"object":...} line per chunk; replays history after RV; RV
//          older than the compaction point → HTTP 200 then an ERROR event carrying a 410 Status
//          (reason Expired, "too old resource version: RV (oldest)"); RV "" or "0" → current state
//          as ADDED first; ends cleanly after timeoutSeconds.
//   both   labelSelector (k, !k, k=v, k!=v) and fieldSelector (metadata.name, metadata.namespace);
//          an object leaving or entering a watch's selection is seen as DELETED / ADDED.
//
// Test controls: change objects, compact history, send bookmarks, pause or cut watch streams
// (also mid-line), go down (connections refused) and come back, answer with an HTTP error
// (e.g. 500, or 429 with Retry-After), require a bearer token, and a log of every request.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

struct FakeApiServerOptions {
  bool tls = false;
  // Names the server certificate is valid for (subject alternative names).
  std::vector<std::string> cert_dns_names = {"localhost"};
  std::vector<std::string> cert_ip_addresses = {"127.0.0.1"};
  // Watches without timeoutSeconds last this long (the real server picks 30-60 min).
  std::chrono::seconds default_watch_timeout{1800};
};

struct RecordedRequest {
  std::string path;
  std::map<std::string, std::string> query;  // decoded
  std::string authorization;
  unsigned status = 0;  // what the server answered
  std::chrono::steady_clock::time_point at;
  [[nodiscard]] bool isWatch() const;
  [[nodiscard]] std::string param(const std::string& key) const;
};

// A PEM certificate and key, self-signed, usable as a CA. For "a different CA" in tests.
struct PemPair {
  std::string cert_pem;
  std::string key_pem;
};
[[nodiscard]] PemPair makeSelfSignedCert(const std::vector<std::string>& dns_names,
                                         const std::vector<std::string>& ip_addresses);

enum class CutMode {
  kBetweenEvents,  // the connection is closed after a complete event, without the last chunk
  kMidLine,        // half of the next event line (in a chunk cut short) is sent, then closed
};

class FakeApiServer {
 public:
  explicit FakeApiServer(FakeApiServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  [[nodiscard]] std::string url() const;  // "http://127.0.0.1:PORT" or https
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const std::string& caPem() const;  // the server's certificate (TLS only)

  // --- objects. `path` is a collection path ("/api/v1/services"). Each change takes the next
  // global resourceVersion, writes it into the object's metadata and returns it.
  std::uint64_t upsert(const std::string& path, boost::json::object object);
  std::uint64_t remove(const std::string& path, const std::string& namespace_name,
                       const std::string& name);
  // Everything up to the current resourceVersion is forgotten: watches from older versions and
  // continue tokens from older snapshots get 410.
  void compact();
  [[nodiscard]] std::uint64_t resourceVersion() const;

  // --- watch streams
  void sendBookmark();  // to every open watch that asked for bookmarks, at the current version
  void pauseWatches(bool paused);  // paused streams hold back events (and bookmarks)
  void cutWatches(CutMode mode);   // breaks every open watch stream
  [[nodiscard]] std::size_t openWatches() const;
  // Answer the next watch request (HTTP 200) with an ERROR 410 event regardless of its version,
  // or (http_status = true) with an HTTP 410 response instead.
  void expireNextWatch(bool http_status = false);
  // Send this raw line (plus "\n") on every open watch, e.g. malformed JSON.
  void sendRawLine(const std::string& line);

  // --- availability
  void setDown(bool down);  // down: connections refused and open ones reset; up: listening again
  // The next `count` requests (-1: all, until cleared) are answered with `status` and a Status
  // body; Retry-After is sent when retry_after is set.
  void failRequests(unsigned status, int count = -1,
                    std::optional<std::chrono::seconds> retry_after = std::nullopt);
  void clearFailures();
  void requireBearerToken(std::string token);  // "" → no authentication required

  // --- what was asked
  [[nodiscard]] std::vector<RecordedRequest> requests() const;
  [[nodiscard]] std::size_t countRequests(bool watch, const std::string& path = "") const;
  void clearRequests();
  // Called on the session's thread for every request before it is answered (and before it is
  // recorded), outside the server's lock: a test can change objects at an exact protocol step.
  void onRequest(std::function<void(const RecordedRequest&)> hook);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::testing
