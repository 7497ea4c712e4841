# libFuzzer targets, built with clang (the rest of the build uses gcc) and
# run for a bounded time by CTest (label "fuzz"). The seeds are the project's
# own profiles and a compiled blob.
# Off by default (a demo does not need them: one serial clang build over all
# sources); `make test` turns VTX_FUZZ on.
if(NOT VTX_FUZZ)
  return()
endif()
find_program(CLANGXX NAMES clang++-14 clang++)
if(NOT CLANGXX)
  message(STATUS "clang++ not found: fuzz targets skipped")
  return()
endif()
set(FUZZ_LOGIC_SOURCES ${CONFIGGEN_LIB_SOURCES} ${VMM_HOST_LOGIC_SOURCES})
list(FILTER FUZZ_LOGIC_SOURCES EXCLUDE REGEX "/appliance/")
# fuzz_blob drives inspect's blob descriptions (text and typed JSON), which live with the CLI.
list(APPEND FUZZ_LOGIC_SOURCES ${CMAKE_SOURCE_DIR}/configgen/commands/inspect.cpp ${CMAKE_SOURCE_DIR}/configgen/commands/report_tree.cpp
  ${CMAKE_SOURCE_DIR}/configgen/commands/inspect_json.cpp)
set(FUZZ_FLAGS -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
  -I${CMAKE_SOURCE_DIR}/configgen -I${CMAKE_SOURCE_DIR}/vmm
  "-DVTX_SOURCE_DIR=\"${CMAKE_SOURCE_DIR}\"" "-DVTX_BINARY_DIR=\"${CMAKE_BINARY_DIR}\""
  "-DVTX_INSTALL_BINDIR=\"${CMAKE_INSTALL_BINDIR}\"" "-DVTX_INSTALL_LIBDIR=\"${CMAKE_INSTALL_LIBDIR}\""
  "-DVTX_INSTALL_DATADIR=\"${CMAKE_INSTALL_DATADIR}\""
  # configgen's messages go through spdlog with Debian's shared spdlog and fmt (configgen/console).
  -DFMT_SHARED -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL -DSPDLOG_SHARED_LIB)
foreach(target fuzz_profile fuzz_blob)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/bin/${target}
    COMMAND ${CLANGXX} ${FUZZ_FLAGS} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${target}.cpp ${FUZZ_LOGIC_SOURCES}
            -lyaml-cpp -lbearssl -lspdlog -lfmt -o ${CMAKE_BINARY_DIR}/bin/${target}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${target}.cpp ${FUZZ_LOGIC_SOURCES}
    COMMENT "libFuzzer target ${target}" VERBATIM)
  add_custom_target(${target}_build ALL DEPENDS ${CMAKE_BINARY_DIR}/bin/${target})
endforeach()

# fuzz_multiboot2: the multiboot2 tag parser alone (two plain-logic files).
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/bin/fuzz_multiboot2
  COMMAND ${CLANGXX} ${FUZZ_FLAGS} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_multiboot2.cpp
          ${CMAKE_SOURCE_DIR}/vmm/boot/multiboot2.cpp ${CMAKE_SOURCE_DIR}/vmm/boot/boot_info.cpp -o ${CMAKE_BINARY_DIR}/bin/fuzz_multiboot2
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_multiboot2.cpp ${CMAKE_SOURCE_DIR}/vmm/boot/multiboot2.cpp
          ${CMAKE_SOURCE_DIR}/vmm/boot/boot_info.cpp ${CMAKE_SOURCE_DIR}/vmm/boot/multiboot2.h ${CMAKE_SOURCE_DIR}/vmm/boot/boot_info.h
  COMMENT "libFuzzer target fuzz_multiboot2" VERBATIM)
add_custom_target(fuzz_multiboot2_build ALL DEPENDS ${CMAKE_BINARY_DIR}/bin/fuzz_multiboot2)

set(FUZZ_CORPUS ${CMAKE_BINARY_DIR}/tests/fuzz-corpus)
add_test(NAME fuzz_seed_corpus COMMAND sh -c
  "mkdir -p ${FUZZ_CORPUS}/profile ${FUZZ_CORPUS}/blob ${FUZZ_CORPUS}/multiboot2 && cp ${CMAKE_SOURCE_DIR}/profiles/*.yaml ${CMAKE_SOURCE_DIR}/profiles/book/*.yaml ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/*.yaml ${CMAKE_SOURCE_DIR}/tests/fuzz/regressions/*.yaml ${FUZZ_CORPUS}/profile/ && cp ${CMAKE_SOURCE_DIR}/tests/host/golden/demo.blob ${FUZZ_CORPUS}/blob/")
set_tests_properties(fuzz_seed_corpus PROPERTIES FIXTURES_SETUP fuzz_corpus LABELS fuzz)
foreach(target profile blob multiboot2)
  add_test(NAME fuzz_${target}_bounded COMMAND ${CMAKE_BINARY_DIR}/bin/fuzz_${target} -max_total_time=30 -max_len=4096
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_CORPUS}/${target})
  # LeakSanitizer ignores what yaml-cpp itself leaks (tests/fuzz/lsan.supp says which); leaks of ours still fail.
  set_tests_properties(fuzz_${target}_bounded PROPERTIES FIXTURES_REQUIRED fuzz_corpus LABELS fuzz TIMEOUT 120
    ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/lsan.supp")
endforeach()
