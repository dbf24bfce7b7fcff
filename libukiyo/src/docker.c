/*
 * docker.c - the Engine API transport: hosts, TLS, version negotiation,
 * requests and errors. Containers, images and networks live in
 * docker_container.c and docker_image.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"

#define DEFAULT_DOCKER_HOST "unix:///var/run/docker.sock"

struct ukiyo_docker {
    char *host;     /* as given: unix:///... or tcp://... */
    char *base_url; /* http://localhost or http(s)://host:port */
    char *api_version;
    http_session *http;
    uint64_t requests; /* sent to the engine, negotiation and pings included */
};

static int version_number(const char *v)
{
    int major = 0, minor = 0;

    if (!v || sscanf(v, "%d.%d", &major, &minor) != 2)
        return -1;
    return major * 1000 + minor;
}

static char *tls_file(const char *dir, const char *name)
{
    return ukiyo__str_printf("%s/%s", dir, name);
}

static int tls_transport(http_transport *t, const ukiyo_docker_options *opts, bool *use_tls)
{
    const char *verify_env = getenv("DOCKER_TLS_VERIFY");
    const char *dir = opts && opts->cert_path ? opts->cert_path : getenv("DOCKER_CERT_PATH");
    const char *home = getenv("HOME");
    char *fallback = NULL;
    int verify = opts ? opts->tls_verify : -1;

    if (verify < 0)
        verify = verify_env && verify_env[0] && strcmp(verify_env, "0") != 0;
    *use_tls = verify || (opts && opts->cert_path);
    if (!*use_tls)
        return 0;
    if (!dir || !dir[0])
        dir = fallback = ukiyo__str_printf("%s/.docker", home ? home : "/root");
    t->ca_file = tls_file(dir, "ca.pem");
    t->cert_file = tls_file(dir, "cert.pem");
    t->key_file = tls_file(dir, "key.pem");
    t->insecure_tls = !verify;
    free(fallback);
    return t->ca_file && t->cert_file && t->key_file ? 0 : UKIYO_ENOMEM;
}

static int parse_host(ukiyo_docker *d, const ukiyo_docker_options *opts, http_transport *t)
{
    const char *host = d->host;
    bool use_tls = false;
    int err;

    if (ukiyo__str_has_prefix(host, "unix://") || host[0] == '/') {
        t->unix_socket = host[0] == '/' ? host : host + strlen("unix://");
        if (!t->unix_socket[0])
            return ukiyo__error_set(UKIYO_EINVAL, "docker host %s names no socket", host);
        d->base_url = strdup("http://localhost");
        return d->base_url ? 0 : UKIYO_ENOMEM;
    }
    if (!ukiyo__str_has_prefix(host, "tcp://") && !ukiyo__str_has_prefix(host, "http://") &&
        !ukiyo__str_has_prefix(host, "https://"))
        return ukiyo__error_set(
            UKIYO_EINVAL, "unsupported docker host \"%s\" (use unix:///path or tcp://host:port)",
            host);
    const char *authority = strstr(host, "://") + 3;
    if (!authority[0])
        return ukiyo__error_set(UKIYO_EINVAL, "docker host %s names no address", host);
    err = tls_transport(t, opts, &use_tls);
    if (err < 0)
        return err;
    if (ukiyo__str_has_prefix(host, "https://"))
        use_tls = true;
    d->base_url = ukiyo__str_printf("%s://%.*s", use_tls ? "https" : "http",
                                    (int)strcspn(authority, "/"), authority);
    return d->base_url ? 0 : UKIYO_ENOMEM;
}

UKIYO_EXTERN int ukiyo_docker_new(ukiyo_docker **out, const ukiyo_docker_options *opts)
{
    http_transport transport = {0};
    const char *env_host = getenv("DOCKER_HOST");
    ukiyo_docker *d;
    int err;

    UKIYO__CHECK_VERSION(opts, UKIYO_DOCKER_OPTIONS_VERSION, "ukiyo_docker_options");
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_docker_new: out is NULL");
    d = calloc(1, sizeof(*d));
    if (!d)
        return UKIYO_ENOMEM;
    d->host = strdup(opts && opts->host && opts->host[0] ? opts->host
                     : env_host && env_host[0]           ? env_host
                                                         : DEFAULT_DOCKER_HOST);
    err = d->host ? parse_host(d, opts, &transport) : UKIYO_ENOMEM;
    if (err == 0)
        err = ukiyo__http_session_new(&d->http, &transport, opts ? opts->timeout_ms : 0);
    free((char *)transport.ca_file);
    free((char *)transport.cert_file);
    free((char *)transport.key_file);
    if (err < 0) {
        ukiyo_docker_free(d);
        return err;
    }
    *out = d;
    return 0;
}

