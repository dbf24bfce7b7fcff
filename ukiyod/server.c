/*
 * server.c - the front door's request lifecycle on libmicrohttpd.
 *
 * The model, and why: one HTTP thread (libmicrohttpd's epoll loop) reads
 * every request and never blocks. Anything that waits (the engine, a
 * registry, the store) runs elsewhere while the connection is suspended:
 * management routes on the request workers (request_pool.c), each with a
 * library handle of its own, and webhook deliveries on the committer
 * (committer.c), which commits them in groups. A thread pool inside
 * libmicrohttpd would not do: a slow request there still holds every other
 * connection its thread serves. Health answers from what the engine
 * watcher already knows (engine_watch.c).
 *
 * A request is decided when its headers are in, before any body byte is
 * read: the route, the method, the API token or the webhook secret, and the
 * declared length. Refusals are answered then (404, 405, 401, 413, 503 when
 * the bodies held for all requests would pass --buffer-limit), and
 * libmicrohttpd neither sends "100 Continue" nor reads the body. A chunked
 * body is cut at --body-limit. The door (door.c) bounds connections and
 * the whole-request deadline.
 *
 * A suspended connection is touched by one thread at a time: the worker
 * reads its headers and queues the answer while it is suspended (which
 * libmicrohttpd allows from any thread), then resumes it and lets go.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard.h"
#include "door.h"
#include "handlers.h"

/* The dashboard runs its own script and style only, calls only ukiyod, and is never framed. */
#define DASHBOARD_CSP                                                                              \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "                \
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#include "routes.h"

#define BODY_STEP (64 * 1024) /* budget taken at a time for a chunked body */

struct http_server {
    struct MHD_Daemon *mhd;
    daemon_state *state;
    door *door;
    request_pool *pool;
    webhook_committer *committer;
};

typedef struct {
    http_server *server;
    door_conn *dc;
    const route *route;
    webhook_auth auth;
    char *body;
    size_t len, cap;
    size_t reserved; /* of the door's body budget */
    route_reply reply;
    route_request req;
    webhook_delivery delivery;
} request_state;

static int parse_listen(const char *listen, struct sockaddr_storage *addr)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char host[256];
    const char *colon = strrchr(listen, ':');
    size_t host_len;

    if (!colon || colon[1] == '\0')
        return -1;
    host_len = (size_t)(colon - listen);
    if (host_len >= sizeof(host))
        return -1;
    memcpy(host, listen, host_len);
    host[host_len] = '\0';
    /* "[::]:8080" */
    if (host[0] == '[' && host_len > 2 && host[host_len - 1] == ']') {
        memmove(host, host + 1, host_len - 2);
        host[host_len - 2] = '\0';
    }
    if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0)
        return -1;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

/* ---- answers ------------------------------------------------------------ */

/* Queue @r on @conn (its body is taken). */
static enum MHD_Result queue_reply(struct MHD_Connection *conn, route_reply *r)
{
    if (r->response) { /* a stream (the event stream): its handler made it */
        struct MHD_Response *stream = r->response;
        r->response = NULL;
        enum MHD_Result rc = MHD_queue_response(conn, r->status, stream);
        MHD_destroy_response(stream);
        return rc;
    }
    if (r->page) { /* a dashboard file: built in, never freed */
        const dashboard_file *f = r->page;
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, "Content-Type", f->type);
        MHD_add_response_header(resp, "Content-Security-Policy", DASHBOARD_CSP);
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
        enum MHD_Result rc = MHD_queue_response(conn, r->status, resp);
        MHD_destroy_response(resp);
        return rc;
    }
    char *body = r->body;
    size_t len = body ? strlen(body) : 0;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body ? body : (char *)"",
                                        body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    r->body = NULL;
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (body)
        MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
    if (r->allow)
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->status == MHD_HTTP_SERVICE_UNAVAILABLE || r->status == MHD_HTTP_TOO_MANY_REQUESTS)
        MHD_add_response_header(resp, "Retry-After", "1");
    enum MHD_Result rc = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Answer from the headers, counting the refusal by @reason. */
static enum MHD_Result refuse(request_state *st, unsigned status, const char *reason,
                              const char *message)
{
    door_note_refusal(reason);
    server_answer_error(&st->req, status, reason, message);
    return queue_reply(st->req.conn, &st->reply);
}

/* ---- headers: decide before the body ------------------------------------- */

static bool declared_length(struct MHD_Connection *conn, unsigned long long *out)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    char *end;

    if (!v)
        return false;
    *out = strtoull(v, &end, 10);
    return true;
}

