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
    return ukiyo_error_set(UKIYO_EINVAL, "deployment: %s", why);
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

int deployment_parse(const char *text, deployment *d)
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
    char *tagged = err == 0 && name ? str_printf("%s:latest", name) : NULL;
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
            err = ukiyo_error_set(UKIYO_EINVAL, "window is a cron expression, not a %s",
                                  json_is_number(window) ? "number" : "non-string");
        else if (ukiyo_cron_parse(&cron, json_string_value(window)) < 0)
            err = ukiyo_error_wrap(UKIYO_EINVAL, "window is a cron expression");
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
        d->name = str_printf("%s/%s", d->registry, d->repository);
    }
    ukiyo_image_ref_free(ref);
    json_decref(doc);
    if (err < 0)
        deployment_clear(d);
    return err;
}

void deployment_clear(deployment *d)
{
    free(d->name);
    free(d->registry);
    free(d->repository);
    free(d->container);
    free(d->window);
    json_decref(d->ports);
    memset(d, 0, sizeof(*d));
}

/* Does another deployment export one of @d's host ports? */
static int check_clashes(ukiyo_store *s, const deployment *d)
{
    sqlite3_stmt *st = NULL;
    int err = 0;

    if (sqlite3_prepare_v2(s->db, "SELECT name, ports FROM deployments WHERE name != ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return ukiyo_error_set(UKIYO_EIO, "deployments: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
    while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
        json_t *theirs = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL), *a, *b;
        size_t i, j;
        json_array_foreach(d->ports, i, a) {
            json_array_foreach(theirs, j, b) {
                if (err == 0 && json_equal(json_object_get(a, "exportPort"),
                                           json_object_get(b, "exportPort")))
                    err = ukiyo_error_set(UKIYO_ECONFLICT,
                                          "host port %lld is already exported by deployment %s",
                                          (long long)json_integer_value(
                                              json_object_get(a, "exportPort")),
                                          (const char *)sqlite3_column_text(st, 0));
            }
        }
        json_decref(theirs);
    }
    sqlite3_finalize(st);
    return err;
}

static int write_deployment(ukiyo_store *s, const deployment *d, int replace)
{
    static const char insert_sql[] =
        "INSERT INTO deployments (name, registry, repository, container, ports, scheduled_at_ms, "
        "scheduled_downtime, created_ms, updated_ms, update_window) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, ?7, ?8, ?8, ?9)";
    static const char update_sql[] =
        "UPDATE deployments SET container = ?4, ports = ?5, scheduled_at_ms = ?6, "
        "scheduled_downtime = ?7, updated_ms = ?8, update_window = ?9 WHERE name = ?1 AND "
        "registry = ?2 AND repository = ?3";
    char *ports = json_dumps(d->ports, JSON_COMPACT);
    sqlite3_stmt *st = NULL;
    int rc;

    if (!ports || sqlite3_prepare_v2(s->db, replace ? update_sql : insert_sql, -1, &st, NULL) !=
                      SQLITE_OK) {
        free(ports);
        return ukiyo_error_set(UKIYO_EIO, "deployments: %s", sqlite3_errmsg(s->db));
    }
    sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ports, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, d->scheduled_at_ms);
    sqlite3_bind_int(st, 7, d->downtime);
    sqlite3_bind_int64(st, 8, store_now_ms(s));
    sqlite3_bind_text(st, 9, d->window, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(ports);
    if (rc == SQLITE_CONSTRAINT)
        return ukiyo_error_set(UKIYO_ECONFLICT, "deployment %s (or its container %s) exists",
                               d->name, d->container);
    if (rc != SQLITE_DONE)
        return ukiyo_error_set(UKIYO_EIO, "deployments: %s", sqlite3_errmsg(s->db));
    if (replace && sqlite3_changes(s->db) == 0)
        return ukiyo_error_set(UKIYO_ENOTFOUND, "no deployment %s", d->name);
    return 0;
}

UKIYO_EXTERN int ukiyo_deployment_save(ukiyo *u, const char *json, int replace)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    deployment d;
    int err;

    if (!s)
        return ukiyo_error_set(UKIYO_EINVAL, "deployments need a store");
    err = deployment_parse(json, &d);
    if (err < 0)
        return err;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        deployment_clear(&d);
        return ukiyo_error_set(UKIYO_EIO, "deployments: %s", sqlite3_errmsg(s->db));
    }
    err = check_clashes(s, &d);
    if (err == 0)
        err = write_deployment(s, &d, replace);
    sqlite3_exec(s->db, err == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    deployment_clear(&d);
    return err;
}

