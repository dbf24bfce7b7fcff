/*
 * docker_image.c - images (inspect, pull with progress, remove), the
 * X-Registry-Auth header, and network connect/disconnect.
 */
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"

#define PULL_LAYERS_MAX 256

struct ukiyo_image_info {
    json_t *doc;
    char *json;
};

static int image_info_from_doc(ukiyo_image_info **out, json_t *doc);

UKIYO_EXTERN int ukiyo_docker_image_inspect(ukiyo_image_info **out, ukiyo_docker *d,
                                            const char *ref)
{
    char *escaped = ref && ref[0] ? ukiyo__http_escape(ref) : NULL;
    char *path = escaped ? ukiyo__str_printf("/images/%s/json", escaped) : NULL;
    json_t *doc = NULL;
    int err;

    if (!escaped)
        return ukiyo__error_set(UKIYO_EINVAL, "image inspect: no image given");
    err = path ? ukiyo__docker_call(d, "GET", path, NULL, &doc) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    if (err < 0)
        return err;
    if (!json_is_string(json_object_get(doc, "Id"))) {
        json_decref(doc);
        return ukiyo__error_set(UKIYO_EPROTOCOL, "image inspect of %s: no Id", ref);
    }
    return image_info_from_doc(out, doc);
}

int ukiyo__image_info_from_text(ukiyo_image_info **out, const char *json)
{
    json_t *doc = json_loads(json, 0, NULL);

    return doc ? image_info_from_doc(out, doc) : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
}

/* An image's inspect document (taken) as an ukiyo_image_info. */
static int image_info_from_doc(ukiyo_image_info **out, json_t *doc)
{
    ukiyo_image_info *info = calloc(1, sizeof(*info));

    if (info)
        info->json = json_dumps(doc, JSON_COMPACT);
    if (!info || !info->json) {
        free(info);
        json_decref(doc);
        return UKIYO_ENOMEM;
    }
    info->doc = doc;
    *out = info;
    return 0;
}

UKIYO_EXTERN void ukiyo_image_info_free(ukiyo_image_info *info)
{
    if (!info)
        return;
    json_decref(info->doc);
    free(info->json);
    free(info);
}

UKIYO_EXTERN const char *ukiyo_image_info_id(const ukiyo_image_info *info)
{
    return json_string_value(json_object_get(info->doc, "Id"));
}

UKIYO_EXTERN size_t ukiyo_image_info_repo_digest_count(const ukiyo_image_info *info)
{
    return json_array_size(json_object_get(info->doc, "RepoDigests"));
}

UKIYO_EXTERN const char *ukiyo_image_info_repo_digest(const ukiyo_image_info *info, size_t index)
{
    return json_string_value(json_array_get(json_object_get(info->doc, "RepoDigests"), index));
}

UKIYO_EXTERN const char *ukiyo_image_info_json(const ukiyo_image_info *info)
{
    return info->json;
}

UKIYO_EXTERN int ukiyo_docker_registry_auth_header(char **out, const ukiyo_credential *cred)
{
    json_t *doc;
    char *text, *encoded;

    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "registry auth header: out is NULL");
    if (!cred)
        doc = json_object();
    else if (ukiyo_credential_identity_token(cred))
        doc = json_pack("{s:s, s:s}", "identitytoken", ukiyo_credential_identity_token(cred),
                        "serveraddress", ukiyo_credential_registry(cred));
    else
        doc = json_pack("{s:s, s:s, s:s}", "username", ukiyo_credential_username(cred), "password",
                        ukiyo_credential_password(cred), "serveraddress",
                        ukiyo_credential_registry(cred));
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return UKIYO_ENOMEM;
    encoded = ukiyo__base64_encode(text, strlen(text), true);
    ukiyo__str_free_secret(text);
    if (!encoded)
        return UKIYO_ENOMEM;
    *out = encoded;
    return 0;
}

/* ---- pull ---------------------------------------------------------- */

typedef struct {
    char id[80];
    int64_t current;
    int64_t total;
    bool done;
} layer_progress;

typedef struct {
    ukiyo_pull_progress_fn fn;
    void *payload;
    layer_progress layers[PULL_LAYERS_MAX];
    unsigned int layer_count;
    char *error; /* in-band error, or the body of an HTTP error */
    bool cancelled;
} pull_state;

static layer_progress *layer_find(pull_state *st, const char *id)
{
    for (unsigned i = 0; i < st->layer_count; i++)
        if (strcmp(st->layers[i].id, id) == 0)
            return &st->layers[i];
    if (st->layer_count == PULL_LAYERS_MAX)
        return NULL;
    layer_progress *l = &st->layers[st->layer_count++];
    snprintf(l->id, sizeof(l->id), "%s", id);
    return l;
}

