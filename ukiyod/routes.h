/*
 * routes.h - the daemon's routes: one table from method + path to handler.
 */
#ifndef UKIYOD_ROUTES_H
#define UKIYOD_ROUTES_H

#include "reply.h"

/*
 * Where a route's handler runs (server.c says why):
 *  ROUTE_INLINE  on the HTTP thread: answers from memory, never blocks;
 *  ROUTE_POOL    on a request worker with a library handle of its own,
 *                the connection suspended meanwhile (engine, registry, store);
 *  ROUTE_WEBHOOK parsed on the HTTP thread, committed by the webhook
 *                committer together with the deliveries around it.
 */
typedef enum { ROUTE_INLINE, ROUTE_POOL, ROUTE_WEBHOOK } route_kind;

typedef struct {
    const char *method;
    const char *path;
    bool prefix;      /* path followed by "/..." */
    bool needs_token; /* Authorization: Bearer <api token> */
    route_kind kind;
    route_handler handler;
} route;

/*
 * The route for @method and @url, with *rest_out set to what follows a
 * prefix route's path; NULL when there is none, and then *status_out is
 * 404 (no such path) or 405 (the path takes other methods: *allow_out
 * lists them, static). OPTIONS finds nothing and gives 204 with the list.
 */
const route *route_find(const char *method, const char *url, const char **rest_out,
                        unsigned *status_out, const char **allow_out);

/* Authorization: Bearer <api token>. */
bool route_token_ok(const daemon_state *state, struct MHD_Connection *conn);

#endif
