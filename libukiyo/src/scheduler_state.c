/*
 * scheduler_state.c - the scheduler's state, one per handle: its defaults
 * (poll interval, jitter, window) and what the polls keep between rounds.
 * The handle (context.c) makes and frees it; scheduler.c, scheduler_poll.c
 * and plan.c read it through ukiyo__context_scheduler().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scheduler_state.h"

int ukiyo__scheduler_new(scheduler **out, const ukiyo_options *opts)
{
    scheduler *s = calloc(1, sizeof(*s));

    if (!s)
        return UKIYO_ENOMEM;
    s->seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
    if (opts && opts->version >= 2) {
        s->default_poll_ms = opts->poll_interval_ms > 0 ? opts->poll_interval_ms : 0;
        s->jitter_percent = opts->poll_jitter_percent > 50 ? 50 : opts->poll_jitter_percent;
        if (opts->schedule && opts->schedule[0]) {
            ukiyo_cron *c = NULL;
            int err = ukiyo_cron_parse(&c, opts->schedule);
            ukiyo_cron_free(c);
            if (err < 0 || !(s->default_window = strdup(opts->schedule))) {
                ukiyo__scheduler_free(s);
                return err < 0 ? err : UKIYO_ENOMEM;
            }
        }
    }
    if (opts && opts->version >= 3) {
        s->default_approve = opts->approve != 0;
        s->default_approve_timeout_ms = opts->approve_timeout_ms > 0 ? opts->approve_timeout_ms : 0;
        s->default_min_age_ms = opts->min_age_ms > 0 ? opts->min_age_ms : 0;
    }
    if (opts && opts->version >= 4)
        s->look_interval_ms = opts->look_interval_ms > 0 ? opts->look_interval_ms : 0;
    *out = s;
    return 0;
}

void ukiyo__scheduler_free(scheduler *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->backoff_count; i++)
        free(s->backoffs[i].registry);
    free(s->backoffs);
    free(s->groups);
    free(s->default_window);
    free(s);
}
