/*
 * docker_container.c - containers: list, inspect, create, start, stop,
 * kill, rename, remove, wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"

/* "No limit" for a wait still ends one day: no request may hang for ever. */
#define WAIT_FOREVER_MS (24L * 3600 * 1000)

struct ukiyo_container {
    json_t *doc;
    char *json;
    bool from_inspect; /* inspect documents and list entries differ in shape */
};

struct ukiyo_container_list {
    ukiyo_container **items;
    size_t count;
};

ukiyo_container *ukiyo__container_from_json(json_t *doc, bool from_inspect)
{
    ukiyo_container *c = calloc(1, sizeof(*c));

    if (!c) {
        json_decref(doc);
        return NULL;
    }
    c->doc = doc;
    c->from_inspect = from_inspect;
    c->json = json_dumps(doc, JSON_COMPACT);
    if (!c->json) {
        ukiyo_container_free(c);
        return NULL;
    }
    return c;
}

json_t *ukiyo__container_document(const ukiyo_container *c)
{
    return c->doc;
}

UKIYO_EXTERN void ukiyo_container_free(ukiyo_container *c)
{
    if (!c)
        return;
    json_decref(c->doc);
    free(c->json);
    free(c);
}

static const char *strip_slash(const char *name)
{
    return name && name[0] == '/' ? name + 1 : name;
}

UKIYO_EXTERN const char *ukiyo_container_id(const ukiyo_container *c)
{
    return json_string_value(json_object_get(c->doc, "Id"));
}

UKIYO_EXTERN const char *ukiyo_container_name(const ukiyo_container *c)
{
    if (c->from_inspect)
        return strip_slash(json_string_value(json_object_get(c->doc, "Name")));
    return strip_slash(json_string_value(json_array_get(json_object_get(c->doc, "Names"), 0)));
}

UKIYO_EXTERN const char *ukiyo_container_image(const ukiyo_container *c)
{
    if (c->from_inspect)
        return json_string_value(json_object_get(json_object_get(c->doc, "Config"), "Image"));
    return json_string_value(json_object_get(c->doc, "Image"));
}

UKIYO_EXTERN const char *ukiyo_container_image_id(const ukiyo_container *c)
{
    return json_string_value(json_object_get(c->doc, c->from_inspect ? "Image" : "ImageID"));
}

UKIYO_EXTERN const char *ukiyo_container_state(const ukiyo_container *c)
{
    json_t *state = json_object_get(c->doc, "State");

    if (c->from_inspect)
        return json_string_value(json_object_get(state, "Status"));
    return json_string_value(state);
}

UKIYO_EXTERN const char *ukiyo_container_label(const ukiyo_container *c, const char *key)
{
    json_t *labels = c->from_inspect ? json_object_get(json_object_get(c->doc, "Config"), "Labels")
                                     : json_object_get(c->doc, "Labels");
    return json_string_value(json_object_get(labels, key));
}

UKIYO_EXTERN const char *ukiyo_container_json(const ukiyo_container *c)
{
    return c->json;
}

UKIYO_EXTERN int ukiyo_docker_container_inspect(ukiyo_container **out, ukiyo_docker *d,
                                                const char *id_or_name)
{
    json_t *doc = NULL;
    char *escaped = id_or_name && id_or_name[0] ? ukiyo__http_escape(id_or_name) : NULL;
    char *path = escaped ? ukiyo__str_printf("/containers/%s/json", escaped) : NULL;
    int err;

    if (!id_or_name || !id_or_name[0])
        return ukiyo__error_set(UKIYO_EINVAL, "container name is empty");
    err = path ? ukiyo__docker_call(d, "GET", path, NULL, &doc) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    if (err < 0)
        return err;
    if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "Id"))) {
        json_decref(doc);
        return ukiyo__error_set(UKIYO_EPROTOCOL, "inspect of %s: no container document",
                                id_or_name);
    }
    ukiyo_container *c = ukiyo__container_from_json(doc, true);
    if (!c)
        return UKIYO_ENOMEM;
    *out = c;
    return 0;
}

static int list_from_array(ukiyo_container_list **out, json_t *array)
{
    ukiyo_container_list *list = calloc(1, sizeof(*list));
    size_t i;
    json_t *entry;

    if (!list)
        return UKIYO_ENOMEM;
    list->items = calloc(json_array_size(array) + 1, sizeof(*list->items));
    if (!list->items) {
        free(list);
        return UKIYO_ENOMEM;
    }
    json_array_foreach(array, i, entry) {
        if (!json_is_object(entry))
            continue;
        list->items[list->count] = ukiyo__container_from_json(json_incref(entry), false);
        if (!list->items[list->count]) {
            ukiyo_container_list_free(list);
            return UKIYO_ENOMEM;
        }
        list->count++;
    }
    *out = list;
    return 0;
}

