/*
 * ukiyo/scheduler.h - when things run: update windows (cron syntax), poll
 * intervals, and the two calls a daemon's loop needs.
 *
 * The library owns no thread here. A program asks
 * ukiyo_scheduler_next_due() when something is next due, sleeps until then
 * (or until it submits a job itself), and calls ukiyo_scheduler_dispatch(),
 * which runs the polls that are due; jobs run with ukiyo_jobs_run_next().
 * Nothing is done on a timer tick: an idle program sleeps until the next
 * due time. Time comes from ukiyo_options.clock_ms, so tests need no sleep.
 *
 * Windows: a container labelled ukiyo.schedule="0 3 * * *" (else the
 * handle's default schedule) is updated only during a minute its cron
 * expression matches; an update that arrives outside is kept as a job due
 * when the window next opens, and later pushes fold into it.
 *
 * Polls: a container labelled ukiyo.poll="15m" (else the handle's default
 * interval; "off" for none) has its image checked that often: one manifest
 * HEAD per distinct image reference, plus one tag list per repository that
 * a tag policy follows. A new digest or tag becomes the same job a webhook
 * would queue.
 */
#ifndef UKIYO_SCHEDULER_H
#define UKIYO_SCHEDULER_H

#include "common.h"
#include "context.h"
#include "docker.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- cron expressions ---------------------------------------------------- */

typedef struct ukiyo_cron ukiyo_cron;

/**
 * Parse a cron expression: five fields (minute hour day-of-month month
 * day-of-week) with lists, ranges, steps and names (jan-dec, sun-sat), or
 * @yearly @monthly @weekly @daily @hourly; optionally after
 * "CRON_TZ=<zone> " (or "TZ=<zone> "), else in $TZ's zone.
 * @param out new expression; free with ukiyo_cron_free
 * @return 0, or UKIYO_EINVAL with the reason in ukiyo_error_last()
 */
UKIYO_EXTERN int ukiyo_cron_parse(ukiyo_cron **out, const char *expression);
UKIYO_EXTERN void ukiyo_cron_free(ukiyo_cron *cron);
/**
 * The first matching minute after @p after_ms (ms since the epoch). A
 * minute the clocks skip runs when the gap ends; one they repeat, once.
 * @return 0, or UKIYO_ENOTFOUND when it never matches (February 30th)
 */
UKIYO_EXTERN int ukiyo_cron_next(const ukiyo_cron *cron, int64_t after_ms, int64_t *next_ms_out);
/** 1 when the minute that holds @p at_ms matches, else 0. */
UKIYO_EXTERN int ukiyo_cron_matches(const ukiyo_cron *cron, int64_t at_ms);
/** The expression's time zone name. Borrowed. */
UKIYO_EXTERN const char *ukiyo_cron_zone(const ukiyo_cron *cron);

/**
 * Parse a duration: "90" (seconds), "30s", "15m", "2h", "1d", "1h30m".
 * @return 0, or UKIYO_EINVAL for anything else, zero, or over a year
 */
UKIYO_EXTERN int ukiyo_duration_parse(const char *text, int64_t *ms_out);

/* ---- the scheduler -------------------------------------------------------- */

/** Now, by the handle's clock (ms since the epoch). */
UKIYO_EXTERN int64_t ukiyo_now_ms(ukiyo *u);
/**
 * When the scheduler next has work: the earliest of the next queued job
 * and the next poll (ms since the epoch; INT64_MAX: nothing is scheduled).
 */
UKIYO_EXTERN int ukiyo_scheduler_next_due(ukiyo *u, int64_t *unix_ms_out);
/**
 * Run what is due at @p now_ms: the polls whose time has come, each
 * queueing jobs for what changed.
 * @param jobs_out how many jobs the polls queued; may be NULL
 * @return 0, or a negative code when the engine could not be listed (a
 *         registry that fails is logged and retried at its next poll)
 */
UKIYO_EXTERN int ukiyo_scheduler_dispatch(ukiyo *u, int64_t now_ms, unsigned int *jobs_out);
/** Registry requests the polls have made since the handle opened (for benchmarks, metrics). */
UKIYO_EXTERN uint64_t ukiyo_scheduler_poll_requests(ukiyo *u);

/* ---- a container's plan ----------------------------------------------------- */

typedef struct ukiyo_plan ukiyo_plan;

/**
 * What the scheduler will do with @p container: its policy, window and
 * poll interval (labels, else the handle's defaults) and when each is next
 * due. A label that does not parse makes the plan invalid, with the reason
 * (the container is then skipped by polls and windows, and reported).
 * @param out new plan; free with ukiyo_plan_free
 */
UKIYO_EXTERN int ukiyo_plan_get(ukiyo_plan **out, ukiyo *u, const ukiyo_container *container);
UKIYO_EXTERN void ukiyo_plan_free(ukiyo_plan *plan);
/** NULL when the labels are sound, else why not. Borrowed. */
UKIYO_EXTERN const char *ukiyo_plan_error(const ukiyo_plan *plan);
/** The policy as written ("digest" by default). Borrowed. */
UKIYO_EXTERN const char *ukiyo_plan_policy(const ukiyo_plan *plan);
/** The window's cron expression, or NULL when updates may run at any time. Borrowed. */
UKIYO_EXTERN const char *ukiyo_plan_window(const ukiyo_plan *plan);
/** 1 when an update may run now. */
UKIYO_EXTERN int ukiyo_plan_window_open(const ukiyo_plan *plan);
/** When the window next opens (ms since the epoch); 0 without a window. */
UKIYO_EXTERN int64_t ukiyo_plan_window_next_ms(const ukiyo_plan *plan);
/** The poll interval in ms; 0 when the container is not polled. */
UKIYO_EXTERN int64_t ukiyo_plan_poll_interval_ms(const ukiyo_plan *plan);
/** When its next poll is due (ms since the epoch); 0 when not polled or not yet planned. */
UKIYO_EXTERN int64_t ukiyo_plan_poll_next_ms(const ukiyo_plan *plan);

#ifdef __cplusplus
}
#endif

#endif
