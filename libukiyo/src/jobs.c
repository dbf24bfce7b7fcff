/*
 * jobs.c - the durable job queue (the store's "jobs" table) and the worker
 * step that turns a job into updates.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "deployments_private.h"
#include "http.h"

#define JOBS_LIST_MAX 500

static int sql_fail(ukiyo_store *s, const char *what)
{
    return ukiyo_error_set(UKIYO_EIO, "jobs: %s: %s", what, sqlite3_errmsg(s->db));
}

static ukiyo_store *store_of(ukiyo *u)
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
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, "prepare");
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id_out = sqlite3_column_int64(st, 0);
        *found = true;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(s, "query");
}

static int insert_job(ukiyo_store *s, const ukiyo_push_event *e, const char *source,
                      const char *delivery_id, const deployment *d, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO jobs (state, registry, repository, tag, digest, source, delivery_id, "
        "created_ms, deployment, not_before_ms) VALUES ('queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9)";
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, "prepare");
    sqlite3_bind_text(st, 1, ukiyo_push_event_registry(e), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ukiyo_push_event_repository(e), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ukiyo_push_event_tag(e), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ukiyo_push_event_digest(e), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, source ? source : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, delivery_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, store_now_ms());
    sqlite3_bind_text(st, 8, d ? d->name : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, d && d->downtime ? d->scheduled_at_ms : 0);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(s, "queueing a job");
    *id_out = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/*
 * A repository with a deployment gets a job of its own, due at once or at
 * its scheduled time; pushes meanwhile fold into it. Its ID is the answer.
 */
static int submit_deployment(ukiyo_store *s, const ukiyo_push_event *e, const char *source,
                             int64_t *id)
{
    deployment d;
    bool found = false;
    int err = deployment_find(s, ukiyo_push_event_registry(e), ukiyo_push_event_repository(e),
                              NULL, &d);

    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        return 0;
    }
    if (err < 0)
        return err;
    err = select_id(s,
                    "SELECT id FROM jobs WHERE state = 'queued' AND registry = ?1 AND "
                    "repository = ?2 AND tag = ?3 AND deployment IS NOT NULL",
                    ukiyo_push_event_registry(e), ukiyo_push_event_repository(e),
                    ukiyo_push_event_tag(e), id, &found);
    if (err == 0 && !found)
        err = insert_job(s, e, source, NULL, &d, id);
    deployment_clear(&d);
    return err;
}

