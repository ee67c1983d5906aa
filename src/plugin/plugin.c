/*
 * LF plugins: a shared object's wsl_plugin_table, checked field by field before anything in it
 * is used, turned into an LF set, and loaded / unloaded with dlopen.
 */
#include "core/core.h"
#include "wsl/plugin.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CHECK = "wsl_plugin_check";

/* What the table names: "lfs[3] (\"kw\")" for messages. */
typedef struct named {
    const char *name;
    const char *what; /* "lfs", "preprocessors", "class_names", "fields" */
    size_t index;
    size_t seq;       /* position in the table, which breaks ties */
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A name: non-empty, at most 1024 bytes, printable, comma-free (LF names become CSV columns). */
static wsl_status check_name(const char *what, size_t i, const char *name)
{
    size_t len;
    if (!name || !*name)
        return wsl__error(WSL_EFORMAT, "%s: %s[%zu] has no name", CHECK, what, i);
    len = strlen(name);
    if (len > 1024)
        return wsl__error(WSL_EFORMAT, "%s: %s[%zu]: name longer than 1024 bytes", CHECK, what,
                          i);
    for (size_t b = 0; b < len; b++) {
        unsigned char c = (unsigned char)name[b];
        if (c < 0x20 || c == 0x7f || c == ',')
            return wsl__error(WSL_EFORMAT, "%s: %s[%zu] (\"%.64s\"): a control character or a "
                                           "comma at byte %zu", CHECK, what, i, name, b);
    }
    return WSL_OK;
}

/* Names must be distinct: sort a copy, compare neighbours. */
static wsl_status check_distinct(named *v, size_t n, const char *meaning)
{
    qsort(v, n, sizeof *v, cmp_named);
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1].name, v[i].name) == 0)
            return wsl__error(WSL_EFORMAT, "%s: %s[%zu] and %s[%zu] are both named \"%.64s\" (%s)",
                              CHECK, v[i - 1].what, v[i - 1].index, v[i].what, v[i].index,
                              v[i].name, meaning);
    return WSL_OK;
}

/* A list of names (class names, fields): each valid, all distinct. */
static wsl_status check_names(const char *what, const char *const *names, size_t n)
{
    named *v;
    wsl_status st = WSL_OK;
    for (size_t i = 0; i < n; i++)
        WSL_TRY(check_name(what, i, names[i]));
    if (!(v = malloc((n ? n : 1) * sizeof *v)))
        return wsl__error(WSL_ENOMEM, "%s: out of memory", CHECK);
    for (size_t i = 0; i < n; i++)
        v[i] = (named){names[i], what, i, i};
    st = check_distinct(v, n, "names must be distinct");
    free(v);
    return st;
}

static wsl_status check_items(const wsl_plugin *t)
{
    size_t n = t->n_lfs + t->n_preprocessors;
    named *v;
    wsl_status st;
    for (size_t j = 0; j < t->n_lfs; j++) {
        WSL_TRY(check_name("lfs", j, t->lfs[j].name));
        if (!t->lfs[j].fn)
            return wsl__error(WSL_EFORMAT, "%s: lfs[%zu] (\"%.64s\"): fn is NULL", CHECK, j,
                              t->lfs[j].name);
    }
    for (size_t p = 0; p < t->n_preprocessors; p++) {
        const wsl_preprocessor *pp = &t->preprocessors[p];
        WSL_TRY(check_name("preprocessors", p, pp->name));
        if (!pp->run || pp->view_size == 0)
            return wsl__error(WSL_EFORMAT, "%s: preprocessors[%zu] (\"%.64s\"): %s", CHECK, p,
                              pp->name, !pp->run ? "run is NULL" : "view_size is 0");
    }
    /* LFs and preprocessors share one namespace in an LF set. */
    if (!(v = malloc(n * sizeof *v)))
        return wsl__error(WSL_ENOMEM, "%s: out of memory", CHECK);
    for (size_t j = 0; j < t->n_lfs; j++)
        v[j] = (named){t->lfs[j].name, "lfs", j, j};
    for (size_t p = 0; p < t->n_preprocessors; p++)
        v[t->n_lfs + p] = (named){t->preprocessors[p].name, "preprocessors", p, t->n_lfs + p};
    st = check_distinct(v, n, "LF and preprocessor names must be distinct");
    free(v);
    return st;
}

