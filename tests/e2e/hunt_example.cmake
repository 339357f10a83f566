# Runs the README's demo command on the shipped archive and checks its outcome through the CLI:
# findings for the intrusion, exit status 1 under --fail-on high, ASFF lines that parse.
execute_process(COMMAND ${FIREBREAK} hunt ${SRC}/examples/archive --fail-on high --format jsonl
                        --no-progress
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit 1 with --fail-on high, got ${rc}\n${err}")
endif()
foreach(api CreateUser AttachUserPolicy CreateAccessKey StopLogging AuthorizeSecurityGroupIngress
            PutBucketPolicy GetAccountAuthorizationDetails)
  string(FIND "${out}" "\"firebreak/EventName\":\"${api}\"" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "no finding for ${api}\n${err}")
  endif()
endforeach()
string(REGEX MATCHALL "\n" lines "${out}")
list(LENGTH lines n)
message(STATUS "${n} ASFF findings")
execute_process(COMMAND ${FIREBREAK} hunt ${SRC}/examples/archive --since 2026-11-02T12:30:00Z
                        --until 2026-11-02T12:31:00Z --account 111122223333 --no-progress
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2)
if(NOT rc2 EQUAL 0 OR NOT out2 MATCHES "AuthorizeSecurityGroupIngress" OR out2 MATCHES "StopLogging")
  message(FATAL_ERROR "time window filter failed (${rc2}):\n${out2}\n${err2}")
endif()
execute_process(COMMAND ${FIREBREAK} hunt /nonexistent/path --no-progress
                RESULT_VARIABLE rc3 OUTPUT_VARIABLE out3 ERROR_VARIABLE err3)
if(NOT err3 MATCHES "nonexistent")
  message(FATAL_ERROR "missing path not reported: ${err3}")
endif()
