/*
 * ukiyo/push.h - registry webhooks: every registry's payload into one
 * event type, and the signature checks that registries can make.
 *
 * Formats: Docker Hub, CNCF distribution notifications (both envelope
 * media types), Harbor 2.x (PUSH_ARTIFACT), Harbor 1.x (pushImage),
 * Harbor's CloudEvents (structured and binary), Quay, GitHub's package and
 * registry_package events for ghcr.io, Azure ACR, Google Artifact Registry
 * (Pub/Sub push), and ukiyo's generic {"image": ..., "digest": ...}.
 * A webhook is a trigger, never the truth: re-resolve the tag before acting.
 * Pure: no I/O.
 */
#ifndef UKIYO_PUSH_H
#define UKIYO_PUSH_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Returns the value of request header @p name (any case), or NULL. */
typedef const char *(*ukiyo_push_header_fn)(const char *name, void *payload);

typedef struct {
    unsigned int version;
    const char *body; /**< the raw body; need not be NUL-terminated */
    size_t body_len;
    ukiyo_push_header_fn header; /**< header lookup, or NULL when there are none */
    void *header_payload;
} ukiyo_push_request;

#define UKIYO_PUSH_REQUEST_VERSION 1
#define UKIYO_PUSH_REQUEST_INIT                                                                    \
    {                                                                                              \
        UKIYO_PUSH_REQUEST_VERSION, NULL, 0, NULL, NULL                                            \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_PUSH_REQUEST_VERSION), as
 * UKIYO_PUSH_REQUEST_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_push_request_init(ukiyo_push_request *opts, unsigned int version);

/** Events of one delivery. */
typedef struct ukiyo_push_events ukiyo_push_events;
/** One tag that has a new image. */
typedef struct ukiyo_push_event ukiyo_push_event;

/** Largest body ukiyo_push_parse() looks at. */
#define UKIYO_PUSH_BODY_MAX (1024 * 1024)

/**
 * Read a webhook delivery.
 * @param out  new (free with ukiyo_push_events_free). A delivery that is
 *             understood but announces no tag push (a ping, a blob push, a
 *             pull, an untagged child manifest) has zero events.
 * @return 0; UKIYO_EINVAL for a malformed body (not JSON, fields of the
 *         wrong type, no valid image reference); UKIYO_EUNSUPPORTED when
 *         no format matches
 */
UKIYO_EXTERN int ukiyo_push_parse(ukiyo_push_events **out, const ukiyo_push_request *req);
UKIYO_EXTERN void ukiyo_push_events_free(ukiyo_push_events *events);

/** "dockerhub", "distribution", "harbor", "quay", "github", "acr", "gar" or "generic". */
UKIYO_EXTERN const char *ukiyo_push_events_format(const ukiyo_push_events *events);
UKIYO_EXTERN size_t ukiyo_push_events_count(const ukiyo_push_events *events);
/** Borrowed from the list. */
UKIYO_EXTERN const ukiyo_push_event *ukiyo_push_events_get(const ukiyo_push_events *events,
                                                           size_t index);
/** A unique ID of the delivery when the registry sends one (X-GitHub-Delivery), else NULL. */
UKIYO_EXTERN const char *ukiyo_push_events_delivery_id(const ukiyo_push_events *events);
/**
 * Docker Hub's callback URL, only when it is on https://registry.hub.docker.com/
 * (anything else would be a request forgery); else NULL. Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_push_events_callback_url(const ukiyo_push_events *events);

/** Normalised registry ("docker.io", "ghcr.io", "localhost:5000"). Borrowed. */
UKIYO_EXTERN const char *ukiyo_push_event_registry(const ukiyo_push_event *event);
/** Repository path ("library/nginx"). Borrowed. */
UKIYO_EXTERN const char *ukiyo_push_event_repository(const ukiyo_push_event *event);
/** The tag pushed. Borrowed. */
UKIYO_EXTERN const char *ukiyo_push_event_tag(const ukiyo_push_event *event);
/** The digest pushed when the registry said ("sha256:..."), else NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_push_event_digest(const ukiyo_push_event *event);
/** registry/repository:tag, normalised. Borrowed. */
UKIYO_EXTERN const char *ukiyo_push_event_image(const ukiyo_push_event *event);

/**
 * Check GitHub's X-Hub-Signature-256 ("sha256=<hex HMAC-SHA256(secret, body)>")
 * in constant time.
 * @return 0 when it matches, UKIYO_EAUTH when not (or malformed)
 */
UKIYO_EXTERN int ukiyo_push_verify_hmac_sha256(const char *body, size_t body_len,
                                               const char *secret, const char *signature);

#ifdef __cplusplus
}
#endif

#endif
