# ctest smoke run of one libFuzzer target (see CMakeLists.txt):
#   cmake -DFUZZER=... -DSEEDS=... -DREGRESSIONS=... -DWORK=... -DARTIFACTS=... -DDICT=...
#         -DSECONDS=20 -P run_fuzzer.cmake
# 1. replays the regression inputs (each must run cleanly: libFuzzer runs files given as
#    arguments once each);
# 2. fuzzes for SECONDS over WORK, a copy of the seed corpus in the build folder.
foreach(var FUZZER SEEDS REGRESSIONS WORK ARTIFACTS DICT SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()

# UBSan reports are errors here, not warnings; leaks are reported by LeakSanitizer.
set(ENV{UBSAN_OPTIONS} "halt_on_error=1:print_stacktrace=1:$ENV{UBSAN_OPTIONS}")

file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
file(COPY ${SEEDS}/ DESTINATION ${WORK})

file(GLOB_RECURSE regressions LIST_DIRECTORIES false ${REGRESSIONS}/*)
list(FILTER regressions EXCLUDE REGEX "/(README[^/]*|\\.[^/]*)$")
if(regressions)
  list(LENGTH regressions count)
  message(STATUS "replaying ${count} regression inputs")
  execute_process(COMMAND ${FUZZER} -rss_limit_mb=2048 -timeout=25 ${regressions}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "a regression input fails again (exit ${rc})")
  endif()
endif()

execute_process(
  COMMAND ${FUZZER} ${WORK}
          -dict=${DICT}
          -max_total_time=${SECONDS}
          -rss_limit_mb=2048
          -timeout=25
          -print_final_stats=1
          -artifact_prefix=${ARTIFACTS}/
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the fuzzer found a problem (exit ${rc}); the input is in ${ARTIFACTS}")
endif()
