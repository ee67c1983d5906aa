/* Fuzz target: triples votes (wsl_votes_read_mem and the triples reader over files and pipes). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_votes(data, size, WSL_FORMAT_TRIPLES);
    return 0;
}
