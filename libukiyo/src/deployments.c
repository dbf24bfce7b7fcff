/*
 * deployments.c - the seed's scheduled deployments: validation, port
 * clashes, the store, and creating a deployment's container.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "deployments_private.h"

#define PORT_MAX 65535

static int bad(const char *why)
{
    return ukiyo__error_set(UKIYO_EINVAL, "deployment: %s", why);
}

/* An integer given as a JSON number or a string of digits. */
static bool integer_of(json_t *v, int64_t *out)
{
    char *end;

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_string(v) || !json_string_value(v)[0])
        return false;
    long long n = strtoll(json_string_value(v), &end, 10);
    *out = n;
    return *end == '\0';
}

static bool container_name_valid(const char *name)
{
    if (!name[0] || !isalnum((unsigned char)name[0]) || strlen(name) > 128)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return false;
    return true;
}

/* bindingPort: [{exportPort, internalPort}], both 1..65535; normalised to numbers. */
static int check_ports(json_t *ports, json_t **normal_out)
{
    json_t *normal = json_array(), *p;
    size_t i;

    if (ports && !json_is_array(ports)) {
        json_decref(normal);
        return bad("bindingPort is a list of {exportPort, internalPort}");
    }
    json_array_foreach(ports, i, p) {
        int64_t host = 0, inside = 0;
        if (!integer_of(json_object_get(p, "exportPort"), &host) ||
            !integer_of(json_object_get(p, "internalPort"), &inside) || host < 1 ||
            host > PORT_MAX || inside < 1 || inside > PORT_MAX) {
            json_decref(normal);
            return bad("exportPort and internalPort are port numbers (1-65535)");
        }
        json_array_append_new(normal, json_pack("{s:I, s:I}", "exportPort", (json_int_t)host,
                                                "internalPort", (json_int_t)inside));
    }
    *normal_out = normal;
    return 0;
}

int ukiyo__deployment_parse(const char *text, deployment *d)
{
    json_error_t jerr;
    json_t *doc = json_loads(text ? text : "", 0, &jerr);
    ukiyo_image_ref *ref = NULL;
    int err = 0;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(doc))
        err = bad("the body is not a JSON object");
    const char *name = json_string_value(json_object_get(doc, "name"));
    if (err == 0 && (!name || !name[0]))
        err = bad("name (the repository) is required");
    char *tagged = err == 0 && name ? ukiyo__str_printf("%s:latest", name) : NULL;
    if (err == 0 && (strchr(name, '@') || ukiyo_image_ref_parse(&ref, tagged) < 0))
        err = bad("name is a repository without tag or digest, like registry.example.com/team/app");
    free(tagged);
    json_t *downtime = json_object_get(doc, "scheduledDowntime");
    if (err == 0 && downtime && !json_is_boolean(downtime))
        err = bad("scheduledDowntime is true or false");
    d->downtime = json_is_true(downtime);
    int64_t at = 0;
    json_t *at_json = json_object_get(doc, "scheduledAt");
    if (err == 0 && ((at_json && !json_is_null(at_json) && !integer_of(at_json, &at)) || at < 0 ||
                     at > 32503680000LL))
        err = bad("scheduledAt is unix seconds, a number or a string of digits");
    if (err == 0 && d->downtime && (!at_json || json_is_null(at_json)))
        err = bad("scheduledDowntime needs scheduledAt");
    d->scheduled_at_ms = at * 1000;
    json_t *window = json_object_get(doc, "window");
    if (err == 0 && window && !json_is_null(window)) {
        ukiyo_cron *cron = NULL;
        if (!json_is_string(window))
            err = ukiyo__error_set(UKIYO_EINVAL, "window is a cron expression, not a %s",
                                  json_is_number(window) ? "number" : "non-string");
        else if (ukiyo_cron_parse(&cron, json_string_value(window)) < 0)
            err = ukiyo__error_wrap(UKIYO_EINVAL, "window is a cron expression");
        ukiyo_cron_free(cron);
        if (err == 0 && !(d->window = strdup(json_string_value(window))))
            err = UKIYO_ENOMEM;
    }
    if (err == 0)
        err = check_ports(json_object_get(doc, "bindingPort"), &d->ports);
    const char *container = json_string_value(json_object_get(doc, "containerName"));
    if (err == 0) {
        const char *repo = ukiyo_image_ref_repository(ref);
        const char *last = strrchr(repo, '/');
        d->container = strdup(container ? container : last ? last + 1 : repo);
        if (!container_name_valid(d->container))
            err = bad("containerName is letters, digits and _ . -");
    }
    if (err == 0) {
        d->registry = strdup(ukiyo_image_ref_registry(ref));
        d->repository = strdup(ukiyo_image_ref_repository(ref));
        d->name = ukiyo__str_printf("%s/%s", d->registry, d->repository);
    }
    ukiyo_image_ref_free(ref);
    json_decref(doc);
    if (err < 0)
        ukiyo__deployment_clear(d);
    return err;
}

