/*
 * push_formats.c - one reader per registry's webhook, and the table that
 * picks one from the headers and the body's shape. ../shared/REFERENCE.md
 * has the payloads.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "push_private.h"

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* json_object_get through a path of keys. */
static json_t *dig(json_t *v, const char *const *path)
{
    for (; *path && v; path++)
        v = json_object_get(v, *path);
    return v;
}

static int malformed(const char *format, const char *what)
{
    return ukiyo__error_set(UKIYO_EINVAL, "webhook (%s): %s", format, what);
}

/* ---- Docker Hub ------------------------------------------------------ */

static bool is_dockerhub(const ukiyo_push_request *req, json_t *b)
{
    return json_is_object(json_object_get(b, "push_data")) &&
           json_is_object(json_object_get(b, "repository"));
}

static int read_dockerhub(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    /* Official images have repo_name "nginx": the image module makes it library/nginx. */
    const char *repo = str(json_object_get(b, "repository"), "repo_name");
    const char *tag = str(json_object_get(b, "push_data"), "tag");
    int err;

    if (!repo || !tag)
        return malformed("dockerhub", "repository.repo_name and push_data.tag are required");
    err = ukiyo__push_add(ev, "docker.io", repo, tag, NULL);
    return err < 0 ? err : ukiyo__push_set_callback(ev, str(b, "callback_url"));
}

/* ---- CNCF distribution, and Azure ACR (the same event, no envelope) --- */

static bool is_manifest_type(const char *media_type)
{
    static const char *const manifests[] = {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    };
    for (size_t i = 0; media_type && i < ARRAY_SIZE(manifests); i++)
        if (strcmp(media_type, manifests[i]) == 0)
            return true;
    return false;
}

/* One distribution-shaped event: only a tagged manifest push counts. */
static int read_distribution_event(ukiyo_push_events *ev, json_t *e)
{
    static const char *const host_path[] = {"request", "host", NULL};
    json_t *target = json_object_get(e, "target");
    const char *action = str(e, "action");
    const char *tag = str(target, "tag");

    if (!action || strcmp(action, "push") != 0 || !is_manifest_type(str(target, "mediaType")) ||
        !tag || !tag[0])
        return 0; /* blob pushes, pulls, mounts, deletes, untagged children, pings */
    return ukiyo__push_add(ev, json_string_value(dig(e, host_path)), str(target, "repository"), tag,
                           str(target, "digest"));
}

static bool is_distribution(const ukiyo_push_request *req, json_t *b)
{
    return json_is_array(json_object_get(b, "events"));
}

static int read_distribution(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(b, "events"), i, e) {
        if (!json_is_object(e))
            return malformed("distribution", "an event is not an object");
        int err = read_distribution_event(ev, e);
        if (err < 0)
            return err;
    }
    return 0;
}

static bool is_acr(const ukiyo_push_request *req, json_t *b)
{
    return json_is_string(json_object_get(b, "action")) &&
           json_is_object(json_object_get(b, "target"));
}

static int read_acr(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    /* Its Ping button sends action "ping": understood, nothing to do. ACR's
     * push events may omit the mediaType; a tagged push is a manifest push there. */
    json_t *target = json_object_get(b, "target");
    const char *action = str(b, "action");
    static const char *const host_path[] = {"request", "host", NULL};

    if (!action || strcmp(action, "push") != 0 || !str(target, "tag"))
        return 0;
    const char *media = str(target, "mediaType");
    if (media && !is_manifest_type(media))
        return 0;
    return ukiyo__push_add(ev, json_string_value(dig(b, host_path)), str(target, "repository"),
                           str(target, "tag"), str(target, "digest"));
}

/* ---- Harbor ---------------------------------------------------------- */

static int read_harbor_data(ukiyo_push_events *ev, json_t *data)
{
    const char *repo = str(json_object_get(data, "repository"), "repo_full_name");
    json_t *resource;
    size_t i;

    if (!repo)
        return malformed("harbor", "event_data.repository.repo_full_name is required");
    json_array_foreach(json_object_get(data, "resources"), i, resource) {
        const char *url = str(resource, "resource_url");
        char *host = url ? strndup(url, strcspn(url, "/")) : NULL;
        int err = ukiyo__push_add(ev, host, repo, str(resource, "tag"), str(resource, "digest"));
        free(host);
        if (err < 0)
            return err;
    }
    return 0;
}

static bool is_harbor_push(const char *type)
{
    return type && (strcmp(type, "PUSH_ARTIFACT") == 0 || strcmp(type, "pushImage") == 0 ||
                    strcmp(type, "harbor.artifact.pushed") == 0);
}

static bool is_harbor(const ukiyo_push_request *req, json_t *b)
{
    return json_is_object(json_object_get(b, "event_data")) ||
           (json_is_string(json_object_get(b, "specversion")) &&
            json_is_object(json_object_get(b, "data")));
}

static int read_harbor(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    /* 2.x "PUSH_ARTIFACT" and 1.x "pushImage" carry event_data; CloudEvents carry data. */
    json_t *data = json_object_get(b, "event_data");

    if (!data)
        data = json_object_get(b, "data");
    if (!is_harbor_push(str(b, "type")))
        return 0; /* pulls, deletes, scans, quota events */
    return read_harbor_data(ev, data);
}

/* CloudEvents in binary mode: the type is a header, the body is the data. */
static bool is_harbor_binary(const ukiyo_push_request *req, json_t *b)
{
    const char *type = ukiyo__push_header(req, "ce-type");
    return type && ukiyo__str_has_prefix(type, "harbor.");
}

