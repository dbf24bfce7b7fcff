/*
 * check.c - compare a container's image digest with the registry's.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compose.h"
#include "container_labels.h"
#include "docker_private.h"
#include "inventory_private.h"
#include "plan.h"
#include "registry_look.h"
#include "store_internal.h"

struct ukiyo_check_result {
    char *name;
    char *image;
    char *image_id;
    char *local_digest;
    char *remote_digest;
    char *reason;
    char *policy;
    char *new_tag;         /* where the policy moves it, or NULL */
    char *recreate;        /* a compose container: "compose", "engine" or "refused"; else NULL */
    char *recreate_reason; /* why that way */
    ukiyo_check_status status;
    bool newer_pulled;
    bool service;           /* a swarm service ("service/NAME"), not a container */
    bool needs_approval;    /* ukiyo.approve: a push's update waits for a person */
    int64_t min_age_ms;     /* ukiyo.min-age; 0: none */
    int64_t ages_at_ms;     /* when the registry's digest is old enough; 0: not known */
    int64_t answered_ms;    /* when the registry gave remote_digest (or its error); 0: never */
    char *window;           /* its update window (cron text), or NULL: any time */
    int64_t window_next_ms; /* a closed window: when it next opens; 0: open or none */
    int64_t poll_ms;        /* how often it is polled; 0: only pushes */
    char *left_alone;       /* what pushes and polls would not do, and why ("monitor-only") */
};

/* Everything a check learns, with the objects it borrows from. */
typedef struct {
    ukiyo *u;
    ukiyo_container *container;
    ukiyo_image_ref *ref;
    ukiyo_image_info *image;
    ukiyo_check_result *result;
    bool cached; /* the registry's last answer from the store, not a request */
} check_run;

static int set_unknown(ukiyo_check_result *res, const char *reason)
{
    res->status = UKIYO_CHECK_UNKNOWN;
    free(res->reason);
    res->reason = strdup(reason);
    return res->reason ? 0 : UKIYO_ENOMEM;
}

/* Of the image's RepoDigests, those of the reference's repository. */
static bool repo_digest_matches(const char *repo_digest, const ukiyo_image_ref *ref,
                                const char **digest_out)
{
    ukiyo_image_ref *parsed = NULL;
    bool match = false;

    if (ukiyo_image_ref_parse(&parsed, repo_digest) < 0) {
        ukiyo_error_clear();
        return false;
    }
    if (ukiyo_image_ref_digest(parsed) &&
        strcmp(ukiyo_image_ref_name(parsed), ukiyo_image_ref_name(ref)) == 0) {
        *digest_out = strchr(repo_digest, '@') + 1;
        match = true;
    }
    ukiyo_image_ref_free(parsed);
    return match;
}

/*
 * The image's digest from @ref's repository: @preferred when the image has
 * it (an image can be known under several digests), else the first. Borrowed
 * from @image; NULL when it has none.
 */
static const char *local_digest_of(const ukiyo_image_info *image, const ukiyo_image_ref *ref,
                                   const char *preferred)
{
    size_t n = ukiyo_image_info_repo_digest_count(image);
    const char *chosen = NULL, *digest;

    for (size_t i = 0; i < n; i++) {
        if (!repo_digest_matches(ukiyo_image_info_repo_digest(image, i), ref, &digest))
            continue;
        if (!chosen || (preferred && strcmp(digest, preferred) == 0))
            chosen = digest;
    }
    return chosen;
}

static int find_local_digest(check_run *run, const char *remote)
{
    const char *chosen = local_digest_of(run->image, run->ref, remote);

    if (!chosen)
        return 0;
    run->result->local_digest = strdup(chosen);
    return run->result->local_digest ? 0 : UKIYO_ENOMEM;
}

UKIYO_EXTERN int ukiyo_container_local_digest(char **digest_out, ukiyo *u, const ukiyo_container *c)
{
    const char *image = ukiyo_container_image(c);
    const char *image_id = ukiyo_container_image_id(c);
    ukiyo_image_ref *ref = NULL;
    ukiyo_image_info *info = NULL;
    int err;

    if (!image || !image_id || ukiyo__str_has_prefix(image, "sha256:") ||
        ukiyo_image_ref_parse(&ref, image) < 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "container %s was started from an image ID",
                                ukiyo_container_name(c));
    err = ukiyo__inventory_image(ukiyo__context_inventory(u), ukiyo_get_docker(u), image_id, &info);
    if (err == 0) {
        const char *digest = local_digest_of(info, ref, NULL);
        char *copy = digest ? strdup(digest) : NULL;
        if (copy)
            *digest_out = copy;
        else
            err = digest ? UKIYO_ENOMEM
                         : ukiyo__error_set(UKIYO_ENOTFOUND, "image of %s has no registry digest",
                                            ukiyo_container_name(c));
    }
    ukiyo_image_info_free(info);
    ukiyo_image_ref_free(ref);
    return err;
}

