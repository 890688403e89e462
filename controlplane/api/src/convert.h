// The view structs of inspect.h to and from their sluice.v1 messages, field for field. Both
// directions live here so a new field is added in one place.
#pragma once

#include "sluice/controlplane/inspect.h"
#include "sluice/v1/agent.pb.h"

namespace sluice::controlplane::api {

void toProto(const StatusView& view, v1::AgentStatus& out);
void toProto(const ServiceView& view, v1::Service& out);
void toProto(const BackendView& view, v1::Backend& out);
void toProto(const ConntrackView& view, v1::ConntrackEntry& out);
void toProto(const ExplainRequest& request, v1::ExplainRequest& out);
void toProto(const ExplainView& view, v1::Explanation& out);

[[nodiscard]] StatusView fromProto(const v1::AgentStatus& message);
[[nodiscard]] ServiceView fromProto(const v1::Service& message);
[[nodiscard]] BackendView fromProto(const v1::Backend& message);
[[nodiscard]] ConntrackView fromProto(const v1::ConntrackEntry& message);
[[nodiscard]] ExplainRequest fromProto(const v1::ExplainRequest& message);
[[nodiscard]] ExplainView fromProto(const v1::Explanation& message);

}  // namespace sluice::controlplane::api
