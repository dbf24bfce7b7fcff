/*
 * recreate.c - from an inspect document back to a create body.
 *
 * What the engine reports merges three sources: the image's defaults, what
 * the user gave, and what the engine made up (IDs, paths, addresses). The
 * create body must hold exactly the second. Values equal to the old image's
 * defaults are taken for defaults: a user who set a variable to the image's
 * own value gets the new image's value, which is what they would get from
 * "docker run" too.
 */
#include <string.h>

#include "recreate.h"

/* Config fields whose value comes from the image unless the user gave one. */
static const char *const image_defaulted_fields[] = {
    "Cmd", "Entrypoint", "WorkingDir", "User", "StopSignal", "Shell", "OnBuild",
};

/*
 * The healthcheck's fields, which the engine merges one by one: a field the
 * user left out (zero) takes the image's. So each is the image's default
 * on its own.
 */
static const char *const healthcheck_fields[] = {
    "Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries",
};

/* Config fields the engine fills in and create must not get back. */
static const char *const engine_config_fields[] = {"ArgsEscaped", "Image"};

static json_t *image_config(const recreate_input *in)
{
    return json_object_get(in->old_image, "Config");
}

static bool is_short_id_of(const char *value, const char *id)
{
    return value && id && strlen(value) == 12 && strncmp(value, id, 12) == 0;
}

static const char *network_mode(const recreate_input *in)
{
    const char *mode = json_string_value(
        json_object_get(json_object_get(in->container, "HostConfig"), "NetworkMode"));
    return mode ? mode : "default";
}

static bool mode_shares_network(const char *mode)
{
    return strcmp(mode, "host") == 0 || strncmp(mode, "container:", 10) == 0;
}

/* Remove from array @mine the strings that @image also has. */
static void drop_strings_in(json_t *mine, json_t *image)
{
    for (size_t i = json_array_size(mine); i-- > 0;) {
        json_t *value = json_array_get(mine, i), *other;
        size_t j;
        json_array_foreach(image, j, other) {
            if (json_equal(value, other)) {
                json_array_remove(mine, i);
                break;
            }
        }
    }
}

/* Remove from object @mine the members equal to those of @image. */
static void drop_members_in(json_t *mine, json_t *image)
{
    const char *key;
    json_t *value;
    void *tmp;

    json_object_foreach_safe(mine, tmp, key, value) {
        if (json_equal(value, json_object_get(image, key)))
            json_object_del(mine, key);
    }
}

/* What is left of the healthcheck once the image's fields are taken out; none when nothing. */
static void drop_healthcheck_defaults(json_t *config, json_t *image_check)
{
    json_t *check = json_object_get(config, "Healthcheck");

    if (!json_is_object(check) || !json_is_object(image_check))
        return; /* the image has none: every field is the user's */
    for (size_t i = 0; i < ARRAY_SIZE(healthcheck_fields); i++) {
        json_t *mine = json_object_get(check, healthcheck_fields[i]);
        if (mine && json_equal(mine, json_object_get(image_check, healthcheck_fields[i])))
            json_object_del(check, healthcheck_fields[i]);
    }
    if (json_object_size(check) == 0)
        json_object_del(config, "Healthcheck");
}

static void drop_image_defaults(json_t *config, const recreate_input *in)
{
    json_t *defaults = image_config(in);

    if (!defaults)
        return; /* the old image is gone: keep everything, nothing can be told apart */
    drop_strings_in(json_object_get(config, "Env"), json_object_get(defaults, "Env"));
    drop_members_in(json_object_get(config, "Labels"), json_object_get(defaults, "Labels"));
    drop_members_in(json_object_get(config, "Volumes"), json_object_get(defaults, "Volumes"));
    drop_members_in(json_object_get(config, "ExposedPorts"),
                    json_object_get(defaults, "ExposedPorts"));
    for (size_t i = 0; i < ARRAY_SIZE(image_defaulted_fields); i++) {
        const char *field = image_defaulted_fields[i];
        if (json_equal(json_object_get(config, field), json_object_get(defaults, field)))
            json_object_del(config, field);
    }
    drop_healthcheck_defaults(config, json_object_get(defaults, "Healthcheck"));
}

/* A port binding without its ExposedPorts entry is silently not published. */
static int expose_bound_ports(json_t *config, const recreate_input *in)
{
    json_t *bindings =
        json_object_get(json_object_get(in->container, "HostConfig"), "PortBindings");
    json_t *exposed = json_object_get(config, "ExposedPorts");
    const char *port;
    json_t *value;

    if (!json_object_size(bindings))
        return 0;
    if (!json_is_object(exposed)) {
        exposed = json_object();
        if (json_object_set_new(config, "ExposedPorts", exposed) < 0)
            return UKIYO_ENOMEM;
    }
    json_object_foreach(bindings, port, value) {
        if (json_object_set_new(exposed, port, json_object()) < 0)
            return UKIYO_ENOMEM;
    }
    return 0;
}

