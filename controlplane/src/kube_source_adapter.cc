// The Kubernetes API as the agent's ServiceSource: three reflectors (Services, EndpointSlices,
// Nodes) whose JSON objects are decoded into the ServiceModel. The model is marked synced only
// when all three have listed once, so a restarted agent deletes nothing before it has seen
// everything. Objects that fail to decode are logged and counted; the last good copy of that
// object stays in the model.
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>

#include "sluice/discovery/kube_client.h"
#include "sluice/discovery/kube_config.h"
#include "sources.h"

namespace sluice::controlplane {
namespace {

using discovery::WatchEventType;

class KubeServiceSource;

// One resource's sink: decode and apply. `Decode` turns JSON into the typed object.
template <typename Object>
class ModelSink final : public discovery::ListWatchSink {
 public:
  using Decode = discovery::Decoded<Object> (*)(const boost::json::object&);
  using Replace = void (discovery::ServiceModel::*)(std::vector<Object>);

  ModelSink(std::string kind, discovery::ServiceModel& model, Decode decode, Replace replace_all,
            std::function<void(Object)> upsert, std::function<void(const Object&)> remove,
            std::function<void()> listed, std::atomic<std::uint64_t>& errors)
      : kind_(std::move(kind)),
        model_(model),
        decode_(decode),
        replace_(replace_all),
        upsert_(std::move(upsert)),
        remove_(std::move(remove)),
        listed_(std::move(listed)),
        errors_(errors) {}

  void replace(std::vector<boost::json::object> items, const std::string& version) override {
    std::vector<Object> objects;
    objects.reserve(items.size());
    for (const auto& item : items) {
      if (auto object = decode_(item)) {
        objects.push_back(std::move(*object));
      } else {
        report(item, object.error());
      }
    }
    spdlog::info("{}: listed {} at resourceVersion {}", kind_, objects.size(), version);
    (model_.*replace_)(std::move(objects));
    listed_();
  }

  void apply(WatchEventType type, boost::json::object object) override {
    auto decoded = decode_(object);
    if (!decoded) {
      report(object, decoded.error());
      if (type != WatchEventType::kDeleted) return;
      // A deletion still names its object even when the rest is odd.
      auto meta = discovery::decodeMeta(object);
      if (!meta) return;
      Object gone;
      gone.meta = *meta;
      remove_(gone);
      return;
    }
    if (type == WatchEventType::kDeleted) {
      remove_(*decoded);
    } else {
      upsert_(std::move(*decoded));
    }
  }

 private:
  void report(const boost::json::object& item, const discovery::DecodeError& error) {
    ++errors_;
    auto meta = discovery::decodeMeta(item);
    spdlog::warn("{} {}: {}; object ignored", kind_,
                 meta ? meta->name.toString() : std::string("(unnamed)"), error.toString());
  }

  std::string kind_;
  discovery::ServiceModel& model_;
  Decode decode_;
  Replace replace_;
  std::function<void(Object)> upsert_;
  std::function<void(const Object&)> remove_;
  std::function<void()> listed_;
  std::atomic<std::uint64_t>& errors_;
};

class KubeServiceSource final : public ServiceSource {
 public:
  KubeServiceSource(discovery::KubeConfig config, std::string node_name,
                    discovery::ServiceModel& model)
      : config_(std::move(config)), node_name_(std::move(node_name)), model_(model) {}

  ~KubeServiceSource() override { stop(); }

