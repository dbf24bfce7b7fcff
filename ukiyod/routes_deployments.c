/*
 * routes_deployments.c - the seed's "repository scheduled time" routes, the
 * seed's history routes, and GET /api/v1/deployments.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define SEED_HISTORY_PAGE 20

/* ---- the seed's JSON <-> ukiyo_deployment_spec ------------------------- */

/* An integer given as a JSON number or a string of digits only (no sign, no space). */
static bool integer_of(json_t *v, long long *out)
{
    const char *text = json_string_value(v);

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!text || !text[0] || strlen(text) > 18 || strspn(text, "0123456789") != strlen(text))
        return false;
    *out = strtoll(text, NULL, 10);
    return true;
}

/*
 * The seed's body: {"name": "registry/repository", "bindingPort":
 * [{"exportPort", "internalPort", "hostIp"?}] (ports as numbers or strings of
 * digits, hostIp an IPv4 or IPv6 address),
 * "scheduledAt": unix seconds (number or string), "scheduledDowntime": bool,
 * and optionally "containerName" and "window"}. The spec borrows from @doc.
 * NULL, or what is wrong with the body.
 */
static const char *seed_spec(json_t *doc, ukiyo_deployment_spec *spec,
                             ukiyo_port_binding **ports_out)
{
    if (!json_is_object(doc))
        return "deployment: the body is not a JSON object";
    const char *name = json_string_value(json_object_get(doc, "name"));
    if (!name || !name[0])
        return "deployment: name (the repository) is required";
    spec->repository = name;
    json_t *downtime = json_object_get(doc, "scheduledDowntime");
    if (downtime && !json_is_boolean(downtime))
        return "deployment: scheduledDowntime is true or false";
    spec->scheduled_downtime = json_is_true(downtime);
    long long at = 0;
    json_t *at_json = json_object_get(doc, "scheduledAt");
    if ((at_json && !json_is_null(at_json) && !integer_of(at_json, &at)) || at < 0 ||
        at > 32503680000LL)
        return "deployment: scheduledAt is unix seconds, a number or a string of digits";
    if (spec->scheduled_downtime && (!at_json || json_is_null(at_json)))
        return "deployment: scheduledDowntime needs scheduledAt";
    spec->scheduled_at_ms = (int64_t)at * 1000;
    json_t *window = json_object_get(doc, "window");
    if (window && !json_is_null(window) && !json_is_string(window))
        return json_is_number(window) ? "window is a cron expression, not a number"
                                      : "window is a cron expression, not a non-string";
    spec->window = json_string_value(window);
    json_t *container = json_object_get(doc, "containerName");
    if (container && !json_is_null(container) && !json_is_string(container))
        return "deployment: containerName is letters, digits and _ . -";
    spec->container = json_string_value(container);
    json_t *list = json_object_get(doc, "bindingPort"), *p;
    size_t i;
    if (list && !json_is_array(list))
        return "deployment: bindingPort is a list of {exportPort, internalPort, hostIp?}";
    ukiyo_port_binding *ports = calloc(json_array_size(list) + 1, sizeof(*ports));
    if (!ports)
        return "out of memory";
    *ports_out = ports;
    json_array_foreach(list, i, p) {
        long long host = 0, inside = 0;
        if (!integer_of(json_object_get(p, "exportPort"), &host) ||
            !integer_of(json_object_get(p, "internalPort"), &inside) || host < 1 || host > 65535 ||
            inside < 1 || inside > 65535)
            return "deployment: exportPort and internalPort are port numbers (1-65535)";
        json_t *ip = json_object_get(p, "hostIp");
        if (ip && !json_is_null(ip) && !json_is_string(ip))
            return "deployment: hostIp is an IPv4 or IPv6 address, as a string";
        ports[i].host_port = (int)host;
        ports[i].container_port = (int)inside;
        ports[i].host_ip = json_string_value(ip);
    }
    spec->ports = ports;
    spec->port_count = json_array_size(list);
    return NULL;
}

/* ---- the routes ------------------------------------------------------ */

static int save(route_context *ctx, const route_request *req, int replace)
{
    json_t *doc = json_loadb(req->body ? req->body : "", req->body_len, 0, NULL);
    ukiyo_deployment_spec spec = UKIYO_DEPLOYMENT_SPEC_INIT;
    ukiyo_port_binding *ports = NULL;
    const char *why = seed_spec(doc, &spec, &ports);
    int err = why ? 0 : ukiyo_deployment_save(ctx->u, &spec, replace);

    free(ports);
    json_decref(doc);
    if (why)
        return seed_answer_error(req, MHD_HTTP_BAD_REQUEST, why);
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
    ukiyo_deployment_list *list = NULL;

    int err = ukiyo_deployments_list(&list, ctx->u);
    if (err < 0)
        return server_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   ukiyo_error_last());
    json_t *doc = json_array();
    for (size_t i = 0; i < ukiyo_deployment_list_count(list); i++) {
        char *text = NULL;
        if (ukiyo_deployment_json(&text, ukiyo_deployment_list_get(list, i)) == 0)
            json_array_append_new(doc, json_loads(text, 0, NULL));
        ukiyo_string_free(text);
    }
    ukiyo_deployment_list_free(list);
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
                              json_pack("{s:i, s:s, s:o}", "ResponseCode", 0, "ResponseDesc", "ok",
                                        "history", entries));
}

int handle_seed_history_page(route_context *ctx, const route_request *req)
{
    char *end;
    long page = strtol(req->rest, &end, 10);

    if (*end || page < 1 || page > 1000000) {
        ukiyo_error_clear();
        return seed_answer_error(req, MHD_HTTP_BAD_REQUEST, "the page is a number from 1");
    }
    return seed_history(ctx, req, NULL, (size_t)(page - 1) * SEED_HISTORY_PAGE);
}

int handle_seed_history_name(route_context *ctx, const route_request *req)
{
    return seed_history(ctx, req, req->rest, 0);
}
