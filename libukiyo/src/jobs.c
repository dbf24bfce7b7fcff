/*
 * jobs.c - the durable job queue (the store's "jobs" table): submitting,
 * recovering after a crash, reading. jobs_run.c runs them.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"
#include "jobs_private.h"

#define JOBS_LIST_MAX 500

ukiyo_store *ukiyo__jobs_store_of(ukiyo *u)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    if (!s)
        ukiyo__error_set(UKIYO_EINVAL, "the job queue needs a store");
    return s;
}

/*
 * In one write transaction: a known delivery, a queued job for the tag, or
 * a new job. One push is one job: a repository with a deployment gets its
 * deployment's job (due at once or at its scheduled time), which updates
 * every other container of the tag too; pushes meanwhile fold into it.
 * @callback_url (Docker Hub's, already checked, or NULL) goes with the job,
 * new or folded into.
 */
static int submit_locked(ukiyo_store *s, const job_tag *t, const char *source,
                         const char *delivery_id, const char *callback_url, int64_t *id)
{
    deployment d;
    bool found = false, deployed, inserted = false;
    int err = 0;

    if (delivery_id)
        err = ukiyo__store_job_of_delivery(s, delivery_id, id, &found);
    if (err < 0 || found)
        return err;
    err = ukiyo__deployment_find(s, t->registry, t->repository, NULL, &d);
    deployed = err == 0;
    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        err = 0;
    }
    store_job row = {
        .registry = (char *)t->registry,
        .repository = (char *)t->repository,
        .tag = (char *)t->tag,
        .digest = (char *)t->digest,
        .source = (char *)(source ? source : "unknown"),
        .delivery_id = (char *)delivery_id,
        .deployment = deployed ? d.name : NULL,
        .not_before_ms = deployed && d.downtime ? d.scheduled_at_ms : 0,
        .callback_url = (char *)callback_url,
    };
    if (err == 0)
        err = ukiyo__store_job_insert_tag(s, &row, id, &inserted);
    if (err == 0 && !inserted) {
        err = ukiyo__store_job_queued_for_tag(s, t->registry, t->repository, t->tag, deployed, id,
                                              &found);
        if (err == 0 && !found)
            err = ukiyo__error_set(UKIYO_EIO, "store: a job is queued for %s but cannot be read",
                                   t->tag);
        if (err == 0 && callback_url)
            err = ukiyo__store_job_set_callback(s, *id, callback_url);
    }
    if (deployed)
        ukiyo__deployment_clear(&d);
    return err;
}

typedef struct {
    const job_tag *tag;
    const char *source, *delivery_id;
    int64_t id;
} tag_submission;

static int submit_tag_step(ukiyo_store *s, void *arg)
{
    tag_submission *t = arg;
    return submit_locked(s, t->tag, t->source, t->delivery_id, NULL, &t->id);
}

int ukiyo__jobs_submit_tag(ukiyo *u, const job_tag *t, const char *source, const char *delivery_id,
                           int64_t *id_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    tag_submission sub = {t, source, delivery_id, 0};

    if (!s)
        return UKIYO_EINVAL;
    int err = ukiyo__store_in_transaction(s, submit_tag_step, &sub);
    if (err == 0)
        *id_out = sub.id;
    return err;
}

/* One submission of a batch; its outcome in @sub. Only Docker Hub's own callback URLs are kept. */
static int submit_one(ukiyo_store *s, ukiyo_job_submission *sub)
{
    job_tag t = {ukiyo_push_event_registry(sub->event), ukiyo_push_event_repository(sub->event),
                 ukiyo_push_event_tag(sub->event), ukiyo_push_event_digest(sub->event)};
    bool callback_ok = sub->callback_url && ukiyo__dockerhub_callback_allowed(sub->callback_url);

    sub->job_id = 0;
    sub->callback_refused = sub->callback_url && !callback_ok;
    sub->error = submit_locked(s, &t, sub->source, sub->delivery_id,
                               callback_ok ? sub->callback_url : NULL, &sub->job_id);
    return sub->error;
}

