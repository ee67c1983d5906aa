#include "core.h"

#include <stdio.h>
#include <string.h>

#define WSL__ERRMSG_CAP 512

static _Thread_local char tls_error[WSL__ERRMSG_CAP];

const char *wsl_strerror(wsl_status status)
{
    switch (status) {
#define WSL__STATUS_CASE(name, value, msg)                                                      \
    case name:                                                                                  \
        return msg;
        WSL_STATUS_MAP(WSL__STATUS_CASE)
#undef WSL__STATUS_CASE
    default:
        return "unknown status";
    }
}

const char *wsl_last_error(void)
{
    return tls_error;
}

void wsl_clear_error(void)
{
    tls_error[0] = '\0';
}

wsl_status wsl_set_error(wsl_status status, const char *fmt, ...)
{
    va_list ap;
    if (!fmt)
        return wsl__error(status, "%s", "");
    va_start(ap, fmt);
    wsl__verror(status, fmt, ap);
    va_end(ap);
    return status;
}

wsl_status wsl__verror(wsl_status status, const char *fmt, va_list ap)
{
    vsnprintf(tls_error, sizeof tls_error, fmt, ap);
    return status;
}

wsl_status wsl__error(wsl_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wsl__verror(status, fmt, ap);
    va_end(ap);
    return status;
}

static const char *level_name(wsl_log_level level)
{
    switch (level) {
    case WSL_LOG_ERROR:
        return "error";
    case WSL_LOG_WARN:
        return "warning";
    case WSL_LOG_INFO:
        return "info";
    case WSL_LOG_DEBUG:
        return "debug";
    }
    return "log";
}

void wsl_log_stderr(wsl_log_level level, const char *msg, void *payload)
{
    (void)payload;
    fprintf(stderr, "wsl: %s: %s\n", level_name(level), msg ? msg : "");
}

void wsl__log(wsl_log_fn fn, void *payload, wsl_log_level level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!fn)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fn(level, line, payload);
}

int wsl_version_number(void)
{
    return WSL_VERSION_NUMBER;
}

const char *wsl_version_string(void)
{
    return WSL_VERSION_STRING;
}
