/*
 * routes.h - the daemon's routes: one table from method + path to handler.
 */
#ifndef UKIYOD_ROUTES_H
#define UKIYOD_ROUTES_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

#include "ukiyod.h"

typedef struct {
    daemon_state *state;
    pthread_mutex_t engine_lock; /* the library handle serves one request at a time */
} route_context;

typedef struct {
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    const char *rest; /* what follows a prefix route's path ("" for exact routes) */
} route_request;

typedef int (*route_handler)(route_context *ctx, const route_request *req);

/* Answer one request; returns libmicrohttpd's MHD_YES/MHD_NO. */
int route_dispatch(route_context *ctx, const route_request *req);

/* Send @text (released with free) as @type. */
int server_answer_text(struct MHD_Connection *conn, unsigned int status, const char *type,
                       char *text);
/* Send a JSON document (released) or a JSON error {"error","code"}. */
int server_answer_json(struct MHD_Connection *conn, unsigned int status, json_t *doc);
int server_answer_error(struct MHD_Connection *conn, unsigned int status, const char *code,
                        const char *message);

/*
 * The seed's answers: {"ResponseCode": 0|1, "ResponseDesc": ...}, and on
 * errors also {"error", "code"}. seed_answer_result() answers a library
 * call's result: @ok_status and @ok on success, else the status that fits
 * the UKIYO_E* code, with ukiyo_error_last().
 */
int seed_answer_error(const route_request *req, unsigned status, const char *message);
int seed_answer_result(const route_request *req, int err, unsigned ok_status, const char *ok);

/* routes_webhook.c */
int handle_webhook(route_context *ctx, const route_request *req);
/* routes_api.c */
int handle_health(route_context *ctx, const route_request *req);
int handle_jobs(route_context *ctx, const route_request *req);
int handle_job(route_context *ctx, const route_request *req);
int handle_history(route_context *ctx, const route_request *req);
/* routes_keys.c */
int handle_keys_save(route_context *ctx, const route_request *req);
int handle_keys_edit(route_context *ctx, const route_request *req);
int handle_keys_delete(route_context *ctx, const route_request *req);
int handle_registries(route_context *ctx, const route_request *req);
/* routes_deployments.c */
int handle_schedule_save(route_context *ctx, const route_request *req);
int handle_schedule_edit(route_context *ctx, const route_request *req);
int handle_schedule_remove(route_context *ctx, const route_request *req);
int handle_deployments(route_context *ctx, const route_request *req);
int handle_seed_history_page(route_context *ctx, const route_request *req);
int handle_seed_history_name(route_context *ctx, const route_request *req);
/* routes_containers.c */
int handle_containers(route_context *ctx, const route_request *req);
int handle_container_action(route_context *ctx, const route_request *req);
/* metrics.c */
int handle_metrics(route_context *ctx, const route_request *req);
/* One history entry as the API shows it (routes_api.c). */
json_t *history_entry_json(const ukiyo_history_entry *e);

#endif