UKIYO_EXTERN void ukiyo_docker_free(ukiyo_docker *d)
{
    if (!d)
        return;
    ukiyo__http_session_free(d->http);
    free(d->host);
    free(d->base_url);
    free(d->api_version);
    free(d);
}

UKIYO_EXTERN const char *ukiyo_docker_api_version(const ukiyo_docker *d)
{
    return d->api_version;
}

UKIYO_EXTERN const char *ukiyo_docker_host(const ukiyo_docker *d)
{
    return d->host;
}

static int negotiate(ukiyo_docker *d, const http_response *resp)
{
    const char *server = ukiyo__http_response_header(resp, "Api-Version");
    int server_num = version_number(server);

    if (resp->status != 200 || server_num < 0)
        return ukiyo__error_set(UKIYO_EPROTOCOL,
                                "%s did not answer /_ping like a Docker engine (HTTP %ld)", d->host,
                                resp->status);
    if (server_num < version_number(UKIYO_DOCKER_API_MIN))
        return ukiyo__error_set(UKIYO_EUNSUPPORTED,
                                "the engine at %s speaks API %s; ukiyo needs at least %s", d->host,
                                server, UKIYO_DOCKER_API_MIN);
    free(d->api_version);
    d->api_version = server_num < version_number(UKIYO_DOCKER_API_MAX)
                         ? strndup(server, strcspn(server, " \r\n"))
                         : strdup(UKIYO_DOCKER_API_MAX);
    return d->api_version ? 0 : UKIYO_ENOMEM;
}

UKIYO_EXTERN int ukiyo_docker_ping(ukiyo_docker *d)
{
    http_response resp;
    char *url = ukiyo__str_printf("%s/_ping", d->base_url);
    http_request req = {.url = url};
    int err;

    if (!url)
        return UKIYO_ENOMEM;
    d->requests++;
    err = ukiyo__http_perform(d->http, &req, &resp);
    free(url);
    if (err < 0)
        return ukiyo__error_wrap(err, "docker engine at %s", d->host);
    err = negotiate(d, &resp);
    ukiyo__http_response_clear(&resp);
    return err;
}

static char *versioned_url(ukiyo_docker *d, const char *path, int *err)
{
    char *url;

    *err = d->api_version ? 0 : ukiyo_docker_ping(d);
    if (*err < 0)
        return NULL;
    url = ukiyo__str_printf("%s/v%s%s", d->base_url, d->api_version, path);
    if (!url)
        *err = UKIYO_ENOMEM;
    return url;
}

int ukiyo__docker_error_from_status(long status, const char *what, const char *body)
{
    json_t *doc = body ? json_loads(body, 0, NULL) : NULL;
    const char *message = json_string_value(json_object_get(doc, "message"));
    int code;

    switch (status) {
    case 400: code = UKIYO_EINVAL; break;
    case 401:
    case 403: code = UKIYO_EAUTH; break;
    case 404: code = UKIYO_ENOTFOUND; break;
    case 409: code = UKIYO_ECONFLICT; break;
    default: code = UKIYO_EDOCKER; break;
    }
    /* A swarm manager asks its cluster and answers 500 with the cluster's gRPC code. */
    if (status == 500 && message && strstr(message, "code = NotFound"))
        code = UKIYO_ENOTFOUND;
    if (message)
        ukiyo__error_set(code, "%s: %s", what, message);
    else
        ukiyo__error_set(code, "%s: engine answered HTTP %ld", what, status);
    json_decref(doc);
    return code;
}

int ukiyo__docker_call(ukiyo_docker *d, const char *method, const char *path, const char *body,
                       json_t **doc_out)
{
    return ukiyo__docker_call_timeout(d, method, path, body, 0, doc_out);
}

