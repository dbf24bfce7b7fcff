/*
 * manager_order.c - dependencies between containers, and an update order
 * that puts each container after what it depends on (a depth-first
 * topological sort that reports the first cycle it meets).
 */
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "manager_private.h"

typedef struct {
    char *name;
    json_t *doc;
    int state; /* 0 unvisited, 1 on the current path, 2 done */
} order_node;

typedef struct {
    order_node *nodes;
    size_t count;
    ukiyo_string_list *out;
    strbuf path; /* the names on the current path, for the cycle message */
} order_graph;

static order_node *node_by_name(order_graph *g, const char *name)
{
    for (size_t i = 0; i < g->count; i++)
        if (strcmp(g->nodes[i].name, name) == 0)
            return &g->nodes[i];
    return NULL;
}

static order_node *node_by_id_or_name(order_graph *g, const char *ref)
{
    for (size_t i = 0; i < g->count; i++) {
        const char *id = json_string_value(json_object_get(g->nodes[i].doc, "Id"));
        if (strcmp(g->nodes[i].name, ref) == 0 || (id && strcmp(id, ref) == 0))
            return &g->nodes[i];
    }
    return NULL;
}

static const char *label(json_t *doc, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(doc, "Config"), "Labels"), key));
}

/* The compose service @service of @doc's project, among the nodes. */
static order_node *compose_service(order_graph *g, json_t *doc, const char *service, size_t len)
{
    const char *project = label(doc, UKIYO_LABEL_COMPOSE_PROJECT);

    for (size_t i = 0; project && i < g->count; i++) {
        const char *p = label(g->nodes[i].doc, UKIYO_LABEL_COMPOSE_PROJECT);
        const char *s = label(g->nodes[i].doc, UKIYO_LABEL_COMPOSE_SERVICE);
        if (p && s && strcmp(p, project) == 0 && strlen(s) == len && strncmp(s, service, len) == 0)
            return &g->nodes[i];
    }
    return NULL;
}

static int visit(order_graph *g, order_node *n);

static int visit_named(order_graph *g, order_node *dep)
{
    return dep ? visit(g, dep) : 0;
}