typedef struct {
    ukiyo_job_submission *subs;
    size_t count;
} batch;

/* All in one transaction; the first failure undoes the lot. */
static int submit_batch_step(ukiyo_store *s, void *arg)
{
    batch *b = arg;

    for (size_t i = 0; i < b->count; i++) {
        int err = submit_one(s, &b->subs[i]);
        if (err < 0)
            return err;
    }
    return 0;
}

static int submit_alone_step(ukiyo_store *s, void *arg)
{
    return submit_one(s, arg);
}

UKIYO_EXTERN int ukiyo_jobs_submit_batch(ukiyo *u, ukiyo_job_submission *subs, size_t count)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    batch b = {subs, count};

    if (!s)
        return UKIYO_EINVAL;
    if (!subs && count)
        return ukiyo__error_set(UKIYO_EINVAL, "jobs: NULL submissions");
    for (size_t i = 0; i < count; i++)
        if (!subs[i].event)
            return ukiyo__error_set(UKIYO_EINVAL, "jobs: submission %zu has no event", i);
    if (count == 0)
        return 0;
    /* Together: one commit, one sync. */
    int err = ukiyo__store_in_transaction(s, submit_batch_step, &b);
    if (err == 0 || count == 1) {
        for (size_t i = 0; err < 0 && i < count; i++) {
            subs[i].error = err;
            subs[i].job_id = 0;
        }
        return err;
    }
    /* One of them failed and undid them all: each alone, so only that one fails. */
    int committed = 0;
    for (size_t i = 0; i < count; i++) {
        if (ukiyo__store_in_transaction(s, submit_alone_step, &subs[i]) == 0)
            committed++;
        else
            subs[i].job_id = 0;
    }
    return committed ? 0 : subs[0].error;
}

UKIYO_EXTERN int ukiyo_jobs_submit(ukiyo *u, const ukiyo_push_event *event, const char *source,
                                   const char *delivery_id, int64_t *job_id_out)
{
    if (!event || !job_id_out)
        return ukiyo__error_set(UKIYO_EINVAL, "jobs: NULL argument");
    job_tag t = {ukiyo_push_event_registry(event), ukiyo_push_event_repository(event),
                 ukiyo_push_event_tag(event), ukiyo_push_event_digest(event)};
    return ukiyo__jobs_submit_tag(u, &t, source, delivery_id, job_id_out);
}

static const char *const action_names[] = {"update", "redeploy", "rollback", "force-update"};

typedef struct {
    const char *registry, *repository, *tag, *name, *action, *target, *source;
    int64_t not_before, id;
} container_submission;

static int queue_container_step(ukiyo_store *s, void *arg)
{
    container_submission *c = arg;
    bool found = false;
    int err = ukiyo__store_job_queued_for_container(s, c->name, c->action, &c->id, &found);

    if (err < 0)
        return err;
    /* A job already queued: due at the earlier time, on the newer target. */
    if (found)
        return ukiyo__store_job_fold(s, c->id, c->source, c->target, c->not_before);
    store_job row = {
        .registry = (char *)c->registry,
        .repository = (char *)c->repository,
        .tag = (char *)c->tag,
        .container = (char *)c->name,
        .action = (char *)c->action,
        .target = (char *)c->target,
        .source = (char *)c->source,
        .not_before_ms = c->not_before,
    };
    return ukiyo__store_job_insert_container(s, &row, &c->id);
}

/*
 * The container (or swarm service, service/NAME) a job is for, and its
 * parsed reference: registry, repository and tag describe the job (*@ref_out
 * NULL for an image ID, which gives none).
 */
