/*
 * The applier: runs every LF of a set over records, serially or on worker threads, writing
 * votes straight into the compact cells of a dense label matrix at their final rows, so the
 * result never depends on the thread count. Workers take fixed-size chunks from an atomic
 * counter; the hot loop has no allocation and no lock.
 */
#include "labeling_impl.h"

#include "votes/label_matrix_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

typedef enum fault_kind { FAULT_NONE, FAULT_LF, FAULT_RANGE, FAULT_PP } fault_kind;

typedef struct fault {
    fault_kind kind;
    size_t record;
    size_t which; /* LF or preprocessor index */
    int32_t value;
} fault;

typedef struct job {
    const char *fn;            /* the public function, for messages */
    const wsl_lf_set *set;
    const wsl_apply_options *o;
    const unsigned char *base; /* array input */
    size_t stride;
    const void **ptrs;         /* stream input */
    size_t first, count;       /* global index of the batch's first record, records in it */
    size_t total;              /* records in all, 0 when unknown */
    size_t done_before;        /* records finished in earlier batches */
    wsl_label_matrix *L;
    atomic_size_t next_chunk;
    atomic_size_t done;
    atomic_size_t stop_at;     /* smallest faulting record (global), SIZE_MAX if none */
    atomic_int cancel;
    size_t reported;           /* last done count given to the progress callback (main thread) */
    pthread_mutex_t mu;
    fault fault1;              /* the fault with the smallest record; guarded by mu */
} job;

typedef struct worker {
    job *j;
    int is_main;
    unsigned char *views;
    const void **view_ptrs;
    size_t *faults;            /* per LF */
    size_t n_faults;
    size_t first_fault_record;
} worker;

static void record_fault(job *j, fault_kind kind, size_t record, size_t which, int32_t value)
{
    size_t cur;
    pthread_mutex_lock(&j->mu);
    if (j->fault1.kind == FAULT_NONE || record < j->fault1.record ||
        (record == j->fault1.record && which < j->fault1.which)) {
        j->fault1.kind = kind;
        j->fault1.record = record;
        j->fault1.which = which;
        j->fault1.value = value;
    }
    pthread_mutex_unlock(&j->mu);
    cur = atomic_load(&j->stop_at);
    while (record < cur && !atomic_compare_exchange_weak(&j->stop_at, &cur, record))
        ;
}

/*
 * Run LFs c..m-1 on one record, storing each vote into dst[c] (the record's row of compact
 * cells, T wide). Stops at the first vote outside -1..k-1: returns its column and *bad receives
 * it; returns m when all were valid. One copy per cell width keeps the width out of the loop;
 * the loop holds only what it needs in registers across the opaque calls.
 */
#define WSL__DEFINE_RUN_LFS(NAME, T)                                                            \
    static size_t NAME(const wsl__lf *lfs, size_t c, size_t m, uint32_t k,                      \
                       const wsl_lf_input *in, T *dst, int32_t *bad)                            \
    {                                                                                           \
        for (; c < m; c++) {                                                                    \
            int32_t v = lfs[c].fn(in, lfs[c].payload);                                          \
            if ((uint32_t)v + 1u > k) { /* v outside -1..k-1 */                                 \
                *bad = v;                                                                       \
                return c;                                                                       \
            }                                                                                   \
            dst[c] = (T)v;                                                                      \
        }                                                                                       \
        return m;                                                                               \
    }
WSL__DEFINE_RUN_LFS(run_lfs8, int8_t)
WSL__DEFINE_RUN_LFS(run_lfs16, int16_t)
WSL__DEFINE_RUN_LFS(run_lfs32, int32_t)

/* A fault in tolerant mode: count it for LF c (or every LF when c == SIZE_MAX). */
static void count_fault(worker *w, size_t g, size_t c, size_t m)
{
    if (c == SIZE_MAX) {
        for (size_t x = 0; x < m; x++)
            w->faults[x]++;
        w->n_faults += m;
    } else {
        w->faults[c]++;
        w->n_faults++;
    }
    if (g < w->first_fault_record)
        w->first_fault_record = g;
}

