// Watch-line decoding (see kube_watch.h).
#include "kube_watch.h"

#include <boost/json/parse.hpp>

namespace sluice::discovery::detail {
namespace {

using base::Errc;
using base::fail;

std::string stringField(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::string resourceVersionOf(const boost::json::object& object) {
  const auto* meta = object.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return "";
  return stringField(meta->get_object(), "resourceVersion");
}

std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 120;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

}  // namespace

base::Result<WatchLine> decodeWatchLine(std::string_view line) {
  WatchLine out;
  if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  if (ec) {
    return fail(Errc::kInvalidArgument,
                "watch event is not JSON (" + ec.message() + "): " + excerpt(line));
  }
  if (!value.is_object()) {
    return fail(Errc::kInvalidArgument, "watch event is not a JSON object: " + excerpt(line));
  }
  auto& event = value.get_object();
  const std::string type = stringField(event, "type");
  auto* object = event.if_contains("object");
  if (object == nullptr || !object->is_object()) {
    return fail(Errc::kInvalidArgument,
                "watch event of type \"" + type + "\" has no object: " + excerpt(line));
  }
  auto& body = object->get_object();
  if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
    out.kind = WatchLine::Kind::kEvent;
    out.type = type == "ADDED"      ? WatchEventType::kAdded
               : type == "MODIFIED" ? WatchEventType::kModified
                                    : WatchEventType::kDeleted;
    out.resource_version = resourceVersionOf(body);
    out.object = std::move(body);
  } else if (type == "BOOKMARK") {
    out.kind = WatchLine::Kind::kBookmark;
    out.resource_version = resourceVersionOf(body);
    if (out.resource_version.empty()) {
      return fail(Errc::kInvalidArgument, "BOOKMARK without metadata.resourceVersion");
    }
  } else if (type == "ERROR") {
    out.kind = WatchLine::Kind::kError;
    if (const auto* code = body.if_contains("code"); code != nullptr && code->is_int64()) {
      out.code = code->get_int64();
    }
    out.reason = stringField(body, "reason");
    out.message = stringField(body, "message");
  } else {
    return fail(Errc::kInvalidArgument, "watch event has unknown type \"" + type + "\"");
  }
  return out;
}

std::string describeStatusBody(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (!ec && value.is_object()) {
    const auto& status = value.get_object();
    std::string reason = stringField(status, "reason");
    std::string message = stringField(status, "message");
    if (!reason.empty() || !message.empty()) {
      return reason.empty() ? message : message.empty() ? reason : reason + ": " + message;
    }
  }
  return excerpt(body);
}

}  // namespace sluice::discovery::detail