UKIYO_EXTERN int ukiyo_deployment_delete(ukiyo *u, const char *name)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    if (!s || !name)
        return ukiyo_error_set(UKIYO_EINVAL, "deployment delete: no store or name");
    if (sqlite3_prepare_v2(s->db, "DELETE FROM deployments WHERE name = ?1 OR container = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return ukiyo_error_set(UKIYO_EIO, "deployments: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return ukiyo_error_set(UKIYO_EIO, "deployments: %s", sqlite3_errmsg(s->db));
    return sqlite3_changes(s->db) ? 0 : ukiyo_error_set(UKIYO_ENOTFOUND, "no deployment %.100s",
                                                        name);
}

UKIYO_EXTERN int ukiyo_deployments_json(ukiyo *u, char **json_out)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;

    if (!s || sqlite3_prepare_v2(s->db, "SELECT name, container, ports, scheduled_at_ms, "
                                        "scheduled_downtime, update_window FROM deployments "
                                        "ORDER BY name",
                                 -1, &st, NULL) != SQLITE_OK) {
        json_decref(list);
        return ukiyo_error_set(UKIYO_EIO, "deployments: cannot read");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:I, s:b, s:s?}", "name",
                            (const char *)sqlite3_column_text(st, 0), "containerName",
                            (const char *)sqlite3_column_text(st, 1), "bindingPort",
                            json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL),
                            "scheduledAt", (json_int_t)(sqlite3_column_int64(st, 3) / 1000),
                            "scheduledDowntime", sqlite3_column_int(st, 4), "window",
                            (const char *)sqlite3_column_text(st, 5)));
    sqlite3_finalize(st);
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    if (!text)
        return UKIYO_ENOMEM;
    *json_out = text;
    return 0;
}

int deployment_find(ukiyo_store *s, const char *registry, const char *repository,
                    const char *name, deployment *d)
{
    sqlite3_stmt *st = NULL;
    int err = UKIYO_ENOTFOUND;

    static const char sql[] = "SELECT name, registry, repository, container, ports, "
                              "scheduled_at_ms, scheduled_downtime, update_window FROM "
                              "deployments WHERE (registry = ?1 AND repository = ?2) OR name = ?3";

    memset(d, 0, sizeof(*d));
    if (!(st = store_statement(s, sql)))
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        d->name = strdup((const char *)sqlite3_column_text(st, 0));
        d->registry = strdup((const char *)sqlite3_column_text(st, 1));
        d->repository = strdup((const char *)sqlite3_column_text(st, 2));
        d->container = strdup((const char *)sqlite3_column_text(st, 3));
        d->ports = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        d->scheduled_at_ms = sqlite3_column_int64(st, 5);
        d->downtime = sqlite3_column_int(st, 6) != 0;
        d->window = str_dup((const char *)sqlite3_column_text(st, 7));
        err = 0;
    }
    store_statement_done(st);
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

int deployment_create_container(ukiyo *u, const deployment *d, const char *ref)
{
    ukiyo_docker *docker = ukiyo_get_docker(u);
    ukiyo_credential *cred = NULL;
    char *spec = NULL, *id = NULL;
    int err;

    if (ukiyo_auth_lookup(ukiyo_get_auth(u), &cred, d->registry) < 0)
        ukiyo_error_clear();
    err = ukiyo_docker_image_pull(docker, ref, cred, NULL, NULL);
    ukiyo_credential_free(cred);
    if (err == 0)
        err = (spec = first_container_spec(d, ref)) ? 0 : UKIYO_ENOMEM;
    if (err == 0)
        err = ukiyo_docker_container_create(docker, &id, d->container, spec);
    if (err == 0) {
        err = ukiyo_docker_container_start(docker, id);
        if (err < 0) {
            /* A container that cannot start must not hold the name or the ports. */
            char why[512];
            snprintf(why, sizeof(why), "%s", ukiyo_error_last());
            ukiyo_docker_container_remove(docker, id, UKIYO_REMOVE_FORCE | UKIYO_REMOVE_VOLUMES);
            ukiyo_error_set(err, "%s", why);
        }
    }
    free(spec);
    ukiyo_string_free(id);
    return err;
}