/* A count and its array agree: an array for a positive count, a count within bounds. */
static wsl_status check_array(const char *what, const void *array, size_t n, size_t max)
{
    if (n > max)
        return wsl__error(WSL_EFORMAT, "%s: n_%s is %zu, more than the %zu a plugin may list",
                          CHECK, what, n, max);
    if (n && !array)
        return wsl__error(WSL_EFORMAT, "%s: %s is NULL but n_%s is %zu", CHECK, what, what, n);
    return WSL_OK;
}

wsl_status wsl_plugin_check(const wsl_plugin *t)
{
    WSL_CHECK_ARG(t);
    /* Nothing past the version fields is read before they match this header. */
    if (t->abi_version != WSL_PLUGIN_ABI_VERSION)
        return wsl__error(WSL_ERANGE, "%s: the table is for plugin ABI %u; this libwsl (%s) reads "
                                      "ABI %d: rebuild the plugin against its <wsl/plugin.h>",
                          CHECK, t->abi_version, wsl_version_string(), WSL_PLUGIN_ABI_VERSION);
    if (t->struct_size != sizeof(wsl_plugin))
        return wsl__error(WSL_ERANGE, "%s: the table's struct_size is %zu, this libwsl's "
                                      "wsl_plugin is %zu bytes: rebuild the plugin against its "
                                      "<wsl/plugin.h> (and start the table with "
                                      "WSL_PLUGIN_HEADER)",
                          CHECK, t->struct_size, sizeof(wsl_plugin));
    if (t->k < 1 || t->k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EFORMAT, "%s: k is %ld, expected 1..%d classes", CHECK, (long)t->k,
                          WSL_MAX_CARDINALITY);
    if (t->class_names)
        WSL_TRY(check_names("class_names", t->class_names, (size_t)t->k));
    if (t->n_lfs == 0)
        return wsl__error(WSL_EFORMAT, "%s: the table lists no LF (n_lfs is 0)", CHECK);
    WSL_TRY(check_array("lfs", t->lfs, t->n_lfs, WSL_PLUGIN_MAX_ITEMS));
    WSL_TRY(check_array("preprocessors", t->preprocessors, t->n_preprocessors,
                        WSL_PLUGIN_MAX_ITEMS));
    WSL_TRY(check_array("fields", t->fields, t->n_fields, WSL_PLUGIN_MAX_ITEMS));
    WSL_TRY(check_items(t));
    return check_names("fields", t->fields, t->n_fields);
}

wsl_status wsl_plugin_lf_set(const wsl_plugin *t, wsl_lf_set **out, const wsl_allocator *alloc)
{
    wsl_lf_set *set = NULL;
    wsl_status st;
    if (out)
        *out = NULL;
    WSL_CHECK_ARG(t && out);
    WSL_TRY(wsl_plugin_check(t));
    WSL_TRY(wsl_lf_set_create(&set, t->k, alloc));
    for (size_t p = 0; p < t->n_preprocessors; p++)
        if ((st = wsl_lf_set_add_preprocessor(set, &t->preprocessors[p], NULL)) != WSL_OK)
            goto fail;
    for (size_t j = 0; j < t->n_lfs; j++)
        if ((st = wsl_lf_set_add(set, t->lfs[j].name, t->lfs[j].fn, t->lfs[j].payload)) !=
            WSL_OK)
            goto fail;
    *out = set;
    return WSL_OK;
fail:
    wsl_lf_set_free(set);
    return st;
}

/* ---------------------------------------------------------------- loading */

struct wsl_plugin_lib {
    void *handle;
    const wsl_plugin *table;
};

/*
 * dlopen hands out one shared object per file, however many times it is opened: its init must
 * run on the first open only and its fini on the last close, or a second handle would see the
 * first one's fini free what its LFs use. Loaded objects and their open counts, under a lock.
 */
typedef struct loaded {
    void *handle;
    size_t opens;
    struct loaded *next;
} loaded;

static pthread_mutex_t loaded_lock = PTHREAD_MUTEX_INITIALIZER;
static loaded *loaded_list;

