/*
 * ukiyod.h - the daemon's parts: configuration, logging, the HTTP server.
 * The daemon uses only the public <ukiyo.h>.
 */
#ifndef UKIYOD_H
#define UKIYOD_H

#include <jansson.h>
#include <stdbool.h>
#include <ukiyo.h>

typedef enum { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON } log_format;

#define DAEMON_NOTIFY_MAX 16

typedef struct {
    const char *listen; /* "0.0.0.0:8080" */
    const char *db_path;
    const char *docker_host;
    const char *api_token_file;      /* NULL: <db dir>/api-token, generated */
    const char *webhook_secret_file; /* NULL: <db dir>/webhook-secret, generated */
    bool label_enable;
    const char *scope; /* only containers labelled ukiyo.scope=SCOPE; NULL: those with none */
    ukiyo_compose_mode compose; /* who recreates compose's containers (ukiyo_update_options) */
    unsigned compose_timeout_s; /* 0: the library's default */
    unsigned service_timeout_s; /* a swarm service's update; 0: the label's, else the library's */
    int kept_log_lines;         /* 0: the library's default; -1: none */
    const char *registry_aliases[17]; /* NULL-terminated "a=b" */
    log_format log_format;
    ukiyo_log_level log_level;
    size_t body_limit;
    int64_t poll_interval_ms;   /* 0: poll only containers labelled ukiyo.poll */
    unsigned int poll_jitter;   /* percent */
    const char *schedule;       /* default update window (cron), or NULL */
    bool approve;               /* every container waits for approval */
    int64_t approve_timeout_ms; /* a waiting job's expiry; 0: never */
    int64_t min_age_ms;         /* a release's minimum age; 0: none */
    int64_t check_interval_ms;  /* background looks at the registries; 0: only new images */
    const char *public_url;     /* for links; NULL: http://<listen> */
    const char *notify[DAEMON_NOTIFY_MAX + 1]; /* NULL-terminated notification targets */
    /* The front door (server.c, door.c). */
    unsigned http_workers;       /* request workers, each with a library handle */
    unsigned max_connections;    /* in all */
    unsigned max_per_address;    /* from one client address */
    unsigned request_deadline_s; /* to send one request's headers and body */
    size_t buffer_limit;         /* body bytes held for all requests together */
} daemon_config;

/* The library's options for @cfg. */
void config_library_options(const daemon_config *cfg, ukiyo_options *opts);
/* --public-url without a trailing slash, else http://<--listen> (0.0.0.0 as localhost). */
void config_public_url(const daemon_config *cfg, char *buf, size_t size);

/* Parse flags, with UKIYO_* environment variables as defaults. 0, or an exit code + 1. */
int config_parse(daemon_config *cfg, int argc, char **argv);

/* Logging: logfmt or JSON lines on stderr; also the library's log handler. */
void daemon_log_init(log_format format, ukiyo_log_level level);
void daemon_log(ukiyo_log_level level, const char *msg, const char *const *fields);
/* @v with control characters and bytes that are not UTF-8 escaped (new; NULL: no memory). */
char *log_printable(const char *v);

/*
 * The secret in @file, or (when @file is NULL) in <dir of db_path>/<name>,
 * generated with mode 0600 on first start. 0 and *out set (new), or -1.
 */
int secret_load(char **out, const char *file, const char *db_path, const char *name);

/*
 * Notifications (notifier.c): a thread that sends each update's event to
 * the --notify targets. Bad targets are logged and counted at start and
 * left out; with no valid target *out is NULL and no thread runs.
 */
typedef struct notify_worker notify_worker;
int notify_worker_start(notify_worker **out, const daemon_config *cfg);
/* The library's update hook (payload: the notify_worker, or NULL). */
void notify_worker_hook(const ukiyo_update_result *result, void *payload);
/* A job's event (the worker's job hook): a job that waits for approval, with its link. */
void notify_worker_job_event(notify_worker *w, const ukiyo_job *job, const char *event);
/* Send what is queued, then stop. NULL does nothing. */
void notify_worker_stop(notify_worker *w);

