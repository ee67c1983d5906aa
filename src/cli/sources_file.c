#include "sources_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wsl_cli_free_names(char **names, size_t m)
{
    for (size_t j = 0; names && j < m; j++)
        free(names[j]);
    free(names);
}

/* Longest line of a names or --deps file: longer ones are refused, so memory stays bounded. */
#define MAX_LINE ((size_t)1 << 20)

enum { LINE_END = 0, LINE_OK = 1, LINE_LONG = -1, LINE_NOMEM = -2, LINE_EIO = -3 };

/* The next line of f, whole, without its "\n" or "\r\n", NUL-terminated in *buf (grown as
 * needed); *len counts its bytes (a NUL byte in it included). */
static int next_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n == MAX_LINE)
            return LINE_LONG;
        if (n + 1 >= *cap) {
            size_t want = *cap ? 2 * *cap : 256;
            char *p = realloc(*buf, want);
            if (!p)
                return LINE_NOMEM;
            *buf = p;
            *cap = want;
        }
        (*buf)[n++] = (char)c;
    }
    if (c == EOF && ferror(f))
        return LINE_EIO;
    if (c == EOF && n == 0)
        return LINE_END;
    if (!*buf && !(*buf = malloc(*cap = 256)))
        return LINE_NOMEM;
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    *len = n;
    return LINE_OK;
}

/* The message and exit code of a line that could not be read (lineno: its number). */
static int line_error(const char *cmd, const char *path, size_t lineno, int got)
{
    if (got == LINE_LONG) {
        wsl_cli_errorf(cmd, "%s:%zu: line longer than %zu bytes", path, lineno, MAX_LINE);
        return WSL_EXIT_INPUT;
    }
    if (got == LINE_NOMEM) {
        wsl_cli_errorf(cmd, "out of memory reading %s", path);
        return WSL_EXIT_INPUT;
    }
    wsl_cli_errorf(cmd, "cannot read %s", path);
    return WSL_EXIT_IO;
}

int wsl_cli_read_names(const char *cmd, const char *path, size_t m, char ***out)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, **names;
    size_t cap = 0, len = 0, n = 0;
    int got = LINE_END, rc = WSL_EXIT_OK;
    *out = NULL;
    if (!f) {
        wsl_cli_errorf(cmd, "cannot open %s", path);
        return WSL_EXIT_IO;
    }
    if (!(names = calloc(m ? m : 1, sizeof *names))) {
        fclose(f);
        wsl_cli_errorf(cmd, "out of memory reading %s", path);
        return WSL_EXIT_INPUT;
    }
    while ((got = next_line(f, &line, &cap, &len)) == LINE_OK) {
        n++;
        if (memchr(line, '\0', len)) {
            wsl_cli_errorf(cmd, "%s:%zu: NUL byte in a name", path, n);
            rc = WSL_EXIT_INPUT;
            break;
        }
        if (n > m)
            continue; /* counted for the message */
        if (!(names[n - 1] = malloc(len + 1))) {
            wsl_cli_errorf(cmd, "out of memory reading %s", path);
            rc = WSL_EXIT_INPUT;
            break;
        }
        memcpy(names[n - 1], line, len + 1);
    }
    if (rc == WSL_EXIT_OK && got != LINE_END)
        rc = line_error(cmd, path, n + 1, got);
    fclose(f);
    free(line);
    if (rc == WSL_EXIT_OK && n != m) {
        wsl_cli_errorf(cmd, "%s has %zu names, the votes have %zu sources", path, n, m);
        rc = WSL_EXIT_INPUT;
    }
    if (rc != WSL_EXIT_OK) {
        wsl_cli_free_names(names, m);
        return rc;
    }
    *out = names;
    return WSL_EXIT_OK;
}

