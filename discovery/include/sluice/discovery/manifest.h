// Kubernetes manifests on disk — YAML (several documents per file, `kind: List` too) or JSON — in
// the same shapes the API serves (Service, EndpointSlice, Node). This is the static file source's
// parser: every error names the file, the line and the reason, so a person can fix it.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/discovery/objects.h"

namespace sluice::discovery {

struct ManifestObjects {
  std::vector<Service> services;
  std::vector<EndpointSlice> slices;
  std::vector<Node> nodes;
  std::vector<std::string> ignored;  // "deploy.yaml:12: kind Deployment is not read here"
};

struct ManifestError {
  std::string file;
  int line = 0;  // 1-based; 0 when the error is about the whole file
  std::string reason;

  [[nodiscard]] std::string toString() const;  // "web.yaml:14: spec.ports[0].port: …"
};

// One file's text. `file` is only used in messages.
[[nodiscard]] std::expected<ManifestObjects, ManifestError> parseManifest(std::string_view text,
                                                                          const std::string& file);

// Every *.yaml, *.yml and *.json file directly in `dir`, in name order, merged. Any bad file makes
// the whole directory bad (all errors are returned), so a half-read directory is never applied.
// Duplicate objects (same kind and name in two places) are errors too.
[[nodiscard]] std::expected<ManifestObjects, std::vector<ManifestError>> loadManifestDirectory(
    const std::filesystem::path& dir);

}  // namespace sluice::discovery
