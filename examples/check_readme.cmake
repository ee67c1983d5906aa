# The README shows an example file (SAMPLE) verbatim.
file(READ ${README} readme)
file(READ ${SAMPLE} sample)
string(FIND "${readme}" "${sample}" at)
if(at EQUAL -1)
  get_filename_component(name ${SAMPLE} NAME)
  message(FATAL_ERROR "README.md no longer shows ${name} verbatim")
endif()
