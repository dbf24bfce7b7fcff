/*
 * jobs_run.c - the worker's step: claim the oldest due job, update what it
 * names (the containers running a tag, a deployment's container, or one
 * container), record what became of each, answer Docker Hub's callback.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"
#include "inventory_private.h"
#include "jobs_private.h"
#include "manager_result.h"
#include "plan.h"

/* ---- running a job --------------------------------------------------- */

typedef store_job job_row;

/* A job queued for a window runs even if the worker reaches it a little late. */
#define WINDOW_GRACE_MS (15 * 60 * 1000)

static bool runs_the_tag(ukiyo *u, const ukiyo_container *c, const job_row *j)
{
    ukiyo_image_ref *ref = NULL;
    const char *image = ukiyo_container_image(c);
    bool match = false;

    if (image && ukiyo_image_ref_parse(&ref, image) == 0 && ukiyo_image_ref_tag(ref))
        match = ukiyo_registry_same(u, ukiyo_image_ref_registry(ref), j->registry) &&
                strcmp(ukiyo_image_ref_repository(ref), j->repository) == 0 &&
                strcmp(ukiyo_image_ref_tag(ref), j->tag) == 0;
    ukiyo_error_clear();
    ukiyo_image_ref_free(ref);
    return match;
}

/* On another tag of the job's repository, with a policy that follows tags? */
static bool follows_the_repository(ukiyo *u, const ukiyo_container *c, const job_row *j)
{
    ukiyo_image_ref *ref = NULL;
    ukiyo_policy *policy = NULL;
    const char *image = ukiyo_container_image(c);
    bool follows = false;

    if (image && ukiyo_image_ref_parse(&ref, image) == 0 && ukiyo_image_ref_tag(ref) &&
        ukiyo_policy_parse(&policy, ukiyo_container_label(c, UKIYO_LABEL_POLICY)) == 0) {
        ukiyo_policy_kind kind = ukiyo_policy_get_kind(policy);
        follows = kind != UKIYO_POLICY_DIGEST && kind != UKIYO_POLICY_NEVER &&
                  ukiyo_registry_same(u, ukiyo_image_ref_registry(ref), j->registry) &&
                  strcmp(ukiyo_image_ref_repository(ref), j->repository) == 0 &&
                  strcmp(ukiyo_image_ref_tag(ref), j->tag) != 0;
    }
    ukiyo_error_clear();
    ukiyo_policy_free(policy);
    ukiyo_image_ref_free(ref);
    return follows;
}

/*
 * The swarm services on the job's tag, after the containers (services
 * depend on no container); on other tags with a policy, among @followers.
 * An engine in no swarm, or a worker, has none: that is no error.
 */
static int add_matching_services(ukiyo *u, const job_row *j, ukiyo_string_list *order,
                                 ukiyo_string_list *followers)
{
    ukiyo_service_list *list = NULL;
    int err = 0;

    if (ukiyo__docker_services_if_manager(ukiyo_get_docker(u), &list) < 0) {
        log_warning("job %lld: cannot list the swarm's services: %s", (long long)j->id,
                    ukiyo_error_last());
        ukiyo_error_clear();
        return 0;
    }
    for (size_t i = 0; err == 0 && i < ukiyo_service_list_count(list); i++) {
        ukiyo_container *c = NULL;
        if (ukiyo_service_as_container(&c, ukiyo_service_list_get(list, i)) < 0)
            return UKIYO_ENOMEM;
        bool eligible = ukiyo_container_eligible(u, c, NULL);
        if (eligible && runs_the_tag(u, c, j))
            err = ukiyo__string_list_append(order, ukiyo_container_name(c));
        else if (eligible && follows_the_repository(u, c, j))
            err = ukiyo__string_list_append(followers, ukiyo_container_name(c));
        ukiyo_container_free(c);
    }
    ukiyo_service_list_free(list);
    return err;
}

/*
 * Running containers whose reference names the job's tag, in update order;
 * in @followers, those on other tags of the repository whose policy may
 * move them to it.
 */
