// The manifest directory as the agent's ServiceSource.
#include "sluice/discovery/file_source.h"
#include "sources.h"

namespace sluice::controlplane {
namespace {

class FileServiceSource final : public ServiceSource {
 public:
  FileServiceSource(const std::string& dir, discovery::ServiceModel& model) : source_(dir, model) {}

  base::Status start() override {
    if (!std::filesystem::is_directory(source_.directory())) {
      return base::fail(base::Errc::kNotFound,
                        "--manifests " + source_.directory().string() + " is not a directory");
    }
    // A bad first state is reported and retried on the next change; the agent keeps whatever a
    // previous agent programmed until a good state arrives.
    (void)source_.loadOnce();
    source_.start();
    return {};
  }
  void stop() override { source_.stop(); }
  std::string describe() const override { return "files " + source_.directory().string(); }
  SourceStats stats() const override {
    return SourceStats{.watch_restarts = 0, .errors = source_.stats().load_errors, .relists = 0};
  }

 private:
  discovery::FileSource source_;
};

}  // namespace

std::unique_ptr<ServiceSource> makeFileSource(const std::string& dir,
                                              discovery::ServiceModel& model) {
  return std::make_unique<FileServiceSource>(dir, model);
}

}  // namespace sluice::controlplane
