/*
 * reply.c - a handler's answer, kept in the request's route_reply until
 * server.c queues it on the connection (on the HTTP thread, or on a worker
 * while the connection is suspended). JSON bodies come from jansson.
 */
#include <jansson.h>
#include <stdlib.h>

#include "reply.h"

int server_answer_text(const route_request *req, unsigned int status, const char *type, char *text)
{
    free(req->reply->body);
    req->reply->status = text ? status : MHD_HTTP_INTERNAL_SERVER_ERROR;
    req->reply->type = type;
    req->reply->body = text;
    return 1;
}

int server_answer_json(const route_request *req, unsigned int status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    json_decref(doc);
    return server_answer_text(req, status, "application/json", text);
}

int server_answer_error(const route_request *req, unsigned int status, const char *code,
                        const char *message)
{
    return server_answer_json(req, status, json_pack("{s:s, s:s}", "error", message, "code", code));
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
    return server_answer_json(req, status,
                              json_pack("{s:i, s:s, s:s, s:s}", "ResponseCode", 1, "ResponseDesc",
                                        message, "error", message, "code",
                                        error_code_name(status)));
}

int seed_answer_result(const route_request *req, int err, unsigned ok_status, const char *ok)
{
    unsigned status = err == UKIYO_EINVAL      ? MHD_HTTP_BAD_REQUEST
                      : err == UKIYO_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                      : err == UKIYO_ECONFLICT ? MHD_HTTP_CONFLICT
                                               : MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (err < 0)
        return seed_answer_error(req, status, ukiyo_error_last());
    return server_answer_json(req, ok_status,
                              json_pack("{s:i, s:s}", "ResponseCode", 0, "ResponseDesc", ok));
}
