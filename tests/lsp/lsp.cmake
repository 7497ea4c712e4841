# The schema as an editor sees it (issue 14): yaml-language-server, pinned,
# driven over LSP on stdio by schema_in_editor.js (label "lsp"). The server is
# installed into the build tree by the first run (a fixture), not at build
# time, so building stays offline; `make packages` installs node and npm.
set(VTX_YAML_LANGUAGE_SERVER_VERSION 1.19.2)
find_program(VTX_NODE node)
find_program(VTX_NPM npm)
if(NOT VTX_NODE OR NOT VTX_NPM)
  message(STATUS "node or npm not found: the lsp tests are not added (make packages installs nodejs and npm)")
  return()
endif()
set(lsp_prefix ${CMAKE_BINARY_DIR}/lsp)
set(lsp_server ${lsp_prefix}/node_modules/yaml-language-server/bin/yaml-language-server)
set(lsp_stamp ${lsp_prefix}/yaml-language-server-${VTX_YAML_LANGUAGE_SERVER_VERSION}.stamp)
add_test(NAME lsp_install_yaml_language_server COMMAND sh -c
  "test -f '${lsp_stamp}' || { '${VTX_NPM}' install --prefix '${lsp_prefix}' --save-exact --no-audit --no-fund --loglevel=error yaml-language-server@${VTX_YAML_LANGUAGE_SERVER_VERSION} && touch '${lsp_stamp}'; }")
set_tests_properties(lsp_install_yaml_language_server PROPERTIES LABELS "lsp" TIMEOUT 300 FIXTURES_SETUP yaml_language_server)
add_test(NAME lsp_schema_completion_and_diagnostics
  COMMAND ${VTX_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/lsp/schema_in_editor.js ${lsp_server} ${CMAKE_SOURCE_DIR})
set_tests_properties(lsp_schema_completion_and_diagnostics PROPERTIES LABELS "lsp" TIMEOUT 120 FIXTURES_REQUIRED yaml_language_server)
