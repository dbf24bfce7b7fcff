/* fuzz_push.c - webhook bodies are untrusted; the first byte picks the headers. */
#include <string.h>
#include <ukiyo.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *github_header(const char *name, void *payload)
{
    if (strcmp(name, "X-GitHub-Event") == 0)
        return (const char *)payload;
    return NULL;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const events[] = {"package", "registry_package", "ping", NULL};
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;

    if (size == 0)
        return 0;
    const char *event = events[data[0] % 4];
    req.body = (const char *)data + 1;
    req.body_len = size - 1;
    if (event) {
        req.header = github_header;
        req.header_payload = (void *)event;
    }
    if (ukiyo_push_parse(&ev, &req) == 0) {
        for (size_t i = 0; i < ukiyo_push_events_count(ev); i++) {
            const ukiyo_push_event *e = ukiyo_push_events_get(ev, i);
            if (!ukiyo_push_event_image(e) || !ukiyo_push_event_tag(e))
                __builtin_trap();
        }
        ukiyo_push_events_free(ev);
    }
    return 0;
}
