/* A buffered byte source over a FILE* or a memory buffer, with line tracking. */
#include "io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *wsl__strerror_r(int err, char *buf, size_t cap)
{
    /* _POSIX_C_SOURCE without _GNU_SOURCE: the XSI strerror_r returning int. */
    if (strerror_r(err, buf, cap) != 0)
        snprintf(buf, cap, "error %d", err);
    return buf;
}

wsl_status wsl__reader_open_file(wsl__reader *r, const char *fn, const char *path,
                                 const wsl_allocator *alloc)
{
    struct stat sb;
    char eb[128];
    int err;
    memset(r, 0, sizeof *r);
    r->a = wsl__allocator(alloc);
    r->name = path;
    r->max_line = WSL__IO_MAX_LINE;
    r->chunk_size = WSL__IO_CHUNK;
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        err = errno;
        return wsl__error(WSL_EIO, "%s: cannot open '%s': %s", fn, path,
                          wsl__strerror_r(err, eb, sizeof eb));
    }
    /* We buffer ourselves: stdio's own buffer would only add a copy. */
    setvbuf(r->fp, NULL, _IONBF, 0);
    if (fstat(fileno(r->fp), &sb) != 0) {
        err = errno;
        wsl__reader_close(r);
        return wsl__error(WSL_EIO, "%s: cannot stat '%s': %s", fn, path,
                          wsl__strerror_r(err, eb, sizeof eb));
    }
    if (S_ISDIR(sb.st_mode)) {
        wsl__reader_close(r);
        return wsl__error(WSL_EIO, "%s: cannot read '%s': %s", fn, path,
                          wsl__strerror_r(EISDIR, eb, sizeof eb));
    }
    if (S_ISREG(sb.st_mode)) {
        r->regular = true;
        r->file_size = sb.st_size > 0 ? (uint64_t)sb.st_size : 0;
    }
    r->chunk = wsl__malloc(&r->a, WSL__IO_CHUNK);
    if (!r->chunk) {
        wsl__reader_close(r);
        return WSL_ENOMEM;
    }
    r->mem = r->chunk;
    return WSL_OK;
}

void wsl__reader_open_mem(wsl__reader *r, const char *data, size_t len, const char *name,
                          const wsl_allocator *alloc)
{
    memset(r, 0, sizeof *r);
    r->a = wsl__allocator(alloc);
    r->name = name ? name : "<memory>";
    r->max_line = WSL__IO_MAX_LINE;
    r->mem = (const unsigned char *)data;
    r->len = data ? len : 0;
}

void wsl__reader_close(wsl__reader *r)
{
    if (r->fp)
        fclose(r->fp);
    r->fp = NULL;
    if (r->a.free_fn) {
        wsl__free(&r->a, r->chunk);
        wsl__free(&r->a, r->line);
    }
    r->chunk = NULL;
    r->line = NULL;
    r->line_cap = 0;
    r->mem = NULL;
    r->len = r->pos = 0;
}

/* Files: read the next chunk once the current one is used up. */
static wsl_status refill(wsl__reader *r, const char *fn)
{
    size_t got, want = r->chunk_size;
    char eb[128];
    if (!r->fp || r->eof || r->pos < r->len)
        return WSL_OK;
    if (want < 4 || want > WSL__IO_CHUNK)
        want = WSL__IO_CHUNK;
    if (r->end) { /* a shard: not past its last byte */
        uint64_t left = r->end > r->file_read ? r->end - r->file_read : 0;
        if (left < want)
            want = (size_t)left;
        if (want == 0) {
            r->len = r->pos = 0;
            r->eof = true;
            return WSL_OK;
        }
    }
    got = fread(r->chunk, 1, want, r->fp);
    r->len = got;
    r->pos = 0;
    r->file_read += got;
    if (got < want) {
        if (ferror(r->fp)) {
            int err = errno;
            return wsl__error(WSL_EIO, "%s: cannot read '%s': %s", fn, r->name,
                              wsl__strerror_r(err, eb, sizeof eb));
        }
        r->eof = true;
    }
    return WSL_OK;
}