static enum MHD_Result decide(http_server *s, request_state *st)
{
    const char *rest = "";
    unsigned status = 0;
    const char *allow = NULL;
    unsigned long long length = 0;

    st->route = route_find(st->req.method, st->req.url, &rest, &status, &allow);
    st->req.rest = rest;
    if (!st->route && status == MHD_HTTP_NO_CONTENT) {
        st->reply = (route_reply){.status = status, .allow = allow};
        return queue_reply(st->req.conn, &st->reply);
    }
    if (!st->route) {
        st->reply.allow = status == MHD_HTTP_METHOD_NOT_ALLOWED ? allow : NULL;
        return refuse(st, status, status == MHD_HTTP_NOT_FOUND ? "not_found" : "method_not_allowed",
                      status == MHD_HTTP_NOT_FOUND ? "no such route"
                                                   : "this route does not accept that method");
    }
    if (st->route->needs_token && !route_token_ok(s->state, st->req.conn))
        return refuse(st, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                      "this route needs Authorization: Bearer <api token>");
    if (st->route->kind == ROUTE_WEBHOOK) {
        st->auth = webhook_authenticate_headers(s->state, st->req.conn, rest);
        if (st->auth == WEBHOOK_AUTH_REFUSED) {
            metrics_webhook(NULL, "unauthorized", false);
            return refuse(st, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                          "the webhook secret is missing or wrong");
        }
    }
    if (declared_length(st->req.conn, &length) && length > s->state->cfg->body_limit)
        return refuse(st, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                      "request body exceeds the configured limit");
    if (length > 0 && !door_reserve(s->door, (size_t)length))
        return refuse(st, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                      "ukiyod holds as many request bodies as it may; try again");
    st->reserved = (size_t)length;
    return MHD_YES;
}

static enum MHD_Result begin(http_server *s, struct MHD_Connection *conn, const char *url,
                             const char *method, void **con_cls)
{
    door_conn *dc = door_conn_of(conn);
    request_state *st;

    if (door_conn_refused(dc))
        return MHD_NO; /* answered 429 or 503 when it connected */
    st = calloc(1, sizeof(*st));
    if (!st)
        return MHD_NO;
    *con_cls = st;
    st->server = s;
    st->dc = dc;
    st->req = (route_request){.conn = conn,
                              .method = method,
                              .url = url,
                              .rest = "",
                              .reply = &st->reply};
    return decide(s, st);
}

/* ---- the body ------------------------------------------------------------ */

/* Where libmicrohttpd can no longer queue an answer: write it, and end the connection. */
static enum MHD_Result cut(request_state *st, unsigned status, const char *reason,
                           const char *message)
{
    door_note_refusal(reason);
    door_write_answer(door_conn_fd(st->dc), status, reason, message);
    return MHD_NO;
}

static enum MHD_Result take_body(http_server *s, request_state *st, const char *data, size_t *size)
{
    size_t limit = s->state->cfg->body_limit;

    if (door_conn_overdue(s->door, st->dc))
        return cut(st, MHD_HTTP_REQUEST_TIMEOUT, "deadline",
                   "the request was not received within the deadline");
    if (*size > limit - st->len)
        return cut(st, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                   "request body exceeds the configured limit");
    if (st->len + *size > st->reserved) {
        /* A chunked body: the budget is taken a step at a time. */
        size_t want = st->len + *size - st->reserved;
        want = want < BODY_STEP ? BODY_STEP : want;
        want = want < limit - st->reserved ? want : limit - st->reserved;
        if (!door_reserve(s->door, want))
            return cut(st, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                       "ukiyod holds as many request bodies as it may; try again");
        st->reserved += want;
    }
    if (st->len + *size > st->cap) {
        char *grown = realloc(st->body, st->reserved + 1);
        if (!grown)
            return MHD_NO;
        st->body = grown;
        st->cap = st->reserved;
    }
    memcpy(st->body + st->len, data, *size);
    st->len += *size;
    st->body[st->len] = '\0';
    *size = 0;
    return MHD_YES;
}

/* ---- serving ------------------------------------------------------------- */

/* On a request worker: run the handler, queue its answer, hand the connection back. */
static void run_pooled(ukiyo *u, void *arg)
{
    request_state *st = arg;
    route_context ctx = {st->server->state, u};
    struct MHD_Connection *conn = st->req.conn;

    st->route->handler(&ctx, &st->req);
    queue_reply(conn, &st->reply);
    MHD_resume_connection(conn); /* st may be gone from here on */
}

