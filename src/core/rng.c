#include "core.h"

#include <string.h>

void wsl__rng_seed(wsl__rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        rng->s[i] = wsl__splitmix64(x);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t wsl__rng_next(wsl__rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double wsl__rng_uniform(wsl__rng *rng)
{
    return (double)(wsl__rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t wsl__rng_below(wsl__rng *rng, uint64_t n)
{
    /* Rejection sampling: no modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = wsl__rng_next(rng);
    } while (x >= limit);
    return x % n;
}

uint64_t wsl__hash_bytes(const void *data, size_t len, uint64_t seed)
{
    /* FNV-1a over 8-byte words, finished with splitmix64: fast and well mixed for pattern keys. */
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    while (len--) {
        h = (h ^ *p++) * 0x100000001b3ULL;
    }
    return wsl__splitmix64(h);
}
