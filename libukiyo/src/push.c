/*
 * push.c - webhook deliveries into events: the list, its events, format
 * detection, and GitHub's HMAC. The formats' readers are in push_formats.c.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "push_private.h"

#define PUSH_EVENTS_MAX 256

struct ukiyo_push_event {
    char *registry;
    char *repository;
    char *tag;
    char *digest;
    char *image;
};

struct ukiyo_push_events {
    const char *format;
    char *delivery_id;
    char *callback_url;
    ukiyo_push_event *items;
    size_t count;
    size_t invalid; /* events dropped for a bad reference */
};

static bool digest_well_formed(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int push_add(ukiyo_push_events *ev, const char *registry, const char *repository, const char *tag,
             const char *digest)
{
    ukiyo_image_ref *ref = NULL;
    char *text;

    if (!registry || !repository || !tag || !tag[0] || !repository[0]) {
        ev->invalid++;
        return 0;
    }
    if (ev->count == PUSH_EVENTS_MAX)
        return ukiyo_error_set(UKIYO_EINVAL, "more than %d events in one delivery",
                               PUSH_EVENTS_MAX);
    text = registry[0] ? str_printf("%s/%s:%s", registry, repository, tag)
                       : str_printf("%s:%s", repository, tag);
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

int push_add_reference(ukiyo_push_events *ev, const char *reference, const char *digest)
{
    ukiyo_image_ref *ref = NULL;
    int err;

    if (!reference || ukiyo_image_ref_parse(&ref, reference) < 0 || !ukiyo_image_ref_tag(ref)) {
        ukiyo_error_clear();
        ukiyo_image_ref_free(ref);
        ev->invalid++;
        return 0;
    }
    err = push_add(ev, ukiyo_image_ref_registry(ref), ukiyo_image_ref_repository(ref),
                   ukiyo_image_ref_tag(ref), digest ? digest : ukiyo_image_ref_digest(ref));
    ukiyo_image_ref_free(ref);
    return err;
}

int push_set_callback(ukiyo_push_events *ev, const char *url)
{
    if (!url || !url[0])
        return 0;
    if (!dockerhub_callback_allowed(url)) {
        log_warning("webhook: refusing callback_url %.200s: not on "
                    "https://registry.hub.docker.com/", url);
        return 0;
    }
    ev->callback_url = strdup(url);
    return ev->callback_url ? 0 : UKIYO_ENOMEM;
}

const char *push_header(const ukiyo_push_request *req, const char *name)
{
    return req->header ? req->header(name, req->header_payload) : NULL;
}

UKIYO_EXTERN int ukiyo_push_parse(ukiyo_push_events **out, const ukiyo_push_request *req)
{
    ukiyo_push_events *ev;
    json_error_t jerr;
    json_t *body;
    int err;

    if (!out || !req || (!req->body && req->body_len))
        return ukiyo_error_set(UKIYO_EINVAL, "webhook: NULL argument");
    if (req->body_len > UKIYO_PUSH_BODY_MAX)
        return ukiyo_error_set(UKIYO_EINVAL, "webhook body larger than %d bytes",
                               UKIYO_PUSH_BODY_MAX);
    body = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body)
        return ukiyo_error_set(UKIYO_EINVAL, "webhook body is not JSON: %s (line %d)", jerr.text,
                               jerr.line);
    ev = calloc(1, sizeof(*ev));
    if (ev)
        ev->items = calloc(PUSH_EVENTS_MAX, sizeof(*ev->items));
    err = ev && ev->items ? push_read_format(ev, req, body) : UKIYO_ENOMEM;
    json_decref(body);
    if (err == 0 && ev->count == 0 && ev->invalid > 0)
        err = ukiyo_error_set(UKIYO_EINVAL, "webhook (%s): no valid image reference in it",
                              ev->format);
    if (err < 0) {
        ukiyo_push_events_free(ev);
        return err;
    }
    const char *delivery = push_header(req, "X-GitHub-Delivery");
    if (delivery && delivery[0] && strlen(delivery) < 128)
        ev->delivery_id = strdup(delivery);
    *out = ev;
    return 0;
}

void push_set_format(ukiyo_push_events *ev, const char *format)
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

UKIYO_EXTERN int ukiyo_push_verify_hmac_sha256(const char *body, size_t body_len,
                                               const char *secret, const char *signature)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];

    if (!secret || !secret[0] || !signature || !str_has_prefix(signature, "sha256="))
        return ukiyo_error_set(UKIYO_EAUTH, "webhook signature missing or not sha256=<hex>");
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, body_len,
              mac, &mac_len))
        return ukiyo_error_set(UKIYO_EAUTH, "cannot compute the HMAC");
    for (unsigned i = 0; i < mac_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    if (!str_equal_secret(hex, signature + 7))
        return ukiyo_error_set(UKIYO_EAUTH, "webhook signature does not match");
    return 0;
}

UKIYO_EXTERN int ukiyo_secret_equal(const char *a, const char *b)
{
    return a && b && str_equal_secret(a, b);
}