/* Is the tag already pointing at another image locally (pulled, not applied)? */
static void note_newer_pull(check_run *run)
{
    ukiyo_image_info *tagged = NULL;

    if (ukiyo__inventory_image(ukiyo__context_inventory(run->u), ukiyo_get_docker(run->u),
                               ukiyo_image_ref_string(run->ref), &tagged) < 0) {
        ukiyo_error_clear();
        return;
    }
    run->result->newer_pulled = strcmp(ukiyo_image_info_id(tagged), run->result->image_id) != 0;
    ukiyo_image_info_free(tagged);
}

/*
 * The registry's digest for the tag into res->remote_digest: asked now, or
 * (a cached check) what it last answered. Without one the status is
 * unknown, with the reason.
 */
static int registry_digest(check_run *run)
{
    ukiyo_check_result *res = run->result;
    ukiyo_store *s = ukiyo_get_store(run->u);

    if (!run->cached) {
        if (ukiyo__registry_look(run->u, run->ref, &res->remote_digest) < 0)
            return set_unknown(res, ukiyo_error_last());
        res->answered_ms = ukiyo_now_ms(run->u);
        return 0;
    }
    store_answer a;
    bool found = false;
    if (!s || ukiyo__store_answer_get(s, ukiyo_image_ref_registry(run->ref),
                                      ukiyo_image_ref_repository(run->ref),
                                      ukiyo_image_ref_tag(run->ref), &a, &found) < 0) {
        ukiyo_error_clear();
        return set_unknown(res, "no store to remember the registry's answers in");
    }
    if (!found)
        return set_unknown(res, "not looked at in its registry yet");
    res->answered_ms = a.answered_ms;
    res->remote_digest = a.digest;
    a.digest = NULL;
    int err = res->remote_digest ? 0 : set_unknown(res, a.error ? a.error : "no answer");
    ukiyo__store_answer_clear(&a);
    return err;
}

static int compare_with_registry(check_run *run)
{
    ukiyo_check_result *res = run->result;
    int err;

    /* Without a digest to compare, asking the registry would only cost a request. */
    if (!local_digest_of(run->image, run->ref, NULL))
        return set_unknown(res, "the image has no digest from its registry "
                                "(built or loaded locally)");
    err = registry_digest(run);
    if (err < 0 || !res->remote_digest)
        return err;
    const char *remote = res->remote_digest;
    err = find_local_digest(run, remote);
    if (err < 0)
        return err;
    res->status = strcmp(res->local_digest, remote) == 0 ? UKIYO_CHECK_UP_TO_DATE
                                                         : UKIYO_CHECK_UPDATE_AVAILABLE;
    if (res->status == UKIYO_CHECK_UPDATE_AVAILABLE)
        note_newer_pull(run);
    return 0;
}

static int fill_from_container(check_run *run)
{
    ukiyo_check_result *res = run->result;
    const char *image = ukiyo_container_image(run->container);

    res->name = ukiyo__str_dup(ukiyo_container_name(run->container));
    res->image = ukiyo__str_dup(image ? image : "");
    res->image_id = ukiyo__str_dup(ukiyo_container_image_id(run->container));
    if (!res->name || !res->image || !res->image_id)
        return UKIYO_ENOMEM;
    if (!image || ukiyo_image_ref_parse(&run->ref, image) < 0 ||
        ukiyo__str_has_prefix(image, "sha256:")) {
        ukiyo_error_clear();
        ukiyo_image_ref_free(run->ref);
        run->ref = NULL;
        return set_unknown(res, "the container was created from an image ID, not a reference");
    }
    return 0;
}

/*
 * A swarm service: its spec's image names the digest it runs
 * ("repo:tag@sha256:..."); the registry's digest of the tag is compared
 * with that, nothing local.
 */