/*
 * The hot loop. Everything it reads is copied into locals first: the LF calls are opaque to the
 * compiler, which would otherwise reload the set and the matrix after each call. Votes go
 * straight into the matrix's compact cells at their final row.
 */
static void run_chunk(worker *w, size_t start, size_t end)
{
    job *j = w->j;
    const wsl_lf_set *set = j->set;
    const wsl__lf *lfs = set->lfs;
    const wsl__pp *pps = set->pps;
    const size_t m = set->n_lfs, n_pps = set->n_pps, view_bytes = set->view_bytes;
    const uint32_t k = (uint32_t)set->k;
    const int tolerant = j->o->fault_tolerant;
    const unsigned char *base = j->base;
    const void *const *ptrs = j->ptrs;
    const size_t stride = j->stride, first = j->first;
    void *cells = j->L->cells;
    const unsigned elem = j->L->elem;
    unsigned char *views = w->views;
    wsl_lf_input in;
    in.views = w->view_ptrs;
    for (size_t i = start; i < end; i++) {
        const size_t g = first + i;
        size_t p_ran = 0;
        if (!tolerant && g >= atomic_load_explicit(&j->stop_at, memory_order_relaxed))
            return;
        in.record = ptrs ? ptrs[i] : (const void *)(base + i * stride);
        in.index = g;
        if (n_pps) {
            memset(views, 0, view_bytes);
            for (; p_ran < n_pps; p_ran++)
                if (pps[p_ran].run(&in, views + pps[p_ran].view_offset, pps[p_ran].payload) < 0)
                    break;
        }
        if (p_ran < n_pps) { /* preprocessor p_ran failed: the record's cells stay abstaining */
            if (!tolerant)
                record_fault(j, FAULT_PP, g, p_ran, 0);
            else
                count_fault(w, g, SIZE_MAX, m);
        } else {
            for (size_t c = 0;;) {
                int32_t bad = 0;
                if (elem == 1)
                    c = run_lfs8(lfs, c, m, k, &in, (int8_t *)cells + g * m, &bad);
                else if (elem == 2)
                    c = run_lfs16(lfs, c, m, k, &in, (int16_t *)cells + g * m, &bad);
                else
                    c = run_lfs32(lfs, c, m, k, &in, (int32_t *)cells + g * m, &bad);
                if (c == m)
                    break;
                if (!tolerant) {
                    record_fault(j, bad < WSL_ABSTAIN ? FAULT_LF : FAULT_RANGE, g, c, bad);
                    break;
                }
                count_fault(w, g, c, m); /* the cell keeps its abstain */
                c++;
            }
        }
        /* clear() after the LFs, once for every run() called, the failing one included */
        for (size_t p = 0; p <= p_ran && p < n_pps; p++)
            if (pps[p].clear)
                pps[p].clear(views + pps[p].view_offset, pps[p].payload);
    }
}

/* Tell the progress callback (on the calling thread only); a non-zero return cancels. */
static void report_progress(job *j)
{
    size_t done = j->done_before + atomic_load(&j->done);
    if (!j->o->progress || done == j->reported)
        return;
    j->reported = done;
    if (j->o->progress(done, j->total, j->o->progress_payload) != 0)
        atomic_store(&j->cancel, 1);
}

static void *work(void *arg)
{
    worker *w = arg;
    job *j = w->j;
    size_t chunk = j->o->chunk_size;
    for (;;) {
        size_t c = atomic_fetch_add(&j->next_chunk, 1), start, end;
        if (atomic_load(&j->cancel) || c > j->count / chunk)
            break;
        start = c * chunk;
        if (start >= j->count)
            break;
        if (!j->o->fault_tolerant && j->first + start >= atomic_load(&j->stop_at))
            break;
        end = start + chunk < j->count ? start + chunk : j->count;
        run_chunk(w, start, end);
        atomic_fetch_add(&j->done, end - start);
        if (w->is_main)
            report_progress(j);
    }
    return NULL;
}

