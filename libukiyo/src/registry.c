/*
 * registry.c - Registry v2: manifest digests and tag lists, with the
 * token and Basic authentication flows and rate-limit bookkeeping.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "internal.h"
#include "www_authenticate.h"

#define DOCKER_HUB_API_HOST "registry-1.docker.io"
#define TOKEN_DEFAULT_LIFETIME_S 60
#define TOKEN_EXPIRY_MARGIN_MS 10000
#define TAG_PAGES_MAX 1000

static const char *const manifest_accept =
    "Accept: application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json";

typedef struct token_entry {
    char *registry;
    char *scope;
    char *token;
    int64_t expires_ms;
    struct token_entry *next;
} token_entry;

typedef struct host_entry {
    char *registry;
    bool plain_http; /* learned: the registry does not speak TLS */
    bool use_basic;  /* learned: the registry asked for Basic */
    struct host_entry *next;
} host_entry;

struct ukiyo_registry {
    ukiyo_auth *auth;
    http_session *http;
    ukiyo_string_list insecure;
    token_entry *tokens;
    host_entry *hosts;
    int rate_remaining;
    int retry_after;
    uint64_t requests;
    unsigned int tag_page_size;
};

/* One logical request: retried with credentials after a challenge. */
typedef struct {
    const ukiyo_image_ref *ref;
    const char *method;
    char *path; /* after the host: /v2/... */
    bool head;
} registry_call;

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

UKIYO_EXTERN int ukiyo_registry_new(ukiyo_registry **out, const ukiyo_registry_options *opts)
{
    ukiyo_registry *r;
    int err;

    UKIYO__CHECK_VERSION(opts, UKIYO_REGISTRY_OPTIONS_VERSION, "ukiyo_registry_options");
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_registry_new: out is NULL");
    r = calloc(1, sizeof(*r));
    if (!r)
        return UKIYO_ENOMEM;
    r->auth = opts ? opts->auth : NULL;
    r->rate_remaining = r->retry_after = -1;
    r->tag_page_size = opts && opts->tag_page_size ? opts->tag_page_size : 1000;
    for (const char *const *h = opts ? opts->insecure_registries : NULL; h && *h; h++)
        if (ukiyo__string_list_append(&r->insecure, *h) < 0) {
            ukiyo_registry_free(r);
            return UKIYO_ENOMEM;
        }
    err = ukiyo__http_session_new(&r->http, NULL, opts ? opts->timeout_ms : 0);
    if (err < 0) {
        ukiyo_registry_free(r);
        return err;
    }
    *out = r;
    return 0;
}

UKIYO_EXTERN void ukiyo_registry_free(ukiyo_registry *r)
{
    if (!r)
        return;
    while (r->tokens) {
        token_entry *next = r->tokens->next;
        free(r->tokens->registry);
        free(r->tokens->scope);
        ukiyo__str_free_secret(r->tokens->token);
        free(r->tokens);
        r->tokens = next;
    }
    while (r->hosts) {
        host_entry *next = r->hosts->next;
        free(r->hosts->registry);
        free(r->hosts);
        r->hosts = next;
    }
    for (size_t i = 0; i < r->insecure.count; i++)
        free(r->insecure.items[i]);
    free(r->insecure.items);
    ukiyo__http_session_free(r->http);
    free(r);
}

UKIYO_EXTERN void ukiyo_registry_rate_limit(const ukiyo_registry *r, int *remaining_out,
                                            int *retry_after_out)
{
    if (remaining_out)
        *remaining_out = r->rate_remaining;
    if (retry_after_out)
        *retry_after_out = r->retry_after;
}

UKIYO_EXTERN uint64_t ukiyo_registry_request_count(const ukiyo_registry *r)
{
    return r->requests;
}

/* "" or ":<digits>". */
static bool is_port_or_nothing(const char *s)
{
    if (!*s)
        return true;
    if (*s++ != ':' || !*s)
        return false;
    return strspn(s, "0123456789") == strlen(s);
}

