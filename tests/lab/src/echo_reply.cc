#include "sluice/lab/echo_reply.h"

#include <ostream>
#include <string>

namespace sluice::lab {

std::string formatEchoReply(const EchoReply& reply) {
  std::string line;
  line.reserve(64 + reply.echo.size());
  line += "name=";
  line += reply.name;
  line += " proto=";
  line += reply.proto;
  line += " peer=";
  line += reply.peer.toString();
  line += " local=";
  line += reply.local.toString();
  line += " echo=";
  line += reply.echo;
  return line;
}

namespace {

// Reads "<key>=<value>" from the front of `rest`; the value ends at the next space, or at the
// end of the line when `to_end` is set.
base::Result<std::string_view> takeField(std::string_view& rest, std::string_view key, bool to_end,
                                         std::string_view line) {
  if (!rest.starts_with(key) || rest.size() <= key.size() || rest[key.size()] != '=') {
    return base::fail(base::Errc::kInvalidArgument,
                      "echo reply '" + std::string(line) + "': expected '" + std::string(key) +
                          "=' at '" + std::string(rest.substr(0, 24)) + "'");
  }
  rest.remove_prefix(key.size() + 1);
  if (to_end) {
    const std::string_view value = rest;
    rest = {};
    return value;
  }
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) {
    return base::fail(base::Errc::kInvalidArgument, "echo reply '" + std::string(line) +
                                                        "' ends after '" + std::string(key) +
                                                        "='; fields are missing");
  }
  const std::string_view value = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return value;
}

}  // namespace

base::Result<EchoReply> parseEchoReply(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  std::string_view rest = line;
  EchoReply reply;

  auto name = takeField(rest, "name", false, line);
  if (!name) return base::fail(std::move(name.error()));
  if (name->empty()) {
    return base::fail(base::Errc::kInvalidArgument,
                      "echo reply '" + std::string(line) + "' has an empty name");
  }
  reply.name = *name;

  auto proto = takeField(rest, "proto", false, line);
  if (!proto) return base::fail(std::move(proto.error()));
  if (*proto != "tcp" && *proto != "udp") {
    return base::fail(base::Errc::kInvalidArgument, "echo reply '" + std::string(line) +
                                                        "': proto is '" + std::string(*proto) +
                                                        "', not tcp or udp");
  }
  reply.proto = *proto;

  for (auto [key, field] : {std::pair{"peer", &reply.peer}, std::pair{"local", &reply.local}}) {
    auto text = takeField(rest, key, false, line);
    if (!text) return base::fail(std::move(text.error()));
    auto address = parseSocketAddress(*text);
    if (!address) {
      return base::fail(
          std::move(address.error()).withContext("echo reply '" + std::string(line) + "': " + key));
    }
    *field = *address;
  }

  auto echo = takeField(rest, "echo", true, line);
  if (!echo) return base::fail(std::move(echo.error()));
  reply.echo = *echo;
  return reply;
}

std::ostream& operator<<(std::ostream& out, const EchoReply& reply) {
  return out << formatEchoReply(reply);
}

}  // namespace sluice::lab
