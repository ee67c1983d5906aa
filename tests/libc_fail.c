/* Failing C-library allocations (see libc_fail.h). */
#include "libc_fail.h"

#include <stdlib.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static int armed, fail_once;
static size_t calls, fail_at;

/* True when this call must fail. */
static int failing(void)
{
    if (!armed)
        return 0;
    calls++;
    return fail_at && (fail_once ? calls == fail_at : calls >= fail_at);
}

void *__wrap_malloc(size_t size)
{
    return failing() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return failing() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
    return failing() ? NULL : __real_realloc(ptr, size);
}

void wsl_test_libc_arm(size_t n, int once)
{
    calls = 0;
    fail_at = n;
    fail_once = once;
    armed = 1;
}

size_t wsl_test_libc_disarm(void)
{
    armed = 0;
    return calls;
}

size_t wsl_test_libc_walk(const char *name, wsl_status (*call)(void *ctx),
                          void (*after)(wsl_status st, void *ctx), void *ctx)
{
    size_t total;
    wsl_status s;
    wsl_test_libc_arm(0, 0);
    s = call(ctx);
    total = wsl_test_libc_disarm();
    ck_assert_msg(s == WSL_OK, "%s: fails without any allocation failure: %s", name,
                  wsl_last_error());
    after(s, ctx);
    ck_assert_msg(total > 0, "%s: allocates nothing from the C library", name);
    for (int once = 0; once < 2; once++) {
        size_t failed = 0;
        for (size_t n = 1; n <= total; n++) {
            wsl_clear_error();
            wsl_test_libc_arm(n, once);
            s = call(ctx);
            wsl_test_libc_disarm();
            if (s != WSL_OK) {
                ck_assert_msg(s == WSL_ENOMEM, "%s: allocation %zu%s failing: status %d (%s): "
                              "%s", name, n, once ? " alone" : " on", (int)s, wsl_strerror(s),
                              wsl_last_error());
                ck_assert_msg(wsl_last_error()[0] != '\0', "%s: no message", name);
                failed++;
            }
            after(s, ctx);
        }
        ck_assert_msg(failed > 0, "%s: no failing allocation was reported", name);
    }
    return total;
}