bool ukiyo__registry_is_loopback(const char *registry)
{
    char host[64];
    const char *end;
    struct in_addr a4;
    struct in6_addr a6;

    if (!registry)
        return false;
    if (registry[0] == '[') {
        end = strchr(registry, ']');
        if (!end || (size_t)(end - registry - 1) >= sizeof(host))
            return false;
        snprintf(host, sizeof(host), "%.*s", (int)(end - registry - 1), registry + 1);
        return is_port_or_nothing(end + 1) && inet_pton(AF_INET6, host, &a6) == 1 &&
               IN6_IS_ADDR_LOOPBACK(&a6);
    }
    end = registry + strcspn(registry, ":");
    if ((size_t)(end - registry) >= sizeof(host) || !is_port_or_nothing(end))
        return false;
    snprintf(host, sizeof(host), "%.*s", (int)(end - registry), registry);
    if (strcmp(host, "localhost") == 0)
        return true;
    /* A dotted quad in 127.0.0.0/8; inet_pton takes nothing looser. */
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

static bool may_use_plain_http(const ukiyo_registry *r, const char *registry)
{
    if (ukiyo__registry_is_loopback(registry))
        return true;
    for (size_t i = 0; i < r->insecure.count; i++)
        if (strcmp(r->insecure.items[i], registry) == 0)
            return true;
    return false;
}

static host_entry *host_get(ukiyo_registry *r, const char *registry)
{
    host_entry *h;

    for (h = r->hosts; h; h = h->next)
        if (strcmp(h->registry, registry) == 0)
            return h;
    h = calloc(1, sizeof(*h));
    if (!h || !(h->registry = strdup(registry))) {
        free(h);
        return NULL;
    }
    h->next = r->hosts;
    r->hosts = h;
    return h;
}

static token_entry *token_find(ukiyo_registry *r, const char *registry, const char *scope)
{
    for (token_entry *t = r->tokens; t; t = t->next)
        if (strcmp(t->registry, registry) == 0 && strcmp(t->scope, scope) == 0)
            return t->expires_ms > monotonic_ms() ? t : NULL;
    return NULL;
}

static int token_store(ukiyo_registry *r, const char *registry, const char *scope,
                       const char *token, int64_t lifetime_s)
{
    token_entry *t;

    for (t = r->tokens; t; t = t->next)
        if (strcmp(t->registry, registry) == 0 && strcmp(t->scope, scope) == 0)
            break;
    if (!t) {
        t = calloc(1, sizeof(*t));
        if (!t)
            return UKIYO_ENOMEM;
        t->registry = strdup(registry);
        t->scope = strdup(scope);
        t->next = r->tokens;
        r->tokens = t;
        if (!t->registry || !t->scope)
            return UKIYO_ENOMEM;
    }
    ukiyo__str_free_secret(t->token);
    t->token = strdup(token);
    t->expires_ms = monotonic_ms() + lifetime_s * 1000 - TOKEN_EXPIRY_MARGIN_MS;
    return t->token ? 0 : UKIYO_ENOMEM;
}

static const char *api_host(const char *registry)
{
    return strcmp(registry, "docker.io") == 0 ? DOCKER_HUB_API_HOST : registry;
}

static void record_rate_limit(ukiyo_registry *r, const http_response *resp)
{
    const char *remaining = ukiyo__http_response_header(resp, "ratelimit-remaining");
    const char *retry = ukiyo__http_response_header(resp, "Retry-After");

    if (remaining)
        r->rate_remaining = atoi(remaining);
    r->retry_after = -1;
    if (retry && retry[0] >= '0' && retry[0] <= '9') {
        r->retry_after = atoi(retry);
    } else if (retry) {
        time_t when = curl_getdate(retry, NULL);
        if (when > 0)
            r->retry_after = when > time(NULL) ? (int)(when - time(NULL)) : 0;
    }
}

/* Send once to the registry, learning whether it speaks TLS. */
static int send_to_registry(ukiyo_registry *r, host_entry *h, const http_request *base,
                            const char *path, http_response *resp)
{
    const char *host = api_host(h->registry);
    http_request req = *base;
    int err;

    for (int attempt = 0; attempt < 2; attempt++) {
        char *url = ukiyo__str_printf("%s://%s%s", h->plain_http ? "http" : "https", host, path);
        if (!url)
            return UKIYO_ENOMEM;
        req.url = url;
        r->requests++;
        err = ukiyo__http_perform(r->http, &req, resp);
        free(url);
        /* A loopback registry without TLS fails the handshake: speak plain HTTP to it. */
        if (err == UKIYO_ECONNECT && !h->plain_http && may_use_plain_http(r, h->registry)) {
            h->plain_http = true;
            continue;
        }
        break;
    }
    if (err == 0)
        record_rate_limit(r, resp);
    return err;
}

static int lookup_credential(ukiyo_registry *r, const char *registry, ukiyo_credential **out)
{
    int err;

    *out = NULL;
    if (!r->auth)
        return 0;
    err = ukiyo_auth_lookup(out, r->auth, registry);
    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        return 0;
    }
    return err;
}