void ukiyo__deployment_clear(deployment *d)
{
    free(d->name);
    free(d->registry);
    free(d->repository);
    free(d->container);
    free(d->window);
    json_decref(d->ports);
    memset(d, 0, sizeof(*d));
}

/* @d as a row of the store; its strings are borrowed from @d except the ports' text. */
static int to_row(const deployment *d, store_deployment *row)
{
    *row = (store_deployment){.name = d->name, .registry = d->registry,
                              .repository = d->repository, .container = d->container,
                              .ports = json_dumps(d->ports, JSON_COMPACT),
                              .scheduled_at_ms = d->scheduled_at_ms, .downtime = d->downtime,
                              .window = d->window};
    return row->ports ? 0 : UKIYO_ENOMEM;
}

/* Takes @row's strings. */
static void from_row(store_deployment *row, deployment *d)
{
    *d = (deployment){.name = row->name, .registry = row->registry,
                      .repository = row->repository, .container = row->container,
                      .ports = json_loads(row->ports ? row->ports : "[]", 0, NULL),
                      .scheduled_at_ms = row->scheduled_at_ms, .downtime = row->downtime,
                      .window = row->window};
    free(row->ports);
    memset(row, 0, sizeof(*row));
}

/* Does another deployment export one of @d's host ports? */
static int check_clashes(const deployment *d, const store_deployment *others, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        if (strcmp(others[k].name, d->name) == 0)
            continue;
        json_t *theirs = json_loads(others[k].ports, 0, NULL), *a, *b;
        size_t i, j;
        int err = 0;
        json_array_foreach(d->ports, i, a) {
            json_array_foreach(theirs, j, b) {
                if (err == 0 && json_equal(json_object_get(a, "exportPort"),
                                           json_object_get(b, "exportPort")))
                    err = ukiyo__error_set(UKIYO_ECONFLICT,
                                          "host port %lld is already exported by deployment %s",
                                          (long long)json_integer_value(
                                              json_object_get(a, "exportPort")),
                                          others[k].name);
            }
        }
        json_decref(theirs);
        if (err < 0)
            return err;
    }
    return 0;
}

typedef struct {
    const deployment *d;
    bool replace;
} saving;

/* In one transaction: no clash with the others, then the write. */
static int save_step(ukiyo_store *s, void *arg)
{
    saving *sv = arg;
    store_deployment *others = NULL, row;
    size_t count = 0;
    int err = ukiyo__store_deployments_list(s, &others, &count);

    if (err == 0)
        err = check_clashes(sv->d, others, count);
    ukiyo__store_deployments_free(others, count);
    if (err == 0 && (err = to_row(sv->d, &row)) == 0) {
        err = ukiyo__store_deployment_write(s, &row, sv->replace);
        free(row.ports);
    }
    return err;
}

UKIYO_EXTERN int ukiyo_deployment_save(ukiyo *u, const char *json, int replace)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    deployment d;
    int err;

    if (!s)
        return ukiyo__error_set(UKIYO_EINVAL, "deployments need a store");
    err = ukiyo__deployment_parse(json, &d);
    if (err < 0)
        return err;
    saving sv = {&d, replace != 0};
    err = ukiyo__store_in_transaction(s, save_step, &sv);
    ukiyo__deployment_clear(&d);
    return err;
}

