#include "core.h"

#include <stdlib.h>
#include <string.h>

static void *std_malloc(size_t size, void *payload)
{
    (void)payload;
    return malloc(size);
}

static void *std_realloc(void *ptr, size_t size, void *payload)
{
    (void)payload;
    return realloc(ptr, size);
}

static void std_free(void *ptr, void *payload)
{
    (void)payload;
    free(ptr);
}

wsl_allocator wsl__allocator(const wsl_allocator *alloc)
{
    wsl_allocator a = {std_malloc, std_realloc, std_free, NULL};
    if (alloc && alloc->malloc_fn && alloc->free_fn)
        a = *alloc;
    return a;
}

bool wsl__mul_size(size_t *out, size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

bool wsl__add_size(size_t *out, size_t a, size_t b)
{
    if (b > SIZE_MAX - a)
        return false;
    *out = a + b;
    return true;
}

void *wsl__malloc(const wsl_allocator *a, size_t size)
{
    void *p = a->malloc_fn(size ? size : 1, a->payload);
    if (!p)
        wsl__error(WSL_ENOMEM, "out of memory allocating %zu bytes", size);
    return p;
}

void *wsl__calloc(const wsl_allocator *a, size_t count, size_t size)
{
    size_t bytes;
    void *p;
    if (!wsl__mul_size(&bytes, count, size)) {
        wsl__error(WSL_ENOMEM, "allocation of %zu x %zu bytes overflows", count, size);
        return NULL;
    }
    p = wsl__malloc(a, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void *wsl__mallocarray(const wsl_allocator *a, size_t count, size_t size)
{
    size_t bytes;
    if (!wsl__mul_size(&bytes, count, size)) {
        wsl__error(WSL_ENOMEM, "allocation of %zu x %zu bytes overflows", count, size);
        return NULL;
    }
    return wsl__malloc(a, bytes);
}

void *wsl__realloc(const wsl_allocator *a, void *ptr, size_t size)
{
    void *p;
    if (!ptr)
        return wsl__malloc(a, size);
    if (a->realloc_fn) {
        p = a->realloc_fn(ptr, size ? size : 1, a->payload);
        if (!p)
            wsl__error(WSL_ENOMEM, "out of memory reallocating to %zu bytes", size);
        return p;
    }
    /* An allocator without realloc cannot know the old size: such allocators must give one. */
    wsl__error(WSL_ENOMEM, "allocator has no realloc_fn");
    return NULL;
}

void *wsl__reallocarray(const wsl_allocator *a, void *ptr, size_t count, size_t size)
{
    size_t bytes;
    if (!wsl__mul_size(&bytes, count, size)) {
        wsl__error(WSL_ENOMEM, "allocation of %zu x %zu bytes overflows", count, size);
        return NULL;
    }
    return wsl__realloc(a, ptr, bytes);
}

void wsl__free(const wsl_allocator *a, void *ptr)
{
    if (ptr)
        a->free_fn(ptr, a->payload);
}

char *wsl__strdup(const wsl_allocator *a, const char *s)
{
    size_t len = strlen(s);
    char *p = wsl__malloc(a, len + 1);
    if (p)
        memcpy(p, s, len + 1);
    return p;
}

void wsl_buf_dispose(wsl_buf *buf)
{
    if (!buf)
        return;
    if (buf->ptr) {
        wsl_allocator a = wsl__allocator(&buf->alloc_);
        wsl__free(&a, buf->ptr);
    }
    buf->ptr = NULL;
    buf->size = 0;
    memset(&buf->alloc_, 0, sizeof buf->alloc_);
}
