/*
 * manager_service.c - the update of a swarm service ("service/NAME").
 *
 * ukiyo asks the registry for the tag's digest and changes only the image
 * in the service's spec, to "repo:tag@sha256:NEW", so that every node runs
 * the same image and never a tag that moved under it; it sends the
 * registry's credential so that workers can pull. The service's own
 * UpdateConfig decides how its tasks are replaced. ukiyo then follows
 * UpdateStatus to its end: "completed" is updated; "paused", a rollback
 * state or the wait's limit means the release failed: the engine rolls the
 * service back (ukiyo asks it to, unless it already does), ukiyo waits for
 * that to complete, records rolled-back with what the failed tasks say, and
 * remembers the digest as rejected.
 *
 * The journal row (strategy "swarm") is written before the spec is posted
 * and names the service, its images and spec versions before and after, so
 * ukiyo__service_reconcile can finish the wait or the rollback after a crash.
 * ukiyo_interrupt() ends the wait the same way, within POLL_MS: the swarm
 * replaces the tasks without ukiyo, so leaving loses nothing.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manager_private.h"

#define SERVICE_TIMEOUT_DEFAULT_S 600
#define POLL_MS 500
/* Without an UpdateStatus of its own (an engine that sets none), tasks on the new image do. */
#define CONVERGED_WITHOUT_STATUS_MS 15000

typedef struct {
    ukiyo *u;
    ukiyo_docker *d;
    ukiyo_store *st;
    ukiyo_update_options opts;
    const char *kind; /* update | redeploy | rollback */
    char *name;       /* "service/NAME" */
    ukiyo_service *svc;
    ukiyo_container *seen; /* the service as a container, for labels and the plan */
    plan_decision decision;
    char *ref;       /* the tag reference it goes to */
    char *digest;    /* the registry's digest of it */
    char *new_image; /* what the spec will say: ref@digest (or a rollback's image) */
    int timeout_s;
    journal_entry j;
    ukiyo_update_result *r;
    bool said; /* its failure was logged already */
} service_tx;

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *digest_of(const char *image)
{
    const char *at = image ? strchr(image, '@') : NULL;
    return at ? at + 1 : NULL;
}

static int new_result(service_tx *t)
{
    ukiyo_update_result *r = calloc(1, sizeof(*r));

    if (!r)
        return UKIYO_ENOMEM;
    r->container = ukiyo__str_dup(t->name);
    r->image = ukiyo__str_dup(ukiyo_container_image(t->seen));
    r->old_image_id = ukiyo__str_dup(ukiyo_service_image(t->svc));
    r->container_id = ukiyo__str_dup(ukiyo_service_id(t->svc));
    r->strategy = ukiyo__str_dup("swarm");
    t->r = r;
    return r->container && r->image && r->strategy ? 0 : UKIYO_ENOMEM;
}

static int conclude(service_tx *t, ukiyo_update_outcome outcome, const char *fmt, ...)
    UKIYO_PRINTF(3, 4);

static int conclude(service_tx *t, ukiyo_update_outcome outcome, const char *fmt, ...)
{
    va_list ap;

    t->r->outcome = outcome;
    if (fmt) {
        va_start(ap, fmt);
        char *text = ukiyo__str_vprintf(fmt, ap);
        va_end(ap);
        free(t->r->reason);
        t->r->reason = text;
    }
    return 0;
}

/* A failure before the spec changed: logged and in the history, the service untouched. */
static int fail_untouched(service_tx *t, const char *why)
{
    journal_entry e = {.container = t->name,
                       .kind = (char *)t->kind,
                       .strategy = "swarm",
                       .image_ref = t->ref ? t->ref : t->r->image,
                       .old_container_id = t->r->container_id,
                       .old_image_id = t->r->old_image_id,
                       .new_image_id = t->new_image};

    conclude(t, UKIYO_OUTCOME_FAILED, "%s; the service is untouched", why);
    log_warning("%s: %s failed before any change: %s", t->name, t->kind, t->r->reason);
    t->said = true;
    if (ukiyo__journal_record(t->st, &e, "failed", t->r->reason) < 0) {
        log_warning("%s: the failure could not be recorded: %s", t->name, ukiyo_error_last());
        ukiyo_error_clear();
    }
    return 0;
}

