/* Atomic writes: a temporary file in the target's directory, fsync, rename. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The process umask without changing it (umask() is racy): Linux reports it in /proc. */
static mode_t current_umask(void)
{
    char line[128];
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return mask;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Umask:", 6) == 0) {
            char *end;
            unsigned long v = strtoul(line + 6, &end, 8);
            if (end != line + 6)
                mask = (mode_t)(v & 0777);
            break;
        }
    }
    fclose(f);
    return mask;
}

static wsl_status io_error(const wsl__out *o, const char *what, const char *path, int err)
{
    char eb[128];
    return wsl__error(WSL_EIO, "%s: %s '%s': %s", o->fn, what, path,
                      wsl__strerror_r(err, eb, sizeof eb));
}

/* Copy a C-library string into memory of our allocator. */
static char *dup_string(const wsl_allocator *a, const char *s)
{
    return wsl__strdup(a, s);
}

static wsl_status open_temp(wsl__out *o, const struct stat *existing)
{
    const char *slash = strrchr(o->target, '/');
    const char *base = slash ? slash + 1 : o->target;
    size_t dir_len = slash ? (size_t)(slash - o->target) + 1 : 0;
    size_t cap = dir_len + strlen(base) + 16;
    mode_t mode;
    int fd, err;

    o->tmp = wsl__malloc(&o->a, cap);
    if (!o->tmp)
        return WSL_ENOMEM;
    memcpy(o->tmp, o->target, dir_len);
    snprintf(o->tmp + dir_len, cap - dir_len, ".%s.XXXXXX", base);
    fd = mkstemp(o->tmp);
    if (fd < 0) {
        err = errno;
        wsl__free(&o->a, o->tmp);
        o->tmp = NULL;
        return io_error(o, "cannot create a temporary file next to", o->path, err);
    }
    mode = existing ? (existing->st_mode & 07777) : (0666 & ~current_umask());
    if (fchmod(fd, mode) != 0) {
        err = errno;
        close(fd);
        return io_error(o, "cannot set the mode of a temporary file for", o->path, err);
    }
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        err = errno;
        close(fd);
        return io_error(o, "cannot open a temporary file for", o->path, err);
    }
    return WSL_OK;
}

wsl_status wsl__out_open(wsl__out *o, const char *fn, const char *path, const wsl_allocator *alloc)
{
    struct stat sb, lsb;
    bool exists;
    wsl_status st = WSL_OK;

    memset(o, 0, sizeof *o);
    o->a = wsl__allocator(alloc);
    o->fn = fn;
    o->path = path;
    exists = stat(path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode)) {
        st = io_error(o, "cannot write", path, EISDIR);
        goto done;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        /* A device or a FIFO: renaming over it would replace it. Write in place. */
        o->fp = fopen(path, "wb");
        if (!o->fp) {
            st = io_error(o, "cannot open", path, errno);
            goto done;
        }
    } else {
        if (exists && lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
            /* Replace the file the link points to, not the link. */
            char *real = realpath(path, NULL);
            if (!real) {
                st = io_error(o, "cannot resolve", path, errno);
                goto done;
            }
            o->target = dup_string(&o->a, real);
            free(real);
        } else {
            o->target = dup_string(&o->a, path);
        }
        if (!o->target) {
            st = WSL_ENOMEM;
            goto done;
        }
        if ((st = open_temp(o, exists ? &sb : NULL)) != WSL_OK)
            goto done;
    }
    o->buf = wsl__malloc(&o->a, WSL__IO_CHUNK);
    if (!o->buf) {
        st = WSL_ENOMEM;
        goto done;
    }
    setvbuf(o->fp, (char *)o->buf, _IOFBF, WSL__IO_CHUNK);
done:
    if (st != WSL_OK)
        wsl__out_abort(o);
    return st;
}

static void release(wsl__out *o)
{
    if (o->fp)
        fclose(o->fp);
    o->fp = NULL;
    if (o->a.free_fn) {
        wsl__free(&o->a, o->buf);
        wsl__free(&o->a, o->target);
        wsl__free(&o->a, o->tmp);
    }
    o->buf = NULL;
    o->target = NULL;
    o->tmp = NULL;
}

void wsl__out_abort(wsl__out *o)
{
    if (o->fp) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp)
        unlink(o->tmp);
    release(o);
}

/* Make a rename durable: fsync the directory (best effort; some file systems refuse). */
static void sync_dir(const char *target)
{
    const char *slash = strrchr(target, '/');
    char dir[PATH_MAX];
    int fd;
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - target);
        if (n == 0)
            n = 1; /* "/file" */
        if (n >= sizeof dir)
            return;
        memcpy(dir, target, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

wsl_status wsl__out_commit(wsl__out *o)
{
    wsl_status st = WSL_OK;
    int err = o->err;
    errno = 0;
    if (!err && fflush(o->fp) != 0)
        err = errno ? errno : EIO;
    if (!err && ferror(o->fp))
        err = EIO;
    if (!err && o->tmp && fsync(fileno(o->fp)) != 0)
        err = errno;
    errno = 0;
    if (fclose(o->fp) != 0 && !err)
        err = errno ? errno : EIO;
    o->fp = NULL;
    if (err) {
        o->err = err;
        st = wsl__out_error(o);
        goto done;
    }
    if (o->tmp) {
        if (rename(o->tmp, o->target) != 0) {
            st = io_error(o, "cannot rename a temporary file onto", o->target, errno);
            goto done;
        }
        wsl__free(&o->a, o->tmp);
        o->tmp = NULL;
        sync_dir(o->target);
    }
done:
    if (st != WSL_OK)
        wsl__out_abort(o);
    else
        release(o);
    return st;
}

wsl_status wsl__out_error(const wsl__out *o)
{
    return io_error(o, "cannot write", o->path, o->err ? o->err : EIO);
}

bool wsl__out_failed(const wsl__out *o)
{
    return o->err != 0;
}

void wsl__out_bytes(wsl__out *o, const void *data, size_t len)
{
    if (o->err || len == 0)
        return;
    errno = 0;
    if (fwrite(data, 1, len, o->fp) != len)
        o->err = errno ? errno : EIO;
}

void wsl__out_str(wsl__out *o, const char *s)
{
    wsl__out_bytes(o, s, strlen(s));
}

void wsl__out_char(wsl__out *o, char c)
{
    if (o->err)
        return;
    errno = 0;
    if (putc(c, o->fp) == EOF)
        o->err = errno ? errno : EIO;
}

void wsl__out_u64(wsl__out *o, uint64_t v)
{
    char b[24];
    size_t n = sizeof b;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    wsl__out_bytes(o, b + n, sizeof b - n);
}

void wsl__out_i64(wsl__out *o, int64_t v)
{
    if (v < 0) {
        wsl__out_char(o, '-');
        wsl__out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        wsl__out_u64(o, (uint64_t)v);
    }
}

void wsl__out_double(wsl__out *o, double v)
{
    char b[40];
    const char *dp = localeconv()->decimal_point;
    /* The shortest of 15, 16, 17 significant digits that reads back to the same double. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (prec == 17 || strtod(b, NULL) == v)
            break;
    }
    /* Whatever LC_NUMERIC says, files use '.'. */
    if (dp && strcmp(dp, ".") != 0) {
        char *at = strstr(b, dp);
        if (at) {
            size_t dl = strlen(dp);
            *at = '.';
            memmove(at + 1, at + dl, strlen(at + dl) + 1);
        }
    }
    wsl__out_str(o, b);
}