wsl_status wsl_apply_options_validate(const wsl_apply_options *o)
{
    if (!o)
        return WSL_OK;
    if (o->version < 1 || o->version > WSL_APPLY_OPTIONS_VERSION)
        return wsl__error(WSL_EINVAL, "wsl_apply_options: opts->version must be 1..%d (got %u); "
                                      "initialize with WSL_APPLY_OPTIONS_INIT",
                          WSL_APPLY_OPTIONS_VERSION, o->version);
    if (o->n_threads < 1 || o->n_threads > 1024)
        return wsl__error(WSL_EINVAL, "wsl_apply_options: opts->n_threads must be in 1..1024 "
                                      "(got %d)", o->n_threads);
    if (o->fault_tolerant != 0 && o->fault_tolerant != 1)
        return wsl__error(WSL_EINVAL, "wsl_apply_options: opts->fault_tolerant must be 0 or 1 "
                                      "(got %d)", o->fault_tolerant);
    if ((unsigned)o->storage > WSL_STORAGE_SPARSE)
        return wsl__error(WSL_EINVAL, "wsl_apply_options: opts->storage must be a wsl_storage "
                                      "value (got %d)", (int)o->storage);
    if (o->chunk_size < 1 || o->chunk_size > ((size_t)1 << 30))
        return wsl__error(WSL_EINVAL, "wsl_apply_options: opts->chunk_size must be in 1..2^30 "
                                      "(got %zu)", o->chunk_size);
    return WSL_OK;
}

/* Per-apply state: workers and their scratch. */
typedef struct applier {
    const wsl_lf_set *set;
    wsl_apply_options o;
    worker *workers;
    pthread_t *threads;
    int n_workers;
} applier;

static void applier_release(applier *ap)
{
    const wsl_allocator *a = &ap->set->alloc;
    if (ap->workers)
        for (int t = 0; t < ap->n_workers; t++) {
            wsl__free(a, ap->workers[t].views);
            wsl__free(a, ap->workers[t].view_ptrs);
            wsl__free(a, ap->workers[t].faults);
        }
    wsl__free(a, ap->workers);
    wsl__free(a, ap->threads);
}

static wsl_status applier_init(applier *ap, const wsl_lf_set *set, const wsl_apply_options *opts)
{
    static const wsl_apply_options defaults = WSL_APPLY_OPTIONS_INIT;
    const wsl_allocator *a = &set->alloc;
    memset(ap, 0, sizeof *ap);
    ap->set = set;
    ap->o = opts ? *opts : defaults;
    ap->n_workers = ap->o.n_threads;
    ap->workers = wsl__calloc(a, (size_t)ap->n_workers, sizeof *ap->workers);
    ap->threads = wsl__calloc(a, (size_t)ap->n_workers, sizeof *ap->threads);
    if (!ap->workers || !ap->threads)
        goto oom;
    for (int t = 0; t < ap->n_workers; t++) {
        worker *w = &ap->workers[t];
        w->is_main = t == 0;
        w->first_fault_record = SIZE_MAX;
        w->faults = wsl__calloc(a, set->n_lfs, sizeof *w->faults);
        w->view_ptrs = wsl__calloc(a, set->n_pps ? set->n_pps : 1, sizeof *w->view_ptrs);
        w->views = wsl__malloc(a, set->view_bytes ? set->view_bytes : 1);
        if (!w->faults || !w->view_ptrs || !w->views)
            goto oom;
        for (size_t p = 0; p < set->n_pps; p++)
            w->view_ptrs[p] = w->views + set->pps[p].view_offset;
    }
    return WSL_OK;
oom:
    applier_release(ap);
    return WSL_ENOMEM;
}