static int check_service(check_run *run)
{
    ukiyo_check_result *res = run->result;
    const char *at = strchr(res->image_id, '@');

    if (!at)
        return set_unknown(res, "the service's image names no digest (created with "
                                "--no-resolve-image): an update pins the registry's");
    res->local_digest = ukiyo__str_dup(at + 1);
    int err = registry_digest(run);
    if (err < 0 || !res->remote_digest)
        return err;
    res->status = res->local_digest && strcmp(res->local_digest, res->remote_digest) == 0
                      ? UKIYO_CHECK_UP_TO_DATE
                      : UKIYO_CHECK_UPDATE_AVAILABLE;
    return res->local_digest ? 0 : UKIYO_ENOMEM;
}

static int run_check(check_run *run)
{
    ukiyo_check_result *res = run->result;
    int err = fill_from_container(run);

    if (err < 0 || !run->ref)
        return err;
    if (!ukiyo_image_ref_tag(run->ref)) {
        res->status = UKIYO_CHECK_UP_TO_DATE;
        res->reason = strdup("pinned to a digest: nothing to update");
        return res->reason ? 0 : UKIYO_ENOMEM;
    }
    if (res->service)
        return check_service(run);
    err = ukiyo__inventory_image(ukiyo__context_inventory(run->u), ukiyo_get_docker(run->u),
                                 res->image_id, &run->image);
    if (err == UKIYO_ENOTFOUND)
        return set_unknown(res, "the container's image is gone from the engine");
    if (err < 0)
        return err;
    return compare_with_registry(run);
}

/*
 * What an update would make of it (plan_decide.c): the tag a policy moves
 * it to, or that the registry's release was rolled back for it before.
 */
static int apply_plan(check_run *run)
{
    ukiyo_check_result *res = run->result;
    plan_request req = {.trigger = UKIYO__TRIGGER_CHECK,
                        .digest =
                            res->status == UKIYO_CHECK_UPDATE_AVAILABLE ? res->remote_digest : NULL,
                        .keep_tag = !run->ref || !ukiyo_image_ref_tag(run->ref),
                        .now_ms = ukiyo_now_ms(run->u)};
    plan_decision d;
    int err = ukiyo__plan_decide(run->u, run->container, &req, &d);

    if (err < 0)
        return err;
    res->policy = strdup(ukiyo_plan_policy(&d.plan));
    res->window = ukiyo__str_dup(d.plan.window_text);
    res->window_next_ms = d.plan.window && !d.plan.window_open ? d.plan.window_next_ms : 0;
    res->poll_ms = d.plan.poll_ms;
    res->needs_approval = d.needs_approval;
    res->min_age_ms = d.min_age_ms;
    res->ages_at_ms = d.ages_at_ms;
    if (d.moves_tag) {
        res->new_tag = d.new_tag;
        d.new_tag = NULL;
        res->status = UKIYO_CHECK_UPDATE_AVAILABLE;
    } else if (d.skip == UKIYO__SKIP_REJECTED) {
        res->status = UKIYO_CHECK_REJECTED;
        free(res->reason);
        /* "rolled back at WHEN: why": the status says rejected already. */
        res->reason =
            ukiyo__str_dup(strncmp(d.reason, "rejected: ", 10) == 0 ? d.reason + 10 : d.reason);
    }
    ukiyo__plan_decision_clear(&d);
    return res->policy ? 0 : UKIYO_ENOMEM;
}

/*
 * For a container compose started: who an update would have recreate it,
 * and why (compose.h), as the update itself chooses without options.
 */
static int note_recreator(check_run *run)
{
    json_t *doc = ukiyo__container_document(run->container);
    ukiyo_check_result *res = run->result;
    container_labels labels = {0};
    compose_choice c = {0};
    compose_origin o;
    int err =
        ukiyo__compose_origin_read(&o, json_object_get(json_object_get(doc, "Config"), "Labels"));

    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        return 0;
    }
    if (err == 0)
        err = ukiyo__container_labels_read(&labels, run->container);
    if (err == 0)
        err = ukiyo__compose_choose(&c, ukiyo_get_docker(run->u), &o, labels.compose, false,
                                    res->new_tag);
    if (err == 0) {
        res->recreate = strdup(c.refusal ? "refused" : c.native ? "compose" : "engine");
        res->recreate_reason = c.refusal ? c.refusal : c.why;
        c.refusal = c.why = NULL;
        err = res->recreate ? 0 : UKIYO_ENOMEM;
    }
    ukiyo__compose_choice_clear(&c);
    ukiyo__container_labels_clear(&labels);
    ukiyo__compose_origin_clear(&o);
    return err;
}

