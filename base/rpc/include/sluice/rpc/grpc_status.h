// base::Error <-> grpc::Status: the agent answers with the gRPC code that matches an error's
// category (so grpcurl and other clients see NOT_FOUND, INVALID_ARGUMENT, ...), and ApiClient turns
// the code back into a category. kIo and kInternal both travel as INTERNAL and come back as
// kInternal; the message always travels unchanged.
#pragma once

#include <grpcpp/support/status.h>

#include <string_view>

#include "sluice/base/error.h"

namespace sluice::rpc {

[[nodiscard]] grpc::StatusCode toGrpcCode(base::Errc code) noexcept;
[[nodiscard]] base::Errc fromGrpcCode(grpc::StatusCode code) noexcept;

[[nodiscard]] grpc::Status toGrpcStatus(const base::Error& error);
// `call` names the RPC for a status that carries no message of its own (transport failures).
[[nodiscard]] base::Error fromGrpcStatus(const grpc::Status& status, std::string_view call);

}  // namespace sluice::rpc
