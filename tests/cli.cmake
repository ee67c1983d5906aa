# End-to-end tests of the wsl command (tests/cli_test.sh).
if(TARGET wsl_cli)
  add_test(NAME wsl.cli COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_test.sh $<TARGET_FILE:wsl_cli>
    ${CMAKE_CURRENT_SOURCE_DIR}/data ${WSL_SHARED_DATA_DIR})
  set_tests_properties(wsl.cli PROPERTIES TIMEOUT 300)
endif()

# wsl report rendered by headless Chromium (skipped, exit 77, when no Chromium is installed).
if(TARGET wsl_cli)
  add_test(NAME wsl.report_browser COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/report_browser_test.sh
    $<TARGET_FILE:wsl_cli> ${CMAKE_CURRENT_BINARY_DIR}/report_browser)
  set_tests_properties(wsl.report_browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
