/*
 * auth_proxy.c - see auth_proxy.h. libmicrohttpd in front, libcurl to the
 * real registry behind.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth_proxy.h"

#define PROXY_TOKEN "ukiyo-test-token-1"

struct auth_proxy {
    struct MHD_Daemon *mhd;
    char address[64];
    char upstream[64];
    const char *user;
    const char *password;
    atomic_int token_requests;
    atomic_int registry_requests;
    atomic_bool rate_limited;
    atomic_int delay_ms; /* before each /v2/ answer */
};

typedef struct {
    char *data;
    size_t len;
    char digest[128];
    char content_type[128];
    char link[512];
} upstream_reply;

static size_t collect_body(char *ptr, size_t size, size_t n, void *ud)
{
    upstream_reply *r = ud;
    char *grown = realloc(r->data, r->len + size * n + 1);

    if (!grown)
        return 0;
    memcpy(grown + r->len, ptr, size * n);
    r->data = grown;
    r->len += size * n;
    return size * n;
}

static void copy_header(const char *line, size_t len, const char *name, char *dst, size_t cap)
{
    size_t n = strlen(name);

    if (len > n + 1 && strncasecmp(line, name, n) == 0 && line[n] == ':') {
        const char *v = line + n + 1;
        while (*v == ' ')
            v++;
        size_t vlen = len - (size_t)(v - line);
        while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
            vlen--;
        snprintf(dst, cap, "%.*s", (int)vlen, v);
    }
}

static size_t collect_header(char *line, size_t size, size_t n, void *ud)
{
    upstream_reply *r = ud;

    copy_header(line, size * n, "Docker-Content-Digest", r->digest, sizeof(r->digest));
    copy_header(line, size * n, "Content-Type", r->content_type, sizeof(r->content_type));
    copy_header(line, size * n, "Link", r->link, sizeof(r->link));
    return size * n;
}

static long forward(auth_proxy *p, const char *method, const char *url, const char *accept,
                    upstream_reply *r)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char target[2048], accept_header[1024];
    long status = 502;

    snprintf(target, sizeof(target), "http://%s%.1900s", p->upstream, url);
    snprintf(accept_header, sizeof(accept_header), "Accept: %s", accept ? accept : "*/*");
    headers = curl_slist_append(headers, accept_header);
    curl_easy_setopt(curl, CURLOPT_URL, target);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *body,
                                 const char *const *headers)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    for (const char *const *h = headers; h && h[0]; h += 2)
        MHD_add_response_header(resp, h[0], h[1]);
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result answer_token(auth_proxy *p, struct MHD_Connection *c)
{
    p->token_requests++;
    if (p->user) {
        char *pass = NULL;
        char *user = MHD_basic_auth_get_username_password(c, &pass);
        bool ok = user && pass && strcmp(user, p->user) == 0 && strcmp(pass, p->password) == 0;
        MHD_free(user);
        MHD_free(pass);
        if (!ok)
            return send_text(c, 401, "{\"details\":\"incorrect username or password\"}", NULL);
    }
    return send_text(c, 200, "{\"token\":\"" PROXY_TOKEN "\",\"expires_in\":300}", NULL);
}

static bool authorized(auth_proxy *p, struct MHD_Connection *c)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    return !p->rate_limited && auth && strcmp(auth, "Bearer " PROXY_TOKEN) == 0;
}

