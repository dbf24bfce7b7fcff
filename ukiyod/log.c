/*
 * log.c - one line per event on stderr: logfmt (default) or JSON.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The length of the valid UTF-8 sequence at @p, or 0. */
static size_t utf8_length(const unsigned char *p)
{
    size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;

    if (p[0] >= 0xf8)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/*
 * @v as a line may hold it (new): every control character (C0, DEL, C1)
 * and every byte that is not UTF-8 as \n, \r, \t or \xNN, and the
 * backslash doubled, so a value from a client (a URL with \r or ESC in it)
 * can neither break a line nor steer a terminal.
 */
char *log_printable(const char *v)
{
    size_t len = strlen(v);
    char *out = malloc(len * 4 + 1), *o = out;

    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)v; *p;) {
        size_t n = *p < 0x80 ? 1 : utf8_length(p);
        bool c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
        if (*p == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            *o++ = '\\';
            *o++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        } else if (n == 0 || c1 || *p < 0x20 || *p == 0x7f) {
            for (size_t i = 0; i < (n ? n : 1); i++)
                o += sprintf(o, "\\x%02x", p[i]);
            p += n ? n : 1;
            continue;
        } else {
            memcpy(o, p, n);
            o += n;
        }
        p += n;
    }
    *o = '\0';
    return out;
}

/* logfmt: values with spaces, quotes, '=' or escapes are quoted, with \" for a quote. */
static void logfmt_value(FILE *to, const char *raw)
{
    char *v = log_printable(raw);

    if (!v)
        return;
    if (v[0] && !strpbrk(v, " \"=\\")) {
        fputs(v, to);
    } else {
        fputc('"', to);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('\\', to);
            fputc(*p, to);
        }
        fputc('"', to);
    }
    free(v);
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

/* JSON escapes what it must; the value is made printable first, as for logfmt. */
static void json_set_printable(json_t *line, const char *key, const char *raw)
{
    char *v = log_printable(raw);
    json_object_set_new(line, key, json_string(v ? v : ""));
    free(v);
}

static void write_json(const char *ts, ukiyo_log_level level, const char *msg,
                       const char *const *fields)
{
    json_t *line = json_pack("{s:s, s:s}", "time", ts, "level", level_name(level));

    json_set_printable(line, "msg", msg);
    for (const char *const *f = fields; f && f[0] && f[1]; f += 2)
        json_set_printable(line, f[0], f[1]);
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
    fflush(stderr); /* one write per line (daemon_log_init buffers stderr) */
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
    /* stderr is unbuffered: every fputc would be a write of its own. */
    static char buffer[1 << 16];
    setvbuf(stderr, buffer, _IOFBF, sizeof(buffer));
    ukiyo_log_set_level(level);
    ukiyo_log_set_handler(library_log, NULL);
}
