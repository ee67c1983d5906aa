/*
 * Shared code of the fuzz targets (tests/fuzz/fuzz_<name>.c).
 *
 * A target is one file defining LLVMFuzzerTestOneInput(); CMake picks up every fuzz_*.c. Built
 * with clang and -DWSL_BUILD_FUZZERS=ON it is a libFuzzer binary; in the ordinary build it is
 * linked with replay.c into fuzz_<name>_replay, which CTest runs over the committed corpus
 * (tests/fuzz/corpus/<name>/) and the inputs of past findings (tests/fuzz/regressions/<name>/).
 *
 * The harness reads one input through every byte source the library has — memory, a regular
 * file and a pipe — with a small chunk size derived from the input, so that lines and headers
 * span chunk boundaries; targets check that the sources agree (same status, same result) and
 * that every result keeps its invariants. A broken invariant aborts, which libFuzzer reports.
 */
#ifndef WSL_FUZZ_HARNESS_H
#define WSL_FUZZ_HARNESS_H

#include "io/io_internal.h"
#include "wsl/wsl.h"

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message when cond is false (libFuzzer saves the input). */
#define FUZZ_CHECK(cond) fuzz_check((cond), #cond, __FILE__, __LINE__)
void fuzz_check(int ok, const char *what, const char *file, int line);

/* Where an input is read from. */
typedef enum fuzz_source {
    FUZZ_MEM = 0,  /* memory, never copied */
    FUZZ_FILE = 1, /* a regular file (in /dev/shm when it exists), read in small chunks */
    FUZZ_PIPE = 2, /* a pipe holding the whole input, read in small chunks */
    FUZZ_N_SOURCES = 3
} fuzz_source;

/*
 * Open r over data from src. Returns 0, or -1 when that source cannot hold the input (a pipe
 * holds at most its capacity); the caller then skips that source. Files and pipes are read
 * chunk bytes at a time (4..WSL__IO_CHUNK).
 */
int fuzz_open(wsl__reader *r, fuzz_source src, const uint8_t *data, size_t size, size_t chunk);
/* Close r and remove what fuzz_open made. */
void fuzz_close(wsl__reader *r);

/* A chunk size in 4..67 that depends on the input (FNV-1a of its bytes). */
size_t fuzz_chunk(const uint8_t *data, size_t size);

/* Path of this process's scratch file (the input is written there by fuzz_write_file). */
const char *fuzz_write_file(const uint8_t *data, size_t size);

/* Check a label matrix: shape, k, every vote in -1..k-1, stats consistent (rows are sampled
 * when n * m is large). */
void fuzz_check_matrix(const wsl_label_matrix *L);
/* Same shape, k and votes (storage may differ). */
int fuzz_same_matrix(const wsl_label_matrix *A, const wsl_label_matrix *B);

/*
 * The common check of a vote reader: read the input as `format` from every source (memory, a
 * file, a pipe) into one storage the input picks (auto, sparse or dense), require the same
 * status and the same matrix from each, check the matrix, then write it in the same format and
 * read it back (the same votes). CSV and NPY are also read as 1 to 5 shards of a file
 * (wsl_votes_read_shard): their rows end to end are the file's, and when the whole file fails
 * the first failing shard fails with the same status and message.
 */
void fuzz_votes(const uint8_t *data, size_t size, wsl_format format);

#endif
