/*
 * routes_deployments.c - the seed's "repository scheduled time" routes, the
 * seed's history routes, and GET /api/v1/deployments.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define SEED_HISTORY_PAGE 20

static int save(route_context *ctx, const route_request *req, int replace)
{
    char *body = strndup(req->body ? req->body : "", req->body_len);
    int err;

    err = ukiyo_deployment_save(ctx->u, body, replace);
    free(body);
    return seed_answer_result(req, err, replace ? MHD_HTTP_OK : MHD_HTTP_CREATED,
                              replace ? "scheduled time updated" : "scheduled time saved");
}

int handle_schedule_save(route_context *ctx, const route_request *req)
{
    return save(ctx, req, 0);
}

int handle_schedule_edit(route_context *ctx, const route_request *req)
{
    return save(ctx, req, 1);
}

int handle_schedule_remove(route_context *ctx, const route_request *req)
{
    int err = ukiyo_deployment_delete(ctx->u, req->rest);
    return seed_answer_result(req, err, MHD_HTTP_OK, "scheduled time removed");
}

int handle_deployments(route_context *ctx, const route_request *req)
{
    char *text = NULL;

    int err = ukiyo_deployments_json(&text, ctx->u);
    if (err < 0)
        return server_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   ukiyo_error_last());
    json_t *doc = json_loads(text, 0, NULL);
    ukiyo_string_free(text);
    return server_answer_json(req, MHD_HTTP_OK, doc);
}

static int seed_history(route_context *ctx, const route_request *req, const char *name,
                        size_t offset)
{
    ukiyo_history *h = NULL;

    int err = ukiyo_store_history(&h, ukiyo_get_store(ctx->u), name, offset, SEED_HISTORY_PAGE);
    if (err < 0)
        return seed_answer_result(req, err, 0, NULL);
    json_t *entries = json_array();
    for (size_t i = 0; i < ukiyo_history_count(h); i++)
        json_array_append_new(entries, history_entry_json(ukiyo_history_get(h, i)));
    ukiyo_history_free(h);
    return server_answer_json(req, MHD_HTTP_OK,
                              json_pack("{s:i, s:s, s:o}", "ResponseCode", 0, "ResponseDesc",
                                        "ok", "history", entries));
}

int handle_seed_history_page(route_context *ctx, const route_request *req)
{
    char *end;
    long page = strtol(req->rest, &end, 10);

    if (*end || page < 1 || page > 1000000) {
        ukiyo_error_clear();
        return server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_page",
                                   "the page is a number from 1");
    }
    return seed_history(ctx, req, NULL, (size_t)(page - 1) * SEED_HISTORY_PAGE);
}

int handle_seed_history_name(route_context *ctx, const route_request *req)
{
    return seed_history(ctx, req, req->rest, 0);
}
