/*
 * store_jobs.c - the job queue's rows (the "jobs" table). What a job means,
 * how submissions coalesce and what runs when, is jobs.c's and
 * jobs_run.c's; this file only reads and writes rows.
 */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

void ukiyo__store_job_clear(store_job *j)
{
    if (!j)
        return;
    free(j->state);
    free(j->registry);
    free(j->repository);
    free(j->tag);
    free(j->digest);
    free(j->source);
    free(j->delivery_id);
    free(j->deployment);
    free(j->container);
    free(j->action);
    free(j->target);
    free(j->callback_url);
    free(j->results);
    free(j->error);
    memset(j, 0, sizeof(*j));
}

void ukiyo__store_jobs_free(store_job *jobs, size_t count)
{
    for (size_t i = 0; jobs && i < count; i++)
        ukiyo__store_job_clear(&jobs[i]);
    free(jobs);
}

#define JOB_COLUMNS                                                                                \
    "id, state, registry, repository, tag, digest, source, delivery_id, deployment, "              \
    "container, action, target_image, results, error, created_ms, COALESCE(finished_ms, 0), "      \
    "not_before_ms, COALESCE(approved_ms, 0), COALESCE(expires_ms, 0)"

static void read_job(sqlite3_stmt *st, store_job *j)
{
    j->id = sqlite3_column_int64(st, 0);
    j->state = ukiyo__store_column_dup(st, 1);
    j->registry = ukiyo__store_column_dup(st, 2);
    j->repository = ukiyo__store_column_dup(st, 3);
    j->tag = ukiyo__store_column_dup(st, 4);
    j->digest = ukiyo__store_column_dup(st, 5);
    j->source = ukiyo__store_column_dup(st, 6);
    j->delivery_id = ukiyo__store_column_dup(st, 7);
    j->deployment = ukiyo__store_column_dup(st, 8);
    j->container = ukiyo__store_column_dup(st, 9);
    j->action = ukiyo__store_column_dup(st, 10);
    j->target = ukiyo__store_column_dup(st, 11);
    j->results = ukiyo__store_column_dup(st, 12);
    j->error = ukiyo__store_column_dup(st, 13);
    j->created_ms = sqlite3_column_int64(st, 14);
    j->finished_ms = sqlite3_column_int64(st, 15);
    j->not_before_ms = sqlite3_column_int64(st, 16);
    j->approved_ms = sqlite3_column_int64(st, 17);
    j->expires_ms = sqlite3_column_int64(st, 18);
}

/* Step a query of one integer; *found false when no row. */
static int select_id(ukiyo_store *s, sqlite3_stmt *st, int64_t *id_out, bool *found)
{
    int rc = sqlite3_step(st);

    *found = rc == SQLITE_ROW;
    if (*found)
        *id_out = sqlite3_column_int64(st, 0);
    int err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading jobs");
    ukiyo__store_statement_done(st);
    return err;
}

int ukiyo__store_job_of_delivery(ukiyo_store *s, const char *delivery_id, int64_t *id_out,
                                 bool *found)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT id FROM jobs WHERE delivery_id = ?1");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, delivery_id, -1, SQLITE_STATIC);
    return select_id(s, st, id_out, found);
}

int ukiyo__store_job_queued_for_tag(ukiyo_store *s, const char *registry, const char *repository,
                                    const char *tag, bool deployment, int64_t *id_out, bool *found)
{
    static const char plain_sql[] =
        "SELECT id FROM jobs WHERE state = 'queued' AND registry = ?1 AND repository = ?2 AND "
        "tag = ?3 AND deployment IS NULL AND container IS NULL";
    static const char deployment_sql[] =
        "SELECT id FROM jobs WHERE state = 'queued' AND registry = ?1 AND repository = ?2 AND "
        "tag = ?3 AND deployment IS NOT NULL";
    sqlite3_stmt *st = ukiyo__store_statement(s, deployment ? deployment_sql : plain_sql);

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
    return select_id(s, st, id_out, found);
}