static int read_harbor_binary(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    return is_harbor_push(ukiyo__push_header(req, "ce-type")) ? read_harbor_data(ev, b) : 0;
}

/* ---- Quay ------------------------------------------------------------ */

static bool is_quay(const ukiyo_push_request *req, json_t *b)
{
    return json_is_array(json_object_get(b, "updated_tags"));
}

static int read_quay(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    const char *url = str(b, "docker_url"); /* "quay.io/acme/app" */
    json_t *tag;
    size_t i;

    if (!url)
        return malformed("quay", "docker_url is required");
    const char *slash = strchr(url, '/');
    char *host = slash ? strndup(url, (size_t)(slash - url)) : NULL;
    int err = host ? 0 : malformed("quay", "docker_url has no registry");
    json_array_foreach(json_object_get(b, "updated_tags"), i, tag) {
        if (err == 0)
            err = ukiyo__push_add(ev, host, slash + 1, json_string_value(tag), NULL);
    }
    free(host);
    return err;
}

/* ---- GitHub (ghcr.io) ------------------------------------------------- */

static bool is_github(const ukiyo_push_request *req, json_t *b)
{
    return ukiyo__push_header(req, "X-GitHub-Event") != NULL;
}

static int read_github(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    static const char *const tag_path[] = {"package_version", "container_metadata", "tag", "name",
                                           NULL};
    static const char *const url_path[] = {"package_version", "package_url", NULL};
    const char *event = ukiyo__push_header(req, "X-GitHub-Event");
    json_t *package =
        json_object_get(b, strcmp(event, "registry_package") == 0 ? "registry_package" : "package");
    const char *action = str(b, "action");
    const char *type = str(package, "package_type");

    if (strcmp(event, "package") != 0 && strcmp(event, "registry_package") != 0)
        return 0; /* ping and every other event */
    if (!action || (strcmp(action, "published") != 0 && strcmp(action, "updated") != 0) || !type ||
        (strcasecmp(type, "container") != 0 && strcasecmp(type, "docker") != 0))
        return 0;
    const char *tag = json_string_value(dig(package, tag_path));
    const char *url = json_string_value(dig(package, url_path));
    if (!tag || !tag[0])
        return 0; /* untagged */
    if (!url)
        return malformed("github", "package_version.package_url is required");
    /* "ghcr.io/Owner/App:1.0" or "ghcr.io/owner/app:": lower case, the name only. */
    char *name = strdup(url);
    if (!name)
        return UKIYO_ENOMEM;
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *last_slash = strrchr(name, '/');
    char *colon = strchr(last_slash ? last_slash : name, ':');
    if (colon)
        *colon = '\0';
    char *tagged = ukiyo__str_printf("%s:%s", name, tag);
    int err = tagged ? ukiyo__push_add_reference(ev, tagged, NULL) : UKIYO_ENOMEM;
    free(tagged);
    free(name);
    return err;
}

/* ---- Google Artifact Registry (Pub/Sub push) ------------------------- */

static bool is_gar(const ukiyo_push_request *req, json_t *b)
{
    return json_is_object(json_object_get(b, "message"));
}

static int read_gar(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    const char *data = str(json_object_get(b, "message"), "data");
    size_t len = 0;
    unsigned char *decoded = data ? ukiyo__base64_decode(data, &len) : NULL;
    json_t *inner = decoded ? json_loadb((const char *)decoded, len, 0, NULL) : NULL;
    int err = 0;

    free(decoded);
    if (!inner)
        return malformed("gar", "message.data is not base64 of a JSON object");
    const char *action = str(inner, "action");
    const char *digest_ref = str(inner, "digest"); /* "host/p/r/img@sha256:.." */
    const char *at = digest_ref ? strchr(digest_ref, '@') : NULL;
    if (action && strcmp(action, "INSERT") == 0 && str(inner, "tag"))
        err = ukiyo__push_add_reference(ev, str(inner, "tag"), at ? at + 1 : NULL);
    json_decref(inner);
    return err;
}

/* ---- ukiyo's generic payload ----------------------------------------- */

static bool is_generic(const ukiyo_push_request *req, json_t *b)
{
    return json_is_string(json_object_get(b, "image"));
}

static int read_generic(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *b)
{
    return ukiyo__push_add_reference(ev, str(b, "image"), str(b, "digest"));
}

/* ---- detection ------------------------------------------------------- */

typedef struct {
    const char *name;
    bool (*matches)(const ukiyo_push_request *req, json_t *body);
    int (*read)(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *body);
} push_format;

/* Headers first (they cannot be mistaken), then the most specific shapes. */
static const push_format formats[] = {
    {"github", is_github, read_github},
    {"harbor", is_harbor_binary, read_harbor_binary},
    {"distribution", is_distribution, read_distribution},
    {"dockerhub", is_dockerhub, read_dockerhub},
    {"harbor", is_harbor, read_harbor},
    {"quay", is_quay, read_quay},
    {"gar", is_gar, read_gar},
    {"acr", is_acr, read_acr},
    {"generic", is_generic, read_generic},
};

int ukiyo__push_read_format(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *body)
{
    if (!json_is_object(body))
        return ukiyo__error_set(UKIYO_EINVAL, "webhook body is not a JSON object");
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        if (formats[i].matches(req, body)) {
            ukiyo__push_set_format(ev, formats[i].name);
            return formats[i].read(ev, req, body);
        }
    }
    return ukiyo__error_set(UKIYO_EUNSUPPORTED, "webhook body matches no known registry format");
}
