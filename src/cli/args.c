/* realpath() is X/Open. */
#define _XOPEN_SOURCE 700
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static const wsl_cli_opt *find(const wsl_cli_opt *opts, size_t n, const char *arg, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if ((strlen(opts[i].name) == len && strncmp(opts[i].name, arg, len) == 0) ||
            (opts[i].alias && strlen(opts[i].alias) == len && strncmp(opts[i].alias, arg, len) == 0))
            return &opts[i];
    }
    return NULL;
}

int wsl_cli_parse(int argc, char **argv, const wsl_cli_opt *opts, size_t n_opts, const char **pos,
                  size_t min_pos, size_t max_pos, size_t *n_pos)
{
    const char *cmd = argv[0];
    int only_pos = 0;
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && arg[0] == '-' && arg[1] != '\0') {
            const char *eq = strchr(arg, '=');
            size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
            const wsl_cli_opt *o = find(opts, n_opts, arg, len);
            if (!o) {
                wsl_cli_errorf(cmd, "unknown option '%.*s' (see 'wsl %s --help')", (int)len, arg,
                               cmd);
                return WSL_EXIT_USAGE;
            }
            if (o->flag) {
                if (eq) {
                    wsl_cli_errorf(cmd, "option '%s' takes no value", o->name);
                    return WSL_EXIT_USAGE;
                }
                *o->flag = 1;
                continue;
            }
            if (eq) {
                *o->value = eq + 1;
            } else if (i + 1 < argc) {
                *o->value = argv[++i];
            } else {
                wsl_cli_errorf(cmd, "option '%s' needs a value", o->name);
                return WSL_EXIT_USAGE;
            }
            continue;
        }
        if (*n_pos >= max_pos) {
            wsl_cli_errorf(cmd, "unexpected argument '%s' (see 'wsl %s --help')", arg, cmd);
            return WSL_EXIT_USAGE;
        }
        pos[(*n_pos)++] = arg;
    }
    if (*n_pos < min_pos) {
        wsl_cli_errorf(cmd, "missing argument%s (see 'wsl %s --help')", min_pos - *n_pos > 1 ? "s" : "",
                       cmd);
        return WSL_EXIT_USAGE;
    }
    return WSL_EXIT_OK;
}

int wsl_cli_long(const char *cmd, const char *opt, const char *text, long long min, long long max,
                 long long *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        wsl_cli_errorf(cmd, "%s must be an integer in %lld..%lld (got '%s')", opt, min, max, text);
        return WSL_EXIT_USAGE;
    }
    *out = v;
    return WSL_EXIT_OK;
}

int wsl_cli_double(const char *cmd, const char *opt, const char *text, double min, double max,
                   double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max)) {
        wsl_cli_errorf(cmd, "%s must be a number in [%g, %g] (got '%s')", opt, min, max, text);
        return WSL_EXIT_USAGE;
    }
    *out = v;
    return WSL_EXIT_OK;
}

int wsl_cli_read_votes(const char *cmd, const char *path, const char *format, int32_t k,
                       wsl_label_matrix **out)
{
    wsl_read_options ro = WSL_READ_OPTIONS_INIT;
    wsl_status st;
    if (format && wsl_format_parse(format, &ro.format) != WSL_OK) {
        wsl_cli_errorf(cmd, "--format must be csv, triples, npy or wrench (got '%s')", format);
        return WSL_EXIT_USAGE;
    }
    ro.cardinality = k;
    st = wsl_votes_read(out, path, &ro);
    if (st != WSL_OK)
        return wsl_cli_fail(cmd, st);
    return WSL_EXIT_OK;
}

/* The directory part of path resolved (realpath) into dir, and its last component into *base;
 * 0 when the directory does not resolve. */
static int split_resolved(const char *path, char *dir, const char **base)
{
    const char *slash = strrchr(path, '/');
    char parent[PATH_MAX];
    size_t len = slash ? (size_t)(slash - path) : 1;
    if (len >= sizeof parent)
        return 0;
    if (!slash)
        memcpy(parent, ".", 2);
    else if (len == 0)
        memcpy(parent, "/", 2);
    else {
        memcpy(parent, path, len);
        parent[len] = '\0';
    }
    *base = slash ? slash + 1 : path;
    return realpath(parent, dir) != NULL;
}

int wsl_cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    char da[PATH_MAX], db[PATH_MAX];
    const char *ba, *bb;
    if (strcmp(a, b) == 0)
        return 1;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    /* Not both there yet (two outputs): the same name in the same directory. */
    return split_resolved(a, da, &ba) && split_resolved(b, db, &bb) && *ba && strcmp(ba, bb) == 0 &&
           strcmp(da, db) == 0;
}

