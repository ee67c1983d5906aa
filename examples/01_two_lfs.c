/* Introduces: wsl_lf_set_create(), wsl_lf_set_add(), wsl_lf_apply() — two labeling functions
 * over an in-memory array of records, and the label matrix they produce. */
#include <string.h>

#include "common.h"

enum { HAM = 0, SPAM = 1 };

typedef struct comment {
    const char *text;
    int n_links;
} comment;

/* Votes SPAM when the comment asks to subscribe; abstains otherwise. */
static int32_t lf_subscribe(const wsl_lf_input *in, void *payload)
{
    const comment *c = in->record;
    (void)payload;
    return strstr(c->text, "subscribe") ? SPAM : WSL_ABSTAIN;
}

/* Votes SPAM with links, HAM for short comments without any. */
static int32_t lf_links(const wsl_lf_input *in, void *payload)
{
    const comment *c = in->record;
    size_t short_len = *(const size_t *)payload;
    if (c->n_links > 0)
        return SPAM;
    return strlen(c->text) < short_len ? HAM : WSL_ABSTAIN;
}

int main(void)
{
    const comment comments[] = {
        {"great song, love it", 0},
        {"please subscribe to my channel", 1},
        {"check out my page", 2},
        {"this video brings back memories of summer", 0},
        {"subscribe for more", 0},
    };
    size_t short_len = 25, n = sizeof comments / sizeof comments[0];
    wsl_lf_set *lfs = NULL;
    wsl_label_matrix *L = NULL;

    CHECK_WSL(wsl_lf_set_create(&lfs, 2, NULL));
    CHECK_WSL(wsl_lf_set_add(lfs, "subscribe", lf_subscribe, NULL));
    CHECK_WSL(wsl_lf_set_add(lfs, "links", lf_links, &short_len));
    CHECK_WSL(wsl_lf_apply(&L, lfs, comments, n, sizeof comments[0], NULL, NULL));

    printf("%-45s %9s %5s\n", "record", "subscribe", "links");
    for (size_t i = 0; i < n; i++) {
        int32_t row[2];
        CHECK_WSL(wsl_label_matrix_row(L, i, row, 2));
        printf("%-45s %9d %5d\n", comments[i].text, row[0], row[1]);
    }
    wsl_label_matrix_free(L);
    wsl_lf_set_free(lfs);
    return 0;
}