static int inspect_for_job(ukiyo *u, const char *name, ukiyo_container **c_out,
                           ukiyo_image_ref **ref_out)
{
    int err = ukiyo__docker_inspect_watched(ukiyo_get_docker(u), name, c_out);

    *ref_out = NULL;
    if (err < 0)
        return err;
    const char *image = ukiyo_container_image(*c_out);
    if (!image || ukiyo_image_ref_parse(ref_out, image) < 0)
        ukiyo_error_clear();
    return 0;
}

int ukiyo__jobs_queue_container(ukiyo *u, const char *container, ukiyo_job_action action,
                                const char *target_image, const char *source, int64_t not_before_ms,
                                int64_t *id_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    ukiyo_container *c = NULL;
    ukiyo_image_ref *ref = NULL;

    if (!s)
        return UKIYO_EINVAL;
    if (!container || !id_out || (unsigned)action > UKIYO_JOB_FORCE_UPDATE)
        return ukiyo__error_set(UKIYO_EINVAL, "jobs: bad argument");
    int err = inspect_for_job(u, container, &c, &ref);
    if (err < 0)
        return err;
    container_submission sub = {
        .registry = ref ? ukiyo_image_ref_registry(ref) : "",
        .repository = ref ? ukiyo_image_ref_repository(ref) : "",
        .tag = ref && ukiyo_image_ref_tag(ref) ? ukiyo_image_ref_tag(ref) : "",
        .name = ukiyo_container_name(c),
        .action = action_names[action],
        .target = target_image,
        .source = source ? source : "api",
        .not_before = not_before_ms,
    };
    err = ukiyo__store_in_transaction(s, queue_container_step, &sub);
    ukiyo_image_ref_free(ref);
    ukiyo_container_free(c);
    if (err == 0)
        *id_out = sub.id;
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_submit_container(ukiyo *u, const char *container,
                                             ukiyo_job_action action, int64_t *job_id_out)
{
    return ukiyo__jobs_queue_container(u, container, action, NULL, "api", 0, job_id_out);
}

UKIYO_EXTERN int ukiyo_jobs_recover(ukiyo *u, unsigned int *requeued_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);

    return s ? ukiyo__store_jobs_recover(s, requeued_out) : UKIYO_EINVAL;
}

UKIYO_EXTERN int ukiyo_jobs_set_callback(ukiyo *u, int64_t job_id, const char *url)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);

    if (!s)
        return UKIYO_EINVAL;
    if (!url || !ukiyo__dockerhub_callback_allowed(url))
        return ukiyo__error_set(UKIYO_EINVAL, "refusing callback URL %.200s: not Docker Hub's",
                                url ? url : "(none)");
    return ukiyo__store_job_set_callback(s, job_id, url);
}

UKIYO_EXTERN int ukiyo_jobs_next_due_ms(ukiyo *u, int64_t *due_ms_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    int64_t due = INT64_MAX, expiry = INT64_MAX, now;
    unsigned int waiting = 0;

    if (!s)
        return UKIYO_EINVAL;
    int err = ukiyo__store_jobs_first_due(s, &due);
    if (err == 0)
        err = ukiyo__store_jobs_waiting(s, &expiry, &waiting);
    if (err < 0)
        return err;
    now = ukiyo__store_now_ms(s);
    if (expiry < due)
        due = expiry;
    /* Another process (ukiyoctl approve) may answer a waiting job: look again soon. */
    if (waiting && due > now + UKIYO__APPROVAL_LOOK_MS)
        due = now + UKIYO__APPROVAL_LOOK_MS;
    *due_ms_out = due <= now ? 0 : due;
    return 0;
}

/* ---- the job hook -------------------------------------------------------- */

UKIYO_EXTERN void ukiyo_set_job_hook(ukiyo *u, ukiyo_job_hook_fn fn, void *payload)
{
    if (u)
        ukiyo__context_set_job_hook(u, fn, payload);
}

void ukiyo__jobs_call_hook(ukiyo *u, int64_t id, const char *event)
{
    void *payload = NULL;
    ukiyo_job_hook_fn fn = ukiyo__context_job_hook(u, &payload);
    ukiyo_job *job = NULL;

    if (!fn)
        return;
    if (ukiyo_jobs_get(&job, u, id) == 0)
        fn(job, event, payload);
    else
        ukiyo_error_clear();
    ukiyo_job_free(job);
}

