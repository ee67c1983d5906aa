/*
 * cJSON's parser records the position of its last error in a global, whatever the caller asks
 * for: two threads parsing at once race on it. Every parse in libwsl goes through this lock, so
 * distinct objects (models, record streams) can be loaded from different threads.
 */
#include "core.h"

#include <cjson/cJSON.h>
#include <pthread.h>

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

struct cJSON *wsl__json_parse(const char *text, size_t len, const char **end)
{
    cJSON *root;
    pthread_mutex_lock(&parse_lock);
    root = cJSON_ParseWithLengthOpts(text, len, end, 0);
    pthread_mutex_unlock(&parse_lock);
    return root;
}
