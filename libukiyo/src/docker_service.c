/*
 * docker_service.c - swarm services: the engine's part in a swarm, list,
 * inspect, update (with X-Registry-Auth, rollback=previous), tasks; and a
 * service seen as a container, so that labels and the plan read it as
 * they read a container.
 */
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"

struct ukiyo_service {
    json_t *doc;
    char *json;
};

struct ukiyo_service_list {
    ukiyo_service **items;
    size_t count;
};

static ukiyo_service *service_from_json(json_t *doc)
{
    ukiyo_service *s = calloc(1, sizeof(*s));

    if (!s) {
        json_decref(doc);
        return NULL;
    }
    s->doc = doc;
    s->json = json_dumps(doc, JSON_COMPACT);
    if (!s->json) {
        ukiyo_service_free(s);
        return NULL;
    }
    return s;
}

UKIYO_EXTERN void ukiyo_service_free(ukiyo_service *s)
{
    if (!s)
        return;
    json_decref(s->doc);
    free(s->json);
    free(s);
}

json_t *ukiyo__service_document(const ukiyo_service *s)
{
    return s->doc;
}

static json_t *spec_of(const ukiyo_service *s)
{
    return json_object_get(s->doc, "Spec");
}

UKIYO_EXTERN const char *ukiyo_service_id(const ukiyo_service *s)
{
    return json_string_value(json_object_get(s->doc, "ID"));
}

UKIYO_EXTERN const char *ukiyo_service_name(const ukiyo_service *s)
{
    return json_string_value(json_object_get(spec_of(s), "Name"));
}

UKIYO_EXTERN const char *ukiyo_service_image(const ukiyo_service *s)
{
    json_t *task = json_object_get(spec_of(s), "TaskTemplate");
    return json_string_value(json_object_get(json_object_get(task, "ContainerSpec"), "Image"));
}

UKIYO_EXTERN const char *ukiyo_service_label(const ukiyo_service *s, const char *key)
{
    return json_string_value(json_object_get(json_object_get(spec_of(s), "Labels"), key));
}

UKIYO_EXTERN uint64_t ukiyo_service_version(const ukiyo_service *s)
{
    json_int_t v = json_integer_value(json_object_get(json_object_get(s->doc, "Version"), "Index"));
    return v > 0 ? (uint64_t)v : 0;
}

UKIYO_EXTERN const char *ukiyo_service_mode(const ukiyo_service *s)
{
    const char *key;
    json_t *value;

    json_object_foreach(json_object_get(spec_of(s), "Mode"), key, value) {
        return strcmp(key, "Replicated") == 0 ? "replicated"
               : strcmp(key, "Global") == 0   ? "global"
                                              : key;
    }
    return "replicated";
}

UKIYO_EXTERN const char *ukiyo_service_update_state(const ukiyo_service *s)
{
    return json_string_value(json_object_get(json_object_get(s->doc, "UpdateStatus"), "State"));
}

UKIYO_EXTERN const char *ukiyo_service_update_message(const ukiyo_service *s)
{
    return json_string_value(json_object_get(json_object_get(s->doc, "UpdateStatus"), "Message"));
}

UKIYO_EXTERN const char *ukiyo_service_json(const ukiyo_service *s)
{
    return s->json;
}

/* ---- the engine's calls -------------------------------------------------- */

