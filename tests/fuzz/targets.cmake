# The fuzz targets, shared by CMakeLists.txt (libFuzzer build, FIREBREAK_FUZZ=ON) and replay.cmake
# (regression replay in the normal build). For each target <t>:
#   <t>.cpp                       defines LLVMFuzzerTestOneInput
#   corpus/<t>/                   seed inputs (replayed too)
#   regressions/<t>/              inputs that once crashed or hung (replayed on every test run)
#   FIREBREAK_FUZZ_DEPS_<t>       libraries it links
#   FIREBREAK_FUZZ_DICTS_<t>      dict/<name>.dict files merged into its libFuzzer dictionary
set(FIREBREAK_FUZZ_TARGETS fuzz_event_reader fuzz_rule_loader fuzz_pattern fuzz_aws_config
    fuzz_world_loader fuzz_playbook_expr fuzz_playbook_loader fuzz_cloudtrail_digest fuzz_vault_records fuzz_wal
    fuzz_records_by_id)

set(FIREBREAK_FUZZ_DEPS_fuzz_event_reader firebreak::matcher firebreak::rules firebreak::event)
set(FIREBREAK_FUZZ_DEPS_fuzz_rule_loader firebreak::pipeline firebreak::matcher firebreak::rules)
set(FIREBREAK_FUZZ_DEPS_fuzz_pattern firebreak::matcher firebreak::rules firebreak::event)

set(FIREBREAK_FUZZ_DEPS_fuzz_aws_config firebreak::aws)
set(FIREBREAK_FUZZ_DEPS_fuzz_world_loader firebreak::sandbox)
set(FIREBREAK_FUZZ_DEPS_fuzz_playbook_expr firebreak::response)
set(FIREBREAK_FUZZ_DEPS_fuzz_playbook_loader firebreak::response)
set(FIREBREAK_FUZZ_DEPS_fuzz_cloudtrail_digest firebreak::evidence firebreak::event)
set(FIREBREAK_FUZZ_DEPS_fuzz_vault_records firebreak::evidence)
set(FIREBREAK_FUZZ_DEPS_fuzz_wal firebreak::pipeline)
set(FIREBREAK_FUZZ_DEPS_fuzz_records_by_id firebreak::pipeline)

set(FIREBREAK_FUZZ_DICTS_fuzz_event_reader json cloudtrail)
set(FIREBREAK_FUZZ_DICTS_fuzz_rule_loader rule_yaml eventbridge sigma)
set(FIREBREAK_FUZZ_DICTS_fuzz_pattern eventbridge json)
set(FIREBREAK_FUZZ_DICTS_fuzz_aws_config aws_config)
set(FIREBREAK_FUZZ_DICTS_fuzz_world_loader world_yaml json)
set(FIREBREAK_FUZZ_DICTS_fuzz_playbook_expr playbook_expr)
set(FIREBREAK_FUZZ_DICTS_fuzz_playbook_loader playbook_yaml playbook_expr)
set(FIREBREAK_FUZZ_DICTS_fuzz_cloudtrail_digest json)
set(FIREBREAK_FUZZ_DICTS_fuzz_vault_records json)
set(FIREBREAK_FUZZ_DICTS_fuzz_records_by_id json cloudtrail)
# A WAL segment is binary records around JSON payloads (magic FBW1, CRC, lengths).
set(FIREBREAK_FUZZ_DICTS_fuzz_wal json)
