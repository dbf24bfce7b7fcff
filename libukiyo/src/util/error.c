/*
 * error.c - error names and the thread-local last error.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"

#define ERROR_MESSAGE_MAX 1024

static _Thread_local char last_error[ERROR_MESSAGE_MAX];

UKIYO_EXTERN const char *ukiyo_strerror(int code)
{
    switch (code) {
    case UKIYO_OK: return "success";
    case UKIYO_EINVAL: return "invalid argument";
    case UKIYO_ENOMEM: return "out of memory";
    case UKIYO_ENOTFOUND: return "not found";
    case UKIYO_EAUTH: return "authentication failed";
    case UKIYO_ECONFLICT: return "conflict";
    case UKIYO_ETIMEOUT: return "timed out";
    case UKIYO_EDOCKER: return "docker engine error";
    case UKIYO_EREGISTRY: return "registry error";
    case UKIYO_ECONNECT: return "connection failed";
    case UKIYO_EPROTOCOL: return "protocol error";
    case UKIYO_ERATELIMIT: return "rate limited";
    case UKIYO_EIO: return "I/O error";
    case UKIYO_EUNSUPPORTED: return "not supported";
    case UKIYO_EINTERRUPTED: return "interrupted";
    default: return "unknown error";
    }
}

UKIYO_EXTERN const char *ukiyo_error_last(void)
{
    return last_error;
}

UKIYO_EXTERN void ukiyo_error_clear(void)
{
    last_error[0] = '\0';
}

int ukiyo__error_set(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    log_debug("error: %s", last_error);
    return code;
}

int ukiyo__error_wrap(int code, const char *fmt, ...)
{
    char prefix[ERROR_MESSAGE_MAX];
    char previous[ERROR_MESSAGE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(previous, last_error, sizeof(previous));
    if (previous[0])
        snprintf(last_error, sizeof(last_error), "%.500s: %.500s", prefix, previous);
    else
        snprintf(last_error, sizeof(last_error), "%s", prefix);
    return code;
}

int ukiyo__options_version_ok(unsigned int version, unsigned int latest, const char *name)
{
    if (version >= 1 && version <= latest)
        return 0;
    return ukiyo__error_set(UKIYO_EINVAL,
                            "%s: version %u is unknown (this libukiyo %s knows 1 to %u; "
                            "set it with the INIT macro or %s_init())",
                            name, version, UKIYO_VERSION_STRING, latest, name);
}

int ukiyo__options_init(void *opts, size_t size, const void *template, unsigned int version,
                        unsigned int latest, const char *name)
{
    if (!opts)
        return ukiyo__error_set(UKIYO_EINVAL, "%s_init: NULL options", name);
    int err = ukiyo__options_version_ok(version, latest, name);
    if (err < 0)
        return err;
    memcpy(opts, template, size);
    *(unsigned int *)opts = version;
    return 0;
}