static int matching_containers(ukiyo *u, const job_row *j, ukiyo_string_list **out,
                               ukiyo_string_list *followers)
{
    ukiyo_container_list *list = NULL;
    ukiyo_string_list names = {0};
    int err = ukiyo_docker_container_list(&list, ukiyo_get_docker(u), 0, NULL);

    for (size_t i = 0; err == 0 && i < ukiyo_container_list_count(list); i++) {
        ukiyo_container *c = NULL;
        /* The list shows an image ID once the tag moved: inspect for the reference. */
        if (ukiyo__inventory_inspect(ukiyo__context_inventory(u), ukiyo_get_docker(u),
                                     ukiyo_container_id(ukiyo_container_list_get(list, i)),
                                     &c) < 0) {
            ukiyo_error_clear();
            continue;
        }
        /* A deployment's container waits for its deployment's job. */
        /* A swarm task's container goes with its service, never alone. */
        bool eligible = !ukiyo_container_label(c, UKIYO_LABEL_DEPLOYMENT) &&
                        !ukiyo_container_label(c, UKIYO_LABEL_SWARM_TASK) &&
                        ukiyo_container_eligible(u, c, NULL);
        if (eligible && runs_the_tag(u, c, j))
            err = ukiyo__string_list_append(&names, ukiyo_container_name(c));
        else if (eligible && follows_the_repository(u, c, j))
            err = ukiyo__string_list_append(followers, ukiyo_container_name(c));
        ukiyo_container_free(c);
    }
    ukiyo_container_list_free(list);
    if (err == 0)
        err = ukiyo_update_order(out, u, (const char *const *)names.items, names.count);
    for (size_t i = 0; i < names.count; i++)
        free(names.items[i]);
    free(names.items);
    if (err == 0)
        err = add_matching_services(u, j, *out, followers);
    return err;
}

static json_t *result_entry(const char *name, int err, const ukiyo_update_result *r)
{
    if (err < 0)
        return json_pack("{s:s, s:s, s:s}", "name", name, "outcome", "failed", "reason",
                         ukiyo_error_last());
    json_t *entry = ukiyo__update_result_to_json(r);
    json_object_set_new(entry, "name", json_string(name)); /* as the job named it */
    return entry;
}

/* Add @name's entry to @results, and one for each container that followed it. */
static void add_results(json_t *results, const char *name, int err, const ukiyo_update_result *r)
{
    json_array_append_new(results, result_entry(name, err, r));
    for (size_t i = 0; err == 0 && i < ukiyo_update_result_follower_count(r); i++)
        json_array_append_new(results,
                              ukiyo__update_result_to_json(ukiyo_update_result_follower(r, i)));
}

static const char *state_of(json_t *results, bool rollback_job);

static int finish_job(ukiyo_store *s, int64_t id, const char *state, json_t *results,
                      const char *error)
{
    char *text = results ? json_dumps(results, JSON_COMPACT) : NULL;
    int err = results && !text ? UKIYO_ENOMEM : ukiyo__store_job_finish(s, id, state, text, error);

    free(text);
    return err;
}

/* What a job knows when it asks the plan of one container. */
typedef struct {
    const char *target;            /* a queued job's own reference (a policy's), or NULL */
    const char *window;            /* a deployment's window, or NULL: the label's */
    const char *digest;            /* the pushed digest, or NULL */
    const ukiyo_string_list *tags; /* the repository's tags, when listed already */
    bool moving_only;              /* only when a tag policy moves it */
    bool approved;                 /* past the approval gate already (a window's job) */
    const char *source;            /* who asked: a job that waits for approval keeps it */
} job_plan;

static bool plan_allows(ukiyo *u, const char *name, const job_plan *jp, json_t *results,
                        char **target_out);
static void update_one(ukiyo *u, const char *name, const char *target, const char *digest,
                       bool force, const ukiyo_update_options *opts, json_t *results);

/*
 * A deployment's part of its repository's job: create its container, or
 * update it (in its window). A deployment deleted since the push leaves
 * only the other containers to the job.
 */
