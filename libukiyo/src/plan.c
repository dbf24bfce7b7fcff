/*
 * plan.c - durations, and a container's plan: its tag policy, its update
 * window and its poll interval, read from its labels or the handle's
 * defaults.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "scheduler_state.h"

#define DURATION_MAX_MS (366LL * 24 * 3600 * 1000)

UKIYO_EXTERN int ukiyo_duration_parse(const char *text, int64_t *ms_out)
{
    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
    const char *s = text;
    int64_t total = 0;
    size_t next_unit = 0;

    if (!s || !*s || !ms_out)
        return ukiyo__error_set(UKIYO_EINVAL, "an empty duration");
    while (*s) {
        if (!isdigit((unsigned char)*s))
            goto bad;
        int64_t n = 0;
        while (isdigit((unsigned char)*s) && n < DURATION_MAX_MS)
            n = n * 10 + (*s++ - '0');
        if (!*s && s != text && total == 0 && next_unit == 0) { /* bare seconds */
            total = n * 1000;
            break;
        }
        size_t u = next_unit;
        while (u < ARRAY_SIZE(units) && units[u].unit != *s)
            u++;
        if (u == ARRAY_SIZE(units) || n > DURATION_MAX_MS / units[u].ms)
            goto bad;
        total += n * units[u].ms;
        next_unit = u + 1;
        s++;
    }
    if (total <= 0 || total > DURATION_MAX_MS)
        goto bad;
    *ms_out = total;
    return 0;
bad:
    return ukiyo__error_set(UKIYO_EINVAL, "\"%s\" is not a duration (like 90, 30s, 15m, 1h30m, 1d)",
                            text);
}

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

static void read_poll(ukiyo *u, ukiyo_plan *p, const char *text, int64_t now)
{
    scheduler *s = ukiyo__context_scheduler(u);

    if (!text) {
        p->poll_ms = s->default_poll_ms;
    } else if (strcmp(text, "off") == 0 || strcmp(text, "false") == 0 || strcmp(text, "0") == 0) {
        p->poll_ms = 0;
    } else if (ukiyo_duration_parse(text, &p->poll_ms) < 0) {
        p->poll_ms = 0;
        plan_fail(p, UKIYO_LABEL_POLL);
        return;
    }
    for (size_t i = 0; p->poll_ms && i < s->group_count; i++)
        if (s->groups[i].interval_ms == p->poll_ms)
            p->poll_next_ms = s->groups[i].next_ms > now ? s->groups[i].next_ms : now;
}

void ukiyo__plan_read(ukiyo *u, const ukiyo_container *c, const char *window, int64_t now,
                      ukiyo_plan *p)
{
    const char *policy = ukiyo_container_label(c, UKIYO_LABEL_POLICY);

    if (!window)
        window = ukiyo_container_label(c, UKIYO_LABEL_SCHEDULE);

    memset(p, 0, sizeof(*p));
    if (ukiyo_policy_parse(&p->policy, policy) < 0)
        plan_fail(p, UKIYO_LABEL_POLICY);
    p->policy_text = ukiyo__str_dup(p->policy ? ukiyo_policy_text(p->policy) : policy);
    read_window(p, window ? window : ukiyo__context_scheduler(u)->default_window,
                window ? UKIYO_LABEL_SCHEDULE : "--schedule", now);
    read_poll(u, p, ukiyo_container_label(c, UKIYO_LABEL_POLL), now);
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
