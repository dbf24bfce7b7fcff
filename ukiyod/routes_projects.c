/*
 * routes_projects.c - /api/v1/projects: compose projects, and updating
 * one (or some of its services) as one request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int handle_projects(route_context *ctx, const route_request *req)
{
    ukiyo_container_list *list = NULL;
    char *text = NULL;
    int err = ukiyo_project_containers(&list, ctx->u, NULL);

    if (err == 0)
        err = ukiyo_projects_json(&text, list);
    ukiyo_container_list_free(list);
    if (err < 0)
        return server_answer_error(req, MHD_HTTP_BAD_GATEWAY, "engine", ukiyo_error_last());
    return server_answer_text(req, MHD_HTTP_OK, "application/json", text);
}

/* ?service=a,b: the services named, split on commas, into @names; -1 past @max of them. */
static long services_of(const char *query, char *copy, size_t copy_size, const char **names,
                        size_t max)
{
    size_t count = 0;

    if (!query || !query[0])
        return 0;
    snprintf(copy, copy_size, "%s", query);
    for (char *save = NULL, *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        if (count == max)
            return -1;
        names[count++] = s;
    }
    return (long)count;
}

/* Queue a job for each container in update order; answer with them all. */
static int queue_updates(route_context *ctx, const route_request *req, const char *project,
                         const ukiyo_string_list *order)
{
    json_t *jobs = json_array();

    for (size_t i = 0; i < ukiyo_string_list_count(order); i++) {
        const char *name = ukiyo_string_list_get(order, i);
        int64_t id = 0;
        if (ukiyo_jobs_submit_container(ctx->u, name, UKIYO_JOB_UPDATE, &id) < 0) {
            json_decref(jobs);
            return server_answer_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                       ukiyo_error_last());
        }
        char href[64];
        snprintf(href, sizeof(href), "/api/v1/jobs/%lld", (long long)id);
        json_array_append_new(jobs, json_pack("{s:s, s:I, s:s}", "container", name, "job",
                                              (json_int_t)id, "href", href));
    }
    job_worker_notify(ctx->state->worker);
    return server_answer_json(req, MHD_HTTP_ACCEPTED,
                              json_pack("{s:s, s:o}", "project", project, "jobs", jobs));
}

/* POST /api/v1/projects/<project>/update[?service=a,b] */
int handle_project_action(route_context *ctx, const route_request *req)
{
    const char *slash = strrchr(req->rest, '/');
    const char *query = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "service");
    char project[256], copy[1024];
    const char *services[64];
    ukiyo_string_list *selected = NULL, *order = NULL;

    if (!slash || slash == req->rest || (size_t)(slash - req->rest) >= sizeof(project) ||
        strcmp(slash + 1, "update") != 0)
        return server_answer_error(req, MHD_HTTP_NOT_FOUND, "not_found",
                                   "use POST /api/v1/projects/<project>/update[?service=a,b]");
    snprintf(project, sizeof(project), "%.*s", (int)(slash - req->rest), req->rest);
    if (query && strlen(query) >= sizeof(copy))
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_query", "service is too long");
    long count = services_of(query, copy, sizeof(copy), services, ARRAY_LEN(services));
    if (count < 0)
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_query",
                                   "more than 64 services named");
    int err = ukiyo_project_select(&selected, ctx->u, project, services, (size_t)count);
    if (err == UKIYO_ENOTFOUND)
        return server_answer_error(req, MHD_HTTP_NOT_FOUND, "not_found", ukiyo_error_last());
    if (err == 0) {
        const char **names = calloc(ukiyo_string_list_count(selected) + 1, sizeof(*names));
        for (size_t i = 0; names && i < ukiyo_string_list_count(selected); i++)
            names[i] = ukiyo_string_list_get(selected, i);
        err = names ? ukiyo_update_order(&order, ctx->u, names, ukiyo_string_list_count(selected))
                    : UKIYO_ENOMEM;
        free(names);
    }
    ukiyo_string_list_free(selected);
    if (err < 0)
        return server_answer_error(req,
                                   err == UKIYO_ECONFLICT ? MHD_HTTP_CONFLICT
                                                          : MHD_HTTP_BAD_GATEWAY,
                                   err == UKIYO_ECONFLICT ? "conflict" : "engine",
                                   ukiyo_error_last());
    err = queue_updates(ctx, req, project, order);
    ukiyo_string_list_free(order);
    return err;
}
