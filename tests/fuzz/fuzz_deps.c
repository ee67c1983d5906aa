/*
 * Fuzz target: the dependency groups of `wsl fit --deps FILE` (the CLI's reader, compiled in
 * here), for 8 sources, without names and with names (some of them digits, so that a name and
 * an index compete). Compared with a straightforward re-reading of the same rules: one group per
 * line, sources separated by commas, spaces around them ignored, blank lines and '#' lines
 * skipped, a name wins over an index; each group at least two sources, groups disjoint.
 */
#include "harness.h"

#include "cli/sources_file.c"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define M 8

/* The CLI's error printer (main.c): messages are not needed here. */
void wsl_cli_errorf(const char *cmd, const char *fmt, ...)
{
    (void)cmd;
    (void)fmt;
}

static char *const source_names[M] = {"kw_a", "kw b", "3", "copy1", "7x", "", "#c", "09"};

/* s[0..len) without the spaces around it (as isspace sees them). */
static void strip(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static size_t source_of(const char *tok, size_t len, char *const *names)
{
    size_t v = 0;
    if (names)
        for (size_t j = 0; j < M; j++)
            if (strlen(names[j]) == len && memcmp(names[j], tok, len) == 0)
                return j;
    if (len == 0)
        return SIZE_MAX;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)tok[i]))
            return SIZE_MAX;
        v = v < 1000 ? v * 10 + (size_t)(tok[i] - '0') : v; /* leading zeros count for nothing */
    }
    return v < M ? v : SIZE_MAX;
}

/* The groups by the rules above: 1 and the members, or 0 when the file must be refused. */
static int expected(const uint8_t *data, size_t size, char *const *names, size_t *mem,
                    size_t *n_mem, size_t *sz, size_t *n_g)
{
    int used[M] = {0};
    size_t start = 0;
    *n_mem = *n_g = 0;
    if (memchr(data, '\0', size))
        return 0;
    while (start < size) {
        size_t end = start, len, count = 0;
        const char *line = (const char *)data + start;
        while (end < size && data[end] != '\n')
            end++;
        len = end - start;
        start = end + 1;
        strip(&line, &len);
        if (len == 0 || line[0] == '#')
            continue;
        /* strtok_r: runs of commas separate, empty tokens do not exist */
        for (size_t i = 0; i < len;) {
            size_t j = i, tl, src;
            const char *tok;
            while (j < len && line[j] != ',')
                j++;
            tok = line + i;
            tl = j - i;
            i = j + 1;
            if (tl == 0)
                continue;
            strip(&tok, &tl);
            src = source_of(tok, tl, names);
            if (src == SIZE_MAX || used[src])
                return 0;
            used[src] = 1;
            mem[(*n_mem)++] = src;
            count++;
        }
        if (count < 2)
            return 0;
        sz[(*n_g)++] = count;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(data, size);
    for (int with_names = 0; with_names < 2; with_names++) {
        char *const *names = with_names ? source_names : NULL;
        size_t *mem = NULL, *sz = NULL, n_g = 0, emem[M], esz[M], en_mem, en_g, total = 0;
        int ok = expected(data, size, names, emem, &en_mem, esz, &en_g);
        int rc = wsl_cli_read_groups("fuzz", path, M, names, &mem, &sz, &n_g);
        FUZZ_CHECK(rc == WSL_EXIT_OK || rc == WSL_EXIT_INPUT);
        FUZZ_CHECK((rc == WSL_EXIT_OK) == ok);
        if (rc != WSL_EXIT_OK)
            continue;
        FUZZ_CHECK(n_g == en_g);
        for (size_t g = 0; g < n_g; g++) {
            FUZZ_CHECK(sz[g] == esz[g] && sz[g] >= 2);
            total += sz[g];
        }
        FUZZ_CHECK(total == en_mem);
        FUZZ_CHECK(total == 0 || memcmp(mem, emem, total * sizeof *mem) == 0);
        free(mem);
        free(sz);
    }
    return 0;
}
