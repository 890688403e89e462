// The manifest directory: read whole, re-read on change, a bad file keeps the last good state.
#include "sluice/discovery/file_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace sluice::discovery {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-files-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const char* name, const std::string& text) {
    // Written aside and renamed in, as editors and ConfigMap updates do.
    const fs::path tmp = dir_ / (std::string(".") + name + ".tmp");
    std::ofstream(tmp) << text;
    fs::rename(tmp, dir_ / name);
  }
  fs::path dir_;
};

std::string serviceYaml(const char* name, int port) {
  return std::string("kind: Service\nmetadata: {name: ") + name +
         "}\nspec: {clusterIP: 10.96.0.1, ports: [{port: " + std::to_string(port) + "}]}\n";
}

bool waitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

TEST_F(FileSourceTest, LoadsReloadsAndKeepsTheLastGoodState) {
  write("a.yaml", serviceYaml("a", 80));
  ServiceModel model;
  FileSource source(dir_, model, FileSourceOptions{.poll_interval = milliseconds(20)});
  ASSERT_TRUE(source.loadOnce());
  EXPECT_TRUE(model.synced());
  EXPECT_EQ(model.serviceCount(), 1U);
  source.start();

  write("b.yaml", serviceYaml("b", 81));
  ASSERT_TRUE(waitFor([&] { return model.serviceCount() == 2; }));

  // A bad file: reported with file and line; nothing the good files said is lost.
  write("c.yaml", "kind: Service\nmetadata: {name: c}\nspec:\n  ports: [{port: 0x}]\n");
  ASSERT_TRUE(waitFor([&] { return source.stats().load_errors > 0; }));
  EXPECT_EQ(model.serviceCount(), 2U);
  ASSERT_EQ(source.stats().last_errors.size(), 1U);
  EXPECT_EQ(source.stats().last_errors[0],
            "c.yaml:4: Service: spec.ports[0].port: must be an integer");

  // Fixed: applied, and a removed file's service goes away.
  write("c.yaml", serviceYaml("c", 82));
  fs::remove(dir_ / "a.yaml");
  ASSERT_TRUE(waitFor([&] {
    return model.serviceCount() == 2 && model.snapshot({.namespace_ = "default", .name = "c"});
  }));
  EXPECT_FALSE(model.snapshot({.namespace_ = "default", .name = "a"}));
  source.stop();
}

TEST_F(FileSourceTest, AMissingDirectoryIsAnErrorNotACrash) {
  ServiceModel model;
  FileSource source(dir_ / "nope", model);
  EXPECT_FALSE(source.loadOnce());
  EXPECT_FALSE(model.synced());
  EXPECT_EQ(source.stats().load_errors, 1U);
}

}  // namespace
}  // namespace sluice::discovery
