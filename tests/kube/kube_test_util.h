// Shared by the reflector tests: a sink that records every callback, polling with a deadline
// (never a bare sleep as synchronisation), object builders and fast reflector options.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sluice/discovery/kube_client.h"

namespace sluice::testing {

inline const std::string kServices = "/api/v1/services";
inline const std::string kSlices = "/apis/discovery.k8s.io/v1/endpointslices";
inline const std::string kNodes = "/api/v1/nodes";

// Polls `condition` until it holds or `timeout` passes.
inline bool waitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline boost::json::object namedObject(const std::string& ns, const std::string& name,
                                       const boost::json::object& labels = {}) {
  boost::json::object meta{{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  if (!labels.empty()) meta["labels"] = labels;
  return boost::json::object{{"metadata", std::move(meta)}, {"spec", boost::json::object{}}};
}

inline std::string nameOf(const boost::json::object& object) {
  const auto& meta = object.at("metadata").as_object();
  return std::string(meta.at("name").as_string());
}

inline std::string versionOf(const boost::json::object& object) {
  const auto& meta = object.at("metadata").as_object();
  return std::string(meta.at("resourceVersion").as_string());
}

// Every callback as a line: "replace a,b,c @7", "ADDED a @8", "DELETED b @9".
class RecordingSink final : public discovery::ListWatchSink {
 public:
  void replace(std::vector<boost::json::object> items, const std::string& version) override {
    std::string names;
    for (const auto& item : items) names += (names.empty() ? "" : ",") + nameOf(item);
    record("replace " + names + " @" + version);
  }
  void apply(discovery::WatchEventType type, boost::json::object object) override {
    const char* word = type == discovery::WatchEventType::kAdded      ? "ADDED"
                       : type == discovery::WatchEventType::kModified ? "MODIFIED"
                                                                      : "DELETED";
    record(std::string(word) + " " + nameOf(object) + " @" + versionOf(object));
  }

  [[nodiscard]] std::vector<std::string> log() const {
    const std::lock_guard lock(mutex_);
    return log_;
  }
  [[nodiscard]] std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return log_.size();
  }
  [[nodiscard]] std::size_t count(const std::string& prefix) const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& line : log_) n += line.starts_with(prefix) ? 1U : 0U;
    return n;
  }
  bool waitForLine(const std::string& line,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return waitFor(
        [&] {
          const std::lock_guard lock(mutex_);
          for (const auto& l : log_) {
            if (l == line) return true;
          }
          return false;
        },
        timeout);
  }

 private:
  void record(std::string line) {
    const std::lock_guard lock(mutex_);
    log_.push_back(std::move(line));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> log_;
};

// Small timeouts so failure paths take milliseconds, and a fixed seed.
inline discovery::ReflectorOptions fastOptions() {
  return discovery::ReflectorOptions{.connect_timeout = std::chrono::seconds(2),
                                     .request_timeout = std::chrono::seconds(5),
                                     .watch_timeout_min = std::chrono::seconds(60),
                                     .idle_read_timeout = std::chrono::seconds(150),
                                     .list_page_size = 2,
                                     .backoff_initial = std::chrono::milliseconds(40),
                                     .backoff_max = std::chrono::milliseconds(320),
                                     .backoff_jitter = 0.25,
                                     .random_seed = 42};
}

inline discovery::ResourceKind servicesKind() {
  return discovery::ResourceKind{.name = "services", .list_path = kServices};
}

}  // namespace sluice::testing
