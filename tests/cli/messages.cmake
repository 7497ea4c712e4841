# configgen's own messages and statuses (tests/cli/messages.sh): -q, -v and
# --log-level; colour on a terminal, NO_COLOR and --color; --werror's count;
# the exit statuses at the end of every command's --help, and the same
# status from check, compile, image and run for the same problem. Included from
# tests/CMakeLists.txt, where CLI names the configgen binary.
foreach(case quiet verbose color werror exit-status consistent)
  add_test(NAME cli_messages_${case} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/messages.sh ${CLI} ${CMAKE_SOURCE_DIR} ${case})
  set_tests_properties(cli_messages_${case} PROPERTIES LABELS host)
endforeach()

# check --format json|sarif: the diagnostics on stdout only, the status as
# for text (the host test DiagnosticFormats parses them).
set(INVALID_PROFILE ${CMAKE_SOURCE_DIR}/tests/host/profiles/invalid.yaml)
add_test(NAME cli_check_format_json COMMAND sh -c "${CLI} check --format json ${INVALID_PROFILE} 2>&1; test $? -eq 1")
set_tests_properties(cli_check_format_json PROPERTIES LABELS host
  PASS_REGULAR_EXPRESSION "^\\[\n  {\n    \"file\": \"[^\"]*invalid.yaml\",\n    \"line\": 9,\n    \"column\": 5,")
add_test(NAME cli_check_format_sarif COMMAND sh -c "${CLI} check --format sarif ${INVALID_PROFILE} 2>&1; test $? -eq 1")
set_tests_properties(cli_check_format_sarif PROPERTIES LABELS host
  PASS_REGULAR_EXPRESSION "^{\n  \"\\$schema\": \"https://[^\"]*sarif-schema-2.1.0.json\",\n  \"version\": \"2.1.0\",.*\"ruleId\": \"unknown-key\"")
