/*
 * handlers.h - the routes' handlers, each in the routes_*.c file (or
 * metrics.c) that the comment names; routes.c puts them in its table.
 */
#ifndef UKIYOD_HANDLERS_H
#define UKIYOD_HANDLERS_H

#include "reply.h"

/* routes_webhook.c: authenticate from the headers, parse once the body is in. */
typedef enum { WEBHOOK_AUTH_OK, WEBHOOK_AUTH_NEEDS_BODY, WEBHOOK_AUTH_REFUSED } webhook_auth;
webhook_auth webhook_authenticate_headers(const daemon_state *state, struct MHD_Connection *conn,
                                          const char *rest);
/*
 * Check the body's HMAC when @auth asks for it and parse the delivery. 1 and
 * *events_out set (new) when there are jobs to queue; otherwise 0 with the
 * reply set (401, 400, 422, or 200 for a delivery with nothing to update).
 */
int webhook_parse(const daemon_state *state, const route_request *req, webhook_auth auth,
                  ukiyo_push_events **events_out);
/* The 202 (or 503) of a committed delivery; @ids holds its @count jobs. */
void webhook_answer_committed(const route_request *req, const ukiyo_push_events *ev, int err,
                              const int64_t *ids, size_t count);
/* routes_api.c */
int handle_health(route_context *ctx, const route_request *req);
int handle_jobs(route_context *ctx, const route_request *req);
int handle_job(route_context *ctx, const route_request *req);
int handle_job_answer(route_context *ctx, const route_request *req);
int handle_events(route_context *ctx, const route_request *req);
int handle_dashboard(route_context *ctx, const route_request *req);
int handle_history(route_context *ctx, const route_request *req);
/* routes_keys.c */
int handle_keys_save(route_context *ctx, const route_request *req);
int handle_keys_edit(route_context *ctx, const route_request *req);
int handle_keys_delete(route_context *ctx, const route_request *req);
int handle_registries(route_context *ctx, const route_request *req);
/* routes_deployments.c */
int handle_schedule_save(route_context *ctx, const route_request *req);
int handle_schedule_edit(route_context *ctx, const route_request *req);
int handle_schedule_remove(route_context *ctx, const route_request *req);
int handle_deployments(route_context *ctx, const route_request *req);
int handle_seed_history_page(route_context *ctx, const route_request *req);
int handle_seed_history_name(route_context *ctx, const route_request *req);
/* routes_containers.c */
int handle_containers(route_context *ctx, const route_request *req);
int handle_container_action(route_context *ctx, const route_request *req);
int handle_services(route_context *ctx, const route_request *req);
int handle_service_action(route_context *ctx, const route_request *req);
/* routes_projects.c */
int handle_projects(route_context *ctx, const route_request *req);
int handle_project_action(route_context *ctx, const route_request *req);
/* metrics.c */
int handle_metrics(route_context *ctx, const route_request *req);
/* One history entry as the API shows it (routes_api.c). */
json_t *history_entry_json(const ukiyo_history_entry *e);

#endif
