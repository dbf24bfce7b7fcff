/*
 * receive-webhook.c - turn a registry's webhook delivery into the tags that
 * have a new image, with libukiyo's push module. Your HTTP server hands it
 * the body and a way to read the request's headers; here the body comes on
 * standard input and headers as NAME=VALUE arguments, so it runs in a pipe:
 *
 *   curl -s https://example.com/delivery.json | receive-webhook X-GitHub-Event=package
 *
 * The push module knows Docker Hub, CNCF distribution (and so Harbor 1.x,
 * GitLab, ...), Harbor 2.x, Quay, GitHub Packages, Azure ACR, Google
 * Artifact Registry and a generic {"image": "..."} body.
 *
 * Build against an installed libukiyo:
 *   cc receive-webhook.c $(pkg-config --cflags --libs libukiyo) -o receive-webhook
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ukiyo.h>

typedef struct {
    char **argv;
    int argc;
} header_args;

/* The push module asks for headers by name, in any case. */
static const char *header(const char *name, void *payload)
{
    const header_args *h = payload;
    size_t n = strlen(name);

    for (int i = 0; i < h->argc; i++)
        if (strncasecmp(h->argv[i], name, n) == 0 && h->argv[i][n] == '=')
            return h->argv[i] + n + 1;
    return NULL;
}

int main(int argc, char **argv)
{
    static char body[UKIYO_PUSH_BODY_MAX];
    size_t len = fread(body, 1, sizeof(body), stdin);
    header_args headers = {argv + 1, argc - 1};
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *events = NULL;

    req.body = body;
    req.body_len = len;
    req.header = header;
    req.header_payload = &headers;
    int err = ukiyo_push_parse(&events, &req);
    if (err < 0) {
        /* A server answers 400 (UKIYO_EINVAL) or 422 (UKIYO_EUNSUPPORTED) here. */
        fprintf(stderr, "receive-webhook: %s: %s\n", ukiyo_strerror(err), ukiyo_error_last());
        return 1;
    }
    printf("format: %s, %zu tag(s) pushed\n", ukiyo_push_events_format(events),
           ukiyo_push_events_count(events));
    for (size_t i = 0; i < ukiyo_push_events_count(events); i++) {
        const ukiyo_push_event *e = ukiyo_push_events_get(events, i);
        /* With a store, ukiyo_jobs_submit(u, e, ...) queues the update durably. */
        printf("%s%s%s\n", ukiyo_push_event_image(e), ukiyo_push_event_digest(e) ? " " : "",
               ukiyo_push_event_digest(e) ? ukiyo_push_event_digest(e) : "");
    }
    ukiyo_push_events_free(events);
    return 0;
}
