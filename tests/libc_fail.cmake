# test_io and test_analysis also walk the public functions that allocate from the C library (they
# take no allocator), test_cli_sources the CLI's names and --deps readers: malloc, calloc and
# realloc are wrapped at link time (tests/libc_fail.c).
foreach(t test_io test_analysis test_cli_sources)
  if(TARGET ${t})
    target_sources(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/libc_fail.c)
    target_link_options(${t} PRIVATE -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc)
  endif()
endforeach()
