/*
 * scheduler_private.h - the scheduler's state (one per ukiyo handle) and
 * what the job worker asks of it.
 *
 * scheduler.c: clock, durations, a container's plan (policy, window, poll
 * interval), windows. scheduler_poll.c: the polls. Both read the state
 * below; only the thread that uses the handle touches it.
 */
#ifndef UKIYO_SCHEDULER_PRIVATE_H
#define UKIYO_SCHEDULER_PRIVATE_H

#include "internal.h"

typedef struct {
    int64_t interval_ms;
    int64_t next_ms; /* when this interval's containers are next polled */
} poll_group;

typedef struct {
    char *registry;
    int64_t until_ms; /* no requests to it before this */
    unsigned int failures;
} registry_backoff;

typedef struct scheduler {
    int64_t (*clock)(void *payload);
    void *clock_payload;
    int64_t default_poll_ms;
    unsigned int jitter_percent;
    char *default_window; /* cron text, or NULL */
    unsigned int seed;
    bool scanned;          /* the containers were listed at least once */
    int64_t rescan_ms;     /* with nothing to poll: when to look for new labels */
    poll_group *groups;
    size_t group_count;
    registry_backoff *backoffs;
    size_t backoff_count;
    uint64_t requests;
} scheduler;

/* Validates opts->schedule; UKIYO_EINVAL with the reason. */
int scheduler_new(scheduler **out, const ukiyo_options *opts);
void scheduler_free(scheduler *s);
/* The handle's scheduler (context.c). */
scheduler *context_scheduler(ukiyo *u);

struct ukiyo_plan {
    char *error;
    char *policy_text;
    ukiyo_policy *policy;
    char *window_text;
    ukiyo_cron *window;
    bool window_open;
    int64_t window_next_ms;
    int64_t poll_ms;
    int64_t poll_next_ms;
};

/*
 * Read @c's labels into @p at @now (plan_clear frees). Never fails: errors go
 * to p->error. @window, when not NULL, is the window instead of the label's
 * (a deployment's own).
 */
void plan_read(ukiyo *u, const ukiyo_container *c, const char *window, int64_t now,
               ukiyo_plan *p);
void plan_clear(ukiyo_plan *p);

/* @image with its tag replaced by @tag (a new string). */
char *image_with_tag(const char *image, const char *tag);

#endif