static char *token_url(const www_challenge *c, const char *scope)
{
    char *service = c->service ? ukiyo__http_escape(c->service) : NULL;
    char *scope_escaped = ukiyo__http_escape(c->scope ? c->scope : scope);
    char *url = NULL;

    /* No scope at all for a login (docker login asks for none). */
    if (scope_escaped && (service || !c->service))
        url = ukiyo__str_printf("%s%s%s%s%s%s", c->realm, strchr(c->realm, '?') ? "&" : "?",
                                service ? "service=" : "client_id=ukiyo", service ? service : "",
                                scope_escaped[0] ? "&scope=" : "", scope_escaped);
    free(service);
    free(scope_escaped);
    return url;
}

static int parse_token_response(const http_response *resp, char **token_out, int64_t *life_out)
{
    json_t *doc = json_loads(resp->body.data ? resp->body.data : "", 0, NULL);
    const char *token = json_string_value(json_object_get(doc, "token"));
    json_int_t expires = json_integer_value(json_object_get(doc, "expires_in"));

    if (!token || !token[0])
        token = json_string_value(json_object_get(doc, "access_token"));
    *token_out = token && token[0] ? strdup(token) : NULL;
    *life_out = expires > 0 ? expires : TOKEN_DEFAULT_LIFETIME_S;
    json_decref(doc);
    return *token_out ? 0 : ukiyo__error_set(UKIYO_EAUTH, "the token service sent no token");
}

/* The Bearer flow: GET realm?service&scope, Basic credentials when we have them. */
static int fetch_token(ukiyo_registry *r, host_entry *h, const www_challenge *c, const char *scope,
                       const ukiyo_credential *cred)
{
    http_response resp;
    char *url, *userpwd = NULL, *token = NULL;
    int64_t lifetime = 0;
    int err;

    if (!ukiyo__str_has_prefix(c->realm, "https://") &&
        !(ukiyo__str_has_prefix(c->realm, "http://") && may_use_plain_http(r, h->registry)))
        return ukiyo__error_set(UKIYO_EAUTH, "%s: refusing token realm %s (not https)", h->registry,
                                c->realm);
    url = token_url(c, scope);
    if (cred && ukiyo_credential_username(cred))
        userpwd = ukiyo__str_printf("%s:%s", ukiyo_credential_username(cred),
                                    ukiyo_credential_password(cred));
    http_request req = {.url = url, .userpwd = userpwd};
    err = url ? ukiyo__http_perform(r->http, &req, &resp) : UKIYO_ENOMEM;
    r->requests++;
    free(url);
    ukiyo__str_free_secret(userpwd);
    if (err < 0)
        return ukiyo__error_wrap(err, "token for %s", h->registry);
    if (resp.status == 401 || resp.status == 403)
        err = ukiyo__error_set(UKIYO_EAUTH, "%s: the token service refused %s (HTTP %ld)",
                               h->registry, cred ? "the credentials" : "anonymous access",
                               resp.status);
    else if (resp.status != 200)
        err = ukiyo__error_set(UKIYO_EREGISTRY, "%s: the token service answered HTTP %ld",
                               h->registry, resp.status);
    else
        err = parse_token_response(&resp, &token, &lifetime);
    ukiyo__http_response_clear(&resp);
    if (err == 0)
        err = token_store(r, h->registry, scope, token, lifetime);
    ukiyo__str_free_secret(token);
    return err;
}

