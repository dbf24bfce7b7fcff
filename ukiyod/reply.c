/*
 * reply.c - a handler's answer, kept in the request's route_reply until
 * server.c queues it on the connection (on the HTTP thread, or on a worker
 * while the connection is suspended). JSON bodies come from jansson.
 */
#include <jansson.h>
#include <stdlib.h>

#include "routes.h"

int server_answer_text(const route_request *req, unsigned int status, const char *type,
                       char *text)
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
    return server_answer_json(req, status,
                              json_pack("{s:s, s:s}", "error", message, "code", code));
}
