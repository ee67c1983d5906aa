/*
 * Fuzz target: record streams (wsl apply's JSON Lines and CSV records). The first byte picks the
 * format, --skip-bad, a required field and the batch size; the rest is the input, read from
 * every source. Every source must give the same status, the same records (lines, every field's
 * string and number) and the same count of skipped records; lines must increase; numbers are
 * finite.
 */
#include "harness.h"

#include "io/record_stream.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

typedef struct digest {
    wsl_status st;
    size_t n, skipped;
    uint64_t h;
} digest;

static void mix(uint64_t *h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        *h = (*h ^ b[i]) * 0x100000001b3ULL;
}

/* One field of a record into the digest: its string, and its number. */
static void mix_field(uint64_t *h, const wsl_record *r, const char *name)
{
    const char *str = wsl_record_string(r, name);
    double v;
    int has = wsl_record_number(r, name, &v);
    mix(h, name, strlen(name) + 1);
    if (str)
        mix(h, str, strlen(str) + 1);
    else
        mix(h, "\xff", 1);
    mix(h, &has, sizeof has);
    if (has) {
        FUZZ_CHECK(isfinite(v));
        mix(h, &v, sizeof v);
    }
}

static digest read_all(wsl__reader *rd, const wsl_record_stream_options *o, size_t batch)
{
    digest d = {WSL_OK, 0, 0, 0xcbf29ce484222325ULL};
    wsl_record_stream *s = NULL;
    const wsl_record *recs[8];
    size_t got, last_line = 0;
    d.st = wsl__record_stream_open_reader(&s, rd, o);
    if (d.st != WSL_OK) {
        FUZZ_CHECK(s == NULL && wsl_last_error()[0] != '\0');
        return d;
    }
    for (;;) {
        d.st = wsl_record_stream_next(s, recs, batch, &got);
        if (d.st != WSL_OK || got == 0)
            break;
        FUZZ_CHECK(got <= batch);
        for (size_t i = 0; i < got; i++) {
            const wsl_record *r = recs[i];
            size_t line = wsl_record_line(r);
            FUZZ_CHECK(line > last_line);
            last_line = line;
            mix(&d.h, &line, sizeof line);
            if (s->format == WSL_RECORDS_CSV) {
                FUZZ_CHECK(wsl_record_json(r) == NULL);
                for (size_t c = 0; c < s->n_cols; c++) {
                    FUZZ_CHECK(wsl_record_string(r, s->cols[c]) != NULL);
                    mix_field(&d.h, r, s->cols[c]);
                }
            } else {
                const cJSON *obj = wsl_record_json(r), *it;
                FUZZ_CHECK(cJSON_IsObject(obj));
                cJSON_ArrayForEach(it, obj) if (it->string) mix_field(&d.h, r, it->string);
            }
            mix_field(&d.h, r, "text");
        }
        d.n += got;
    }
    if (d.st != WSL_OK) {
        FUZZ_CHECK(d.st == WSL_EFORMAT);
        FUZZ_CHECK(wsl_last_error()[0] != '\0');
        FUZZ_CHECK(wsl_record_stream_next(s, recs, 1, &got) == WSL_ESTATE);
    }
    d.skipped = wsl_record_stream_skipped(s);
    if (!o->skip_bad)
        FUZZ_CHECK(d.skipped == 0);
    wsl_record_stream_close(s);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const req[] = {"text"};
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    digest d[FUZZ_N_SOURCES];
    size_t chunk, batch;
    if (size < 1)
        return 0;
    o.format = data[0] & 1 ? WSL_RECORDS_CSV : WSL_RECORDS_JSONL;
    o.skip_bad = (data[0] >> 1) & 1;
    if ((data[0] >> 2) & 1) {
        o.required = req;
        o.n_required = 1;
    }
    batch = 1 + ((data[0] >> 3) & 7);
    data++;
    size--;
    chunk = fuzz_chunk(data, size);
    for (int s = 0; s < FUZZ_N_SOURCES; s++) {
        wsl__reader r;
        if (fuzz_open(&r, (fuzz_source)s, data, size, chunk) != 0) {
            d[s] = d[0];
            continue;
        }
        d[s] = read_all(&r, &o, batch);
        fuzz_close(&r); /* the stream took the reader over: this closes nothing */
        FUZZ_CHECK(d[s].st == d[0].st);
        FUZZ_CHECK(d[s].n == d[0].n);
        FUZZ_CHECK(d[s].skipped == d[0].skipped);
        FUZZ_CHECK(d[s].h == d[0].h);
    }
    return 0;
}