wsl_status wsl__reader_skip_bom(wsl__reader *r, const char *fn)
{
    static const unsigned char bom[3] = {0xef, 0xbb, 0xbf};
    WSL_TRY(refill(r, fn));
    /* A chunk holds at least 4 bytes, so a BOM at the start is never split. */
    if (r->len - r->pos >= 3 && memcmp(r->mem + r->pos, bom, 3) == 0)
        r->pos += 3;
    return WSL_OK;
}

static wsl_status line_too_long(const wsl__reader *r, const char *fn)
{
    return wsl__error(WSL_EFORMAT, "%s: %s:%zu: line %zu longer than %zu bytes", fn, r->name,
                      r->line_no + 1, r->line_no + 1, r->max_line);
}

/* Append bytes to the line buffer (total stays <= max_line). */
static wsl_status line_append(wsl__reader *r, size_t used, const unsigned char *src, size_t n)
{
    size_t need = used + n + 1;
    if (need > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 256;
        char *p;
        while (cap < need)
            cap *= 2;
        if (cap > r->max_line + 1)
            cap = r->max_line + 1;
        p = wsl__realloc(&r->a, r->line, cap);
        if (!p)
            return WSL_ENOMEM;
        r->line = p;
        r->line_cap = cap;
    }
    memcpy(r->line + used, src, n);
    return WSL_OK;
}

wsl_status wsl__reader_line(wsl__reader *r, const char *fn, const char **line, size_t *len,
                            bool *got)
{
    size_t used = 0;
    bool spanning = false;
    const char *text = NULL;
    size_t text_len = 0;

    *got = false;
    *line = NULL;
    *len = 0;
    for (;;) {
        const unsigned char *at, *nl;
        size_t avail, take;
        WSL_TRY(refill(r, fn));
        avail = r->len - r->pos;
        if (avail == 0) {
            if (!spanning)
                return WSL_OK; /* end of input */
            text = r->line;
            text_len = used;
            break;
        }
        at = r->mem + r->pos;
        nl = memchr(at, '\n', avail);
        take = nl ? (size_t)(nl - at) : avail;
        if (!spanning && (nl || !r->fp)) {
            /* The whole line is here: return it in place. */
            if (take > r->max_line)
                return line_too_long(r, fn);
            text = (const char *)at;
            text_len = take;
            r->pos += take + (nl ? 1 : 0);
            break;
        }
        if (take > r->max_line - used)
            return line_too_long(r, fn);
        WSL_TRY(line_append(r, used, at, take));
        used += take;
        spanning = true;
        r->pos += take;
        if (nl) {
            r->pos++;
            text = r->line;
            text_len = used;
            break;
        }
    }
    if (text_len > 0 && text[text_len - 1] == '\r')
        text_len--;
    r->line_no++;
    *line = text;
    *len = text_len;
    *got = true;
    return WSL_OK;
}

wsl_status wsl__reader_read(wsl__reader *r, const char *fn, void *dst, size_t n, size_t *got)
{
    unsigned char *d = dst;
    size_t done = 0;
    while (done < n) {
        size_t avail, take;
        WSL_TRY(refill(r, fn));
        avail = r->len - r->pos;
        if (avail == 0)
            break;
        take = n - done < avail ? n - done : avail;
        memcpy(d + done, r->mem + r->pos, take);
        r->pos += take;
        done += take;
    }
    *got = done;
    return WSL_OK;
}

wsl_status wsl__reader_range(wsl__reader *r, const char *fn, uint64_t from, uint64_t to,
                             size_t line_no)
{
    char eb[128];
    if (!r->fp || from > (uint64_t)INT64_MAX || fseeko(r->fp, (off_t)from, SEEK_SET) != 0) {
        int err = r->fp ? errno : EBADF;
        return wsl__error(WSL_EIO, "%s: cannot seek to byte %llu of '%s': %s", fn,
                          (unsigned long long)from, r->name, wsl__strerror_r(err, eb, sizeof eb));
    }
    r->len = r->pos = 0;
    r->eof = from >= to;
    r->file_read = from;
    r->end = to;
    r->line_no = line_no;
    return WSL_OK;
}

