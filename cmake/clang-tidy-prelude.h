// Force-included by scripts/check-tidy.sh only. libstdc++ 12 declares std::expected only when
// __cpp_concepts >= 202002L; clang 16 implements the feature behind that gate (P0848,
// conditionally trivial special members) but still reports 201907L.
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#pragma clang diagnostic ignored "-Wmacro-redefined"
#undef __cpp_concepts
#define __cpp_concepts 202002L
