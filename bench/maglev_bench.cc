// Maglev table build time (the paper reports 1.8 ms for M = 65537, N = 1000) and the share of
// entries moved when backends leave (the paper's §5.3 measurement).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sluice/base/maglev.h"

namespace {

using sluice::base::MaglevBackend;
using sluice::base::MaglevTable;

std::vector<MaglevBackend> makeBackends(std::size_t n, bool weighted) {
  std::vector<MaglevBackend> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(
        {.key = "10.244." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":8080",
         .weight = weighted ? static_cast<std::uint32_t>(1 + i % 4) : 1U});
  }
  return out;
}

void buildTable(benchmark::State& state, bool weighted) {
  const auto size = static_cast<std::uint32_t>(state.range(0));
  const auto backends = makeBackends(static_cast<std::size_t>(state.range(1)), weighted);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    auto table = MaglevTable::build(backends, size);
    if (!table) {
      state.SkipWithError(table.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(table->entries().data());
  }
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(size), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MaglevBuild(benchmark::State& state) { buildTable(state, false); }
void BM_MaglevBuildWeighted(benchmark::State& state) { buildTable(state, true); }

// Entries moved (as % of M) when a fraction of N backends leave; reported as counters.
void BM_MaglevDisruption(benchmark::State& state) {
  const auto size = static_cast<std::uint32_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto removed_pct = static_cast<std::size_t>(state.range(2));
  auto all = makeBackends(n, false);
  auto before = MaglevTable::build(all, size);
  std::mt19937 rng(42);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(n - std::max<std::size_t>(1, n * removed_pct / 100));
  double moved_pct = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    auto after = MaglevTable::build(all, size);
    moved_pct = 100.0 * *countMovedEntries(*before, *after) / size;
  }
  state.counters["moved_%"] = moved_pct;
  state.counters["must_move_%"] =
      100.0 * static_cast<double>(n - all.size()) / static_cast<double>(n);
}

BENCHMARK(BM_MaglevBuild)
    ->ArgNames({"M", "N"})
    ->ArgsProduct({{16381, 65537, 655373}, {100, 1000}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaglevBuildWeighted)
    ->ArgNames({"M", "N"})
    ->ArgsProduct({{16381, 65537, 655373}, {100, 1000}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaglevDisruption)
    ->ArgNames({"M", "N", "removed%"})
    ->ArgsProduct({{65537}, {100, 1000}, {1, 5, 10}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
