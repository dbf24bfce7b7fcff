/*
 * container_labels.h - the one reader of ukiyo's labels on a container
 * (container_labels.c). Every path (check, update, ps, the REST API,
 * webhooks, polls, windows) reads them here, so a label means the same
 * everywhere and a value that does not parse is an error everywhere.
 *
 * Values are strict: booleans are "true" or "false"; durations are what
 * ukiyo_duration_parse() takes; strategies, policies and windows as
 * ukiyo-labels(7) says. Anything else makes the container's labels
 * invalid, with the first bad label and why in @error.
 */
#ifndef UKIYO_CONTAINER_LABELS_H
#define UKIYO_CONTAINER_LABELS_H

#include "internal.h"

typedef struct {
    bool enable; /* ukiyo.enable (or watchtower's) is true */
    bool monitor_only;
    bool self;
    ukiyo_strategy strategy;    /* UKIYO_STRATEGY_AUTO when not labelled */
    ukiyo_compose_mode compose; /* UKIYO_COMPOSE_AUTO when not labelled */
    int64_t health_timeout_ms;  /* 0 when not labelled */
    int64_t min_uptime_ms;      /* 0 when not labelled */
    int64_t service_timeout_ms; /* a swarm service's wait; 0 when not labelled */
    bool approve_set;           /* ukiyo.approve is given */
    bool approve;               /* its value */
    int64_t approve_timeout_ms; /* a waiting job's expiry; 0 when not labelled */
    bool min_age_set;           /* ukiyo.min-age is given */
    int64_t min_age_ms;         /* its value (0 turns a handle's default off) */
    ukiyo_policy *policy;       /* NULL when not labelled (digest) */
    char *schedule;             /* the window's cron text; NULL when not labelled */
    ukiyo_cron *window;         /* parsed from schedule */
    bool poll_set;              /* ukiyo.poll is given */
    int64_t poll_ms;            /* its interval; 0 for "off" */
    char *error;                /* "label NAME: why" for the first invalid label, or NULL */
} container_labels;

/*
 * Read @c's labels into @out (ukiyo__container_labels_clear frees). Never
 * fails for a bad value: that is out->error. UKIYO_ENOMEM only.
 */
int ukiyo__container_labels_read(container_labels *out, const ukiyo_container *c);
void ukiyo__container_labels_clear(container_labels *l);

#endif
