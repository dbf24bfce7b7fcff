/*
 * ukiyod.h - the daemon's parts: configuration, logging, the HTTP server.
 * The daemon uses only the public <ukiyo.h>.
 */
#ifndef UKIYOD_H
#define UKIYOD_H

#include <stdbool.h>
#include <ukiyo.h>

typedef enum { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON } log_format;

typedef struct {
    const char *listen;      /* "0.0.0.0:8080" */
    const char *db_path;
    const char *docker_host;
    log_format log_format;
    ukiyo_log_level log_level;
    size_t body_limit;
} daemon_config;

/* Parse flags, with UKIYO_* environment variables as defaults. 0, or an exit code + 1. */
int config_parse(daemon_config *cfg, int argc, char **argv);

/* Logging: logfmt or JSON lines on stderr; also the library's log handler. */
void daemon_log_init(log_format format, ukiyo_log_level level);
void daemon_log(ukiyo_log_level level, const char *msg, const char *const *fields);

typedef struct http_server http_server;

/* Start serving on cfg->listen; the daemon's routes answer through @u. */
int http_server_start(http_server **out, const daemon_config *cfg, ukiyo *u);
/* Stop accepting, finish requests in flight, release. */
void http_server_stop(http_server *s);

#endif