int ukiyo__store_job_queued_for_container(ukiyo_store *s, const char *container, const char *action,
                                          int64_t *id_out, bool *found)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT id FROM jobs WHERE state = 'queued' AND "
                                                 "container = ?1 AND action = ?2");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
    return select_id(s, st, id_out, found);
}

/* Step an INSERT; the new row's ID in *id_out. */
static int insert(ukiyo_store *s, sqlite3_stmt *st, int64_t *id_out)
{
    int err = ukiyo__store_step_write(s, st, "queueing a job");

    if (err == 0)
        *id_out = sqlite3_last_insert_rowid(s->db);
    return err;
}

/*
 * A job for a tag, unless one is queued for it already (the one-queued
 * index): then nothing is written and *@inserted is false. One statement
 * where a look first and an insert after were two, on the path every
 * webhook delivery takes.
 */
int ukiyo__store_job_insert_tag(ukiyo_store *s, const store_job *j, int64_t *id_out, bool *inserted)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "INSERT INTO jobs (state, registry, repository, tag, digest, source, delivery_id, "
           "created_ms, deployment, not_before_ms, callback_url) VALUES ('queued', ?1, ?2, ?3, "
           "?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING");

    *inserted = false;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, j->registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, j->repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, j->tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, j->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, j->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, j->delivery_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, ukiyo__store_now_ms(s));
    sqlite3_bind_text(st, 8, j->deployment, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, j->not_before_ms);
    sqlite3_bind_text(st, 10, j->callback_url, -1, SQLITE_STATIC);
    int err = insert(s, st, id_out);
    if (err == 0)
        *inserted = sqlite3_changes(s->db) > 0;
    return err;
}

int ukiyo__store_job_insert_container(ukiyo_store *s, const store_job *j, int64_t *id_out)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "INSERT INTO jobs (state, registry, repository, tag, source, target_image, "
           "created_ms, not_before_ms, container, action) VALUES ('queued', ?1, ?2, ?3, ?4, ?5, "
           "?6, ?7, ?8, ?9)");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, j->registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, j->repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, j->tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, j->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, j->target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, ukiyo__store_now_ms(s));
    sqlite3_bind_int64(st, 7, j->not_before_ms);
    sqlite3_bind_text(st, 8, j->container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, j->action, -1, SQLITE_STATIC);
    return insert(s, st, id_out);
}

int ukiyo__store_job_fold(ukiyo_store *s, int64_t id, const char *source, const char *target,
                          int64_t not_before_ms)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "UPDATE jobs SET source = CASE WHEN ?4 < not_before_ms THEN ?1 ELSE source END, "
           "not_before_ms = MIN(not_before_ms, ?4), target_image = COALESCE(?2, target_image) "
           "WHERE id = ?3");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id);
    sqlite3_bind_int64(st, 4, not_before_ms);
    return ukiyo__store_step_write(s, st, "queueing a job");
}

int ukiyo__store_job_set_callback(ukiyo_store *s, int64_t id, const char *url)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "UPDATE jobs SET callback_url = ?1 WHERE id = ?2");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    int err = ukiyo__store_step_write(s, st, "saving a callback");
    if (err == 0 && sqlite3_changes(s->db) == 0)
        err = ukiyo__error_set(UKIYO_ENOTFOUND, "no job %lld", (long long)id);
    return err;
}

int ukiyo__store_job_callback(ukiyo_store *s, int64_t id, char **url_out)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT callback_url FROM jobs WHERE id = ?1");

    *url_out = NULL;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *url_out = ukiyo__store_column_dup(st, 0);
    int err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading a job");
    ukiyo__store_statement_done(st);
    return err;
}

typedef struct {
    int64_t now_ms;
    store_job *job;
    bool found;
} claim;

