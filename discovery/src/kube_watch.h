// One line of a watch stream decoded: {"type": "ADDED|MODIFIED|DELETED|BOOKMARK|ERROR",
// "object": {...}}. The API server writes one JSON document per line (Go's json.Encoder); an
// ERROR carries a metav1.Status whose code says what went wrong (410: the version has expired).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/base/error.h"
#include "sluice/discovery/kube_client.h"

namespace sluice::discovery::detail {

struct WatchLine {
  enum class Kind { kBlank, kEvent, kBookmark, kError };
  Kind kind = Kind::kBlank;
  WatchEventType type = WatchEventType::kAdded;  // kEvent
  boost::json::object object;                    // kEvent
  std::string resource_version;                  // kEvent (may be empty), kBookmark
  std::int64_t code = 0;                         // kError: the Status code, 0 when it has none
  std::string reason, message;                   // kError
};

// An error for anything that is not a well-formed event; never throws.
[[nodiscard]] base::Result<WatchLine> decodeWatchLine(std::string_view line);

// A metav1.Status body (or any body) made readable: "Expired: too old resource version: 5 (9)".
// Falls back to the first bytes of the body when it is not a Status.
[[nodiscard]] std::string describeStatusBody(std::string_view body);

}  // namespace sluice::discovery::detail