UKIYO_EXTERN int ukiyo_docker_container_list(ukiyo_container_list **out, ukiyo_docker *d, int all,
                                             const char *filters_json)
{
    char *filters = filters_json ? ukiyo__http_escape(filters_json) : NULL;
    char *path = ukiyo__str_printf("/containers/json?all=%d%s%s", all ? 1 : 0,
                                   filters ? "&filters=" : "", filters ? filters : "");
    json_t *doc = NULL;
    int err;

    if (filters_json) {
        json_t *parsed = json_loads(filters_json, 0, NULL);
        err = json_is_object(parsed)
                  ? 0
                  : ukiyo__error_set(UKIYO_EINVAL, "container filters must be a JSON object");
        json_decref(parsed);
        if (err < 0)
            goto done;
    }
    err = path ? ukiyo__docker_call(d, "GET", path, NULL, &doc) : UKIYO_ENOMEM;
done:
    free(filters);
    free(path);
    if (err < 0)
        return err;
    if (!json_is_array(doc))
        err = ukiyo__error_set(UKIYO_EPROTOCOL, "container list is not a JSON array");
    else
        err = list_from_array(out, doc);
    json_decref(doc);
    return err;
}

UKIYO_EXTERN size_t ukiyo_container_list_count(const ukiyo_container_list *l)
{
    return l ? l->count : 0;
}

UKIYO_EXTERN const ukiyo_container *ukiyo_container_list_get(const ukiyo_container_list *l,
                                                             size_t index)
{
    return l && index < l->count ? l->items[index] : NULL;
}

void ukiyo__container_list_filter(ukiyo_container_list *l, bool (*keep)(const ukiyo_container *c))
{
    size_t kept = 0;

    for (size_t i = 0; l && i < l->count; i++) {
        if (keep(l->items[i]))
            l->items[kept++] = l->items[i];
        else
            ukiyo_container_free(l->items[i]);
    }
    if (l)
        l->count = kept;
}

void ukiyo__container_list_sort(ukiyo_container_list *l,
                                int (*before)(const ukiyo_container *a, const ukiyo_container *b))
{
    /* Insertion sort: stable, and lists are short. */
    for (size_t i = 1; l && i < l->count; i++) {
        ukiyo_container *c = l->items[i];
        size_t k = i;
        for (; k > 0 && before(c, l->items[k - 1]) < 0; k--)
            l->items[k] = l->items[k - 1];
        l->items[k] = c;
    }
}

/* Logs are a courtesy: never worth holding an update up for long. */
#define LOGS_TIMEOUT_MS 10000

/* The engine's multiplexed stream: frames of [stream, 0, 0, 0, size (4 bytes, big-endian)]. */
static void demultiplex(const unsigned char *p, size_t len, strbuf *out)
{
    while (len >= 8) {
        size_t size = (size_t)p[4] << 24 | (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7];
        if (size > len - 8)
            size = len - 8;
        ukiyo__strbuf_append(out, p + 8, size);
        p += 8 + size;
        len -= 8 + size;
    }
}

int ukiyo__docker_container_logs(ukiyo_docker *d, const char *id, bool tty, int tail,
                                 size_t max_bytes, char **text_out)
{
    char path[256];
    http_response resp;
    strbuf text = {0};
    int err;

    snprintf(path, sizeof(path), "/containers/%s/logs?stdout=1&stderr=1&timestamps=1&tail=%d", id,
             tail);
    err = ukiyo__docker_call_raw(d, "GET", path, NULL, LOGS_TIMEOUT_MS, &resp);
    if (err < 0)
        return err;
    if (tty)
        ukiyo__strbuf_append(&text, resp.body.data ? resp.body.data : "", resp.body.len);
    else
        demultiplex((const unsigned char *)resp.body.data, resp.body.len, &text);
    ukiyo__http_response_clear(&resp);
    size_t skip = text.len > max_bytes ? text.len - max_bytes : 0;
    *text_out = strdup(text.data ? text.data + skip : "");
    ukiyo__strbuf_free(&text);
    return *text_out ? 0 : UKIYO_ENOMEM;
}

UKIYO_EXTERN void ukiyo_container_list_free(ukiyo_container_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        ukiyo_container_free(l->items[i]);
    free(l->items);
    free(l);
}

