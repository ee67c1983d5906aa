# The end model against an independent numpy reference (tests/end_model_ref.py). The program
# exits 77, which CTest reports as skipped, when python3 or numpy is absent.
# The system python3 by default: numpy comes from the distribution there (python3-numpy).
set(WSL_PYTHON3 /usr/bin/python3 CACHE FILEPATH "python3 with numpy for the end model reference test")
add_executable(ref_end_model ref_end_model.c)
target_link_libraries(ref_end_model PRIVATE wsl::wsl)
target_compile_definitions(ref_end_model PRIVATE _POSIX_C_SOURCE=200809L)
set_target_properties(ref_end_model PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
wsl_target_warnings(ref_end_model)
add_test(NAME wsl.end_model_reference COMMAND ref_end_model ${WSL_PYTHON3}
  ${CMAKE_CURRENT_SOURCE_DIR}/end_model_ref.py)
set_tests_properties(wsl.end_model_reference PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
