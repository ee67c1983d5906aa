/* Core: status text, thread-local errors, version, buffers, allocators, RNG, hashing. */
#include "wsl_test_util.h"

#include "core/core.h"

#include <pthread.h>
#include <string.h>

START_TEST(test_strerror_never_null)
{
    static const wsl_status all[] = {
#define X(name, value, msg) name,
        WSL_STATUS_MAP(X)
#undef X
    };
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(wsl_strerror(all[i]));
        ck_assert_uint_gt(strlen(wsl_strerror(all[i])), 0);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(wsl_strerror(all[i]), wsl_strerror(all[j]));
    }
    ck_assert_ptr_nonnull(wsl_strerror((wsl_status)12345));
    ck_assert_ptr_nonnull(wsl_strerror((wsl_status)-999));
    ck_assert_str_eq(wsl_strerror((wsl_status)-999), "unknown status");
    ck_assert_int_eq(WSL_OK, 0);
    ck_assert_int_eq(WSL_EINVAL, -1);
    ck_assert_int_eq(WSL_ENOMEM, -2);
    ck_assert_int_eq(WSL_EINTERNAL, -9);
}
END_TEST

static void *set_error_in_thread(void *arg)
{
    (void)arg;
    wsl__error(WSL_EIO, "thread error %d", 7);
    return (void *)(strcmp(wsl_last_error(), "thread error 7") == 0 ? (void *)1 : NULL);
}

START_TEST(test_last_error_thread_local)
{
    pthread_t t;
    void *ok = NULL;
    wsl_clear_error();
    ck_assert_str_eq(wsl_last_error(), "");
    ck_assert_int_eq(wsl__error(WSL_EINVAL, "main %s", "message"), WSL_EINVAL);
    ck_assert_int_eq(pthread_create(&t, NULL, set_error_in_thread, NULL), 0);
    pthread_join(t, &ok);
    ck_assert_ptr_nonnull(ok);
    ck_assert_str_eq(wsl_last_error(), "main message");
    wsl_clear_error();
    ck_assert_str_eq(wsl_last_error(), "");
    /* The public setter, for libraries built on libwsl. */
    ck_assert_int_eq(wsl_set_error(WSL_EIO, "rank %d: %s", 3, "cannot open x"), WSL_EIO);
    ck_assert_str_eq(wsl_last_error(), "rank 3: cannot open x");
}
END_TEST

START_TEST(test_error_names_function)
{
    wsl_label_matrix *L = NULL;
    ck_assert_int_eq(wsl_label_matrix_create(&L, 1, 0, 2, WSL_STORAGE_DENSE, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "wsl_label_matrix_create"));
    /* A long message is truncated, never overflows. */
    {
        char big[2000];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        wsl__error(WSL_EINVAL, "%s", big);
        ck_assert_uint_lt(strlen(wsl_last_error()), sizeof big);
    }
}
END_TEST

START_TEST(test_version)
{
    ck_assert_int_eq(wsl_version_number(), WSL_VERSION_NUMBER);
    ck_assert_str_eq(wsl_version_string(), WSL_VERSION_STRING);
    ck_assert_int_eq(WSL_VERSION_NUMBER,
                     WSL_VERSION_MAJOR * 10000 + WSL_VERSION_MINOR * 100 + WSL_VERSION_PATCH);
    ck_assert(WSL_VERSION_CHECK(0, 0, 1));
    ck_assert(WSL_VERSION_CHECK(WSL_VERSION_MAJOR, WSL_VERSION_MINOR, WSL_VERSION_PATCH));
    ck_assert(!WSL_VERSION_CHECK(WSL_VERSION_MAJOR + 1, 0, 0));
}
END_TEST

START_TEST(test_buf_dispose)
{
    wsl_buf b = WSL_BUF_INIT;
    wsl_test_alloc state = {0, 0, 0, 0};
    wsl_allocator a = wsl_test_allocator(&state);
    wsl_buf_dispose(NULL);
    wsl_buf_dispose(&b);
    b.ptr = wsl__malloc(&a, 10);
    b.size = 9;
    b.alloc_ = a;
    ck_assert_int_eq(state.live, 1);
    wsl_buf_dispose(&b);
    ck_assert_int_eq(state.live, 0);
    ck_assert_ptr_null(b.ptr);
    ck_assert_uint_eq(b.size, 0);
}
END_TEST

