// Where the agent's services come from, behind one small interface: the manifest directory
// (the embedded default) or the Kubernetes API. Both fill the same ServiceModel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sluice/base/error.h"
#include "sluice/controlplane/agent_options.h"
#include "sluice/discovery/service_model.h"

namespace sluice::controlplane {

struct SourceStats {
  std::uint64_t watch_restarts = 0;  // list/watch streams re-opened (Kubernetes)
  std::uint64_t errors = 0;          // refused manifest states, failed requests, bad objects
  std::uint64_t relists = 0;         // full lists after 410 Gone (Kubernetes)
};

class ServiceSource {
 public:
  ServiceSource() = default;
  ServiceSource(const ServiceSource&) = delete;
  ServiceSource& operator=(const ServiceSource&) = delete;
  virtual ~ServiceSource() = default;

  // Starts feeding the model (threads of its own). Errors that stop it from ever working (a bad
  // kubeconfig) come back here; transient ones are retried inside.
  [[nodiscard]] virtual base::Status start() = 0;
  virtual void stop() = 0;
  [[nodiscard]] virtual std::string describe() const = 0;  // "files /etc/sluice/services"
  [[nodiscard]] virtual SourceStats stats() const = 0;
};

[[nodiscard]] std::unique_ptr<ServiceSource> makeFileSource(const std::string& dir,
                                                            discovery::ServiceModel& model);
[[nodiscard]] base::Result<std::unique_ptr<ServiceSource>> makeKubeSource(
    const AgentOptions& options, discovery::ServiceModel& model);

}  // namespace sluice::controlplane
