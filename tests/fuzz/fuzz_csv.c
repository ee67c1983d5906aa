/* Fuzz target: csv votes (wsl_votes_read_mem and the csv reader over files and pipes). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_votes(data, size, WSL_FORMAT_CSV);
    return 0;
}