static void count_log(wsl_log_level level, const char *msg, void *payload)
{
    (void)level;
    ck_assert_str_eq(msg, "hello 3");
    ++*(int *)payload;
}

START_TEST(test_logging)
{
    int calls = 0;
    wsl_log_stderr(WSL_LOG_DEBUG, "a debug line from test_core", NULL);
    wsl_log_stderr(WSL_LOG_WARN, NULL, NULL);
    wsl__log(count_log, &calls, WSL_LOG_INFO, "hello %d", 3);
    wsl__log(NULL, &calls, WSL_LOG_INFO, "silent %d", 4);
    ck_assert_int_eq(calls, 1);
}
END_TEST

START_TEST(test_allocators)
{
    wsl_allocator std = wsl__allocator(NULL);
    wsl_test_alloc state = {0, 0, 0, 0};
    wsl_allocator a = wsl_test_allocator(&state);
    wsl_allocator incomplete = {NULL, NULL, NULL, NULL};
    void *p;
    size_t out;
    ck_assert(std.malloc_fn != NULL);
    ck_assert(std.free_fn != NULL);
    /* An allocator without malloc or free falls back to the C library. */
    ck_assert(wsl__allocator(&incomplete).malloc_fn == std.malloc_fn);
    p = wsl__malloc(&a, 16);
    ck_assert_uint_eq(state.n_calls, 1);
    p = wsl__realloc(&a, p, 64);
    ck_assert_ptr_nonnull(p);
    wsl__free(&a, p);
    ck_assert_int_eq(state.live, 0);
    ck_assert_ptr_null(wsl__mallocarray(&a, SIZE_MAX / 2, 4));
    ck_assert_ptr_null(wsl__calloc(&a, SIZE_MAX / 2, 4));
    ck_assert(!wsl__mul_size(&out, SIZE_MAX / 2, 3));
    ck_assert(wsl__mul_size(&out, 1000, 1000));
    ck_assert_uint_eq(out, 1000000);
    ck_assert(!wsl__add_size(&out, SIZE_MAX, 1));
    ck_assert(wsl__add_size(&out, 2, 3));
    state.fail_at = state.n_calls + 1;
    ck_assert_ptr_null(wsl__malloc(&a, 8));
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "out of memory"));
    ck_assert_ptr_null(wsl__strdup(&a, "abc"));
    state.fail_at = 0;
    p = wsl__strdup(&a, "abc");
    ck_assert_str_eq(p, "abc");
    wsl__free(&a, p);
    wsl__free(&a, NULL);
    ck_assert_int_eq(state.live, 0);
}
END_TEST

START_TEST(test_rng)
{
    wsl__rng a, b;
    uint64_t seen = 0;
    wsl__rng_seed(&a, 42);
    wsl__rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(wsl__rng_next(&a), wsl__rng_next(&b));
    wsl__rng_seed(&b, 43);
    ck_assert_uint_ne(wsl__rng_next(&a), wsl__rng_next(&b));
    for (int i = 0; i < 10000; i++) {
        double u = wsl__rng_uniform(&a);
        uint64_t r = wsl__rng_below(&a, 7);
        ck_assert(u >= 0 && u < 1);
        ck_assert_uint_lt(r, 7);
        seen |= (uint64_t)1 << r;
    }
    ck_assert_uint_eq(seen, 0x7f);
    ck_assert_uint_eq(wsl__rng_below(&a, 1), 0);
}
END_TEST

START_TEST(test_hash)
{
    const char *s = "weak supervision";
    uint64_t h = wsl__hash_bytes(s, strlen(s), 0);
    ck_assert_uint_eq(h, wsl__hash_bytes(s, strlen(s), 0));
    ck_assert_uint_ne(h, wsl__hash_bytes(s, strlen(s), 1));
    ck_assert_uint_ne(h, wsl__hash_bytes(s, strlen(s) - 1, 0));
    ck_assert_uint_ne(wsl__splitmix64(1), wsl__splitmix64(2));
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *errors = tcase_create("errors");
    TCase *core = tcase_create("core");
    tcase_add_test(errors, test_strerror_never_null);
    tcase_add_test(errors, test_last_error_thread_local);
    tcase_add_test(errors, test_error_names_function);
    tcase_add_test(core, test_version);
    tcase_add_test(core, test_buf_dispose);
    tcase_add_test(core, test_logging);
    tcase_add_test(core, test_allocators);
    tcase_add_test(core, test_rng);
    tcase_add_test(core, test_hash);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, core);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(core_suite());
}
