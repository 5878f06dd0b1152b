# Helpers shared by every CMakeLists.txt of the project.

add_library(vault_warnings INTERFACE)
target_compile_options(vault_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  $<$<BOOL:${VAULT_WERROR}>:-Werror>)

if(VAULT_SANITIZE)
  # GCC 12 reports false maybe-uninitialized warnings inside std::function/std::regex under ASan.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                      -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined)
endif()

# vault_library(name SRCS ... DEPS ... PRIVATE_DEPS ...) -> target vault_<name>, alias vault::<name>
function(vault_library name)
  cmake_parse_arguments(A "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(vault_${name} STATIC ${A_SRCS})
  add_library(vault::${name} ALIAS vault_${name})
  target_include_directories(vault_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(vault_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS} vault_warnings)
endfunction()

# vault_test(name SRCS ... DEPS ... [LABELS ...]) -> one gtest binary, tests discovered at run time.
function(vault_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SRCS})
  target_link_libraries(${name} PRIVATE ${A_DEPS} vault::testing GTest::gmock GTest::gtest_main vault_warnings)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 600)
  endif()
  # VAULT_CORPORA reaches the tests from ctest's own environment; one variable here, because a
  # ';' inside a list element would split the PROPERTIES list.
  set(props TIMEOUT ${A_TIMEOUT} ENVIRONMENT "VAULT_BIN_DIR=${PROJECT_BINARY_DIR}/bin")
  if(A_LABELS)
    list(APPEND props LABELS "${A_LABELS}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES ${props})
endfunction()

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