/* A request with a JSON body and, when @extra_header is not NULL, that header too. */
static int call_with_header(ukiyo_docker *d, const char *method, const char *path, const char *body,
                            long timeout_ms, const char *extra_header, http_response *resp)
{
    const char *headers[] = {"Content-Type: application/json", extra_header, NULL};
    int err;
    char *url = versioned_url(d, path, &err);
    http_request req = {.method = method,
                        .url = url,
                        .body = body,
                        .body_len = body ? strlen(body) : 0,
                        .headers = headers,
                        .timeout_ms = timeout_ms};

    memset(resp, 0, sizeof(*resp));
    if (!url)
        return err;
    d->requests++;
    err = ukiyo__http_perform(d->http, &req, resp);
    free(url);
    if (err < 0)
        return ukiyo__error_wrap(err, "docker engine at %s", d->host);
    if (resp->status >= 400) {
        char *what = ukiyo__str_printf("%s %s", method, path);
        err = ukiyo__docker_error_from_status(resp->status, what ? what : path, resp->body.data);
        free(what);
        ukiyo__http_response_clear(resp);
    }
    return err;
}

int ukiyo__docker_call_raw(ukiyo_docker *d, const char *method, const char *path, const char *body,
                           long timeout_ms, http_response *resp)
{
    return call_with_header(d, method, path, body, timeout_ms, NULL, resp);
}

int ukiyo__docker_call_header(ukiyo_docker *d, const char *method, const char *path,
                              const char *body, const char *header, json_t **doc_out)
{
    http_response resp;
    int err = call_with_header(d, method, path, body, 0, header, &resp);

    return ukiyo__docker_reply_json(method, path, err, &resp, doc_out);
}

int ukiyo__docker_call_timeout(ukiyo_docker *d, const char *method, const char *path,
                               const char *body, long timeout_ms, json_t **doc_out)
{
    http_response resp;
    int err = ukiyo__docker_call_raw(d, method, path, body, timeout_ms, &resp);

    return ukiyo__docker_reply_json(method, path, err, &resp, doc_out);
}

int ukiyo__docker_reply_json(const char *method, const char *path, int err, http_response *resp,
                             json_t **doc_out)
{
    if (doc_out)
        *doc_out = NULL;
    if (err < 0)
        return err;
    if (doc_out && resp->status != 304 && resp->status != 204) {
        json_error_t jerr;
        *doc_out = json_loads(resp->body.data ? resp->body.data : "", 0, &jerr);
        if (!*doc_out)
            err = ukiyo__error_set(UKIYO_EPROTOCOL, "%s %s: the engine sent invalid JSON (%s)",
                                   method, path, jerr.text);
    }
    ukiyo__http_response_clear(resp);
    return err;
}

static int stream(ukiyo_docker *d, http_request *req, const char *path)
{
    http_response resp;
    int err;
    char *url = versioned_url(d, path, &err);

    if (!url)
        return err;
    req->url = url;
    d->requests++;
    err = ukiyo__http_perform(d->http, req, &resp);
    free(url);
    if (err < 0)
        return err;
    if (resp.status >= 400) {
        /* Error bodies are short JSON; they arrived through the line callback. */
        err = ukiyo__docker_error_from_status(resp.status, path, NULL);
    }
    ukiyo__http_response_clear(&resp);
    return err;
}

int ukiyo__docker_stream(ukiyo_docker *d, const char *method, const char *path,
                         const char *const *headers, http_line_fn on_line, void *payload)
{
    /* A pull may legitimately take an hour; only a silent engine is an error. */
    http_request req = {.method = method,
                        .headers = headers,
                        .on_line = on_line,
                        .payload = payload,
                        .stall_timeout_s = 300};

    return stream(d, &req, path);
}

int ukiyo__docker_follow(ukiyo_docker *d, const char *path, http_line_fn on_line,
                         bool (*cancelled)(void *payload), void *payload)
{
    /* Silent for hours when nothing happens: no stall timeout, only the caller's say. */
    http_request req = {.on_line = on_line, .payload = payload, .cancelled = cancelled};

    return stream(d, &req, path);
}

UKIYO_EXTERN uint64_t ukiyo_docker_request_count(const ukiyo_docker *d)
{
    return d ? d->requests : 0;
}

UKIYO_EXTERN int ukiyo_docker_version(char **json_out, ukiyo_docker *d)
{
    json_t *doc = NULL;
    int err = ukiyo__docker_call(d, "GET", "/version", NULL, &doc);

    if (err < 0)
        return err;
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return UKIYO_ENOMEM;
    *json_out = text;
    return 0;
}

UKIYO_EXTERN int ukiyo_docker_options_init(ukiyo_docker_options *opts, unsigned int version)
{
    static const ukiyo_docker_options template = UKIYO_DOCKER_OPTIONS_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version,
                               UKIYO_DOCKER_OPTIONS_VERSION, "ukiyo_docker_options");
}
