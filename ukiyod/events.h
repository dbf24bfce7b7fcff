/*
 * events.h - the live event stream (events.c): a bus the worker and the
 * request handlers publish jobs' and updates' events on, and the
 * Server-Sent Events responses of GET /api/v1/events that read it.
 */
#ifndef UKIYOD_EVENTS_H
#define UKIYOD_EVENTS_H

#include <jansson.h>
#include <microhttpd.h>

typedef struct event_bus event_bus;
typedef struct event_stream event_stream;

int event_bus_start(event_bus **out);
/* Publish @data (taken) as an event of @type ("job", "update"); thread-safe. NULL bus: dropped. */
void event_bus_publish(event_bus *b, const char *type, json_t *data);
/* End every stream and the keepalive ticker; call before the HTTP server stops. */
void event_bus_stop(event_bus *b);
void event_bus_free(event_bus *b);

/*
 * A stream's response for @conn, from the event after @last_event_id (the
 * client's Last-Event-ID header, or NULL: from now on). NULL with
 * *@refusal saying why when too many streams are open or the bus stopped.
 */
struct MHD_Response *event_stream_response(event_bus *b, struct MHD_Connection *conn,
                                           const char *last_event_id, const char **refusal);

#endif