static plan_trigger trigger_of(const service_tx *t)
{
    if (strcmp(t->kind, "update") != 0)
        return UKIYO__TRIGGER_RECREATE;
    return t->opts.force ? UKIYO__TRIGGER_FORCED : UKIYO__TRIGGER_PERSON;
}

/* What the plan says before the registry is asked: skipped, or the reference to go to. */
static bool planned_away(service_tx *t)
{
    plan_request req = {.trigger = trigger_of(t),
                        .keep_tag = t->opts.image != NULL,
                        .now_ms = ukiyo_now_ms(t->u)};

    if (ukiyo__plan_decide(t->u, t->seen, &req, &t->decision) < 0)
        return conclude(t, UKIYO_OUTCOME_FAILED, "out of memory"), true;
    if (t->decision.action == UKIYO__PLAN_SKIP) {
        conclude(t, UKIYO_OUTCOME_SKIPPED, "%s", t->decision.reason);
        return true;
    }
    t->ref = ukiyo__str_dup(t->opts.image ? t->opts.image : t->decision.target);
    free(t->r->image);
    t->r->image = ukiyo__str_dup(t->ref);
    return false;
}

/* Was the release rolled back for this service before? (a forced update tries it) */
static bool rejected(service_tx *t)
{
    plan_request req = {.trigger = trigger_of(t),
                        .digest = t->digest,
                        .keep_tag = true,
                        .now_ms = ukiyo_now_ms(t->u)};
    plan_decision d;
    bool skip = false;

    if (strcmp(t->kind, "update") != 0 || t->opts.force ||
        ukiyo__plan_decide(t->u, t->seen, &req, &d) < 0)
        return false;
    if (d.skip == UKIYO__SKIP_REJECTED) {
        conclude(t, UKIYO_OUTCOME_SKIPPED, "%s", d.reason);
        skip = true;
    }
    ukiyo__plan_decision_clear(&d);
    return skip;
}

/* The registry's digest of the reference; false when it has concluded. */
static bool resolve(service_tx *t)
{
    ukiyo_image_ref *ref = NULL;
    int err = ukiyo_image_ref_parse(&ref, t->ref);

    /* As for a container's pull: a registry may tell of a push before its tag moved. */
    const char *pushed = t->decision.moves_tag ? NULL : t->opts.digest;
    for (int attempt = 0; err == 0; attempt++) {
        free(t->digest);
        t->digest = NULL;
        err = ukiyo_registry_manifest_digest(&t->digest, ukiyo_get_registry(t->u), ref);
        if (err < 0 || !pushed || strcmp(t->digest, pushed) == 0 || attempt == 9 ||
            ukiyo__context_interrupted(t->u))
            break;
        ukiyo__sleep_ms(500);
    }
    ukiyo_image_ref_free(ref);
    if (err < 0) {
        fail_untouched(t, ukiyo_error_last());
        ukiyo_error_clear();
        return false;
    }
    t->new_image = ukiyo__str_printf("%s@%s", t->ref, t->digest);
    free(t->r->new_image_id);
    t->r->new_image_id = ukiyo__str_dup(t->new_image);
    return t->new_image != NULL;
}

/* The service's spec with only its image changed (and, for a redeploy, ForceUpdate counted). */
static char *spec_with_image(const ukiyo_service *svc, const char *image, bool force)
{
    json_t *spec = json_deep_copy(json_object_get(ukiyo__service_document(svc), "Spec"));
    json_t *task = json_object_get(spec, "TaskTemplate");
    json_t *container = json_object_get(task, "ContainerSpec");
    char *text = NULL;

    if (json_is_object(container) &&
        json_object_set_new(container, "Image", json_string(image)) == 0) {
        if (force)
            json_object_set_new(task, "ForceUpdate",
                                json_integer(
                                    json_integer_value(json_object_get(task, "ForceUpdate")) + 1));
        text = json_dumps(spec, JSON_COMPACT);
    }
    json_decref(spec);
    return text;
}