/* ---- approvals ----------------------------------------------------------- */

int ukiyo__jobs_await_approval(ukiyo *u, const char *container, const char *target,
                               const char *digest, const char *source, int64_t timeout_ms,
                               int64_t *id_out, store_await *outcome_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    ukiyo_container *c = NULL;
    ukiyo_image_ref *ref = NULL;

    if (!s)
        return UKIYO_EINVAL;
    int err = inspect_for_job(u, container, &c, &ref);
    if (err < 0)
        return err;
    store_job row = {
        .registry = (char *)(ref ? ukiyo_image_ref_registry(ref) : ""),
        .repository = (char *)(ref ? ukiyo_image_ref_repository(ref) : ""),
        .tag = (char *)(ref && ukiyo_image_ref_tag(ref) ? ukiyo_image_ref_tag(ref) : ""),
        .container = (char *)ukiyo_container_name(c),
        .target = (char *)target,
        .digest = (char *)digest,
        .source = (char *)(source ? source : "unknown"),
        .expires_ms = timeout_ms ? ukiyo__store_now_ms(s) + timeout_ms : 0,
    };
    err = ukiyo__store_job_await(s, &row, id_out, outcome_out);
    ukiyo_image_ref_free(ref);
    ukiyo_container_free(c);
    return err;
}

/*
 * A rejected release is remembered for its container as a rolled-back one
 * is, so that no push or poll offers it again (update --force still can).
 */
static int remember_rejection(ukiyo_store *s, int64_t id)
{
    store_job j;
    int err = ukiyo__store_job_get(s, id, &j);

    if (err < 0)
        return err;
    if (j.digest && j.container) {
        char *ref =
            j.target ? NULL : ukiyo__str_printf("%s/%s:%s", j.registry, j.repository, j.tag);
        store_rejection r = {
            .container = j.container,
            .image_ref = j.target ? j.target : ref,
            .image_id = j.digest, /* never pulled: the digest is all there is */
            .digest = j.digest,
            .reason = (char *)"rejected by a person before it was applied",
        };
        err = r.image_ref ? ukiyo__store_reject(s, &r) : UKIYO_ENOMEM;
        free(ref);
    }
    ukiyo__store_job_clear(&j);
    return err;
}

static int answer(ukiyo *u, int64_t job_id, bool approve)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);

    if (!s)
        return UKIYO_EINVAL;
    int err = ukiyo__store_job_answer(s, job_id, approve, ukiyo__store_now_ms(s));
    if (err == 0 && !approve)
        err = remember_rejection(s, job_id);
    if (err == 0) {
        log_info("job %lld: %s by a person", (long long)job_id, approve ? "approved" : "rejected");
        ukiyo__jobs_call_hook(u, job_id, approve ? "approved" : "rejected");
    }
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_approve(ukiyo *u, int64_t job_id)
{
    return answer(u, job_id, true);
}

UKIYO_EXTERN int ukiyo_jobs_reject(ukiyo *u, int64_t job_id)
{
    return answer(u, job_id, false);
}

int ukiyo__jobs_expire_due(ukiyo *u, ukiyo_store *s, unsigned int *expired_out)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int err = ukiyo__store_jobs_expire(s, ukiyo__store_now_ms(s), &ids, &n);

    if (expired_out)
        *expired_out = (unsigned)n;
    for (size_t i = 0; err == 0 && i < n; i++) {
        log_info("job %lld expired waiting for approval", (long long)ids[i]);
        ukiyo__jobs_call_hook(u, ids[i], "expired");
    }
    free(ids);
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_expire(ukiyo *u, unsigned int *expired_out)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);

    return s ? ukiyo__jobs_expire_due(u, s, expired_out) : UKIYO_EINVAL;
}