static int claim_step(ukiyo_store *s, void *arg)
{
    claim *c = arg;
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT " JOB_COLUMNS " FROM jobs WHERE state = "
                                                 "'queued' AND not_before_ms <= ?1 ORDER BY "
                                                 "not_before_ms, id LIMIT 1");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_int64(st, 1, c->now_ms);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_job(st, c->job);
    c->found = rc == SQLITE_ROW;
    int err =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading the queue");
    ukiyo__store_statement_done(st);
    if (err < 0 || !c->found)
        return err;
    if (!(st = ukiyo__store_statement(s, "UPDATE jobs SET state = 'running', started_ms = ?1 "
                                         "WHERE id = ?2")))
        return UKIYO_EIO;
    sqlite3_bind_int64(st, 1, c->now_ms);
    sqlite3_bind_int64(st, 2, c->job->id);
    return ukiyo__store_step_write(s, st, "claiming a job");
}

int ukiyo__store_job_claim(ukiyo_store *s, int64_t now_ms, store_job *j, bool *found)
{
    claim c = {now_ms, j, false};

    memset(j, 0, sizeof(*j));
    int err = ukiyo__store_in_transaction(s, claim_step, &c);
    *found = err == 0 && c.found;
    if (err < 0)
        ukiyo__store_job_clear(j);
    return err;
}

int ukiyo__store_job_finish(ukiyo_store *s, int64_t id, const char *state, const char *results,
                            const char *error)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "UPDATE jobs SET state = ?1, results = ?2, error = ?3, "
                                  "finished_ms = ?4 WHERE id = ?5");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, results, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ukiyo__store_now_ms(s));
    sqlite3_bind_int64(st, 5, id);
    return ukiyo__store_step_write(s, st, "finishing a job");
}

int ukiyo__store_jobs_recover(ukiyo_store *s, unsigned int *requeued_out)
{
    /* A job cut short runs again; if the tag has been queued since, that one covers it. */
    if (sqlite3_exec(s->db,
                     "UPDATE OR IGNORE jobs SET state = 'queued', started_ms = NULL "
                     "WHERE state = 'running'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return ukiyo__store_sql_fail(s, "recovering jobs");
    if (requeued_out)
        *requeued_out = (unsigned)sqlite3_changes(s->db);
    if (sqlite3_exec(s->db,
                     "UPDATE jobs SET state = 'done', error = 'coalesced with a newer job' "
                     "WHERE state = 'running'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return ukiyo__store_sql_fail(s, "recovering jobs");
    return 0;
}

int ukiyo__store_jobs_first_due(ukiyo_store *s, int64_t *due_ms_out)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "SELECT MIN(not_before_ms) FROM jobs WHERE state = 'queued'");

    *due_ms_out = INT64_MAX;
    if (!st)
        return UKIYO_EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *due_ms_out = sqlite3_column_int64(st, 0);
    int err =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading the queue");
    ukiyo__store_statement_done(st);
    return err;
}

int ukiyo__store_job_get(ukiyo_store *s, int64_t id, store_job *j)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1");

    memset(j, 0, sizeof(*j));
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), err = 0;
    if (rc == SQLITE_ROW)
        read_job(st, j);
    else if (rc == SQLITE_DONE)
        err = ukiyo__error_set(UKIYO_ENOTFOUND, "no job %lld", (long long)id);
    else
        err = ukiyo__store_sql_fail(s, "reading a job");
    ukiyo__store_statement_done(st);
    return err;
}