UKIYO_EXTERN int ukiyo_deployment_delete(ukiyo *u, const char *name)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;

    if (!s || !name)
        return ukiyo__error_set(UKIYO_EINVAL, "deployment delete: no store or name");
    return ukiyo__store_deployment_delete(s, name);
}

UKIYO_EXTERN int ukiyo_deployments_json(char **json_out, ukiyo *u)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    store_deployment *rows = NULL;
    size_t count = 0;

    if (!s)
        return ukiyo__error_set(UKIYO_EINVAL, "deployments need a store");
    int err = ukiyo__store_deployments_list(s, &rows, &count);
    if (err < 0)
        return err;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:I, s:b, s:s?}", "name", rows[i].name,
                            "containerName", rows[i].container, "bindingPort",
                            json_loads(rows[i].ports, 0, NULL), "scheduledAt",
                            (json_int_t)(rows[i].scheduled_at_ms / 1000), "scheduledDowntime",
                            rows[i].downtime, "window", rows[i].window));
    ukiyo__store_deployments_free(rows, count);
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    if (!text)
        return UKIYO_ENOMEM;
    *json_out = text;
    return 0;
}

int ukiyo__deployment_find(ukiyo_store *s, const char *registry, const char *repository,
                    const char *name, deployment *d)
{
    store_deployment row;
    int err = ukiyo__store_deployment_find(s, registry, repository, name, &row);

    memset(d, 0, sizeof(*d));
    if (err == 0)
        from_row(&row, d);
    return err;
}

/* The create body of a deployment's first container. */
static char *first_container_spec(const deployment *d, const char *ref)
{
    json_t *exposed = json_object(), *bindings = json_object(), *p;
    size_t i;
    char port[16];

    json_array_foreach(d->ports, i, p) {
        snprintf(port, sizeof(port), "%lld/tcp",
                 (long long)json_integer_value(json_object_get(p, "internalPort")));
        char host[16];
        snprintf(host, sizeof(host), "%lld",
                 (long long)json_integer_value(json_object_get(p, "exportPort")));
        json_object_set_new(exposed, port, json_object());
        json_t *list = json_object_get(bindings, port);
        if (!list) {
            list = json_array();
            json_object_set_new(bindings, port, list);
        }
        json_array_append_new(list, json_pack("{s:s}", "HostPort", host));
    }
    json_t *spec = json_pack("{s:s, s:{s:s, s:s*}, s:o, s:{s:o, s:{s:s}}}", "Image", ref,
                             "Labels", UKIYO_LABEL_DEPLOYMENT, d->name, UKIYO_LABEL_SCHEDULE,
                             d->window, "ExposedPorts", exposed,
                             "HostConfig", "PortBindings", bindings, "RestartPolicy", "Name",
                             "unless-stopped");
    char *text = spec ? json_dumps(spec, JSON_COMPACT) : NULL;
    json_decref(spec);
    return text;
}

int ukiyo__deployment_create_container(ukiyo *u, const deployment *d, const char *ref)
{
    ukiyo_docker *docker = ukiyo_get_docker(u);
    ukiyo_credential *cred = NULL;
    char *spec = NULL, *id = NULL;
    int err;

    if (ukiyo_auth_lookup(&cred, ukiyo_get_auth(u), d->registry) < 0)
        ukiyo_error_clear();
    err = ukiyo_docker_image_pull(docker, ref, cred, NULL, NULL);
    ukiyo_credential_free(cred);
    if (err == 0)
        err = (spec = first_container_spec(d, ref)) ? 0 : UKIYO_ENOMEM;
    if (err == 0)
        err = ukiyo_docker_container_create(&id, docker, d->container, spec);
    if (err == 0) {
        err = ukiyo_docker_container_start(docker, id);
        if (err < 0) {
            /* A container that cannot start must not hold the name or the ports. */
            char why[512];
            snprintf(why, sizeof(why), "%s", ukiyo_error_last());
            ukiyo_docker_container_remove(docker, id, UKIYO_REMOVE_FORCE | UKIYO_REMOVE_VOLUMES);
            ukiyo__error_set(err, "%s", why);
        }
    }
    free(spec);
    ukiyo_string_free(id);
    return err;
}
