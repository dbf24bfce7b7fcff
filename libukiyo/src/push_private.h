/*
 * push_private.h - what push.c and push_formats.c share.
 */
#ifndef UKIYO_PUSH_PRIVATE_H
#define UKIYO_PUSH_PRIVATE_H

#include <jansson.h>

#include "push_internal.h"

/* Add an event for registry/repository:tag (registry "" for Docker Hub short names).
 * Events whose reference does not parse are counted as invalid, not added. */
int push_add(ukiyo_push_events *ev, const char *registry, const char *repository, const char *tag,
             const char *digest);
/* Add an event from a whole reference "host/repo:tag"; @digest may be NULL. */
int push_add_reference(ukiyo_push_events *ev, const char *reference, const char *digest);
/* Keep Docker Hub's callback URL, when it points where it must. */
int push_set_callback(ukiyo_push_events *ev, const char *url);
void push_set_format(ukiyo_push_events *ev, const char *format);
const char *push_header(const ukiyo_push_request *req, const char *name);

/* Detect the format of @body (and headers) and add its events (push_formats.c). */
int push_read_format(ukiyo_push_events *ev, const ukiyo_push_request *req, json_t *body);

#endif
