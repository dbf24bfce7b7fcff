/*
 * routes.c - the route table and the handlers of the management API.
 */
#include <string.h>

#include "routes.h"

typedef int (*route_handler)(route_context *ctx, const route_request *req);

typedef struct {
    const char *method;
    const char *path;
    route_handler handler;
} route;

static int handle_health(route_context *ctx, const route_request *req)
{
    ukiyo_docker *docker = ukiyo_get_docker(ctx->u);
    int err;

    pthread_mutex_lock(&ctx->engine_lock);
    err = ukiyo_docker_ping(docker);
    json_t *engine = json_pack("{s:b, s:s?, s:s?}", "reachable", err == 0, "api_version",
                               err == 0 ? ukiyo_docker_api_version(docker) : NULL, "error",
                               err == 0 ? NULL : ukiyo_error_last());
    pthread_mutex_unlock(&ctx->engine_lock);
    return server_answer_json(req->conn, MHD_HTTP_OK,
                              json_pack("{s:s, s:s, s:o}", "status", "ok", "version",
                                        ukiyo_version(), "docker", engine));
}

static const route routes[] = {
    {"GET", "/api/v1/health", handle_health},
};

int route_dispatch(route_context *ctx, const route_request *req)
{
    bool path_known = false;

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, req->url) != 0)
            continue;
        path_known = true;
        if (strcmp(routes[i].method, req->method) == 0)
            return routes[i].handler(ctx, req);
    }
    if (path_known)
        return server_answer_error(req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "this route does not accept that method");
    return server_answer_error(req->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such route");
}