static void layer_update(pull_state *st, json_t *msg, const char *status, const char *id)
{
    json_t *detail = json_object_get(msg, "progressDetail");
    layer_progress *l;

    /* Layer IDs are 12 hex characters; other ids name the tag being pulled. */
    if (!id || strlen(id) != 12 || !(l = layer_find(st, id)))
        return;
    if (strcmp(status, "Downloading") == 0) {
        l->current = json_integer_value(json_object_get(detail, "current"));
        l->total = json_integer_value(json_object_get(detail, "total"));
    } else if (strcmp(status, "Download complete") == 0 || strcmp(status, "Pull complete") == 0 ||
               strcmp(status, "Already exists") == 0) {
        if (l->total > 0)
            l->current = l->total;
        l->done = true;
    }
}

static int report_progress(pull_state *st, const char *status, const char *id)
{
    ukiyo_pull_progress p = {.status = status, .layer = id};

    for (unsigned i = 0; i < st->layer_count; i++) {
        p.bytes_done += st->layers[i].current;
        p.bytes_total += st->layers[i].total;
        p.layers_done += st->layers[i].done;
    }
    p.layers_total = st->layer_count;
    if (st->fn && st->fn(&p, st->payload) != 0) {
        st->cancelled = true;
        return ukiyo__error_set(UKIYO_ETIMEOUT, "pull cancelled");
    }
    return 0;
}

static int on_pull_line(const char *line, size_t len, void *payload)
{
    pull_state *st = payload;
    json_t *msg = json_loadb(line, len, 0, NULL);
    const char *status, *id, *error;
    int rc = 0;

    if (!msg)
        return 0; /* not JSON: the engine's stream is forgiving, so are we */
    error = json_string_value(json_object_get(msg, "error"));
    if (!error)
        error = json_string_value(json_object_get(msg, "message"));
    if (error) {
        free(st->error);
        st->error = strdup(error);
    }
    status = json_string_value(json_object_get(msg, "status"));
    id = json_string_value(json_object_get(msg, "id"));
    if (status && !error) {
        layer_update(st, msg, status, id);
        rc = report_progress(st, status, id);
    }
    json_decref(msg);
    return rc;
}

static int pull_error_code(const char *message)
{
    if (strstr(message, "not found") || strstr(message, "manifest unknown") ||
        strstr(message, "does not exist"))
        return UKIYO_ENOTFOUND;
    if (strstr(message, "unauthorized") || strstr(message, "authentication required") ||
        strstr(message, "denied") || strstr(message, "no basic auth credentials"))
        return UKIYO_EAUTH;
    if (strstr(message, "toomanyrequests"))
        return UKIYO_ERATELIMIT;
    return UKIYO_EDOCKER;
}

static char *pull_path(const ukiyo_image_ref *ref)
{
    const char *tag =
        ukiyo_image_ref_digest(ref) ? ukiyo_image_ref_digest(ref) : ukiyo_image_ref_tag(ref);
    char *name = ukiyo__http_escape(ukiyo_image_ref_name(ref));
    char *tag_escaped = ukiyo__http_escape(tag);
    char *path = name && tag_escaped
                     ? ukiyo__str_printf("/images/create?fromImage=%s&tag=%s", name, tag_escaped)
                     : NULL;

    free(name);
    free(tag_escaped);
    return path;
}

