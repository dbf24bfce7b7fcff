/*
 * auth.c - credentials: added sources first, then Docker's config.json.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_helper.h"
#include "internal.h"

/* Docker's clients key Docker Hub credentials by this URL. */
#define DOCKER_HUB_CONFIG_KEY "https://index.docker.io/v1/"

typedef struct credential_source {
    ukiyo_credential_source_fn fn;
    void *payload;
    struct credential_source *next;
} credential_source;

struct ukiyo_auth {
    char *config_path; /* NULL: Docker's config is not read */
    credential_source *sources;
};

static char *default_config_dir(void)
{
    const char *dir = getenv("DOCKER_CONFIG");
    const char *home = getenv("HOME");

    if (dir && dir[0])
        return strdup(dir);
    return ukiyo__str_printf("%s/.docker", home && home[0] ? home : "/root");
}

UKIYO_EXTERN int ukiyo_auth_new(ukiyo_auth **out, const ukiyo_auth_options *opts)
{
    ukiyo_auth *a;

    UKIYO__CHECK_VERSION(opts, UKIYO_AUTH_OPTIONS_VERSION, "ukiyo_auth_options");
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_auth_new: out is NULL");
    a = calloc(1, sizeof(*a));
    if (!a)
        return UKIYO_ENOMEM;
    if (!opts || !opts->ignore_docker_config) {
        char *dir = opts && opts->docker_config_dir ? strdup(opts->docker_config_dir)
                                                    : default_config_dir();
        a->config_path = dir ? ukiyo__str_printf("%s/config.json", dir) : NULL;
        free(dir);
        if (!a->config_path) {
            free(a);
            return UKIYO_ENOMEM;
        }
    }
    *out = a;
    return 0;
}

UKIYO_EXTERN void ukiyo_auth_free(ukiyo_auth *a)
{
    if (!a)
        return;
    while (a->sources) {
        credential_source *next = a->sources->next;
        free(a->sources);
        a->sources = next;
    }
    free(a->config_path);
    free(a);
}

UKIYO_EXTERN int ukiyo_auth_add_source(ukiyo_auth *a, ukiyo_credential_source_fn fn, void *payload)
{
    credential_source *s = calloc(1, sizeof(*s));

    if (!s)
        return UKIYO_ENOMEM;
    s->fn = fn;
    s->payload = payload;
    s->next = a->sources;
    a->sources = s;
    return 0;
}

/* "https://host:5000/v1/" and "host:5000" both name "host:5000". */
static char *config_key_host(const char *key)
{
    const char *start = key;

    if (ukiyo__str_has_prefix(start, "https://"))
        start += 8;
    else if (ukiyo__str_has_prefix(start, "http://"))
        start += 7;
    return strndup(start, strcspn(start, "/"));
}

static bool is_docker_hub(const char *host)
{
    return strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0 ||
           strcmp(host, "registry-1.docker.io") == 0;
}

static bool config_key_matches(const char *key, const char *registry)
{
    char *host = config_key_host(key);
    bool match;

    if (!host)
        return false;
    match = strcmp(host, registry) == 0 || (is_docker_hub(host) && is_docker_hub(registry));
    free(host);
    return match;
}

/* Find the member of @object whose key names @registry. */
static json_t *config_lookup(json_t *object, const char *registry)
{
    const char *key;
    json_t *value;

    json_object_foreach(object, key, value) {
        if (config_key_matches(key, registry))
            return value;
    }
    return NULL;
}

static int credential_from_auths_entry(ukiyo_credential **out, const char *registry, json_t *entry)
{
    const char *encoded = json_string_value(json_object_get(entry, "auth"));
    const char *user = json_string_value(json_object_get(entry, "username"));
    const char *pass = json_string_value(json_object_get(entry, "password"));
    const char *token = json_string_value(json_object_get(entry, "identitytoken"));
    char *decoded = NULL;
    int err;

    if (encoded && encoded[0]) {
        size_t len;
        decoded = (char *)ukiyo__base64_decode(encoded, &len);
        char *colon = decoded ? strchr(decoded, ':') : NULL;
        if (!colon) {
            ukiyo__str_free_secret(decoded);
            return ukiyo__error_set(UKIYO_EINVAL,
                                    "config.json: the \"auth\" entry for %s is not base64 of "
                                    "user:password",
                                    registry);
        }
        *colon = '\0';
        user = decoded;
        pass = colon + 1;
    }
    if (token && token[0])
        err = ukiyo_credential_new(out, registry, user, NULL, token);
    else if (user && user[0])
        err = ukiyo_credential_new(out, registry, user, pass ? pass : "", NULL);
    else
        err = UKIYO_ENOTFOUND;
    ukiyo__str_free_secret(decoded);
    return err;
}

static int lookup_docker_config(ukiyo_auth *a, ukiyo_credential **out, const char *registry)
{
    json_error_t jerr;
    json_t *config, *helper, *entry;
    const char *store;
    int err = UKIYO_ENOTFOUND;

    if (!a->config_path || access(a->config_path, F_OK) != 0)
        return UKIYO_ENOTFOUND;
    config = json_load_file(a->config_path, 0, &jerr);
    if (!config)
        return ukiyo__error_set(UKIYO_EIO, "cannot read %s: %s (line %d)", a->config_path,
                                jerr.text, jerr.line);
    const char *helper_url = is_docker_hub(registry) ? DOCKER_HUB_CONFIG_KEY : registry;
    helper = config_lookup(json_object_get(config, "credHelpers"), registry);
    entry = config_lookup(json_object_get(config, "auths"), registry);
    store = json_string_value(json_object_get(config, "credsStore"));
    if (json_is_string(helper))
        err = ukiyo__credential_helper_get(out, json_string_value(helper), helper_url, registry);
    else if (entry)
        err = credential_from_auths_entry(out, registry, entry);
    if (err == UKIYO_ENOTFOUND && !json_is_string(helper) && store && store[0])
        err = ukiyo__credential_helper_get(out, store, helper_url, registry);
    json_decref(config);
    return err;
}

UKIYO_EXTERN int ukiyo_auth_lookup(ukiyo_credential **out, ukiyo_auth *a, const char *registry)
{
    int err;

    if (!a || !out || !registry)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_auth_lookup: NULL argument");
    for (credential_source *s = a->sources; s; s = s->next) {
        err = s->fn(out, registry, s->payload);
        if (err != UKIYO_ENOTFOUND)
            return err;
    }
    err = lookup_docker_config(a, out, registry);
    if (err == UKIYO_ENOTFOUND)
        ukiyo__error_set(err, "no credential for %s", registry);
    return err;
}

UKIYO_EXTERN int ukiyo_auth_options_init(ukiyo_auth_options *opts, unsigned int version)
{
    static const ukiyo_auth_options template = UKIYO_AUTH_OPTIONS_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version, UKIYO_AUTH_OPTIONS_VERSION,
                               "ukiyo_auth_options");
}

ukiyo_credential *ukiyo__auth_lookup_image(ukiyo_auth *auth, const char *image)
{
    ukiyo_image_ref *ref = NULL;
    ukiyo_credential *cred = NULL;

    if (ukiyo_image_ref_parse(&ref, image) == 0 &&
        ukiyo_auth_lookup(&cred, auth, ukiyo_image_ref_registry(ref)) < 0)
        cred = NULL;
    ukiyo_error_clear();
    ukiyo_image_ref_free(ref);
    return cred;
}
