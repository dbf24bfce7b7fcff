/*
 * scheduler_state.h - the scheduler's state (one per ukiyo handle). Only
 * the thread that uses the handle touches it.
 */
#ifndef UKIYO_SCHEDULER_STATE_H
#define UKIYO_SCHEDULER_STATE_H

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

/*
 * A container started or renamed makes a scan due, but not sooner than this
 * after the last one: a burst of starts (a compose project coming up, a
 * host booting) is one scan, not one each.
 */
#define UKIYO__INVENTORY_SCAN_GAP_MS 2000

typedef struct scheduler {
    int64_t default_poll_ms;
    unsigned int jitter_percent;
    char *default_window; /* cron text, or NULL */
    bool default_approve; /* ukiyo_options.approve */
    int64_t default_approve_timeout_ms;
    int64_t default_min_age_ms;
    unsigned int seed;
    bool scanned;             /* the containers were listed at least once */
    int64_t rescan_ms;        /* with nothing to poll: when to look for new labels */
    int64_t look_interval_ms; /* ukiyo_options.look_interval_ms; 0: only what was never looked at */
    int64_t look_next_ms;     /* when every watched reference is next looked at */
    uint64_t inventory_changes; /* the inventory's count at the last scan */
    int64_t scanned_ms;         /* when the last scan was */
    poll_group *groups;
    size_t group_count;
    registry_backoff *backoffs;
    size_t backoff_count;
    uint64_t requests;
} scheduler;

/* Validates opts->schedule; UKIYO_EINVAL with the reason. */
int ukiyo__scheduler_new(scheduler **out, const ukiyo_options *opts);
void ukiyo__scheduler_free(scheduler *s);
/* The handle's scheduler (context.c). */
scheduler *ukiyo__context_scheduler(ukiyo *u);

#endif