static void run_deployment(ukiyo *u, ukiyo_store *s, const job_row *j,
                           const ukiyo_update_options *opts, json_t *results)
{
    deployment d;

    if (ukiyo__deployment_find(s, j->registry, j->repository, j->deployment, &d) < 0) {
        log_info("job %lld: deployment %s was deleted since the push", (long long)j->id,
                 j->deployment);
        ukiyo_error_clear();
        return;
    }
    ukiyo_container *c = NULL;
    if (ukiyo_docker_container_inspect(&c, ukiyo_get_docker(u), d.container) == 0) {
        job_plan jp = {.window = d.window, .digest = j->digest, .source = j->source};
        char *target = NULL;
        if (plan_allows(u, d.container, &jp, results, &target))
            update_one(u, d.container, target, j->digest, false, opts, results);
        free(target);
    } else {
        char *ref = ukiyo__str_printf("%s/%s:%s", j->registry, j->repository, j->tag);
        ukiyo_error_clear();
        int cerr = ref ? ukiyo__deployment_create_container(u, &d, ref) : UKIYO_ENOMEM;
        json_array_append_new(results, cerr < 0 ? result_entry(d.container, cerr, NULL)
                                                : json_pack("{s:s, s:s}", "name", d.container,
                                                            "outcome", "created"));
        free(ref);
    }
    ukiyo_container_free(c);
    ukiyo__deployment_clear(&d);
}

/* @name waits for a person: a job in state awaiting-approval, or the newer release in it. */
static void wait_for_approval(ukiyo *u, const char *name, const job_plan *jp,
                              const plan_decision *d, const char *target, json_t *results)
{
    int64_t id = 0;
    store_await outcome = STORE_AWAIT_NEW;
    const char *queued = jp->target || d->moves_tag ? target : NULL;
    int err =
        ukiyo__jobs_await_approval(u, name, queued, d->digest, jp->source ? jp->source : "unknown",
                                   d->approve_timeout_ms, &id, &outcome);

    if (err < 0) {
        json_array_append_new(results, result_entry(name, err, NULL));
        return;
    }
    log_info("%s: job %lld waits for approval%s", name, (long long)id,
             outcome == STORE_AWAIT_NEWER  ? " (a newer release folded into it)"
             : outcome == STORE_AWAIT_SAME ? " (for this release already)"
                                           : "");
    json_array_append_new(results, json_pack("{s:s, s:s, s:s, s:I}", "name", name, "outcome",
                                             "awaiting-approval", "reason", d->reason, "job",
                                             (json_int_t)id));
    /* People hear once per release: a poll asking again says nothing new. */
    if (outcome != STORE_AWAIT_SAME)
        ukiyo__jobs_call_hook(u, id,
                              outcome == STORE_AWAIT_NEWER ? "approval-updated"
                                                           : "approval-waiting");
}

/*
 * May @name be updated now, and to what? The plan's answer for a push
 * (plan_decide.c). A label that does not parse is skipped here; a closed
 * window (@jp->window, else the label's, else the default) queues a job
 * that waits for it, folding in any later ones; @results says which. What
 * else the plan leaves alone the update concludes, before any pull, with
 * the same reason. *@target_out: the reference to update to (new string).
 */