int ukiyo__store_jobs_list(ukiyo_store *s, size_t offset, size_t limit, store_job **jobs_out,
                           size_t *count_out)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "SELECT " JOB_COLUMNS " FROM jobs ORDER BY id DESC "
                                  "LIMIT ?1 OFFSET ?2");
    store_job *jobs = calloc(limit ? limit : 1, sizeof(*jobs));
    size_t n = 0;
    int rc = SQLITE_DONE;

    if (!st || !jobs) {
        free(jobs);
        return st ? UKIYO_ENOMEM : UKIYO_EIO;
    }
    sqlite3_bind_int64(st, 1, (int64_t)limit);
    sqlite3_bind_int64(st, 2, (int64_t)offset);
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        read_job(st, &jobs[n++]);
    int err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading jobs");
    ukiyo__store_statement_done(st);
    if (err < 0) {
        ukiyo__store_jobs_free(jobs, n);
        return err;
    }
    *jobs_out = jobs;
    *count_out = n;
    return 0;
}

/* ---- approvals ---------------------------------------------------------- */

typedef struct {
    const store_job *job;
    int64_t id;
    store_await outcome;
} await_args;

static int await_step(ukiyo_store *s, void *arg)
{
    await_args *a = arg;
    const store_job *j = a->job;
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "SELECT id, digest IS ?2 AND target_image IS ?3 FROM jobs WHERE state = "
           "'awaiting-approval' AND container = ?1");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, j->container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, j->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, j->target, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    a->outcome = rc == SQLITE_ROW
                     ? (sqlite3_column_int(st, 1) ? STORE_AWAIT_SAME : STORE_AWAIT_NEWER)
                     : STORE_AWAIT_NEW;
    if (rc == SQLITE_ROW)
        a->id = sqlite3_column_int64(st, 0);
    int err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading jobs");
    ukiyo__store_statement_done(st);
    /* The same release asked about again (every poll does): it waits as it was. */
    if (err < 0 || a->outcome == STORE_AWAIT_SAME)
        return err;
    if (a->outcome == STORE_AWAIT_NEWER) {
        /* The newer release replaces the one that waited; its clock starts again. */
        st = ukiyo__store_statement(
            s, "UPDATE jobs SET digest = ?1, target_image = ?2, source = ?3, expires_ms = ?4, "
               "registry = ?5, repository = ?6, tag = ?7 WHERE id = ?8");
        if (!st)
            return UKIYO_EIO;
        sqlite3_bind_int64(st, 8, a->id);
    } else {
        st = ukiyo__store_statement(
            s, "INSERT INTO jobs (state, digest, target_image, source, expires_ms, registry, "
               "repository, tag, container, action, created_ms) VALUES ('awaiting-approval', "
               "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'update', ?9)");
        if (!st)
            return UKIYO_EIO;
        sqlite3_bind_text(st, 8, j->container, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, ukiyo__store_now_ms(s));
    }
    sqlite3_bind_text(st, 1, j->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, j->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, j->source, -1, SQLITE_STATIC);
    if (j->expires_ms)
        sqlite3_bind_int64(st, 4, j->expires_ms);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_text(st, 5, j->registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, j->repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, j->tag, -1, SQLITE_STATIC);
    if (a->outcome == STORE_AWAIT_NEWER)
        return ukiyo__store_step_write(s, st, "folding a push into a waiting job");
    return insert(s, st, &a->id);
}

int ukiyo__store_job_await(ukiyo_store *s, const store_job *j, int64_t *id_out,
                           store_await *outcome_out)
{
    await_args a = {j, 0, STORE_AWAIT_NEW};
    int err = ukiyo__store_in_transaction(s, await_step, &a);

    if (err == 0) {
        *id_out = a.id;
        *outcome_out = a.outcome;
    }
    return err;
}

typedef struct {
    int64_t id, now_ms;
    bool approve;
} answer_args;

