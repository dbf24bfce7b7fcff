/*
 * routes.c - the route table: exact paths and prefixes, methods, and the
 * API token every management route needs.
 */
#include <string.h>

#include "routes.h"

typedef struct {
    const char *method;
    const char *path;
    bool prefix;      /* path followed by "/..." */
    bool needs_token; /* Authorization: Bearer <api token> */
    route_handler handler;
} route;

static const route routes[] = {
    {"GET", "/api/v1/health", false, false, handle_health},
    {"GET", "/metrics", false, true, handle_metrics},
    {"GET", "/api/v1/jobs", false, true, handle_jobs},
    {"GET", "/api/v1/jobs", true, true, handle_job},
    {"GET", "/api/v1/history", false, true, handle_history},
    {"GET", "/api/v1/registries", false, true, handle_registries},
    /* The seed's routes, with its field names. */
    {"POST", "/save-container-access-keys", false, true, handle_keys_save},
    {"POST", "/edit-container-access-keys", false, true, handle_keys_edit},
    {"DELETE", "/delete-container-access-keys", true, true, handle_keys_delete},
    {"POST", "/save-repository-scheduled-time", false, true, handle_schedule_save},
    {"POST", "/edit-repository-scheduled-time", false, true, handle_schedule_edit},
    {"DELETE", "/remove-repository-scheduled-time", true, true, handle_schedule_remove},
    {"GET", "/get-container-history", true, true, handle_seed_history_page},
    {"GET", "/get-container-history-by-name", true, true, handle_seed_history_name},
    {"GET", "/api/v1/deployments", false, true, handle_deployments},
    {"GET", "/api/v1/containers", false, true, handle_containers},
    {"GET", "/api/v1/containers", true, true, handle_container_action},
    {"POST", "/api/v1/containers", true, true, handle_container_action},
    /* Webhooks authenticate with the webhook secret, checked by the handler. */
    {"POST", "/ukiyo-web-hook", false, false, handle_webhook},
    {"POST", "/ukiyo-web-hook", true, false, handle_webhook},
    {"POST", "/hooks", true, false, handle_webhook},
};

/* "" for an exact match, the rest after "path/" for a prefix match, NULL for none. */
static const char *match(const route *r, const char *url)
{
    size_t n = strlen(r->path);

    if (strncmp(url, r->path, n) != 0)
        return NULL;
    if (!r->prefix)
        return url[n] == '\0' ? "" : NULL;
    /* The rest may hold slashes: deployment names are registry/repository. */
    return url[n] == '/' && url[n + 1] ? url + n + 1 : NULL;
}

static bool token_ok(route_context *ctx, struct MHD_Connection *conn)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

    return auth && strncmp(auth, "Bearer ", 7) == 0 &&
           ukiyo_secret_equal(auth + 7, ctx->state->api_token);
}

int route_dispatch(route_context *ctx, const route_request *req)
{
    bool path_known = false;

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const char *rest = match(&routes[i], req->url);
        if (!rest)
            continue;
        path_known = true;
        if (strcmp(routes[i].method, req->method) != 0)
            continue;
        if (routes[i].needs_token && !token_ok(ctx, req->conn))
            return server_answer_error(req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                       "this route needs Authorization: Bearer <api token>");
        route_request with_rest = *req;
        with_rest.rest = rest;
        return routes[i].handler(ctx, &with_rest);
    }
    if (path_known)
        return server_answer_error(req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "this route does not accept that method");
    return server_answer_error(req->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such route");
}

static const char *error_code_name(unsigned status)
{
    switch (status) {
    case MHD_HTTP_BAD_REQUEST: return "bad_request";
    case MHD_HTTP_NOT_FOUND: return "not_found";
    case MHD_HTTP_CONFLICT: return "conflict";
    default: return "internal";
    }
}

int seed_answer_error(const route_request *req, unsigned status, const char *message)
{
    return server_answer_json(req->conn, status,
                              json_pack("{s:i, s:s, s:s, s:s}", "ResponseCode", 1,
                                        "ResponseDesc", message, "error", message, "code",
                                        error_code_name(status)));
}

int seed_answer_result(const route_request *req, int err, unsigned ok_status, const char *ok)
{
    unsigned status = err == UKIYO_EINVAL    ? MHD_HTTP_BAD_REQUEST
                      : err == UKIYO_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                      : err == UKIYO_ECONFLICT ? MHD_HTTP_CONFLICT
                                               : MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (err < 0)
        return seed_answer_error(req, status, ukiyo_error_last());
    return server_answer_json(req->conn, ok_status,
                              json_pack("{s:i, s:s}", "ResponseCode", 0, "ResponseDesc", ok));
}
