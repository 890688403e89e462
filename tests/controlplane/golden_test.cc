// Golden tests of the control plane: manifests in (golden/<case>.yaml), the fake data plane's
// dump out (golden/<case>.golden), with what was skipped or ignored and why. The node is "n1"
// with node addresses 192.168.50.1 and fd00:50::1; its zone comes from the case's Node object.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sluice/controlplane/service_sync.h"
#include "sluice/dataplane/fake_dataplane.h"
#include "sluice/discovery/manifest.h"

namespace sluice::controlplane {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

NodeContext testNode() {
  return NodeContext{.node_name = "n1",
                     .zone = "",
                     .nodeport_addresses = {*base::parseIpAddress("192.168.50.1"),
                                            *base::parseIpAddress("fd00:50::1")}};
}

// What a person checks: every decision the control plane took, then the data plane's contents.
std::string runObjects(const discovery::ManifestObjects& objects);

std::string runCase(const fs::path& manifest) {
  auto objects = discovery::parseManifest(readFile(manifest), manifest.filename().string());
  if (!objects) return "manifest error: " + objects.error().toString() + "\n";
  return runObjects(*objects);
}

std::string runObjects(const discovery::ManifestObjects& objects) {
  discovery::ServiceModel model;
  model.replaceNodes(objects.nodes);
  model.replaceServices(objects.services);
  model.replaceSlices(objects.slices);
  model.markSynced();

  dataplane::FakeDataplane fake;
  ServiceSync sync(fake, testNode(), ReconcilerOptions{.maglev_size = 31});
  const auto pass = sync.pass(model, model.takeChanges(std::chrono::milliseconds(0)));

  std::ostringstream out;
  for (const auto& [name, reason] : sync.skipped()) {
    out << "skipped " << name.toString() << ": " << reason << "\n";
  }
  for (const auto& [name, warnings] : sync.warnings()) {
    for (const auto& warning : warnings)
      out << "warning " << name.toString() << ": " << warning << "\n";
  }
  for (const auto& [key, conflict] : sync.reconciler().conflicts()) {
    out << "conflict " << key << ": " << conflict << "\n";
  }
  for (const auto& [port, check] : sync.healthChecks()) {
    out << "healthcheck " << port << " " << check.service.toString()
        << " local-endpoints=" << check.local_endpoints << "\n";
  }
  for (const auto& [key, view] : sync.reconciler().views()) {
    out << "view " << key << " = service " << view.id
        << (view.desired.local_only ? " local-only" : "") << "\n";
    for (const auto& decision : view.desired.decisions) out << "  " << decision << "\n";
  }
  out << "errors " << pass.stats.errors << "\n";
  out << fake.dump();
  return out.str();
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ProgramsWhatTheGoldenFileSays) {
  const fs::path dir(SLUICE_GOLDEN_DIR);
  const fs::path manifest = dir / (GetParam() + ".yaml");
  const fs::path golden = dir / (GetParam() + ".golden");
  const std::string actual = runCase(manifest);
  if (std::getenv("SLUICE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with SLUICE_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, readFile(golden)) << "case " << GetParam();
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(SLUICE_GOLDEN_DIR)) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The examples the README's run command serves, as node n1 (of the lab) sees them.
TEST(GoldenExamplesTest, DeployExamplesProgramWhatTheGoldenFileSays) {
  auto objects = discovery::loadManifestDirectory(SLUICE_EXAMPLES_DIR);
  ASSERT_TRUE(objects) << objects.error().front().toString();
  const std::string actual = runObjects(*objects);
  const fs::path golden = fs::path(SLUICE_GOLDEN_DIR) / "deploy_examples_n1.golden";
  if (std::getenv("SLUICE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  EXPECT_EQ(actual, readFile(golden));
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace sluice::controlplane
