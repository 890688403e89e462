# Use ccache for C and C++ when it is installed (rebuilds after a clean checkout are cheap).
find_program(SLUICE_CCACHE ccache)
if(SLUICE_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${SLUICE_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${SLUICE_CCACHE}")
endif()
