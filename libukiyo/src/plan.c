/*
 * plan.c - a container's plan: its tag policy, its update window and its
 * poll interval, read from its labels (container_labels.c) or the
 * handle's defaults.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "container_labels.h"
#include "plan.h"
#include "scheduler_state.h"

/* ---- a container's plan ------------------------------------------------- */

static void plan_fail(ukiyo_plan *p, const char *label)
{
    if (!p->error)
        p->error = ukiyo__str_printf("label %s: %s", label, ukiyo_error_last());
    ukiyo_error_clear();
}

static void read_window(ukiyo_plan *p, const char *text, const char *label, int64_t now)
{
    p->window_open = true;
    if (!text || !text[0])
        return;
    if (ukiyo_cron_parse(&p->window, text) < 0 || !(p->window_text = strdup(text))) {
        plan_fail(p, label);
        return;
    }
    p->window_open = ukiyo_cron_matches(p->window, now);
    if (ukiyo_cron_next(p->window, now, &p->window_next_ms) < 0)
        plan_fail(p, label);
}

/* The labelled interval, else the handle's; when this interval's group is next polled. */
static void read_poll(ukiyo *u, ukiyo_plan *p, const container_labels *l, int64_t now)
{
    scheduler *s = ukiyo__context_scheduler(u);

    p->poll_ms = l->poll_set ? l->poll_ms : s->default_poll_ms;
    for (size_t i = 0; p->poll_ms && i < s->group_count; i++)
        if (s->groups[i].interval_ms == p->poll_ms)
            p->poll_next_ms = s->groups[i].next_ms > now ? s->groups[i].next_ms : now;
}

void ukiyo__plan_read(ukiyo *u, const ukiyo_container *c, const char *window, int64_t now,
                      ukiyo_plan *p)
{
    container_labels l;

    memset(p, 0, sizeof(*p));
    ukiyo__container_labels_read(&l, c);
    p->error = ukiyo__str_dup(l.error);
    p->policy = l.policy; /* taken */
    l.policy = NULL;
    /* Not labelled: the default policy (digest), as an object like any other. */
    if (!p->policy && !ukiyo_container_label(c, UKIYO_LABEL_POLICY) &&
        ukiyo_policy_parse(&p->policy, NULL) < 0)
        ukiyo_error_clear();
    p->policy_text = ukiyo__str_dup(p->policy ? ukiyo_policy_text(p->policy)
                                              : ukiyo_container_label(c, UKIYO_LABEL_POLICY));
    if (window) /* a deployment's own, checked when it was saved */
        read_window(p, window, UKIYO_LABEL_SCHEDULE, now);
    else if (l.schedule && l.window)
        read_window(p, l.schedule, UKIYO_LABEL_SCHEDULE, now);
    else if (!l.schedule)
        read_window(p, ukiyo__context_scheduler(u)->default_window, "--schedule", now);
    else
        p->window_open = true; /* the label does not parse: p->error says so */
    read_poll(u, p, &l, now);
    ukiyo__container_labels_clear(&l);
}

void ukiyo__plan_clear(ukiyo_plan *p)
{
    free(p->error);
    free(p->policy_text);
    ukiyo_policy_free(p->policy);
    free(p->window_text);
    ukiyo_cron_free(p->window);
    memset(p, 0, sizeof(*p));
}

UKIYO_EXTERN int ukiyo_plan_get(ukiyo_plan **out, ukiyo *u, const ukiyo_container *container)
{
    if (!u || !container || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "plan: NULL argument");
    ukiyo_plan *p = malloc(sizeof(*p));
    if (!p)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    ukiyo__plan_read(u, container, NULL, ukiyo_now_ms(u), p);
    *out = p;
    return 0;
}

UKIYO_EXTERN void ukiyo_plan_free(ukiyo_plan *p)
{
    if (!p)
        return;
    ukiyo__plan_clear(p);
    free(p);
}

UKIYO_EXTERN const char *ukiyo_plan_error(const ukiyo_plan *p)
{
    return p->error;
}

UKIYO_EXTERN const char *ukiyo_plan_policy(const ukiyo_plan *p)
{
    return p->policy_text ? p->policy_text : "digest";
}

UKIYO_EXTERN const char *ukiyo_plan_window(const ukiyo_plan *p)
{
    return p->window_text;
}

UKIYO_EXTERN int ukiyo_plan_window_open(const ukiyo_plan *p)
{
    return p->window_open;
}

UKIYO_EXTERN int64_t ukiyo_plan_window_next_ms(const ukiyo_plan *p)
{
    return p->window ? p->window_next_ms : 0;
}

UKIYO_EXTERN int64_t ukiyo_plan_poll_interval_ms(const ukiyo_plan *p)
{
    return p->poll_ms;
}

UKIYO_EXTERN int64_t ukiyo_plan_poll_next_ms(const ukiyo_plan *p)
{
    return p->poll_next_ms;
}

char *ukiyo__image_with_tag(const char *image, const char *tag)
{
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    size_t n = colon ? (size_t)(colon - image) : strcspn(image, "@");
    return ukiyo__str_printf("%.*s:%s", (int)n, image, tag);
}
