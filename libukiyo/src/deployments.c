/*
 * deployments.c - the seed's scheduled deployments: validation, port
 * clashes, the store, and creating a deployment's container.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "deployments_private.h"

#define PORT_MAX 65535
#define SCHEDULED_AT_MAX_MS (32503680000LL * 1000) /* the year 3000 */

static int bad(const char *why)
{
    return ukiyo__error_set(UKIYO_EINVAL, "deployment: %s", why);
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

/* Version 1's binding, before host_ip. */
typedef struct {
    int host_port;
    int container_port;
} port_binding_v1;

static ukiyo_port_binding binding_at(const ukiyo_deployment_spec *spec, size_t i)
{
    if (spec->version < 2) {
        const port_binding_v1 *v1 = (const port_binding_v1 *)(const void *)spec->ports;
        return (ukiyo_port_binding){v1[i].host_port, v1[i].container_port, NULL};
    }
    return spec->ports[i];
}

/* @text as an address in its canonical form into @out; false when it is not an IP literal. */
static bool host_ip_of(const char *text, char out[INET6_ADDRSTRLEN])
{
    unsigned char addr[sizeof(struct in6_addr)];
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;

    return inet_pton(family, text, addr) == 1 && inet_ntop(family, addr, out, INET6_ADDRSTRLEN);
}

/* Every address of its family ("0.0.0.0", "::"), or every address at all (none given). */
static bool is_any_address(const char *ip)
{
    return !ip || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

/*
 * Do two stored bindings want the same host socket? The same port on the
 * same address, or on an address and every address of its family (or on
 * every address at all, as the engine binds a binding without one).
 */
static bool bindings_clash(json_t *a, json_t *b)
{
    const char *ia = json_string_value(json_object_get(a, "hostIp"));
    const char *ib = json_string_value(json_object_get(b, "hostIp"));

    if (!json_equal(json_object_get(a, "exportPort"), json_object_get(b, "exportPort")))
        return false;
    if (!ia || !ib || strcmp(ia, ib) == 0)
        return true;
    bool v6a = strchr(ia, ':') != NULL, v6b = strchr(ib, ':') != NULL;
    return v6a == v6b && (is_any_address(ia) || is_any_address(ib));
}

/* "8080" or "127.0.0.1:8080" or "[::1]:8080": a stored binding's host side, for messages. */
static void host_side_text(json_t *binding, char *buf, size_t size)
{
    const char *ip = json_string_value(json_object_get(binding, "hostIp"));
    long long port = (long long)json_integer_value(json_object_get(binding, "exportPort"));

    if (!ip)
        snprintf(buf, size, "%lld", port);
    else
        snprintf(buf, size, strchr(ip, ':') ? "[%s]:%lld" : "%s:%lld", ip, port);
}

/* The bindings as the store keeps them: [{exportPort, internalPort, hostIp?}]. */
static int ports_of(const ukiyo_deployment_spec *spec, json_t **out)
{
    if (spec->port_count && !spec->ports)
        return bad("port_count without ports");
    json_t *ports = json_array();
    for (size_t i = 0; i < spec->port_count; i++) {
        ukiyo_port_binding b = binding_at(spec, i);
        char ip[INET6_ADDRSTRLEN] = "", side[80];
        int err = 0;
        if (b.host_port < 1 || b.host_port > PORT_MAX || b.container_port < 1 ||
            b.container_port > PORT_MAX)
            err = bad("host and container ports are port numbers (1-65535)");
        else if (b.host_ip && b.host_ip[0] && !host_ip_of(b.host_ip, ip))
            err = ukiyo__error_set(UKIYO_EINVAL,
                                   "deployment: host address %s is not an IPv4 or IPv6 address",
                                   b.host_ip);
        json_t *binding =
            json_pack("{s:i, s:i}", "exportPort", b.host_port, "internalPort", b.container_port);
        if (ip[0])
            json_object_set_new(binding, "hostIp", json_string(ip));
        size_t j;
        json_t *earlier;
        json_array_foreach(ports, j, earlier) {
            if (err == 0 && bindings_clash(earlier, binding)) {
                host_side_text(binding, side, sizeof(side));
                err =
                    ukiyo__error_set(UKIYO_EINVAL, "deployment: host port %s is given twice", side);
            }
        }
        json_array_append_new(ports, binding);
        if (err < 0) {
            json_decref(ports);
            return err;
        }
    }
    *out = ports;
    return 0;
}

static int window_of(const char *text, char **out)
{
    ukiyo_cron *cron = NULL;

    *out = NULL;
    if (!text)
        return 0;
    int err = ukiyo_cron_parse(&cron, text);
    ukiyo_cron_free(cron);
    if (err < 0)
        return ukiyo__error_wrap(UKIYO_EINVAL, "window is a cron expression");
    return (*out = strdup(text)) ? 0 : UKIYO_ENOMEM;
}

/* Check @spec and make the deployment it describes (ukiyo__deployment_clear frees). */
static int deployment_from_spec(const ukiyo_deployment_spec *spec, deployment *d)
{
    ukiyo_image_ref *ref = NULL;
    int err = 0;

    memset(d, 0, sizeof(*d));
    UKIYO__CHECK_VERSION(spec, UKIYO_DEPLOYMENT_SPEC_VERSION, "ukiyo_deployment_spec");
    if (!spec || !spec->repository || !spec->repository[0])
        return bad("the repository is required");
    char *tagged = ukiyo__str_printf("%s:latest", spec->repository);
    if (!tagged)
        return UKIYO_ENOMEM;
    if (strchr(spec->repository, '@') || ukiyo_image_ref_parse(&ref, tagged) < 0)
        err = bad("the repository is one without tag or digest, like "
                  "registry.example.com/team/app");
    free(tagged);
    if (err == 0 && (spec->scheduled_at_ms < 0 || spec->scheduled_at_ms > SCHEDULED_AT_MAX_MS))
        err = bad("the scheduled time is out of range");
    if (err == 0)
        err = ports_of(spec, &d->ports);
    if (err == 0)
        err = window_of(spec->window, &d->window);
    if (err == 0) {
        const char *repo = ukiyo_image_ref_repository(ref);
        const char *last = strrchr(repo, '/');
        d->container = strdup(spec->container ? spec->container : last ? last + 1 : repo);
        if (!d->container)
            err = UKIYO_ENOMEM;
        else if (!container_name_valid(d->container))
            err = bad("a container name is letters, digits and _ . -");
    }
    if (err == 0) {
        d->registry = strdup(ukiyo_image_ref_registry(ref));
        d->repository = strdup(ukiyo_image_ref_repository(ref));
        d->name = ukiyo__str_printf("%s/%s", d->registry, d->repository);
        d->scheduled_at_ms = spec->scheduled_at_ms;
        d->downtime = spec->scheduled_downtime != 0;
    }
    ukiyo_image_ref_free(ref);
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
    *row = (store_deployment){.name = d->name,
                              .registry = d->registry,
                              .repository = d->repository,
                              .container = d->container,
                              .ports = json_dumps(d->ports, JSON_COMPACT),
                              .scheduled_at_ms = d->scheduled_at_ms,
                              .downtime = d->downtime,
                              .window = d->window};
    return row->ports ? 0 : UKIYO_ENOMEM;
}

/* Takes @row's strings. */
static void from_row(store_deployment *row, deployment *d)
{
    *d = (deployment){.name = row->name,
                      .registry = row->registry,
                      .repository = row->repository,
                      .container = row->container,
                      .ports = json_loads(row->ports ? row->ports : "[]", 0, NULL),
                      .scheduled_at_ms = row->scheduled_at_ms,
                      .downtime = row->downtime,
                      .window = row->window};
    free(row->ports);
    memset(row, 0, sizeof(*row));
}

/* Does another deployment export one of @d's host ports on the same address? */
static int check_clashes(const deployment *d, const store_deployment *others, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        if (strcmp(others[k].name, d->name) == 0)
            continue;
        json_t *theirs = json_loads(others[k].ports, 0, NULL), *a, *b;
        size_t i, j;
        int err = 0;
        char side[80];
        json_array_foreach(d->ports, i, a) {
            json_array_foreach(theirs, j, b) {
                if (err == 0 && bindings_clash(a, b)) {
                    host_side_text(b, side, sizeof(side));
                    err = ukiyo__error_set(UKIYO_ECONFLICT,
                                           "host port %s is already exported by deployment %s",
                                           side, others[k].name);
                }
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

UKIYO_EXTERN int ukiyo_deployment_save(ukiyo *u, const ukiyo_deployment_spec *spec, int replace)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    deployment d;
    int err;

    if (!s)
        return ukiyo__error_set(UKIYO_EINVAL, "deployments need a store");
    err = deployment_from_spec(spec, &d);
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

struct ukiyo_deployment {
    store_deployment row;
    json_t *port_doc; /* holds the host_ip strings of ports */
    ukiyo_port_binding *ports;
    size_t port_count;
};

struct ukiyo_deployment_list {
    ukiyo_deployment *items;
    size_t count;
};

/* Takes @row's strings. */
static int deployment_from_row(ukiyo_deployment *d, store_deployment *row)
{
    json_t *ports = json_loads(row->ports ? row->ports : "[]", 0, NULL), *p;
    size_t i;

    d->row = *row;
    memset(row, 0, sizeof(*row));
    d->ports = calloc(json_array_size(ports) + 1, sizeof(*d->ports));
    if (!d->ports) {
        json_decref(ports);
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    }
    json_array_foreach(ports, i, p) {
        d->ports[i].host_port = (int)json_integer_value(json_object_get(p, "exportPort"));
        d->ports[i].container_port = (int)json_integer_value(json_object_get(p, "internalPort"));
        d->ports[i].host_ip = json_string_value(json_object_get(p, "hostIp"));
    }
    d->port_count = json_array_size(ports);
    d->port_doc = ports;
    return 0;
}

UKIYO_EXTERN int ukiyo_deployments_list(ukiyo_deployment_list **out, ukiyo *u)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    store_deployment *rows = NULL;
    size_t count = 0;

    if (!s || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "deployments need a store");
    int err = ukiyo__store_deployments_list(s, &rows, &count);
    if (err < 0)
        return err;
    ukiyo_deployment_list *list = calloc(1, sizeof(*list));
    if (list)
        list->items = calloc(count ? count : 1, sizeof(*list->items));
    err = list && list->items ? 0 : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    for (size_t i = 0; err == 0 && i < count; i++, list->count++)
        err = deployment_from_row(&list->items[i], &rows[i]);
    ukiyo__store_deployments_free(rows, count);
    if (err < 0) {
        ukiyo_deployment_list_free(list);
        return err;
    }
    *out = list;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_deployment_list_count(const ukiyo_deployment_list *list)
{
    return list ? list->count : 0;
}

UKIYO_EXTERN const ukiyo_deployment *ukiyo_deployment_list_get(const ukiyo_deployment_list *list,
                                                               size_t index)
{
    return list && index < list->count ? &list->items[index] : NULL;
}

UKIYO_EXTERN void ukiyo_deployment_list_free(ukiyo_deployment_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        ukiyo__store_deployment_clear(&list->items[i].row);
        free(list->items[i].ports);
        json_decref(list->items[i].port_doc);
    }
    free(list->items);
    free(list);
}

UKIYO_EXTERN const char *ukiyo_deployment_name(const ukiyo_deployment *d)
{
    return d->row.name;
}

UKIYO_EXTERN const char *ukiyo_deployment_container(const ukiyo_deployment *d)
{
    return d->row.container;
}

UKIYO_EXTERN size_t ukiyo_deployment_port_count(const ukiyo_deployment *d)
{
    return d->port_count;
}

UKIYO_EXTERN ukiyo_port_binding ukiyo_deployment_port(const ukiyo_deployment *d, size_t index)
{
    ukiyo_port_binding none = {0, 0, NULL};
    return index < d->port_count ? d->ports[index] : none;
}

UKIYO_EXTERN int64_t ukiyo_deployment_scheduled_at_ms(const ukiyo_deployment *d)
{
    return d->row.scheduled_at_ms;
}

UKIYO_EXTERN int ukiyo_deployment_scheduled_downtime(const ukiyo_deployment *d)
{
    return d->row.downtime;
}

UKIYO_EXTERN const char *ukiyo_deployment_window(const ukiyo_deployment *d)
{
    return d->row.window;
}

UKIYO_EXTERN int ukiyo_deployment_json(char **json_out, const ukiyo_deployment *d)
{
    if (!json_out || !d)
        return ukiyo__error_set(UKIYO_EINVAL, "deployment: NULL argument");
    json_t *ports = json_array();
    for (size_t i = 0; i < d->port_count; i++)
        json_array_append_new(ports,
                              json_pack("{s:i, s:i, s:s*}", "exportPort", d->ports[i].host_port,
                                        "internalPort", d->ports[i].container_port, "hostIp",
                                        d->ports[i].host_ip));
    json_t *doc = json_pack("{s:s, s:s, s:o, s:I, s:b, s:s?}", "name", d->row.name, "containerName",
                            d->row.container, "bindingPort", ports, "scheduledAt",
                            (json_int_t)(d->row.scheduled_at_ms / 1000), "scheduledDowntime",
                            d->row.downtime, "window", d->row.window);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

UKIYO_EXTERN int ukiyo_deployment_spec_init(ukiyo_deployment_spec *spec, unsigned int version)
{
    static const ukiyo_deployment_spec template = UKIYO_DEPLOYMENT_SPEC_INIT;

    return ukiyo__options_init(spec, sizeof(*spec), &template, version,
                               UKIYO_DEPLOYMENT_SPEC_VERSION, "ukiyo_deployment_spec");
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
        json_array_append_new(list, json_pack("{s:s, s:s?}", "HostPort", host, "HostIp",
                                              json_string_value(json_object_get(p, "hostIp"))));
    }
    json_t *spec = json_pack("{s:s, s:{s:s, s:s*}, s:o, s:{s:o, s:{s:s}}}", "Image", ref, "Labels",
                             UKIYO_LABEL_DEPLOYMENT, d->name, UKIYO_LABEL_SCHEDULE, d->window,
                             "ExposedPorts", exposed, "HostConfig", "PortBindings", bindings,
                             "RestartPolicy", "Name", "unless-stopped");
    char *text = spec ? json_dumps(spec, JSON_COMPACT) : NULL;
    json_decref(spec);
    return text;
}

/* The first container of a deployment is a fact of its history too. */
static void record_creation(ukiyo *u, const deployment *d, const char *ref, const char *id)
{
    ukiyo_image_info *image = NULL;
    if (ukiyo_docker_image_inspect(&image, ukiyo_get_docker(u), ref) < 0)
        ukiyo_error_clear();
    journal_entry e = {
        .container = d->container,
        .kind = "create",
        .strategy = "",
        .image_ref = (char *)ref,
        .old_container_id = "",
        .old_image_id = "",
        .new_image_id = (char *)(image ? ukiyo_image_info_id(image) : NULL),
    };
    (void)id;
    if (ukiyo__journal_record(ukiyo_get_store(u), &e, "created",
                              "the deployment's first container") < 0) {
        log_warning("%s: its creation could not be recorded: %s", d->container, ukiyo_error_last());
        ukiyo_error_clear();
    }
    ukiyo_image_info_free(image);
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
    if (err == 0)
        record_creation(u, d, ref, id);
    free(spec);
    ukiyo_string_free(id);
    return err;
}
