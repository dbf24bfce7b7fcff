/*
 * http.c - libcurl behind one small request/response interface.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_BODY_MAX (64u * 1024 * 1024)
#define HTTP_HEADERS_MAX 200

struct http_session {
    CURL *curl;
    http_transport transport; /* strings owned */
    long default_timeout_ms;
};

typedef struct {
    const http_request *req;
    http_response *resp;
    strbuf pending; /* partial line of a streamed body */
    int aborted;    /* the negative code a line callback returned */
    bool too_big;
    bool cancelled; /* req->cancelled said so */
} transfer_state;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int ukiyo__http_session_new(http_session **out, const http_transport *transport,
                            long default_timeout_ms)
{
    http_session *s;

    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK)
        return ukiyo__error_set(UKIYO_EIO, "libcurl failed to initialise: %s",
                                curl_easy_strerror(curl_init_result));
    s = calloc(1, sizeof(*s));
    if (!s)
        return UKIYO_ENOMEM;
    s->curl = curl_easy_init();
    s->transport.unix_socket = ukiyo__str_dup(transport ? transport->unix_socket : NULL);
    s->transport.ca_file = ukiyo__str_dup(transport ? transport->ca_file : NULL);
    s->transport.cert_file = ukiyo__str_dup(transport ? transport->cert_file : NULL);
    s->transport.key_file = ukiyo__str_dup(transport ? transport->key_file : NULL);
    s->transport.insecure_tls = transport && transport->insecure_tls;
    s->default_timeout_ms = default_timeout_ms > 0 ? default_timeout_ms : 30000;
    if (!s->curl) {
        ukiyo__http_session_free(s);
        return ukiyo__error_set(UKIYO_ENOMEM, "cannot create a curl handle");
    }
    *out = s;
    return 0;
}

void ukiyo__http_session_free(http_session *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free((char *)s->transport.unix_socket);
    free((char *)s->transport.ca_file);
    free((char *)s->transport.cert_file);
    free((char *)s->transport.key_file);
    free(s);
}

static int deliver_lines(transfer_state *st)
{
    char *start = st->pending.data;
    char *nl;

    while ((nl = memchr(start, '\n', st->pending.len - (size_t)(start - st->pending.data)))) {
        size_t len = (size_t)(nl - start);
        int rc = len > 0 ? st->req->on_line(start, len, st->req->payload) : 0;
        if (rc < 0)
            return rc;
        start = nl + 1;
    }
    size_t rest = st->pending.len - (size_t)(start - st->pending.data);
    memmove(st->pending.data, start, rest);
    st->pending.len = rest;
    st->pending.data[rest] = '\0';
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    transfer_state *st = userdata;
    size_t n = size * nmemb;
    strbuf *target = st->req->on_line ? &st->pending : &st->resp->body;

    if (target->len + n > HTTP_BODY_MAX) {
        st->too_big = true;
        return 0;
    }
    if (ukiyo__strbuf_append(target, data, n) < 0)
        return 0;
    if (st->req->on_line) {
        int rc = deliver_lines(st);
        if (rc < 0) {
            st->aborted = rc;
            return 0;
        }
    }
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    transfer_state *st = userdata;

    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    st->cancelled = st->req->cancelled(st->req->payload);
    return st->cancelled ? 1 : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    transfer_state *st = userdata;
    http_response *resp = st->resp;
    size_t n = size * nmemb;
    size_t len = n;

    /* A new status line (after a redirect or 100-continue) starts a new header set. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        for (size_t i = 0; i < resp->header_count; i++)
            free(resp->headers[i]);
        resp->header_count = 0;
        return n;
    }
    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len == 0 || !memchr(data, ':', len) || resp->header_count >= HTTP_HEADERS_MAX)
        return n;
    char **grown = realloc(resp->headers, (resp->header_count + 1) * sizeof(*grown));
    if (!grown)
        return 0;
    resp->headers = grown;
    resp->headers[resp->header_count] = strndup(data, len);
    if (!resp->headers[resp->header_count])
        return 0;
    resp->header_count++;
    return n;
}

static void apply_transport(CURL *curl, const http_transport *t)
{
    if (t->unix_socket)
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, t->unix_socket);
    if (t->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, t->ca_file);
    if (t->cert_file)
        curl_easy_setopt(curl, CURLOPT_SSLCERT, t->cert_file);
    if (t->key_file)
        curl_easy_setopt(curl, CURLOPT_SSLKEY, t->key_file);
    if (t->insecure_tls) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static struct curl_slist *build_headers(const http_request *req)
{
    struct curl_slist *list = NULL;

    for (const char *const *h = req->headers; h && *h; h++) {
        struct curl_slist *next = curl_slist_append(list, *h);
        if (!next) {
            curl_slist_free_all(list);
            return NULL;
        }
        list = next;
    }
    /* curl would otherwise send "Expect: 100-continue" and wait on large bodies. */
    return curl_slist_append(list, "Expect:");
}

