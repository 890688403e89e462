// The reflector's thread and retry loop: list, then watch and re-watch, relist on 410, back off
// on failures. Nothing here ever tells the sink to drop state; only a complete list replaces it.
#include "kube_reflector.h"

#include <spdlog/spdlog.h>

#include "kube_watch.h"

namespace sluice::discovery {
namespace {

std::uint64_t seedFrom(const ReflectorOptions& options) {
  if (options.random_seed != 0) return options.random_seed;
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::string_view reasonPhrase(unsigned status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace

Reflector::Impl::Impl(KubeConfig config, ResourceKind kind, ListWatchSink& sink,
                      ReflectorOptions options)
    : config_(std::move(config)),
      kind_(std::move(kind)),
      sink_(sink),
      options_(std::move(options)),
      backoff_(options_.backoff_initial, options_.backoff_max, options_.backoff_jitter,
               seedFrom(options_)),
      random_(seedFrom(options_) ^ 0x9E3779B97F4A7C15ULL) {}

Reflector::Impl::~Impl() { stop(); }

void Reflector::Impl::start() {
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void Reflector::Impl::stop() {
  {
    const std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ReflectorStats Reflector::Impl::stats() const {
  const std::lock_guard lock(stats_mutex_);
  return stats_;
}

bool Reflector::Impl::synced() const {
  const std::lock_guard lock(stats_mutex_);
  return stats_.synced;
}

void Reflector::Impl::run() {
  while (!stopping_) {
    try {
      loop();
    } catch (const std::exception& e) {
      // Only allocation failures and the like can get here; keep the thread alive.
      recordFailure(std::string("internal error: ") + e.what());
      http_.reset();
      if (!backOff()) return;
    }
  }
  http_.reset();
}

void Reflector::Impl::loop() {
  Next next = Next::kRetryList;
  bool need_list = true;
  while (!stopping_) {
    if (!ensureConnection()) {
      if (!backOff()) return;
      continue;
    }
    if (need_list) {
      next = list();
      if (next == Next::kWatch) {
        need_list = false;
        backoff_.reset();
        watched_since_list_ = false;
      }
    } else {
      next = watch();
    }
    switch (next) {
      case Next::kWatch: break;
      case Next::kRelist: need_list = true; break;
      case Next::kRetryWatch:
        if (!backOff()) return;
        break;
      case Next::kRetryList:
        need_list = true;
        if (!backOff()) return;
        break;
      case Next::kStopped: return;
    }
  }
}

bool Reflector::Impl::ensureConnection() {
  if (http_) return true;
  auto created = detail::HttpConnection::create(
      config_,
      detail::HttpOptions{.user_agent = options_.user_agent,
                          .max_body_bytes = options_.max_response_bytes,
                          .connect_timeout = options_.connect_timeout},
      stopping_);
  if (!created) {
    recordFailure(created.error().message());
    return false;
  }
  http_ = std::move(*created);
  return true;
}

void Reflector::Impl::recordFailure(std::string message,
                                    std::optional<std::chrono::seconds> retry_after) {
  retry_after_ = retry_after;
  spdlog::warn("{} reflector: {}", kind_.name, message);
  const std::lock_guard lock(stats_mutex_);
  ++stats_.errors;
  stats_.last_error = std::move(message);
}

bool Reflector::Impl::backOff() {
  auto delay = backoff_.next();
  if (retry_after_) {
    delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after_));
    retry_after_.reset();
  }
  {
    const std::lock_guard lock(stats_mutex_);
    stats_.consecutive_failures = backoff_.failures();
    stats_.last_backoff = delay;
  }
  spdlog::info("{} reflector: retrying in {} ms", kind_.name, delay.count());
  return sleepFor(delay);
}

bool Reflector::Impl::sleepFor(std::chrono::milliseconds delay) {
  std::unique_lock lock(wake_mutex_);
  wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
  return !stopping_;
}

void Reflector::Impl::callSink(std::string_view what, const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    spdlog::error("{} reflector: the sink threw from {}: {}", kind_.name, what, e.what());
    const std::lock_guard lock(stats_mutex_);
    ++stats_.errors;
    stats_.last_error = std::string("sink threw from ") + std::string(what) + ": " + e.what();
  }
}

void Reflector::Impl::setResourceVersion(const std::string& version) {
  if (version.empty()) return;
  resource_version_ = version;
  const std::lock_guard lock(stats_mutex_);
  stats_.resource_version = version;
}

std::string Reflector::Impl::describeHttpFailure(std::string_view what, unsigned status,
                                                 std::string_view body) const {
  std::string out = std::string(what) + " " + kind_.list_path + ": HTTP " + std::to_string(status);
  if (auto phrase = reasonPhrase(status); !phrase.empty()) out += " " + std::string(phrase);
  if (!body.empty()) out += ": " + detail::describeStatusBody(body);
  if (status == 401) {
    out += "; check the bearer token (or token file) and client certificate";
  } else if (status == 403) {
    out += "; the credentials need RBAC permission to list and watch " + kind_.name;
  } else if (status == 404) {
    out += "; is this API (" + kind_.list_path + ") served by this cluster?";
  }
  return out;
}

std::string Reflector::Impl::queryWithSelectors(
    std::vector<std::pair<std::string, std::string>> params) const {
  if (!kind_.label_selector.empty()) params.emplace_back("labelSelector", kind_.label_selector);
  if (!kind_.field_selector.empty()) params.emplace_back("fieldSelector", kind_.field_selector);
  return detail::encodeQuery(std::move(params));
}

Reflector::Reflector(KubeConfig config, ResourceKind kind, ListWatchSink& sink,
                     ReflectorOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(kind), sink, std::move(options))) {}
Reflector::~Reflector() = default;
void Reflector::start() { impl_->start(); }
void Reflector::stop() { impl_->stop(); }
ReflectorStats Reflector::stats() const { return impl_->stats(); }
bool Reflector::synced() const { return impl_->synced(); }

}  // namespace sluice::discovery
