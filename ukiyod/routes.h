/*
 * routes.h - the daemon's routes: one table from method + path to handler.
 */
#ifndef UKIYOD_ROUTES_H
#define UKIYOD_ROUTES_H

#include <jansson.h>
#include <microhttpd.h>

#include "ukiyod.h"

/*
 * Where a route's handler runs (server.c says why):
 *  ROUTE_INLINE  on the HTTP thread: answers from memory, never blocks;
 *  ROUTE_POOL    on a request worker with a library handle of its own,
 *                the connection suspended meanwhile (engine, registry, store);
 *  ROUTE_WEBHOOK parsed on the HTTP thread, committed by the webhook
 *                committer together with the deliveries around it.
 */
typedef enum { ROUTE_INLINE, ROUTE_POOL, ROUTE_WEBHOOK } route_kind;

/* What the library handle a handler may use: NULL for ROUTE_INLINE. */
typedef struct {
    daemon_state *state;
    ukiyo *u;
} route_context;

/* A handler's answer, queued on the connection by server.c. */
typedef struct {
    unsigned status;
    const char *type; /* static */
    char *body;       /* new (malloc), or NULL for none */
    const char *allow; /* an Allow header, or NULL (static) */
} route_reply;

typedef struct {
    struct MHD_Connection *conn; /* headers and query arguments, read-only */
    const char *method;          /* HEAD is routed as GET */
    const char *url;
    const char *body;
    size_t body_len;
    const char *rest;  /* what follows a prefix route's path ("" for exact routes) */
    route_reply *reply;
} route_request;

typedef int (*route_handler)(route_context *ctx, const route_request *req);

typedef struct {
    const char *method;
    const char *path;
    bool prefix;      /* path followed by "/..." */
    bool needs_token; /* Authorization: Bearer <api token> */
    route_kind kind;
    route_handler handler;
} route;

/*
 * The route for @method and @url, with *rest_out set to what follows a
 * prefix route's path; NULL when there is none, and then *status_out is
 * 404 (no such path) or 405 (the path takes other methods: *allow_out
 * lists them, static). OPTIONS finds nothing and gives 204 with the list.
 */
const route *route_find(const char *method, const char *url, const char **rest_out,
                        unsigned *status_out, const char **allow_out);

/* Authorization: Bearer <api token>. */
bool route_token_ok(const daemon_state *state, struct MHD_Connection *conn);

/* Set @text (new, released with free) as the reply, as @type. Always 1 (MHD_YES). */
int server_answer_text(const route_request *req, unsigned int status, const char *type,
                       char *text);
/* A JSON document (released) or a JSON error {"error","code"}. */
int server_answer_json(const route_request *req, unsigned int status, json_t *doc);
int server_answer_error(const route_request *req, unsigned int status, const char *code,
                        const char *message);

/*
 * The seed's answers: {"ResponseCode": 0|1, "ResponseDesc": ...}, and on
 * errors also {"error", "code"}. seed_answer_result() answers a library
 * call's result: @ok_status and @ok on success, else the status that fits
 * the UKIYO_E* code, with ukiyo_error_last().
 */
int seed_answer_error(const route_request *req, unsigned status, const char *message);
int seed_answer_result(const route_request *req, int err, unsigned ok_status, const char *ok);

/* routes_webhook.c: authenticate from the headers, parse once the body is in. */
typedef enum { WEBHOOK_AUTH_OK, WEBHOOK_AUTH_NEEDS_BODY, WEBHOOK_AUTH_REFUSED } webhook_auth;
webhook_auth webhook_authenticate_headers(const daemon_state *state, struct MHD_Connection *conn,
                                          const char *rest);
/*
 * Check the body's HMAC when @auth asks for it and parse the delivery. 1 and
 * *events_out set (new) when there are jobs to queue; otherwise 0 with the
 * reply set (401, 400, 422, or 200 for a delivery with nothing to update).
 */
int webhook_parse(const daemon_state *state, const route_request *req, webhook_auth auth,
                  ukiyo_push_events **events_out);
/* The 202 (or 503) of a committed delivery; @ids holds its jobs (taken). */
void webhook_answer_committed(const route_request *req, const ukiyo_push_events *ev, int err,
                              json_t *ids);
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