UKIYO_EXTERN int ukiyo_docker_image_pull(ukiyo_docker *d, const char *ref_text,
                                         const ukiyo_credential *cred, ukiyo_pull_progress_fn fn,
                                         void *payload)
{
    ukiyo_image_ref *ref = NULL;
    pull_state *st = NULL;
    char *auth = NULL, *auth_header = NULL, *path = NULL;
    int err = ukiyo_image_ref_parse(&ref, ref_text);

    if (err < 0)
        return err;
    st = calloc(1, sizeof(*st));
    err = st ? ukiyo_docker_registry_auth_header(&auth, cred) : UKIYO_ENOMEM;
    if (err < 0)
        goto done;
    st->fn = fn;
    st->payload = payload;
    auth_header = ukiyo__str_printf("X-Registry-Auth: %s", auth);
    path = pull_path(ref);
    if (!auth_header || !path) {
        err = UKIYO_ENOMEM;
        goto done;
    }
    const char *headers[] = {auth_header, NULL};
    err = ukiyo__docker_stream(d, "POST", path, headers, on_pull_line, st);
    if (st->error && !st->cancelled)
        err = ukiyo__error_set(err < 0 && err != UKIYO_EDOCKER ? err : pull_error_code(st->error),
                               "pull %s: %s", ukiyo_image_ref_familiar(ref), st->error);
    else if (err < 0)
        ukiyo__error_wrap(err, "pull %s", ukiyo_image_ref_familiar(ref));
done:
    if (st)
        free(st->error);
    free(st);
    ukiyo__str_free_secret(auth);
    ukiyo__str_free_secret(auth_header);
    free(path);
    ukiyo_image_ref_free(ref);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_image_remove(ukiyo_docker *d, const char *ref, int force)
{
    char *escaped = ref && ref[0] ? ukiyo__http_escape(ref) : NULL;
    char *path = escaped ? ukiyo__str_printf("/images/%s?force=%d", escaped, force ? 1 : 0) : NULL;
    int err;

    if (!escaped)
        return ukiyo__error_set(UKIYO_EINVAL, "image remove: no image given");
    err = path ? ukiyo__docker_call(d, "DELETE", path, NULL, NULL) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    return err;
}

int ukiyo__docker_tag_image(ukiyo_docker *d, const char *image, const char *ref_text)
{
    ukiyo_image_ref *ref = NULL;
    char *image_escaped = NULL, *repo = NULL, *tag = NULL, *path = NULL;
    int err = ukiyo_image_ref_parse(&ref, ref_text);

    if (err < 0)
        return err;
    if (!ukiyo_image_ref_tag(ref)) {
        ukiyo_image_ref_free(ref);
        return ukiyo__error_set(UKIYO_EINVAL, "cannot tag %s: it has no tag", ref_text);
    }
    image_escaped = ukiyo__http_escape(image);
    repo = ukiyo__http_escape(ukiyo_image_ref_name(ref));
    tag = ukiyo__http_escape(ukiyo_image_ref_tag(ref));
    path = image_escaped && repo && tag
               ? ukiyo__str_printf("/images/%s/tag?repo=%s&tag=%s", image_escaped, repo, tag)
               : NULL;
    err = path ? ukiyo__docker_call(d, "POST", path, NULL, NULL) : UKIYO_ENOMEM;
    free(image_escaped);
    free(repo);
    free(tag);
    free(path);
    ukiyo_image_ref_free(ref);
    return err;
}

/* ---- networks ------------------------------------------------------ */

static int network_call(ukiyo_docker *d, const char *network, const char *action, json_t *body)
{
    char *escaped = network && network[0] ? ukiyo__http_escape(network) : NULL;
    char *path = escaped ? ukiyo__str_printf("/networks/%s/%s", escaped, action) : NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int err;

    if (!escaped)
        err = ukiyo__error_set(UKIYO_EINVAL, "network %s: no network given", action);
    else
        err = path && text ? ukiyo__docker_call(d, "POST", path, text, NULL) : UKIYO_ENOMEM;
    free(escaped);
    free(path);
    free(text);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_network_connect(ukiyo_docker *d, const char *network,
                                              const char *container, const char *endpoint_json)
{
    json_t *endpoint = NULL, *body;
    int err;

    if (endpoint_json) {
        endpoint = json_loads(endpoint_json, 0, NULL);
        if (!json_is_object(endpoint)) {
            json_decref(endpoint);
            return ukiyo__error_set(UKIYO_EINVAL, "network connect: endpoint is not a JSON object");
        }
    }
    body = json_pack("{s:s?, s:o?}", "Container", container, "EndpointConfig", endpoint);
    err = body ? network_call(d, network, "connect", body) : UKIYO_ENOMEM;
    json_decref(body);
    return err;
}

UKIYO_EXTERN int ukiyo_docker_network_disconnect(ukiyo_docker *d, const char *network,
                                                 const char *container, int force)
{
    json_t *body = json_pack("{s:s?, s:b}", "Container", container, "Force", force);
    int err = body ? network_call(d, network, "disconnect", body) : UKIYO_ENOMEM;

    json_decref(body);
    return err;
}

int ukiyo__docker_inspect_image_json(ukiyo_docker *d, const char *ref, json_t **out)
{
    ukiyo_image_info *info = NULL;
    int err = ukiyo_docker_image_inspect(&info, d, ref);

    if (err < 0)
        return err;
    *out = json_loads(ukiyo_image_info_json(info), 0, NULL);
    ukiyo_image_info_free(info);
    return *out ? 0 : UKIYO_ENOMEM;
}
