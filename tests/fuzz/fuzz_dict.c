/*
 * Fuzz target: dictionary files (wsl_dict_load), one term per line and term<TAB>class lines,
 * whole-word and substring matching; the input is then matched against the dictionary.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(data, size);
    for (int mode = 0; mode < 2; mode++) {
        wsl_dict_options o = WSL_DICT_OPTIONS_INIT;
        wsl_dict *d = NULL;
        wsl_dict_match mt;
        wsl_status st;
        o.whole_word = mode;
        o.ignore_case = !mode;
        st = wsl_dict_load(&d, path, mode ? WSL_DICT_CLASS_IN_FILE : 3, &o, NULL);
        FUZZ_CHECK((st == WSL_OK) == (d != NULL));
        if (st != WSL_OK) {
            FUZZ_CHECK(st == WSL_EFORMAT);
            continue;
        }
        FUZZ_CHECK(wsl_dict_find(d, (const char *)data, size, &mt) == WSL_OK);
        FUZZ_CHECK((mt.n_matches == 0) == (mt.first_class == WSL_ABSTAIN));
        FUZZ_CHECK((mt.n_matches == 0) == (mt.majority_class == WSL_ABSTAIN));
        if (mt.n_matches > 0)
            FUZZ_CHECK(mt.first_offset < size);
        /* Without whole words, a one-term-per-line file matches itself when it has a term. */
        if (mode == 0 && wsl_dict_size(d) > 0)
            FUZZ_CHECK(mt.n_matches > 0 && mt.first_class == 3);
        wsl_dict_free(d);
    }
    return 0;
}
