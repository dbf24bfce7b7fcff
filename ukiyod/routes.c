/*
 * routes.c - the route table: exact paths and prefixes, methods (HEAD as
 * GET, OPTIONS from the table), where each runs, and the API token every
 * management route needs.
 */
#include <string.h>

#include "handlers.h"
#include "routes.h"

static const route routes[] = {
    /* The dashboard: its page, script and style (routes_dashboard.c). */
    {"GET", "/", false, false, ROUTE_INLINE, handle_dashboard},
    {"GET", "/app.js", false, false, ROUTE_INLINE, handle_dashboard},
    {"GET", "/app.css", false, false, ROUTE_INLINE, handle_dashboard},
    /* Health answers from what the engine watcher last saw: never blocks. */
    {"GET", "/api/v1/health", false, false, ROUTE_INLINE, handle_health},
    {"GET", "/metrics", false, true, ROUTE_POOL, handle_metrics},
    {"GET", "/api/v1/jobs", false, true, ROUTE_POOL, handle_jobs},
    {"GET", "/api/v1/jobs", true, true, ROUTE_POOL, handle_job},
    {"POST", "/api/v1/jobs", true, true, ROUTE_POOL, handle_job_answer},
    {"GET", "/api/v1/history", false, true, ROUTE_POOL, handle_history},
    /* The live stream: made on the server's thread, it waits suspended, never on a worker. */
    {"GET", "/api/v1/events", false, true, ROUTE_INLINE, handle_events},
    {"GET", "/api/v1/registries", false, true, ROUTE_POOL, handle_registries},
    /* The seed's routes, with its field names. */
    {"POST", "/save-container-access-keys", false, true, ROUTE_POOL, handle_keys_save},
    {"POST", "/edit-container-access-keys", false, true, ROUTE_POOL, handle_keys_edit},
    {"DELETE", "/delete-container-access-keys", true, true, ROUTE_POOL, handle_keys_delete},
    {"POST", "/save-repository-scheduled-time", false, true, ROUTE_POOL, handle_schedule_save},
    {"POST", "/edit-repository-scheduled-time", false, true, ROUTE_POOL, handle_schedule_edit},
    {"DELETE", "/remove-repository-scheduled-time", true, true, ROUTE_POOL, handle_schedule_remove},
    {"GET", "/get-container-history", true, true, ROUTE_POOL, handle_seed_history_page},
    {"GET", "/get-container-history-by-name", true, true, ROUTE_POOL, handle_seed_history_name},
    {"GET", "/api/v1/deployments", false, true, ROUTE_POOL, handle_deployments},
    {"GET", "/api/v1/containers", false, true, ROUTE_POOL, handle_containers},
    {"GET", "/api/v1/containers", true, true, ROUTE_POOL, handle_container_action},
    {"POST", "/api/v1/containers", true, true, ROUTE_POOL, handle_container_action},
    {"GET", "/api/v1/services", false, true, ROUTE_POOL, handle_services},
    {"GET", "/api/v1/services", true, true, ROUTE_POOL, handle_service_action},
    {"POST", "/api/v1/services", true, true, ROUTE_POOL, handle_service_action},
    {"GET", "/api/v1/projects", false, true, ROUTE_POOL, handle_projects},
    {"POST", "/api/v1/projects", true, true, ROUTE_POOL, handle_project_action},
    /* Webhooks authenticate with the webhook secret (routes_webhook.c). */
    {"POST", "/ukiyo-web-hook", false, false, ROUTE_WEBHOOK, NULL},
    {"POST", "/ukiyo-web-hook", true, false, ROUTE_WEBHOOK, NULL},
    {"POST", "/hooks", true, false, ROUTE_WEBHOOK, NULL},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

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

/* The Allow header for a path whose routes take @get, @post and @del. */
static const char *allow_header(bool get, bool post, bool del)
{
    static const char *const headers[8] = {"OPTIONS",
                                           "GET, HEAD, OPTIONS",
                                           "POST, OPTIONS",
                                           "GET, HEAD, POST, OPTIONS",
                                           "DELETE, OPTIONS",
                                           "GET, HEAD, DELETE, OPTIONS",
                                           "POST, DELETE, OPTIONS",
                                           "GET, HEAD, POST, DELETE, OPTIONS"};
    return headers[(get ? 1 : 0) | (post ? 2 : 0) | (del ? 4 : 0)];
}

const route *route_find(const char *method, const char *url, const char **rest_out,
                        unsigned *status_out, const char **allow_out)
{
    bool get = false, post = false, del = false;
    /* HEAD is GET without the body: libmicrohttpd leaves the body out itself. */
    const char *as = strcmp(method, "HEAD") == 0 ? "GET" : method;

    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const char *rest = match(&routes[i], url);
        if (!rest)
            continue;
        if (strcmp(routes[i].method, as) == 0 && strcmp(method, "OPTIONS") != 0) {
            *rest_out = rest;
            return &routes[i];
        }
        get |= strcmp(routes[i].method, "GET") == 0;
        post |= strcmp(routes[i].method, "POST") == 0;
        del |= strcmp(routes[i].method, "DELETE") == 0;
    }
    *allow_out = allow_header(get, post, del);
    if (!get && !post && !del)
        *status_out = MHD_HTTP_NOT_FOUND;
    else
        *status_out =
            strcmp(method, "OPTIONS") == 0 ? MHD_HTTP_NO_CONTENT : MHD_HTTP_METHOD_NOT_ALLOWED;
    return NULL;
}

bool route_token_ok(const daemon_state *state, struct MHD_Connection *conn)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

    return auth && strncmp(auth, "Bearer ", 7) == 0 &&
           ukiyo_secret_equal(auth + 7, state->api_token);
}
