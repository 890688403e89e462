# sluice_grpc_proto(<target> ROOT <dir> PROTO <relative/path/name.proto>)
#
# Generates the protobuf and gRPC C++ code of one .proto (protoc + grpc_cpp_plugin) into the
# build tree and compiles it into the OBJECT library <target>, without the project's warnings
# (generated code is not ours). Link it, or add $<TARGET_OBJECTS:<target>> to a library; its
# headers come in as SYSTEM: include "relative/path/name.pb.h" / "name.grpc.pb.h".
function(sluice_grpc_proto target)
  cmake_parse_arguments(ARG "" "ROOT;PROTO" "" ${ARGN})
  if(NOT ARG_ROOT OR NOT ARG_PROTO)
    message(FATAL_ERROR "sluice_grpc_proto(${target}): ROOT and PROTO are required")
  endif()
  string(REGEX REPLACE "\\.proto$" "" stem "${ARG_PROTO}")
  set(gen_root ${CMAKE_CURRENT_BINARY_DIR}/gen)
  set(gen_files
    ${gen_root}/${stem}.pb.cc
    ${gen_root}/${stem}.pb.h
    ${gen_root}/${stem}.grpc.pb.cc
    ${gen_root}/${stem}.grpc.pb.h)
  add_custom_command(
    OUTPUT ${gen_files}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${gen_root}
    COMMAND protobuf::protoc
            --proto_path=${ARG_ROOT}
            --cpp_out=${gen_root}
            --grpc_out=${gen_root}
            --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
            ${ARG_ROOT}/${ARG_PROTO}
    DEPENDS ${ARG_ROOT}/${ARG_PROTO} protobuf::protoc gRPC::grpc_cpp_plugin
    COMMENT "protoc: ${ARG_PROTO}"
    VERBATIM)
  add_library(${target} OBJECT ${gen_files})
  target_include_directories(${target} SYSTEM PUBLIC ${gen_root})
  target_link_libraries(${target} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
endfunction()