/* What pushes, polls and windows would not do to it, and why; NULL: they update it. */
static char *left_alone_reason(ukiyo *u, const ukiyo_container *c)
{
    container_labels l = {0};
    const char *not_ours = NULL;
    char *why = NULL;

    if (ukiyo__container_labels_read(&l, c) < 0)
        return NULL;
    if (l.self)
        why = ukiyo__str_dup("ukiyod's own container: update it from outside");
    else if (l.monitor_only)
        why = ukiyo__str_dup("monitor-only: looked at, never updated");
    else if (!ukiyo_container_eligible(u, c, &not_ours))
        why = ukiyo__str_dup(not_ours);
    ukiyo__container_labels_clear(&l);
    return why;
}

static int check_container(ukiyo_check_result **out, ukiyo *u, const char *container, bool cached)
{
    check_run run = {.u = u, .cached = cached};
    int err;

    if (!u || !container || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_check: NULL argument");
    /* By ID, what the engine's events keep current costs no request (inventory.h). */
    err = ukiyo__is_service_name(container)
              ? ukiyo__docker_inspect_watched(ukiyo_get_docker(u), container, &run.container)
              : ukiyo__inventory_inspect(ukiyo__context_inventory(u), ukiyo_get_docker(u),
                                         container, &run.container);
    if (err < 0)
        return err;
    run.result = calloc(1, sizeof(*run.result));
    if (run.result)
        run.result->service = ukiyo__container_is_service(run.container);
    /* First what the labels alone say, without asking the registry anything. */
    plan_request labels_only = {.trigger = UKIYO__TRIGGER_CHECK,
                                .keep_tag = true,
                                .now_ms = ukiyo_now_ms(u)};
    plan_decision first = {0};
    err = run.result ? ukiyo__plan_decide(u, run.container, &labels_only, &first) : UKIYO_ENOMEM;
    if (err == 0 && (first.skip == UKIYO__SKIP_LABEL || first.skip == UKIYO__SKIP_SWARM_TASK)) {
        /* Left alone on every path until the label is fixed: nothing to ask the registry. */
        err = fill_from_container(&run);
        free(run.result->reason);
        run.result->status = UKIYO_CHECK_SKIPPED;
        run.result->reason = ukiyo__str_dup(first.reason);
    } else if (err == 0) {
        err = run_check(&run);
        if (err == 0)
            err = apply_plan(&run);
        if (err == 0 && !run.result->service)
            err = note_recreator(&run);
        if (err == 0 && run.result->policy && strcmp(run.result->policy, "never") == 0)
            run.result->left_alone = ukiyo__str_dup("policy never");
        else if (err == 0)
            run.result->left_alone = left_alone_reason(u, run.container);
    }
    ukiyo__plan_decision_clear(&first);
    if (err == 0) {
        *out = run.result;
        run.result = NULL;
        ukiyo_error_clear();
    }
    ukiyo_check_result_free(run.result);
    ukiyo_image_info_free(run.image);
    ukiyo_image_ref_free(run.ref);
    ukiyo_container_free(run.container);
    return err;
}

UKIYO_EXTERN int ukiyo_check(ukiyo_check_result **out, ukiyo *u, const char *container)
{
    return check_container(out, u, container, false);
}

UKIYO_EXTERN int ukiyo_check_cached(ukiyo_check_result **out, ukiyo *u, const char *container)
{
    return check_container(out, u, container, true);
}

UKIYO_EXTERN void ukiyo_check_result_free(ukiyo_check_result *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->image);
    free(r->image_id);
    free(r->local_digest);
    free(r->remote_digest);
    free(r->reason);
    free(r->policy);
    free(r->new_tag);
    free(r->recreate);
    free(r->recreate_reason);
    free(r->window);
    free(r->left_alone);
    free(r);
}

UKIYO_EXTERN const char *ukiyo_check_result_name(const ukiyo_check_result *r)
{
    return r->name;
}

UKIYO_EXTERN const char *ukiyo_check_result_image(const ukiyo_check_result *r)
{
    return r->image;
}

UKIYO_EXTERN const char *ukiyo_check_result_image_id(const ukiyo_check_result *r)
{
    return r->image_id;
}

UKIYO_EXTERN const char *ukiyo_check_result_local_digest(const ukiyo_check_result *r)
{
    return r->local_digest;
}

UKIYO_EXTERN const char *ukiyo_check_result_remote_digest(const ukiyo_check_result *r)
{
    return r->remote_digest;
}

UKIYO_EXTERN ukiyo_check_status ukiyo_check_result_status(const ukiyo_check_result *r)
{
    return r->status;
}

UKIYO_EXTERN const char *ukiyo_check_result_reason(const ukiyo_check_result *r)
{
    return r->reason;
}

