#include "sluice/lb/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <atomic>
#include <filesystem>
#include <system_error>

namespace sluice::lb {
namespace {

std::atomic<bool> initialised{false};

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

base::Result<std::unique_ptr<Eal>> Eal::init(const std::vector<std::string>& args) {
  if (initialised.exchange(true)) {
    return base::fail(base::Errc::kAlreadyExists,
                      "the DPDK EAL is already initialised in this process (once per process)");
  }
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.emplace_back("sluice-lb");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(storage.size() + 1);
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(storage.size()), argv.data()) < 0) {
    const int err = rte_errno;
    return base::fail(base::Errc::kUnavailable,
                      "DPDK EAL initialisation failed (" + std::string(rte_strerror(err)) +
                          ") with arguments: " + joined(args) +
                          "; without hugepages pass --no-huge -m 512, without a PCI NIC --no-pci");
  }
  std::unique_ptr<Eal> eal(new Eal());
  // Only a directory of our own prefix is ours to remove; the default one may be shared.
  for (const auto& a : args) {
    if (a.starts_with("--file-prefix")) eal->runtime_dir_ = rte_eal_get_runtime_dir();
  }
  return eal;
}

Eal::~Eal() {
  rte_eal_cleanup();
  // The EAL leaves its runtime directory (named by --file-prefix) behind; it is this process's.
  std::error_code ignored;
  if (!runtime_dir_.empty()) std::filesystem::remove_all(runtime_dir_, ignored);
}

std::vector<unsigned> Eal::workerLcores() {
  std::vector<unsigned> out;
  for (unsigned lcore = rte_get_next_lcore(~0U, 1, 0); lcore < RTE_MAX_LCORE;
       lcore = rte_get_next_lcore(lcore, 1, 0)) {
    out.push_back(lcore);
  }
  return out;
}

}  // namespace sluice::lb
