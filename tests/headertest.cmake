# Public headers: C99 -pedantic, C++, and free of third-party includes.
add_library(wsl_headertest_c OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/headertest.c)
target_include_directories(wsl_headertest_c PRIVATE ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_BINARY_DIR}/include)
set_target_properties(wsl_headertest_c PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
  C_EXTENSIONS OFF)
target_compile_options(wsl_headertest_c PRIVATE -Wall -Wextra -pedantic -Werror)

include(CheckLanguage)
check_language(CXX)
if(CMAKE_CXX_COMPILER)
  enable_language(CXX)
  add_library(wsl_headertest_cpp OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/headertest.cpp)
  target_include_directories(wsl_headertest_cpp PRIVATE ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_BINARY_DIR}/include)
  set_target_properties(wsl_headertest_cpp PROPERTIES CXX_STANDARD 11 CXX_EXTENSIONS OFF)
  target_compile_options(wsl_headertest_cpp PRIVATE -Wall -Wextra -pedantic -Werror)
endif()

add_test(NAME wsl.headers_self_contained
  COMMAND ${CMAKE_COMMAND} -DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/include/wsl
  -P ${CMAKE_CURRENT_SOURCE_DIR}/check_headers.cmake)
