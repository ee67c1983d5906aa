# libwsl_dist and wsl-mpi under mpirun, when built with MPI (WSL_WITH_MPI): the C API test
# program on 1, 3 and 4 ranks, and wsl-mpi against wsl byte for byte (tests/mpi_test.sh).
# mpirun runs with --allow-run-as-root (CI is root) and --oversubscribe (more ranks than cores).
if(WSL_HAVE_MPI)
  # WSL_MPI_TEST_ENV (CMakeLists.txt): no leak checks under ASan (Open MPI's own leaks).
  add_executable(dist_api_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/dist_api_test.c)
  target_link_libraries(dist_api_test PRIVATE wsl::dist wsl::wsl)
  target_compile_definitions(dist_api_test PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  set_target_properties(dist_api_test PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
  wsl_target_warnings(dist_api_test)
  foreach(np 1 3 4)
    add_test(NAME wsl.mpi.dist_api_np${np} COMMAND ${MPIEXEC_EXECUTABLE} --allow-run-as-root
      --oversubscribe ${MPIEXEC_NUMPROC_FLAG} ${np} $<TARGET_FILE:dist_api_test>)
    set_tests_properties(wsl.mpi.dist_api_np${np} PROPERTIES TIMEOUT 120
      ENVIRONMENT "${WSL_MPI_TEST_ENV}")
  endforeach()
  # dist.h on its own, C99 -pedantic and C++11 (compiled when the tests are built).
  add_library(wsl_headertest_dist_c OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/mpi/headertest_dist.c)
  target_include_directories(wsl_headertest_dist_c PRIVATE ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_BINARY_DIR}/include)
  target_link_libraries(wsl_headertest_dist_c PRIVATE MPI::MPI_C)
  set_target_properties(wsl_headertest_dist_c PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF)
  target_compile_options(wsl_headertest_dist_c PRIVATE -Wall -Wextra -pedantic -Werror)
  if(CMAKE_CXX_COMPILER)
    add_library(wsl_headertest_dist_cpp OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/mpi/headertest_dist.cpp)
    target_include_directories(wsl_headertest_dist_cpp PRIVATE ${PROJECT_SOURCE_DIR}/include
      ${PROJECT_BINARY_DIR}/include)
    target_link_libraries(wsl_headertest_dist_cpp PRIVATE MPI::MPI_C)
    set_target_properties(wsl_headertest_dist_cpp PROPERTIES CXX_STANDARD 11 CXX_EXTENSIONS OFF)
    target_compile_options(wsl_headertest_dist_cpp PRIVATE -Wall -Wextra -pedantic -Werror)
  endif()
  if(TARGET wsl_mpi_cli)
    add_test(NAME wsl.mpi.cli COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/mpi_test.sh
      $<TARGET_FILE:wsl_cli> $<TARGET_FILE:wsl_mpi_cli> ${MPIEXEC_EXECUTABLE}
      ${WSL_SHARED_DATA_DIR})
    set_tests_properties(wsl.mpi.cli PROPERTIES TIMEOUT 600 ENVIRONMENT "${WSL_MPI_TEST_ENV}")
    add_test(NAME wsl.mpi.man COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/man_test.sh complete
      $<TARGET_FILE:wsl_mpi_cli> ${PROJECT_BINARY_DIR}/man/wsl-mpi.1)
    add_test(NAME wsl.mpi.man_render COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/man_test.sh render
      ${PROJECT_BINARY_DIR}/man/wsl-mpi.1)
    set_tests_properties(wsl.mpi.man_render PROPERTIES SKIP_RETURN_CODE 77)
  endif()
endif()
