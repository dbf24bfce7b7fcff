/*
 * ukiyo/jobs.h - the durable job queue between triggers and updates.
 *
 * Every trigger (a webhook, later the poller and the scheduler) becomes a
 * job in the store; a job is committed before ukiyo_jobs_submit() returns,
 * so a daemon that answered 202 loses nothing in a crash. Jobs for the
 * same registry/repository:tag that are still queued are coalesced (a
 * registry sends several deliveries per push). A worker takes them in
 * order with ukiyo_jobs_run_next(), updating every container whose image
 * reference names that tag, in dependency order.
 */
#ifndef UKIYO_JOBS_H
#define UKIYO_JOBS_H

#include "common.h"
#include "context.h"
#include "manager.h"
#include "push.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Queue an update of the containers that run @p event's tag.
 * @param source       who asked ("dockerhub", "distribution", "cli", ...)
 * @param delivery_id  the registry's delivery ID, or NULL; a delivery seen
 *                     before is not queued again
 * @param job_id_out   the job's ID (an earlier queued job's when coalesced)
 * @return 0 once the job is durable, or a negative UKIYO_E* code
 */
UKIYO_EXTERN int ukiyo_jobs_submit(ukiyo *u, const ukiyo_push_event *event, const char *source,
                                   const char *delivery_id, int64_t *job_id_out);

/** One delivery's event for ukiyo_jobs_submit_batch(). */
typedef struct {
    const ukiyo_push_event *event; /**< borrowed; required */
    const char *source;            /**< who asked ("dockerhub", ...); NULL: "unknown" */
    const char *delivery_id;       /**< the registry's delivery ID, or NULL */
    const char *callback_url;      /**< Docker Hub's callback_url, or NULL */
    int64_t job_id;                /**< out: the job's ID (an earlier one's when coalesced) */
    int error;                     /**< out: 0, or why this one was not queued */
    int callback_refused;          /**< out: 1 when callback_url is not Docker Hub's */
} ukiyo_job_submission;

/**
 * Queue many events in one durable transaction: what ukiyo_jobs_submit()
 * does for one, for @p count of them, with a single commit (and a single
 * fsync) for all; a server that answers many deliveries at once groups
 * them this way. Each submission's outcome is in its own @c error and
 * @c job_id; one that fails leaves the others queued.
 * @return 0 once the transaction is durable (each submission may still
 *         hold its own error), or a negative UKIYO_E* code when nothing
 *         was queued (every @c error then holds it too)
 */
UKIYO_EXTERN int ukiyo_jobs_submit_batch(ukiyo *u, ukiyo_job_submission *subs, size_t count);

/**
 * Answer Docker Hub's callback when job @p job_id is done: POST
 * {"state": "success"|"failure", "description", "context": "ukiyo"} to
 * @p url, which must be on https://registry.hub.docker.com/ (what
 * ukiyo_push_events_callback_url() gives).
 * @return 0, UKIYO_EINVAL for another URL, UKIYO_ENOTFOUND for no such job
 */
UKIYO_EXTERN int ukiyo_jobs_set_callback(ukiyo *u, int64_t job_id, const char *url);

/** What a job for one container does. */
typedef enum {
    UKIYO_JOB_UPDATE = 0,
    UKIYO_JOB_REDEPLOY,
    UKIYO_JOB_ROLLBACK
} ukiyo_job_action;

/**
 * Queue an update, redeploy or rollback of one container by name (the REST
 * API's). A queued job for the same container and action is reused.
 * @return 0 once durable; UKIYO_ENOTFOUND for an unknown container
 */
UKIYO_EXTERN int ukiyo_jobs_submit_container(ukiyo *u, const char *container,
                                             ukiyo_job_action action, int64_t *job_id_out);

/**
 * Run the oldest queued job, if any: find the containers that run its tag,
 * update them (with @p opts, NULL for defaults) and record what became of
 * each in the job.
 * @param ran_out  set to 1 when a job ran, 0 when the queue was empty
 * @return 0, or a negative code when the store or the engine failed (the
 *         job is then queued again)
 */
UKIYO_EXTERN int ukiyo_jobs_run_next(ukiyo *u, const ukiyo_update_options *opts, int *ran_out);

/**
 * Put jobs that a crash left "running" back in the queue. Call once at
 * start, before any worker runs.
 * @param requeued_out  how many; may be NULL
 */
UKIYO_EXTERN int ukiyo_jobs_recover(ukiyo *u, unsigned int *requeued_out);

/**
 * One job as JSON: {"id", "state" (queued|running|done|failed), "image",
 * "registry", "repository", "tag", "digest", "source", "created_ms",
 * "finished_ms", "results": [{"name","outcome","reason"}...], "error"}.
 * @param json_out new string; free with ukiyo_string_free
 * @return 0 or UKIYO_ENOTFOUND
 */
UKIYO_EXTERN int ukiyo_jobs_get(char **json_out, ukiyo *u, int64_t job_id);

/**
 * The newest jobs first, as a JSON array of the objects ukiyo_jobs_get() gives.
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_jobs_list(char **json_out, ukiyo *u, size_t offset, size_t limit);

/**
 * When the next queued job is due (milliseconds since the epoch), for a
 * worker that sleeps until then: 0 when one is due now, INT64_MAX when the
 * queue is empty.
 */
UKIYO_EXTERN int ukiyo_jobs_next_due_ms(ukiyo *u, int64_t *due_ms_out);

#ifdef __cplusplus
}
#endif

#endif
