/*
 * routes_containers.c - /api/v1/containers: the containers and their
 * state, and per container update, redeploy, rollback (queued: 202 and a
 * job to follow) and check (answered at once: one HEAD request);
 * /api/v1/services, the same for the swarm's services.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"

static json_t *container_json(const ukiyo_container *c)
{
    json_t *labels = json_object();
    static const char *const keys[] = {UKIYO_LABEL_ENABLE, UKIYO_LABEL_MONITOR_ONLY,
                                       UKIYO_LABEL_STRATEGY, UKIYO_LABEL_DEPENDS_ON,
                                       UKIYO_LABEL_DEPLOYMENT};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = ukiyo_container_label(c, keys[i]);
        if (v)
            json_object_set_new(labels, keys[i], json_string(v));
    }
    return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:o}", "name", ukiyo_container_name(c), "id",
                     ukiyo_container_id(c), "image", ukiyo_container_image(c), "image_id",
                     ukiyo_container_image_id(c), "state", ukiyo_container_state(c), "labels",
                     labels);
}

/* The releases rolled back for @name, as the library prints them (an empty array without a store).
 */
static json_t *rejected_json(ukiyo *u, const char *name)
{
    ukiyo_rejection_list *list = NULL;
    char *text = NULL;
    json_t *doc = NULL;

    if (name && ukiyo_get_store(u) &&
        ukiyo_store_rejections(&list, ukiyo_get_store(u), name) == 0 &&
        ukiyo_rejection_list_json(&text, list) == 0)
        doc = json_loads(text, 0, NULL);
    ukiyo_error_clear();
    ukiyo_string_free(text);
    ukiyo_rejection_list_free(list);
    return doc ? doc : json_array();
}

/* The jobs that say what is happening to a container now: those running or waiting. */
static ukiyo_job_list *current_jobs(ukiyo *u)
{
    ukiyo_job_list *jobs = NULL;

    if (!ukiyo_get_store(u) || ukiyo_jobs_list(&jobs, u, 0, 200) < 0)
        ukiyo_error_clear();
    return jobs;
}

/* Does @job act on @name now: its own job, or a tag job running for the image it runs? */
static bool job_is_for(const ukiyo_job *job, const char *name, const char *image)
{
    const char *container = ukiyo_job_container(job);
    const char *results_name = NULL;

    if (container)
        return strcmp(container, name) == 0;
    for (size_t i = 0; i < ukiyo_job_result_count(job); i++)
        if ((results_name = ukiyo_job_result_name(job, i)) && strcmp(results_name, name) == 0)
            return true;
    return image && ukiyo_job_image(job) && strcmp(ukiyo_job_image(job), image) == 0;
}

/*
 * What the page shows of @name: "updating" (a job runs for it),
 * "awaiting-approval" (a job waits: "job" says which), else what a check
 * says from the registry's last answer (no request here): "up-to-date",
 * "update-available", "rejected", "skipped", "unknown". With "check", the
 * whole cached check (policy, window, answered_ms, ...).
 */
static void add_status(ukiyo *u, json_t *row, const char *name, const char *id,
                       const ukiyo_job_list *jobs)
{
    ukiyo_check_result *r = NULL;
    const char *status = "unknown", *reason = NULL;
    char *text = NULL;

    /* By ID: what the engine's events told ukiyod costs the engine nothing. */
    if (ukiyo_check_cached(&r, u, id ? id : name) == 0 && ukiyo_check_result_json(&text, r) == 0) {
        json_object_set_new(row, "check", json_loads(text, 0, NULL));
        status = ukiyo_check_status_name(ukiyo_check_result_status(r));
        reason = ukiyo_check_result_reason(r);
    }
    ukiyo_error_clear();
    const char *image = r ? ukiyo_check_result_image(r) : NULL;
    for (size_t i = 0; i < ukiyo_job_list_count(jobs); i++) {
        const ukiyo_job *job = ukiyo_job_list_get(jobs, i);
        const char *state = ukiyo_job_state(job);
        bool running = strcmp(state, "running") == 0,
             waiting = strcmp(state, "awaiting-approval") == 0;
        if ((running || waiting) && job_is_for(job, name, image)) {
            status = running ? "updating" : "awaiting-approval";
            reason = running ? "job is running" : "waits for a person's approval";
            json_object_set_new(row, "job", json_integer(ukiyo_job_id(job)));
            break;
        }
    }
    json_object_set_new(row, "status", json_string(status));
    json_object_set_new(row, "status_reason", reason ? json_string(reason) : json_null());
    ukiyo_string_free(text);
    ukiyo_check_result_free(r);
}