static bool plan_allows(ukiyo *u, const char *name, const job_plan *jp, json_t *results,
                        char **target_out)
{
    ukiyo_container *c = NULL;
    plan_decision d;

    *target_out = NULL;
    if (ukiyo__docker_inspect_watched(ukiyo_get_docker(u), name, &c) < 0) {
        ukiyo_error_clear();
        return true; /* the update says what became of it */
    }
    plan_request req = {.trigger = UKIYO__TRIGGER_PUSH,
                        .digest = jp->digest,
                        .tags = jp->tags,
                        .keep_tag = jp->target != NULL,
                        .window = jp->window,
                        .approved = jp->approved,
                        .now_ms = ukiyo_now_ms(u)};
    int err = ukiyo__plan_decide(u, c, &req, &d);
    ukiyo_container_free(c);
    const char *target = jp->target ? jp->target : d.target;
    bool go = err == 0 && (!jp->moving_only || d.moves_tag);
    if (err < 0) {
        json_array_append_new(results, result_entry(name, err, NULL));
    } else if (go && d.action == UKIYO__PLAN_SKIP && d.skip == UKIYO__SKIP_LABEL) {
        log_warning("%s: skipped: %s", name, d.reason);
        json_array_append_new(results, json_pack("{s:s, s:s, s:s}", "name", name, "outcome",
                                                 "skipped", "reason", d.reason));
        go = false;
    } else if (go && d.action == UKIYO__PLAN_APPROVE) {
        wait_for_approval(u, name, jp, &d, target, results);
        go = false;
    } else if (go && d.action == UKIYO__PLAN_WAIT) {
        int64_t id = 0;
        const char *queued = jp->target || d.moves_tag ? target : NULL;
        /* A release too young is judged again when it has aged; a window's job runs. */
        bool aging = d.ages_at_ms && d.ages_at_ms == d.wait_until_ms;
        err = ukiyo__jobs_queue_container(u, name, UKIYO_JOB_UPDATE, queued,
                                          aging ? "min-age" : "window", d.wait_until_ms, &id);
        log_info("%s: %s: job %lld waits until %lld", name, d.reason, (long long)id,
                 (long long)(d.wait_until_ms / 1000));
        json_array_append_new(results, err < 0 ? result_entry(name, err, NULL)
                                               : json_pack("{s:s, s:s, s:I, s:I}", "name", name,
                                                           "outcome", "deferred", "until_ms",
                                                           (json_int_t)d.wait_until_ms, "job",
                                                           (json_int_t)id));
        go = false;
    }
    if (go && target && !(*target_out = strdup(target)))
        go = false;
    ukiyo__plan_decision_clear(&d);
    return go;
}

/*
 * Update @name onto @target (its own reference, or where a tag policy moved
 * it) and add the result. @digest, the pushed one, lets a rejected release
 * be skipped before its pull.
 */
static void update_one(ukiyo *u, const char *name, const char *target, const char *digest,
                       bool force, const ukiyo_update_options *opts, json_t *results)
{
    ukiyo_update_options o;
    ukiyo_update_result *r = NULL;

    ukiyo__update_options_copy(&o, opts); /* by its version: an older caller's is shorter */
    o.image = target;
    o.digest = digest;
    o.force = force;
    int err = ukiyo_update(&r, u, name, &o);
    add_results(results, name, err, r);
    ukiyo_update_result_free(r);
}

/*
 * ukiyo_interrupt() stopped the job's update: the job stays running, so that
 * ukiyo_jobs_recover() queues it again at the next start, after reconcile
 * has undone the update it left.
 */
static int left_to_next_start(const job_row *j)
{
    return ukiyo__error_set(UKIYO_EINTERRUPTED,
                            "job %lld interrupted: it runs again at the next start",
                            (long long)j->id);
}

