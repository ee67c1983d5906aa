/*
 * Introduces: dependencies between sources (WSL_DEPS_LEARN, wsl_label_model_cliques()) — the
 * "Ask Me Anything" use of weak supervision: several prompts to a language model answer each
 * question in free text, a verbalizer maps each answer to a class (anything it cannot map is
 * an abstain), and the label model aggregates the prompts. Prompts written from the same
 * template make the same mistakes together; a label model that takes them as independent
 * counts one mistake several times.
 *
 * It prints majority vote and the label model with the prompts taken as independent, with
 * the groups of prompts written from one template declared (names "template_1",
 * "template_2", ...: the part before the last '_' names the template), and with dependencies
 * learned from the answers alone. In this simulation learning does not find the group (the
 * table in bench/README.md says why: the paraphrases are half the prompts and pull the
 * independent model's latent class to their reading, so the pair statistics point elsewhere,
 * and a joint table of four 3-class prompts costs 765 parameters): declare the groups you
 * know.
 *
 * With no argument the answers are simulated (documented below, with known prompt accuracies
 * and one paraphrase group). Given a file, it reads real answers: tab-separated, a header
 * line naming the prompts and a last column "gold", then one line per question with each
 * prompt's answer text and the gold class name (positive, negative or neutral).
 *
 * usage: prompt_ensemble [ANSWERS.tsv]
 */
#include <ctype.h>
#include <string.h>

#include "common.h"

enum { NEGATIVE, NEUTRAL, POSITIVE, K };
static const char *const class_names[K] = {"negative", "neutral", "positive"};

#define MAX_PROMPTS 16
#define MAX_ANSWER 256

typedef struct question {
    char answers[MAX_PROMPTS][MAX_ANSWER];
    int32_t gold;
} question;

/* The verbalizer: the first class word an answer contains, case-insensitively; else abstain. */
static int32_t verbalize(const char *answer)
{
    char low[MAX_ANSWER];
    const char *best = NULL;
    int32_t cls = WSL_ABSTAIN;
    size_t i;
    for (i = 0; answer[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)answer[i]);
    low[i] = '\0';
    for (int32_t c = 0; c < K; c++) {
        const char *at = strstr(low, class_names[c]);
        if (at && (!best || at < best)) {
            best = at;
            cls = c;
        }
    }
    return cls;
}

/* LF j: prompt j's answer through the verbalizer. The payload is the prompt's column. */
static int32_t lf_prompt(const wsl_lf_input *in, void *payload)
{
    const question *q = in->record;
    return verbalize(q->answers[*(const size_t *)payload]);
}

/* xorshift64*: the simulation's only randomness, fixed seed. */
static double uniform(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void write_answer(char *out, int32_t cls, uint64_t *rng)
{
    static const char *const forms[] = {"%s.", "I would say %s", "The sentiment is %s",
                                        "Answer: %s"};
    if (cls == WSL_ABSTAIN) {
        snprintf(out, MAX_ANSWER, "It is hard to tell.");
        return;
    }
    snprintf(out, MAX_ANSWER, forms[(int)(uniform(rng) * 4)], class_names[cls]);
}

/*
 * The simulation: 6,000 questions, uniform over 3 classes, 8 prompts. Prompts 0-3 paraphrase
 * one template: for each question the template has a reading (right 60% of the time), and each
 * paraphrase gives that reading with probability 0.7, else answers on its own (right 60% of
 * the time). Prompts 4-7 come from distinct templates, right 70%, 65%, 60% and 55% of the
 * time. Wrong answers are uniform over the other classes; each prompt answers something the
 * verbalizer cannot map 10% of the time. Each paraphrase alone is as good as the others, but
 * the four mostly say the same thing: counted as four independent voices, their shared
 * reading outvotes the rest.
 */
static size_t simulate(question **out, size_t *n_prompts, char names[][32])
{
    const double own_acc[8] = {0.6, 0.6, 0.6, 0.6, 0.7, 0.65, 0.6, 0.55};
    size_t n = 6000;
    uint64_t rng = 88172645463325252ULL;
    question *qs = calloc(n, sizeof *qs);
    if (!qs)
        return 0;
    *n_prompts = 8;
    static const char *const others[4] = {"rate_tone", "classify_mood", "judge_review",
                                           "label_feeling"};
    for (size_t j = 0; j < 8; j++) {
        if (j < 4)
            snprintf(names[j], 32, "ask_sentiment_%zu", j + 1);
        else
            snprintf(names[j], 32, "%s", others[j - 4]);
    }
    for (size_t i = 0; i < n; i++) {
        int32_t y = (int32_t)(uniform(&rng) * K), reading;
        qs[i].gold = y;
        reading = uniform(&rng) < 0.6 ? y : (y + 1 + (int32_t)(uniform(&rng) * 2)) % K;
        for (size_t j = 0; j < 8; j++) {
            int32_t cls;
            if (j < 4 && uniform(&rng) < 0.7)
                cls = reading;
            else if (uniform(&rng) < own_acc[j])
                cls = y;
            else
                cls = (y + 1 + (int32_t)(uniform(&rng) * 2)) % K;
            if (uniform(&rng) < 0.1)
                cls = WSL_ABSTAIN;
            write_answer(qs[i].answers[j], cls, &rng);
        }
    }
    *out = qs;
    return n;
}

/* Split a line on tabs in place; returns the number of fields (at most max). */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        fields[n++] = line;
        line = strchr(line, '\t');
        if (!line)
            break;
        *line++ = '\0';
    }
    return n;
}