/* In one write transaction: a known delivery, a queued job for the tag, or a new job. */
static int submit_locked(ukiyo_store *s, const ukiyo_push_event *e, const char *source,
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
                        "repository = ?2 AND tag = ?3 AND deployment IS NULL",
                        ukiyo_push_event_registry(e), ukiyo_push_event_repository(e),
                        ukiyo_push_event_tag(e), id, &found);
    if (err == 0 && !found)
        err = insert_job(s, e, source, delivery_id, NULL, id);
    if (err == 0)
        err = submit_deployment(s, e, source, id);
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_submit(ukiyo *u, const ukiyo_push_event *event, const char *source,
                                   const char *delivery_id, int64_t *job_id_out)
{
    ukiyo_store *s = store_of(u);
    int64_t id = 0;
    int err;

    if (!s)
        return UKIYO_EINVAL;
    if (!event || !job_id_out)
        return ukiyo_error_set(UKIYO_EINVAL, "jobs: NULL argument");
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(s, "begin");
    err = submit_locked(s, event, source, delivery_id, &id);
    if (err == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = sql_fail(s, "commit");
    if (err < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return err;
    }
    *job_id_out = id;
    return 0;
}

static const char *const action_names[] = {"update", "redeploy", "rollback"};

UKIYO_EXTERN int ukiyo_jobs_submit_container(ukiyo *u, const char *container,
                                             ukiyo_job_action action, int64_t *job_id_out)
{
    ukiyo_store *s = store_of(u);
    ukiyo_container *c = NULL;
    ukiyo_image_ref *ref = NULL;
    sqlite3_stmt *st = NULL;
    bool found = false;
    int64_t id = 0;
    int err;

    if (!s)
        return UKIYO_EINVAL;
    if (!container || !job_id_out || (unsigned)action > UKIYO_JOB_ROLLBACK)
        return ukiyo_error_set(UKIYO_EINVAL, "jobs: bad argument");
    err = ukiyo_docker_container_inspect(ukiyo_get_docker(u), &c, container);
    if (err < 0)
        return err;
    /* Registry, repository and tag describe the job; an image ID gives none. */
    const char *image = ukiyo_container_image(c);
    if (!image || ukiyo_image_ref_parse(&ref, image) < 0)
        ukiyo_error_clear();
    const char *registry = ref ? ukiyo_image_ref_registry(ref) : "";
    const char *repository = ref ? ukiyo_image_ref_repository(ref) : "";
    const char *tag = ref && ukiyo_image_ref_tag(ref) ? ukiyo_image_ref_tag(ref) : "";
    const char *name = ukiyo_container_name(c);
    err = select_id(s, "SELECT id FROM jobs WHERE state = 'queued' AND container = ?1 AND "
                       "action = ?2",
                    name, action_names[action], NULL, &id, &found);
    if (err == 0 && !found) {
        if (sqlite3_prepare_v2(s->db, "INSERT INTO jobs (state, registry, repository, tag, "
                                      "source, created_ms, container, action) VALUES ('queued', "
                                      "?1, ?2, ?3, 'api', ?4, ?5, ?6)",
                               -1, &st, NULL) != SQLITE_OK)
            err = sql_fail(s, "prepare");
        if (err == 0) {
            sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, store_now_ms());
            sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, action_names[action], -1, SQLITE_STATIC);
            err = sqlite3_step(st) == SQLITE_DONE ? 0 : sql_fail(s, "queueing a job");
            sqlite3_finalize(st);
            id = sqlite3_last_insert_rowid(s->db);
        }
    }
    ukiyo_image_ref_free(ref);
    ukiyo_container_free(c);
    if (err == 0)
        *job_id_out = id;
    return err;
}

