// The static file source (the embedded default): a directory of Kubernetes manifests, read into a
// ServiceModel and read again whenever a file in it changes. A directory with any bad file is
// reported (file, line, reason) and not applied, so the last good state stays programmed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sluice/discovery/manifest.h"
#include "sluice/discovery/service_model.h"

namespace sluice::discovery {

struct FileSourceOptions {
  std::chrono::milliseconds poll_interval{200};
};

struct FileSourceStats {
  std::uint64_t loads = 0;               // directory states applied
  std::uint64_t load_errors = 0;         // directory states refused
  std::vector<std::string> last_errors;  // of the last refused state, "file:line: reason"
};

class FileSource {
 public:
  FileSource(std::filesystem::path dir, ServiceModel& model, FileSourceOptions options = {});
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Reads the directory now (on the caller's thread) and applies it when good; the model is
  // marked synced after the first good read.
  bool loadOnce();
  // Watches for changes on a thread of its own until stop() or destruction.
  void start();
  void stop();

  [[nodiscard]] FileSourceStats stats() const;
  [[nodiscard]] const std::filesystem::path& directory() const { return dir_; }

 private:
  // Names, sizes and modification times of the files: a change in any means read again.
  [[nodiscard]] std::string fingerprint() const;
  void run();

  std::filesystem::path dir_;
  ServiceModel& model_;
  FileSourceOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  FileSourceStats stats_;
  std::string last_fingerprint_;
  std::thread thread_;
};

}  // namespace sluice::discovery