static size_t read_answers(const char *path, question **out, size_t *n_prompts, char names[][32])
{
    FILE *f = fopen(path, "r");
    char line[MAX_PROMPTS * MAX_ANSWER + 64], *fields[MAX_PROMPTS + 2];
    size_t n = 0, cap = 0, cols, lineno = 1;
    question *qs = NULL;
    if (!f) {
        fprintf(stderr, "prompt_ensemble: cannot open %s\n", path);
        exit(EXIT_FAILURE);
    }
    if (!fgets(line, sizeof line, f) || (cols = split_tabs(line, fields, MAX_PROMPTS + 2)) < 2 ||
        cols > MAX_PROMPTS + 1 || strcmp(fields[cols - 1], "gold") != 0) {
        fprintf(stderr, "prompt_ensemble: %s:1: expected a header: prompt names (at most %d), "
                        "tab-separated, then \"gold\"\n", path, MAX_PROMPTS);
        exit(EXIT_FAILURE);
    }
    *n_prompts = cols - 1;
    for (size_t j = 0; j + 1 < cols; j++)
        snprintf(names[j], 32, "%s", fields[j]);
    while (fgets(line, sizeof line, f)) {
        int32_t gold = WSL_ABSTAIN;
        lineno++;
        if (split_tabs(line, fields, MAX_PROMPTS + 2) != cols) {
            fprintf(stderr, "prompt_ensemble: %s:%zu: expected %zu tab-separated fields\n", path,
                    lineno, cols);
            exit(EXIT_FAILURE);
        }
        for (int32_t c = 0; c < K; c++)
            if (strcmp(fields[cols - 1], class_names[c]) == 0)
                gold = c;
        if (gold == WSL_ABSTAIN) {
            fprintf(stderr, "prompt_ensemble: %s:%zu: gold '%s' is not negative, neutral or "
                            "positive\n", path, lineno, fields[cols - 1]);
            exit(EXIT_FAILURE);
        }
        if (n == cap) {
            question *grown = realloc(qs, (cap = cap ? 2 * cap : 256) * sizeof *qs);
            if (!grown) {
                fprintf(stderr, "prompt_ensemble: out of memory\n");
                exit(EXIT_FAILURE);
            }
            qs = grown;
        }
        for (size_t j = 0; j + 1 < cols; j++)
            snprintf(qs[n].answers[j], MAX_ANSWER, "%s", fields[j]);
        qs[n++].gold = gold;
    }
    fclose(f);
    *out = qs;
    return n;
}

/*
 * Groups of prompts written from one template: names sharing the part before their last '_'
 * (ask_sentiment_1, ask_sentiment_2, ...). Returns the number of groups of two or more.
 */
static size_t template_groups(char names[][32], size_t n_prompts, size_t *members, size_t *sizes)
{
    size_t n_groups = 0, at = 0;
    uint8_t taken[MAX_PROMPTS] = {0};
    for (size_t i = 0; i < n_prompts; i++) {
        const char *cut = strrchr(names[i], '_');
        size_t len = cut ? (size_t)(cut - names[i]) : 0, count = 0;
        if (taken[i] || len == 0)
            continue;
        for (size_t j = i; j < n_prompts; j++)
            if (!taken[j] && strncmp(names[j], names[i], len) == 0 && names[j][len] == '_' &&
                !strchr(names[j] + len + 1, '_')) {
                members[at + count++] = j;
                taken[j] = 1;
            }
        if (count >= 2) {
            sizes[n_groups++] = count;
            at += count;
        }
    }
    return n_groups;
}

/* Accuracy of hard labels from probabilities; ties count as the expected value. */
static double accuracy(const double *probs, const int32_t *gold, size_t n)
{
    double right = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * K;
        double best = p[0];
        int tied = 0, hit = 0;
        for (int c = 1; c < K; c++)
            best = p[c] > best ? p[c] : best;
        for (int c = 0; c < K; c++)
            if (p[c] > best - 1e-12) {
                tied++;
                hit |= c == gold[i];
            }
        right += hit ? 1.0 / tied : 0;
    }
    return right / (double)n;
}

