/*
 * routes_api.c - the REST API under /api/v1: health, jobs, history.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "handlers.h"

/* Inline on the HTTP thread: the engine's state comes from the watcher, never from a call. */
int handle_health(route_context *ctx, const route_request *req)
{
    return server_answer_json(req, MHD_HTTP_OK,
                              json_pack("{s:s, s:s, s:o}", "status", "ok", "version",
                                        ukiyo_version(), "docker",
                                        engine_watch_json(ctx->state->engine)));
}

/* A non-negative integer query argument, @fallback when absent; -1 when malformed. */
static long query_number(const route_request *req, const char *name, long fallback, long max)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    char *end;

    if (!v)
        return fallback;
    long n = strtol(v, &end, 10);
    return *end || n < 0 || n > max ? -1 : n;
}

static int answer_library_error(const route_request *req, int err)
{
    unsigned status = err == UKIYO_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                      : err == UKIYO_EINVAL  ? MHD_HTTP_BAD_REQUEST
                                             : MHD_HTTP_INTERNAL_SERVER_ERROR;
    return server_answer_error(req, status, err == UKIYO_ENOTFOUND ? "not_found" : "internal",
                               ukiyo_error_last());
}

/* A job as the library prints it. */
static json_t *job_json(const ukiyo_job *job)
{
    char *text = NULL;
    json_t *doc = ukiyo_job_json(&text, job) == 0 ? json_loads(text, 0, NULL) : NULL;
    ukiyo_string_free(text);
    return doc;
}

int handle_jobs(route_context *ctx, const route_request *req)
{
    long limit = query_number(req, "limit", 50, 500),
         offset = query_number(req, "offset", 0, 1L << 30);
    ukiyo_job_list *jobs = NULL;
    int err;

    if (limit < 0 || offset < 0)
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_query",
                                   "limit and offset are non-negative numbers");
    err = ukiyo_jobs_list(&jobs, ctx->u, (size_t)offset, (size_t)limit);
    if (err < 0)
        return answer_library_error(req, err);
    json_t *list = json_array();
    for (size_t i = 0; i < ukiyo_job_list_count(jobs); i++)
        json_array_append_new(list, job_json(ukiyo_job_list_get(jobs, i)));
    ukiyo_job_list_free(jobs);
    return server_answer_json(req, MHD_HTTP_OK, list);
}

int handle_job(route_context *ctx, const route_request *req)
{
    char *end;
    long long id = strtoll(req->rest, &end, 10);
    ukiyo_job *job = NULL;
    int err;

    if (*end || id <= 0)
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_id",
                                   "a job ID is a positive number");
    err = ukiyo_jobs_get(&job, ctx->u, id);
    if (err < 0)
        return answer_library_error(req, err);
    json_t *doc = job_json(job);
    ukiyo_job_free(job);
    return server_answer_json(req, MHD_HTTP_OK, doc);
}

/* GET /api/v1/events: Server-Sent Events of jobs and updates, from Last-Event-ID on. */
int handle_events(route_context *ctx, const route_request *req)
{
    const char *refusal = NULL;
    const char *last = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Last-Event-ID");
    struct MHD_Response *resp =
        event_stream_response(ctx->state->events, req->conn, last, &refusal);

    if (!resp)
        return server_answer_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                   refusal ? refusal : "out of memory");
    req->reply->status = MHD_HTTP_OK;
    req->reply->response = resp;
    return MHD_YES;
}

/* POST /api/v1/jobs/<id>/approve and /api/v1/jobs/<id>/reject: a person's answer. */
int handle_job_answer(route_context *ctx, const route_request *req)
{
    char *end;
    long long id = strtoll(req->rest, &end, 10);
    bool approve = strcmp(end, "/approve") == 0;

    if (end == req->rest || id <= 0 || (!approve && strcmp(end, "/reject") != 0))
        return server_answer_error(req, MHD_HTTP_NOT_FOUND, "not_found",
                                   "use /api/v1/jobs/<id>/approve or /api/v1/jobs/<id>/reject");
    int err = approve ? ukiyo_jobs_approve(ctx->u, id) : ukiyo_jobs_reject(ctx->u, id);
    ukiyo_job *job = NULL;
    if (err == UKIYO_ECONFLICT && ukiyo_jobs_get(&job, ctx->u, id) == 0) {
        /* 409 with the job's state, so a page that was late sees what became of it. */
        json_t *doc = json_pack("{s:s, s:s, s:I, s:s}", "error", ukiyo_error_last(), "code",
                                "conflict", "job", (json_int_t)id, "state", ukiyo_job_state(job));
        ukiyo_job_free(job);
        return server_answer_json(req, MHD_HTTP_CONFLICT, doc);
    }
    if (err < 0)
        return answer_library_error(req, err);
    if (approve)
        job_worker_notify(ctx->state->worker);
    if (ukiyo_jobs_get(&job, ctx->u, id) < 0)
        return answer_library_error(req, UKIYO_EIO);
    json_t *doc = job_json(job);
    ukiyo_job_free(job);
    return server_answer_json(req, MHD_HTTP_OK, doc);
}

json_t *history_entry_json(const ukiyo_history_entry *e)
{
    char *text = NULL;
    json_t *doc = ukiyo_history_entry_json(&text, e) == 0 ? json_loads(text, 0, NULL) : NULL;
    ukiyo_string_free(text);
    return doc;
}

int handle_history(route_context *ctx, const route_request *req)
{
    const char *name = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "container");
    long limit = query_number(req, "limit", 50, 1000),
         offset = query_number(req, "offset", 0, 1L << 30);
    ukiyo_history *h = NULL;
    int err;

    if (limit < 0 || offset < 0)
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_query",
                                   "limit and offset are non-negative numbers");
    err = ukiyo_store_history(&h, ukiyo_get_store(ctx->u), name, (size_t)offset, (size_t)limit);
    if (err < 0)
        return answer_library_error(req, err);
    json_t *entries = json_array();
    for (size_t i = 0; i < ukiyo_history_count(h); i++)
        json_array_append_new(entries, history_entry_json(ukiyo_history_get(h, i)));
    ukiyo_history_free(h);
    return server_answer_json(req, MHD_HTTP_OK, entries);
}
