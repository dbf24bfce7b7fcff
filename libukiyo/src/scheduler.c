/*
 * scheduler.c - what is due next: the job queue's first job, the polls'
 * groups, the rescan for new labels. The polls themselves are
 * scheduler_poll.c; a container's plan is plan.c.
 */
#include <stdlib.h>

#include "inventory_private.h"
#include "jobs_private.h"
#include "scheduler_private.h"

UKIYO_EXTERN uint64_t ukiyo_scheduler_poll_requests(ukiyo *u)
{
    return u ? ukiyo__context_scheduler(u)->requests : 0;
}

/* ---- what is due ---------------------------------------------------------- */

UKIYO_EXTERN int ukiyo_scheduler_next_due(ukiyo *u, int64_t *unix_ms_out)
{
    if (!u || !unix_ms_out)
        return ukiyo__error_set(UKIYO_EINVAL, "scheduler: NULL argument");
    scheduler *s = ukiyo__context_scheduler(u);
    int64_t now = ukiyo_now_ms(u), due = INT64_MAX;

    if (ukiyo_get_store(u)) {
        int err = ukiyo_jobs_next_due_ms(u, &due);
        if (err < 0)
            return err;
        if (due == 0)
            due = now;
    }
    if (!s->scanned)
        due = now;
    else if (ukiyo_inventory_changes(ukiyo__context_inventory(u)) != s->inventory_changes) {
        /* A container started: at once, but not sooner than a gap after the last scan. */
        int64_t at = s->scanned_ms + UKIYO__INVENTORY_SCAN_GAP_MS;
        at = at > now ? at : now;
        due = at < due ? at : due;
    }
    for (size_t i = 0; i < s->group_count; i++)
        if (s->groups[i].next_ms < due)
            due = s->groups[i].next_ms;
    if (s->rescan_ms && s->rescan_ms < due)
        due = s->rescan_ms;
    if (s->look_next_ms && s->look_next_ms < due)
        due = s->look_next_ms;
    *unix_ms_out = due;
    return 0;
}