static int reinspect(ukiyo_docker *d, const char *id, ukiyo_service **svc)
{
    ukiyo_service *fresh = NULL;
    int err = ukiyo_docker_service_inspect(&fresh, d, id);

    if (err == 0) {
        ukiyo_service_free(*svc);
        *svc = fresh;
    }
    return err;
}

/*
 * Post the spec with the new image. Someone else's change in between
 * (a stale version) is read again and tried once more, unless it changed
 * the image itself.
 */
static int post_spec(service_tx *t)
{
    ukiyo_credential *cred = ukiyo__auth_lookup_image(ukiyo_get_auth(t->u), t->ref);
    const char *before = t->j.old_image_id;
    int err = 0;

    for (int attempt = 0; attempt < 2; attempt++) {
        char *spec = spec_with_image(t->svc, t->new_image, strcmp(t->kind, "redeploy") == 0);
        err = spec ? ukiyo_docker_service_update(t->d, ukiyo_service_id(t->svc),
                                                 ukiyo_service_version(t->svc), spec, cred, 0)
                   : UKIYO_ENOMEM;
        free(spec);
        if (err != UKIYO_ECONFLICT || attempt == 1)
            break;
        log_info("%s: changed meanwhile (version %llu); reading it again", t->name,
                 (unsigned long long)ukiyo_service_version(t->svc));
        if ((err = reinspect(t->d, ukiyo_service_id(t->svc), &t->svc)) < 0)
            break;
        if (strcmp(ukiyo_service_image(t->svc), before) != 0) {
            err = ukiyo__error_set(UKIYO_ECONFLICT,
                                   "its image was changed meanwhile by someone else (to %s)",
                                   ukiyo_service_image(t->svc));
            break;
        }
    }
    ukiyo_credential_free(cred);
    return err;
}

/* ---- following UpdateStatus -------------------------------------------- */

typedef enum {
    FOLLOW_COMPLETED,   /* the update completed */
    FOLLOW_FAILED,      /* paused, or not complete in time: the release failed */
    FOLLOW_ROLLED_BACK, /* the engine rolled it back (its FailureAction, or ours) */
    FOLLOW_ROLLBACK_FAILED,
    FOLLOW_GONE,       /* the service was removed meanwhile */
    FOLLOW_SUPERSEDED, /* someone else gave it another image meanwhile */
    FOLLOW_INTERRUPTED /* ukiyo_interrupt(): the engine goes on; the journal keeps the rest */
} follow_end;

