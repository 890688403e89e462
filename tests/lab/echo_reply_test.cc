// The echo protocol's reply line and the address:port text it is made of.
#include "sluice/lab/echo_reply.h"

#include <gtest/gtest.h>

namespace sluice::lab {
namespace {

SocketAddress at(const char* text) {
  auto parsed = parseSocketAddress(text);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << parsed.error().toString();
  return parsed.value_or(SocketAddress{});
}

TEST(LabEchoReply, ParsesIpv4Reply) {
  auto reply = parseEchoReply(
      "name=p1a proto=tcp peer=192.168.50.100:41234 local=10.244.1.2:8080 echo=hello");
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_EQ(reply->name, "p1a");
  EXPECT_EQ(reply->proto, "tcp");
  EXPECT_EQ(reply->peer, at("192.168.50.100:41234"));
  EXPECT_EQ(reply->peer.address.to_string(), "192.168.50.100");
  EXPECT_EQ(reply->peer.port, 41234);
  EXPECT_EQ(reply->local, at("10.244.1.2:8080"));
  EXPECT_EQ(reply->echo, "hello");
}

TEST(LabEchoReply, ParsesIpv6ReplyWithSpacesInEchoAndLineEnding) {
  auto reply = parseEchoReply(
      "name=p2b proto=udp peer=[fd00:50::100]:5353 local=[fd00:244:2::3]:8080 echo=a b  c\r\n");
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_EQ(reply->proto, "udp");
  EXPECT_TRUE(reply->peer.address.is_v6());
  EXPECT_EQ(reply->peer.address.to_string(), "fd00:50::100");
  EXPECT_EQ(reply->local.toString(), "[fd00:244:2::3]:8080");
  EXPECT_EQ(reply->echo, "a b  c");
}

TEST(LabEchoReply, EmptyEchoIsAllowed) {
  auto reply = parseEchoReply("name=x proto=tcp peer=1.2.3.4:1 local=5.6.7.8:2 echo=");
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_EQ(reply->echo, "");
}

TEST(LabEchoReply, FormatAndParseRoundTrip) {
  const EchoReply reply{.name = "p1b",
                        .proto = "udp",
                        .peer = at("[fd00:244:1::2]:40000"),
                        .local = at("10.244.1.3:8080"),
                        .echo = "x=y z"};
  const std::string line = formatEchoReply(reply);
  EXPECT_EQ(line, "name=p1b proto=udp peer=[fd00:244:1::2]:40000 local=10.244.1.3:8080 echo=x=y z");
  auto parsed = parseEchoReply(line);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  EXPECT_EQ(*parsed, reply);
}

TEST(LabEchoReply, RejectsMalformedLinesSayingWhy) {
  struct Case {
    const char* line;
    const char* says;
  };
  for (const Case& c : {
           Case{"", "expected 'name='"},
           Case{"name=p1a", "fields are missing"},
           Case{"name=p1a proto=sctp peer=1.2.3.4:1 local=1.2.3.4:2 echo=x", "not tcp or udp"},
           Case{"name=p1a proto=tcp local=1.2.3.4:2 peer=1.2.3.4:1 echo=x", "expected 'peer='"},
           Case{"name=p1a proto=tcp peer=1.2.3.4 local=1.2.3.4:2 echo=x", "peer"},
           Case{"name=p1a proto=tcp peer=1.2.3.4:1 local=1.2.3.4:2", "fields are missing"},
           Case{"name= proto=tcp peer=1.2.3.4:1 local=1.2.3.4:2 echo=x", "empty name"},
       }) {
    auto reply = parseEchoReply(c.line);
    ASSERT_FALSE(reply.has_value()) << c.line;
    EXPECT_NE(reply.error().message().find(c.says), std::string::npos)
        << c.line << " → " << reply.error().message();
  }
}

TEST(LabSocketAddress, Ipv4MappedBecomesIpv4) {
  const SocketAddress mapped = at("[::ffff:10.244.1.2]:8080");
  EXPECT_TRUE(mapped.address.is_v4());
  EXPECT_EQ(mapped.toString(), "10.244.1.2:8080");
}

TEST(LabSocketAddress, RejectsAmbiguousOrBrokenText) {
  for (const char* text : {"fd00::1:80", "10.0.0.1", "10.0.0.1:", "10.0.0.1:65536", "[fd00::1]80",
                           "[fd00::1:80", "host:80", ":80", "10.0.0.1:8x"}) {
    EXPECT_FALSE(parseSocketAddress(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sluice::lab
