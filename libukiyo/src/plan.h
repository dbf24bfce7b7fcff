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

/* ---- the decision (plan_decide.c) ---------------------------------- */

/*
 * What asks for an update. The one decision below differs between them only
 * in what each may pass by: a person's update is not held by a window, a
 * forced one not by a rejection, a check by neither (it says what is).
 */
typedef enum {
    UKIYO__TRIGGER_CHECK,    /* check, ps: what an update would do */
    UKIYO__TRIGGER_PERSON,   /* ukiyoctl update, REST update: now, whatever the window */
    UKIYO__TRIGGER_FORCED,   /* update --force, ?force=true: a rejected release too */
    UKIYO__TRIGGER_PUSH,     /* a webhook or a poll: inside the window */
    UKIYO__TRIGGER_WINDOW,   /* a job its window opened: due now */
    UKIYO__TRIGGER_RECREATE, /* redeploy, rollback: no new image, no policy */
} plan_trigger;

typedef struct {
    plan_trigger trigger;
    /* The registry's digest for the tag when the trigger knows it (a push, a poll), else NULL. */
    const char *digest;
    /*
     * The repository's tags when the caller listed them (a poll lists once for
     * many); NULL: listed here when a tag policy needs them.
     */
    const ukiyo_string_list *tags;
    /* The caller chose the reference already (a job a policy queued): no tag policy. */
    bool keep_tag;
    /* A deployment's own window instead of the container's label; NULL: the label's. */
    const char *window;
    /* A person approved it (or it waits for a time only it was given after approval). */
    bool approved;
    int64_t now_ms;
} plan_request;

typedef enum {
    UKIYO__PLAN_GO,      /* update, to target */
    UKIYO__PLAN_SKIP,    /* leave it: skip says why */
    UKIYO__PLAN_WAIT,    /* its window is closed, or its release too young: until wait_until_ms */
    UKIYO__PLAN_APPROVE, /* a person must approve it first (ukiyo.approve) */
} plan_action;

/* Why a container is left alone, in the order they are looked at. */
typedef enum {
    UKIYO__SKIP_NONE,
    UKIYO__SKIP_LABEL,        /* a label does not parse */
    UKIYO__SKIP_SELF,         /* ukiyod's own container */
    UKIYO__SKIP_SWARM_TASK,   /* a swarm task's container: its service is updated instead */
    UKIYO__SKIP_IMAGE_ID,     /* created from an image ID */
    UKIYO__SKIP_PINNED,       /* a digest reference */
    UKIYO__SKIP_MONITOR_ONLY, /* ukiyo.monitor-only=true */
    UKIYO__SKIP_NEVER,        /* ukiyo.policy=never */
    UKIYO__SKIP_REJECTED,     /* the digest was rolled back for it */
} plan_skip;

typedef struct {
    plan_action action;
    plan_skip skip;
    /* The reference to update to: where a tag policy moves it, else its own (owned). */
    char *target;
    bool moves_tag;        /* target is another tag than the container's */
    char *new_tag;         /* moves_tag: that tag (owned) */
    char *reason;          /* SKIP and WAIT: why, in words (owned) */
    int64_t rejected_ms;   /* UKIYO__SKIP_REJECTED: when */
    int64_t wait_until_ms; /* UKIYO__PLAN_WAIT: when the window next opens */
    ukiyo_plan plan;       /* the labels' policy, window and polls */
    /* The registry's digest it judged (the request's, or asked for a gate), or NULL (owned). */
    char *digest;
    bool needs_approval;        /* ukiyo.approve (or the handle's --approve) */
    int64_t approve_timeout_ms; /* a waiting job's expiry; 0: never */
    int64_t min_age_ms;         /* ukiyo.min-age (or the handle's); 0: none */
    int64_t ages_at_ms;         /* min_age_ms: when the digest is old enough; 0: not known */
} plan_decision;

/*
 * Decide, for container @c and the trigger in @req, whether it is updated,
 * to which reference (tag policy included), or why not. check, update, ps,
 * the REST API, webhooks, polls and windows all ask here, so what check
 * says is what an update does. Never fails but for memory: the reason is
 * in @out (ukiyo__plan_decision_clear frees).
 */
int ukiyo__plan_decide(ukiyo *u, const ukiyo_container *c, const plan_request *req,
                       plan_decision *out);
void ukiyo__plan_decision_clear(plan_decision *d);

/* @image with its tag replaced by @tag (a new string). */
char *ukiyo__image_with_tag(const char *image, const char *tag);

#endif
