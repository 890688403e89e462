#include "sluice/base/log.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

TEST(Log, ParsesEveryLevelWord) {
  EXPECT_EQ(parseLogLevel("debug").value(), spdlog::level::debug);
  EXPECT_EQ(parseLogLevel("warn").value(), spdlog::level::warn);
  EXPECT_EQ(parseLogLevel("error").value(), spdlog::level::err);
  EXPECT_EQ(parseLogLevel("off").value(), spdlog::level::off);
}

TEST(Log, UnknownLevelSaysWhatIsAccepted) {
  auto level = parseLogLevel("verbose");
  ASSERT_FALSE(level.has_value());
  EXPECT_NE(level.error().message().find("'verbose'"), std::string::npos);
  EXPECT_NE(level.error().message().find("debug"), std::string::npos);
}

TEST(Log, SetupTwiceReplacesTheLoggerAndAppliesTheLevel) {
  ASSERT_TRUE(setupLogging({.level = "debug", .name = "t1"}).has_value());
  ASSERT_TRUE(setupLogging({.level = "error", .name = "t1"}).has_value());
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
  EXPECT_EQ(spdlog::default_logger()->name(), "t1");
  EXPECT_FALSE(setupLogging({.level = "loud"}).has_value());
  EXPECT_EQ(spdlog::default_logger()->name(), "t1") << "a bad level leaves the logger alone";
}

}  // namespace
}  // namespace sluice::base