/* Each comma-separated item of @list, up to the first ':' of the item. */
static int visit_list(order_graph *g, order_node *n, const char *list, bool compose)
{
    const char *p = list;

    while (p && *p) {
        size_t len = strcspn(p, ",");
        size_t name_len = strcspn(p, ",:");
        if (name_len > len)
            name_len = len;
        char *name = strndup(p, name_len);
        if (!name)
            return UKIYO_ENOMEM;
        int err = visit_named(g, compose ? compose_service(g, n->doc, name, name_len)
                                         : node_by_name(g, name));
        free(name);
        if (err < 0)
            return err;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/*
 * Compose 1.x writes no depends_on label: the project's files say it, where
 * they can be read here (not, say, from a container without the project's
 * directory: then only what the engine knows orders it).
 */
static int visit_compose_files(order_graph *g, order_node *n)
{
    ukiyo_string_list deps = {0};
    compose_origin o;
    int err = ukiyo__compose_origin_read(&o, json_object_get(json_object_get(n->doc, "Config"),
                                                             "Labels"));

    if (err == UKIYO_ENOTFOUND)
        return 0;
    if (err == 0)
        err = ukiyo__compose_service_dependencies(&deps, &o);
    if (err == UKIYO_ENOTFOUND) {
        log_debug("%s: no order from its compose files: %s", n->name, ukiyo_error_last());
        ukiyo_error_clear();
        err = 0;
    }
    for (size_t i = 0; err == 0 && i < deps.count; i++)
        err = visit_named(g, compose_service(g, n->doc, deps.items[i], strlen(deps.items[i])));
    for (size_t i = 0; i < deps.count; i++)
        free(deps.items[i]);
    free(deps.items);
    ukiyo__compose_origin_clear(&o);
    return err;
}

static int visit_dependencies(order_graph *g, order_node *n)
{
    json_t *host_config = json_object_get(n->doc, "HostConfig"), *item;
    const char *mode = json_string_value(json_object_get(host_config, "NetworkMode"));
    size_t i;
    int err = 0;

    if (mode && strncmp(mode, "container:", 10) == 0)
        err = visit_named(g, node_by_id_or_name(g, mode + 10));
    json_array_foreach(json_object_get(host_config, "Links"), i, item) {
        const char *link = json_string_value(item); /* "/target:/me/alias" */
        if (err == 0 && link && link[0] == '/')
            err = visit_list(g, n, link + 1, false);
    }
    json_array_foreach(json_object_get(host_config, "VolumesFrom"), i, item) {
        if (err == 0 && json_is_string(item))
            err = visit_list(g, n, json_string_value(item), false);
    }
    if (err == 0)
        err = visit_list(g, n, label(n->doc, UKIYO_LABEL_DEPENDS_ON), false);
    if (err == 0 && label(n->doc, UKIYO_LABEL_COMPOSE_DEPENDS_ON))
        err = visit_list(g, n, label(n->doc, UKIYO_LABEL_COMPOSE_DEPENDS_ON), true);
    else if (err == 0)
        err = visit_compose_files(g, n);
    return err;
}

static int visit(order_graph *g, order_node *n)
{
    size_t path_len = g->path.len;
    int err;

    if (n->state == 2)
        return 0;
    if (n->state == 1) {
        ukiyo__strbuf_append(&g->path, n->name, strlen(n->name));
        return ukiyo__error_set(UKIYO_ECONFLICT, "dependency cycle: %s", g->path.data);
    }
    n->state = 1;
    ukiyo__strbuf_append(&g->path, n->name, strlen(n->name));
    ukiyo__strbuf_append(&g->path, " -> ", 4);
    err = visit_dependencies(g, n);
    if (err < 0)
        return err;
    g->path.len = path_len;
    if (g->path.data)
        g->path.data[path_len] = '\0';
    n->state = 2;
    return ukiyo__string_list_append(g->out, n->name);
}

static int load_nodes(ukiyo *u, order_graph *g, const char *const *names, size_t count)
{
    g->nodes = calloc(count ? count : 1, sizeof(*g->nodes));
    if (!g->nodes)
        return UKIYO_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (ukiyo__is_service_name(names[i]))
            continue; /* not a container: ukiyo_update_order puts it last */
        order_node *n = &g->nodes[g->count];
        int err = ukiyo__docker_inspect_container_json(ukiyo_get_docker(u), names[i], &n->doc);
        if (err < 0)
            return err;
        g->count++;
        const char *name = json_string_value(json_object_get(n->doc, "Name"));
        n->name = strdup(name && name[0] == '/' ? name + 1 : names[i]);
        if (!n->name)
            return UKIYO_ENOMEM;
    }
    return 0;
}

UKIYO_EXTERN int ukiyo_update_order(ukiyo_string_list **out, ukiyo *u, const char *const *names,
                                    size_t count)
{
    order_graph g = {0};
    int err;

    if (!u || (!names && count) || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "update order: NULL argument");
    g.out = calloc(1, sizeof(*g.out));
    err = g.out ? load_nodes(u, &g, names, count) : UKIYO_ENOMEM;
    for (size_t i = 0; err == 0 && i < g.count; i++)
        err = visit(&g, &g.nodes[i]);
    /* Swarm services depend on no container here: after them, in the order given. */
    for (size_t i = 0; err == 0 && i < count; i++)
        if (ukiyo__is_service_name(names[i]))
            err = ukiyo__string_list_append(g.out, names[i]);
    for (size_t i = 0; i < g.count; i++) {
        free(g.nodes[i].name);
        json_decref(g.nodes[i].doc);
    }
    free(g.nodes);
    ukiyo__strbuf_free(&g.path);
    if (err < 0) {
        ukiyo_string_list_free(g.out);
        return err;
    }
    *out = g.out;
    return 0;
}
