/*
 * http.h - the one place libukiyo speaks HTTP, through libcurl.
 *
 * An http_session owns one CURL easy handle (so connections are reused) and
 * the transport settings of one peer: a unix socket or TLS client
 * certificates. A session is used by one thread at a time.
 */
#ifndef UKIYO_HTTP_H
#define UKIYO_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

typedef struct {
    const char *unix_socket; /* connect here instead of the URL's host */
    const char *ca_file;     /* TLS: trust these CAs */
    const char *cert_file;   /* TLS: client certificate */
    const char *key_file;    /* TLS: client key */
    bool insecure_tls;       /* TLS: do not verify the peer */
} http_transport;

typedef struct http_session http_session;

/* Called for each complete line of a streamed body; a negative return aborts. */
typedef int (*http_line_fn)(const char *line, size_t len, void *payload);

typedef struct {
    const char *method; /* "GET" when NULL */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
    const char *body;           /* sent when non-NULL */
    size_t body_len;
    long timeout_ms;      /* whole request; 0: the session's default */
    long stall_timeout_s; /* abort when no byte arrives for this long (streams) */
    http_line_fn on_line; /* stream the body line by line instead of keeping it */
    void *payload;
    const char *userpwd; /* "user:password" for Basic auth, or NULL */
    bool no_body;        /* HEAD */
    /*
     * A stream that may wait for hours: asked about once a second (with
     * @payload) whether to give up; true ends the request with
     * UKIYO_ETIMEOUT "cancelled". NULL: never.
     */
    bool (*cancelled)(void *payload);
} http_request;

typedef struct {
    long status;
    strbuf body;
    char **headers; /* "name: value", as received */
    size_t header_count;
} http_response;

int ukiyo__http_session_new(http_session **out, const http_transport *transport,
                            long default_timeout_ms);
void ukiyo__http_session_free(http_session *s);

/*
 * Perform one request. Transport failures become UKIYO_ECONNECT or
 * UKIYO_ETIMEOUT with curl's words; any HTTP status is a success here and is
 * left to the caller. Bodies larger than 64 MiB are refused.
 */
int ukiyo__http_perform(http_session *s, const http_request *req, http_response *resp);

/* The value of a response header, matched case-insensitively; borrowed or NULL. */
const char *ukiyo__http_response_header(const http_response *resp, const char *name);
void ukiyo__http_response_clear(http_response *resp);

/* Percent-encode for a URL query or path segment; new string or NULL. */
char *ukiyo__http_escape(const char *s);

#endif