/* ---- reading jobs ---------------------------------------------------- */

struct ukiyo_job {
    store_job row;
    char *image;
    json_t *results; /* array */
};

struct ukiyo_job_list {
    ukiyo_job *items;
    size_t count;
};

/* Takes @row's strings. */
static int job_from_row(ukiyo_job *job, store_job *row)
{
    job->row = *row;
    memset(row, 0, sizeof(*row));
    job->image =
        ukiyo__str_printf("%s/%s:%s", job->row.registry, job->row.repository, job->row.tag);
    job->results = job->row.results ? json_loads(job->row.results, 0, NULL) : NULL;
    if (!json_is_array(job->results)) {
        json_decref(job->results);
        job->results = json_array();
    }
    return job->image && job->results ? 0 : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
}

static void job_clear(ukiyo_job *job)
{
    ukiyo__store_job_clear(&job->row);
    free(job->image);
    json_decref(job->results);
}

UKIYO_EXTERN int ukiyo_jobs_get(ukiyo_job **out, ukiyo *u, int64_t job_id)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    store_job row;

    if (!s)
        return UKIYO_EINVAL;
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "jobs: out is NULL");
    int err = ukiyo__store_job_get(s, job_id, &row);
    if (err < 0)
        return err;
    ukiyo_job *job = calloc(1, sizeof(*job));
    err = job ? job_from_row(job, &row) : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    ukiyo__store_job_clear(&row);
    if (err < 0) {
        ukiyo_job_free(job);
        return err;
    }
    *out = job;
    return 0;
}

UKIYO_EXTERN int ukiyo_jobs_list(ukiyo_job_list **out, ukiyo *u, size_t offset, size_t limit)
{
    ukiyo_store *s = ukiyo__jobs_store_of(u);
    store_job *rows = NULL;
    size_t count = 0;

    if (!s)
        return UKIYO_EINVAL;
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "jobs: out is NULL");
    if (limit == 0 || limit > JOBS_LIST_MAX)
        limit = limit ? JOBS_LIST_MAX : 50;
    int err = ukiyo__store_jobs_list(s, offset, limit, &rows, &count);
    if (err < 0)
        return err;
    ukiyo_job_list *list = calloc(1, sizeof(*list));
    if (list)
        list->items = calloc(count ? count : 1, sizeof(*list->items));
    err = list && list->items ? 0 : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    for (size_t i = 0; err == 0 && i < count; i++, list->count++)
        err = job_from_row(&list->items[i], &rows[i]);
    ukiyo__store_jobs_free(rows, count);
    if (err < 0) {
        ukiyo_job_list_free(list);
        return err;
    }
    *out = list;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_job_list_count(const ukiyo_job_list *list)
{
    return list ? list->count : 0;
}

UKIYO_EXTERN const ukiyo_job *ukiyo_job_list_get(const ukiyo_job_list *list, size_t index)
{
    return list && index < list->count ? &list->items[index] : NULL;
}

UKIYO_EXTERN void ukiyo_job_list_free(ukiyo_job_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        job_clear(&list->items[i]);
    free(list->items);
    free(list);
}

UKIYO_EXTERN void ukiyo_job_free(ukiyo_job *job)
{
    if (!job)
        return;
    job_clear(job);
    free(job);
}

UKIYO_EXTERN int64_t ukiyo_job_id(const ukiyo_job *job)
{
    return job->row.id;
}

UKIYO_EXTERN const char *ukiyo_job_state(const ukiyo_job *job)
{
    return job->row.state;
}

UKIYO_EXTERN const char *ukiyo_job_image(const ukiyo_job *job)
{
    return job->image;
}

UKIYO_EXTERN const char *ukiyo_job_registry(const ukiyo_job *job)
{
    return job->row.registry;
}

UKIYO_EXTERN const char *ukiyo_job_repository(const ukiyo_job *job)
{
    return job->row.repository;
}

