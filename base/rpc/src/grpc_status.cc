// base::Error <-> grpc::Status (see grpc_status.h).
#include "sluice/rpc/grpc_status.h"

#include <string>

namespace sluice::rpc {

using base::Errc;

grpc::StatusCode toGrpcCode(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case Errc::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case Errc::kAlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case Errc::kOutOfRange: return grpc::StatusCode::OUT_OF_RANGE;
    case Errc::kPermissionDenied: return grpc::StatusCode::PERMISSION_DENIED;
    case Errc::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case Errc::kTimeout: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case Errc::kIo:  // a failed system call inside the agent: nothing the caller can fix
    case Errc::kInternal: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::UNKNOWN;
}

Errc fromGrpcCode(grpc::StatusCode code) noexcept {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION: return Errc::kInvalidArgument;
    case grpc::StatusCode::NOT_FOUND: return Errc::kNotFound;
    case grpc::StatusCode::ALREADY_EXISTS: return Errc::kAlreadyExists;
    case grpc::StatusCode::OUT_OF_RANGE: return Errc::kOutOfRange;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED: return Errc::kPermissionDenied;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return Errc::kUnavailable;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return Errc::kTimeout;
    case grpc::StatusCode::DATA_LOSS: return Errc::kIo;
    default: return Errc::kInternal;  // INTERNAL, UNKNOWN, UNIMPLEMENTED, OK (not an error)
  }
}

grpc::Status toGrpcStatus(const base::Error& error) {
  return {toGrpcCode(error.code()), error.message()};
}

base::Error fromGrpcStatus(const grpc::Status& status, std::string_view call) {
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    return {Errc::kInternal, "the agent does not implement " + std::string(call) +
                                 " (is it older than this sluice?)"};
  }
  std::string message = status.error_message();
  if (message.empty())
    message = std::string(call) + " failed (gRPC code " +
              std::to_string(static_cast<int>(status.error_code())) + ")";
  return {fromGrpcCode(status.error_code()), std::move(message)};
}

}  // namespace sluice::rpc