wsl_status wsl__reader_skip(wsl__reader *r, const char *fn, uint64_t n, uint64_t *skipped)
{
    uint64_t done = 0;
    char eb[128];
    /* what is buffered first */
    {
        size_t avail = r->len - r->pos;
        size_t take = n < avail ? (size_t)n : avail;
        r->pos += take;
        done += take;
    }
    if (done < n && r->fp && r->regular && !r->eof) {
        /* a seek past the bytes, as far as the file goes */
        uint64_t left = r->file_size > r->file_read ? r->file_size - r->file_read : 0;
        uint64_t step = n - done < left ? n - done : left;
        if (step > 0) {
            if (step > (uint64_t)INT64_MAX || fseeko(r->fp, (off_t)step, SEEK_CUR) != 0) {
                int err = errno;
                return wsl__error(WSL_EIO, "%s: cannot seek in '%s': %s", fn, r->name,
                                  wsl__strerror_r(err, eb, sizeof eb));
            }
            r->file_read += step;
            done += step;
        }
    }
    while (done < n) { /* pipes, and the end of a file */
        size_t avail, take;
        WSL_TRY(refill(r, fn));
        avail = r->len - r->pos;
        if (avail == 0)
            break;
        take = n - done < avail ? (size_t)(n - done) : avail;
        r->pos += take;
        done += take;
    }
    *skipped = done;
    return WSL_OK;
}

bool wsl__reader_remaining(const wsl__reader *r, uint64_t *out)
{
    uint64_t buffered = (uint64_t)(r->len - r->pos);
    if (!r->fp) {
        *out = buffered;
        return true;
    }
    if (!r->regular)
        return false;
    {
        uint64_t size = r->end ? r->end : r->file_size;
        *out = buffered + (size > r->file_read ? size - r->file_read : 0);
    }
    return true;
}

wsl_status wsl__reader_slurp(wsl__reader *r, const char *fn, char **out, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0, used = 0;
    wsl_status st = WSL_OK;
    *out = NULL;
    *len = 0;
    for (;;) {
        size_t avail;
        if ((st = refill(r, fn)) != WSL_OK)
            goto done;
        avail = r->len - r->pos;
        if (avail == 0)
            break;
        size_t need;
        if (!wsl__add_size(&need, used, avail) || !wsl__add_size(&need, need, 1)) {
            st = wsl__error(WSL_ENOMEM, "%s: '%s' is too large", fn, r->name);
            goto done;
        }
        if (need > cap) {
            size_t ncap = cap ? cap : 4096;
            char *p;
            while (ncap < need)
                ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
            p = wsl__realloc(&r->a, buf, ncap);
            if (!p) {
                st = WSL_ENOMEM;
                goto done;
            }
            buf = p;
            cap = ncap;
        }
        memcpy(buf + used, r->mem + r->pos, avail);
        used += avail;
        r->pos += avail;
    }
    if (!buf) {
        buf = wsl__malloc(&r->a, 1);
        if (!buf) {
            st = WSL_ENOMEM;
            goto done;
        }
    }
    buf[used] = '\0';
done:
    if (st != WSL_OK) {
        wsl__free(&r->a, buf);
        return st;
    }
    *out = buf;
    *len = used;
    return WSL_OK;
}

wsl_status wsl__reader_error(const wsl__reader *r, const char *fn, size_t col, wsl_status status,
                             const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col == 0)
        return wsl__error(status, "%s: %s:%zu: %s", fn, r->name, r->line_no, msg);
    return wsl__error(status, "%s: %s:%zu:%zu: %s", fn, r->name, r->line_no, col, msg);
}
