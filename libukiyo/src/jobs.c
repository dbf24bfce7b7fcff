/*
 * jobs.c - the durable job queue (the store's "jobs" table): submitting,
 * recovering after a crash, reading. jobs_run.c runs them.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jobs_private.h"

#define JOBS_LIST_MAX 500

int jobs_sql_fail(ukiyo_store *s, const char *what)
{
    return ukiyo_error_set(UKIYO_EIO, "jobs: %s: %s", what, sqlite3_errmsg(s->db));
}

ukiyo_store *jobs_store_of(ukiyo *u)
{
    ukiyo_store *s = u ? ukiyo_get_store(u) : NULL;
    if (!s)
        ukiyo_error_set(UKIYO_EINVAL, "the job queue needs a store");
    return s;
}

/* SELECT one integer with up to three text parameters; 0 and *found=false when no row. */
static int select_id(ukiyo_store *s, const char *sql, const char *a, const char *b,
                     const char *c, int64_t *id_out, bool *found)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *found = false;
    if (!(st = store_statement(s, sql)))
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (c)
        sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id_out = sqlite3_column_int64(st, 0);
        *found = true;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        jobs_sql_fail(s, "query");
    store_statement_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : UKIYO_EIO;
}

static int insert_job(ukiyo_store *s, const job_tag *t, const char *source,
                      const char *delivery_id, const deployment *d, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO jobs (state, registry, repository, tag, digest, source, delivery_id, "
        "created_ms, deployment, not_before_ms) VALUES ('queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9)";
    sqlite3_stmt *st = NULL;
    int rc;

    if (!(st = store_statement(s, sql)))
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, t->registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, source ? source : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, delivery_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, store_now_ms(s));
    sqlite3_bind_text(st, 8, d ? d->name : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, d && d->downtime ? d->scheduled_at_ms : 0);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        jobs_sql_fail(s, "queueing a job");
    store_statement_done(st);
    if (rc != SQLITE_DONE)
        return UKIYO_EIO;
    *id_out = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/*
 * A repository with a deployment gets a job of its own, due at once or at
 * its scheduled time; pushes meanwhile fold into it. Its ID is the answer.
 */
static int submit_deployment(ukiyo_store *s, const job_tag *t, const char *source, int64_t *id)
{
    deployment d;
    bool found = false;
    int err = deployment_find(s, t->registry, t->repository, NULL, &d);

    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        return 0;
    }
    if (err < 0)
        return err;
    err = select_id(s,
                    "SELECT id FROM jobs WHERE state = 'queued' AND registry = ?1 AND "
                    "repository = ?2 AND tag = ?3 AND deployment IS NOT NULL",
                    t->registry, t->repository, t->tag, id, &found);
    if (err == 0 && !found)
        err = insert_job(s, t, source, NULL, &d, id);
    deployment_clear(&d);
    return err;
}

/* In one write transaction: a known delivery, a queued job for the tag, or a new job. */
static int submit_locked(ukiyo_store *s, const job_tag *t, const char *source,
                         const char *delivery_id, int64_t *id)
{
    bool found = false;
    int err = 0;

    if (delivery_id)
        err = select_id(s, "SELECT id FROM jobs WHERE delivery_id = ?1", delivery_id, NULL, NULL,
                        id, &found);
    if (found)
        return 0;
    if (err == 0)
        err = select_id(s,
                        "SELECT id FROM jobs WHERE state = 'queued' AND registry = ?1 AND "
                        "repository = ?2 AND tag = ?3 AND deployment IS NULL AND "
                        "container IS NULL",
                        t->registry, t->repository, t->tag, id, &found);
    if (err == 0 && !found)
        err = insert_job(s, t, source, delivery_id, NULL, id);
    if (err == 0)
        err = submit_deployment(s, t, source, id);
    return err;
}

