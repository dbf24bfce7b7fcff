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
    UKIYO_JOB_ROLLBACK,
    /** An update that tries a release rolled back for the container before. */
    UKIYO_JOB_FORCE_UPDATE
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
 *         job is then queued again); UKIYO_EINTERRUPTED when
 *         ukiyo_interrupt() stopped it: the job stays running, for
 *         ukiyo_jobs_recover() at the next start. An interrupted handle
 *         takes no new job.
 */
UKIYO_EXTERN int ukiyo_jobs_run_next(ukiyo *u, const ukiyo_update_options *opts, int *ran_out);

/**
 * Put jobs that a crash left "running" back in the queue. Call once at
 * start, before any worker runs.
 * @param requeued_out  how many; may be NULL
 */
UKIYO_EXTERN int ukiyo_jobs_recover(ukiyo *u, unsigned int *requeued_out);

/**
 * Approve job @p job_id, which waits in state awaiting-approval (a
 * container labelled ukiyo.approve=true, or a handle opened with
 * ukiyo_options.approve): it is queued and runs at once, as a person's
 * update does (its window does not hold it).
 * @return 0; UKIYO_ENOTFOUND for no such job; UKIYO_ECONFLICT, saying its
 *         state, for a job that does not wait, or when an update of its
 *         container is queued already
 */
UKIYO_EXTERN int ukiyo_jobs_approve(ukiyo *u, int64_t job_id);

/**
 * Reject job @p job_id, which waits for approval: it ends "rejected" and
 * its release is remembered as rejected for its container (no push or poll
 * offers it again; ukiyoctl update --force still can).
 * @return as ukiyo_jobs_approve()
 */
UKIYO_EXTERN int ukiyo_jobs_reject(ukiyo *u, int64_t job_id);

/**
 * End the jobs whose approval did not come in time (ukiyo.approve-timeout):
 * state expired, nothing applied. ukiyo_jobs_run_next() calls it too.
 * @param expired_out  how many; may be NULL
 */
UKIYO_EXTERN int ukiyo_jobs_expire(ukiyo *u, unsigned int *expired_out);

/** A job as the store keeps it. Opaque. */
typedef struct ukiyo_job ukiyo_job;
/** Jobs, newest first. Opaque. */
typedef struct ukiyo_job_list ukiyo_job_list;

/**
 * Job @p job_id.
 * @param out new job; free with ukiyo_job_free
 * @return 0 or UKIYO_ENOTFOUND
 */
UKIYO_EXTERN int ukiyo_jobs_get(ukiyo_job **out, ukiyo *u, int64_t job_id);
/**
 * Up to @p limit jobs (0: 50; at most 500), newest first, from @p offset.
 * @param out new list; free with ukiyo_job_list_free
 */
UKIYO_EXTERN int ukiyo_jobs_list(ukiyo_job_list **out, ukiyo *u, size_t offset, size_t limit);
UKIYO_EXTERN size_t ukiyo_job_list_count(const ukiyo_job_list *list);
/** The @p index-th job, or NULL past the end. Borrowed from the list. */
UKIYO_EXTERN const ukiyo_job *ukiyo_job_list_get(const ukiyo_job_list *list, size_t index);
UKIYO_EXTERN void ukiyo_job_list_free(ukiyo_job_list *list);
UKIYO_EXTERN void ukiyo_job_free(ukiyo_job *job);

/* The getters' strings are borrowed from the job; NULL when it has none. */
UKIYO_EXTERN int64_t ukiyo_job_id(const ukiyo_job *job);
/**
 * queued, running, done, failed (every container it touched failed or
 * rolled back, or the job could not run), partial (some did),
 * awaiting-approval (it waits for a person), rejected (a person said no)
 * or expired (nobody approved it in time).
 */
UKIYO_EXTERN const char *ukiyo_job_state(const ukiyo_job *job);
/** registry/repository:tag. */
UKIYO_EXTERN const char *ukiyo_job_image(const ukiyo_job *job);
UKIYO_EXTERN const char *ukiyo_job_registry(const ukiyo_job *job);
UKIYO_EXTERN const char *ukiyo_job_repository(const ukiyo_job *job);
UKIYO_EXTERN const char *ukiyo_job_tag(const ukiyo_job *job);
/** The digest the push named, if it named one. */
UKIYO_EXTERN const char *ukiyo_job_digest(const ukiyo_job *job);
/** Who queued it: dockerhub, distribution, ..., poll, window, api. */
UKIYO_EXTERN const char *ukiyo_job_source(const ukiyo_job *job);
/** update, redeploy or rollback. */
UKIYO_EXTERN const char *ukiyo_job_action_name(const ukiyo_job *job);
/** A job for one container: its name. */
UKIYO_EXTERN const char *ukiyo_job_container(const ukiyo_job *job);
/** A scheduled deployment's job: the deployment's name. */
UKIYO_EXTERN const char *ukiyo_job_deployment(const ukiyo_job *job);
/** The reference a tag policy moves the container to. */
UKIYO_EXTERN const char *ukiyo_job_target_image(const ukiyo_job *job);
/** Why the job failed (state failed). */
UKIYO_EXTERN const char *ukiyo_job_error(const ukiyo_job *job);
UKIYO_EXTERN int64_t ukiyo_job_created_ms(const ukiyo_job *job);
/** 0 until it ends. */
UKIYO_EXTERN int64_t ukiyo_job_finished_ms(const ukiyo_job *job);
/** Not run before this (a window, a scheduled deployment); 0: at once. */
UKIYO_EXTERN int64_t ukiyo_job_not_before_ms(const ukiyo_job *job);
/** When a person approved it; 0: not approved (or it needed no approval). */
UKIYO_EXTERN int64_t ukiyo_job_approved_ms(const ukiyo_job *job);
/** A waiting job's expiry; 0: none. */
UKIYO_EXTERN int64_t ukiyo_job_expires_ms(const ukiyo_job *job);
/** What became of each container the job touched, in the order it ran. */
UKIYO_EXTERN size_t ukiyo_job_result_count(const ukiyo_job *job);
UKIYO_EXTERN const char *ukiyo_job_result_name(const ukiyo_job *job, size_t index);
/** updated, fresh, rolled-back, failed, skipped, deferred, created, ... */
UKIYO_EXTERN const char *ukiyo_job_result_outcome(const ukiyo_job *job, size_t index);
UKIYO_EXTERN const char *ukiyo_job_result_reason(const ukiyo_job *job, size_t index);
/**
 * The job as JSON: {"id", "state", "image", "registry", "repository",
 * "tag", "digest", "source", "created_ms", "finished_ms", "results":
 * [{"name", "outcome", "reason", ...}], "error", "deployment",
 * "not_before_ms", "container", "action", "target_image", "approved_ms",
 * "expires_ms"} (what ukiyod prints).
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_job_json(char **json_out, const ukiyo_job *job);

/**
 * Called when a job changes in a way a person watches for, on the thread
 * that changed it: @p event is "approval-waiting" (a job now waits for
 * approval), "approval-updated" (a newer release folded into a waiting
 * job), "approved", "rejected", "expired" (no answer before its
 * ukiyo.approve-timeout), "running" or "finished" (its state and
 * results are in @p job, borrowed for the call).
 */
typedef void (*ukiyo_job_hook_fn)(const ukiyo_job *job, const char *event, void *payload);

/** Set (or, with NULL, clear) the job hook of handle @p u. */
UKIYO_EXTERN void ukiyo_set_job_hook(ukiyo *u, ukiyo_job_hook_fn fn, void *payload);

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
