# sluice_warnings(target): the project's warning set, -Werror when SLUICE_WERROR is on.
function(sluice_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    # Designated initialisers that leave defaulted members out are the house style.
    -Wno-missing-field-initializers
    $<$<BOOL:${SLUICE_WERROR}>:-Werror>)
endfunction()
