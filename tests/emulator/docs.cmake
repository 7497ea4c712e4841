# Issue 15: every command of the pages below works as written. One test per
# page (docs_commands_book_ex6_1, docs_commands_netboot, ...), so a failure
# names the page; tests/tools/doc_commands.cpp runs the page's ```sh blocks
# from a scratch directory under the build tree that links the source tree's
# top-level entries and `build` -> this build directory. That way the pages'
# `build/bin/configgen ... profiles/...` is run unchanged whether the build
# directory is build/ in the source tree (CI) or elsewhere, and files the
# commands write land in the scratch directory, not in the source tree. A
# block a test cannot run (root, a lab network) carries a
# `<!-- docs_commands: skip: REASON -->` comment, and the test lists it.
file(GLOB DOC_COMMAND_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/book/*.md)
list(APPEND DOC_COMMAND_PAGES ${CMAKE_SOURCE_DIR}/docs/netboot.md ${CMAKE_SOURCE_DIR}/docs/trace.md)
foreach(page ${DOC_COMMAND_PAGES})
  file(STRINGS ${page} sh_fences REGEX "^```sh")
  if(NOT sh_fences)
    continue()  # a page without commands (docs/book/README.md)
  endif()
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/docs ${page})
  string(REGEX REPLACE "\\.md$" "" name "${rel}")
  string(REGEX REPLACE "[-/.]" "_" name "${name}")
  emulator_test(docs_commands_${name} 600 $<TARGET_FILE:doc_commands> ${page} ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}
    ${EMU_DIR}/docs-commands/${name})
  set_property(TEST docs_commands_${name} APPEND PROPERTY LABELS docs)
endforeach()

# The runner itself, on pages made for it: directives, continuations and a
# written file work; a failing command, an expect-fail command that succeeds
# and an unknown directive each fail the page, naming its line.
set(DOC_SELF ${CMAKE_CURRENT_LIST_DIR}/docs-selfcheck)
foreach(case works fails expect-fail-succeeds unknown-directive)
  add_test(NAME docs_commands_selfcheck_${case} COMMAND $<TARGET_FILE:doc_commands> ${DOC_SELF}/${case}.md
    ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR} ${EMU_DIR}/docs-commands/selfcheck-${case})
  set_tests_properties(docs_commands_selfcheck_${case} PROPERTIES LABELS docs TIMEOUT 30)
endforeach()
set_tests_properties(docs_commands_selfcheck_works PROPERTIES PASS_REGULAR_EXPRESSION
  "wrote the block to notes/hello.txt.*4 command\\(s\\) run from .*1 block\\(s\\) not run:.*works.md:[0-9]+ \\(1 command\\(s\\)\\): needs a lab.*PASSED")
set_tests_properties(docs_commands_selfcheck_fails docs_commands_selfcheck_expect-fail-succeeds docs_commands_selfcheck_unknown-directive
  PROPERTIES FAIL_REGULAR_EXPRESSION "PASSED: every command")
set_tests_properties(docs_commands_selfcheck_fails PROPERTIES PASS_REGULAR_EXPRESSION "fails.md:9: `false` exited 1")
set_tests_properties(docs_commands_selfcheck_expect-fail-succeeds PROPERTIES PASS_REGULAR_EXPRESSION
  "expect-fail-succeeds.md:5: `true` exited 0, but the page says it fails \\(the tool refuses it\\)")
set_tests_properties(docs_commands_selfcheck_unknown-directive PROPERTIES PASS_REGULAR_EXPRESSION
  "unknown-directive.md:3: unknown docs_commands directive \"no-test\"")
