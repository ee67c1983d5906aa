# Warnings and sanitizers for libwsl's own targets only.
function(wsl_target_warnings target)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
      -Wstrict-prototypes -Wmissing-prototypes)
    if(WSL_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()

if(WSL_ENABLE_SANITIZERS)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(WSL_ENABLE_TSAN)
  if(WSL_ENABLE_SANITIZERS OR WSL_BUILD_FUZZERS)
    message(FATAL_ERROR "WSL_ENABLE_TSAN cannot be combined with AddressSanitizer builds")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# Fuzzers: every target instrumented for coverage, ASan and UBSan; fuzz_* executables link
# libFuzzer's main (tests/fuzz/CMakeLists.txt).
if(WSL_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "WSL_BUILD_FUZZERS needs clang (cmake -DCMAKE_C_COMPILER=clang-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
