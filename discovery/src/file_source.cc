// FileSource: poll the directory's fingerprint, read and apply it whole when it changes.
#include "sluice/discovery/file_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sluice::discovery {

FileSource::FileSource(std::filesystem::path dir, ServiceModel& model, FileSourceOptions options)
    : dir_(std::move(dir)), model_(model), options_(options) {}

FileSource::~FileSource() { stop(); }

std::string FileSource::fingerprint() const {
  std::error_code ec;
  std::vector<std::string> parts;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::error_code entry_ec;
    const auto size = entry.file_size(entry_ec);
    const auto time = entry.last_write_time(entry_ec).time_since_epoch().count();
    parts.push_back(entry.path().filename().string() + ":" + std::to_string(size) + ":" +
                    std::to_string(time));
  }
  if (ec) return "unreadable: " + ec.message();
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& part : parts) out += part + "\n";
  return out;
}

bool FileSource::loadOnce() {
  const std::string print = fingerprint();
  auto objects = loadManifestDirectory(dir_);
  std::lock_guard lock(mutex_);
  last_fingerprint_ = print;
  if (!objects) {
    ++stats_.load_errors;
    stats_.last_errors.clear();
    for (const auto& error : objects.error()) {
      spdlog::error("manifests in {}: {}; keeping the last good state", dir_.string(),
                    error.toString());
      stats_.last_errors.push_back(error.toString());
    }
    return false;
  }
  for (const auto& note : objects->ignored) spdlog::info("manifests: {}", note);
  spdlog::info("manifests in {}: {} services, {} endpoint slices, {} nodes", dir_.string(),
               objects->services.size(), objects->slices.size(), objects->nodes.size());
  model_.replaceNodes(std::move(objects->nodes));
  model_.replaceServices(std::move(objects->services));
  model_.replaceSlices(std::move(objects->slices));
  model_.markSynced();
  ++stats_.loads;
  stats_.last_errors.clear();
  return true;
}

void FileSource::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void FileSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FileSource::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stop_cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_; })) return;
    }
    const std::string print = fingerprint();
    bool changed = false;
    {
      std::lock_guard lock(mutex_);
      changed = print != last_fingerprint_;
    }
    if (changed) (void)loadOnce();
  }
}

FileSourceStats FileSource::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace sluice::discovery