/* Registries explain errors as {"errors":[{"code":..,"message":..}]}. */
static int registry_error(ukiyo_registry *r, const char *registry, const char *path,
                          const http_response *resp)
{
    json_t *doc = json_loads(resp->body.data ? resp->body.data : "", 0, NULL);
    json_t *first = json_array_get(json_object_get(doc, "errors"), 0);
    const char *code_text = json_string_value(json_object_get(first, "code"));
    const char *message = json_string_value(json_object_get(first, "message"));
    char detail[512];
    int code;

    switch (resp->status) {
    case 401:
    case 403: code = UKIYO_EAUTH; break;
    case 404: code = UKIYO_ENOTFOUND; break;
    case 429: code = UKIYO_ERATELIMIT; break;
    default: code = UKIYO_EREGISTRY; break;
    }
    if (code_text || message)
        snprintf(detail, sizeof(detail), "%s%s%s", code_text ? code_text : "",
                 code_text && message ? ": " : "", message ? message : "");
    else
        snprintf(detail, sizeof(detail), "HTTP %ld (%s)", resp->status,
                 code == UKIYO_ENOTFOUND ? "not found" : ukiyo_strerror(code));
    if (code == UKIYO_ERATELIMIT && r->retry_after >= 0)
        ukiyo__error_set(code, "%s%s: %s (retry after %d s)", registry, path, detail,
                         r->retry_after);
    else
        ukiyo__error_set(code, "%s%s: %s", registry, path, detail);
    json_decref(doc);
    return code;
}

static char *bearer_header(ukiyo_registry *r, const char *registry, const char *scope)
{
    token_entry *t = token_find(r, registry, scope);
    return t ? ukiyo__str_printf("Authorization: Bearer %s", t->token) : NULL;
}

/* Answer a 401: fetch a token or switch to Basic. */
static int answer_challenge(ukiyo_registry *r, host_entry *h, const http_response *resp,
                            const char *scope, const ukiyo_credential *cred)
{
    www_challenge challenge;
    int err = ukiyo__www_authenticate_parse(&challenge,
                                            ukiyo__http_response_header(resp, "WWW-Authenticate"));

    if (err < 0)
        return ukiyo__error_wrap(UKIYO_EAUTH, "%s", h->registry);
    if (challenge.scheme == CHALLENGE_BEARER) {
        err = fetch_token(r, h, &challenge, scope, cred);
    } else if (!cred || !ukiyo_credential_username(cred)) {
        err = ukiyo__error_set(UKIYO_EAUTH,
                               "%s asks for a user name and password and none is "
                               "configured (docker login, or config.json auths)",
                               h->registry);
    } else {
        h->use_basic = true;
    }
    ukiyo__www_challenge_clear(&challenge);
    return err;
}

static int registry_send(ukiyo_registry *r, const registry_call *call, http_response *resp)
{
    const char *registry = ukiyo_image_ref_registry(call->ref);
    host_entry *h = host_get(r, registry);
    ukiyo_credential *cred = NULL;
    char *scope = ukiyo__str_printf("repository:%s:pull", ukiyo_image_ref_repository(call->ref));
    char *auth_header = NULL, *userpwd = NULL;
    int err = h && scope ? lookup_credential(r, registry, &cred) : UKIYO_ENOMEM;

    for (int round = 0; err == 0 && round < 2; round++) {
        ukiyo__str_free_secret(auth_header);
        ukiyo__str_free_secret(userpwd);
        auth_header = bearer_header(r, registry, scope);
        userpwd = !auth_header && h->use_basic && cred
                      ? ukiyo__str_printf("%s:%s", ukiyo_credential_username(cred),
                                          ukiyo_credential_password(cred))
                      : NULL;
        const char *headers[] = {manifest_accept, auth_header, NULL};
        http_request req = {.method = call->method,
                            .headers = headers,
                            .no_body = call->head,
                            .userpwd = userpwd};
        err = send_to_registry(r, h, &req, call->path, resp);
        if (err < 0 || resp->status != 401 || round == 1)
            break;
        err = answer_challenge(r, h, resp, scope, cred);
        if (err == 0)
            ukiyo__http_response_clear(resp);
    }
    if (err == 0 && resp->status >= 400)
        err = registry_error(r, registry, call->path, resp);
    if (err < 0)
        ukiyo__http_response_clear(resp);
    ukiyo__str_free_secret(auth_header);
    ukiyo__str_free_secret(userpwd);
    ukiyo_credential_free(cred);
    free(scope);
    return err;
}

