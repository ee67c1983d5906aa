include(CMakePackageConfigHelpers)

set(WSL_INSTALL_TARGETS wsl)
if(WSL_HAVE_MPI)
  list(APPEND WSL_INSTALL_TARGETS wsl_dist)
endif()
install(TARGETS ${WSL_INSTALL_TARGETS} EXPORT wslTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(WSL_HAVE_MPI)
  install(DIRECTORY include/wsl DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
else() # dist.h only with libwsl_dist
  install(DIRECTORY include/wsl DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h"
    PATTERN "dist.h" EXCLUDE)
endif()
install(FILES ${PROJECT_BINARY_DIR}/include/wsl/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wsl)
install(EXPORT wslTargets NAMESPACE wsl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wsl)

configure_package_config_file(cmake/wslConfig.cmake.in ${PROJECT_BINARY_DIR}/wslConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wsl)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wslConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wslConfig.cmake ${PROJECT_BINARY_DIR}/wslConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wsl)

if(BUILD_SHARED_LIBS)
  set(WSL_PC_CFLAGS "")
else()
  set(WSL_PC_CFLAGS "-DWSL_STATIC")
endif()
configure_file(cmake/wsl.pc.in ${PROJECT_BINARY_DIR}/wsl.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wsl.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
