/*
 * routes_keys.c - the seed's registry access keys: save, edit, delete
 * (fields username, desc, accessToken, email, serverAddress; the server
 * normalised to the registry host and answered so), and
 * GET /api/v1/registries. The access token is stored, used for pulls from
 * that server, and never answered or logged.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"

/* Optional string members must be strings when present. */
static bool string_or_absent(json_t *doc, const char *key)
{
    json_t *v = json_object_get(doc, key);
    return !v || json_is_string(v) || json_is_null(v);
}

/*
 * A new secret is tried at the registry before it is kept, as docker login
 * does, so a wrong password fails now and not at the next push. ?check=false
 * keeps it unchecked (a registry not reachable yet). An answer was queued
 * when this returns non-zero.
 */
static int refused_at_registry(route_context *ctx, const route_request *req, const char *server,
                               json_t *doc, int *answer)
{
    const char *secret = json_string_value(json_object_get(doc, "accessToken"));
    const char *check = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "check");

    if (!secret || !secret[0] || (check && strcmp(check, "false") == 0))
        return 0;
    int err = ukiyo_credential_check(ctx->u, server,
                                     json_string_value(json_object_get(doc, "username")), secret);
    if (err == 0)
        return 0;
    char message[700];
    bool refused = err == UKIYO_EAUTH || err == UKIYO_EINVAL;
    snprintf(message, sizeof(message), "%s: %s (to keep them unchecked, add ?check=false)",
             refused ? "the registry refused these credentials" : "cannot check the credentials",
             ukiyo_error_last());
    *answer =
        seed_answer_error(req, refused ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_BAD_GATEWAY, message);
    return -1;
}

static int save_or_edit(route_context *ctx, const route_request *req, int replace)
{
    static const char *const fields[] = {"username", "desc", "accessToken", "email",
                                         "serverAddress"};
    json_error_t jerr;
    json_t *doc = json_loadb(req->body ? req->body : "", req->body_len, 0, &jerr);
    int err;

    if (!json_is_object(doc)) {
        json_decref(doc);
        return seed_answer_error(req, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object");
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!string_or_absent(doc, fields[i])) {
            json_decref(doc);
            return seed_answer_error(req, MHD_HTTP_BAD_REQUEST, "every field is a string");
        }
    const char *address = json_string_value(json_object_get(doc, "serverAddress"));
    char *server = NULL;
    err = ukiyo_store_credential_server_name(&server, address ? address : "");
    int refusal = 0;
    if (err == 0 && refused_at_registry(ctx, req, server, doc, &refusal) < 0) {
        json_decref(doc);
        ukiyo_string_free(server);
        return refusal;
    }
    /* An edit changes only the fields it is given. */
    if (err == 0)
        err = ukiyo_store_credential_save(ukiyo_get_store(ctx->u), server,
                                          json_string_value(json_object_get(doc, "username")),
                                          json_string_value(json_object_get(doc, "accessToken")),
                                          json_string_value(json_object_get(doc, "email")),
                                          json_string_value(json_object_get(doc, "desc")), replace);
    json_decref(doc);
    if (err < 0) {
        ukiyo_string_free(server);
        return seed_answer_result(req, err, 0, NULL);
    }
    /* Answered as stored: the registry host pulls will look it up by. */
    json_t *answer =
        json_pack("{s:i, s:s, s:s}", "ResponseCode", 0, "ResponseDesc",
                  replace ? "access key updated" : "access key saved", "serverAddress", server);
    ukiyo_string_free(server);
    return server_answer_json(req, replace ? MHD_HTTP_OK : MHD_HTTP_CREATED, answer);
}

int handle_keys_save(route_context *ctx, const route_request *req)
{
    return save_or_edit(ctx, req, 0);
}

int handle_keys_edit(route_context *ctx, const route_request *req)
{
    return save_or_edit(ctx, req, 1);
}

/*
 * By user name, else by server. A user with keys on several servers must
 * name the one: ?serverAddress=HOST (409 otherwise, naming them).
 */
int handle_keys_delete(route_context *ctx, const route_request *req)
{
    const char *server =
        MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "serverAddress");
    ukiyo_store *store = ukiyo_get_store(ctx->u);
    int err = server ? ukiyo_store_credential_remove(store, server, req->rest)
                     : ukiyo_store_credential_delete(store, req->rest);
    return seed_answer_result(req, err, MHD_HTTP_OK, "access key deleted");
}

int handle_registries(route_context *ctx, const route_request *req)
{
    ukiyo_saved_credential_list *list = NULL;

    int err = ukiyo_store_credentials(&list, ukiyo_get_store(ctx->u));
    if (err < 0)
        return server_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   ukiyo_error_last());
    json_t *doc = json_array();
    for (size_t i = 0; i < ukiyo_saved_credential_list_count(list); i++) {
        char *text = NULL;
        if (ukiyo_saved_credential_json(&text, ukiyo_saved_credential_list_get(list, i)) == 0)
            json_array_append_new(doc, json_loads(text, 0, NULL));
        ukiyo_string_free(text);
    }
    ukiyo_saved_credential_list_free(list);
    return server_answer_json(req, MHD_HTTP_OK, doc);
}