/* Run @fn in a write transaction. */
static int in_transaction(ukiyo_store *s, int (*fn)(ukiyo_store *s, void *arg), void *arg)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return jobs_sql_fail(s, "begin");
    int err = fn(s, arg);
    if (err == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = jobs_sql_fail(s, "commit");
    if (err < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
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
    return submit_locked(s, t->tag, t->source, t->delivery_id, &t->id);
}

int jobs_submit_tag(ukiyo *u, const job_tag *t, const char *source, const char *delivery_id,
                    int64_t *id_out)
{
    ukiyo_store *s = jobs_store_of(u);
    tag_submission sub = {t, source, delivery_id, 0};

    if (!s)
        return UKIYO_EINVAL;
    int err = in_transaction(s, submit_tag_step, &sub);
    if (err == 0)
        *id_out = sub.id;
    return err;
}

/* Docker Hub's callback URL for job @id; only Docker Hub's own URLs are kept. */
static int set_callback(ukiyo_store *s, int64_t job_id, const char *url)
{
    sqlite3_stmt *st = NULL;

    static const char sql[] = "UPDATE jobs SET callback_url = ?1 WHERE id = ?2";

    if (!url || !dockerhub_callback_allowed(url))
        return ukiyo_error_set(UKIYO_EINVAL, "refusing callback URL %.200s: not Docker Hub's",
                               url ? url : "(none)");
    if (!(st = store_statement(s, sql)))
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, job_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        jobs_sql_fail(s, "saving a callback");
    store_statement_done(st);
    if (rc != SQLITE_DONE)
        return UKIYO_EIO;
    return sqlite3_changes(s->db) ? 0 : ukiyo_error_set(UKIYO_ENOTFOUND, "no job %lld",
                                                        (long long)job_id);
}

/* One submission of a batch; its outcome in @sub. */
static int submit_one(ukiyo_store *s, ukiyo_job_submission *sub)
{
    job_tag t = {ukiyo_push_event_registry(sub->event), ukiyo_push_event_repository(sub->event),
                 ukiyo_push_event_tag(sub->event), ukiyo_push_event_digest(sub->event)};

    sub->job_id = 0;
    sub->callback_refused = 0;
    sub->error = submit_locked(s, &t, sub->source, sub->delivery_id, &sub->job_id);
    if (sub->error == 0 && sub->callback_url && set_callback(s, sub->job_id, sub->callback_url) < 0)
        sub->callback_refused = 1;
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
    ukiyo_store *s = jobs_store_of(u);
    batch b = {subs, count};

    if (!s)
        return UKIYO_EINVAL;
    if (!subs && count)
        return ukiyo_error_set(UKIYO_EINVAL, "jobs: NULL submissions");
    for (size_t i = 0; i < count; i++)
        if (!subs[i].event)
            return ukiyo_error_set(UKIYO_EINVAL, "jobs: submission %zu has no event", i);
    if (count == 0)
        return 0;
    /* Together: one commit, one sync. */
    int err = in_transaction(s, submit_batch_step, &b);
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
        if (in_transaction(s, submit_alone_step, &subs[i]) == 0)
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
        return ukiyo_error_set(UKIYO_EINVAL, "jobs: NULL argument");
    job_tag t = {ukiyo_push_event_registry(event), ukiyo_push_event_repository(event),
                 ukiyo_push_event_tag(event), ukiyo_push_event_digest(event)};
    return jobs_submit_tag(u, &t, source, delivery_id, job_id_out);
}

static const char *const action_names[] = {"update", "redeploy", "rollback"};

typedef struct {
    const char *registry, *repository, *tag, *name, *action, *target, *source;
    int64_t not_before, id;
} container_submission;

static int queue_container_step(ukiyo_store *s, void *arg)
{
    container_submission *c = arg;
    bool found = false;
    sqlite3_stmt *st = NULL;
    int err = select_id(s, "SELECT id FROM jobs WHERE state = 'queued' AND container = ?1 AND "
                           "action = ?2",
                        c->name, c->action, NULL, &c->id, &found);

    if (err < 0)
        return err;
    /* A job already queued: due at the earlier time, on the newer target. */
    const char *sql = found ? "UPDATE jobs SET source = CASE WHEN ?4 < not_before_ms THEN ?1 "
                              "ELSE source END, not_before_ms = MIN(not_before_ms, ?4), "
                              "target_image = COALESCE(?2, target_image) WHERE id = ?3"
                            : "INSERT INTO jobs (state, registry, repository, tag, source, "
                              "target_image, created_ms, not_before_ms, container, action) "
                              "VALUES ('queued', ?5, ?6, ?7, ?1, ?2, ?3, ?4, ?8, ?9)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return jobs_sql_fail(s, "prepare");
    sqlite3_bind_text(st, 1, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, found ? c->id : store_now_ms(s));
    sqlite3_bind_int64(st, 4, c->not_before);
    if (!found) {
        sqlite3_bind_text(st, 5, c->registry, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, c->repository, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, c->tag, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, c->action, -1, SQLITE_STATIC);
    }
    err = sqlite3_step(st) == SQLITE_DONE ? 0 : jobs_sql_fail(s, "queueing a job");
    sqlite3_finalize(st);
    if (err == 0 && !found)
        c->id = sqlite3_last_insert_rowid(s->db);
    return err;
}

int jobs_queue_container(ukiyo *u, const char *container, ukiyo_job_action action,
                         const char *target_image, const char *source, int64_t not_before_ms,
                         int64_t *id_out)
{
    ukiyo_store *s = jobs_store_of(u);
    ukiyo_container *c = NULL;
    ukiyo_image_ref *ref = NULL;

    if (!s)
        return UKIYO_EINVAL;
    if (!container || !id_out || (unsigned)action > UKIYO_JOB_ROLLBACK)
        return ukiyo_error_set(UKIYO_EINVAL, "jobs: bad argument");
    int err = ukiyo_docker_container_inspect(ukiyo_get_docker(u), &c, container);
    if (err < 0)
        return err;
    /* Registry, repository and tag describe the job; an image ID gives none. */
    const char *image = ukiyo_container_image(c);
    if (!image || ukiyo_image_ref_parse(&ref, image) < 0)
        ukiyo_error_clear();
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
    err = in_transaction(s, queue_container_step, &sub);
    ukiyo_image_ref_free(ref);
    ukiyo_container_free(c);
    if (err == 0)
        *id_out = sub.id;
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_submit_container(ukiyo *u, const char *container,
                                             ukiyo_job_action action, int64_t *job_id_out)
{
    return jobs_queue_container(u, container, action, NULL, "api", 0, job_id_out);
}

UKIYO_EXTERN int ukiyo_jobs_recover(ukiyo *u, unsigned int *requeued_out)
{
    ukiyo_store *s = jobs_store_of(u);

    if (!s)
        return UKIYO_EINVAL;
    /* A job cut short runs again; if the tag has been queued since, that one covers it. */
    if (sqlite3_exec(s->db, "UPDATE OR IGNORE jobs SET state = 'queued', started_ms = NULL "
                            "WHERE state = 'running'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return jobs_sql_fail(s, "recovering jobs");
    if (requeued_out)
        *requeued_out = (unsigned)sqlite3_changes(s->db);
    if (sqlite3_exec(s->db, "UPDATE jobs SET state = 'done', error = 'coalesced with a newer job' "
                            "WHERE state = 'running'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return jobs_sql_fail(s, "recovering jobs");
    return 0;
}

UKIYO_EXTERN int ukiyo_jobs_set_callback(ukiyo *u, int64_t job_id, const char *url)
{
    ukiyo_store *s = jobs_store_of(u);

    return s ? set_callback(s, job_id, url) : UKIYO_EINVAL;
}

UKIYO_EXTERN int ukiyo_jobs_next_due_ms(ukiyo *u, int64_t *due_ms_out)
{
    ukiyo_store *s = jobs_store_of(u);
    sqlite3_stmt *st = NULL;
    int64_t due = INT64_MAX;

    if (!s)
        return UKIYO_EINVAL;
    if (sqlite3_prepare_v2(s->db, "SELECT MIN(not_before_ms) FROM jobs WHERE state = 'queued'",
                           -1, &st, NULL) != SQLITE_OK)
        return jobs_sql_fail(s, "prepare");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        due = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *due_ms_out = due <= store_now_ms(s) ? 0 : due;
    return 0;
}

/* ---- reading jobs ---------------------------------------------------- */

static const char job_columns[] = "id, state, registry, repository, tag, digest, source, "
                                  "created_ms, COALESCE(finished_ms, 0), results, error, "
                                  "deployment, not_before_ms, container, action, target_image";

static json_t *job_json(sqlite3_stmt *st)
{
    const char *registry = (const char *)sqlite3_column_text(st, 2);
    const char *repository = (const char *)sqlite3_column_text(st, 3);
    const char *tag = (const char *)sqlite3_column_text(st, 4);
    const char *results = (const char *)sqlite3_column_text(st, 9);
    char *image = str_printf("%s/%s:%s", registry, repository, tag);
    json_t *doc = json_pack(
        "{s:I, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s, s:I, s:I, s:o?, s:s?}", "id",
        (json_int_t)sqlite3_column_int64(st, 0), "state",
        (const char *)sqlite3_column_text(st, 1), "image", image, "registry", registry,
        "repository", repository, "tag", tag, "digest", (const char *)sqlite3_column_text(st, 5),
        "source", (const char *)sqlite3_column_text(st, 6), "created_ms",
        (json_int_t)sqlite3_column_int64(st, 7), "finished_ms",
        (json_int_t)sqlite3_column_int64(st, 8), "results",
        results ? json_loads(results, 0, NULL) : json_array(), "error",
        (const char *)sqlite3_column_text(st, 10));
    if (sqlite3_column_type(st, 11) != SQLITE_NULL)
        json_object_set_new(doc, "deployment",
                            json_string((const char *)sqlite3_column_text(st, 11)));
    json_object_set_new(doc, "not_before_ms", json_integer(sqlite3_column_int64(st, 12)));
    if (sqlite3_column_type(st, 13) != SQLITE_NULL)
        json_object_set_new(doc, "container",
                            json_string((const char *)sqlite3_column_text(st, 13)));
    json_object_set_new(doc, "action", json_string((const char *)sqlite3_column_text(st, 14)));
    if (sqlite3_column_type(st, 15) != SQLITE_NULL)
        json_object_set_new(doc, "target_image",
                            json_string((const char *)sqlite3_column_text(st, 15)));
    free(image);
    return doc;
}

static int query_jobs(ukiyo *u, const char *where, int64_t a, int64_t b, json_t *into,
                      bool *any)
{
    ukiyo_store *s = jobs_store_of(u);
    sqlite3_stmt *st = NULL;
    char sql[640];
    int rc;

    if (!s)
        return UKIYO_EINVAL;
    snprintf(sql, sizeof(sql), "SELECT %s FROM jobs %s", job_columns, where);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return jobs_sql_fail(s, "prepare");
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    *any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_array_append_new(into, job_json(st));
        *any = true;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : jobs_sql_fail(s, "reading jobs");
}

static int dump(json_t *doc, char **json_out)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text)
        return UKIYO_ENOMEM;
    *json_out = text;
    return 0;
}

UKIYO_EXTERN int ukiyo_jobs_get(ukiyo *u, int64_t job_id, char **json_out)
{
    json_t *found = json_array();
    bool any;
    int err = query_jobs(u, "WHERE id = ?1", job_id, 0, found, &any);

    if (err == 0 && !any)
        err = ukiyo_error_set(UKIYO_ENOTFOUND, "no job %lld", (long long)job_id);
    if (err < 0) {
        json_decref(found);
        return err;
    }
    json_t *job = json_incref(json_array_get(found, 0));
    json_decref(found);
    return dump(job, json_out);
}

UKIYO_EXTERN int ukiyo_jobs_list(ukiyo *u, size_t offset, size_t limit, char **json_out)
{
    json_t *jobs = json_array();
    bool any;
    int err;

    if (limit == 0 || limit > JOBS_LIST_MAX)
        limit = limit ? JOBS_LIST_MAX : 50;
    err = query_jobs(u, "ORDER BY id DESC LIMIT ?1 OFFSET ?2", (int64_t)limit, (int64_t)offset,
                     jobs, &any);
    if (err < 0) {
        json_decref(jobs);
        return err;
    }
    return dump(jobs, json_out);
}