/* On the committer's thread: the delivery's jobs are durable (or not). */
static void delivery_committed(webhook_delivery *d, int err, const int64_t *ids, size_t count)
{
    request_state *st = (request_state *)((char *)d - offsetof(request_state, delivery));
    struct MHD_Connection *conn = st->req.conn;

    webhook_answer_committed(&st->req, d->events, err, ids, count);
    queue_reply(conn, &st->reply);
    MHD_resume_connection(conn);
}

/* The connection is suspended: answer 503 and resume it. */
static enum MHD_Result busy(request_state *st, const char *message)
{
    door_note_refusal("busy");
    server_answer_error(&st->req, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", message);
    enum MHD_Result rc = queue_reply(st->req.conn, &st->reply);
    MHD_resume_connection(st->req.conn);
    return rc;
}

static enum MHD_Result serve_webhook(http_server *s, request_state *st)
{
    ukiyo_push_events *ev = NULL;

    if (!webhook_parse(s->state, &st->req, st->auth, &ev))
        return queue_reply(st->req.conn, &st->reply);
    st->delivery.events = ev;
    st->delivery.done = delivery_committed;
    MHD_suspend_connection(st->req.conn);
    if (!webhook_committer_submit(s->committer, &st->delivery))
        return busy(st, "too many deliveries are waiting to be stored; try again");
    return MHD_YES;
}

static enum MHD_Result serve(http_server *s, request_state *st)
{
    door_conn_serving(s->door, st->dc);
    st->req.body = st->body;
    st->req.body_len = st->len;
    if (strcmp(st->req.method, "HEAD") == 0)
        st->req.method = "GET";
    switch (st->route->kind) {
    case ROUTE_INLINE: {
        route_context ctx = {s->state, NULL};
        st->route->handler(&ctx, &st->req);
        return queue_reply(st->req.conn, &st->reply);
    }
    case ROUTE_WEBHOOK: return serve_webhook(s, st);
    case ROUTE_POOL:
    default:
        MHD_suspend_connection(st->req.conn);
        if (!request_pool_submit(s->pool, run_pooled, st))
            return busy(st, "every request worker is busy; try again");
        return MHD_YES;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_server *s = cls;
    request_state *st = *con_cls;

    if (!st)
        return begin(s, conn, url, method, con_cls);
    if (*upload_data_size > 0)
        return take_body(s, st, upload_data, upload_data_size);
    return serve(s, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    request_state *st = *con_cls;

    if (!st)
        return;
    door_conn_idle(s->door, st->dc);
    door_release(s->door, st->reserved);
    ukiyo_push_events_free(st->delivery.events);
    free(st->reply.body);
    free(st->body);
    free(st);
    *con_cls = NULL;
}

/* ---- start and stop ------------------------------------------------------ */

static int start_parts(http_server *s, const daemon_config *cfg)
{
    door_limits limits = {.max_connections = cfg->max_connections,
                          .max_per_address = cfg->max_per_address,
                          .deadline_s = cfg->request_deadline_s,
                          .buffer_limit = cfg->buffer_limit};

    if (door_start(&s->door, &limits) < 0 || request_pool_start(&s->pool, s->state) < 0 ||
        webhook_committer_start(&s->committer, cfg, s->state->worker) < 0)
        return -1;
    return 0;
}

int http_server_start(http_server **out, daemon_state *state)
{
    struct sockaddr_storage addr;
    http_server *s;

    if (parse_listen(state->cfg->listen, &addr) < 0)
        return -1;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->state = state;
    if (start_parts(s, state->cfg) < 0)
        goto fail;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd =
        MHD_start_daemon(flags, 0, door_accept_policy, s->door, on_request, s, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
                         door_inactivity_timeout_s(s->door), MHD_OPTION_CONNECTION_LIMIT,
                         door_connection_cap(s->door) + 1, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U,
                         MHD_OPTION_NOTIFY_CONNECTION, door_connection_notify, s->door,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->mhd)
        goto fail;
    *out = s;
    return 0;
fail:
    webhook_committer_stop(s->committer);
    webhook_committer_free(s->committer);
    request_pool_stop(s->pool);
    request_pool_free(s->pool);
    door_stop(s->door);
    free(s);
    return -1;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    /* No new connections; what was handed off is finished and answered; then stop. */
    MHD_socket listen_fd = MHD_quiesce_daemon(s->mhd);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    request_pool_stop(s->pool);
    webhook_committer_stop(s->committer);
    MHD_stop_daemon(s->mhd);
    request_pool_free(s->pool);
    webhook_committer_free(s->committer);
    door_stop(s->door);
    free(s);
}