/* POST /containers/{id}/{action}[?query] with no body and no answer wanted. */
static int container_action(ukiyo_docker *d, const char *id, const char *action, const char *query)
{
    char *escaped = id && id[0] ? ukiyo__http_escape(id) : NULL;
    char *path;
    int err;

    if (!escaped)
        return ukiyo__error_set(UKIYO_EINVAL, "%s: no container given", action);
    path = ukiyo__str_printf("/containers/%s/%s%s%s", escaped, action, query ? "?" : "",
                             query ? query : "");
    err = path ? ukiyo__docker_call(d, "POST", path, NULL, NULL) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_container_create(char **id_out, ukiyo_docker *d, const char *name,
                                               const char *spec_json)
{
    char *escaped = name ? ukiyo__http_escape(name) : NULL;
    char *path = escaped ? ukiyo__str_printf("/containers/create?name=%s", escaped)
                         : strdup("/containers/create");
    json_t *doc = NULL;
    int err;

    json_t *spec = spec_json ? json_loads(spec_json, 0, NULL) : NULL;
    if (!json_is_object(spec))
        err = ukiyo__error_set(UKIYO_EINVAL, "container create: the spec is not a JSON object");
    else
        err = path ? ukiyo__docker_call(d, "POST", path, spec_json, &doc) : UKIYO_ENOMEM;
    json_decref(spec);
    free(escaped);
    free(path);
    if (err < 0)
        return err;
    const char *id = json_string_value(json_object_get(doc, "Id"));
    char *copy = id ? strdup(id) : NULL;
    json_decref(doc);
    if (!copy)
        return ukiyo__error_set(UKIYO_EPROTOCOL, "container create: the engine sent no Id");
    if (id_out)
        *id_out = copy;
    else
        free(copy);
    return 0;
}

UKIYO_EXTERN int ukiyo_docker_container_start(ukiyo_docker *d, const char *id)
{
    return container_action(d, id, "start", NULL);
}

UKIYO_EXTERN int ukiyo_docker_container_stop(ukiyo_docker *d, const char *id, int timeout_s)
{
    char query[32];

    if (timeout_s < 0)
        return container_action(d, id, "stop", NULL);
    snprintf(query, sizeof(query), "t=%d", timeout_s);
    return container_action(d, id, "stop", query);
}

UKIYO_EXTERN int ukiyo_docker_container_kill(ukiyo_docker *d, const char *id,
                                             const char *signal_name)
{
    char *escaped = ukiyo__http_escape(signal_name ? signal_name : "SIGKILL");
    char *query = escaped ? ukiyo__str_printf("signal=%s", escaped) : NULL;
    int err = query ? container_action(d, id, "kill", query) : UKIYO_ENOMEM;

    free(escaped);
    free(query);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_container_rename(ukiyo_docker *d, const char *id,
                                               const char *new_name)
{
    char *escaped = new_name && new_name[0] ? ukiyo__http_escape(new_name) : NULL;
    char *query = escaped ? ukiyo__str_printf("name=%s", escaped) : NULL;
    int err;

    if (!new_name || !new_name[0])
        return ukiyo__error_set(UKIYO_EINVAL, "rename: the new name is empty");
    err = query ? container_action(d, id, "rename", query) : UKIYO_ENOMEM;
    free(escaped);
    free(query);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_container_remove(ukiyo_docker *d, const char *id, unsigned int flags)
{
    char *escaped = id && id[0] ? ukiyo__http_escape(id) : NULL;
    char *path = escaped ? ukiyo__str_printf("/containers/%s?force=%d&v=%d", escaped,
                                             (flags & UKIYO_REMOVE_FORCE) ? 1 : 0,
                                             (flags & UKIYO_REMOVE_VOLUMES) ? 1 : 0)
                         : NULL;
    int err;

    if (!escaped)
        return ukiyo__error_set(UKIYO_EINVAL, "remove: no container given");
    err = path ? ukiyo__docker_call(d, "DELETE", path, NULL, NULL) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_container_wait(ukiyo_docker *d, const char *id, const char *condition,
                                             long timeout_ms, int64_t *exit_code_out)
{
    char *escaped = id && id[0] ? ukiyo__http_escape(id) : NULL;
    char *cond = ukiyo__http_escape(condition ? condition : "not-running");
    char *path = escaped && cond
                     ? ukiyo__str_printf("/containers/%s/wait?condition=%s", escaped, cond)
                     : NULL;
    json_t *doc = NULL;
    int err;

    if (!escaped)
        err = ukiyo__error_set(UKIYO_EINVAL, "wait: no container given");
    else
        err = path ? ukiyo__docker_call_timeout(d, "POST", path, NULL,
                                                timeout_ms > 0 ? timeout_ms : WAIT_FOREVER_MS, &doc)
                   : UKIYO_ENOMEM;
    free(escaped);
    free(cond);
    free(path);
    if (err < 0)
        return err;
    json_t *code = json_object_get(doc, "StatusCode");
    if (!json_is_integer(code))
        err = ukiyo__error_set(UKIYO_EPROTOCOL, "wait: the engine sent no StatusCode");
    else if (exit_code_out)
        *exit_code_out = json_integer_value(code);
    json_decref(doc);
    return err;
}

int ukiyo__docker_inspect_container_json(ukiyo_docker *d, const char *id_or_name, json_t **out)
{
    ukiyo_container *c = NULL;
    int err = ukiyo_docker_container_inspect(&c, d, id_or_name);

    if (err < 0)
        return err;
    *out = json_incref(ukiyo__container_document(c));
    ukiyo_container_free(c);
    return 0;
}
