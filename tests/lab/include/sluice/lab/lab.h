// Lab: the standard lab of LAB.md — fabric, nodes, pods, an external client — built from network
// namespaces by one call, owning every namespace, process and cgroup it makes, and tearing all of
// it down when destroyed (also when a test fails an ASSERT or throws, and on SIGINT/SIGTERM).
//
//   auto lab = Lab::create();                       // or Lab::create({.nodes = 3})
//   ASSERT_TRUE(lab) << lab.error().toString();
//   ASSERT_TRUE((*lab)->startEchoInAllPods());
//   const PodInfo& pod = (*lab)->pod("p2a");
//   auto reply = tcpEcho({pod.ipv4, 8080}, {.netns = (*lab)->ext().netns});
//   EXPECT_EQ(reply->name, "p2a");
//
// Model references (pod(), nodes(), ...) stay valid for the Lab's lifetime, also across
// addPod/addNode. A Lab is used from one thread at a time.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/lab/cgroup.h"
#include "sluice/lab/command.h"
#include "sluice/lab/echo_server.h"
#include "sluice/lab/process.h"
#include "sluice/lab/topology.h"

namespace sluice::lab {

class Lab {
 public:
  // Cleans up stale runs (unless told not to), then builds the whole topology. On failure,
  // whatever was made is removed again and the error names the failed step.
  [[nodiscard]] static base::Result<std::unique_ptr<Lab>> create(const LabOptions& options = {});
  ~Lab();  // teardown()
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  // --- the model ---
  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }
  [[nodiscard]] const FabricInfo& fabric() const noexcept { return fabric_; }
  [[nodiscard]] const HostInfo& ext() const noexcept { return ext_; }
  [[nodiscard]] const std::deque<NodeInfo>& nodes() const noexcept { return nodes_; }
  [[nodiscard]] const std::deque<PodInfo>& pods() const noexcept { return pods_; }
  [[nodiscard]] const NodeInfo* findNode(std::string_view name) const noexcept;
  [[nodiscard]] const PodInfo* findPod(std::string_view name) const noexcept;
  // As find*, for names a test knows exist: an unknown name is a bug in the test, and aborts
  // with a message listing the known names (the abort handler still tears the lab down).
  [[nodiscard]] const NodeInfo& node(std::string_view name) const;
  [[nodiscard]] const PodInfo& pod(std::string_view name) const;
  [[nodiscard]] std::vector<const PodInfo*> podsOn(std::string_view node_name) const;
  // Every namespace this lab made, in creation order.
  [[nodiscard]] const std::vector<std::string>& namespaces() const noexcept { return namespaces_; }

  // --- growing the lab ---
  // The next pod on `node_name` (p1c after p1a, p1b), wired like the others.
  [[nodiscard]] base::Result<const PodInfo*> addPod(std::string_view node_name);
  // The next node (n3 after n1, n2) without pods, with routes to and from every other node and
  // from ext. Add pods with addPod.
  [[nodiscard]] base::Result<const NodeInfo*> addNode();

  // --- configuration and commands in lab namespaces ---
  [[nodiscard]] base::Status setMtu(std::string_view netns, std::string_view interface, int mtu);
  // One ip command in one of this lab's namespaces: ip("sl42-n1", "route add blackhole ...").
  [[nodiscard]] base::Status ip(std::string_view netns, std::string command) const;
  // Runs a command to completion in one of this lab's namespaces.
  [[nodiscard]] base::Result<CommandResult> run(
      std::string_view netns, std::vector<std::string> argv,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) const;

  // --- processes (stopped at teardown, or earlier by the test through Process::stop) ---
  [[nodiscard]] base::Result<Process*> spawn(std::string_view netns, std::vector<std::string> argv,
                                             ProcessOptions options = {});
  // sluice-echo --name <name> in `netns`; returns once it printed "ready".
  [[nodiscard]] base::Result<Process*> startEcho(std::string_view netns, std::string_view name,
                                                 const EchoServerOptions& options = {});
  [[nodiscard]] base::Result<Process*> startEcho(const PodInfo& pod,
                                                 const EchoServerOptions& options = {});
  // An echo server named after each pod, in each pod; starts them all, then waits for all.
  [[nodiscard]] base::Status startEchoInAllPods(const EchoServerOptions& options = {});
  // The process spawned with that name (echo servers are named after their pod), or null.
  [[nodiscard]] Process* findProcess(std::string_view name) const noexcept;

  // --- cgroups ---
  // <cgroup2>/sluice-lab/<prefix><suffix>, removed at teardown.
  [[nodiscard]] base::Result<Cgroup*> createCgroup(std::string_view suffix);

  // Stops processes, removes cgroups, kills whatever else runs in the lab's namespaces and
  // deletes them. Idempotent; the destructor calls it.
  void teardown();

 private:
  Lab(std::string prefix, LabOptions options, FabricInfo fabric, HostInfo ext);
  [[nodiscard]] base::Status build();
  [[nodiscard]] bool ownsNetns(std::string_view netns) const;
  [[nodiscard]] base::Status requireOwnNetns(std::string_view netns, std::string_view what) const;
  void adoptNamespaces(const std::vector<std::string>& names);

  std::string prefix_;
  LabOptions options_;
  FabricInfo fabric_;
  HostInfo ext_;
  std::deque<NodeInfo> nodes_;
  std::deque<PodInfo> pods_;
  std::vector<std::string> namespaces_;
  std::vector<std::unique_ptr<Process>> processes_;
  std::vector<std::unique_ptr<Cgroup>> cgroups_;
  bool torn_down_ = false;
};

}  // namespace sluice::lab