UKIYO_EXTERN int ukiyo_check_result_newer_image_pulled(const ukiyo_check_result *r)
{
    return r->newer_pulled;
}

UKIYO_EXTERN const char *ukiyo_check_status_name(ukiyo_check_status status)
{
    switch (status) {
    case UKIYO_CHECK_UP_TO_DATE: return "up-to-date";
    case UKIYO_CHECK_UPDATE_AVAILABLE: return "update-available";
    case UKIYO_CHECK_SKIPPED: return "skipped";
    case UKIYO_CHECK_REJECTED: return "rejected";
    default: return "unknown";
    }
}

UKIYO_EXTERN const char *ukiyo_check_result_policy(const ukiyo_check_result *r)
{
    return r->policy ? r->policy : "digest";
}

UKIYO_EXTERN const char *ukiyo_check_result_new_tag(const ukiyo_check_result *r)
{
    return r->new_tag;
}

UKIYO_EXTERN int ukiyo_check_result_json(char **json_out, const ukiyo_check_result *r)
{
    if (!json_out || !r)
        return ukiyo__error_set(UKIYO_EINVAL, "check: NULL argument");
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s?, s:b, s:s, s:s?, s:s?, "
                  "s:s?}",
                  "name", ukiyo_check_result_name(r), "kind", ukiyo_check_result_kind(r), "image",
                  ukiyo_check_result_image(r), "image_id", ukiyo_check_result_image_id(r),
                  "local_digest", ukiyo_check_result_local_digest(r), "remote_digest",
                  ukiyo_check_result_remote_digest(r), "status",
                  ukiyo_check_status_name(ukiyo_check_result_status(r)), "reason",
                  ukiyo_check_result_reason(r), "newer_image_pulled",
                  ukiyo_check_result_newer_image_pulled(r) != 0, "policy",
                  ukiyo_check_result_policy(r), "new_tag", ukiyo_check_result_new_tag(r),
                  "recreate", r->recreate, "recreate_reason", r->recreate_reason);
    if (doc) {
        json_object_set_new(doc, "approve", json_boolean(r->needs_approval));
        json_object_set_new(doc, "min_age_ms", json_integer(r->min_age_ms));
        json_object_set_new(doc, "ages_at_ms",
                            r->ages_at_ms ? json_integer(r->ages_at_ms) : json_null());
        json_object_set_new(doc, "answered_ms",
                            r->answered_ms ? json_integer(r->answered_ms) : json_null());
        json_object_set_new(doc, "window", r->window ? json_string(r->window) : json_null());
        json_object_set_new(doc, "window_next_ms",
                            r->window_next_ms ? json_integer(r->window_next_ms) : json_null());
        json_object_set_new(doc, "poll_ms", json_integer(r->poll_ms));
        json_object_set_new(doc, "left_alone",
                            r->left_alone ? json_string(r->left_alone) : json_null());
    }
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

UKIYO_EXTERN int ukiyo_check_result_needs_approval(const ukiyo_check_result *r)
{
    return r->needs_approval;
}

UKIYO_EXTERN int64_t ukiyo_check_result_min_age_ms(const ukiyo_check_result *r)
{
    return r->min_age_ms;
}

UKIYO_EXTERN int64_t ukiyo_check_result_ages_at_ms(const ukiyo_check_result *r)
{
    return r->ages_at_ms;
}

UKIYO_EXTERN const char *ukiyo_check_result_recreate(const ukiyo_check_result *r)
{
    return r->recreate;
}

UKIYO_EXTERN const char *ukiyo_check_result_recreate_reason(const ukiyo_check_result *r)
{
    return r->recreate_reason;
}

UKIYO_EXTERN const char *ukiyo_check_result_kind(const ukiyo_check_result *r)
{
    return r->service ? "service" : "container";
}

UKIYO_EXTERN int64_t ukiyo_check_result_answered_ms(const ukiyo_check_result *r)
{
    return r->answered_ms;
}

UKIYO_EXTERN const char *ukiyo_check_result_window(const ukiyo_check_result *r)
{
    return r->window;
}

UKIYO_EXTERN int64_t ukiyo_check_result_window_next_ms(const ukiyo_check_result *r)
{
    return r->window_next_ms;
}

UKIYO_EXTERN int64_t ukiyo_check_result_poll_ms(const ukiyo_check_result *r)
{
    return r->poll_ms;
}

UKIYO_EXTERN const char *ukiyo_check_result_left_alone(const ukiyo_check_result *r)
{
    return r->left_alone;
}
