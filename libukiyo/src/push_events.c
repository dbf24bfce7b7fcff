/*
 * push_events.c - the events of one delivery: adding them (with the
 * reference checked), and the public getters.
 */
#include <stdlib.h>
#include <string.h>

#include "push_private.h"

ukiyo_push_events *ukiyo__push_events_new(void)
{
    ukiyo_push_events *ev = calloc(1, sizeof(*ev));

    if (ev && !(ev->items = calloc(PUSH_EVENTS_MAX, sizeof(*ev->items)))) {
        free(ev);
        return NULL;
    }
    return ev;
}

static bool digest_well_formed(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int ukiyo__push_add(ukiyo_push_events *ev, const char *registry, const char *repository,
                    const char *tag, const char *digest)
{
    ukiyo_image_ref *ref = NULL;
    char *text;

    if (!registry || !repository || !tag || !tag[0] || !repository[0]) {
        ev->invalid++;
        return 0;
    }
    if (ev->count == PUSH_EVENTS_MAX)
        return ukiyo__error_set(UKIYO_EINVAL, "more than %d events in one delivery",
                                PUSH_EVENTS_MAX);
    text = registry[0] ? ukiyo__str_printf("%s/%s:%s", registry, repository, tag)
                       : ukiyo__str_printf("%s:%s", repository, tag);
    if (!text)
        return UKIYO_ENOMEM;
    int err = ukiyo_image_ref_parse(&ref, text);
    free(text);
    if (err < 0) {
        log_warning("webhook: dropping an event: %s", ukiyo_error_last());
        ev->invalid++;
        return 0;
    }
    ukiyo_push_event *e = &ev->items[ev->count];
    e->registry = strdup(ukiyo_image_ref_registry(ref));
    e->repository = strdup(ukiyo_image_ref_repository(ref));
    e->tag = strdup(ukiyo_image_ref_tag(ref));
    e->image = strdup(ukiyo_image_ref_string(ref));
    /* A digest is a hint only (the tag is re-resolved); a malformed one is no hint. */
    e->digest = digest_well_formed(digest) ? strdup(digest) : NULL;
    ukiyo_image_ref_free(ref);
    ev->count++;
    return e->registry && e->repository && e->tag && e->image ? 0 : UKIYO_ENOMEM;
}

int ukiyo__push_add_reference(ukiyo_push_events *ev, const char *reference, const char *digest)
{
    ukiyo_image_ref *ref = NULL;
    int err;

    if (!reference || ukiyo_image_ref_parse(&ref, reference) < 0 || !ukiyo_image_ref_tag(ref)) {
        ukiyo_error_clear();
        ukiyo_image_ref_free(ref);
        ev->invalid++;
        return 0;
    }
    err = ukiyo__push_add(ev, ukiyo_image_ref_registry(ref), ukiyo_image_ref_repository(ref),
                          ukiyo_image_ref_tag(ref), digest ? digest : ukiyo_image_ref_digest(ref));
    ukiyo_image_ref_free(ref);
    return err;
}

int ukiyo__push_set_callback(ukiyo_push_events *ev, const char *url)
{
    if (!url || !url[0])
        return 0;
    if (!ukiyo__dockerhub_callback_allowed(url)) {
        log_warning("webhook: refusing callback_url %.200s: not on "
                    "https://registry.hub.docker.com/",
                    url);
        return 0;
    }
    ev->callback_url = strdup(url);
    return ev->callback_url ? 0 : UKIYO_ENOMEM;
}

const char *ukiyo__push_header(const ukiyo_push_request *req, const char *name)
{
    return req->header ? req->header(name, req->header_payload) : NULL;
}

void ukiyo__push_set_format(ukiyo_push_events *ev, const char *format)
{
    ev->format = format;
}

UKIYO_EXTERN void ukiyo_push_events_free(ukiyo_push_events *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->count; i++) {
        free(ev->items[i].registry);
        free(ev->items[i].repository);
        free(ev->items[i].tag);
        free(ev->items[i].digest);
        free(ev->items[i].image);
    }
    free(ev->items);
    free(ev->delivery_id);
    free(ev->callback_url);
    free(ev);
}

UKIYO_EXTERN const char *ukiyo_push_events_format(const ukiyo_push_events *ev)
{
    return ev->format;
}

UKIYO_EXTERN size_t ukiyo_push_events_count(const ukiyo_push_events *ev)
{
    return ev ? ev->count : 0;
}

UKIYO_EXTERN const ukiyo_push_event *ukiyo_push_events_get(const ukiyo_push_events *ev,
                                                           size_t index)
{
    return ev && index < ev->count ? &ev->items[index] : NULL;
}

UKIYO_EXTERN const char *ukiyo_push_events_delivery_id(const ukiyo_push_events *ev)
{
    return ev->delivery_id;
}

UKIYO_EXTERN const char *ukiyo_push_events_callback_url(const ukiyo_push_events *ev)
{
    return ev->callback_url;
}

UKIYO_EXTERN const char *ukiyo_push_event_registry(const ukiyo_push_event *e)
{
    return e->registry;
}

UKIYO_EXTERN const char *ukiyo_push_event_repository(const ukiyo_push_event *e)
{
    return e->repository;
}

UKIYO_EXTERN const char *ukiyo_push_event_tag(const ukiyo_push_event *e)
{
    return e->tag;
}

UKIYO_EXTERN const char *ukiyo_push_event_digest(const ukiyo_push_event *e)
{
    return e->digest;
}

UKIYO_EXTERN const char *ukiyo_push_event_image(const ukiyo_push_event *e)
{
    return e->image;
}