static const char *status_started(const ukiyo_service *svc)
{
    json_t *st = json_object_get(ukiyo__service_document(svc), "UpdateStatus");
    return json_string_value(json_object_get(st, "StartedAt"));
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every task meant to run does, on @image (and there is at least the one the mode asks). */
static bool tasks_on(ukiyo_docker *d, const char *service_id, const char *image)
{
    json_t *tasks = NULL, *task;
    size_t i, running = 0;
    bool all = true;

    if (ukiyo__docker_service_tasks_json(d, service_id, "running", &tasks) < 0) {
        ukiyo_error_clear();
        return false;
    }
    json_array_foreach(tasks, i, task) {
        json_t *spec = json_object_get(json_object_get(task, "Spec"), "ContainerSpec");
        const char *img = json_string_value(json_object_get(spec, "Image"));
        const char *state =
            json_string_value(json_object_get(json_object_get(task, "Status"), "State"));
        if (!img || strcmp(img, image) != 0 || !state || strcmp(state, "running") != 0)
            all = false;
        running++;
    }
    json_decref(tasks);
    return all && running > 0;
}

/*
 * What the failed tasks of @image say: "task web.2: failed: task: non-zero
 * exit (7)" for at most three of them. New string, or NULL when none says.
 */
static char *task_failures(ukiyo_docker *d, const ukiyo_service *svc, const char *image)
{
    json_t *tasks = NULL, *task;
    strbuf out = {0};
    size_t i, shown = 0;

    if (ukiyo__docker_service_tasks_json(d, ukiyo_service_id(svc), NULL, &tasks) < 0) {
        ukiyo_error_clear();
        return NULL;
    }
    json_array_foreach(tasks, i, task) {
        json_t *spec = json_object_get(json_object_get(task, "Spec"), "ContainerSpec");
        json_t *status = json_object_get(task, "Status");
        const char *img = json_string_value(json_object_get(spec, "Image"));
        const char *state = json_string_value(json_object_get(status, "State"));
        const char *why = json_string_value(json_object_get(status, "Err"));
        if (!img || !image || strcmp(img, image) != 0 || !state ||
            (strcmp(state, "failed") != 0 && strcmp(state, "rejected") != 0) || shown == 3)
            continue;
        json_int_t slot = json_integer_value(json_object_get(task, "Slot"));
        char *line = slot > 0 ? ukiyo__str_printf("%stask %s.%lld: %s: %s", shown ? "; " : "",
                                                  ukiyo_service_name(svc), (long long)slot, state,
                                                  why ? why : "no reason given")
                              : ukiyo__str_printf("%stask %.12s: %s: %s", shown ? "; " : "",
                                                  json_string_value(json_object_get(task, "ID")),
                                                  state, why ? why : "no reason given");
        /* A slot that failed again says nothing new. */
        const char *said = line ? line + (shown ? 2 : 0) : NULL;
        if (line && !(out.data && strstr(out.data, said))) {
            ukiyo__strbuf_append(&out, line, strlen(line));
            shown++;
        }
        free(line);
    }
    json_decref(tasks);
    return out.data;
}

/*
 * Follow the service's UpdateStatus until it ends or @timeout_ms passes.
 * @since: the StartedAt of the status before the change was posted (a
 * status that still has it is the previous update's). @rolling_back: the
 * rollback is what is followed. *@svc is kept current.
 */
/*
 * Who a follow answers to: the handle whose ukiyo_interrupt() ends it (NULL:
 * none), and who hears, once a second, how long the tasks have been replaced
 * (opts->phase; NULL opts: nobody).
 */
typedef struct {
    ukiyo *u;
    const ukiyo_update_options *opts;
    const char *name;
} follow_report;

static void report(const follow_report *r, int64_t elapsed_ms, int64_t timeout_ms)
{
    if (r->opts && r->opts->phase)
        r->opts->phase(r->name, UKIYO_PHASE_REPLACING, (int)(elapsed_ms / 1000),
                       (int)(timeout_ms / 1000), r->opts->phase_payload);
}

static follow_end follow(ukiyo_docker *d, ukiyo_service **svc, const char *since, const char *image,
                         bool rolling_back, int64_t timeout_ms, const follow_report *rep)
{
    int64_t reported = -1;
    int64_t start = monotonic_ms();
    char *since_copy = since ? strdup(since) : NULL;
    follow_end end = FOLLOW_FAILED;

    for (;;) {
        int err = reinspect(d, ukiyo_service_id(*svc), svc);
        if (err == UKIYO_ENOTFOUND) {
            ukiyo_error_clear();
            end = FOLLOW_GONE;
            break;
        }
        if (err < 0) {
            log_warning("service %s: %s", ukiyo_service_name(*svc), ukiyo_error_last());
            ukiyo_error_clear();
        }
        const char *state = ukiyo_service_update_state(*svc);
        const char *now_image = ukiyo_service_image(*svc);
        if (!rolling_back && err == 0 && now_image && strcmp(now_image, image) != 0 &&
            !(state && ukiyo__str_has_prefix(state, "rollback_"))) {
            end = FOLLOW_SUPERSEDED;
            break;
        }
        bool ours = rolling_back || !same_text(status_started(*svc), since_copy);
        int64_t elapsed = monotonic_ms() - start;
        if (state && ours) {
            if (strcmp(state, "completed") == 0) {
                end = rolling_back ? FOLLOW_ROLLED_BACK : FOLLOW_COMPLETED;
                break;
            }
            if (strcmp(state, "rollback_completed") == 0) {
                end = FOLLOW_ROLLED_BACK;
                break;
            }
            if (strcmp(state, "rollback_paused") == 0) {
                end = FOLLOW_ROLLBACK_FAILED;
                break;
            }
            if (strcmp(state, "paused") == 0 && !rolling_back) {
                end = FOLLOW_FAILED;
                break;
            }
        } else if (!rolling_back && elapsed > CONVERGED_WITHOUT_STATUS_MS &&
                   tasks_on(d, ukiyo_service_id(*svc), image)) {
            end = FOLLOW_COMPLETED; /* nothing to replace, or an engine that keeps no status */
            break;
        }
        if (!rolling_back && elapsed / 1000 != reported) {
            reported = elapsed / 1000;
            report(rep, elapsed, timeout_ms);
        }
        if (elapsed >= timeout_ms) {
            end = rolling_back ? FOLLOW_ROLLBACK_FAILED : FOLLOW_FAILED;
            break;
        }
        /* The swarm replaces the tasks without us: leaving now loses nothing. */
        if (ukiyo__context_interrupted(rep->u)) {
            end = FOLLOW_INTERRUPTED;
            break;
        }
        ukiyo__sleep_ms(POLL_MS);
    }
    free(since_copy);
    return end;
}

/* Have the engine roll the service back to its PreviousSpec (unless it does already). */
static int ask_rollback(ukiyo_docker *d, ukiyo_service **svc)
{
    const char *state = ukiyo_service_update_state(*svc);
    int err = 0;

    if (state && ukiyo__str_has_prefix(state, "rollback_"))
        return 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *spec =
            json_dumps(json_object_get(ukiyo__service_document(*svc), "Spec"), JSON_COMPACT);
        err = spec ? ukiyo_docker_service_update(d, ukiyo_service_id(*svc),
                                                 ukiyo_service_version(*svc), spec, NULL,
                                                 UKIYO_SERVICE_ROLLBACK)
                   : UKIYO_ENOMEM;
        free(spec);
        if (err != UKIYO_ECONFLICT || reinspect(d, ukiyo_service_id(*svc), svc) < 0)
            break;
    }
    return err;
}