static void configure_request(http_session *s, const http_request *req, transfer_state *st,
                              struct curl_slist *headers)
{
    CURL *curl = s->curl;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : s->default_timeout_ms;

    curl_easy_reset(curl);
    apply_transport(curl, &s->transport);
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
    if (req->stall_timeout_s > 0) {
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, req->stall_timeout_s);
    } else if (req->cancelled) {
        /* A stream that lasts until it is cancelled: no deadline (curl_easy_reset left none). */
    } else {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, st);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, st);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "ukiyo/" UKIYO_VERSION_STRING);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (req->no_body)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (req->cancelled) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, st);
    }
    if (req->body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
    }
    if (req->userpwd) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERPWD, req->userpwd);
    }
}

static int transport_error(const http_request *req, CURLcode rc, const char *detail)
{
    const char *why = detail[0] ? detail : curl_easy_strerror(rc);

    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return ukiyo__error_set(UKIYO_ETIMEOUT, "%s %s: %s", req->method ? req->method : "GET",
                                req->url, why);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return ukiyo__error_set(UKIYO_ECONNECT, "cannot reach %s: %s", req->url, why);
    default:
        return ukiyo__error_set(UKIYO_EPROTOCOL, "%s %s failed: %s",
                                req->method ? req->method : "GET", req->url, why);
    }
}

int ukiyo__http_perform(http_session *s, const http_request *req, http_response *resp)
{
    char detail[CURL_ERROR_SIZE] = "";
    transfer_state st = {.req = req, .resp = resp};
    struct curl_slist *headers = build_headers(req);
    CURLcode rc;
    int err = 0;

    memset(resp, 0, sizeof(*resp));
    if (!headers)
        return UKIYO_ENOMEM;
    configure_request(s, req, &st, headers);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, detail);
    rc = curl_easy_perform(s->curl);
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (rc == CURLE_OK && req->on_line && st.pending.len > 0)
        st.aborted = req->on_line(st.pending.data, st.pending.len, req->payload);
    if (st.aborted < 0)
        err = st.aborted; /* the line callback set the error message */
    else if (st.cancelled)
        err = ukiyo__error_set(UKIYO_ETIMEOUT, "%s: cancelled", req->url);
    else if (st.too_big)
        err = ukiyo__error_set(UKIYO_EPROTOCOL, "%s: response body larger than %u bytes", req->url,
                               HTTP_BODY_MAX);
    else if (rc != CURLE_OK)
        err = transport_error(req, rc, detail);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    ukiyo__strbuf_free(&st.pending);
    if (err < 0)
        ukiyo__http_response_clear(resp);
    return err;
}

const char *ukiyo__http_response_header(const http_response *resp, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < resp->header_count; i++) {
        const char *h = resp->headers[i];
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            h += n + 1;
            while (*h == ' ' || *h == '\t')
                h++;
            return h;
        }
    }
    return NULL;
}

void ukiyo__http_response_clear(http_response *resp)
{
    for (size_t i = 0; i < resp->header_count; i++)
        free(resp->headers[i]);
    free(resp->headers);
    ukiyo__strbuf_free(&resp->body);
    memset(resp, 0, sizeof(*resp));
}

char *ukiyo__http_escape(const char *s)
{
    char *escaped = curl_easy_escape(NULL, s, 0);
    char *copy = ukiyo__str_dup(escaped);

    curl_free(escaped);
    return copy;
}