static void drop_engine_made_identity(json_t *config, const recreate_input *in)
{
    const char *id = json_string_value(json_object_get(in->container, "Id"));
    const char *mode = network_mode(in);

    /* The engine names a container's host after its short ID; the new one gets its own.
     * Shared network namespaces take the host's or the other container's names. */
    if (mode_shares_network(mode) ||
        is_short_id_of(json_string_value(json_object_get(config, "Hostname")), id))
        json_object_del(config, "Hostname");
    if (mode_shares_network(mode))
        json_object_del(config, "Domainname");
    const char *mac = json_string_value(json_object_get(config, "MacAddress"));
    if (mac && !mac[0])
        json_object_del(config, "MacAddress");
    for (size_t i = 0; i < ARRAY_SIZE(engine_config_fields); i++)
        json_object_del(config, engine_config_fields[i]);
}

/*
 * Inspect shows links as "/target:/me/alias"; create wants "target:alias".
 * The engine follows renames, so a target ukiyo is replacing shows as
 * "target.ukiyo-old": the link is to the name, which the new one carries.
 */
static int rewrite_links(json_t *host_config)
{
    static const char old_suffix[] = ".ukiyo-old";
    json_t *links = json_object_get(host_config, "Links"), *link;
    size_t i;

    json_array_foreach(links, i, link) {
        const char *text = json_string_value(link);
        const char *colon = text ? strchr(text, ':') : NULL;
        const char *alias = colon ? strrchr(colon, '/') : NULL;
        if (!colon || !alias || text[0] != '/')
            continue;
        int target_len = (int)(colon - text - 1);
        if (target_len > (int)sizeof(old_suffix) - 1 &&
            strncmp(colon - (sizeof(old_suffix) - 1), old_suffix, sizeof(old_suffix) - 1) == 0)
            target_len -= (int)sizeof(old_suffix) - 1;
        char *rewritten = ukiyo__str_printf("%.*s:%s", target_len, text + 1, alias + 1);
        if (!rewritten || json_array_set_new(links, i, json_string(rewritten)) < 0) {
            free(rewritten);
            return UKIYO_ENOMEM;
        }
        free(rewritten);
    }
    return 0;
}

static bool destination_is_configured(json_t *host_config, const char *destination)
{
    json_t *entry;
    size_t i;

    json_array_foreach(json_object_get(host_config, "Binds"), i, entry) {
        const char *bind = json_string_value(entry);
        const char *colon = bind ? strchr(bind, ':') : NULL;
        if (colon && strncmp(colon + 1, destination, strlen(destination)) == 0 &&
            (colon[1 + strlen(destination)] == '\0' || colon[1 + strlen(destination)] == ':'))
            return true;
    }
    json_array_foreach(json_object_get(host_config, "Mounts"), i, entry) {
        const char *target = json_string_value(json_object_get(entry, "Target"));
        if (target && strcmp(target, destination) == 0)
            return true;
    }
    return false;
}

static bool volume_is_inherited(const recreate_input *in, const char *name)
{
    for (const char *const *v = in->inherited_volumes; v && *v; v++)
        if (strcmp(*v, name) == 0)
            return true;
    return false;
}

/*
 * Anonymous volumes (the image's VOLUME or a bare "-v /path") are in Mounts
 * but not in HostConfig: mount them again by name, or their data is lost.
 */
static int remount_anonymous_volumes(json_t *host_config, const recreate_input *in)
{
    json_t *mount, *binds = json_object_get(host_config, "Binds");
    size_t i;

    json_array_foreach(json_object_get(in->container, "Mounts"), i, mount) {
        const char *type = json_string_value(json_object_get(mount, "Type"));
        const char *name = json_string_value(json_object_get(mount, "Name"));
        const char *dest = json_string_value(json_object_get(mount, "Destination"));
        if (!type || strcmp(type, "volume") != 0 || !name || !dest ||
            destination_is_configured(host_config, dest) || volume_is_inherited(in, name))
            continue;
        if (!json_is_array(binds)) {
            binds = json_array();
            if (json_object_set_new(host_config, "Binds", binds) < 0)
                return UKIYO_ENOMEM;
        }
        char *bind = ukiyo__str_printf("%s:%s%s", name, dest,
                                       json_is_false(json_object_get(mount, "RW")) ? ":ro" : "");
        if (!bind || json_array_append_new(binds, json_string(bind)) < 0) {
            free(bind);
            return UKIYO_ENOMEM;
        }
        free(bind);
    }
    return 0;
}

