/*
 * plan_decide.c - the one decision every path asks: for a container and
 * what triggers its update, the reference to update to (its tag policy
 * included) or why it is left alone (a label that does not parse, ukiyod's
 * own container, an image ID or a digest reference, monitor-only, policy
 * never, a rejected release, a closed window).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_labels.h"
#include "plan.h"
#include "registry_look.h"
#include "scheduler_state.h"
#include "store_internal.h"

static void skip(plan_decision *d, plan_skip why, const char *fmt, ...) UKIYO_PRINTF(3, 4);

static void skip(plan_decision *d, plan_skip why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    d->action = UKIYO__PLAN_SKIP;
    d->skip = why;
    free(d->reason);
    if (vasprintf(&d->reason, fmt, ap) < 0)
        d->reason = NULL;
    va_end(ap);
}

/* Where a policy that follows tags moves @ref, from @tags (listed here when NULL). */
static void choose_tag(ukiyo *u, const char *name, const char *image, const ukiyo_image_ref *ref,
                       const ukiyo_string_list *tags, plan_decision *d)
{
    ukiyo_policy *policy = d->plan.policy;
    ukiyo_policy_kind kind = policy ? ukiyo_policy_get_kind(policy) : UKIYO_POLICY_DIGEST;
    ukiyo_string_list *listed = NULL;
    char *tag = NULL;

    if (kind == UKIYO_POLICY_DIGEST || kind == UKIYO_POLICY_NEVER)
        return;
    if (!tags && ukiyo_registry_list_tags(&listed, ukiyo_get_registry(u), ref) < 0) {
        log_warning("%s: policy %s: cannot list the tags of %s: %s; staying on its tag", name,
                    ukiyo_policy_text(policy), ukiyo_image_ref_string(ref), ukiyo_error_last());
        ukiyo_error_clear();
        return;
    }
    if (ukiyo_policy_choose(&tag, policy, ukiyo_image_ref_tag(ref), tags ? tags : listed) == 0 &&
        tag) {
        free(d->target);
        d->target = ukiyo__image_with_tag(image, tag);
        d->moves_tag = d->target != NULL;
        d->new_tag = tag;
        tag = NULL;
    } else if (ukiyo_error_last()[0]) {
        log_warning("%s: policy %s: %s", name, ukiyo_policy_text(policy), ukiyo_error_last());
    }
    ukiyo_error_clear();
    free(tag);
    ukiyo_string_list_free(listed);
}

/* Was @digest rolled back for @name before? */
static void note_rejection(ukiyo *u, const char *name, const char *digest, plan_decision *d)
{
    ukiyo_store *s = ukiyo_get_store(u);
    store_rejection r;
    bool found = false;
    char when[32];

    if (!s || !digest || ukiyo__store_rejection_find(s, name, NULL, digest, &r, &found) < 0 ||
        !found) {
        ukiyo_error_clear();
        return;
    }
    ukiyo__utc_text(r.rejected_ms, when);
    skip(d, UKIYO__SKIP_REJECTED, "rejected: rolled back at %s: %s (update --force tries it again)",
         when, r.reason);
    d->rejected_ms = r.rejected_ms;
    ukiyo__store_rejection_clear(&r);
}

/*
 * The registry's digest for @ref's tag, for a gate that needs it (a push
 * from a registry that names none); NULL when the registry does not say.
 */
static char *digest_for_gate(ukiyo *u, const char *name, const ukiyo_image_ref *ref,
                             const plan_request *req)
{
    char *digest = NULL;

    if (req->digest)
        return ukiyo__str_dup(req->digest);
    if (ukiyo__registry_look(u, ref, &digest) < 0) {
        log_warning("%s: cannot ask the registry for %s's digest: %s", name,
                    ukiyo_image_ref_string(ref), ukiyo_error_last());
        ukiyo_error_clear();
    }
    return digest;
}

/*
 * The gates a push passes before its window: the release's minimum age
 * (counted from when its digest was first seen; a check only reads it),
 * then a person's approval.
 */
static void hold_at_gates(ukiyo *u, const ukiyo_container *c, const ukiyo_image_ref *ref,
                          const plan_request *req, plan_decision *d)
{
    ukiyo_store *s = ukiyo_get_store(u);
    bool check = req->trigger == UKIYO__TRIGGER_CHECK;

    if (!d->min_age_ms && !d->needs_approval)
        return;
    d->digest =
        check ? ukiyo__str_dup(req->digest) : digest_for_gate(u, ukiyo_container_name(c), ref, req);
    /* A push that named no digest: the one asked for may be a release rejected before. */
    if (!req->digest && d->digest && !d->moves_tag) {
        note_rejection(u, ukiyo_container_name(c), d->digest, d);
        if (d->action == UKIYO__PLAN_SKIP)
            return;
    }
    if (d->min_age_ms && d->digest && s) {
        int64_t first = req->now_ms;
        if (ukiyo__store_digest_seen(s, ukiyo_image_ref_registry(ref),
                                     ukiyo_image_ref_repository(ref), ukiyo_image_ref_tag(ref),
                                     d->digest, req->now_ms, !check, &first) < 0)
            ukiyo_error_clear();
        d->ages_at_ms = first + d->min_age_ms;
        if (!check && d->ages_at_ms > req->now_ms) {
            char when[32];
            ukiyo__utc_text(d->ages_at_ms, when);
            d->action = UKIYO__PLAN_WAIT;
            d->wait_until_ms = d->ages_at_ms;
            d->reason = ukiyo__str_printf("release %.19s first seen less than its minimum age "
                                          "ago: waits until %s",
                                          d->digest, when);
            return;
        }
    }
    if (!check && d->needs_approval && !req->approved) {
        d->action = UKIYO__PLAN_APPROVE;
        d->reason = ukiyo__str_dup("waits for a person's approval");
    }
}