UKIYO_EXTERN int ukiyo_jobs_recover(ukiyo *u, unsigned int *requeued_out)
{
    ukiyo_store *s = store_of(u);

    if (!s)
        return UKIYO_EINVAL;
    /* A job cut short runs again; if the tag has been queued since, that one covers it. */
    if (sqlite3_exec(s->db, "UPDATE OR IGNORE jobs SET state = 'queued', started_ms = NULL "
                            "WHERE state = 'running'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(s, "recovering jobs");
    if (requeued_out)
        *requeued_out = (unsigned)sqlite3_changes(s->db);
    if (sqlite3_exec(s->db, "UPDATE jobs SET state = 'done', error = 'coalesced with a newer job' "
                            "WHERE state = 'running'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(s, "recovering jobs");
    return 0;
}

/* ---- running a job --------------------------------------------------- */

typedef struct {
    int64_t id;
    char *registry;
    char *repository;
    char *tag;
    char *deployment; /* NULL for a plain job */
    char *container;  /* a job for one container (the REST API's) */
    char *action;     /* update | redeploy | rollback */
} job_row;

static void job_row_clear(job_row *j)
{
    free(j->registry);
    free(j->repository);
    free(j->tag);
    free(j->deployment);
    free(j->container);
    free(j->action);
}

/* Claim the oldest queued job; *found false when there is none. */
static int claim_next(ukiyo_store *s, job_row *j, bool *found)
{
    sqlite3_stmt *st = NULL;
    int rc, err = 0;

    *found = false;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(s, "begin");
    if (sqlite3_prepare_v2(s->db, "SELECT id, registry, repository, tag, deployment, container, "
                                  "action FROM jobs WHERE state = 'queued' AND "
                                  "not_before_ms <= ?1 ORDER BY not_before_ms, id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        err = sql_fail(s, "prepare");
    if (err == 0)
        sqlite3_bind_int64(st, 1, store_now_ms());
    rc = err == 0 ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_ROW) {
        j->id = sqlite3_column_int64(st, 0);
        j->registry = strdup((const char *)sqlite3_column_text(st, 1));
        j->repository = strdup((const char *)sqlite3_column_text(st, 2));
        j->tag = strdup((const char *)sqlite3_column_text(st, 3));
        j->deployment = str_dup((const char *)sqlite3_column_text(st, 4));
        j->container = str_dup((const char *)sqlite3_column_text(st, 5));
        j->action = str_dup((const char *)sqlite3_column_text(st, 6));
        *found = true;
    } else if (rc != SQLITE_DONE && err == 0) {
        err = sql_fail(s, "reading the queue");
    }
    sqlite3_finalize(st);
    if (err == 0 && *found) {
        char sql[128];
        snprintf(sql, sizeof(sql), "UPDATE jobs SET state = 'running', started_ms = %lld "
                                   "WHERE id = %lld",
                 (long long)store_now_ms(), (long long)j->id);
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            err = sql_fail(s, "claiming a job");
    }
    if (err == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = sql_fail(s, "commit");
    if (err < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

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

/* Running containers whose reference names the job's tag, in update order. */
static int matching_containers(ukiyo *u, const job_row *j, ukiyo_string_list **out)
{
    ukiyo_container_list *list = NULL;
    ukiyo_string_list names = {0};
    int err = ukiyo_docker_container_list(ukiyo_get_docker(u), &list, 0, NULL);

    for (size_t i = 0; err == 0 && i < ukiyo_container_list_count(list); i++) {
        ukiyo_container *c = NULL;
        /* The list shows an image ID once the tag moved: inspect for the reference. */
        if (ukiyo_docker_container_inspect(ukiyo_get_docker(u), &c,
                                           ukiyo_container_id(ukiyo_container_list_get(list, i))) <
            0) {
            ukiyo_error_clear();
            continue;
        }
        /* A deployment's container waits for its deployment's job. */
        if (runs_the_tag(u, c, j) && !ukiyo_container_label(c, UKIYO_LABEL_DEPLOYMENT) &&
            (!ukiyo_label_enable(u) || ukiyo_container_enabled_by_label(c)))
            err = string_list_append(&names, ukiyo_container_name(c));
        ukiyo_container_free(c);
    }
    ukiyo_container_list_free(list);
    if (err == 0)
        err = ukiyo_update_order(u, (const char *const *)names.items, names.count, out);
    for (size_t i = 0; i < names.count; i++)
        free(names.items[i]);
    free(names.items);
    return err;
}

static json_t *result_entry(const char *name, int err, const ukiyo_update_result *r)
{
    if (err < 0)
        return json_pack("{s:s, s:s, s:s}", "name", name, "outcome", "failed", "reason",
                         ukiyo_error_last());
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "name", name, "outcome",
                     ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)), "reason",
                     ukiyo_update_result_reason(r), "old_image_id",
                     ukiyo_update_result_old_image_id(r), "new_image_id",
                     ukiyo_update_result_new_image_id(r));
}

static int finish_job(ukiyo_store *s, int64_t id, const char *state, json_t *results,
                      const char *error)
{
    char *text = results ? json_dumps(results, JSON_COMPACT) : NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(s->db, "UPDATE jobs SET state = ?1, results = ?2, error = ?3, "
                                  "finished_ms = ?4 WHERE id = ?5",
                           -1, &st, NULL) != SQLITE_OK) {
        free(text);
        return sql_fail(s, "prepare");
    }
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, store_now_ms());
    sqlite3_bind_int64(st, 5, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(text);
    return rc == SQLITE_DONE ? 0 : sql_fail(s, "finishing a job");
}

/* A deployment's job: create its container, or update it. */
static int run_deployment_job(ukiyo *u, ukiyo_store *s, const job_row *j,
                              const ukiyo_update_options *opts)
{
    deployment d;
    json_t *results = json_array();
    int err = deployment_find(s, j->registry, j->repository, j->deployment, &d);

    if (err < 0) {
        json_decref(results);
        return finish_job(s, j->id, "failed", NULL, "the deployment was deleted");
    }
    ukiyo_container *c = NULL;
    if (ukiyo_docker_container_inspect(ukiyo_get_docker(u), &c, d.container) == 0) {
        ukiyo_update_result *r = NULL;
        int uerr = ukiyo_update(u, d.container, opts, &r);
        json_array_append_new(results, result_entry(d.container, uerr, r));
        ukiyo_update_result_free(r);
    } else {
        char *ref = str_printf("%s/%s:%s", j->registry, j->repository, j->tag);
        ukiyo_error_clear();
        int cerr = ref ? deployment_create_container(u, &d, ref) : UKIYO_ENOMEM;
        json_array_append_new(results, cerr < 0 ? result_entry(d.container, cerr, NULL)
                                                : json_pack("{s:s, s:s}", "name", d.container,
                                                            "outcome", "created"));
        free(ref);
    }
    ukiyo_container_free(c);
    err = finish_job(s, j->id, "done", results, NULL);
    json_decref(results);
    deployment_clear(&d);
    return err;
}

static int run_container_job(ukiyo *u, ukiyo_store *s, const job_row *j,
                             const ukiyo_update_options *opts)
{
    ukiyo_update_result *r = NULL;
    json_t *results = json_array();
    int err;

    if (j->action && strcmp(j->action, "rollback") == 0)
        err = ukiyo_rollback(u, j->container, opts, &r);
    else if (j->action && strcmp(j->action, "redeploy") == 0)
        err = ukiyo_redeploy(u, j->container, opts, &r);
    else
        err = ukiyo_update(u, j->container, opts, &r);
    json_array_append_new(results, result_entry(j->container, err, r));
    ukiyo_update_result_free(r);
    err = finish_job(s, j->id, "done", results, NULL);
    json_decref(results);
    return err;
}


UKIYO_EXTERN int ukiyo_jobs_set_callback(ukiyo *u, int64_t job_id, const char *url)
{
    ukiyo_store *s = store_of(u);
    sqlite3_stmt *st = NULL;

    if (!s)
        return UKIYO_EINVAL;
    if (!url || !dockerhub_callback_allowed(url))
        return ukiyo_error_set(UKIYO_EINVAL, "refusing callback URL %.200s: not Docker Hub's",
                               url ? url : "(none)");
    if (sqlite3_prepare_v2(s->db, "UPDATE jobs SET callback_url = ?1 WHERE id = ?2", -1, &st,
                           NULL) != SQLITE_OK)
        return sql_fail(s, "prepare");
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, job_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(s, "saving a callback");
    return sqlite3_changes(s->db) ? 0 : ukiyo_error_set(UKIYO_ENOTFOUND, "no job %lld",
                                                        (long long)job_id);
}

/* success unless a container rolled back or failed. */
static bool results_succeeded(json_t *results)
{
    json_t *r;
    size_t i;

    json_array_foreach(results, i, r) {
        const char *outcome = json_string_value(json_object_get(r, "outcome"));
        if (outcome && (strcmp(outcome, "rolled-back") == 0 || strcmp(outcome, "failed") == 0))
            return false;
    }
    return true;
}

/* Tell Docker Hub how the job went; a failure here is logged, never fatal. */
static void answer_callback(ukiyo_store *s, int64_t id, json_t *results)
{
    sqlite3_stmt *st = NULL;
    char *url = NULL;

    if (sqlite3_prepare_v2(s->db, "SELECT callback_url FROM jobs WHERE id = ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            url = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (!url || !dockerhub_callback_allowed(url)) {
        free(url);
        return;
    }
    bool ok = results_succeeded(results);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s}", "state", ok ? "success" : "failure",
                            "description", ok ? "updated by ukiyo" : "ukiyo could not update",
                            "context", "ukiyo", "target_url", "");
    char *body = json_dumps(doc, JSON_COMPACT);
    http_session *http = NULL;
    http_response resp;
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    http_request req = {.method = "POST", .url = url, .body = body,
                        .body_len = body ? strlen(body) : 0, .headers = headers,
                        .timeout_ms = 10000};
    if (body && http_session_new(&http, NULL, 10000) == 0 &&
        http_perform(http, &req, &resp) == 0) {
        if (resp.status >= 300)
            log_warning("job %lld: Docker Hub's callback answered HTTP %ld", (long long)id,
                        resp.status);
        http_response_clear(&resp);
    } else {
        log_warning("job %lld: Docker Hub's callback failed: %s", (long long)id,
                    ukiyo_error_last());
    }
    ukiyo_error_clear();
    http_session_free(http);
    json_decref(doc);
    free(body);
    free(url);
}

UKIYO_EXTERN int ukiyo_jobs_next_due_ms(ukiyo *u, int64_t *due_ms_out)
{
    ukiyo_store *s = store_of(u);
    sqlite3_stmt *st = NULL;
    int64_t due = INT64_MAX;

    if (!s)
        return UKIYO_EINVAL;
    if (sqlite3_prepare_v2(s->db, "SELECT MIN(not_before_ms) FROM jobs WHERE state = 'queued'",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, "prepare");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        due = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *due_ms_out = due <= store_now_ms() ? 0 : due;
    return 0;
}

UKIYO_EXTERN int ukiyo_jobs_run_next(ukiyo *u, const ukiyo_update_options *opts, int *ran_out)
{
    ukiyo_store *s = store_of(u);
    ukiyo_string_list *order = NULL;
    job_row j = {0};
    bool found;
    int err;

    if (!s)
        return UKIYO_EINVAL;
    if (ran_out)
        *ran_out = 0;
    err = claim_next(s, &j, &found);
    if (err < 0 || !found)
        return err;
    if (ran_out)
        *ran_out = 1;
    log_info("job %lld: %s/%s:%s", (long long)j.id, j.registry, j.repository, j.tag);
    if (j.deployment || j.container) {
        err = j.deployment ? run_deployment_job(u, s, &j, opts) : run_container_job(u, s, &j, opts);
        job_row_clear(&j);
        return err;
    }
    err = matching_containers(u, &j, &order);
    if (err < 0) {
        /* The engine could not be asked: fail the job with why; nothing has changed. */
        err = finish_job(s, j.id, "failed", NULL, ukiyo_error_last());
        job_row_clear(&j);
        return err;
    }
    json_t *results = json_array();
    for (size_t i = 0; i < ukiyo_string_list_count(order); i++) {
        ukiyo_update_result *r = NULL;
        const char *name = ukiyo_string_list_get(order, i);
        int uerr = ukiyo_update(u, name, opts, &r);
        json_array_append_new(results, result_entry(name, uerr, r));
        ukiyo_update_result_free(r);
    }
    err = finish_job(s, j.id, "done", results, NULL);
    answer_callback(s, j.id, results);
    json_decref(results);
    ukiyo_string_list_free(order);
    job_row_clear(&j);
    return err;
}

/* ---- reading jobs ---------------------------------------------------- */

static const char job_columns[] = "id, state, registry, repository, tag, digest, source, "
                                  "created_ms, COALESCE(finished_ms, 0), results, error, "
                                  "deployment, not_before_ms, container, action";

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
    free(image);
    return doc;
}

static int query_jobs(ukiyo *u, const char *where, int64_t a, int64_t b, json_t *into,
                      bool *any)
{
    ukiyo_store *s = store_of(u);
    sqlite3_stmt *st = NULL;
    char sql[256];
    int rc;

    if (!s)
        return UKIYO_EINVAL;
    snprintf(sql, sizeof(sql), "SELECT %s FROM jobs %s", job_columns, where);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, "prepare");
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    *any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_array_append_new(into, job_json(st));
        *any = true;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(s, "reading jobs");
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