/* The endpoint settings a user can give, without what the engine assigned. */
static json_t *endpoint_config(json_t *settings, const char *container_id, const char *name)
{
    json_t *ep = json_object();
    json_t *aliases = json_array(), *alias;
    size_t i;

    json_array_foreach(json_object_get(settings, "Aliases"), i, alias) {
        /* The engine adds the short ID as an alias; the new container has another.
         * An alias equal to the name is one start-first added: the name resolves anyway. */
        const char *text = json_string_value(alias);
        if (!is_short_id_of(text, container_id) && !(text && name && strcmp(text, name) == 0))
            json_array_append(aliases, alias);
    }
    static const char *const kept[] = {"IPAMConfig", "Links", "DriverOpts"};
    for (size_t k = 0; k < ARRAY_SIZE(kept); k++) {
        json_t *v = json_object_get(settings, kept[k]);
        if (v && !json_is_null(v))
            json_object_set(ep, kept[k], v);
    }
    if (json_array_size(aliases))
        json_object_set(ep, "Aliases", aliases);
    json_decref(aliases);
    return ep;
}

/* The network a container is created on: its NetworkMode, "default" meaning bridge. */
static const char *primary_network(const recreate_input *in)
{
    const char *mode = network_mode(in);
    return strcmp(mode, "default") == 0 ? "bridge" : mode;
}

static int build_networking(const recreate_input *in, json_t *spec, json_t *extra)
{
    const char *id = json_string_value(json_object_get(in->container, "Id"));
    const char *own = json_string_value(json_object_get(in->container, "Name"));
    const char *primary = primary_network(in);
    json_t *networks =
        json_object_get(json_object_get(in->container, "NetworkSettings"), "Networks");
    json_t *endpoints = json_object(), *settings;
    const char *name;

    if (strcmp(primary, "none") == 0 || mode_shares_network(primary)) {
        json_decref(endpoints);
        return 0;
    }
    json_object_foreach(networks, name, settings) {
        json_t *ep = endpoint_config(settings, id, own && own[0] == '/' ? own + 1 : own);
        if (in->api_minor >= 44 || strcmp(name, primary) == 0)
            json_object_set_new(endpoints, name, ep);
        else
            json_array_append_new(extra,
                                  json_pack("{s:s, s:o}", "Name", name, "EndpointConfig", ep));
    }
    return json_object_set_new(spec, "NetworkingConfig",
                               json_pack("{s:o}", "EndpointsConfig", endpoints)) < 0
               ? UKIYO_ENOMEM
               : 0;
}

/*
 * Compose 2.x recreates a container whose com.docker.compose.image is not
 * the image ID its tag gives now: say the new image, as compose would.
 */
static int relabel_compose_image(json_t *config, const recreate_input *in)
{
    json_t *labels = json_object_get(config, "Labels");

    if (!in->new_image_id || !json_object_get(labels, UKIYO_LABEL_COMPOSE_IMAGE))
        return 0;
    return json_object_set_new(labels, UKIYO_LABEL_COMPOSE_IMAGE, json_string(in->new_image_id))
               ? UKIYO_ENOMEM
               : 0;
}

static int build_config(const recreate_input *in, json_t *spec)
{
    json_t *config = json_object_get(in->container, "Config");
    const char *key;
    json_t *value;
    int err;

    json_t *copy = json_deep_copy(config);
    if (!copy || json_object_update(spec, copy) < 0) {
        json_decref(copy);
        return UKIYO_ENOMEM;
    }
    json_decref(copy);
    drop_image_defaults(spec, in);
    drop_engine_made_identity(spec, in);
    err = expose_bound_ports(spec, in);
    if (err == 0)
        err = relabel_compose_image(spec, in);
    if (err < 0)
        return err;
    /* Leave out what ended up empty, so the engine does not see explicit nulls. */
    void *tmp;
    json_object_foreach_safe(spec, tmp, key, value) {
        if (json_is_null(value) || (json_is_object(value) && !json_object_size(value)))
            json_object_del(spec, key);
    }
    return json_object_set_new(spec, "Image", json_string(in->image_ref)) < 0 ? UKIYO_ENOMEM : 0;
}

int ukiyo__recreate_spec(const recreate_input *in, json_t **spec_out, json_t **extra_networks_out)
{
    json_t *spec = json_object(), *extra = json_array(), *host_config;
    int err;

    if (!json_is_object(json_object_get(in->container, "Config")) ||
        !json_is_object(json_object_get(in->container, "HostConfig")) || !in->image_ref)
        err = ukiyo__error_set(UKIYO_EINVAL, "not a container's inspect document");
    else
        err = build_config(in, spec);
    if (err == 0) {
        host_config = json_deep_copy(json_object_get(in->container, "HostConfig"));
        err = host_config && json_object_set_new(spec, "HostConfig", host_config) == 0
                  ? 0
                  : UKIYO_ENOMEM;
    }
    if (err == 0)
        err = rewrite_links(json_object_get(spec, "HostConfig"));
    if (err == 0)
        err = remount_anonymous_volumes(json_object_get(spec, "HostConfig"), in);
    if (err == 0)
        err = build_networking(in, spec, extra);
    if (err < 0) {
        json_decref(spec);
        json_decref(extra);
        return err;
    }
    *spec_out = spec;
    *extra_networks_out = extra;
    return 0;
}