/* Remember @j's new image as rejected for its service. */
static void reject(ukiyo_store *st, const journal_entry *j, const char *reason)
{
    store_rejection rej = {.container = j->container,
                           .image_ref = j->image_ref,
                           .image_id = j->new_image_id,
                           .digest = (char *)digest_of(j->new_image_id),
                           .reason = (char *)reason};

    if (strcmp(j->kind, "rollback") != 0 && ukiyo__store_reject(st, &rej) < 0) {
        log_warning("%s: the rejected release could not be recorded: %s", j->container,
                    ukiyo_error_last());
        ukiyo_error_clear();
    }
}

/*
 * From the posted spec to the end: follow the update; on failure have the
 * engine roll back and follow that. Finishes the journal row. The outcome
 * and its reason in *@outcome_out and *@reason_out (new). Interrupted
 * (ukiyo_interrupt() on @rep's handle): UKIYO_EINTERRUPTED, the row left at
 * its step for ukiyo_reconcile() to follow to its end.
 */
static int interrupted(const journal_entry *j, bool rolling_back)
{
    return ukiyo__error_set(UKIYO_EINTERRUPTED,
                            "%s: interrupted while the swarm %s; the next start follows it to its "
                            "end",
                            j->container, rolling_back ? "rolls it back" : "replaces its tasks");
}

