# `firebreak evidence verify-cloudtrail` on the digest chain made and signed by an independent
# Python implementation (src/evidence/test/data/python_chain): valid as shipped (exit 0), then a
# copy with one bit flipped in a log file's content is caught (exit 1, "hash value doesn't
# match"); a missing digest is a usage error naming the path (exit 2).
set(data ${SRC}/src/evidence/test/data/python_chain)
file(READ ${data}/newest_digest_key newest)
string(STRIP "${newest}" newest)
file(READ ${data}/public_key.b64 value)
string(STRIP "${value}" value)
# The chain's digests name the key by an AWS-style fingerprint, so the key goes in a ListPublicKeys
# reply, as for real CloudTrail.
set(work ${WORK}/evidence_verify)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})
set(keys ${work}/public-keys.json)
file(WRITE ${keys} "{\"PublicKeyList\":[{\"Value\":\"${value}\",
  \"Fingerprint\":\"aws-style-fingerprint-0123456789\"}]}\n")

execute_process(COMMAND ${FIREBREAK} evidence verify-cloudtrail --root ${data}
                        --digest py-bucket/${newest} --public-keys ${keys}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "2/2 digest files valid\n2/2 log files valid")
  message(FATAL_ERROR "shipped chain not valid (exit ${rc}):\n${out}\n${err}")
endif()

# Tamper with a copy: flip one bit of one log file's content (gunzipped, edited, gzipped again,
# so it is a well-formed log whose hash no longer matches).
file(COPY ${data}/py-bucket DESTINATION ${work})
file(GLOB_RECURSE logs ${work}/py-bucket/*_CloudTrail_*_py.json.gz)
list(SORT logs)
list(GET logs 0 log)
find_program(PYTHON3 python3 REQUIRED)
execute_process(COMMAND ${PYTHON3} -c
  "import gzip, sys\np = sys.argv[1]\nd = bytearray(gzip.decompress(open(p, 'rb').read()))\nd[20] ^= 1\nopen(p, 'wb').write(gzip.compress(bytes(d)))"
  ${log} RESULT_VARIABLE prc)
if(NOT prc EQUAL 0)
  message(FATAL_ERROR "could not edit ${log}")
endif()
execute_process(COMMAND ${FIREBREAK} evidence verify-cloudtrail --root ${work}
                        --digest py-bucket/${newest} --public-keys ${keys}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
get_filename_component(name ${log} NAME)
if(NOT rc EQUAL 1 OR NOT out MATCHES "Log file\ts3://py-bucket/[^\n]*${name}\tINVALID: hash value doesn't match"
   OR NOT out MATCHES "1/2 log files valid, 1/2 log files INVALID")
  message(FATAL_ERROR "tampered log not caught (exit ${rc}):\n${out}\n${err}")
endif()

# --json says the same for machines.
execute_process(COMMAND ${FIREBREAK} evidence verify-cloudtrail --root ${work}
                        --digest py-bucket/${newest} --public-keys ${keys} --json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "\"ok\":false" OR NOT out MATCHES "\"status\":\"hash_mismatch\"")
  message(FATAL_ERROR "--json report wrong (exit ${rc}):\n${out}\n${err}")
endif()

# A digest that is not there is a usage error naming the path.
execute_process(COMMAND ${FIREBREAK} evidence verify-cloudtrail --root ${work}
                        --digest py-bucket/AWSLogs/missing.json.gz --public-keys ${keys}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "py-bucket/AWSLogs/missing.json.gz")
  message(FATAL_ERROR "missing digest not reported (exit ${rc}):\n${err}")
endif()

# keys generate writes a 0600 private key and a public key that keys list finds.
execute_process(COMMAND ${FIREBREAK} evidence keys generate --out ${work}/keys
                RESULT_VARIABLE rc OUTPUT_VARIABLE fp ERROR_VARIABLE err)
string(STRIP "${fp}" fp)
if(NOT rc EQUAL 0 OR NOT fp MATCHES "^[0-9a-f]+$" OR NOT EXISTS ${work}/keys/${fp}.private.pem
   OR NOT EXISTS ${work}/keys/${fp}.public.pem)
  message(FATAL_ERROR "keys generate failed (exit ${rc}): ${fp}\n${err}")
endif()
execute_process(COMMAND stat -c %a ${work}/keys/${fp}.private.pem OUTPUT_VARIABLE mode)
string(STRIP "${mode}" mode)
if(NOT mode STREQUAL "600")
  message(FATAL_ERROR "private key mode is ${mode}, not 600")
endif()
execute_process(COMMAND ${FIREBREAK} evidence keys list --keys ${work}/keys
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^${fp}\t[^\n]*${fp}.public.pem\n$")
  message(FATAL_ERROR "keys list (exit ${rc}):\n${out}\n${err}")
endif()
file(REMOVE_RECURSE ${work})
