/*
 * reply.h - what a route's handler is given and how it answers (reply.c):
 * the request, its library handle, and the reply server.c queues.
 */
#ifndef UKIYOD_REPLY_H
#define UKIYOD_REPLY_H

#include <jansson.h>
#include <microhttpd.h>

#include "ukiyod.h"

/* What the library handle a handler may use: NULL for ROUTE_INLINE. */
typedef struct {
    daemon_state *state;
    ukiyo *u;
} route_context;

/* A handler's answer, queued on the connection by server.c. */
typedef struct {
    unsigned status;
    const char *type;              /* static */
    char *body;                    /* new (malloc), or NULL for none */
    const char *allow;             /* an Allow header, or NULL (static) */
    struct MHD_Response *response; /* a stream's own response (taken), instead of body */
    const void *page;              /* a dashboard_file (dashboard.h) to serve, instead of body */
} route_reply;

typedef struct {
    struct MHD_Connection *conn; /* headers and query arguments, read-only */
    const char *method;          /* HEAD is routed as GET */
    const char *url;
    const char *body;
    size_t body_len;
    const char *rest; /* what follows a prefix route's path ("" for exact routes) */
    route_reply *reply;
} route_request;

typedef int (*route_handler)(route_context *ctx, const route_request *req);

/* Set @text (new, released with free) as the reply, as @type. Always 1 (MHD_YES). */
int server_answer_text(const route_request *req, unsigned int status, const char *type, char *text);
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

#endif
