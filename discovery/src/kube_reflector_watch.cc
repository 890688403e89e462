// Watching from the last resourceVersion: events go to the sink in order, every event and
// bookmark advances the version, and how the stream ends decides what comes next — a normal end
// or a broken connection → watch again from where we were; 410 → relist; HTTP errors → back off.
#include <spdlog/spdlog.h>

#include "kube_reflector.h"
#include "kube_watch.h"

namespace sluice::discovery {
namespace {

// A watch that ends this quickly without delivering anything is treated as a failure, so a
// server that accepts and closes at once is not hammered (client-go does the same).
constexpr std::chrono::seconds kShortWatch{1};
constexpr std::size_t kMaxErrorBody = std::size_t{64} * 1024;

}  // namespace

Reflector::Impl::Next Reflector::Impl::watch() {
  // Spread like client-go: [min, 2*min].
  const auto min_timeout = std::max<std::int64_t>(options_.watch_timeout_min.count(), 1);
  std::uniform_int_distribution<std::int64_t> spread(min_timeout, 2 * min_timeout);
  const std::chrono::seconds timeout(spread(random_));
  const std::string target =
      kind_.list_path + queryWithSelectors({{"watch", "1"},
                                            {"resourceVersion", resource_version_},
                                            {"allowWatchBookmarks", "true"},
                                            {"timeoutSeconds", std::to_string(timeout.count())}});
  if (watched_since_list_) {
    const std::lock_guard lock(stats_mutex_);
    ++stats_.watch_restarts;
  }
  watched_since_list_ = true;

  const auto started = detail::Clock::now();
  auto response = http_->startStream(target, started + options_.request_timeout);
  if (stopping_) return Next::kStopped;
  if (!response) {
    recordFailure("watch " + kind_.list_path + ": " + response.error().message());
    return Next::kRetryWatch;
  }
  if (response->status != 200) {
    std::string body;
    const auto deadline = detail::Clock::now() + options_.request_timeout;
    while (body.size() < kMaxErrorBody) {
      auto done = http_->readStream(body, deadline);
      if (!done || *done) break;
    }
    http_->close();
    if (stopping_) return Next::kStopped;
    if (response->status == 410) {
      spdlog::info("{} reflector: resourceVersion {} has expired (HTTP 410); relisting", kind_.name,
                   resource_version_);
      const std::lock_guard lock(stats_mutex_);
      ++stats_.relists_410;
      return Next::kRelist;
    }
    recordFailure(describeHttpFailure("watch", response->status, body), response->retry_after);
    return Next::kRetryWatch;
  }
  // The back-off starts over once a watch has proved itself (delivered something or lasted),
  // not merely on a 200: a server that accepts and drops at once must still be backed off from.
  bool healthy = false;
  auto markHealthy = [&] {
    if (healthy) return;
    healthy = true;
    backoff_.reset();
    const std::lock_guard lock(stats_mutex_);
    stats_.consecutive_failures = 0;
  };

  // The server ends the watch after `timeout`; give it a moment before ending it ourselves.
  const auto hard_deadline =
      started + timeout + std::max<detail::Clock::duration>(std::chrono::seconds(2), timeout / 10);
  std::string pending;
  std::size_t scanned = 0;
  std::uint64_t lines = 0;
  // Hands complete lines to the sink; returns what to do next, or nothing to keep reading.
  auto drain = [&](bool at_end) -> std::optional<Next> {
    for (;;) {
      const std::size_t newline = pending.find('\n', scanned);
      if (newline == std::string::npos && !(at_end && scanned < pending.size())) break;
      const std::size_t end = newline == std::string::npos ? pending.size() : newline;
      const std::string_view text(pending.data() + scanned, end - scanned);
      scanned = newline == std::string::npos ? pending.size() : newline + 1;
      auto line = detail::decodeWatchLine(text);
      if (!line) {
        // We cannot tell what was lost; only a list restores a state we can vouch for.
        recordFailure("watch " + kind_.list_path + ": " + line.error().message() +
                      "; listing again");
        return Next::kRetryList;
      }
      switch (line->kind) {
        case detail::WatchLine::Kind::kBlank: continue;
        case detail::WatchLine::Kind::kEvent: {
          ++lines;
          const std::string version = line->resource_version;
          callSink("apply", [&] { sink_.apply(line->type, std::move(line->object)); });
          setResourceVersion(version);
          const std::lock_guard lock(stats_mutex_);
          ++stats_.events;
          continue;
        }
        case detail::WatchLine::Kind::kBookmark: {
          ++lines;
          setResourceVersion(line->resource_version);
          const std::lock_guard lock(stats_mutex_);
          ++stats_.bookmarks;
          continue;
        }
        case detail::WatchLine::Kind::kError:
          if (line->code == 410) {
            spdlog::info("{} reflector: watch from resourceVersion {} expired ({}: {}); relisting",
                         kind_.name, resource_version_, line->reason, line->message);
            const std::lock_guard lock(stats_mutex_);
            ++stats_.relists_410;
            return Next::kRelist;
          }
          recordFailure("watch " + kind_.list_path + ": error event " + std::to_string(line->code) +
                        " " + line->reason + ": " + line->message);
          return Next::kRetryWatch;
      }
    }
    if (scanned > 0) {
      pending.erase(0, scanned);
      scanned = 0;
    }
    if (pending.size() > options_.max_response_bytes) {
      recordFailure("watch " + kind_.list_path + ": an event is larger than " +
                    std::to_string(options_.max_response_bytes) + " bytes; listing again");
      return Next::kRetryList;
    }
    return std::nullopt;
  };

  for (;;) {
    const auto now = detail::Clock::now();
    const auto read_deadline = std::min(now + options_.idle_read_timeout, hard_deadline);
    auto done = http_->readStream(pending, read_deadline);
    if (stopping_) return Next::kStopped;
    if (!done) {
      http_->close();
      if (lines == 0 && detail::Clock::now() - started < kShortWatch) {
        recordFailure("watch " + kind_.list_path + ": " + done.error().message());
        return Next::kRetryWatch;
      }
      if (detail::Clock::now() >= hard_deadline) {
        spdlog::debug("{} reflector: the server did not end the watch; re-watching", kind_.name);
      } else {
        // A broken stream loses nothing: what was not delivered is replayed from our version.
        spdlog::info("{} reflector: watch broken ({}); re-watching from resourceVersion {}",
                     kind_.name, done.error().message(), resource_version_);
      }
      markHealthy();
      return Next::kWatch;
    }
    auto next = drain(*done);
    if (lines > 0) markHealthy();
    if (next) {
      http_->close();
      return *next;
    }
    if (*done) {
      http_->close();
      if (lines == 0 && detail::Clock::now() - started < kShortWatch) {
        recordFailure("watch " + kind_.list_path + ": the server ended the watch at once");
        return Next::kRetryWatch;
      }
      markHealthy();
      return Next::kWatch;
    }
  }
}

}  // namespace sluice::discovery
