# The BPF build path: clang -target bpf compiles a *.bpf.c into an object, bpftool turns the
# object into a libbpf skeleton header, both in the build tree.
#
#   sluice_bpf_skeleton(<target> SOURCE <file.bpf.c> [INCLUDES <dir>...])
#
# creates an INTERFACE library <target> that carries the generated header
# <build>/gen/sluice/bpf/<target>.skel.h (include as "sluice/bpf/<target>.skel.h") and links
# libbpf. The skeleton embeds the object, so nothing has to be installed beside the binary.
find_program(SLUICE_BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(SLUICE_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(SLUICE_BPF_GEN_DIR "${CMAKE_BINARY_DIR}/gen")
set(SLUICE_BPF_CFLAGS -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wextra -Werror
    -Wno-unused-parameter -fno-stack-protector)
if(CMAKE_LIBRARY_ARCHITECTURE)
  # <asm/types.h> and friends live in the multiarch include directory.
  list(APPEND SLUICE_BPF_CFLAGS -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
endif()

function(sluice_bpf_skeleton target)
  cmake_parse_arguments(ARG "" "SOURCE" "INCLUDES" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "sluice_bpf_skeleton(${target}): SOURCE is required")
  endif()
  get_filename_component(src "${ARG_SOURCE}" ABSOLUTE)
  set(obj "${SLUICE_BPF_GEN_DIR}/obj/${target}.bpf.o")
  set(skel "${SLUICE_BPF_GEN_DIR}/sluice/bpf/${target}.skel.h")
  set(includes)
  foreach(dir IN LISTS ARG_INCLUDES)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND includes "-I${dir}")
  endforeach()

  add_custom_command(
    OUTPUT "${obj}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${SLUICE_BPF_GEN_DIR}/obj"
    COMMAND ${SLUICE_BPF_CLANG} ${SLUICE_BPF_CFLAGS} ${includes} -MD -MF "${obj}.d"
            -c "${src}" -o "${obj}"
    DEPENDS "${src}"
    DEPFILE "${obj}.d"
    COMMENT "BPF ${target}: clang -target bpf"
    VERBATIM)
  add_custom_command(
    OUTPUT "${skel}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${SLUICE_BPF_GEN_DIR}/sluice/bpf"
    COMMAND ${SLUICE_BPFTOOL} gen skeleton "${obj}" name "${target}" > "${skel}"
    DEPENDS "${obj}"
    COMMENT "BPF ${target}: bpftool gen skeleton"
    VERBATIM)
  add_custom_target(${target}_skel DEPENDS "${skel}")

  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_skel)
  target_include_directories(${target} SYSTEM INTERFACE "${SLUICE_BPF_GEN_DIR}")
  target_link_libraries(${target} INTERFACE PkgConfig::LIBBPF)
endfunction()