/* Trim spaces in place; returns the start. */
static char *trim(char *s)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* A source by index or name; SIZE_MAX when unknown. */
static size_t find_source(const char *tok, size_t m, char *const *names)
{
    char *end = NULL;
    unsigned long long v;
    if (names)
        for (size_t j = 0; j < m; j++)
            if (strcmp(names[j], tok) == 0)
                return j;
    if (!isdigit((unsigned char)tok[0]))
        return SIZE_MAX;
    errno = 0;
    v = strtoull(tok, &end, 10);
    return errno || *end || v >= m ? SIZE_MAX : (size_t)v;
}

int wsl_cli_read_groups(const char *cmd, const char *path, size_t m, char *const *names,
                        size_t **members, size_t **sizes, size_t *n_groups)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, len = 0, cap_m = 16, cap_g = 4, n_m = 0, n_g = 0, lineno = 0;
    size_t *mem = malloc(cap_m * sizeof *mem), *sz = malloc(cap_g * sizeof *sz);
    unsigned char *grouped = calloc(m ? m : 1, 1); /* 1 once a source is in a group */
    int got = LINE_END, rc = WSL_EXIT_OK;
    if (!f) {
        free(mem);
        free(sz);
        free(grouped);
        wsl_cli_errorf(cmd, "cannot open %s", path);
        return WSL_EXIT_IO;
    }
    if (!mem || !sz || !grouped) {
        wsl_cli_errorf(cmd, "out of memory reading %s", path);
        rc = WSL_EXIT_INPUT;
    }
    while (rc == WSL_EXIT_OK && (got = next_line(f, &line, &cap, &len)) == LINE_OK) {
        char *text, *save = NULL, *tok;
        size_t count = 0;
        lineno++;
        if (memchr(line, '\0', len)) {
            wsl_cli_errorf(cmd, "%s:%zu: NUL byte", path, lineno);
            rc = WSL_EXIT_INPUT;
            break;
        }
        text = trim(line);
        if (!*text || *text == '#')
            continue;
        for (tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            size_t j;
            tok = trim(tok);
            j = find_source(tok, m, names);
            if (j == SIZE_MAX) {
                wsl_cli_errorf(cmd, "%s:%zu: '%s' is not a source (an index in 0..%zu%s)", path,
                               lineno, tok, m ? m - 1 : 0, names ? " or a name" : "");
                rc = WSL_EXIT_INPUT;
                break;
            }
            if (grouped[j]) {
                wsl_cli_errorf(cmd, "%s:%zu: source '%s' is already in a group (groups must "
                                    "be disjoint; merge them)", path, lineno, tok);
                rc = WSL_EXIT_INPUT;
                break;
            }
            grouped[j] = 1;
            if (n_m == cap_m) {
                size_t *p = realloc(mem, (cap_m *= 2) * sizeof *mem);
                if (!p) {
                    wsl_cli_errorf(cmd, "out of memory reading %s", path);
                    rc = WSL_EXIT_INPUT;
                    break;
                }
                mem = p;
            }
            mem[n_m++] = j;
            count++;
        }
        if (rc != WSL_EXIT_OK)
            break;
        if (count < 2) {
            wsl_cli_errorf(cmd, "%s:%zu: a group needs at least two sources", path, lineno);
            rc = WSL_EXIT_INPUT;
            break;
        }
        if (n_g == cap_g) {
            size_t *p = realloc(sz, (cap_g *= 2) * sizeof *sz);
            if (!p) {
                wsl_cli_errorf(cmd, "out of memory reading %s", path);
                rc = WSL_EXIT_INPUT;
                break;
            }
            sz = p;
        }
        sz[n_g++] = count;
    }
    if (rc == WSL_EXIT_OK && got != LINE_END)
        rc = line_error(cmd, path, lineno + 1, got);
    fclose(f);
    free(line);
    free(grouped);
    if (rc != WSL_EXIT_OK) {
        free(mem);
        free(sz);
        return rc;
    }
    *members = mem;
    *sizes = sz;
    *n_groups = n_g;
    return WSL_EXIT_OK;
}