static int answer_step(ukiyo_store *s, void *arg)
{
    answer_args *a = arg;
    store_job j;
    int err = ukiyo__store_job_get(s, a->id, &j);

    if (err < 0)
        return err;
    if (strcmp(j.state, "awaiting-approval") != 0) {
        err = ukiyo__error_set(UKIYO_ECONFLICT, "job %lld does not wait for approval: it is %s",
                               (long long)a->id, j.state);
        ukiyo__store_job_clear(&j);
        return err;
    }
    int64_t queued = 0;
    bool found = false;
    if (a->approve &&
        (err = ukiyo__store_job_queued_for_container(s, j.container, "update", &queued, &found)) ==
            0 &&
        found)
        err = ukiyo__error_set(UKIYO_ECONFLICT, "job %lld already queues an update of %s",
                               (long long)queued, j.container);
    ukiyo__store_job_clear(&j);
    if (err < 0)
        return err;
    sqlite3_stmt *st =
        ukiyo__store_statement(s, a->approve
                                      ? "UPDATE jobs SET state = 'queued', approved_ms = ?1, "
                                        "not_before_ms = 0 WHERE id = ?2"
                                      : "UPDATE jobs SET state = 'rejected', finished_ms = "
                                        "?1, error = 'rejected by a person' WHERE id = ?2");
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_int64(st, 1, a->now_ms);
    sqlite3_bind_int64(st, 2, a->id);
    return ukiyo__store_step_write(s, st, "answering a waiting job");
}

int ukiyo__store_job_answer(ukiyo_store *s, int64_t id, bool approve, int64_t now_ms)
{
    answer_args a = {id, now_ms, approve};
    return ukiyo__store_in_transaction(s, answer_step, &a);
}

int ukiyo__store_jobs_expire(ukiyo_store *s, int64_t now_ms, int64_t **ids_out, size_t *count_out)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "UPDATE jobs SET state = 'expired', finished_ms = ?1, error = 'no approval before it "
           "expired' WHERE state = 'awaiting-approval' AND expires_ms IS NOT NULL AND "
           "expires_ms <= ?1 RETURNING id");
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc, err = 0;

    *ids_out = NULL;
    *count_out = 0;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_int64(st, 1, now_ms);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (UKIYO__RESERVE(ids, cap, n) < 0) {
            err = ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
            break;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = ukiyo__store_sql_fail(s, "expiring waiting jobs");
    ukiyo__store_statement_done(st);
    if (err < 0) {
        free(ids);
        return err;
    }
    *ids_out = ids;
    *count_out = n;
    return 0;
}

int ukiyo__store_jobs_waiting(ukiyo_store *s, int64_t *first_expiry_out, unsigned int *count_out)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "SELECT MIN(expires_ms), COUNT(*) FROM jobs WHERE state = 'awaiting-approval'");

    *first_expiry_out = INT64_MAX;
    *count_out = 0;
    if (!st)
        return UKIYO_EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *first_expiry_out = sqlite3_column_int64(st, 0);
        *count_out = (unsigned)sqlite3_column_int64(st, 1);
    }
    int err =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "reading the queue");
    ukiyo__store_statement_done(st);
    return err;
}

/* ---- digests seen ------------------------------------------------------- */

int ukiyo__store_digest_seen(ukiyo_store *s, const char *registry, const char *repository,
                             const char *tag, const char *digest, int64_t now_ms, bool remember,
                             int64_t *first_seen_out)
{
    sqlite3_stmt *st = NULL;

    *first_seen_out = now_ms;
    if (remember) {
        if (!(st = ukiyo__store_statement(
                  s, "INSERT OR IGNORE INTO digests_seen (registry, repository, tag, digest, "
                     "first_seen_ms) VALUES (?1, ?2, ?3, ?4, ?5)")))
            return UKIYO_EIO;
        sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now_ms);
        int err = ukiyo__store_step_write(s, st, "remembering a digest");
        if (err < 0)
            return err;
    }
    st = ukiyo__store_statement(s, "SELECT first_seen_ms FROM digests_seen WHERE registry = ?1 "
                                   "AND repository = ?2 AND tag = ?3 AND digest = ?4");
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, digest, -1, SQLITE_STATIC);
    bool found = false;
    return select_id(s, st, first_seen_out, &found);
}
