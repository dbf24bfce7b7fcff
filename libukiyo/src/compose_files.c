/*
 * compose_files.c - what a service depends on, read from the project's
 * compose files with libyaml (compose 1.x writes no depends_on label).
 * Only the keys that order services are read: depends_on (a list or a
 * mapping), links, network_mode "service:X" and volumes_from (a service,
 * not "container:X"). Several files count together, as compose merges
 * them; what `extends` brings in is not followed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "compose.h"

static const char *scalar(yaml_document_t *doc, yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static yaml_node_t *member(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* Add the service @name names (up to @stop, one of its separators) unless listed already. */
static int add(ukiyo_string_list *out, const char *name, const char *stop)
{
    size_t len = strcspn(name, stop);
    char item[256];

    if (len == 0 || len >= sizeof(item))
        return 0;
    memcpy(item, name, len);
    item[len] = '\0';
    for (size_t i = 0; i < out->count; i++)
        if (strcmp(out->items[i], item) == 0)
            return 0;
    return ukiyo__string_list_append(out, item);
}

/* Each item of a list (scalars), or each key of a mapping. */
static int add_each(ukiyo_string_list *out, yaml_document_t *doc, yaml_node_t *node,
                    const char *stop)
{
    int err = 0;

    if (node && node->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = node->data.sequence.items.start;
             err == 0 && i < node->data.sequence.items.top; i++) {
            const char *v = scalar(doc, yaml_document_get_node(doc, *i));
            if (v && strncmp(v, "container:", 10) != 0)
                err = add(out, v, stop);
        }
    } else if (node && node->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
             err == 0 && p < node->data.mapping.pairs.top; p++) {
            const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
            if (k)
                err = add(out, k, stop);
        }
    }
    return err;
}

static int read_service(ukiyo_string_list *out, yaml_document_t *doc, yaml_node_t *service)
{
    const char *mode = scalar(doc, member(doc, service, "network_mode"));
    int err = add_each(out, doc, member(doc, service, "depends_on"), "");

    if (err == 0)
        err = add_each(out, doc, member(doc, service, "links"), ":");
    if (err == 0)
        err = add_each(out, doc, member(doc, service, "volumes_from"), ":");
    if (err == 0 && mode && strncmp(mode, "service:", 8) == 0)
        err = add(out, mode + 8, "");
    return err;
}

static int read_file(ukiyo_string_list *out, const char *path, const char *service)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    FILE *f = fopen(path, "rb");
    int err = 0;

    if (!f)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "cannot read compose file %s: %s", path,
                                strerror(errno));
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return UKIYO_ENOMEM;
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        err = ukiyo__error_set(UKIYO_EINVAL, "compose file %s: line %zu: %s", path,
                               parser.problem_mark.line + 1,
                               parser.problem ? parser.problem : "not YAML");
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        yaml_node_t *services = member(&doc, root, "services");
        if (root && root->type != YAML_MAPPING_NODE)
            err = ukiyo__error_set(UKIYO_EINVAL, "compose file %s is not a mapping", path);
        else if (!services && !member(&doc, root, "version")) /* compose 1's version-1 files */
            services = root;
        if (err == 0)
            err = read_service(out, &doc, member(&doc, services, service));
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return err;
}

int ukiyo__compose_service_dependencies(ukiyo_string_list *out, const compose_origin *o)
{
    int err = 0;

    for (size_t i = 0; err == 0 && i < o->config_files_count; i++)
        err = read_file(out, o->config_files[i], o->service);
    return err;
}