int handle_containers(route_context *ctx, const route_request *req)
{
    ukiyo_container_list *list = NULL;
    ukiyo_job_list *jobs = current_jobs(ctx->u);
    json_t *out = json_array();

    int err = ukiyo_docker_container_list(&list, ukiyo_get_docker(ctx->u), 1, NULL);
    for (size_t i = 0; err == 0 && i < ukiyo_container_list_count(list); i++) {
        ukiyo_container *c = NULL;
        /* The list shows an image ID once the tag moved: inspect keeps the reference. With
         * the engine's events followed, the inspect document is the one ukiyod knows. */
        if (ukiyo_inventory_inspect(&c, ctx->u,
                                    ukiyo_container_id(ukiyo_container_list_get(list, i))) == 0) {
            json_t *row = container_json(c);
            json_object_set_new(row, "rejected", rejected_json(ctx->u, ukiyo_container_name(c)));
            add_status(ctx->u, row, ukiyo_container_name(c), ukiyo_container_id(c), jobs);
            json_array_append_new(out, row);
        }
        ukiyo_container_free(c);
    }
    ukiyo_container_list_free(list);
    ukiyo_job_list_free(jobs);
    if (err < 0) {
        json_decref(out);
        return server_answer_error(req, MHD_HTTP_BAD_GATEWAY, "engine", ukiyo_error_last());
    }
    return server_answer_json(req, MHD_HTTP_OK, out);
}

static int answer_check(route_context *ctx, const route_request *req, const char *name)
{
    ukiyo_check_result *r = NULL;

    int err = ukiyo_check(&r, ctx->u, name);
    if (err < 0)
        return server_answer_error(req,
                                   err == UKIYO_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                                                          : MHD_HTTP_BAD_GATEWAY,
                                   err == UKIYO_ENOTFOUND ? "not_found" : "engine",
                                   ukiyo_error_last());
    char *text = NULL;
    err = ukiyo_check_result_json(&text, r);
    ukiyo_check_result_free(r);
    if (err < 0)
        return server_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   ukiyo_error_last());
    return server_answer_text(req, MHD_HTTP_OK, "application/json", text);
}

static int queue_action(route_context *ctx, const route_request *req, const char *name,
                        ukiyo_job_action action)
{
    int64_t id = 0;

    int err = ukiyo_jobs_submit_container(ctx->u, name, action, &id);
    if (err < 0)
        return server_answer_error(req,
                                   err == UKIYO_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                                                          : MHD_HTTP_SERVICE_UNAVAILABLE,
                                   err == UKIYO_ENOTFOUND ? "not_found" : "unavailable",
                                   ukiyo_error_last());
    job_worker_notify(ctx->state->worker);
    char location[64];
    snprintf(location, sizeof(location), "/api/v1/jobs/%lld", (long long)id);
    return server_answer_json(req, MHD_HTTP_ACCEPTED,
                              json_pack("{s:I, s:s}", "job", (json_int_t)id, "href", location));
}

/* /api/v1/containers/<name>/<action>, and for a service (@prefix "service/") /api/v1/services/...
 */