/* Fit with learned dependencies (deps) or declared groups (n_groups > 0); score on gold. */
static double model_accuracy(const wsl_label_matrix *L, const int32_t *gold, wsl_lm_deps deps,
                             const size_t *members, const size_t *sizes, size_t n_groups,
                             double *probs, wsl_label_model **keep)
{
    size_t n = wsl_label_matrix_n_points(L);
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_label_model *M = NULL;
    double acc;
    o.deps = deps;
    o.dep_members = members;
    o.dep_sizes = sizes;
    o.n_dep_groups = n_groups;
    CHECK_WSL(wsl_label_model_create(&M, K, NULL));
    CHECK_WSL(wsl_label_model_fit_predict_proba(M, L, &o, probs, n * K, NULL, 0));
    acc = accuracy(probs, gold, n);
    if (keep)
        *keep = M;
    else
        wsl_label_model_free(M);
    return acc;
}

int main(int argc, char **argv)
{
    question *qs = NULL;
    size_t n, n_prompts = 0, cols[MAX_PROMPTS], n_cliques = 0, n_members = 0;
    size_t sizes[MAX_PROMPTS], members[MAX_PROMPTS];
    char names[MAX_PROMPTS][32];
    int32_t *gold;
    double *probs, acc_mv, acc_ind, acc_decl, acc_dep;
    size_t group_members[MAX_PROMPTS], group_sizes[MAX_PROMPTS], n_groups;
    wsl_lf_set *lfs = NULL;
    wsl_label_matrix *L = NULL;
    wsl_label_model *M = NULL;

    if (argc > 2) {
        fprintf(stderr, "usage: prompt_ensemble [ANSWERS.tsv]\n");
        return EXIT_FAILURE;
    }
    n = argc == 2 ? read_answers(argv[1], &qs, &n_prompts, names)
                  : simulate(&qs, &n_prompts, names);
    if (n == 0) {
        fprintf(stderr, "prompt_ensemble: no questions\n");
        return EXIT_FAILURE;
    }
    gold = malloc(n * sizeof *gold);
    probs = malloc(n * K * sizeof *probs);
    if (!gold || !probs)
        return EXIT_FAILURE;
    for (size_t i = 0; i < n; i++)
        gold[i] = qs[i].gold;

    /* One LF per prompt: the verbalizer over that prompt's column. */
    CHECK_WSL(wsl_lf_set_create(&lfs, K, NULL));
    for (size_t j = 0; j < n_prompts; j++) {
        cols[j] = j;
        CHECK_WSL(wsl_lf_set_add(lfs, names[j], lf_prompt, &cols[j]));
    }
    CHECK_WSL(wsl_lf_apply(&L, lfs, qs, n, sizeof *qs, NULL, NULL));

    CHECK_WSL(wsl_majority_vote_proba(L, NULL, NULL, probs, n * K, NULL, 0));
    acc_mv = accuracy(probs, gold, n);
    acc_ind = model_accuracy(L, gold, WSL_DEPS_OFF, NULL, NULL, 0, probs, NULL);
    n_groups = template_groups(names, n_prompts, group_members, group_sizes);
    acc_decl = model_accuracy(L, gold, WSL_DEPS_OFF, group_members, group_sizes, n_groups, probs,
                              NULL);
    acc_dep = model_accuracy(L, gold, WSL_DEPS_LEARN, NULL, NULL, 0, probs, &M);

    printf("%zu questions, %zu prompts%s\n", n, n_prompts, argc == 2 ? "" : " (simulated)");
    printf("%-48s %8s\n", "aggregation", "accuracy");
    printf("%-48s %8.4f\n", "majority vote", acc_mv);
    printf("%-48s %8.4f\n", "label model, prompts independent", acc_ind);
    printf("%-48s %8.4f\n", "label model, template groups declared", acc_decl);
    printf("%-48s %8.4f\n", "label model, dependencies learned", acc_dep);
    CHECK_WSL(wsl_label_model_cliques(M, sizes, MAX_PROMPTS, members, MAX_PROMPTS, &n_cliques,
                                      &n_members));
    printf("learned groups of dependent prompts:");
    for (size_t q = 0, at = 0; q < n_cliques; q++) {
        printf(" {");
        for (size_t t = 0; t < sizes[q]; t++, at++)
            printf("%s%s", t ? ", " : "", names[members[at]]);
        printf("}");
    }
    printf("%s\n", n_cliques ? "" : " none");

    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    wsl_lf_set_free(lfs);
    free(qs);
    free(gold);
    free(probs);
    return 0;
}
