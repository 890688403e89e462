// The Kubernetes list/watch client: one Reflector per resource keeps a sink in step with the API
// server the way client-go's reflector does — list (in pages), then watch from the list's
// resourceVersion, follow every event and bookmark, re-watch from the last resourceVersion when a
// watch ends or breaks, relist only when the server says that version is gone (410). While the
// server cannot be reached nothing is flushed: the sink keeps what it had.
//
// The client deals in raw JSON objects; decoding them is the sink's business.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/discovery/kube_config.h"

namespace sluice::discovery {

enum class WatchEventType { kAdded, kModified, kDeleted };

struct ResourceKind {
  std::string name;       // "services", for logs and metrics
  std::string list_path;  // "/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices"
  std::string label_selector;
  std::string field_selector;
};

// Callbacks come from the reflector's own thread, one at a time.
class ListWatchSink {
 public:
  virtual ~ListWatchSink() = default;
  // A complete list: the full current set (after the first list and after every relist).
  // Anything the sink had that is not in `items` is gone.
  virtual void replace(std::vector<boost::json::object> items,
                       const std::string& resource_version) = 0;
  virtual void apply(WatchEventType type, boost::json::object object) = 0;
};

struct ReflectorOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + TCP + TLS handshake
  std::chrono::milliseconds request_timeout{60'000};  // one list page, headers to last byte
  // Server-side watch length (timeoutSeconds): uniformly random in [min, 2*min], as client-go
  // does (5-10 min), so a fleet of agents does not re-watch in lockstep.
  std::chrono::seconds watch_timeout_min{300};
  // No byte at all (not even a bookmark) for this long → the connection is presumed dead and
  // the watch is re-established from the last resourceVersion. Older API servers send nothing on
  // a quiet watch until it times out, so keep this above 2 * watch_timeout_min.
  std::chrono::milliseconds idle_read_timeout{660'000};
  std::uint32_t list_page_size = 500;  // limit=; 0 → one unpaginated list
  std::chrono::milliseconds backoff_initial{800};
  std::chrono::milliseconds backoff_max{30'000};
  double backoff_jitter = 0.5;    // each delay is scaled by a random factor in [1, 1 + jitter]
  std::uint64_t random_seed = 0;  // 0 → seeded from the clock
  std::string user_agent = "sluice-agent";
  std::size_t max_response_bytes = std::size_t{1} << 30;  // one list page or one watch event
};

struct ReflectorStats {
  std::uint64_t lists = 0;           // complete lists handed to the sink (first + relists)
  std::uint64_t relists_410 = 0;     // lists restarted because a version had expired
  std::uint64_t watch_restarts = 0;  // watches re-established without a list
  std::uint64_t events = 0;          // ADDED/MODIFIED/DELETED handed to the sink
  std::uint64_t bookmarks = 0;
  std::uint64_t errors = 0;      // failed requests, bad responses, malformed events
  std::string last_error;        // "" until the first error; kept after recovery
  bool synced = false;           // the first list has been handed to the sink
  std::string resource_version;  // the last one seen (list, event or bookmark)
  std::uint32_t consecutive_failures = 0;
  std::chrono::milliseconds last_backoff{0};  // the last delay waited before a retry
};

class Reflector {
 public:
  Reflector(KubeConfig config, ResourceKind kind, ListWatchSink& sink,
            ReflectorOptions options = {});
  ~Reflector();  // stops
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  void start();  // starts the reflector's thread; a second call, or one after stop(), does nothing
  // Returns promptly (well under a second) even mid-connect, mid-read or mid-backoff. No sink
  // callback runs after it returns.
  void stop();

  [[nodiscard]] ReflectorStats stats() const;
  [[nodiscard]] bool synced() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::discovery
