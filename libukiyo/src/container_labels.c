/*
 * container_labels.c - ukiyo's labels on a container, read once and
 * strictly (container_labels.h says what each value may be).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_labels.h"

/* Record the first invalid label; the rest are still read. */
static void invalid(container_labels *l, const char *label, const char *value, const char *why)
{
    if (!l->error)
        l->error = ukiyo__str_printf("label %s: \"%.100s\" %s", label, value, why);
    ukiyo_error_clear();
}

static void read_bool(container_labels *l, const ukiyo_container *c, const char *label, bool *out)
{
    const char *v = ukiyo_container_label(c, label);

    *out = false;
    if (!v)
        return;
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") != 0)
        invalid(l, label, v, "is not true or false");
}

static void read_duration(container_labels *l, const ukiyo_container *c, const char *label,
                          int64_t *ms_out)
{
    const char *v = ukiyo_container_label(c, label);

    *ms_out = 0;
    if (v && ukiyo_duration_parse(v, ms_out) < 0) {
        *ms_out = 0;
        invalid(l, label, v, "is not a duration (like 90, 30s, 15m, 1h30m)");
    }
}

/*
 * A label whose value is one of @names (@count of them, joined by " or " in
 * the message): *@out is its index plus one, 0 when the label is not set.
 */
static void read_choice(container_labels *l, const ukiyo_container *c, const char *label,
                        const char *const *names, size_t count, int *out)
{
    const char *v = ukiyo_container_label(c, label);
    char why[128] = "is not ";

    *out = 0;
    if (!v)
        return;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = (int)i + 1;
            return;
        }
        snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", i ? " or " : "", names[i]);
    }
    invalid(l, label, v, why);
}

/* The enums count from AUTO = 0, in the order of the names. */
static void read_strategy(container_labels *l, const ukiyo_container *c)
{
    static const char *const names[] = {"stop-first", "start-first"};
    int v;

    read_choice(l, c, UKIYO_LABEL_STRATEGY, names, ARRAY_SIZE(names), &v);
    l->strategy = (ukiyo_strategy)v;
}

static void read_compose(container_labels *l, const ukiyo_container *c)
{
    static const char *const names[] = {"native", "api"};
    int v;

    read_choice(l, c, UKIYO_LABEL_COMPOSE, names, ARRAY_SIZE(names), &v);
    l->compose = (ukiyo_compose_mode)v;
}

/* ukiyo's own label wins over watchtower's when both are set. */
static void read_enable(container_labels *l, const ukiyo_container *c)
{
    const char *label = ukiyo_container_label(c, UKIYO_LABEL_ENABLE)
                            ? UKIYO_LABEL_ENABLE
                            : UKIYO_LABEL_WATCHTOWER_ENABLE;
    read_bool(l, c, label, &l->enable);
}

static void read_policy(container_labels *l, const ukiyo_container *c)
{
    const char *v = ukiyo_container_label(c, UKIYO_LABEL_POLICY);

    if (v && ukiyo_policy_parse(&l->policy, v) < 0) {
        char why[300];
        snprintf(why, sizeof(why), "is not a policy: %s", ukiyo_error_last());
        invalid(l, UKIYO_LABEL_POLICY, v, why);
    }
}

static void read_schedule(container_labels *l, const ukiyo_container *c)
{
    const char *v = ukiyo_container_label(c, UKIYO_LABEL_SCHEDULE);

    if (!v || !v[0])
        return;
    l->schedule = strdup(v);
    if (ukiyo_cron_parse(&l->window, v) < 0) {
        char why[300];
        snprintf(why, sizeof(why), "is not a window: %s", ukiyo_error_last());
        invalid(l, UKIYO_LABEL_SCHEDULE, v, why);
    }
}

static void read_poll(container_labels *l, const ukiyo_container *c)
{
    const char *v = ukiyo_container_label(c, UKIYO_LABEL_POLL);

    if (!v)
        return;
    l->poll_set = true;
    if (strcmp(v, "off") == 0)
        l->poll_ms = 0;
    else if (ukiyo_duration_parse(v, &l->poll_ms) < 0) {
        l->poll_ms = 0;
        invalid(l, UKIYO_LABEL_POLL, v, "is not off or a duration (like 30s, 15m, 6h)");
    }
}

int ukiyo__container_labels_read(container_labels *out, const ukiyo_container *c)
{
    memset(out, 0, sizeof(*out));
    read_enable(out, c);
    read_bool(out, c, UKIYO_LABEL_MONITOR_ONLY, &out->monitor_only);
    read_bool(out, c, UKIYO_LABEL_SELF, &out->self);
    read_strategy(out, c);
    read_compose(out, c);
    read_duration(out, c, UKIYO_LABEL_HEALTH_TIMEOUT, &out->health_timeout_ms);
    read_duration(out, c, UKIYO_LABEL_MIN_UPTIME, &out->min_uptime_ms);
    read_duration(out, c, UKIYO_LABEL_SERVICE_TIMEOUT, &out->service_timeout_ms);
    out->approve_set = ukiyo_container_label(c, UKIYO_LABEL_APPROVE) != NULL;
    read_bool(out, c, UKIYO_LABEL_APPROVE, &out->approve);
    read_duration(out, c, UKIYO_LABEL_APPROVE_TIMEOUT, &out->approve_timeout_ms);
    out->min_age_set = ukiyo_container_label(c, UKIYO_LABEL_MIN_AGE) != NULL;
    read_duration(out, c, UKIYO_LABEL_MIN_AGE, &out->min_age_ms);
    read_policy(out, c);
    read_schedule(out, c);
    read_poll(out, c);
    return 0;
}

void ukiyo__container_labels_clear(container_labels *l)
{
    ukiyo_policy_free(l->policy);
    ukiyo_cron_free(l->window);
    free(l->schedule);
    free(l->error);
    memset(l, 0, sizeof(*l));
}
