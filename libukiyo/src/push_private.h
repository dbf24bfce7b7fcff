/*
 * push_private.h - what the push module's files share: push.c reads a
 * delivery, push_formats.c its format, push_events.c holds its events.
 */
#ifndef UKIYO_PUSH_PRIVATE_H
#define UKIYO_PUSH_PRIVATE_H

#include <jansson.h>

#include "push_callback.h"

/* One delivery's events (push_events.c). */
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

/* An empty list, room for PUSH_EVENTS_MAX events; NULL when out of memory. */
ukiyo_push_events *ukiyo__push_events_new(void);
/* Add an event for registry/repository:tag (registry "" for Docker Hub short names).
 * Events whose reference does not parse are counted as invalid, not added. */
int ukiyo__push_add(ukiyo_push_events *ev, const char *registry, const char *repository,
                    const char *tag, const char *digest);
/* Add an event from a whole reference "host/repo:tag"; @digest may be NULL. */
int ukiyo__push_add_reference(ukiyo_push_events *ev, const char *reference, const char *digest);
/* Keep Docker Hub's callback URL, when it points where it must. */
int ukiyo__push_set_callback(ukiyo_push_events *ev, const char *url);
void ukiyo__push_set_format(ukiyo_push_events *ev, const char *format);
const char *ukiyo__push_header(const ukiyo_push_request *req, const char *name);

/* Detect the format of @body (and headers) and add its events (push_formats.c). */
int ukiyo__push_read_format(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *body);

#endif
