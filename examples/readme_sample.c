#include <string.h>
#include <wsl/wsl.h>

enum { HAM = 0, SPAM = 1 };
typedef struct comment { const char *text; int n_links; } comment;

static int32_t lf_subscribe(const wsl_lf_input *in, void *payload)
{
    const comment *c = in->record;
    (void)payload;
    return strstr(c->text, "subscribe") ? SPAM : WSL_ABSTAIN;
}

static int32_t lf_links(const wsl_lf_input *in, void *payload)
{
    const comment *c = in->record;
    (void)payload;
    return c->n_links > 0 ? SPAM : WSL_ABSTAIN;
}

int main(void)
{
    const comment comments[] = {{"great song", 0}, {"please subscribe", 1}, {"my page", 2}};
    wsl_lf_set *lfs = NULL;
    wsl_label_matrix *L = NULL;
    wsl_label_model *model = NULL;
    double probs[3 * 2];

    wsl_lf_set_create(&lfs, 2, NULL);                       /* 2 classes */
    wsl_lf_set_add(lfs, "subscribe", lf_subscribe, NULL);   /* names are unique */
    wsl_lf_set_add(lfs, "links", lf_links, NULL);
    wsl_lf_apply(&L, lfs, comments, 3, sizeof comments[0], NULL, NULL);

    wsl_label_model_create(&model, 2, NULL);
    wsl_label_model_fit(model, L, NULL);                    /* no gold labels */
    wsl_label_model_predict_proba(model, L, probs, 6, NULL, 0);

    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    wsl_lf_set_free(lfs);
    return 0;
}
