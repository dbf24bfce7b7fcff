/*
 * log.c - one line per event on stderr: logfmt (default) or JSON.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ukiyod.h"

static log_format current_format;
static ukiyo_log_level current_level = UKIYO_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_name(ukiyo_log_level level)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    return level <= UKIYO_LOG_DEBUG ? names[level] : "debug";
}

static void timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* logfmt: values with spaces, quotes or '=' are quoted, with \" and \\ escaped. */
static void logfmt_value(FILE *to, const char *v)
{
    if (v[0] && !strpbrk(v, " \"=\\\n\t")) {
        fputs(v, to);
        return;
    }
    fputc('"', to);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', to);
        if (*p == '\n')
            fputs("\\n", to);
        else
            fputc(*p, to);
    }
    fputc('"', to);
}

static void write_logfmt(const char *ts, ukiyo_log_level level, const char *msg,
                         const char *const *fields)
{
    fprintf(stderr, "time=%s level=%s msg=", ts, level_name(level));
    logfmt_value(stderr, msg);
    for (const char *const *f = fields; f && f[0] && f[1]; f += 2) {
        fprintf(stderr, " %s=", f[0]);
        logfmt_value(stderr, f[1]);
    }
    fputc('\n', stderr);
}

static void write_json(const char *ts, ukiyo_log_level level, const char *msg,
                       const char *const *fields)
{
    json_t *line = json_pack("{s:s, s:s, s:s}", "time", ts, "level", level_name(level), "msg", msg);

    for (const char *const *f = fields; f && f[0] && f[1]; f += 2)
        json_object_set_new(line, f[0], json_string(f[1]));
    json_dumpf(line, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', stderr);
    json_decref(line);
}

void daemon_log(ukiyo_log_level level, const char *msg, const char *const *fields)
{
    char ts[40];

    if (level > current_level)
        return;
    timestamp(ts, sizeof(ts));
    pthread_mutex_lock(&log_lock);
    if (current_format == LOG_FORMAT_JSON)
        write_json(ts, level, msg, fields);
    else
        write_logfmt(ts, level, msg, fields);
    pthread_mutex_unlock(&log_lock);
}

static void library_log(ukiyo_log_level level, const char *message, void *payload)
{
    static const char *const fields[] = {"component", "libukiyo", NULL};
    daemon_log(level, message, fields);
}

void daemon_log_init(log_format format, ukiyo_log_level level)
{
    current_format = format;
    current_level = level;
    ukiyo_log_set_level(level);
    ukiyo_log_set_handler(library_log, NULL);
}
