# The README shows examples/readme_sample.c verbatim.
file(READ ${README} readme)
file(READ ${SAMPLE} sample)
string(FIND "${readme}" "${sample}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md no longer shows examples/readme_sample.c verbatim")
endif()
