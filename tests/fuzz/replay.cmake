# Regression replay in the normal (non-libFuzzer) build: for each fuzz target, an executable made
# of replay_main.cpp and the target's source (both with -DFIREBREAK_FUZZ_REPLAY) runs
# LLVMFuzzerTestOneInput over regressions/<target>/ and corpus/<target>/, each input in a child
# process, and prints "fuzz replay: N inputs, M crashes". Included from tests/CMakeLists.txt;
# run with `ctest -L fuzz-regression`.
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)

foreach(target IN LISTS FIREBREAK_FUZZ_TARGETS)
  add_executable(${target}_replay
    ${CMAKE_CURRENT_LIST_DIR}/replay_main.cpp
    ${CMAKE_CURRENT_LIST_DIR}/${target}.cpp)
  target_link_libraries(${target}_replay PRIVATE ${FIREBREAK_FUZZ_DEPS_${target}})
  target_compile_definitions(${target}_replay PRIVATE FIREBREAK_FUZZ_REPLAY)
  target_compile_options(${target}_replay PRIVATE ${FIREBREAK_WARNINGS})
  add_test(NAME ${target}_replay
    COMMAND ${target}_replay
            ${CMAKE_CURRENT_LIST_DIR}/regressions/${target}
            ${CMAKE_CURRENT_LIST_DIR}/corpus/${target})
  set_tests_properties(${target}_replay PROPERTIES
    LABELS fuzz-regression
    ENVIRONMENT "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
    TIMEOUT 600)
endforeach()
