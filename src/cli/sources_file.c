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

int wsl_cli_read_names(const char *cmd, const char *path, size_t m, char ***out)
{
    FILE *f = fopen(path, "r");
    char line[1100];
    size_t n = 0;
    char **names;
    if (!f) {
        wsl_cli_errorf(cmd, "cannot open %s", path);
        return WSL_EXIT_IO;
    }
    names = calloc(m ? m : 1, sizeof *names);
    while (names && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (n < m)
            names[n] = strdup(line);
        n++;
    }
    fclose(f);
    if (!names || n != m) {
        wsl_cli_free_names(names, m);
        wsl_cli_errorf(cmd, "%s has %zu names, the votes have %zu sources", path, n, m);
        return WSL_EXIT_INPUT;
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
    char line[65536];
    size_t cap_m = 16, cap_g = 4, n_m = 0, n_g = 0, lineno = 0;
    size_t *mem = malloc(cap_m * sizeof *mem), *sz = malloc(cap_g * sizeof *sz);
    int rc = WSL_EXIT_OK;
    if (!f) {
        free(mem);
        free(sz);
        wsl_cli_errorf(cmd, "cannot open %s", path);
        return WSL_EXIT_IO;
    }
    while (rc == WSL_EXIT_OK && mem && sz && fgets(line, sizeof line, f)) {
        char *text, *save = NULL, *tok;
        size_t count = 0;
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            wsl_cli_errorf(cmd, "%s:%zu: line too long", path, lineno);
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
            for (size_t t = 0; t < n_m; t++)
                if (mem[t] == j) {
                    wsl_cli_errorf(cmd, "%s:%zu: source '%s' is already in a group (groups must "
                                        "be disjoint; merge them)", path, lineno, tok);
                    rc = WSL_EXIT_INPUT;
                }
            if (rc != WSL_EXIT_OK)
                break;
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
    fclose(f);
    if (rc == WSL_EXIT_OK && (!mem || !sz)) { /* the first allocations failed */
        wsl_cli_errorf(cmd, "out of memory reading %s", path);
        rc = WSL_EXIT_INPUT;
    }
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
