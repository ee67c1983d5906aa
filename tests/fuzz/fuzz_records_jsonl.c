/*
 * Fuzz target: JSON Lines records (wsl_records_read, wsl_records_read_mem) keeping the fields
 * "text", "label" and "weak_labels". Memory, a file and a pipe must give the same status and
 * the same records (count, lines, every value). Records that load must keep their invariants
 * (lines ascending within the input, no NUL byte in the input, out-of-range access NULL),
 * wsl_records_texts and wsl_records_labels must agree with wsl_records_get, and texts written
 * back as JSON Lines must read back the same.
 */
#include "harness.h"
#include "wsl/records.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const fields[] = {"text", "label", "weak_labels"};
#define N_FIELDS 3

static wsl_status read_from(fuzz_source src, const uint8_t *data, size_t size, size_t chunk,
                            wsl_records **out)
{
    wsl__reader r;
    wsl_status st;
    *out = NULL;
    if (fuzz_open(&r, src, data, size, chunk) != 0)
        return -1;
    st = wsl__records_read(out, &r, "fuzz", fields, N_FIELDS);
    fuzz_close(&r);
    return st;
}

static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_records(const wsl_records *a, const wsl_records *b)
{
    size_t n = wsl_records_count(a);
    if (wsl_records_count(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (wsl_records_line(a, i) != wsl_records_line(b, i))
            return 0;
        for (size_t f = 0; f < N_FIELDS; f++)
            if (!same_text(wsl_records_get(a, i, f), wsl_records_get(b, i, f)))
                return 0;
    }
    return 1;
}

/* Lines in the input (a last line without a newline counts). */
static size_t count_lines(const uint8_t *data, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n + (size > 0 && data[size - 1] != '\n');
}

static void check_texts(const wsl_records *R)
{
    const size_t n = wsl_records_count(R);
    const char **t = malloc((n ? n : 1) * sizeof *t);
    wsl_records *B = NULL;
    char *doc = NULL;
    size_t len = 0;
    wsl_status st;
    FUZZ_CHECK(t != NULL);
    st = wsl_records_texts(R, 0, t, n);
    FUZZ_CHECK(st == WSL_OK || st == WSL_EFORMAT);
    if (st != WSL_OK) {
        free(t);
        return;
    }
    /* Written back as JSON Lines ({"text": ...} per line), the same texts come back. */
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char *line;
        size_t l;
        FUZZ_CHECK(t[i] == wsl_records_get(R, i, 0) && t[i] != NULL);
        FUZZ_CHECK(o && cJSON_AddStringToObject(o, "text", t[i]));
        line = cJSON_PrintUnformatted(o);
        FUZZ_CHECK(line != NULL);
        l = strlen(line);
        doc = realloc(doc, len + l + 2);
        FUZZ_CHECK(doc != NULL);
        memcpy(doc + len, line, l);
        doc[len + l] = '\n';
        len += l + 1;
        cJSON_free(line);
        cJSON_Delete(o);
    }
    FUZZ_CHECK(wsl_records_read_mem(&B, doc ? doc : "", len, "back", fields, 1, NULL) == WSL_OK);
    FUZZ_CHECK(wsl_records_count(B) == n);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(strcmp(wsl_records_get(B, i, 0), t[i]) == 0);
        FUZZ_CHECK(wsl_records_line(B, i) == i + 1);
    }
    wsl_records_free(B);
    free(doc);
    free(t);
}

static void check_labels(const wsl_records *R, int32_t k)
{
    const size_t n = wsl_records_count(R);
    int32_t *y = malloc((n ? n : 1) * sizeof *y);
    wsl_status st;
    FUZZ_CHECK(y != NULL);
    for (size_t i = 0; i < n; i++)
        y[i] = 12345;
    st = wsl_records_labels(R, 1, k, y, n);
    FUZZ_CHECK(st == WSL_OK || st == WSL_EFORMAT || st == WSL_ERANGE);
    for (size_t i = 0; i < n; i++) {
        const char *v = wsl_records_get(R, i, 1);
        if (st != WSL_OK) {
            FUZZ_CHECK(y[i] == 12345); /* nothing written */
            continue;
        }
        FUZZ_CHECK(y[i] >= -1 && (k == 0 || y[i] < k));
        FUZZ_CHECK(v ? strtod(v, NULL) == (double)y[i] : y[i] == -1);
    }
    if (n > 0)
        FUZZ_CHECK(wsl_records_labels(R, 1, k, y, n - 1) == WSL_EBUFS);
    free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t chunk = fuzz_chunk(data, size);
    wsl_records *R[FUZZ_N_SOURCES] = {NULL, NULL, NULL};
    wsl_status st[FUZZ_N_SOURCES];
    size_t n, lines;
    for (int s = 0; s < FUZZ_N_SOURCES; s++) {
        st[s] = read_from((fuzz_source)s, data, size, chunk, &R[s]);
        if (st[s] == (wsl_status)-1)
            continue;
        FUZZ_CHECK((st[s] == WSL_OK) == (R[s] != NULL));
        FUZZ_CHECK(st[s] == WSL_OK || st[s] == WSL_EFORMAT);
        FUZZ_CHECK(st[s] == st[0]);
        if (st[s] != WSL_OK)
            FUZZ_CHECK(wsl_last_error()[0] != '\0');
        else
            FUZZ_CHECK(same_records(R[0], R[s]));
    }
    if (st[0] == WSL_OK) {
        n = wsl_records_count(R[0]);
        lines = count_lines(data, size);
        FUZZ_CHECK(memchr(data, '\0', size) == NULL);
        FUZZ_CHECK(n <= lines);
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(wsl_records_line(R[0], i) >= 1 && wsl_records_line(R[0], i) <= lines);
            FUZZ_CHECK(i == 0 || wsl_records_line(R[0], i) > wsl_records_line(R[0], i - 1));
        }
        FUZZ_CHECK(wsl_records_line(R[0], n) == 0);
        FUZZ_CHECK(wsl_records_get(R[0], n, 0) == NULL);
        FUZZ_CHECK(wsl_records_get(R[0], 0, N_FIELDS) == NULL);
        check_texts(R[0]);
        check_labels(R[0], 0);
        check_labels(R[0], 3);
        /* The public readers, from memory and from a file, agree. */
        {
            wsl_records *M = NULL, *F = NULL;
            FUZZ_CHECK(wsl_records_read_mem(&M, (const char *)data, size, NULL, fields, N_FIELDS,
                                            NULL) == WSL_OK);
            FUZZ_CHECK(wsl_records_read(&F, fuzz_write_file(data, size), fields, N_FIELDS,
                                        NULL) == WSL_OK);
            FUZZ_CHECK(same_records(R[0], M) && same_records(R[0], F));
            wsl_records_free(M);
            wsl_records_free(F);
        }
    }
    for (int s = 0; s < FUZZ_N_SOURCES; s++)
        wsl_records_free(R[s]);
    return 0;
}
