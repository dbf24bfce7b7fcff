/*
 * jobs_private.h - what the queue (jobs.c) and the worker step (jobs_run.c)
 * share.
 */
#ifndef UKIYO_JOBS_PRIVATE_H
#define UKIYO_JOBS_PRIVATE_H

#include "deployments_private.h"
#include "push_callback.h"

/* What a tag job names. */
typedef struct {
    const char *registry, *repository, *tag, *digest; /* digest may be NULL */
} job_tag;

/* Queue a job for the containers on a tag (coalesced per tag, deduplicated by delivery). */
int ukiyo__jobs_submit_tag(ukiyo *u, const job_tag *t, const char *source, const char *delivery_id,
                           int64_t *id_out);
/*
 * Queue a job for one container, due at @not_before_ms (0: now). A queued
 * job for the same container and action is reused: it becomes due at the
 * earlier time (taking the new source with it), and takes @target_image
 * when one is given.
 */
int ukiyo__jobs_queue_container(ukiyo *u, const char *container, ukiyo_job_action action,
                                const char *target_image, const char *source, int64_t not_before_ms,
                                int64_t *id_out);

/*
 * A job for @container that waits for a person's approval: to @target (a
 * tag policy's, or NULL) and @digest (or NULL), expiring after @timeout_ms
 * (0: never). One already waiting for it takes a newer release instead,
 * and stays as it is for the same one (*@outcome_out says which).
 */
int ukiyo__jobs_await_approval(ukiyo *u, const char *container, const char *target,
                               const char *digest, const char *source, int64_t timeout_ms,
                               int64_t *id_out, store_await *outcome_out);

/* While jobs wait for approval, the worker looks this often for an answer from elsewhere. */
#define UKIYO__APPROVAL_LOOK_MS 5000

/* Tell the job hook, if any, of @event on job @id (read back from the store). */
void ukiyo__jobs_call_hook(ukiyo *u, int64_t id, const char *event);
/* Expire the waiting jobs whose time is up, each told to the job hook ("expired"). */
int ukiyo__jobs_expire_due(ukiyo *u, ukiyo_store *s, unsigned int *expired_out);

/* The handle's store, or NULL with the last error set. */
ukiyo_store *ukiyo__jobs_store_of(ukiyo *u);

#endif
