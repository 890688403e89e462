// The reflector's machinery shared by its three source files: the thread and retry loop
// (kube_reflector.cc), listing in pages (kube_reflector_list.cc) and watching
// (kube_reflector_watch.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "kube_backoff.h"
#include "kube_http.h"
#include "sluice/discovery/kube_client.h"

namespace sluice::discovery {

class Reflector::Impl {
 public:
  Impl(KubeConfig config, ResourceKind kind, ListWatchSink& sink, ReflectorOptions options);
  ~Impl();

  void start();
  void stop();
  [[nodiscard]] ReflectorStats stats() const;
  [[nodiscard]] bool synced() const;

 private:
  // Why a list or watch attempt ended, and so what the loop does next.
  enum class Next {
    kWatch,       // (re-)watch from the last resourceVersion now
    kRelist,      // the version expired (410): list again now
    kRetryWatch,  // failed: back off, then re-watch from the last resourceVersion
    kRetryList,   // failed before a list completed, or the stream was corrupt: back off, list
    kStopped,
  };
  struct Failure {
    std::string message;
    std::optional<std::chrono::seconds> retry_after;
  };

  void run();
  void loop();
  [[nodiscard]] Next list();
  [[nodiscard]] Next watch();
  // Records a failed attempt (counted, logged, kept as last_error) for the next back-off.
  void recordFailure(std::string message, std::optional<std::chrono::seconds> retry_after = {});
  // Waits the back-off delay (or Retry-After, when longer); false when stopped meanwhile.
  bool backOff();
  bool sleepFor(std::chrono::milliseconds delay);
  [[nodiscard]] bool ensureConnection();
  // "HTTP 401 Unauthorized: <status message>; <hint>".
  [[nodiscard]] std::string describeHttpFailure(std::string_view what, unsigned status,
                                                std::string_view body) const;
  // Sink code is not ours: an exception from it is logged and counted, never allowed to end the
  // reflector's thread.
  void callSink(std::string_view what, const std::function<void()>& call);
  void setResourceVersion(const std::string& version);
  [[nodiscard]] std::string queryWithSelectors(
      std::vector<std::pair<std::string, std::string>> params) const;

  const KubeConfig config_;
  const ResourceKind kind_;
  ListWatchSink& sink_;
  const ReflectorOptions options_;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;

  // Owned by the reflector thread.
  std::unique_ptr<detail::HttpConnection> http_;
  detail::Backoff backoff_;
  std::mt19937_64 random_;
  std::string resource_version_;
  std::optional<std::chrono::seconds> retry_after_;
  bool watched_since_list_ = false;

  mutable std::mutex stats_mutex_;
  ReflectorStats stats_;
};

}  // namespace sluice::discovery