static int see_through(ukiyo_store *st, ukiyo_docker *d, const journal_entry *j,
                       ukiyo_service **svc, const char *since, int timeout_s, const char *note,
                       const follow_report *rep, ukiyo_update_outcome *outcome_out,
                       char **reason_out)
{
    bool rollback_kind = strcmp(j->kind, "rollback") == 0;
    follow_report quiet = {.u = rep->u}; /* a rollback's follow reports no phase */
    follow_end end = FOLLOW_FAILED;
    char *why = NULL;
    int err = 0;

    if (strcmp(j->step, STEP_ROLLBACK) != 0) {
        ukiyo__journal_step(st, j->id, STEP_SERVICE_WAIT);
        end = follow(d, svc, since, j->new_image_id, false, (int64_t)timeout_s * 1000, rep);
        if (end == FOLLOW_INTERRUPTED)
            return interrupted(j, false);
    }
    if (end == FOLLOW_COMPLETED) {
        *outcome_out = rollback_kind ? UKIYO_OUTCOME_ROLLED_BACK : UKIYO_OUTCOME_UPDATED;
        if (note)
            *reason_out = ukiyo__str_dup(note);
        err = ukiyo__journal_finish(st, j->id, ukiyo_update_outcome_name(*outcome_out), note);
        if (err == 0 && !rollback_kind && ukiyo__store_rejections_forget(st, j->container) < 0)
            ukiyo_error_clear();
        return err;
    }
    if (end == FOLLOW_GONE || end == FOLLOW_SUPERSEDED) {
        /* Nothing of this release to roll back or reject: say what became of it. */
        *outcome_out = UKIYO_OUTCOME_FAILED;
        *reason_out = end == FOLLOW_GONE
                          ? ukiyo__str_dup("the service was removed during its update")
                          : ukiyo__str_printf("superseded: its image was changed to %s by someone "
                                              "else during the update",
                                              ukiyo_service_image(*svc));
        return ukiyo__journal_finish(st, j->id, "failed", *reason_out);
    }
    /* The release failed: what its tasks and the engine say, before the rollback hides it. */
    char *tasks = task_failures(d, *svc, j->new_image_id);
    const char *message = ukiyo_service_update_message(*svc);
    const char *state = ukiyo_service_update_state(*svc);
    if (end == FOLLOW_FAILED && state && strcmp(state, "updating") == 0)
        why = ukiyo__str_printf("not complete after %d s%s%s", timeout_s, tasks ? ": " : "",
                                tasks ? tasks : "");
    else if (tasks && message)
        why = ukiyo__str_printf("%s (%s)", tasks, message);
    else
        why = ukiyo__str_dup(tasks ? tasks : message ? message : "update failed");
    free(tasks);
    if (end == FOLLOW_FAILED) {
        ukiyo__journal_step(st, j->id, STEP_ROLLBACK);
        if (rep && rep->opts && rep->opts->phase)
            rep->opts->phase(rep->name, UKIYO_PHASE_ROLLING_BACK, 0, 0, rep->opts->phase_payload);
        err = ask_rollback(d, svc);
        end = err < 0
                  ? FOLLOW_ROLLBACK_FAILED
                  : follow(d, svc, NULL, j->old_image_id, true, (int64_t)timeout_s * 1000, &quiet);
    } else if (end != FOLLOW_ROLLED_BACK) {
        end = follow(d, svc, NULL, j->old_image_id, true, (int64_t)timeout_s * 1000, &quiet);
    }
    if (end == FOLLOW_INTERRUPTED) {
        free(why);
        return interrupted(j, true);
    }
    if (end == FOLLOW_ROLLED_BACK) {
        *outcome_out = rollback_kind ? UKIYO_OUTCOME_FAILED : UKIYO_OUTCOME_ROLLED_BACK;
        *reason_out =
            ukiyo__str_printf("%s; rolled back to %s%s%s", why ? why : "update failed",
                              ukiyo_service_image(*svc), note ? "; " : "", note ? note : "");
        reject(st, j, why ? why : "update failed");
    } else {
        *outcome_out = UKIYO_OUTCOME_FAILED;
        *reason_out =
            ukiyo__str_printf("%s; the rollback did not complete: %s", why ? why : "update failed",
                              err < 0 ? ukiyo_error_last()
                              : ukiyo_service_update_message(*svc)
                                  ? ukiyo_service_update_message(*svc)
                                  : "no word from the engine");
    }
    ukiyo_error_clear();
    free(why);
    return ukiyo__journal_finish(st, j->id, ukiyo_update_outcome_name(*outcome_out), *reason_out);
}