/* Run one batch of records [first, first + count) of j on all workers. */
static wsl_status run_batch(applier *ap, job *j)
{
    int started = 1;
    atomic_init(&j->next_chunk, 0);
    atomic_init(&j->done, 0);
    for (int t = 0; t < ap->n_workers; t++)
        ap->workers[t].j = j;
    for (int t = 1; t < ap->n_workers; t++) {
        if (pthread_create(&ap->threads[t], NULL, work, &ap->workers[t]) != 0)
            break;
        started++;
    }
    work(&ap->workers[0]); /* the calling thread works too, and reports progress */
    for (int t = 1; t < started; t++)
        pthread_join(ap->threads[t], NULL);
    if (!atomic_load(&j->cancel) && j->fault1.kind == FAULT_NONE)
        report_progress(j); /* the batch's last records may have been finished by a worker */
    if (atomic_load(&j->cancel))
        return wsl__error(WSL_ECALLBACK, "%s: the progress callback cancelled the apply after "
                                         "%zu records",
                          j->fn, j->done_before + atomic_load(&j->done));
    return WSL_OK;
}

static wsl_status fault_error(const job *j, wsl_apply_report *report)
{
    const wsl_lf_set *set = j->set;
    const fault *f = &j->fault1;
    if (report) /* the caller can map the record back to its source (a line of a file) */
        report->first_fault_record = f->record;
    switch (f->kind) {
    case FAULT_PP:
        return wsl__error(WSL_ECALLBACK, "%s: preprocessor \"%s\" failed on record %zu", j->fn,
                          set->pps[f->which].name, f->record);
    case FAULT_LF:
        return wsl__error(WSL_ECALLBACK, "%s: LF \"%s\" signalled an error (%ld) on record %zu "
                                         "(column %zu)",
                          j->fn, set->lfs[f->which].name, (long)f->value, f->record, f->which);
    default:
        return wsl__error(WSL_ECALLBACK, "%s: LF \"%s\" returned %ld on record %zu (column "
                                         "%zu); votes must be in -1..%ld",
                          j->fn, set->lfs[f->which].name, (long)f->value, f->record, f->which,
                          (long)set->k - 1);
    }
}

static wsl_status check_call(const char *fn, const wsl_lf_set *set, const wsl_apply_options *o,
                             wsl_apply_report *report)
{
    WSL_TRY(wsl_apply_options_validate(o));
    if (set->n_lfs == 0)
        return wsl__error(WSL_EINVAL, "%s: the LF set is empty", fn);
    if (report && report->lf_faults && report->lf_faults_len < set->n_lfs)
        return wsl__error(WSL_EBUFS, "%s: report->lf_faults holds %zu counts, the set has %zu "
                                     "LFs", fn, report->lf_faults_len, set->n_lfs);
    return WSL_OK;
}

/* Fill the report, convert the storage, hand out the matrix. */
static wsl_status finish(applier *ap, wsl_label_matrix **L, wsl_apply_report *report, size_t n)
{
    size_t total = 0, first = SIZE_MAX;
    for (int t = 0; t < ap->n_workers; t++) {
        total += ap->workers[t].n_faults;
        if (ap->workers[t].first_fault_record < first)
            first = ap->workers[t].first_fault_record;
    }
    if (ap->o.storage != WSL_STORAGE_DENSE) {
        wsl_label_matrix *C = NULL;
        WSL_TRY(wsl_label_matrix_convert(&C, *L, ap->o.storage));
        wsl_label_matrix_free(*L);
        *L = C;
    }
    if (report) {
        report->n_records = n;
        report->n_faults = total;
        report->first_fault_record = first;
        if (report->lf_faults) {
            memset(report->lf_faults, 0, ap->set->n_lfs * sizeof *report->lf_faults);
            for (int t = 0; t < ap->n_workers; t++)
                for (size_t c = 0; c < ap->set->n_lfs; c++)
                    report->lf_faults[c] += ap->workers[t].faults[c];
        }
    }
    return WSL_OK;
}

