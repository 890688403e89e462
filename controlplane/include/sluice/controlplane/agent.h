// sluice-agent: the node daemon that replaces kube-proxy. It owns this node's data plane, a
// source of services (manifests or Kubernetes), the sync loop (model → views → reconciler), the
// periodic self-check, health (/healthz, health-check node ports), metrics, and the read-only
// Inspector behind the local API and the `sluice` CLI.
//
// Threads: the control thread (run()) is the only one that writes the data plane; sources feed
// the model from their own threads; HTTP and API threads read through Inspector under a mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "sluice/controlplane/agent_options.h"
#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane {

class Agent final : public Inspector {
 public:
  // Opens the data plane (loading and verifying the BPF programs) and adopts what a previous
  // agent programmed. Nothing is attached or served yet.
  [[nodiscard]] static base::Result<std::unique_ptr<Agent>> create(AgentOptions options);
  ~Agent() override;

  // Starts the source and the servers, then syncs until requestStop(). The data plane keeps
  // forwarding after run() returns (state is pinned); only the agent's own servers stop.
  [[nodiscard]] base::Status run();
  void requestStop();

  [[nodiscard]] StatusView status() const override;
  [[nodiscard]] std::vector<ServiceView> services() const override;
  [[nodiscard]] base::Result<std::vector<BackendView>> backends(
      const std::string& service) const override;
  [[nodiscard]] base::Result<std::vector<ConntrackView>> conntrack(
      std::size_t limit) const override;
  [[nodiscard]] base::Result<ExplainView> explain(const ExplainRequest& request) const override;
  [[nodiscard]] std::string metricsText() const override;

  struct State;  // everything the control thread owns (agent.cc)

 private:
  explicit Agent(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace sluice::controlplane