/* The worker: runs queued jobs on its own thread and library handle. */
typedef struct job_worker job_worker;
typedef struct daemon_state daemon_state;
/* With the daemon's hooks (daemon_hooks_install) on its handle. */
int job_worker_start(job_worker **out, const daemon_config *cfg, daemon_state *state);
/* Wake the worker: a job was queued. */
void job_worker_notify(job_worker *w);
/* Finish the job in flight, then stop. */
void job_worker_stop(job_worker *w);

/*
 * Metrics the daemon counts while it runs (metrics.c), for GET /metrics.
 * Thread-safe. @refused_reason is NULL unless the delivery was refused.
 */
void metrics_webhook(const char *format, const char *refused_reason, bool accepted);
void metrics_poll(unsigned long long requests_total, int rate_limit_remaining);
void metrics_notification(const char *target, bool ok);
void metrics_notify_targets_invalid(unsigned count);
/* A request refused by the front door, by reason ("unauthorized", "deadline", ...). */
void metrics_refused(const char *reason);

/*
 * The request workers (request_pool.c): cfg->http_workers threads, each
 * with its own library handle, and a bounded queue of tasks.
 */
typedef struct request_pool request_pool;
typedef void (*pool_task_fn)(ukiyo *u, void *arg);
int request_pool_start(request_pool **out, daemon_state *state);
/* Run @run(handle, @arg) on a worker; false when the queue is full. */
bool request_pool_submit(request_pool *p, pool_task_fn run, void *arg);
/* Run what is queued, then stop the threads; later submissions fail. NULL does nothing. */
void request_pool_stop(request_pool *p);
/* Release a stopped pool. NULL does nothing. */
void request_pool_free(request_pool *p);

/*
 * The webhook committer (committer.c): parsed deliveries, committed in
 * groups, each answered through its done() on the committer's thread.
 */
typedef struct webhook_delivery webhook_delivery;
struct webhook_delivery {
    webhook_delivery *next; /* the committer's */
    ukiyo_push_events *events;
    /* @err: 0 or the store's UKIYO_E* code; @ids: its @count events' jobs (0: not queued). */
    void (*done)(webhook_delivery *d, int err, const int64_t *ids, size_t count);
};
typedef struct webhook_committer webhook_committer;
int webhook_committer_start(webhook_committer **out, const daemon_config *cfg, job_worker *worker);
/* False when too many deliveries wait already. */
bool webhook_committer_submit(webhook_committer *c, webhook_delivery *d);
/* Commit what is queued, then stop the thread; later submissions fail. NULL does nothing. */
void webhook_committer_stop(webhook_committer *c);
/* Release a stopped committer. NULL does nothing. */
void webhook_committer_free(webhook_committer *c);

/* The engine's reachability for health, kept fresh off the request path (engine_watch.c). */
typedef struct engine_watch engine_watch;
int engine_watch_start(engine_watch **out, const daemon_config *cfg);
/* {"reachable", "api_version", "error", "checked_ms_ago"} (new); never waits on the engine. */
json_t *engine_watch_json(engine_watch *w);
void engine_watch_stop(engine_watch *w);

/*
 * The engine's event stream, followed for the inventory (engine_events.c):
 * state->inventory is kept current; containers started or renamed wake the
 * worker and go to the event stream.
 */
typedef struct engine_events engine_events;
int engine_events_start(engine_events **out, daemon_state *state);
void engine_events_stop(engine_events *e);

typedef struct http_server http_server;

/* The live event stream's bus (events.h). */
typedef struct event_bus event_bus;

struct daemon_state {
    const daemon_config *cfg;
    job_worker *worker;
    notify_worker *notify; /* NULL without --notify targets */
    engine_watch *engine;
    event_bus *events;
    ukiyo_inventory *inventory; /* every handle reads it; engine_events keeps it current */
    engine_events *engine_events;
    char *api_token;
    char *webhook_secret;
};

/*
 * The daemon's hooks on library handle @u (hooks.c): updates and job
 * changes go to the event stream and the notification targets.
 */
void daemon_hooks_install(ukiyo *u, daemon_state *state);

/* Start serving on cfg->listen; the routes answer through @state. */
int http_server_start(http_server **out, daemon_state *state);
/* Stop accepting, finish requests in flight, release. */
void http_server_stop(http_server *s);

#endif