static void job_init(job *j, const char *fn, const applier *ap, wsl_label_matrix *L)
{
    memset(j, 0, sizeof *j);
    j->fn = fn;
    j->set = ap->set;
    j->o = &ap->o;
    j->L = L;
    atomic_init(&j->stop_at, SIZE_MAX);
    atomic_init(&j->cancel, 0);
    pthread_mutex_init(&j->mu, NULL);
}

wsl_status wsl_lf_apply(wsl_label_matrix **out, const wsl_lf_set *set, const void *records,
                        size_t n, size_t stride, const wsl_apply_options *opts,
                        wsl_apply_report *report)
{
    applier ap;
    job j;
    wsl_label_matrix *L = NULL;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(set != NULL);
    WSL_CHECK_ARG(records != NULL || n == 0);
    WSL_CHECK_ARG(stride >= 1);
    WSL_TRY(check_call(__func__, set, opts, report));
    WSL_TRY(wsl_label_matrix_create(&L, n, set->n_lfs, set->k, WSL_STORAGE_DENSE, &set->alloc));
    if ((st = applier_init(&ap, set, opts)) != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    job_init(&j, __func__, &ap, L);
    j.base = records;
    j.stride = stride;
    j.count = n;
    j.total = n;
    st = run_batch(&ap, &j);
    if (st == WSL_OK && j.fault1.kind != FAULT_NONE)
        st = fault_error(&j, report);
    if (st == WSL_OK)
        st = finish(&ap, &L, report, n);
    pthread_mutex_destroy(&j.mu);
    applier_release(&ap);
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    *out = L;
    return WSL_OK;
}

wsl_status wsl_lf_apply_stream(wsl_label_matrix **out, const wsl_lf_set *set,
                               wsl_record_iter_fn next, void *payload,
                               const wsl_apply_options *opts, wsl_apply_report *report)
{
    applier ap;
    job j;
    wsl_label_matrix *L = NULL;
    const void **ptrs = NULL;
    size_t batch, n = 0;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(set != NULL);
    WSL_CHECK_ARG(next != NULL);
    WSL_TRY(check_call(__func__, set, opts, report));
    WSL_TRY(wsl_label_matrix_create(&L, 0, set->n_lfs, set->k, WSL_STORAGE_DENSE, &set->alloc));
    if ((st = applier_init(&ap, set, opts)) != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    batch = ap.o.chunk_size * (size_t)ap.n_workers;
    ptrs = wsl__mallocarray(&set->alloc, batch, sizeof *ptrs);
    if (!ptrs) {
        st = WSL_ENOMEM;
        goto done;
    }
    /* One iterator call per batch: the pointers it hands out are valid until its next call. */
    for (;;) {
        long r = next(ptrs, batch, payload);
        size_t got;
        if (r < 0) {
            st = wsl__error(WSL_ECALLBACK, "%s: the record iterator failed (%ld) after %zu "
                                           "records", __func__, r, n);
            goto done;
        }
        if ((unsigned long)r > batch) {
            st = wsl__error(WSL_ECALLBACK, "%s: the record iterator returned %ld records, more "
                                           "than the %zu asked for", __func__, r, batch);
            goto done;
        }
        if (r == 0)
            break;
        got = (size_t)r;
        if ((st = wsl__label_matrix_grow(L, got)) != WSL_OK)
            goto done;
        job_init(&j, __func__, &ap, L);
        j.ptrs = ptrs;
        j.first = n;
        j.count = got;
        j.done_before = n;
        j.reported = n;
        st = run_batch(&ap, &j);
        if (st == WSL_OK && j.fault1.kind != FAULT_NONE)
            st = fault_error(&j, report);
        pthread_mutex_destroy(&j.mu);
        if (st != WSL_OK)
            goto done;
        n += got;
    }
    st = finish(&ap, &L, report, n);
done:
    wsl__free(&set->alloc, ptrs);
    applier_release(&ap);
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    *out = L;
    return WSL_OK;
}
