/*
 * plan.h - a container's plan (plan.c): what its labels and the handle's
 * defaults say of its policy, window and polls.
 */
#ifndef UKIYO_PLAN_H
#define UKIYO_PLAN_H

#include "internal.h"

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
 * Read @c's labels into @p at @now (ukiyo__plan_clear frees). Never fails: errors go
 * to p->error. @window, when not NULL, is the window instead of the label's
 * (a deployment's own).
 */
void ukiyo__plan_read(ukiyo *u, const ukiyo_container *c, const char *window, int64_t now,
                      ukiyo_plan *p);
void ukiyo__plan_clear(ukiyo_plan *p);

/* @image with its tag replaced by @tag (a new string). */
char *ukiyo__image_with_tag(const char *image, const char *tag);

#endif
