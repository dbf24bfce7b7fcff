/*
 * server.c - libmicrohttpd: listening, request bodies with a size limit,
 * routing, JSON answers and errors.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include <pthread.h>

#define CONNECTION_TIMEOUT_S 30

struct http_server {
    struct MHD_Daemon *mhd;
    route_context ctx;
};

typedef struct {
    char *body;
    size_t len;
    bool too_large;
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

int server_answer_text(struct MHD_Connection *conn, unsigned int status, const char *type,
                       char *text)
{
    struct MHD_Response *resp;
    int rc;

    if (!text)
        return MHD_NO;
    resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", type);
    rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

int server_answer_json(struct MHD_Connection *conn, unsigned int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

    json_decref(doc);
    return server_answer_text(conn, status, "application/json", text);
}

int server_answer_error(struct MHD_Connection *conn, unsigned int status, const char *code,
                        const char *message)
{
    return server_answer_json(conn, status,
                              json_pack("{s:s, s:s}", "error", message, "code", code));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    http_server *s = cls;
    request_state *st = *con_cls;

    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            return MHD_NO;
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!st->too_large && st->len + *upload_data_size <= s->ctx.state->cfg->body_limit) {
            char *grown = realloc(st->body, st->len + *upload_data_size + 1);
            if (!grown)
                return MHD_NO;
            memcpy(grown + st->len, upload_data, *upload_data_size);
            st->body = grown;
            st->len += *upload_data_size;
            st->body[st->len] = '\0';
        } else {
            st->too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->too_large)
        return server_answer_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                                   "request body exceeds the configured limit")
                   ? MHD_YES
                   : MHD_NO;
    route_request req = {.conn = conn, .method = method, .url = url, .body = st->body,
                         .body_len = st->len, .rest = ""};
    return route_dispatch(&s->ctx, &req) ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_state *st = *con_cls;

    if (st) {
        free(st->body);
        free(st);
        *con_cls = NULL;
    }
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
    s->ctx.state = state;
    pthread_mutex_init(&s->ctx.engine_lock, NULL);
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                              MHD_OPTION_END);
    if (!s->mhd) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->mhd);
    pthread_mutex_destroy(&s->ctx.engine_lock);
    free(s);
}