/* GET /v2/ with @cred as Basic credentials: accepted, or why not. */
static int login_basic(ukiyo_registry *r, host_entry *h, const ukiyo_credential *cred)
{
    http_response resp;
    char *userpwd = ukiyo__str_printf("%s:%s", ukiyo_credential_username(cred),
                                      ukiyo_credential_password(cred));
    http_request req = {.userpwd = userpwd};
    int err = userpwd ? send_to_registry(r, h, &req, "/v2/", &resp) : UKIYO_ENOMEM;

    ukiyo__str_free_secret(userpwd);
    if (err < 0)
        return ukiyo__error_wrap(err, "%s", h->registry);
    if (resp.status == 401 || resp.status == 403)
        err = ukiyo__error_set(UKIYO_EAUTH, "%s refused the user name and password (HTTP %ld)",
                               h->registry, resp.status);
    else if (resp.status >= 400)
        err = registry_error(r, h->registry, "/v2/", &resp);
    ukiyo__http_response_clear(&resp);
    return err;
}

UKIYO_EXTERN int ukiyo_registry_login(ukiyo_registry *r, const char *registry,
                                      const ukiyo_credential *cred)
{
    http_response resp;
    http_request req = {0};
    www_challenge challenge;

    if (!r || !registry || !cred || !ukiyo_credential_username(cred))
        return ukiyo__error_set(UKIYO_EINVAL, "registry login: needs a registry and a user name");
    host_entry *h = host_get(r, registry);
    if (!h)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    int err = send_to_registry(r, h, &req, "/v2/", &resp);
    if (err < 0)
        return ukiyo__error_wrap(err, "%s", registry);
    if (resp.status != 401) {
        /* 200: the registry asks no authentication; there is nothing to refuse. */
        err = resp.status >= 400 ? registry_error(r, registry, "/v2/", &resp) : 0;
        ukiyo__http_response_clear(&resp);
        return err;
    }
    err = ukiyo__www_authenticate_parse(&challenge,
                                        ukiyo__http_response_header(&resp, "WWW-Authenticate"));
    ukiyo__http_response_clear(&resp);
    if (err < 0)
        return ukiyo__error_set(UKIYO_EAUTH, "%s: a challenge ukiyo cannot read", registry);
    err = challenge.scheme == CHALLENGE_BEARER ? fetch_token(r, h, &challenge, "", cred)
                                               : login_basic(r, h, cred);
    ukiyo__www_challenge_clear(&challenge);
    return err;
}

static char *sha256_digest(const void *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];

    if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL))
        return NULL;
    for (unsigned i = 0; i < md_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ukiyo__str_printf("sha256:%s", hex);
}

