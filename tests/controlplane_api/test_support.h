// Helpers shared by the API and CLI tests: a fresh temporary directory per test, and field-by-field
// expectations for the view structs (they have no operator==; a test names every field, so a new
// field without a check here is a visible omission).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-api-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] std::string path() const { return path_.string(); }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void expectSame(const StatusView& a, const StatusView& b) {
  EXPECT_EQ(a.node, b.node);
  EXPECT_EQ(a.dataplane, b.dataplane);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.synced, b.synced);
  EXPECT_EQ(a.last_sync_unix_ms, b.last_sync_unix_ms);
  EXPECT_EQ(a.services, b.services);
  EXPECT_EQ(a.frontends, b.frontends);
  EXPECT_EQ(a.backends, b.backends);
  EXPECT_EQ(a.syncs, b.syncs);
  EXPECT_EQ(a.sync_errors, b.sync_errors);
  EXPECT_EQ(a.drift_repairs, b.drift_repairs);
  EXPECT_EQ(a.watch_restarts, b.watch_restarts);
  EXPECT_EQ(a.version, b.version);
}

inline void expectSame(const ServiceView& a, const ServiceView& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.family, b.family);
  ASSERT_EQ(a.frontends.size(), b.frontends.size()) << a.name;
  for (std::size_t i = 0; i < a.frontends.size(); ++i) {
    EXPECT_EQ(a.frontends[i].address, b.frontends[i].address);
    EXPECT_EQ(a.frontends[i].kind, b.frontends[i].kind);
    EXPECT_EQ(a.frontends[i].flags, b.frontends[i].flags);
  }
  EXPECT_EQ(a.backends_ready, b.backends_ready);
  EXPECT_EQ(a.backends_total, b.backends_total);
  EXPECT_EQ(a.packets, b.packets);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.connections, b.connections);
}

inline void expectSame(const BackendView& a, const BackendView& b) {
  EXPECT_EQ(a.address, b.address);
  EXPECT_EQ(a.weight, b.weight);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.node_local, b.node_local);
  EXPECT_EQ(a.node, b.node);
  EXPECT_EQ(a.zone, b.zone);
  EXPECT_EQ(a.maglev_entries, b.maglev_entries);
  EXPECT_EQ(a.service, b.service);
}

inline void expectSame(const ConntrackView& a, const ConntrackView& b) {
  EXPECT_EQ(a.protocol, b.protocol);
  EXPECT_EQ(a.client, b.client);
  EXPECT_EQ(a.frontend, b.frontend);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.service, b.service);
  EXPECT_EQ(a.idle_ms, b.idle_ms);
}

inline void expectSame(const ExplainView& a, const ExplainView& b) {
  EXPECT_EQ(a.matched, b.matched);
  EXPECT_EQ(a.frontend, b.frontend);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.service, b.service);
  EXPECT_EQ(a.service_id, b.service_id);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.verdict, b.verdict);
  ASSERT_EQ(a.conntrack.has_value(), b.conntrack.has_value());
  if (a.conntrack) expectSame(*a.conntrack, *b.conntrack);
}

template <typename T>
void expectSame(const std::vector<T>& a, const std::vector<T>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) expectSame(a[i], b[i]);
}

}  // namespace sluice::controlplane::testing