static int run_container_job(ukiyo *u, ukiyo_store *s, const job_row *j,
                             const ukiyo_update_options *opts)
{
    json_t *results = json_array();
    const char *source = j->source ? j->source : "api";
    bool by_window = strcmp(source, "window") == 0, by_poll = strcmp(source, "poll") == 0;

    bool forced = j->action && strcmp(j->action, "force-update") == 0;
    if (j->action && strcmp(j->action, "update") != 0 && !forced) {
        ukiyo_update_result *r = NULL;
        int err = strcmp(j->action, "rollback") == 0 ? ukiyo_rollback(&r, u, j->container, opts)
                                                     : ukiyo_redeploy(&r, u, j->container, opts);
        add_results(results, j->container, err, r);
        ukiyo_update_result_free(r);
    } else {
        /*
         * A person's job (api, cli) runs now. A window's runs when due, unless the
         * worker came too late for it; a poll's, and a late window's, wait for the window.
         */
        bool late = by_window && ukiyo_now_ms(u) - j->not_before_ms > WINDOW_GRACE_MS;
        bool by_age = strcmp(source, "min-age") == 0;
        /* A window's job was queued past the approval gate; a release that aged was not. */
        job_plan jp = {.target = j->target, .approved = by_window, .source = source};
        char *target = NULL;
        if (j->approved_ms)
            update_one(u, j->container, j->target, j->digest, forced, opts, results);
        else if ((!by_window && !by_poll && !by_age) || (by_window && !late))
            update_one(u, j->container, j->target, NULL, forced, opts, results);
        else if (plan_allows(u, j->container, &jp, results, &target))
            update_one(u, j->container, target, NULL, forced, opts, results);
        free(target);
    }
    if (ukiyo__context_interrupted(u)) {
        json_decref(results);
        return left_to_next_start(j);
    }
    int err =
        finish_job(s, j->id, state_of(results, j->action && strcmp(j->action, "rollback") == 0),
                   results, NULL);
    json_decref(results);
    return err;
}

/* The containers on other tags whose policy moves them now: one tag list for all. */
static void update_followers(ukiyo *u, const job_row *j, const ukiyo_string_list *followers,
                             const ukiyo_update_options *opts, json_t *results)
{
    ukiyo_image_ref *repo = NULL;
    ukiyo_string_list *tags = NULL;
    char *text = ukiyo__str_printf("%s/%s:%s", j->registry, j->repository, j->tag);

    if (!text || ukiyo_image_ref_parse(&repo, text) < 0 ||
        ukiyo_registry_list_tags(&tags, ukiyo_get_registry(u), repo) < 0) {
        log_warning("job %lld: cannot list the tags of %s: %s", (long long)j->id, text,
                    ukiyo_error_last());
        ukiyo_error_clear();
    }
    job_plan jp = {.tags = tags, .moving_only = true, .source = j->source};
    for (size_t i = 0; tags && i < ukiyo_string_list_count(followers); i++) {
        const char *name = ukiyo_string_list_get(followers, i);
        char *target = NULL;
        if (plan_allows(u, name, &jp, results, &target))
            update_one(u, name, target, NULL, false, opts, results);
        free(target);
    }
    ukiyo_string_list_free(tags);
    ukiyo_image_ref_free(repo);
    free(text);
}

/*
 * Whether a result says the job's change did not reach its container: it
 * failed, or (unless the job was to roll back) its release was rolled back.
 */
static bool result_failed(json_t *r, bool rollback_job)
{
    const char *outcome = json_string_value(json_object_get(r, "outcome"));
    return outcome && (strcmp(outcome, "failed") == 0 ||
                       (!rollback_job && strcmp(outcome, "rolled-back") == 0));
}

/* success unless a container rolled back or failed. */
static bool results_succeeded(json_t *results)
{
    json_t *r;
    size_t i;

    json_array_foreach(results, i, r) {
        if (result_failed(r, false))
            return false;
    }
    return true;
}

/* done; failed when every container it touched failed or rolled back; partial when some did. */
static const char *state_of(json_t *results, bool rollback_job)
{
    size_t failed = 0, i;
    json_t *r;

    json_array_foreach(results, i, r) {
        failed += result_failed(r, rollback_job);
    }
    return failed == 0 ? "done" : failed == json_array_size(results) ? "failed" : "partial";
}

/* Tell Docker Hub how the job went, when a Docker Hub push made it. */
static void answer_callback(ukiyo_store *s, int64_t id, json_t *results)
{
    char *url = NULL;

    if (ukiyo__store_job_callback(s, id, &url) < 0)
        ukiyo_error_clear();
    if (url)
        ukiyo__dockerhub_callback_answer(url, results_succeeded(results), id);
    free(url);
}