/* The entry of handle, or NULL (lock held). */
static loaded *find_loaded(void *handle)
{
    for (loaded *l = loaded_list; l; l = l->next)
        if (l->handle == handle)
            return l;
    return NULL;
}

void wsl_plugin_set_error(const char *message)
{
    wsl__error(WSL_ECALLBACK, "%s", message ? message : "");
}

wsl_status wsl_plugin_open(wsl_plugin_lib **out, const char *path)
{
    static const char *const fn = "wsl_plugin_open";
    wsl_plugin_lib *lib;
    char *local = NULL;
    const char *err;
    void *sym;
    wsl_status st;
    int rc;
    if (out)
        *out = NULL;
    WSL_CHECK_ARG(out && path && *path);
    if (!(lib = calloc(1, sizeof *lib)))
        return wsl__error(WSL_ENOMEM, "%s: out of memory", fn);
    /* dlopen searches the library path for a bare name; a user naming a file means the file. */
    if (!strchr(path, '/')) {
        size_t len = strlen(path);
        if (!(local = malloc(len + 3))) {
            free(lib);
            return wsl__error(WSL_ENOMEM, "%s: out of memory", fn);
        }
        memcpy(local, "./", 2);
        memcpy(local + 2, path, len + 1);
    }
    lib->handle = dlopen(local ? local : path, RTLD_NOW | RTLD_LOCAL);
    free(local);
    if (!lib->handle) {
        err = dlerror();
        free(lib);
        return wsl__error(WSL_EIO, "%s: cannot load %s: %s", fn, path, err ? err : "dlopen failed");
    }
    (void)dlerror();
    sym = dlsym(lib->handle, WSL_PLUGIN_SYMBOL);
    if (!sym) {
        st = wsl__error(WSL_EFORMAT, "%s: %s exports no %s (define it with WSL_PLUGIN or "
                                     "WSL_PLUGIN_TABLE from <wsl/plugin.h>)",
                        fn, path, WSL_PLUGIN_SYMBOL);
        goto fail;
    }
    lib->table = sym;
    if ((st = wsl_plugin_check(lib->table)) != WSL_OK) {
        /* The message names the field; say which file holds the table. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", wsl_last_error());
        st = wsl__error(st, "%s: %s: %s", fn, path, msg);
        goto fail;
    }
    pthread_mutex_lock(&loaded_lock);
    {
        loaded *l = find_loaded(lib->handle);
        if (l) { /* already open: initialized */
            l->opens++;
            pthread_mutex_unlock(&loaded_lock);
            *out = lib;
            return WSL_OK;
        }
        if (!(l = malloc(sizeof *l))) {
            pthread_mutex_unlock(&loaded_lock);
            st = wsl__error(WSL_ENOMEM, "%s: out of memory", fn);
            goto fail;
        }
        if (lib->table->init) {
            wsl_clear_error();
            if ((rc = lib->table->init()) != 0) {
                char msg[512];
                pthread_mutex_unlock(&loaded_lock);
                free(l);
                snprintf(msg, sizeof msg, "%s", wsl_last_error());
                st = wsl__error(WSL_ECALLBACK, "%s: %s: init failed (returned %d)%s%s", fn, path,
                                rc, msg[0] ? ": " : "", msg);
                goto fail;
            }
        }
        l->handle = lib->handle;
        l->opens = 1;
        l->next = loaded_list;
        loaded_list = l;
    }
    pthread_mutex_unlock(&loaded_lock);
    *out = lib;
    return WSL_OK;
fail:
    dlclose(lib->handle);
    free(lib);
    return st;
}

const wsl_plugin *wsl_plugin_lib_table(const wsl_plugin_lib *lib)
{
    return lib ? lib->table : NULL;
}

void wsl_plugin_close(wsl_plugin_lib *lib)
{
    loaded **at;
    if (!lib)
        return;
    pthread_mutex_lock(&loaded_lock);
    for (at = &loaded_list; *at && (*at)->handle != lib->handle; at = &(*at)->next)
        ;
    if (*at && --(*at)->opens == 0) { /* the last handle: fini, then forget it */
        loaded *l = *at;
        *at = l->next;
        free(l);
        if (lib->table->fini)
            lib->table->fini();
    }
    pthread_mutex_unlock(&loaded_lock);
    dlclose(lib->handle);
    free(lib);
}