void wsl_cli_json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", (unsigned)*p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void wsl_cli_json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6f", v);
    else
        fputs("null", f);
}

/* Shared by wsl and wsl-mpi: each defines its own wsl_cli_errorf (wsl-mpi: rank 0 speaks). */
int wsl_cli_exit_code(wsl_status st)
{
    switch (st) {
    case WSL_OK:
        return WSL_EXIT_OK;
    case WSL_EIO:
        return WSL_EXIT_IO;
    case WSL_EINVAL:
        return WSL_EXIT_USAGE;
    default:
        return WSL_EXIT_INPUT;
    }
}

int wsl_cli_fail(const char *cmd, wsl_status st)
{
    const char *detail = wsl_last_error();
    wsl_cli_errorf(cmd, "%s", detail && *detail ? detail : wsl_strerror(st));
    return wsl_cli_exit_code(st);
}

/*
 * The library's option messages name fields and constants (opts->abstain,
 * WSL_TABLES_ONE_COIN); a command-line user set them as --abstain and one-coin. Fields become
 * their options, "opts->f = WSL_KIND_VALUE" and a lone WSL_KIND_VALUE become "--option value"
 * (the values of --tables and --abstain are the constants' names in lower case, '_' as '-').
 * Phrases first: a table entry matches only whole words.
 */
static const struct fit_word {
    const char *lib, *cli;
} fit_words[] = {
    {"wsl_fit_options: ", ""},
    {"wsl_label_model_fit: ", ""},
    {"dependencies (opts->deps = WSL_DEPS_LEARN, or opts->n_dep_groups > 0)",
     "dependencies (--deps learn, or --deps FILE)"},
    {"opts->class_prior[", "--prior value for class "}, /* then the index and ']' */
    {"opts->class_prior", "--prior"},
    {"opts->n_threads", "--threads"},
    {"opts->source_prior_strength", "--source-prior-strength"},
    {"opts->source_priors", "--source-priors"},
    {"opts->pseudo_count", "--pseudo-count"},
    {"opts->max_iter", "--max-iter"},
    {"opts->tables", "--tables"},
    {"opts->abstain", "--abstain"},
    {"opts->prior", "--prior"},
    {"opts->tol", "--tol"},
    {"opts->gold", "--gold"},
    {"WSL_TABLES_", "--tables "},
    {"WSL_ABSTAIN_", "--abstain "},
};

static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

void wsl_cli_fit_words(const char *msg, char *out, size_t cap)
{
    size_t o = 0;
    const char *start = msg;
    if (cap == 0)
        return;
    while (*msg && o + 1 < cap) {
        const struct fit_word *w = NULL;
        const char *cli;
        size_t len = 0;
        for (size_t i = 0; i < sizeof fit_words / sizeof fit_words[0] && !w; i++) {
            const char *lib = fit_words[i].lib;
            len = strlen(lib);
            if ((msg > start && word_char(msg[-1])) || strncmp(msg, lib, len) != 0)
                continue;
            /* whole words: a field or phrase ends where a word does; a constant's prefix is
             * followed by its value */
            if (lib[len - 1] != '_' && lib[len - 1] != '[' && lib[len - 1] != ' ' &&
                word_char(msg[len]))
                continue;
            if (lib[len - 1] == '_' && !isupper((unsigned char)msg[len]))
                continue;
            w = &fit_words[i];
        }
        if (!w) {
            out[o++] = *msg++;
            continue;
        }
        msg += len;
        if (strncmp(msg, " = WSL_", 7) == 0) { /* "opts->f = WSL_KIND_VALUE": the constant */
            msg += 3;                          /* says it all */
            continue;
        }
        for (cli = w->cli; *cli && o + 1 < cap; cli++)
            out[o++] = *cli;
        if (w->lib[len - 1] == '[') { /* an index: copied, its bracket dropped */
            for (; isdigit((unsigned char)*msg) && o + 1 < cap; msg++)
                out[o++] = *msg;
            msg += *msg == ']';
        } else if (w->lib[len - 1] == '_') { /* a constant: its value, as the option spells it */
            for (; (isupper((unsigned char)*msg) || *msg == '_') && o + 1 < cap; msg++)
                out[o++] = *msg == '_' ? '-' : (char)tolower((unsigned char)*msg);
        }
    }
    out[o] = '\0';
}

