# A folder mixing firebreak rules, Sigma rules, tests-for files, unsupported Sigma constructs and a
# rule for another log source: without --skip-invalid nothing runs and every problem is named with
# file:line:column; with it the rest loads and the counts are shown.
set(DIR ${SRC}/tests/data/sigma-mixed)
execute_process(COMMAND ${FIREBREAK} rules test --no-builtin-rules --rules ${DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "without --skip-invalid: exit ${rc}, expected 2\n${out}${err}")
endif()
foreach(expected
    "sigma_unsupported.yml:9:9: error[sigma-unsupported]: the Sigma modifier 'hour' (date part) is not supported by firebreak"
    "sigma_unsupported.yml:21:26: error[sigma-condition]: condition \"selection | count() by sourceIPAddress > 10\", at character 11: aggregations"
    "sigma_unsupported.yml:26:1: error[sigma-unsupported]: Sigma correlation rules (type: event_count) are not supported yet"
    "sigma_windows.yml:4:5: warning[sigma-other-logsource]")
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing diagnostic: ${expected}\n--- stderr:\n${err}")
  endif()
endforeach()
execute_process(COMMAND ${FIREBREAK} rules test --no-builtin-rules --skip-invalid --rules ${DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
foreach(expected "2 rules loaded (1 Sigma); 3 invalid rule(s) skipped; 1 Sigma rule(s) for other log sources ignored")
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing summary: ${expected}\n--- stderr:\n${err}")
  endif()
endforeach()
string(FIND "${out}" "4 passed, 0 failed" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected the 4 tests of the 2 valid rules to pass\n${out}")
endif()
# Skipped rules make `rules test` exit 1: they were not tested.
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "with --skip-invalid and skipped rules: exit ${rc}, expected 1")
endif()
