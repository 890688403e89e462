#include "sluice/lab/lab.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "lab_plan.h"
#include "signal_teardown.h"
#include "sluice/lab/ip_batch.h"
#include "sluice/lab/names.h"
#include "sluice/lab/netns.h"
#include "sluice/lab/offload.h"
#include "sluice/lab/run_in_netns.h"
#include "sluice/lab/stale_cleanup.h"

namespace sluice::lab {

namespace {

template <typename T>
std::string namesOf(const std::deque<T>& items) {
  std::string names;
  for (const T& item : items) names += (names.empty() ? "" : " ") + item.name;
  return names.empty() ? "none" : names;
}

[[noreturn]] void abortUnknown(std::string_view kind, std::string_view name, std::string known) {
  std::fprintf(stderr, "sluice lab: no %s named '%.*s' (there are: %s); a bug in the test\n",
               std::string(kind).c_str(), static_cast<int>(name.size()), name.data(),
               known.c_str());
  std::abort();
}

}  // namespace

Lab::Lab(std::string prefix, LabOptions options, FabricInfo fabric, HostInfo ext)
    : prefix_(std::move(prefix)),
      options_(options),
      fabric_(std::move(fabric)),
      ext_(std::move(ext)) {}

Lab::~Lab() { teardown(); }

base::Result<std::unique_ptr<Lab>> Lab::create(const LabOptions& options) {
  if (auto valid = validateLabOptions(options); !valid) return base::fail(std::move(valid.error()));
  if (options.clean_stale) (void)cleanupStaleLabs();
  if (options.teardown_on_signal) detail::installSignalTeardown();

  std::string prefix = nextLabPrefix();
  auto fabric = planFabric(prefix);
  auto ext = planExternal(prefix);
  if (!fabric) return base::fail(std::move(fabric.error()));
  if (!ext) return base::fail(std::move(ext.error()));
  std::unique_ptr<Lab> lab(
      new Lab(std::move(prefix), options, std::move(*fabric), std::move(*ext)));
  const auto start = Clock::now();
  if (auto built = lab->build(); !built) {
    return base::fail(std::move(built.error()).withContext("building lab " + lab->prefix_));
  }
  spdlog::info("lab {}: {} nodes, {} pods, {} namespaces up in {} ms", lab->prefix_,
               lab->nodes_.size(), lab->pods_.size(), lab->namespaces_.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
  return lab;
}

base::Status Lab::build() {
  detail::BuildPlan plan;
  detail::planFabricBuild(plan, fabric_);
  detail::planExternalBuild(plan, ext_, fabric_);
  std::vector<const NodeInfo*> earlier_nodes;
  for (int index = 1; index <= options_.nodes; ++index) {
    auto node = planNode(prefix_, index);
    if (!node) return base::fail(std::move(node.error()));
    const NodeInfo& added = nodes_.emplace_back(std::move(*node));
    detail::planNodeBuild(plan, added, earlier_nodes, ext_, fabric_);
    earlier_nodes.push_back(&added);
  }
  for (const NodeInfo& node : nodes_) {
    for (int number = 0; number < options_.pods_per_node; ++number) {
      auto pod = planPod(prefix_, node, number);
      if (!pod) return base::fail(std::move(pod.error()));
      detail::planPodBuild(plan, pods_.emplace_back(std::move(*pod)), node);
    }
  }
  adoptNamespaces(plan.newNamespaces());
  if (auto built = plan.run(options_.command_timeout); !built) return built;
  // Full checksums on everything that enters the fabric, as on a wire (offload.h).
  if (auto ok = setTxChecksumming(ext_.netns, ext_.interface, false); !ok) return ok;
  for (const NodeInfo& node : nodes_) {
    if (auto ok = setTxChecksumming(node.netns, node.external_interface, false); !ok) return ok;
    if (auto ok = attachXdpPass(fabric_.netns, node.fabric_port); !ok) return ok;
  }
  return {};
}

void Lab::adoptNamespaces(const std::vector<std::string>& names) {
  // Recorded before they exist: a signal in the middle of creating them still removes them.
  for (const std::string& name : names) {
    namespaces_.push_back(name);
    detail::trackNetnsFile(netnsPath(name));
  }
}

const NodeInfo* Lab::findNode(std::string_view name) const noexcept {
  const auto it = std::find_if(nodes_.begin(), nodes_.end(),
                               [&](const NodeInfo& node) { return node.name == name; });
  return it == nodes_.end() ? nullptr : &*it;
}

const PodInfo* Lab::findPod(std::string_view name) const noexcept {
  const auto it = std::find_if(pods_.begin(), pods_.end(),
                               [&](const PodInfo& pod) { return pod.name == name; });
  return it == pods_.end() ? nullptr : &*it;
}

const NodeInfo& Lab::node(std::string_view name) const {
  if (const NodeInfo* found = findNode(name)) return *found;
  abortUnknown("node", name, namesOf(nodes_));
}

const PodInfo& Lab::pod(std::string_view name) const {
  if (const PodInfo* found = findPod(name)) return *found;
  abortUnknown("pod", name, namesOf(pods_));
}

std::vector<const PodInfo*> Lab::podsOn(std::string_view node_name) const {
  std::vector<const PodInfo*> on_node;
  for (const PodInfo& pod : pods_) {
    if (pod.node == node_name) on_node.push_back(&pod);
  }
  return on_node;
}

base::Result<const PodInfo*> Lab::addPod(std::string_view node_name) {
  const NodeInfo* node = findNode(node_name);
  if (node == nullptr) {
    return base::fail(base::Errc::kNotFound, "lab " + prefix_ + ": no node named '" +
                                                 std::string(node_name) + "' to add a pod to");
  }
  auto pod = planPod(prefix_, *node, static_cast<int>(podsOn(node_name).size()));
  if (!pod) return base::fail(std::move(pod.error()));
  detail::BuildPlan plan;
  detail::planPodBuild(plan, *pod, *node);
  adoptNamespaces(plan.newNamespaces());
  const PodInfo& added = pods_.emplace_back(std::move(*pod));
  if (auto built = plan.run(options_.command_timeout); !built) {
    return base::fail(
        std::move(built.error()).withContext("lab " + prefix_ + ": adding pod " + added.name));
  }
  return &added;
}

base::Result<const NodeInfo*> Lab::addNode() {
  auto node = planNode(prefix_, static_cast<int>(nodes_.size()) + 1);
  if (!node) return base::fail(std::move(node.error()));
  std::vector<const NodeInfo*> others;
  for (const NodeInfo& existing : nodes_) others.push_back(&existing);
  detail::BuildPlan plan;
  detail::planNodeBuild(plan, *node, others, ext_, fabric_);
  adoptNamespaces(plan.newNamespaces());
  const NodeInfo& added = nodes_.emplace_back(std::move(*node));
  if (auto built = plan.run(options_.command_timeout); !built) {
    return base::fail(
        std::move(built.error()).withContext("lab " + prefix_ + ": adding node " + added.name));
  }
  if (auto ok = setTxChecksumming(added.netns, added.external_interface, false); !ok) {
    return base::fail(std::move(ok.error()));
  }
  if (auto ok = attachXdpPass(fabric_.netns, added.fabric_port); !ok) {
    return base::fail(std::move(ok.error()));
  }
  return &added;
}

bool Lab::ownsNetns(std::string_view netns) const {
  return std::find(namespaces_.begin(), namespaces_.end(), netns) != namespaces_.end();
}

base::Status Lab::requireOwnNetns(std::string_view netns, std::string_view what) const {
  if (ownsNetns(netns)) return {};
  // Safety (LAB.md rule 1): never configure or run things in namespaces the run did not make.
  return base::fail(base::Errc::kInvalidArgument, std::string(what) + ": '" + std::string(netns) +
                                                      "' is not a namespace of lab " + prefix_ +
                                                      " (use e.g. lab.pod(\"p1a\").netns)");
}

base::Status Lab::setMtu(std::string_view netns, std::string_view interface, int mtu) {
  return ip(netns, "link set dev " + std::string(interface) + " mtu " + std::to_string(mtu));
}

base::Status Lab::ip(std::string_view netns, std::string command) const {
  if (auto owned = requireOwnNetns(netns, "ip " + command); !owned) return owned;
  IpBatch batch{std::string(netns)};
  batch.add(std::move(command));
  return batch.run(options_.command_timeout);
}

base::Result<CommandResult> Lab::run(std::string_view netns, std::vector<std::string> argv,
                                     std::chrono::milliseconds timeout) const {
  if (auto owned = requireOwnNetns(netns, describeCommand(argv)); !owned) {
    return base::fail(std::move(owned.error()));
  }
  return runCommand(argv, {.netns = std::string(netns), .timeout = timeout});
}

base::Result<Process*> Lab::spawn(std::string_view netns, std::vector<std::string> argv,
                                  ProcessOptions options) {
  if (auto owned = requireOwnNetns(netns, describeCommand(argv)); !owned) {
    return base::fail(std::move(owned.error()));
  }
  options.netns = netns;
  auto process = Process::start(std::move(argv), std::move(options));
  if (!process) return base::fail(std::move(process.error()));
  return processes_.emplace_back(std::move(*process)).get();
}

base::Result<Process*> Lab::startEcho(std::string_view netns, std::string_view name,
                                      const EchoServerOptions& options) {
  auto binary = echoBinaryPath();
  if (!binary) return base::fail(std::move(binary.error()));
  auto process = spawn(netns, echoServerCommand(*binary, name, options),
                       ProcessOptions{.name = "echo " + std::string(name)});
  if (!process) return process;
  if (auto ready = (*process)->waitForLine("ready", deadlineAfter(options.ready_timeout)); !ready) {
    return base::fail(std::move(ready.error()));
  }
  return process;
}

base::Result<Process*> Lab::startEcho(const PodInfo& pod, const EchoServerOptions& options) {
  return startEcho(pod.netns, pod.name, options);
}

base::Status Lab::startEchoInAllPods(const EchoServerOptions& options) {
  auto binary = echoBinaryPath();
  if (!binary) return base::fail(std::move(binary.error()));
  // Start all, then wait for all: the servers get ready in parallel.
  std::vector<Process*> started;
  for (const PodInfo& pod : pods_) {
    auto process = spawn(pod.netns, echoServerCommand(*binary, pod.name, options),
                         ProcessOptions{.name = "echo " + pod.name});
    if (!process) return base::fail(std::move(process.error()));
    started.push_back(*process);
  }
  const Deadline deadline = deadlineAfter(options.ready_timeout);
  for (Process* process : started) {
    if (auto ready = process->waitForLine("ready", deadline); !ready) return ready;
  }
  return {};
}

Process* Lab::findProcess(std::string_view name) const noexcept {
  for (const auto& process : processes_) {
    if (process->name() == name || process->name() == "echo " + std::string(name)) {
      return process.get();
    }
  }
  return nullptr;
}

base::Result<Cgroup*> Lab::createCgroup(std::string_view suffix) {
  auto cgroup = Cgroup::create(prefix_ + std::string(suffix));
  if (!cgroup) return base::fail(std::move(cgroup.error()));
  return cgroups_.emplace_back(std::move(*cgroup)).get();
}

void Lab::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  const auto start = Clock::now();
  // All get SIGTERM first, so their grace periods run in parallel.
  for (const auto& process : processes_) {
    if (!process->exitStatus()) (void)process->signal(SIGTERM);
  }
  for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) (*it)->stop();
  processes_.clear();
  for (auto it = cgroups_.rbegin(); it != cgroups_.rend(); ++it) {
    if (auto removed = (*it)->remove(); !removed) {
      spdlog::warn("lab {}: {}", prefix_, removed.error().toString());
    }
  }
  cgroups_.clear();
  // Whatever else runs in the lab (started by hand, or by a child) goes too.
  if (const auto killed = killProcessesInNetns(namespaces_); !killed.empty()) {
    spdlog::info("lab {}: killed {} leftover process(es) in its namespaces", prefix_,
                 killed.size());
  }
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    if (auto deleted = deleteNetns(*it); !deleted) {
      spdlog::warn("lab {}: {}", prefix_, deleted.error().toString());
    }
    detail::untrackNetnsFile(netnsPath(*it));
  }
  spdlog::info("lab {}: torn down in {} ms", prefix_,
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

}  // namespace sluice::lab
