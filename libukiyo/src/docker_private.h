/*
 * docker_private.h - what the docker module's files share with each other
 * and with the manager: requests that return jansson documents.
 */
#ifndef UKIYO_DOCKER_PRIVATE_H
#define UKIYO_DOCKER_PRIVATE_H

#include <jansson.h>

#include "http.h"
#include "internal.h"

/* The engine's answer to a request: status and, when it sent JSON, the document. */
typedef struct {
    long status;
    json_t *doc;
} docker_reply;

/*
 * Send a request to the engine, negotiating the version first if needed.
 * @path starts with '/' and is already escaped; the "/v1.NN" prefix is added.
 * @body is JSON text or NULL. Statuses of 400 and above become errors with the
 * engine's message; 304 (already started/stopped) is a success.
 * @doc_out (may be NULL) receives the parsed body: new reference or NULL.
 */
int ukiyo__docker_call(ukiyo_docker *d, const char *method, const char *path, const char *body,
                       json_t **doc_out);
/* As ukiyo__docker_call with its own timeout (0: the client's default). */
int ukiyo__docker_call_timeout(ukiyo_docker *d, const char *method, const char *path,
                               const char *body, long timeout_ms, json_t **doc_out);

/* As ukiyo__docker_call, with one more request header ("X-Registry-Auth: ..."). */
int ukiyo__docker_call_header(ukiyo_docker *d, const char *method, const char *path,
                              const char *body, const char *header, json_t **doc_out);
/* The end of a call: @err as the request left it, the body in @resp (cleared) parsed into
 * *@doc_out when not NULL. */
int ukiyo__docker_reply_json(const char *method, const char *path, int err, http_response *resp,
                             json_t **doc_out);

/* As ukiyo__docker_call_timeout, the body as it came in @resp (clear it); errors as there. */
int ukiyo__docker_call_raw(ukiyo_docker *d, const char *method, const char *path, const char *body,
                           long timeout_ms, http_response *resp);

/*
 * The last @tail lines a container wrote, each after its timestamp (stdout
 * and stderr interleaved as written; @tty: it has a terminal, whose output is not multiplexed), at
 * most @max_bytes of them (the newest kept). New string in *@text_out.
 */
int ukiyo__docker_container_logs(ukiyo_docker *d, const char *id, bool tty, int tail,
                                 size_t max_bytes, char **text_out);

/* As ukiyo__docker_call, with extra headers and a line callback for streamed bodies. */
int ukiyo__docker_stream(ukiyo_docker *d, const char *method, const char *path,
                         const char *const *headers, http_line_fn on_line, void *payload);

/*
 * GET @path (the engine's /events) and hand each line to @on_line until the
 * engine ends it, @on_line fails, or @cancelled (asked about once a second)
 * says to stop: UKIYO_ETIMEOUT "cancelled" then. No stall timeout.
 */
int ukiyo__docker_follow(ukiyo_docker *d, const char *path, http_line_fn on_line,
                         bool (*cancelled)(void *payload), void *payload);

/* An ukiyo_image_info from its inspect document's JSON text (the inventory's copy). */
int ukiyo__image_info_from_text(ukiyo_image_info **out, const char *json);

/* Turn an engine error into a UKIYO_E* code, its message into the last error. */
int ukiyo__docker_error_from_status(long status, const char *what, const char *body);

/* Tag image @image (ID or reference) as reference @ref ("repo:tag"). */
int ukiyo__docker_tag_image(ukiyo_docker *d, const char *image, const char *ref);

/* Wrap an engine document; takes the reference @doc. NULL when out of memory. */
ukiyo_container *ukiyo__container_from_json(json_t *doc, bool from_inspect);
/* Keep only @list's containers for which @keep is true (the others are freed). */
void ukiyo__container_list_filter(ukiyo_container_list *list,
                                  bool (*keep)(const ukiyo_container *c));
/* Sort @list's containers by @before (a strcmp-like order), stable for equal ones. */
void ukiyo__container_list_sort(ukiyo_container_list *list,
                                int (*before)(const ukiyo_container *a, const ukiyo_container *b));
/* The document behind a container (borrowed). */
json_t *ukiyo__container_document(const ukiyo_container *c);
/* Inspect documents as jansson values (new references). */
int ukiyo__docker_inspect_container_json(ukiyo_docker *d, const char *id_or_name, json_t **out);
int ukiyo__docker_inspect_image_json(ukiyo_docker *d, const char *ref, json_t **out);

/* ---- swarm services (docker_service.c) -------------------------------- */

/* The document behind a service (borrowed). */
json_t *ukiyo__service_document(const ukiyo_service *s);
/* A service's tasks (GET /tasks; @desired_state or NULL for all) as a new jansson array. */
int ukiyo__docker_service_tasks_json(ukiyo_docker *d, const char *service,
                                     const char *desired_state, json_t **out);
/* Does @name say "service/NAME"? */
bool ukiyo__is_service_name(const char *name);
/*
 * The reference a service follows: its spec's image without the digest the
 * CLI pinned beside the tag ("repo:tag@sha256:..." -> "repo:tag"); an image
 * with only a digest stays as it is (pinned). New string.
 */
char *ukiyo__service_tag_reference(const char *image);
/* Was @c made by ukiyo__service_as_container? */
bool ukiyo__container_is_service(const ukiyo_container *c);
/* The services, when the engine is a swarm manager; else none (*@out NULL) and no error. */
int ukiyo__docker_services_if_manager(ukiyo_docker *d, ukiyo_service_list **out);
/* Inspect what a name names: "service/NAME" a service (seen as a container), else a container. */
int ukiyo__docker_inspect_watched(ukiyo_docker *d, const char *name, ukiyo_container **out);

#endif