static int watched_action(route_context *ctx, const route_request *req, const char *prefix)
{
    static const struct {
        const char *name;
        ukiyo_job_action action;
    } actions[] = {{"update", UKIYO_JOB_UPDATE},
                   {"redeploy", UKIYO_JOB_REDEPLOY},
                   {"rollback", UKIYO_JOB_ROLLBACK}};
    const char *slash = strrchr(req->rest, '/');
    char name[256];

    if (!slash || slash == req->rest || (size_t)(slash - req->rest) >= sizeof(name))
        return server_answer_error(
            req, MHD_HTTP_NOT_FOUND, "not_found",
            prefix[0] ? "use /api/v1/services/<name>/update|redeploy|rollback|check"
                      : "use /api/v1/containers/<name>/update|redeploy|rollback|check");
    snprintf(name, sizeof(name), "%s%.*s", prefix, (int)(slash - req->rest), req->rest);
    if (strcmp(slash + 1, "check") == 0)
        return answer_check(ctx, req, name);
    if (strcmp(req->method, "POST") != 0)
        return server_answer_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "update, redeploy and rollback are POST");
    const char *force = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "force");
    if (force && strcmp(force, "true") != 0 && strcmp(force, "false") != 0)
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_query",
                                   "force is true or false");
    bool forced = force && strcmp(force, "true") == 0;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(slash + 1, actions[i].name) == 0)
            return queue_action(ctx, req, name,
                                forced && actions[i].action == UKIYO_JOB_UPDATE
                                    ? UKIYO_JOB_FORCE_UPDATE
                                    : actions[i].action);
    return server_answer_error(req, MHD_HTTP_NOT_FOUND, "not_found",
                               "the actions are update, redeploy, rollback and check");
}

int handle_container_action(route_context *ctx, const route_request *req)
{
    return watched_action(ctx, req, "");
}

int handle_service_action(route_context *ctx, const route_request *req)
{
    /* The service's own name: no slash in it (service/NAME comes from the route). */
    const char *slash = strchr(req->rest, '/');
    if (slash && strchr(slash + 1, '/'))
        return server_answer_error(req, MHD_HTTP_NOT_FOUND, "not_found",
                                   "use /api/v1/services/<name>/update|redeploy|rollback|check");
    return watched_action(ctx, req, UKIYO_SERVICE_PREFIX);
}

static json_t *service_json(ukiyo *u, const ukiyo_service *s, const ukiyo_job_list *jobs)
{
    ukiyo_container *seen = NULL;
    json_t *labels = json_object();
    static const char *const keys[] = {UKIYO_LABEL_ENABLE, UKIYO_LABEL_MONITOR_ONLY,
                                       UKIYO_LABEL_POLICY, UKIYO_LABEL_SCHEDULE,
                                       UKIYO_LABEL_SERVICE_TIMEOUT};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = ukiyo_service_label(s, keys[i]);
        if (v)
            json_object_set_new(labels, keys[i], json_string(v));
    }
    if (ukiyo_service_as_container(&seen, s) < 0)
        return NULL;
    json_t *row =
        json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:o}", "name",
                  ukiyo_container_name(seen), "kind", "service", "id", ukiyo_service_id(s), "image",
                  ukiyo_container_image(seen), "spec_image", ukiyo_service_image(s), "mode",
                  ukiyo_service_mode(s), "update_state", ukiyo_service_update_state(s),
                  "update_message", ukiyo_service_update_message(s), "labels", labels);
    json_object_set_new(row, "rejected", rejected_json(u, ukiyo_container_name(seen)));
    add_status(u, row, ukiyo_container_name(seen), NULL, jobs);
    ukiyo_container_free(seen);
    return row;
}

/* GET /api/v1/services: the swarm's services (none when this engine manages no swarm). */
int handle_services(route_context *ctx, const route_request *req)
{
    ukiyo_service_list *list = NULL;
    ukiyo_job_list *jobs = current_jobs(ctx->u);
    json_t *out = json_array();
    int err = ukiyo_docker_service_list(&list, ukiyo_get_docker(ctx->u), NULL);

    if (err == UKIYO_EUNSUPPORTED)
        err = 0; /* in no swarm, or a worker: no services, no error */
    for (size_t i = 0; err == 0 && i < ukiyo_service_list_count(list); i++) {
        json_t *row = service_json(ctx->u, ukiyo_service_list_get(list, i), jobs);
        if (row)
            json_array_append_new(out, row);
    }
    ukiyo_service_list_free(list);
    ukiyo_job_list_free(jobs);
    if (err < 0) {
        json_decref(out);
        return server_answer_error(req, MHD_HTTP_BAD_GATEWAY, "engine", ukiyo_error_last());
    }
    return server_answer_json(req, MHD_HTTP_OK, out);
}