/* Is @name among @results as the follower of a container updated before it? */
static bool followed_already(json_t *results, const char *name)
{
    json_t *r;
    size_t i;

    json_array_foreach(results, i, r) {
        const char *n = json_string_value(json_object_get(r, "name"));
        if (json_is_string(json_object_get(r, "follows")) && n && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

/*
 * A push's job: its repository's deployment (when it has one), then every
 * other container running the tag and those whose policy moves them to it.
 * Fails only when the engine could not be asked which run it.
 */
static int run_tag_job(ukiyo *u, ukiyo_store *s, const job_row *j, const ukiyo_update_options *opts,
                       json_t *results)
{
    ukiyo_string_list *order = NULL;
    ukiyo_string_list followers = {0};

    /* What the push (or poll) said the tag is now: what the dashboard compares with. */
    if (j->digest && j->tag &&
        ukiyo__store_answer_note(s, j->registry, j->repository, j->tag, j->digest, NULL,
                                 ukiyo_now_ms(u)) < 0)
        ukiyo_error_clear();
    if (j->deployment)
        run_deployment(u, s, j, opts, results);
    int err = matching_containers(u, j, &order, &followers);
    size_t count = ukiyo_string_list_count(order);
    const char **names = calloc(count + 1, sizeof(*names));
    if (err == 0 && !names)
        err = ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    for (size_t i = 0; err == 0 && i < count; i++)
        names[i] = ukiyo_string_list_get(order, i);
    for (size_t i = 0; err == 0 && i < count && !ukiyo__context_interrupted(u); i++) {
        /* One that followed a container before it in the batch was updated with it, once. */
        if (followed_already(results, names[i]))
            continue;
        ukiyo_update_options o;
        ukiyo__update_options_copy(&o, opts);
        o.batch = names + i + 1;
        o.batch_count = count - i - 1;
        job_plan jp = {.digest = j->digest, .source = j->source};
        char *target = NULL;
        if (plan_allows(u, names[i], &jp, results, &target))
            update_one(u, names[i], target, j->digest, false, &o, results);
        free(target);
    }
    free(names);
    if (err == 0 && followers.count && !ukiyo__context_interrupted(u))
        update_followers(u, j, &followers, opts, results);
    for (size_t i = 0; i < followers.count; i++)
        free(followers.items[i]);
    free(followers.items);
    ukiyo_string_list_free(order);
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_run_next(ukiyo *u, const ukiyo_update_options *opts, int *ran_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    job_row j = {0};
    bool found;
    int err;

    UKIYO__CHECK_VERSION(opts, UKIYO_UPDATE_OPTIONS_VERSION, "ukiyo_update_options");
    if (!s)
        return UKIYO_EINVAL;
    if (ran_out)
        *ran_out = 0;
    if (ukiyo__context_interrupted(u))
        return 0;
    if (ukiyo__jobs_expire_due(u, s, NULL) < 0)
        return UKIYO_EIO;
    err = ukiyo__store_job_claim(s, ukiyo__store_now_ms(s), &j, &found);
    if (err < 0 || !found)
        return err;
    if (ran_out)
        *ran_out = 1;
    log_info("job %lld: %s/%s:%s", (long long)j.id, j.registry, j.repository, j.tag);
    ukiyo__jobs_call_hook(u, j.id, "running");
    if (j.container) {
        err = run_container_job(u, s, &j, opts);
        if (err != UKIYO_EINTERRUPTED)
            ukiyo__jobs_call_hook(u, j.id, "finished");
        ukiyo__store_job_clear(&j);
        return err;
    }
    json_t *results = json_array();
    err = run_tag_job(u, s, &j, opts, results);
    if (ukiyo__context_interrupted(u)) {
        err = left_to_next_start(&j);
        json_decref(results);
        ukiyo__store_job_clear(&j);
        return err;
    }
    if (err < 0) {
        /* The engine could not be asked: fail the job with why. */
        err = finish_job(s, j.id, "failed", results, ukiyo_error_last());
    } else {
        err = finish_job(s, j.id, state_of(results, false), results, NULL);
    }
    answer_callback(s, j.id, results);
    ukiyo__jobs_call_hook(u, j.id, "finished");
    json_decref(results);
    ukiyo__store_job_clear(&j);
    return err;
}
