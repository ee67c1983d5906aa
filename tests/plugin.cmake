# Test plugins for wsl_plugin_open and `wsl apply --lfs`: shared objects built from the headers
# alone (they use the libwsl of the program that loads them), into <build>/tests/plugins/.
file(GLOB WSL_TEST_PLUGIN_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/plugins/*.c)
set(WSL_TEST_PLUGIN_DIR ${CMAKE_CURRENT_BINARY_DIR}/plugins)
set(WSL_TEST_PLUGINS "")
foreach(src ${WSL_TEST_PLUGIN_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_library(test_${name} MODULE ${src})
  set_target_properties(test_${name} PROPERTIES OUTPUT_NAME ${name} PREFIX "" C_STANDARD 11
    C_EXTENSIONS OFF LIBRARY_OUTPUT_DIRECTORY ${WSL_TEST_PLUGIN_DIR})
  target_include_directories(test_${name} PRIVATE
    $<TARGET_PROPERTY:wsl,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_definitions(test_${name} PRIVATE _POSIX_C_SOURCE=200809L)
  wsl_target_warnings(test_${name})
  list(APPEND WSL_TEST_PLUGINS test_${name})
endforeach()

# test_plugin links libwsl statically: it exports libwsl's functions to the plugins it loads,
# and walks wsl_plugin_check's C-library allocations (tests/libc_fail.cmake).
if(TARGET test_plugin)
  set_target_properties(test_plugin PROPERTIES ENABLE_EXPORTS ON)
  target_compile_definitions(test_plugin PRIVATE WSL_TEST_PLUGIN_DIR="${WSL_TEST_PLUGIN_DIR}")
  target_sources(test_plugin PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/libc_fail.c)
  target_link_options(test_plugin PRIVATE -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc)
  add_dependencies(test_plugin ${WSL_TEST_PLUGINS})
endif()