  base::Status start() override {
    auto listed = [this](int bit) {
      return [this, bit] {
        if ((listed_.fetch_or(bit) | bit) == 7) model_.markSynced();
      };
    };
    services_sink_ = std::make_unique<ModelSink<discovery::Service>>(
        "Services", model_, &discovery::decodeService, &discovery::ServiceModel::replaceServices,
        [this](discovery::Service o) { model_.upsertService(std::move(o)); },
        [this](const discovery::Service& o) { model_.deleteService(o.meta.name); }, listed(1),
        errors_);
    slices_sink_ = std::make_unique<ModelSink<discovery::EndpointSlice>>(
        "EndpointSlices", model_, &discovery::decodeEndpointSlice,
        &discovery::ServiceModel::replaceSlices,
        [this](discovery::EndpointSlice o) { model_.upsertSlice(std::move(o)); },
        [this](const discovery::EndpointSlice& o) { model_.deleteSlice(o.meta.name); }, listed(2),
        errors_);
    nodes_sink_ = std::make_unique<ModelSink<discovery::Node>>(
        "Nodes", model_, &discovery::decodeNode, &discovery::ServiceModel::replaceNodes,
        [this](discovery::Node o) { model_.upsertNode(std::move(o)); },
        [this](const discovery::Node& o) { model_.deleteNode(o.meta.name.name); }, listed(4),
        errors_);

    // No headless objects (kube-proxy's selector); service-proxy-name is checked per Service,
    // since a Service may name us. Nodes: this node only (its zone, its deletion).
    reflectors_.push_back(std::make_unique<discovery::Reflector>(
        config_,
        discovery::ResourceKind{.name = "services",
                                .list_path = "/api/v1/services",
                                .label_selector = "!service.kubernetes.io/headless",
                                .field_selector = ""},
        *services_sink_));
    reflectors_.push_back(std::make_unique<discovery::Reflector>(
        config_,
        discovery::ResourceKind{.name = "endpointslices",
                                .list_path = "/apis/discovery.k8s.io/v1/endpointslices",
                                .label_selector = "!service.kubernetes.io/headless",
                                .field_selector = ""},
        *slices_sink_));
    reflectors_.push_back(std::make_unique<discovery::Reflector>(
        config_,
        discovery::ResourceKind{.name = "nodes",
                                .list_path = "/api/v1/nodes",
                                .label_selector = "",
                                .field_selector = "metadata.name=" + node_name_},
        *nodes_sink_));
    for (auto& reflector : reflectors_) reflector->start();
    return {};
  }

  void stop() override {
    for (auto& reflector : reflectors_) reflector->stop();
  }

  std::string describe() const override { return "kubernetes " + config_.server; }

  SourceStats stats() const override {
    SourceStats out{.watch_restarts = 0, .errors = errors_.load(), .relists = 0};
    for (const auto& reflector : reflectors_) {
      const auto stats = reflector->stats();
      out.watch_restarts += stats.watch_restarts;
      out.relists += stats.relists_410;
      out.errors += stats.errors;
    }
    return out;
  }

 private:
  discovery::KubeConfig config_;
  std::string node_name_;
  discovery::ServiceModel& model_;
  std::atomic<int> listed_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::unique_ptr<discovery::ListWatchSink> services_sink_;
  std::unique_ptr<discovery::ListWatchSink> slices_sink_;
  std::unique_ptr<discovery::ListWatchSink> nodes_sink_;
  std::vector<std::unique_ptr<discovery::Reflector>> reflectors_;
};

}  // namespace

base::Result<std::unique_ptr<ServiceSource>> makeKubeSource(const AgentOptions& options,
                                                            discovery::ServiceModel& model) {
  base::Result<discovery::KubeConfig> config = options.kubeconfig.empty()
                                                   ? discovery::inClusterConfig()
                                                   : discovery::loadKubeconfig(options.kubeconfig);
  if (!config && options.kubeconfig.empty() && !options.master.empty()) {
    config = discovery::KubeConfig{};  // --master alone: no credentials, as kube-proxy allows
  }
  if (!config) return base::fail(config.error());
  if (!options.master.empty()) discovery::applyMasterOverride(*config, options.master);
  return std::unique_ptr<ServiceSource>(
      std::make_unique<KubeServiceSource>(std::move(*config), options.hostname, model));
}

}  // namespace sluice::controlplane