UKIYO_EXTERN int ukiyo_registry_manifest_digest(char **digest_out, ukiyo_registry *r,
                                                const ukiyo_image_ref *ref)
{
    const char *tag = ref ? ukiyo_image_ref_tag(ref) : NULL;
    registry_call call = {.ref = ref, .method = "HEAD", .head = true};
    http_response resp;
    int err;

    if (!r || !ref || !digest_out)
        return ukiyo__error_set(UKIYO_EINVAL, "manifest digest: NULL argument");
    if (!tag)
        return ukiyo__error_set(UKIYO_EINVAL, "%s is pinned to a digest and has no tag to check",
                                ukiyo_image_ref_familiar(ref));
    call.path = ukiyo__str_printf("/v2/%s/manifests/%s", ukiyo_image_ref_repository(ref), tag);
    err = call.path ? registry_send(r, &call, &resp) : UKIYO_ENOMEM;
    if (err == 0 && !ukiyo__http_response_header(&resp, "Docker-Content-Digest")) {
        /* Some registries leave the header out of HEAD answers: GET and hash. */
        ukiyo__http_response_clear(&resp);
        call.method = "GET";
        call.head = false;
        err = registry_send(r, &call, &resp);
    }
    if (err == 0) {
        const char *header = ukiyo__http_response_header(&resp, "Docker-Content-Digest");
        char *digest = header ? strndup(header, strcspn(header, " \r\n"))
                              : sha256_digest(resp.body.data ? resp.body.data : "", resp.body.len);
        if (digest)
            *digest_out = digest;
        else
            err = UKIYO_ENOMEM;
        ukiyo__http_response_clear(&resp);
    }
    free(call.path);
    return err;
}

/* The next page's path from a Link header, only if it stays on this registry's /v2/. */
static char *next_page_path(const http_response *resp)
{
    const char *link = ukiyo__http_response_header(resp, "Link");
    const char *open, *close, *v2;

    if (!link || !strstr(link, "rel=\"next\"") || !(open = strchr(link, '<')) ||
        !(close = strchr(open, '>')))
        return NULL;
    v2 = strstr(open, "/v2/");
    if (!v2 || v2 > close || (open[1] != '/' && !ukiyo__str_has_prefix(open + 1, "http")))
        return NULL;
    return strndup(v2, (size_t)(close - v2));
}

static int append_tags(ukiyo_string_list *list, const http_response *resp)
{
    json_t *doc = json_loads(resp->body.data ? resp->body.data : "", 0, NULL);
    json_t *tags = json_object_get(doc, "tags"), *tag;
    size_t i;
    int err = 0;

    if (!json_is_object(doc))
        err = ukiyo__error_set(UKIYO_EPROTOCOL, "tag list is not a JSON object");
    json_array_foreach(tags, i, tag) {
        if (err == 0 && json_is_string(tag))
            err = ukiyo__string_list_append(list, json_string_value(tag));
    }
    json_decref(doc);
    return err;
}

UKIYO_EXTERN int ukiyo_registry_list_tags(ukiyo_string_list **out, ukiyo_registry *r,
                                          const ukiyo_image_ref *ref)
{
    ukiyo_string_list *list = calloc(1, sizeof(*list));
    registry_call call = {.ref = ref, .method = "GET"};
    int err = list ? 0 : UKIYO_ENOMEM;

    if (!r || !ref || !out) {
        free(list);
        return ukiyo__error_set(UKIYO_EINVAL, "list tags: NULL argument");
    }
    call.path = ukiyo__str_printf("/v2/%s/tags/list?n=%u", ukiyo_image_ref_repository(ref),
                                  r->tag_page_size);
    if (!call.path)
        err = UKIYO_ENOMEM;
    for (int page = 0; err == 0 && call.path && page < TAG_PAGES_MAX; page++) {
        http_response resp;
        err = registry_send(r, &call, &resp);
        if (err < 0)
            break;
        err = append_tags(list, &resp);
        free(call.path);
        call.path = next_page_path(&resp);
        ukiyo__http_response_clear(&resp);
    }
    free(call.path);
    if (err < 0) {
        ukiyo_string_list_free(list);
        return err;
    }
    *out = list;
    return 0;
}

UKIYO_EXTERN int ukiyo_registry_options_init(ukiyo_registry_options *opts, unsigned int version)
{
    static const ukiyo_registry_options template = UKIYO_REGISTRY_OPTIONS_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version,
                               UKIYO_REGISTRY_OPTIONS_VERSION, "ukiyo_registry_options");
}
