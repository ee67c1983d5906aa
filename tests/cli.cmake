# End-to-end tests of the wsl command (tests/cli_test.sh).
if(TARGET wsl_cli)
  add_test(NAME wsl.cli COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_test.sh $<TARGET_FILE:wsl_cli>
    ${CMAKE_CURRENT_SOURCE_DIR}/data ${WSL_SHARED_DATA_DIR} ${CMAKE_CURRENT_BINARY_DIR}/plugins)
  set_tests_properties(wsl.cli PROPERTIES TIMEOUT 300)
endif()

# wsl report rendered by headless Chromium (skipped, exit 77, when no Chromium is installed).
if(TARGET wsl_cli)
  add_test(NAME wsl.report_browser COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/report_browser_test.sh
    $<TARGET_FILE:wsl_cli> ${CMAKE_CURRENT_BINARY_DIR}/report_browser)
  set_tests_properties(wsl.report_browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# The manual page: complete (every subcommand and option of the --help texts, the exit codes)
# and rendered by groff without a warning (skipped without groff).
if(TARGET wsl_cli)
  add_test(NAME wsl.man COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/man_test.sh complete
    $<TARGET_FILE:wsl_cli> ${PROJECT_BINARY_DIR}/man/wsl.1)
  add_test(NAME wsl.man_render COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/man_test.sh render
    ${PROJECT_BINARY_DIR}/man/wsl.1)
  set_tests_properties(wsl.man_render PROPERTIES SKIP_RETURN_CODE 77)
endif()
