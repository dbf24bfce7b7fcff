/*
 * routes_webhook.c - POST /ukiyo-web-hook[/<secret>], /hooks/<secret>:
 * authenticated from the headers (the HMAC once the body is in), parsed on
 * the HTTP thread; committer.c queues the jobs and answers 202.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "door.h"
#include "handlers.h"

static const char *header(const char *name, void *payload)
{
    return MHD_lookup_connection_value(payload, MHD_HEADER_KIND, name);
}

/*
 * The secret may come in the path or ?token= (Docker Hub and Quay cannot
 * send headers), as Authorization (Harbor and distribution send a
 * configured value verbatim; "Bearer <secret>" also works), or as GitHub's
 * HMAC of the body: only that last one waits for the body.
 */
webhook_auth webhook_authenticate_headers(const daemon_state *state, struct MHD_Connection *conn,
                                          const char *rest)
{
    const char *secret = state->webhook_secret;
    const char *token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
    const char *auth = header("Authorization", conn);
    bool ok;

    /* A signature that is there must verify, whatever else authenticates the request. */
    bool is_signed = header("X-Hub-Signature-256", conn) != NULL;

    if (rest[0])
        ok = ukiyo_secret_equal(rest, secret);
    else if (token)
        ok = ukiyo_secret_equal(token, secret);
    else if (auth)
        ok = ukiyo_secret_equal(strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : auth, secret);
    else
        return is_signed ? WEBHOOK_AUTH_NEEDS_BODY : WEBHOOK_AUTH_REFUSED;
    if (!ok)
        return WEBHOOK_AUTH_REFUSED;
    return is_signed ? WEBHOOK_AUTH_NEEDS_BODY : WEBHOOK_AUTH_OK;
}

static int answer(const route_request *req, unsigned status, const char *desc, json_t *extra)
{
    /* The seed's {"ResponseCode", "ResponseDesc"}, with the details beside them. */
    json_t *doc =
        json_pack("{s:i, s:s}", "ResponseCode", status < 300 ? 0 : 1, "ResponseDesc", desc);
    if (extra) {
        json_object_update(doc, extra);
        json_decref(extra);
    }
    return server_answer_json(req, status, doc);
}

int webhook_parse(const daemon_state *state, const route_request *req, webhook_auth auth,
                  ukiyo_push_events **events_out)
{
    ukiyo_push_request preq = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    int err;

    if (auth == WEBHOOK_AUTH_NEEDS_BODY &&
        ukiyo_push_verify_hmac_sha256(req->body ? req->body : "", req->body_len,
                                      state->webhook_secret,
                                      header("X-Hub-Signature-256", req->conn)) < 0) {
        metrics_webhook(NULL, "bad_signature", false);
        door_note_refusal("bad_signature");
        server_answer_error(req, MHD_HTTP_UNAUTHORIZED, "bad_signature",
                            "X-Hub-Signature-256 does not match the body and the webhook secret");
        return 0;
    }
    preq.body = req->body;
    preq.body_len = req->body_len;
    preq.header = header;
    preq.header_payload = req->conn;
    err = ukiyo_push_parse(&ev, &preq);
    if (err < 0) {
        metrics_webhook(NULL, err == UKIYO_EUNSUPPORTED ? "unsupported_format" : "bad_payload",
                        false);
        door_note_refusal(err == UKIYO_EUNSUPPORTED ? "unsupported_format" : "bad_payload");
        if (err == UKIYO_EUNSUPPORTED)
            server_answer_error(req, 422, "unsupported_format", ukiyo_error_last());
        else
            server_answer_error(req, MHD_HTTP_BAD_REQUEST, "bad_payload", ukiyo_error_last());
        return 0;
    }
    if (ukiyo_push_events_count(ev) == 0) {
        metrics_webhook(ukiyo_push_events_format(ev), NULL, false);
        answer(req, MHD_HTTP_OK, "nothing to update",
               json_pack("{s:s, s:i, s:[]}", "format", ukiyo_push_events_format(ev), "accepted", 0,
                         "jobs"));
        ukiyo_push_events_free(ev);
        return 0;
    }
    *events_out = ev;
    return 1;
}

/*
 * The 202 is written by hand, not built with jansson: it is the answer to
 * every delivery, on the committer's thread, where a JSON tree and its
 * dump were a tenth of the time per delivery. Every part is a number but
 * the format, one of the library's fixed names ([a-z]+).
 */
static char *accepted_body(const char *format, const int64_t *ids, size_t count)
{
    size_t cap = 128 + strlen(format) + count * 21, len;
    char *body = malloc(cap);

    if (!body)
        return NULL;
    len = (size_t)snprintf(body, cap,
                           "{\"ResponseCode\":0,\"ResponseDesc\":\"accepted\",\"format\":\"%s\","
                           "\"accepted\":%zu,\"jobs\":[",
                           format, count);
    for (size_t i = 0; i < count && len < cap; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    if (len + 3 > cap) {
        free(body);
        return NULL;
    }
    memcpy(body + len, "]}", 3);
    return body;
}

void webhook_answer_committed(const route_request *req, const ukiyo_push_events *ev, int err,
                              const int64_t *ids, size_t count)
{
    const char *format = ukiyo_push_events_format(ev);

    if (err < 0) {
        metrics_webhook(format, "store", false);
        server_answer_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store", ukiyo_error_last());
        return;
    }
    metrics_webhook(format, NULL, true);
    server_answer_text(req, MHD_HTTP_ACCEPTED, "application/json",
                       accepted_body(format, ids, count));
}