/* ---- the transaction ------------------------------------------------------ */

static int timeout_of(const service_tx *t)
{
    container_labels labels;
    int timeout = t->opts.service_timeout_s;

    if (timeout <= 0 && ukiyo__container_labels_read(&labels, t->seen) == 0) {
        if (labels.service_timeout_ms > 0)
            timeout = (int)(labels.service_timeout_ms / 1000);
        ukiyo__container_labels_clear(&labels);
    }
    return timeout > 0 ? timeout : SERVICE_TIMEOUT_DEFAULT_S;
}

/* Where a rollback goes: the image before the service's last update, from the journal. */
static bool rollback_target(service_tx *t)
{
    char *image = NULL;

    if (ukiyo__journal_previous_image(t->st, t->name, &image) < 0) {
        conclude(t, UKIYO_OUTCOME_FAILED, "no earlier image to roll back to");
        ukiyo_error_clear();
        return false;
    }
    t->new_image = image;
    t->ref = ukiyo__service_tag_reference(image);
    t->r->new_image_id = ukiyo__str_dup(image);
    return true;
}

static int run(service_tx *t)
{
    bool rollback = strcmp(t->kind, "rollback") == 0;
    const char *current = ukiyo_service_image(t->svc);

    if (planned_away(t))
        return 0;
    if (rollback ? !rollback_target(t) : !resolve(t))
        return 0;
    if (!rollback && strcmp(t->kind, "redeploy") != 0 && current &&
        strcmp(current, t->new_image) == 0)
        return conclude(t, UKIYO_OUTCOME_FRESH, NULL);
    if (rejected(t))
        return 0;
    if (t->opts.dry_run)
        return conclude(t, UKIYO_OUTCOME_PLANNED,
                        "would change service %s's image to %s; its UpdateConfig replaces the "
                        "tasks (swarm)",
                        ukiyo_service_name(t->svc), t->new_image);

    t->j = (journal_entry){.container = ukiyo__str_dup(t->name),
                           .kind = ukiyo__str_dup(t->kind),
                           .strategy = ukiyo__str_dup("swarm"),
                           .image_ref = ukiyo__str_dup(t->ref),
                           .old_image_ref = NULL,
                           .old_container_id = ukiyo__str_dup(ukiyo_service_id(t->svc)),
                           .old_image_id = ukiyo__str_dup(current ? current : ""),
                           .new_image_id = ukiyo__str_dup(t->new_image),
                           .temp_name = ukiyo__str_dup(""),
                           .old_name = ukiyo__str_dup(""),
                           .step = ukiyo__str_dup(STEP_SERVICE_UPDATE),
                           .spec_version_before = (int64_t)ukiyo_service_version(t->svc)};
    if (!t->decision.moves_tag) {
        /* the same tag: nothing to say of a reference before */
    } else {
        t->j.old_image_ref = ukiyo__str_dup(ukiyo_container_image(t->seen));
    }
    if (ukiyo__context_interrupted(t->u))
        return ukiyo__error_set(UKIYO_EINTERRUPTED,
                                "%s: interrupted before anything changed; it runs as it did",
                                t->name);
    int err = ukiyo__journal_begin(t->st, &t->j);
    if (err < 0)
        return err;
    char *since = ukiyo__str_dup(status_started(t->svc));
    ukiyo__journal_step(t->st, t->j.id, STEP_SERVICE_UPDATE);
    err = post_spec(t);
    if (err < 0) {
        conclude(t, UKIYO_OUTCOME_FAILED, "%s; the service is untouched", ukiyo_error_last());
        ukiyo_error_clear();
        free(since);
        return ukiyo__journal_finish(t->st, t->j.id, "failed", t->r->reason);
    }
    if (reinspect(t->d, ukiyo_service_id(t->svc), &t->svc) == 0)
        ukiyo__journal_set_spec_version(t->st, t->j.id, (int64_t)ukiyo_service_version(t->svc));
    ukiyo_error_clear();
    follow_report rep = {t->u, &t->opts, t->name};
    char *reason = NULL;
    err = see_through(t->st, t->d, &t->j, &t->svc, since, t->timeout_s, NULL, &rep, &t->r->outcome,
                      &reason);
    free(since);
    free(t->r->reason);
    t->r->reason = reason;
    return err;
}