int wsl_cli_fail_fit(const char *cmd, wsl_status st)
{
    static const char opts[] = "wsl_fit_options: ", fit[] = "wsl_label_model_fit: opts->";
    const char *detail = wsl_last_error();
    char buf[1024];
    /* Only the option checks speak of fields; other messages (paths, file contents) are
     * printed as they are. */
    if (!detail || (strncmp(detail, opts, sizeof opts - 1) != 0 &&
                    strncmp(detail, fit, sizeof fit - 1) != 0))
        return wsl_cli_fail(cmd, st);
    wsl_cli_fit_words(detail, buf, sizeof buf);
    wsl_cli_errorf(cmd, "%s", buf);
    return wsl_cli_exit_code(st);
}

int wsl_cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* ---------------------------------------------------------------- fit's model options */

const char *const wsl_cli_tables_names[6] = {"default",  "full",     "class-accuracy",
                                             "accuracy", "polarity", "one-coin"};
const char *const wsl_cli_abstain_names[7] = {"default",     "informative", "random", "never",
                                              "by-polarity", "votes-only",  "auto"};

static int parse_choice(const char *opt, const char *text, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(text, names[i]) == 0) {
            *out = i;
            return WSL_EXIT_OK;
        }
    wsl_cli_errorf("fit", "%s: unknown value '%s'", opt, text);
    return WSL_EXIT_USAGE;
}

/* --prior learned|uniform|P0,P1,...  */
static int parse_prior(const char *text, int32_t k, wsl_fit_options *o, double *buf)
{
    int t;
    static const char *const names[] = {NULL, "learned", NULL, "uniform"};
    if (strchr(text, ',') == NULL && parse_choice("--prior", text, names, 4, &t) == WSL_EXIT_OK) {
        o->prior = (wsl_lm_prior)t;
        return WSL_EXIT_OK;
    }
    {
        const char *p = text;
        for (int32_t c = 0; c < k; c++) {
            char *end;
            buf[c] = strtod(p, &end);
            if (end == p || (c + 1 < k && *end != ',') || (c + 1 == k && *end)) {
                wsl_cli_errorf("fit", "--prior must be learned, uniform or %ld comma-separated "
                                      "probabilities (got '%s')", (long)k, text);
                return WSL_EXIT_USAGE;
            }
            p = end + 1;
        }
    }
    o->prior = WSL_PRIOR_FIXED;
    o->class_prior = buf;
    return WSL_EXIT_OK;
}

int wsl_cli_fit_model_options(const char *tables, const char *abstain, const char *prior,
                              int32_t k, wsl_fit_options *o, double *prior_buf)
{
    int rc, v = 0;
    if (tables) {
        if ((rc = parse_choice("--tables", tables, wsl_cli_tables_names, 6, &v)))
            return rc;
        o->tables = (wsl_lm_tables)v;
    }
    if (abstain) {
        if ((rc = parse_choice("--abstain", abstain, wsl_cli_abstain_names, 7, &v)))
            return rc;
        o->abstain = (wsl_lm_abstain)v;
    }
    return prior ? parse_prior(prior, k, o, prior_buf) : WSL_EXIT_OK;
}

int wsl_cli_fit_numbers(const char *pseudo_count, const char *max_iter, const char *tol,
                        const char *threads, wsl_fit_options *o)
{
    long long v;
    int rc;
    if (pseudo_count &&
        (rc = wsl_cli_double("fit", "--pseudo-count", pseudo_count, 0, 1e12, &o->pseudo_count)))
        return rc;
    if (max_iter) {
        if ((rc = wsl_cli_long("fit", "--max-iter", max_iter, 1, 1000000, &v)))
            return rc;
        o->max_iter = (int)v;
    }
    if (tol && (rc = wsl_cli_double("fit", "--tol", tol, 1e-300, 1, &o->tol)))
        return rc;
    if (threads) {
        if ((rc = wsl_cli_long("fit", "--threads", threads, 1, 1024, &v)))
            return rc;
        o->n_threads = (int)v;
    }
    return WSL_EXIT_OK;
}

int wsl_cli_tie_policy(const char *cmd, const char *tie, wsl_tie_policy *policy)
{
    static const char *const names[] = {"abstain", "hash", "random", "lowest"};
    for (int i = 0; i < 4; i++)
        if (strcmp(tie, names[i]) == 0) {
            *policy = (wsl_tie_policy)i;
            return WSL_EXIT_OK;
        }
    wsl_cli_errorf(cmd, "--tie must be abstain, hash, random or lowest (got '%s')", tie);
    return WSL_EXIT_USAGE;
}
