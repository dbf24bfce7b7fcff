/*
 * door.h - the front door's bounds: connections per address and in all,
 * the whole-request deadline, the bytes held for request bodies, and the
 * tally of refused requests.
 *
 * libmicrohttpd asks the door at each accept (door_accept_policy) and tells
 * it of each connection's start and end (door_connection_notify); the door
 * keeps one record per connection (a door_conn, the connection's socket
 * context) and a thread of its own that ends connections whose request
 * outlived its deadline. Everything here is safe to call from any thread.
 */
#ifndef UKIYOD_DOOR_H
#define UKIYOD_DOOR_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct {
    unsigned max_connections; /* in all */
    unsigned max_per_address;
    unsigned deadline_s; /* headers and body of one request */
    size_t buffer_limit; /* body bytes held for all requests together */
} door_limits;

typedef struct door door;
typedef struct door_conn door_conn;

int door_start(door **out, const door_limits *limits);
/* Log the last tally of refusals, stop the thread, release. NULL does nothing. */
void door_stop(door *d);

/*
 * How many connections libmicrohttpd may hold: the limit, and room for the
 * ones refused with an answer that are on their way out.
 */
unsigned door_connection_cap(const door *d);

/*
 * The inactivity timeout libmicrohttpd keeps (MHD_OPTION_CONNECTION_TIMEOUT):
 * a backstop some seconds past the door's deadline, for a client that stops
 * reading its answer. The door ends an idle request first, with a 408;
 * were both the same, libmicrohttpd would sometimes win the race and close
 * the connection without a word.
 */
unsigned door_inactivity_timeout_s(const door *d);

/* MHD_OPTION_NOTIFY_CONNECTION's and the accept policy's callbacks (@cls: the door). */
void door_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
enum MHD_Result door_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);

/* The door's record of @conn. Borrowed; lives as long as the connection. */
door_conn *door_conn_of(struct MHD_Connection *conn);
/* Refused at accept (429 or 503 already written): answer nothing more. */
bool door_conn_refused(const door_conn *c);
/* The request's deadline has passed (a 408 is then written and the connection ended). */
bool door_conn_overdue(door *d, door_conn *c);
/* The request is in: its deadline no longer applies while it is served. */
void door_conn_serving(door *d, door_conn *c);
/* The answer went: the clock of the connection's next request starts. */
void door_conn_idle(door *d, door_conn *c);
int door_conn_fd(const door_conn *c);

/* Hold @bytes of the body budget; false when they would pass the limit. */
bool door_reserve(door *d, size_t bytes);
void door_release(door *d, size_t bytes);

/*
 * Count a refused request by @reason (a static string such as
 * "unauthorized"): in /metrics at once, and in the log as one line per
 * reason every few seconds instead of one per request.
 */
void door_note_refusal(const char *reason);

/*
 * Write a whole JSON error answer straight to @fd (best effort, never
 * blocks), for the moments libmicrohttpd can no longer queue one: in the
 * middle of a body, or before any request was read.
 */
void door_write_answer(int fd, unsigned status, const char *code, const char *message);

#endif