/* A worker answers service calls with 503 "not a swarm manager": say so plainly. */
static int not_a_manager(int err)
{
    const char *why = ukiyo_error_last();

    if (err < 0 && (strstr(why, "not a swarm manager") || strstr(why, "not part of a swarm")))
        return ukiyo__error_set(UKIYO_EUNSUPPORTED, "%s", why);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_swarm_role(ukiyo_docker *d, ukiyo_swarm_role *role_out)
{
    json_t *info = NULL;
    int err = ukiyo__docker_call(d, "GET", "/info", NULL, &info);

    if (err < 0)
        return err;
    json_t *swarm = json_object_get(info, "Swarm");
    const char *state = json_string_value(json_object_get(swarm, "LocalNodeState"));
    bool active = state && strcmp(state, "active") == 0;
    *role_out = !active                                                    ? UKIYO_SWARM_NONE
                : json_is_true(json_object_get(swarm, "ControlAvailable")) ? UKIYO_SWARM_MANAGER
                                                                           : UKIYO_SWARM_WORKER;
    json_decref(info);
    return 0;
}

UKIYO_EXTERN int ukiyo_docker_service_list(ukiyo_service_list **out, ukiyo_docker *d,
                                           const char *filters_json)
{
    char *escaped = filters_json ? ukiyo__http_escape(filters_json) : NULL;
    char *path = filters_json ? ukiyo__str_printf("/services?filters=%s", escaped ? escaped : "")
                              : ukiyo__str_dup("/services");
    json_t *array = NULL, *item;
    size_t i;
    int err = path ? ukiyo__docker_call(d, "GET", path, NULL, &array) : UKIYO_ENOMEM;

    free(escaped);
    free(path);
    if (err < 0)
        return not_a_manager(err);
    if (!json_is_array(array)) {
        json_decref(array);
        return ukiyo__error_set(UKIYO_EPROTOCOL, "service list: not an array");
    }
    ukiyo_service_list *l = calloc(1, sizeof(*l));
    if (l)
        l->items = calloc(json_array_size(array) + 1, sizeof(*l->items));
    if (!l || !l->items) {
        free(l);
        json_decref(array);
        return UKIYO_ENOMEM;
    }
    json_array_foreach(array, i, item) {
        if (!json_is_string(json_object_get(item, "ID")))
            continue;
        ukiyo_service *s = service_from_json(json_incref(item));
        if (!s) {
            ukiyo_service_list_free(l);
            json_decref(array);
            return UKIYO_ENOMEM;
        }
        l->items[l->count++] = s;
    }
    json_decref(array);
    *out = l;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_service_list_count(const ukiyo_service_list *l)
{
    return l ? l->count : 0;
}

UKIYO_EXTERN const ukiyo_service *ukiyo_service_list_get(const ukiyo_service_list *l, size_t index)
{
    return l && index < l->count ? l->items[index] : NULL;
}

UKIYO_EXTERN void ukiyo_service_list_free(ukiyo_service_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        ukiyo_service_free(l->items[i]);
    free(l->items);
    free(l);
}

UKIYO_EXTERN int ukiyo_docker_service_inspect(ukiyo_service **out, ukiyo_docker *d,
                                              const char *id_or_name)
{
    char *escaped = id_or_name && id_or_name[0] ? ukiyo__http_escape(id_or_name) : NULL;
    char *path = escaped ? ukiyo__str_printf("/services/%s", escaped) : NULL;
    json_t *doc = NULL;
    int err;

    if (!escaped)
        return ukiyo__error_set(UKIYO_EINVAL, "service name is empty");
    err = path ? ukiyo__docker_call(d, "GET", path, NULL, &doc) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    if (err == UKIYO_ENOTFOUND)
        return ukiyo__error_set(err, "no service %s", id_or_name);
    if (err < 0)
        return not_a_manager(err);
    if (!json_is_string(json_object_get(doc, "ID"))) {
        json_decref(doc);
        return ukiyo__error_set(UKIYO_EPROTOCOL, "inspect of service %s: no ID", id_or_name);
    }
    ukiyo_service *s = service_from_json(doc);
    if (!s)
        return UKIYO_ENOMEM;
    *out = s;
    return 0;
}

UKIYO_EXTERN int ukiyo_docker_service_update(ukiyo_docker *d, const char *id, uint64_t version,
                                             const char *spec_json, const ukiyo_credential *cred,
                                             unsigned int flags)
{
    char *escaped = id && id[0] ? ukiyo__http_escape(id) : NULL;
    char *path = escaped
                     ? ukiyo__str_printf("/services/%s/update?version=%llu%s", escaped,
                                         (unsigned long long)version,
                                         flags & UKIYO_SERVICE_ROLLBACK ? "&rollback=previous" : "")
                     : NULL;
    char *auth = NULL, *header = NULL;
    json_t *reply = NULL;
    int err = path ? 0 : UKIYO_ENOMEM;

    if (!escaped || !spec_json)
        err = ukiyo__error_set(UKIYO_EINVAL, "service update: no service or spec");
    if (err == 0 && cred)
        err = ukiyo_docker_registry_auth_header(&auth, cred);
    if (err == 0 && auth && !(header = ukiyo__str_printf("X-Registry-Auth: %s", auth)))
        err = UKIYO_ENOMEM;
    if (err == 0)
        err = ukiyo__docker_call_header(d, "POST", path, spec_json, header, &reply);
    /* A version read before someone else's change: "update out of sequence". */
    if (err < 0 && strstr(ukiyo_error_last(), "out of sequence"))
        err = ukiyo__error_set(UKIYO_ECONFLICT, "service %s was changed meanwhile: %s", id,
                               ukiyo_error_last());
    else if (err < 0)
        err = not_a_manager(err);
    /* Warnings (an image the manager could not resolve, ...) are the engine's, not errors. */
    json_t *warning;
    size_t i;
    json_array_foreach(json_object_get(reply, "Warnings"), i, warning) {
        log_info("service %s: the engine warns: %s", id, json_string_value(warning));
    }
    json_decref(reply);
    if (header)
        memset(header, 0, strlen(header));
    if (auth)
        memset(auth, 0, strlen(auth));
    free(header);
    free(auth);
    free(escaped);
    free(path);
    return err;
}

int ukiyo__docker_service_tasks_json(ukiyo_docker *d, const char *service,
                                     const char *desired_state, json_t **out)
{
    json_t *filters = json_pack("{s:[s]}", "service", service ? service : "");
    if (filters && desired_state)
        json_object_set_new(filters, "desired-state", json_pack("[s]", desired_state));
    char *text = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
    char *escaped = text ? ukiyo__http_escape(text) : NULL;
    char *path = escaped ? ukiyo__str_printf("/tasks?filters=%s", escaped) : NULL;
    int err = path ? ukiyo__docker_call(d, "GET", path, NULL, out) : UKIYO_ENOMEM;

    json_decref(filters);
    free(text);
    free(escaped);
    free(path);
    if (err == 0 && !json_is_array(*out)) {
        json_decref(*out);
        *out = NULL;
        err = ukiyo__error_set(UKIYO_EPROTOCOL, "task list: not an array");
    }
    return err < 0 ? not_a_manager(err) : 0;
}

UKIYO_EXTERN int ukiyo_docker_service_tasks(char **json_out, ukiyo_docker *d, const char *service,
                                            const char *desired_state)
{
    json_t *tasks = NULL;
    int err = ukiyo__docker_service_tasks_json(d, service, desired_state, &tasks);

    if (err < 0)
        return err;
    *json_out = json_dumps(tasks, JSON_COMPACT);
    json_decref(tasks);
    return *json_out ? 0 : UKIYO_ENOMEM;
}

/* ---- a service seen as a container --------------------------------------- */

bool ukiyo__is_service_name(const char *name)
{
    return name && ukiyo__str_has_prefix(name, UKIYO_SERVICE_PREFIX);
}

char *ukiyo__service_tag_reference(const char *image)
{
    const char *at = image ? strchr(image, '@') : NULL;
    const char *slash, *colon = NULL;

    if (!at)
        return image ? ukiyo__str_dup(image) : NULL;
    /* A tag is a ':' after the last '/' before the '@' (a registry's port comes before it). */
    slash = image;
    for (const char *p = image; p < at; p++)
        if (*p == '/')
            slash = p;
    for (const char *p = slash; p < at; p++)
        if (*p == ':')
            colon = p;
    return colon ? strndup(image, (size_t)(at - image)) : ukiyo__str_dup(image);
}

UKIYO_EXTERN int ukiyo_service_as_container(ukiyo_container **out, const ukiyo_service *s)
{
    const char *image = ukiyo_service_image(s);
    char *ref = ukiyo__service_tag_reference(image);
    char *name = ukiyo__str_printf("/" UKIYO_SERVICE_PREFIX "%s", ukiyo_service_name(s));
    const char *update = ukiyo_service_update_state(s);
    const char *state =
        update && strcmp(update, "completed") != 0 && strcmp(update, "rollback_completed") != 0
            ? update
            : ukiyo_service_mode(s);
    json_t *labels = json_object_get(spec_of(s), "Labels");
    labels = json_is_object(labels) ? json_incref(labels) : json_object();
    json_t *doc = ref && name ? json_pack("{s:s, s:s, s:{s:s, s:o}, s:s, s:{s:s}, s:s}", "Id",
                                          ukiyo_service_id(s), "Name", name, "Config", "Image", ref,
                                          "Labels", labels, "Image", image ? image : "", "State",
                                          "Status", state, "Kind", "service")
                              : NULL;

    if (!doc)
        json_decref(labels);

    free(ref);
    free(name);
    if (!doc)
        return UKIYO_ENOMEM;
    *out = ukiyo__container_from_json(doc, true);
    return *out ? 0 : UKIYO_ENOMEM;
}

int ukiyo__docker_inspect_watched(ukiyo_docker *d, const char *name, ukiyo_container **out)
{
    ukiyo_service *s = NULL;
    int err;

    if (!ukiyo__is_service_name(name))
        return ukiyo_docker_container_inspect(out, d, name);
    err = ukiyo_docker_service_inspect(&s, d, name + strlen(UKIYO_SERVICE_PREFIX));
    if (err == 0)
        err = ukiyo_service_as_container(out, s);
    ukiyo_service_free(s);
    return err;
}

bool ukiyo__container_is_service(const ukiyo_container *c)
{
    const char *kind = json_string_value(json_object_get(ukiyo__container_document(c), "Kind"));
    return kind && strcmp(kind, "service") == 0;
}

int ukiyo__docker_services_if_manager(ukiyo_docker *d, ukiyo_service_list **out)
{
    int err = ukiyo_docker_service_list(out, d, NULL);

    if (err == UKIYO_EUNSUPPORTED) {
        ukiyo_error_clear();
        *out = NULL;
        return 0;
    }
    return err;
}