int ukiyo__service_transaction(ukiyo_update_result **out, ukiyo *u, const char *kind,
                               const char *name, const ukiyo_update_options *opts)
{
    service_tx t = {.u = u, .d = ukiyo_get_docker(u), .st = ukiyo_get_store(u), .kind = kind};
    int err;

    t.opts = *opts;
    t.name = ukiyo__str_dup(name);
    err = t.name ? ukiyo_docker_service_inspect(&t.svc, t.d, name + strlen(UKIYO_SERVICE_PREFIX))
                 : UKIYO_ENOMEM;
    if (err == 0)
        err = ukiyo_service_as_container(&t.seen, t.svc);
    if (err == 0)
        err = new_result(&t);
    if (err == 0) {
        t.timeout_s = timeout_of(&t);
        err = run(&t);
    }
    if (err == 0) {
        ukiyo_update_outcome o = t.r->outcome;
        if (o == UKIYO_OUTCOME_UPDATED || o == UKIYO_OUTCOME_ROLLED_BACK ||
            o == UKIYO_OUTCOME_FAILED)
            ukiyo__context_call_update_hook(u, t.r);
        if ((o == UKIYO_OUTCOME_ROLLED_BACK || o == UKIYO_OUTCOME_FAILED) && !t.said)
            log_warning("%s: %s %s: %s", t.name, t.kind, ukiyo_update_outcome_name(o),
                        t.r->reason ? t.r->reason : "");
        else if (o == UKIYO_OUTCOME_UPDATED)
            log_info("%s: updated to %s", t.name, t.new_image);
        *out = t.r;
        t.r = NULL;
    }
    ukiyo_update_result_free(t.r);
    ukiyo__journal_entry_clear(&t.j);
    ukiyo__plan_decision_clear(&t.decision);
    ukiyo_container_free(t.seen);
    ukiyo_service_free(t.svc);
    free(t.name);
    free(t.ref);
    free(t.digest);
    free(t.new_image);
    return err;
}

int ukiyo__service_reconcile(ukiyo_store *st, ukiyo_docker *d, const journal_entry *j)
{
    ukiyo_service *svc = NULL;
    ukiyo_update_outcome outcome;
    char *reason = NULL;
    int err;

    if (strcmp(j->step, STEP_PLANNED) == 0)
        return ukiyo__journal_finish(st, j->id, "failed",
                                     "interrupted before the service's spec was changed");
    err = ukiyo_docker_service_inspect(&svc, d, j->old_container_id);
    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        return ukiyo__journal_finish(st, j->id, "failed", "interrupted; the service is gone since");
    }
    if (err < 0)
        return err;
    const char *image = ukiyo_service_image(svc);
    if (strcmp(j->step, STEP_SERVICE_UPDATE) == 0 && image && j->old_image_id &&
        strcmp(image, j->old_image_id) == 0 &&
        (int64_t)ukiyo_service_version(svc) <= j->spec_version_before) {
        /* The spec was never posted: nothing changed. */
        ukiyo_service_free(svc);
        return ukiyo__journal_finish(st, j->id, "failed",
                                     "interrupted before the service's spec was changed");
    }
    /* The update's own status is the one there now: no earlier StartedAt to tell apart. */
    journal_entry copy = *j;
    follow_report nobody = {0};
    err = see_through(st, d, &copy, &svc, "\x01", SERVICE_TIMEOUT_DEFAULT_S,
                      "finished by reconcile after an interruption", &nobody, &outcome, &reason);
    if (err == 0)
        log_info("%s: reconciled after an interruption: %s%s%s", j->container,
                 ukiyo_update_outcome_name(outcome), reason ? ": " : "", reason ? reason : "");
    free(reason);
    ukiyo_service_free(svc);
    return err;
}
