/*
 * jobs_run.c - the worker's step: claim the oldest due job, update what it
 * names (the containers running a tag, a deployment's container, or one
 * container), record what became of each, answer Docker Hub's callback.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jobs_private.h"

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
        return jobs_sql_fail(s, "begin");
    if (sqlite3_prepare_v2(s->db, "SELECT id, registry, repository, tag, deployment, container, "
                                  "action FROM jobs WHERE state = 'queued' AND "
                                  "not_before_ms <= ?1 ORDER BY not_before_ms, id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        err = jobs_sql_fail(s, "prepare");
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
        err = jobs_sql_fail(s, "reading the queue");
    }
    sqlite3_finalize(st);
    if (err == 0 && *found) {
        char sql[128];
        snprintf(sql, sizeof(sql), "UPDATE jobs SET state = 'running', started_ms = %lld "
                                   "WHERE id = %lld",
                 (long long)store_now_ms(), (long long)j->id);
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            err = jobs_sql_fail(s, "claiming a job");
    }
    if (err == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = jobs_sql_fail(s, "commit");
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
        return jobs_sql_fail(s, "prepare");
    }
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, store_now_ms());
    sqlite3_bind_int64(st, 5, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(text);
    return rc == SQLITE_DONE ? 0 : jobs_sql_fail(s, "finishing a job");
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

UKIYO_EXTERN int ukiyo_jobs_run_next(ukiyo *u, const ukiyo_update_options *opts, int *ran_out)
{
    ukiyo_store *s = jobs_store_of(u);
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
