/*
 * Fuzz target: the CLI's names files (`--names FILE` of wsl analyze, fit and report: the CLI's
 * reader, compiled in here). The file is read for the number of lines it has, and for one more.
 * A file that reads must hold no NUL byte and no line over 1 MiB, and give exactly its lines
 * (without "\n" or "\r\n") as names; one more source is a count error with nothing returned.
 */
#include "harness.h"

#include "cli/sources_file.c"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The CLI's error printer (main.c): messages are not needed here. */
void wsl_cli_errorf(const char *cmd, const char *fmt, ...)
{
    (void)cmd;
    (void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(data, size);
    size_t lines = 0, start = 0;
    int nul = memchr(data, '\0', size) != NULL;
    char **names = (char **)1;
    int rc;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    lines += size > 0 && data[size - 1] != '\n';
    rc = wsl_cli_read_names("fuzz", path, lines, &names);
    FUZZ_CHECK(rc == WSL_EXIT_OK || rc == WSL_EXIT_INPUT);
    FUZZ_CHECK((rc == WSL_EXIT_OK) == !nul); /* inputs stay far below 1 MiB a line */
    if (rc != WSL_EXIT_OK) {
        FUZZ_CHECK(names == NULL);
    } else {
        for (size_t j = 0; j < lines; j++) {
            size_t end = start, len;
            while (end < size && data[end] != '\n')
                end++;
            len = end - start;
            if (len > 0 && data[end - 1] == '\r')
                len--;
            FUZZ_CHECK(names[j] != NULL);
            FUZZ_CHECK(strlen(names[j]) == len && memcmp(names[j], data + start, len) == 0);
            start = end + 1;
        }
        wsl_cli_free_names(names, lines);
    }
    names = (char **)1;
    FUZZ_CHECK(wsl_cli_read_names("fuzz", path, lines + 1, &names) == WSL_EXIT_INPUT);
    FUZZ_CHECK(names == NULL);
    return 0;
}
