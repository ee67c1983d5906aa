/*
 * Fuzz target: the LF-plugin table check (wsl_plugin_check, wsl_plugin_lf_set), the guard
 * between a shared object's table and everything that uses it. The input builds a table: a
 * header of 8 bytes (ABI and size deltas, k, which arrays are NULL, how many class names, LFs,
 * preprocessors and fields) and then the names, one per line, bytes as they come (commas,
 * control characters, repeats, empty names). The oracle recomputes what a valid table is
 * independently: every name printable, comma-free, at most 1024 bytes and unique in its
 * namespace, callbacks set, counts matching arrays — and a valid table must build an LF set
 * with its LFs in order.
 */
#include "harness.h"

#include "wsl/plugin.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 64

static int32_t lf(const wsl_lf_input *in, void *payload)
{
    (void)in;
    (void)payload;
    return WSL_ABSTAIN;
}

static int pp(const wsl_lf_input *in, void *view, void *payload)
{
    (void)in;
    (void)view;
    (void)payload;
    return 0;
}

static int name_ok(const char *s)
{
    size_t len;
    if (!s || !*s)
        return 0;
    len = strlen(s);
    if (len > 1024)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == ',')
            return 0;
    }
    return 1;
}

static int distinct(const char *const *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(a[i], a[j]) == 0)
                return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *names[MAX_NAMES];
    const char *all[2 * MAX_NAMES];
    size_t n_names = 0, n_classes, n_lfs, n_pps, n_fields, at = 0, n_all;
    wsl_plugin_lf lfs[MAX_NAMES];
    wsl_preprocessor pps[MAX_NAMES];
    const char *classes[MAX_NAMES], *fields[MAX_NAMES];
    wsl_plugin t;
    wsl_lf_set *set = NULL;
    wsl_status st, st2;
    int valid = 1;
    if (size < 8)
        return 0;
    /* The names: the rest of the input, split at '\n' (a NUL inside a line ends that name). */
    text = malloc(size - 8 + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 8, size - 8);
    text[size - 8] = '\0';
    for (char *p = text; n_names < MAX_NAMES;) {
        char *nl = strchr(p, '\n');
        names[n_names++] = p;
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    memset(&t, 0, sizeof t);
    t.abi_version = WSL_PLUGIN_ABI_VERSION + (data[0] % 5 == 0 ? 1 : 0);
    t.struct_size = sizeof(wsl_plugin) - (data[1] % 7 == 0 ? 8 : 0);
    t.k = (int32_t)(int8_t)data[2];
    if (data[2] == 0x7f)
        t.k = WSL_MAX_CARDINALITY + 1;
    n_classes = t.k > 0 && t.k <= MAX_NAMES ? (size_t)t.k : 0;
    n_lfs = data[4] % 9;
    n_pps = data[5] % 4;
    n_fields = data[6] % 4;
    /* Names are handed out in order: classes, LFs, preprocessors, fields; a missing one is
     * NULL (a table with a hole). */
#define NEXT_NAME() (at < n_names ? names[at++] : NULL)
    for (size_t i = 0; i < n_classes; i++)
        classes[i] = NEXT_NAME();
    for (size_t j = 0; j < n_lfs; j++)
        lfs[j] = (wsl_plugin_lf){NEXT_NAME(), (data[7] >> 4) == 1 && j == 0 ? NULL : lf, NULL};
    for (size_t p = 0; p < n_pps; p++)
        pps[p] = (wsl_preprocessor){NEXT_NAME(), (data[7] & 3) == 1 ? 0 : 8,
                                    (data[7] & 3) == 2 ? NULL : pp, NULL, NULL};
    for (size_t f = 0; f < n_fields; f++)
        fields[f] = NEXT_NAME();
    t.class_names = data[3] & 1 && n_classes == (size_t)t.k && t.k > 0 ? classes : NULL;
    t.lfs = data[3] & 2 ? NULL : lfs;
    t.n_lfs = n_lfs;
    t.preprocessors = data[3] & 4 ? NULL : pps;
    t.n_preprocessors = n_pps;
    t.fields = data[3] & 8 ? NULL : fields;
    t.n_fields = n_fields;
    if (data[3] & 16) /* a count that runs past the limit */
        t.n_lfs = WSL_PLUGIN_MAX_ITEMS + 1;

    st = wsl_plugin_check(&t);
    st2 = wsl_plugin_lf_set(&t, &set, NULL);
    FUZZ_CHECK(st2 == st);
    FUZZ_CHECK((st == WSL_OK) == (set != NULL));
    FUZZ_CHECK(st == WSL_OK || st == WSL_EFORMAT || st == WSL_ERANGE);
    if (st != WSL_OK)
        FUZZ_CHECK(wsl_last_error()[0] != '\0');

    /* What a valid table is, recomputed. */
    if (t.abi_version != WSL_PLUGIN_ABI_VERSION || t.struct_size != sizeof(wsl_plugin) ||
        t.k < 1 || t.k > WSL_MAX_CARDINALITY || t.n_lfs == 0 ||
        t.n_lfs > WSL_PLUGIN_MAX_ITEMS || (t.n_lfs && !t.lfs) ||
        (t.n_preprocessors && !t.preprocessors) || (t.n_fields && !t.fields))
        valid = 0;
    if (valid && t.class_names) {
        for (size_t i = 0; i < (size_t)t.k; i++)
            valid &= name_ok(t.class_names[i]);
        valid = valid && distinct(t.class_names, (size_t)t.k);
    }
    n_all = 0;
    if (valid) {
        for (size_t j = 0; j < t.n_lfs; j++) {
            valid &= name_ok(lfs[j].name) && lfs[j].fn != NULL;
            all[n_all++] = lfs[j].name;
        }
        for (size_t p = 0; p < t.n_preprocessors; p++) {
            valid &= name_ok(pps[p].name) && pps[p].run != NULL && pps[p].view_size > 0;
            all[n_all++] = pps[p].name;
        }
        valid = valid && distinct(all, n_all);
        for (size_t f = 0; valid && f < t.n_fields; f++)
            valid &= name_ok(fields[f]);
        valid = valid && distinct(fields, t.n_fields);
    }
    FUZZ_CHECK(valid == (st == WSL_OK));
    if (set) {
        FUZZ_CHECK(wsl_lf_set_size(set) == t.n_lfs);
        FUZZ_CHECK(wsl_lf_set_cardinality(set) == t.k);
        for (size_t j = 0; j < t.n_lfs; j++)
            FUZZ_CHECK(strcmp(wsl_lf_set_name(set, j), lfs[j].name) == 0);
    }
    wsl_lf_set_free(set);
    free(text);
    return 0;
}