UKIYO_EXTERN const char *ukiyo_job_tag(const ukiyo_job *job)
{
    return job->row.tag;
}

UKIYO_EXTERN const char *ukiyo_job_digest(const ukiyo_job *job)
{
    return job->row.digest;
}

UKIYO_EXTERN const char *ukiyo_job_source(const ukiyo_job *job)
{
    return job->row.source;
}

UKIYO_EXTERN const char *ukiyo_job_action_name(const ukiyo_job *job)
{
    return job->row.action;
}

UKIYO_EXTERN const char *ukiyo_job_container(const ukiyo_job *job)
{
    return job->row.container;
}

UKIYO_EXTERN const char *ukiyo_job_deployment(const ukiyo_job *job)
{
    return job->row.deployment;
}

UKIYO_EXTERN const char *ukiyo_job_target_image(const ukiyo_job *job)
{
    return job->row.target;
}

UKIYO_EXTERN const char *ukiyo_job_error(const ukiyo_job *job)
{
    return job->row.error;
}

UKIYO_EXTERN int64_t ukiyo_job_created_ms(const ukiyo_job *job)
{
    return job->row.created_ms;
}

UKIYO_EXTERN int64_t ukiyo_job_finished_ms(const ukiyo_job *job)
{
    return job->row.finished_ms;
}

UKIYO_EXTERN int64_t ukiyo_job_not_before_ms(const ukiyo_job *job)
{
    return job->row.not_before_ms;
}

UKIYO_EXTERN int64_t ukiyo_job_approved_ms(const ukiyo_job *job)
{
    return job->row.approved_ms;
}

UKIYO_EXTERN int64_t ukiyo_job_expires_ms(const ukiyo_job *job)
{
    return job->row.expires_ms;
}

UKIYO_EXTERN size_t ukiyo_job_result_count(const ukiyo_job *job)
{
    return json_array_size(job->results);
}

static const char *result_field(const ukiyo_job *job, size_t index, const char *field)
{
    return json_string_value(json_object_get(json_array_get(job->results, index), field));
}

UKIYO_EXTERN const char *ukiyo_job_result_name(const ukiyo_job *job, size_t index)
{
    return result_field(job, index, "name");
}

UKIYO_EXTERN const char *ukiyo_job_result_outcome(const ukiyo_job *job, size_t index)
{
    return result_field(job, index, "outcome");
}

UKIYO_EXTERN const char *ukiyo_job_result_reason(const ukiyo_job *job, size_t index)
{
    return result_field(job, index, "reason");
}

UKIYO_EXTERN int ukiyo_job_json(char **json_out, const ukiyo_job *job)
{
    if (!json_out || !job)
        return ukiyo__error_set(UKIYO_EINVAL, "jobs: NULL argument");
    const store_job *j = &job->row;
    json_t *doc =
        json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s, s:I, s:I, s:O, s:s?}", "id",
                  (json_int_t)j->id, "state", j->state, "image", job->image, "registry",
                  j->registry, "repository", j->repository, "tag", j->tag, "digest", j->digest,
                  "source", j->source, "created_ms", (json_int_t)j->created_ms, "finished_ms",
                  (json_int_t)j->finished_ms, "results", job->results, "error", j->error);
    if (doc && j->deployment)
        json_object_set_new(doc, "deployment", json_string(j->deployment));
    if (doc)
        json_object_set_new(doc, "not_before_ms", json_integer(j->not_before_ms));
    if (doc && j->container)
        json_object_set_new(doc, "container", json_string(j->container));
    if (doc)
        json_object_set_new(doc, "action", json_string(j->action));
    if (doc && j->target)
        json_object_set_new(doc, "target_image", json_string(j->target));
    if (doc && j->approved_ms)
        json_object_set_new(doc, "approved_ms", json_integer(j->approved_ms));
    if (doc && j->expires_ms)
        json_object_set_new(doc, "expires_ms", json_integer(j->expires_ms));
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}
