/*
 * projects.c - compose projects, as their containers' labels tell them
 * (ukiyo/projects.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"

static const char *or_empty(const char *v)
{
    return v ? v : "";
}

static const char *or_empty_label(const ukiyo_container *c, const char *key)
{
    return or_empty(ukiyo_container_label(c, key));
}

static int number_of(const ukiyo_container *c)
{
    return atoi(or_empty_label(c, UKIYO_LABEL_COMPOSE_CONTAINER_NUMBER));
}

static int by_project_service_number(const ukiyo_container *a, const ukiyo_container *b)
{
    int d = strcmp(or_empty_label(a, UKIYO_LABEL_COMPOSE_PROJECT),
                   or_empty_label(b, UKIYO_LABEL_COMPOSE_PROJECT));
    if (d == 0)
        d = strcmp(or_empty_label(a, UKIYO_LABEL_COMPOSE_SERVICE),
                   or_empty_label(b, UKIYO_LABEL_COMPOSE_SERVICE));
    return d ? d : number_of(a) - number_of(b);
}

/* compose run's one-off containers are no service's. */
static bool of_a_service(const ukiyo_container *c)
{
    const char *v = ukiyo_container_label(c, UKIYO_LABEL_COMPOSE_ONEOFF);
    return !v || strcasecmp(v, "true") != 0;
}

UKIYO_EXTERN int ukiyo_project_containers(ukiyo_container_list **out, ukiyo *u, const char *project)
{
    json_t *filters =
        project ? json_pack("{s:[s+++]}", "label", UKIYO_LABEL_COMPOSE_PROJECT, "=", project, "")
                : json_pack("{s:[s]}", "label", UKIYO_LABEL_COMPOSE_PROJECT);
    char *text = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
    ukiyo_container_list *all = NULL;
    int err;

    json_decref(filters);
    if (!u || !out)
        err = ukiyo__error_set(UKIYO_EINVAL, "project containers: NULL argument");
    else
        err = text ? ukiyo_docker_container_list(&all, ukiyo_get_docker(u), 1, text) : UKIYO_ENOMEM;
    free(text);
    if (err < 0)
        return err;
    ukiyo__container_list_filter(all, of_a_service);
    ukiyo__container_list_sort(all, by_project_service_number);
    *out = all;
    return 0;
}

static bool has_service(const ukiyo_container_list *list, const char *service)
{
    for (size_t i = 0; i < ukiyo_container_list_count(list); i++) {
        const ukiyo_container *c = ukiyo_container_list_get(list, i);
        if (strcmp(or_empty_label(c, UKIYO_LABEL_COMPOSE_SERVICE), service) == 0)
            return true;
    }
    return false;
}

static bool named(const char *service, const char *const *services, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(services[i], service) == 0)
            return true;
    return count == 0;
}

/* "a, b, c": the project's services, for the message that a named one is not among them. */
static char *service_names(const ukiyo_container_list *list)
{
    strbuf b = {0};
    const char *last = NULL;

    for (size_t i = 0; i < ukiyo_container_list_count(list); i++) {
        const char *s =
            or_empty_label(ukiyo_container_list_get(list, i), UKIYO_LABEL_COMPOSE_SERVICE);
        if (last && strcmp(last, s) == 0)
            continue;
        if (last)
            ukiyo__strbuf_append(&b, ", ", 2);
        ukiyo__strbuf_append(&b, s, strlen(s));
        last = s;
    }
    return b.data ? b.data : strdup("");
}

static int select_names(ukiyo_string_list **out, const ukiyo_container_list *list,
                        const char *project, const char *const *services, size_t count)
{
    ukiyo_string_list *names = NULL;
    int err = ukiyo_string_list_new(&names);

    for (size_t i = 0; err == 0 && i < ukiyo_container_list_count(list); i++) {
        const ukiyo_container *c = ukiyo_container_list_get(list, i);
        if (strcmp(or_empty(ukiyo_container_state(c)), "running") == 0 &&
            named(or_empty_label(c, UKIYO_LABEL_COMPOSE_SERVICE), services, count))
            err = ukiyo_string_list_append(names, ukiyo_container_name(c));
    }
    if (err == 0 && ukiyo_string_list_count(names) == 0)
        err = ukiyo__error_set(UKIYO_ENOTFOUND, "project %s has no running container%s", project,
                               count ? " of the services named" : "");
    if (err < 0) {
        ukiyo_string_list_free(names);
        return err;
    }
    *out = names;
    return 0;
}

UKIYO_EXTERN int ukiyo_project_select(ukiyo_string_list **out, ukiyo *u, const char *project,
                                      const char *const *services, size_t count)
{
    ukiyo_container_list *list = NULL;
    int err;

    if (!project || (!services && count) || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "project select: NULL argument");
    err = ukiyo_project_containers(&list, u, project);
    if (err == 0 && ukiyo_container_list_count(list) == 0)
        err =
            ukiyo__error_set(UKIYO_ENOTFOUND, "no compose project \"%s\" on this engine", project);
    for (size_t i = 0; err == 0 && i < count; i++) {
        if (!has_service(list, services[i])) {
            char *known = service_names(list);
            err = ukiyo__error_set(UKIYO_ENOTFOUND,
                                   "project %s has no service \"%s\" (its services: %s)", project,
                                   services[i], known ? known : "");
            free(known);
        }
    }
    if (err == 0)
        err = select_names(out, list, project, services, count);
    ukiyo_container_list_free(list);
    return err;
}

/* The entry of @array whose "name" is @name, added when missing. */
static json_t *entry_named(json_t *array, const char *name)
{
    size_t n = json_array_size(array);
    json_t *last = n ? json_array_get(array, n - 1) : NULL;

    /* The containers come sorted: a new name is a new entry. */
    if (last && strcmp(json_string_value(json_object_get(last, "name")), name) == 0)
        return last;
    json_t *entry = json_pack("{s:s}", "name", name);
    json_array_append_new(array, entry);
    return entry;
}

UKIYO_EXTERN int ukiyo_projects_json(char **json_out, const ukiyo_container_list *containers)
{
    json_t *projects = json_array();

    if (!json_out)
        return ukiyo__error_set(UKIYO_EINVAL, "projects json: NULL argument");
    for (size_t i = 0; projects && i < ukiyo_container_list_count(containers); i++) {
        const ukiyo_container *c = ukiyo_container_list_get(containers, i);
        json_t *p = entry_named(projects, or_empty_label(c, UKIYO_LABEL_COMPOSE_PROJECT));
        if (!json_object_get(p, "services")) {
            json_object_set_new(p, "working_dir",
                                json_string(or_empty_label(c, UKIYO_LABEL_COMPOSE_WORKING_DIR)));
            json_object_set_new(p, "config_files",
                                json_string(or_empty_label(c, UKIYO_LABEL_COMPOSE_CONFIG_FILES)));
            json_object_set_new(p, "services", json_array());
        }
        json_t *s = entry_named(json_object_get(p, "services"),
                                or_empty_label(c, UKIYO_LABEL_COMPOSE_SERVICE));
        if (!json_object_get(s, "containers"))
            json_object_set_new(s, "containers", json_array());
        json_array_append_new(json_object_get(s, "containers"),
                              json_pack("{s:s, s:s?, s:s?, s:i}", "name", ukiyo_container_name(c),
                                        "image", ukiyo_container_image(c), "state",
                                        ukiyo_container_state(c), "number", number_of(c)));
    }
    *json_out = projects ? json_dumps(projects, JSON_COMPACT) : NULL;
    json_decref(projects);
    return *json_out ? 0 : UKIYO_ENOMEM;
}
