/*
 * routes_webhook.c - POST /ukiyo-web-hook[/<secret>], /hooks/<secret>:
 * authenticate, read the payload, queue a durable job per pushed tag, 202.
 */
#include <string.h>

#include "routes.h"

static const char *header(const char *name, void *payload)
{
    return MHD_lookup_connection_value(payload, MHD_HEADER_KIND, name);
}

/*
 * The secret may come in the path or ?token= (Docker Hub and Quay cannot
 * send headers), as Authorization (Harbor and distribution send a
 * configured value verbatim; "Bearer <secret>" also works), or as GitHub's
 * HMAC of the body.
 */
static bool webhook_authenticated(route_context *ctx, const route_request *req)
{
    const char *secret = ctx->state->webhook_secret;
    const char *token = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "token");
    const char *auth = header("Authorization", req->conn);
    const char *signature = header("X-Hub-Signature-256", req->conn);

    if (req->rest[0])
        return ukiyo_secret_equal(req->rest, secret);
    if (token)
        return ukiyo_secret_equal(token, secret);
    if (auth)
        return ukiyo_secret_equal(strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : auth, secret);
    if (signature)
        return ukiyo_push_verify_hmac_sha256(req->body ? req->body : "", req->body_len, secret,
                                             signature) == 0;
    return false;
}

static int answer(const route_request *req, unsigned status, const char *desc, json_t *extra)
{
    /* The seed's {"ResponseCode", "ResponseDesc"}, with the details beside them. */
    json_t *doc = json_pack("{s:i, s:s}", "ResponseCode", status < 300 ? 0 : 1, "ResponseDesc",
                            desc);
    if (extra) {
        json_object_update(doc, extra);
        json_decref(extra);
    }
    return server_answer_json(req->conn, status, doc);
}

static int queue_events(route_context *ctx, const route_request *req, ukiyo_push_events *ev)
{
    json_t *ids = json_array();
    size_t count = ukiyo_push_events_count(ev);
    int err = 0;

    pthread_mutex_lock(&ctx->engine_lock);
    for (size_t i = 0; err == 0 && i < count; i++) {
        int64_t id = 0;
        err = ukiyo_jobs_submit(ctx->state->u, ukiyo_push_events_get(ev, i),
                                ukiyo_push_events_format(ev),
                                count == 1 ? ukiyo_push_events_delivery_id(ev) : NULL, &id);
        if (err == 0)
            json_array_append_new(ids, json_integer(id));
        /* Docker Hub waits for an answer at its callback URL (only its own URLs are kept). */
        if (err == 0 && ukiyo_push_events_callback_url(ev) &&
            ukiyo_jobs_set_callback(ctx->state->u, id, ukiyo_push_events_callback_url(ev)) < 0) {
            const char *fields[] = {"error", ukiyo_error_last(), NULL};
            daemon_log(UKIYO_LOG_WARNING, "webhook callback refused", fields);
        }
    }
    pthread_mutex_unlock(&ctx->engine_lock);
    if (err < 0) {
        json_decref(ids);
        metrics_webhook(ukiyo_push_events_format(ev), "store", false);
        return server_answer_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store",
                                   ukiyo_error_last());
    }
    metrics_webhook(ukiyo_push_events_format(ev), NULL, count > 0);
    if (count > 0)
        job_worker_notify(ctx->state->worker);
    const char *fields[] = {"format", ukiyo_push_events_format(ev), NULL};
    daemon_log(UKIYO_LOG_INFO, count ? "webhook accepted" : "webhook ignored", fields);
    return answer(req, count ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK,
                  count ? "accepted" : "nothing to update",
                  json_pack("{s:s, s:i, s:o}", "format", ukiyo_push_events_format(ev),
                            "accepted", (int)count, "jobs", ids));
}

int handle_webhook(route_context *ctx, const route_request *req)
{
    ukiyo_push_request preq = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    int err, rc;

    if (!webhook_authenticated(ctx, req)) {
        daemon_log(UKIYO_LOG_WARNING, "webhook refused: missing or wrong secret", NULL);
        metrics_webhook(NULL, "unauthorized", false);
        return server_answer_error(req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "the webhook secret is missing or wrong");
    }
    preq.body = req->body;
    preq.body_len = req->body_len;
    preq.header = header;
    preq.header_payload = req->conn;
    err = ukiyo_push_parse(&ev, &preq);
    if (err < 0)
        metrics_webhook(NULL, err == UKIYO_EUNSUPPORTED ? "unsupported_format" : "bad_payload",
                        false);
    if (err == UKIYO_EUNSUPPORTED)
        return server_answer_error(req->conn, 422,
                                   "unsupported_format", ukiyo_error_last());
    if (err < 0)
        return server_answer_error(req->conn, MHD_HTTP_BAD_REQUEST, "bad_payload",
                                   ukiyo_error_last());
    rc = queue_events(ctx, req, ev);
    ukiyo_push_events_free(ev);
    return rc;
}
