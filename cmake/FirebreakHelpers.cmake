# firebreak_module(NAME x SRCS ... PUBLIC_DEPS ... PRIVATE_DEPS ...)
#   creates firebreak_x and the alias firebreak::x, with include/ as the public include dir.
# firebreak_test(NAME x SRCS ... DEPS ... LABELS ...)
#   creates a GoogleTest executable and registers its tests with ctest.

set(FIREBREAK_WARNINGS -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND FIREBREAK_WARNINGS -Wshadow=local)
endif()
# GCC 12 reports false -Wrestrict overlaps inside std::string concatenation at -O2/-O3
# (GCC bug 105329); it is silenced rather than contorting correct code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND FIREBREAK_WARNINGS -Wno-restrict)
endif()
if(FIREBREAK_WARNINGS_AS_ERRORS)
  list(APPEND FIREBREAK_WARNINGS -Werror)
endif()

if(FIREBREAK_SANITIZE)
  add_compile_options(-fsanitize=${FIREBREAK_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${FIREBREAK_SANITIZE})
endif()

function(firebreak_module)
  cmake_parse_arguments(M "" "NAME" "SRCS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(firebreak_${M_NAME} STATIC ${M_SRCS})
  add_library(firebreak::${M_NAME} ALIAS firebreak_${M_NAME})
  target_include_directories(firebreak_${M_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(firebreak_${M_NAME} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  target_compile_options(firebreak_${M_NAME} PRIVATE ${FIREBREAK_WARNINGS})
endfunction()

function(firebreak_test)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT FIREBREAK_DEVELOPER_MODE OR FIREBREAK_FUZZ)
    return()
  endif()
  add_executable(${T_NAME} ${T_SRCS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_options(${T_NAME} PRIVATE ${FIREBREAK_WARNINGS})
  target_compile_definitions(${T_NAME} PRIVATE
    FIREBREAK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${T_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()

# firebreak_embed_files(NAME <lib> FUNC <function> HEADER <include path> FILES <file>...)
# Compiles FILES into a static library firebreak_<lib> (alias firebreak::<lib>) defining
# `std::vector<rules::RuleSource> firebreak::<FUNC>()`, declared in HEADER under ./include.
function(firebreak_embed_files)
  cmake_parse_arguments(E "" "NAME;FUNC;HEADER" "FILES" ${ARGN})
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/${E_NAME}.cpp)
  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${CMAKE_COMMAND} -DOUT=${generated} "-DFILES=${E_FILES}" -DFUNC=${E_FUNC}
            -DHEADER=${E_HEADER} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${E_NAME}"
    VERBATIM)
  add_library(firebreak_${E_NAME} STATIC ${generated})
  add_library(firebreak::${E_NAME} ALIAS firebreak_${E_NAME})
  target_include_directories(firebreak_${E_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(firebreak_${E_NAME} PUBLIC firebreak::rules)
endfunction()
