// The CLI's formatting pieces on their own: table alignment, durations, endpoint arguments.
#include <gtest/gtest.h>

#include "endpoint_arg.h"
#include "render_table.h"
#include "table.h"

namespace sluice::controlplane::cli {
namespace {

TEST(CliTableTest, AlignsColumnsAndTrimsTrailingBlanks) {
  Table table({"NAME", "ID", "STATE"});
  table.addRow({"web", "1", "ready"});
  table.addRow({"a-much-longer-name", "12345", ""});
  table.addRow({"short"});
  EXPECT_EQ(table.render(),
            "NAME                 ID      STATE\n"
            "web                  1       ready\n"
            "a-much-longer-name   12345\n"
            "short\n");
}

TEST(CliTableTest, CountsCodePointsNotBytes) {
  Table table({"A", "B"});
  table.addRow({"\xc3\xa9t\xc3\xa9", "x"});  // "été": 3 columns, 5 bytes
  EXPECT_EQ(table.render(), "A     B\n\xc3\xa9t\xc3\xa9   x\n");
}

TEST(CliRenderTest, Durations) {
  EXPECT_EQ(formatDuration(0), "0ms");
  EXPECT_EQ(formatDuration(999), "999ms");
  EXPECT_EQ(formatDuration(1000), "1s");
  EXPECT_EQ(formatDuration(59999), "59s");
  EXPECT_EQ(formatDuration(184000), "3m4s");
  EXPECT_EQ(formatDuration(7500000), "2h5m");
  EXPECT_EQ(formatDuration(273600000), "3d4h");
}

TEST(CliRenderTest, StatusWhenNeverSynced) {
  const std::string text = renderStatus({.node = "n", .synced = false}, 1000);
  EXPECT_NE(text.find("Synced:         no ("), std::string::npos) << text;
  EXPECT_NE(text.find("Last sync:      never\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Source:         <none>\n"), std::string::npos) << text;
}

TEST(CliRenderTest, StatusAge) {
  const std::string text = renderStatus({.synced = true, .last_sync_unix_ms = 1000}, 1000 + 65000);
  EXPECT_NE(text.find("Last sync:      1970-01-01T00:00:01Z (1m5s ago)\n"), std::string::npos)
      << text;
}

TEST(CliEndpointArgTest, AcceptsIPv4AndBracketedIPv6) {
  EXPECT_TRUE(checkEndpoint("10.0.1.7:40112"));
  EXPECT_TRUE(checkEndpoint("[fd00:1::7]:1"));
  EXPECT_TRUE(checkEndpoint("[::1]:65535"));
}

TEST(CliEndpointArgTest, RejectsWhatIsNotAnEndpoint) {
  for (const char* bad :
       {"", "10.0.1.7", "10.0.1.7:", "10.0.1.7:0", "10.0.1.7:65536", "10.0.1.7:80x", "fd00::7:80",
        "[fd00::7]80", "[10.0.0.1]:80", "web:80", "[fd00::7]:"}) {
    auto ok = checkEndpoint(bad);
    EXPECT_FALSE(ok) << bad;
    if (!ok) {
      EXPECT_EQ(ok.error().code(), base::Errc::kInvalidArgument);
    }
  }
}

TEST(CliEndpointArgTest, Protocols) {
  EXPECT_EQ(normaliseProtocol("TCP").value(), "tcp");
  EXPECT_EQ(normaliseProtocol("sctp").value(), "sctp");
  EXPECT_FALSE(normaliseProtocol("icmp"));
}

}  // namespace
}  // namespace sluice::controlplane::cli