/* The gates the labels (or the handle's defaults) set: a minimum age, an approval. */
static void read_gates(ukiyo *u, const container_labels *l, plan_decision *d)
{
    const scheduler *sched = ukiyo__context_scheduler(u);

    d->min_age_ms = l->min_age_set ? l->min_age_ms : sched->default_min_age_ms;
    d->needs_approval = l->approve_set ? l->approve : sched->default_approve;
    d->approve_timeout_ms =
        l->approve_timeout_ms ? l->approve_timeout_ms : sched->default_approve_timeout_ms;
}

/* What the labels alone leave alone, before any reference is looked at. */
static bool skipped_by_labels(const container_labels *l, plan_trigger trigger, plan_decision *d)
{
    bool update = trigger != UKIYO__TRIGGER_RECREATE && trigger != UKIYO__TRIGGER_CHECK;

    if (l->error)
        skip(d, UKIYO__SKIP_LABEL, "%s", l->error);
    else if (l->self && trigger != UKIYO__TRIGGER_CHECK)
        skip(d, UKIYO__SKIP_SELF, "this is ukiyod's own container: update it from outside");
    else if (l->monitor_only && update)
        skip(d, UKIYO__SKIP_MONITOR_ONLY, "monitor-only");
    else if (update && d->plan.policy &&
             ukiyo_policy_get_kind(d->plan.policy) == UKIYO_POLICY_NEVER)
        skip(d, UKIYO__SKIP_NEVER, "policy never");
    return d->action == UKIYO__PLAN_SKIP;
}

int ukiyo__plan_decide(ukiyo *u, const ukiyo_container *c, const plan_request *req,
                       plan_decision *out)
{
    const char *name = ukiyo_container_name(c), *image = ukiyo_container_image(c);
    container_labels labels;
    ukiyo_image_ref *ref = NULL;

    memset(out, 0, sizeof(*out));
    if (ukiyo__container_labels_read(&labels, c) < 0)
        return UKIYO_ENOMEM;
    ukiyo__plan_read(u, c, req->window, req->now_ms, &out->plan);
    read_gates(u, &labels, out);
    out->action = UKIYO__PLAN_GO;
    out->target = ukiyo__str_dup(image);
    const char *task_of = ukiyo_container_label(c, UKIYO_LABEL_SWARM_SERVICE_NAME);
    if (ukiyo_container_label(c, UKIYO_LABEL_SWARM_TASK)) {
        skip(out, UKIYO__SKIP_SWARM_TASK,
             "a task of swarm service %s: the swarm replaces it; update " UKIYO_SERVICE_PREFIX
             "%s instead",
             task_of ? task_of : "?", task_of ? task_of : "NAME");
        goto done;
    }
    if (skipped_by_labels(&labels, req->trigger, out))
        goto done;
    if (!image || ukiyo__str_has_prefix(image, "sha256:") ||
        ukiyo_image_ref_parse(&ref, image) < 0) {
        ukiyo_error_clear();
        skip(out, UKIYO__SKIP_IMAGE_ID,
             "created from an image ID, not a reference: nothing to pull");
        goto done;
    }
    if (req->trigger == UKIYO__TRIGGER_RECREATE)
        goto done;
    if (!ukiyo_image_ref_tag(ref)) {
        skip(out, UKIYO__SKIP_PINNED, "pinned to a digest: nothing to update");
        goto done;
    }
    if (!req->keep_tag)
        choose_tag(u, name, image, ref, req->tags, out);
    /* A push's digest is its tag's: it says nothing of the tag a policy moves to. */
    if (req->trigger != UKIYO__TRIGGER_FORCED && !out->moves_tag)
        note_rejection(u, name, req->digest, out);
    if (out->action == UKIYO__PLAN_GO &&
        (req->trigger == UKIYO__TRIGGER_PUSH || req->trigger == UKIYO__TRIGGER_CHECK))
        hold_at_gates(u, c, ref, req, out);
    if (out->action == UKIYO__PLAN_GO && req->trigger == UKIYO__TRIGGER_PUSH &&
        !out->plan.window_open) {
        out->action = UKIYO__PLAN_WAIT;
        out->wait_until_ms = out->plan.window_next_ms;
        out->reason = ukiyo__str_printf("outside its window %s", out->plan.window_text);
    }
done:
    ukiyo_image_ref_free(ref);
    ukiyo__container_labels_clear(&labels);
    return out->target || !image ? 0 : UKIYO_ENOMEM;
}

void ukiyo__plan_decision_clear(plan_decision *d)
{
    free(d->digest);
    free(d->target);
    free(d->new_tag);
    free(d->reason);
    ukiyo__plan_clear(&d->plan);
    memset(d, 0, sizeof(*d));
}