static enum MHD_Result answer_registry(auth_proxy *p, struct MHD_Connection *c, const char *url,
                                       const char *method)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char challenge[512];
    upstream_reply r = {0};

    p->registry_requests++;
    if (p->rate_limited) {
        const char *h[] = {"Retry-After", "7", "ratelimit-remaining", "0;w=21600", NULL};
        return send_text(c, 429,
                         "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":"
                         "\"You have reached your pull rate limit\"}]}",
                         h);
    }
    if (!auth || strcmp(auth, "Bearer " PROXY_TOKEN) != 0) {
        snprintf(challenge, sizeof(challenge),
                 "Bearer realm=\"http://%s/token\",service=\"ukiyo-proxy\"", p->address);
        const char *h[] = {"WWW-Authenticate", challenge, "Content-Type", "application/json", NULL};
        return send_text(c, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}", h);
    }
    long status =
        forward(p, method, url, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"), &r);
    const char *h[] = {"ratelimit-remaining",
                       "99;w=21600",
                       r.digest[0] ? "Docker-Content-Digest" : NULL,
                       r.digest,
                       "Content-Type",
                       r.content_type,
                       r.link[0] ? "Link" : NULL,
                       r.link,
                       NULL};
    /* Drop empty pairs: the list ends at the first NULL name. */
    const char *clean[10];
    size_t n = 0;
    for (size_t i = 0; i + 1 < sizeof(h) / sizeof(h[0]); i += 2)
        if (h[i] && h[i + 1] && h[i + 1][0]) {
            clean[n++] = h[i];
            clean[n++] = h[i + 1];
        }
    clean[n] = NULL;
    if (r.data)
        r.data[r.len] = '\0';
    enum MHD_Result rc = send_text(c, (unsigned)status, r.data ? r.data : "", clean);
    free(r.data);
    return rc;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Debian's registry ignores ?n= and sends every tag at once; to exercise a
 * client's pagination the proxy pages the real list itself, the way
 * distribution does: sorted, after ?last=, with a Link to the next page.
 */
static enum MHD_Result answer_tag_page(auth_proxy *p, struct MHD_Connection *c, const char *url,
                                       size_t n, const char *last)
{
    upstream_reply r = {0};
    long status = forward(p, "GET", url, NULL, &r);
    json_t *doc = r.data ? json_loadb(r.data, r.len, 0, NULL) : NULL;
    json_t *tags = json_object_get(doc, "tags");
    size_t count = json_array_size(tags), start = 0, i;
    const char **sorted = calloc(count + 1, sizeof(*sorted));
    char link[1024] = "";

    free(r.data);
    if (status != 200 || !sorted) {
        json_decref(doc);
        free(sorted);
        return send_text(c, (unsigned)status, "{}", NULL);
    }
    for (i = 0; i < count; i++)
        sorted[i] = json_string_value(json_array_get(tags, i));
    qsort(sorted, count, sizeof(*sorted), compare_strings);
    while (last && start < count && strcmp(sorted[start], last) <= 0)
        start++;
    json_t *page = json_array();
    for (i = start; i < count && i < start + n; i++)
        json_array_append_new(page, json_string(sorted[i]));
    if (i < count)
        snprintf(link, sizeof(link), "<%s?last=%s&n=%zu>; rel=\"next\"", url, sorted[i - 1], n);
    json_t *reply = json_pack("{s:O, s:o}", "name", json_object_get(doc, "name"), "tags", page);
    char *body = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    const char *h[] = {link[0] ? "Link" : NULL, link, NULL};
    enum MHD_Result rc = send_text(c, 200, body, h);
    free(body);
    free(sorted);
    json_decref(doc);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    auth_proxy *p = cls;

    if (!*state) {
        *state = (void *)1;
        return MHD_YES;
    }
    if (strncmp(url, "/token", 6) == 0)
        return answer_token(p, c);
    if (strncmp(url, "/v2/", 4) == 0) {
        char full[2048];
        if (p->delay_ms > 0)
            usleep((useconds_t)p->delay_ms * 1000);
        const char *query = NULL;
        query = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n");
        if (query && strstr(url, "/tags/list") && authorized(p, c)) {
            p->registry_requests++;
            return answer_tag_page(p, c, url, strtoul(query, NULL, 10),
                                   MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "last"));
        }
        (void)full;
        return answer_registry(p, c, url, method);
    }
    return send_text(c, 404, "not here", NULL);
}

void auth_proxy_set_delay_ms(auth_proxy *p, int ms)
{
    p->delay_ms = ms;
}

auth_proxy *auth_proxy_start(const char *upstream, const char *user, const char *password)
{
    auth_proxy *p = calloc(1, sizeof(*p));

    snprintf(p->upstream, sizeof(p->upstream), "%s", upstream);
    p->user = user;
    p->password = password;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* poll(): a test may hold more descriptors than select() takes. A thread per
     * connection, so that a delayed answer holds only its own client. */
    p->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                  MHD_USE_POLL,
                              0, NULL, NULL, on_request, p, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!p->mhd) {
        free(p);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(p->mhd, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(p->address, sizeof(p->address), "127.0.0.1:%u", (unsigned)info->port);
    return p;
}

void auth_proxy_stop(auth_proxy *p)
{
    if (!p)
        return;
    MHD_stop_daemon(p->mhd);
    free(p);
}

const char *auth_proxy_address(const auth_proxy *p)
{
    return p->address;
}

int auth_proxy_token_requests(const auth_proxy *p)
{
    return p->token_requests;
}

int auth_proxy_registry_requests(const auth_proxy *p)
{
    return p->registry_requests;
}

void auth_proxy_set_rate_limited(auth_proxy *p, bool limited)
{
    p->rate_limited = limited;
}
