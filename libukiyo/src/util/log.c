/*
 * log.c - the process-wide log hook; the default handler drops everything.
 */
#include <stdio.h>

#include "util.h"

static ukiyo_log_fn log_handler;
static void *log_payload;
static ukiyo_log_level log_max_level = UKIYO_LOG_INFO;

UKIYO_EXTERN void ukiyo_log_set_handler(ukiyo_log_fn fn, void *payload)
{
    log_handler = fn;
    log_payload = payload;
}

UKIYO_EXTERN void ukiyo_log_set_level(ukiyo_log_level max_level)
{
    log_max_level = max_level;
}

void ukiyo__log(ukiyo_log_level level, const char *fmt, ...)
{
    char message[2048];
    va_list ap;

    if (!log_handler || level > log_max_level)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    log_handler(level, message, log_payload);
}
