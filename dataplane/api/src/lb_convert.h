// sluice.lb.v1 messages <-> dataplane model, with the checks a request gets before it reaches a
// Dataplane (each bad field named in the error).
#pragma once

#include "sluice/base/error.h"
#include "sluice/dataplane/model.h"
#include "sluice/lb/v1/lb.pb.h"

namespace sluice::dataplane::lbapi {

[[nodiscard]] base::Result<FrontendKey> fromProto(const lb::v1::VipKey& key);
[[nodiscard]] base::Result<Frontend> fromProto(const lb::v1::Vip& vip);
[[nodiscard]] base::Result<Backend> fromProto(const lb::v1::Backend& backend);

void toProto(const FrontendKey& key, lb::v1::VipKey& out);
void toProto(const Frontend& frontend, lb::v1::Vip& out);
// `entries`: the Maglev slots the backend holds.
void toProto(const Backend& backend, std::uint32_t entries, lb::v1::Backend& out);

}  // namespace sluice::dataplane::lbapi
