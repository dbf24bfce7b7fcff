/*
 * test_store.c - the store's migrations, from every older schema: a store
 * as each earlier release left it (the schema at that version, with the
 * rows that release wrote, put there with sqlite itself) is opened by this
 * library, migrated, and everything in it is still read back through the
 * API; what the later migrations added then works on it. Needs nothing
 * running.
 */
#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"
#include "testlib.h"

/* The version at which each table came (store.c's migrations). */
#define V_UPDATES 1
#define V_JOBS 2
#define V_CREDENTIALS 3
#define V_DEPLOYMENTS 4

static char dir[] = "/tmp/ukiyo-test-store-XXXXXX";

static char *db_path(int version)
{
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/v%d.db", dir, version);
    return path;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
}

/* What a release at @version wrote, in that version's columns. */
static void write_old_rows(const char *path, int version)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    if (version >= V_UPDATES)
        exec(db, "INSERT INTO updates (container, kind, strategy, image_ref, old_container_id, "
                 "old_image_id, new_image_id, new_container_id, temp_name, old_name, "
                 "old_was_running, step, started_ms, updated_ms, finished_ms, outcome) VALUES "
                 "('web', 'update', 'stop-first', 'registry.example/app:1', 'c1', 'sha256:old', "
                 "'sha256:new', 'c2', 'web-new', 'web-old', 1, 'remove-old', 1000, 2000, 2000, "
                 "'updated')");
    if (version >= V_JOBS)
        exec(db, "INSERT INTO jobs (id, state, registry, repository, tag, source, created_ms, "
                 "finished_ms, results) VALUES (7, 'done', 'registry.example', 'app', '1', "
                 "'distribution', 1000, 2000, '[{\"name\":\"web\",\"outcome\":\"updated\"}]')");
    if (version >= V_CREDENTIALS)
        exec(db, "INSERT INTO credentials (server, username, secret, created_ms, updated_ms) "
                 "VALUES ('registry.example', 'bot', 'old-s3cret', 1000, 1000)");
    if (version >= V_DEPLOYMENTS)
        exec(db, "INSERT INTO deployments (name, registry, repository, container, ports, "
                 "scheduled_at_ms, scheduled_downtime, created_ms, updated_ms) VALUES "
                 "('registry.example/app', 'registry.example', 'app', 'app', "
                 "'[{\"exportPort\":18081,\"internalPort\":8080}]', 0, 0, 1000, 1000)");
    sqlite3_close(db);
}

static ukiyo *open_handle(const char *path)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;
    opts.db_path = path;
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
    return u;
}

static void check_old_rows(ukiyo *u, int version)
{
    ukiyo_store *s = ukiyo_get_store(u);
    ukiyo_history *h = NULL;
    char *json = NULL;

    ck_assert_int_eq(ukiyo_store_history(&h, s, "web", 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), version >= V_UPDATES ? 1 : 0);
    if (version >= V_UPDATES) {
        const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
        ck_assert_str_eq(ukiyo_history_entry_outcome(e), "updated");
        ck_assert_str_eq(ukiyo_history_entry_new_image_id(e), "sha256:new");
        /* old_image_ref came at 7: an older row ran the same reference before. */
        ck_assert_str_eq(ukiyo_history_entry_old_image(e), "registry.example/app:1");
        /* project, service and old_logs came at 10: NULL for an older row. */
        ck_assert_str_eq(ukiyo_history_entry_strategy(e), "stop-first");
        ck_assert_ptr_null(ukiyo_history_entry_project(e));
        ck_assert_ptr_null(ukiyo_history_entry_service(e));
        ck_assert_int_eq(ukiyo_history_entry_has_logs(e), 0);
        char *logs = NULL;
        ck_assert_int_eq(ukiyo_store_history_logs(&logs, s, ukiyo_history_entry_id(e)),
                         UKIYO_ENOTFOUND);
        ck_assert_msg(strstr(ukiyo_error_last(), "kept no logs"), "%s", ukiyo_error_last());
        ck_assert_ptr_null(logs);
    }
    ukiyo_history_free(h);

    ukiyo_job *job = NULL;
    int err = ukiyo_jobs_get(&job, u, 7);
    if (version >= V_JOBS) {
        ck_assert_msg(err == 0, "%s", ukiyo_error_last());
        ck_assert_str_eq(ukiyo_job_state(job), "done");
        ck_assert_str_eq(ukiyo_job_image(job), "registry.example/app:1");
        /* Columns later versions added, with their defaults. */
        ck_assert_str_eq(ukiyo_job_action_name(job), "update");
        ck_assert_int_eq(ukiyo_job_not_before_ms(job), 0);
        ck_assert_uint_eq(ukiyo_job_result_count(job), 1);
        ck_assert_str_eq(ukiyo_job_result_outcome(job, 0), "updated");
        ukiyo_job_free(job);
    } else {
        ck_assert_int_eq(err, UKIYO_ENOTFOUND);
    }

    ukiyo_saved_credential_list *creds = NULL;
    ck_assert_int_eq(ukiyo_store_credentials(&creds, s), 0);
    ck_assert_uint_eq(ukiyo_saved_credential_list_count(creds), version >= V_CREDENTIALS);
    if (version >= V_CREDENTIALS) {
        const ukiyo_saved_credential *c = ukiyo_saved_credential_list_get(creds, 0);
        ck_assert_str_eq(ukiyo_saved_credential_server(c), "registry.example");
        ck_assert_str_eq(ukiyo_saved_credential_username(c), "bot");
        ck_assert_int_eq(ukiyo_saved_credential_json(&json, c), 0);
        ck_assert_msg(!strstr(json, "old-s3cret"), "a secret in the listing: %s", json);
        free(json);
    }
    ukiyo_saved_credential_list_free(creds);

    ukiyo_deployment_list *list = NULL;
    const ukiyo_deployment *d = NULL;
    ck_assert_int_eq(ukiyo_deployments_list(&list, u), 0);
    for (size_t i = 0; i < ukiyo_deployment_list_count(list); i++)
        if (strcmp(ukiyo_deployment_name(ukiyo_deployment_list_get(list, i)),
                   "registry.example/app") == 0)
            d = ukiyo_deployment_list_get(list, i);
    ck_assert((d != NULL) == (version >= V_DEPLOYMENTS));
    if (d) {
        ck_assert_int_eq(ukiyo_deployment_port(d, 0).host_port, 18081);
        /* update_window came at 8. */
        ck_assert_ptr_null(ukiyo_deployment_window(d));
    }
    ukiyo_deployment_list_free(list);
}

/* What the later migrations added works on a migrated store. */
static void check_new_columns(ukiyo *u, int version)
{
    /* 6: a job keeps Docker Hub's callback; 5: a job for one named container
     * needs an engine, so the queue's columns are checked through a push. */
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    static const char body[] = "{\"image\":\"registry.example/app:2\"}";
    int64_t id = 0;
    req.body = body;
    req.body_len = strlen(body);
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), 0);
    ck_assert_msg(ukiyo_jobs_submit(u, ukiyo_push_events_get(ev, 0), "test", "d-1", &id) == 0,
                  "from %d: %s", version, ukiyo_error_last());
    ukiyo_push_events_free(ev);
    ck_assert_int_eq(ukiyo_jobs_set_callback(u, id,
                                             "https://registry.hub.docker.com/u/a/b/hook/x/"),
                     0);
    /* 8: a deployment's window. */
    ukiyo_deployment_spec spec = UKIYO_DEPLOYMENT_SPEC_INIT;
    spec.repository = "registry.example/other";
    spec.window = "0 3 * * *";
    ck_assert_msg(ukiyo_deployment_save(u, &spec, 0) == 0, "from %d: %s", version,
                  ukiyo_error_last());
    ukiyo_deployment_list *list = NULL;
    ck_assert_int_eq(ukiyo_deployments_list(&list, u), 0);
    const ukiyo_deployment *other = NULL;
    for (size_t i = 0; i < ukiyo_deployment_list_count(list); i++)
        if (strcmp(ukiyo_deployment_name(ukiyo_deployment_list_get(list, i)),
                   "registry.example/other") == 0)
            other = ukiyo_deployment_list_get(list, i);
    ck_assert_ptr_nonnull(other);
    ck_assert_str_eq(ukiyo_deployment_window(other), "0 3 * * *");
    ukiyo_deployment_list_free(list);

    /* 10: an update names its compose project and service and keeps the old logs. */
    ukiyo_store *s = ukiyo_get_store(u);
    journal_entry e = {.container = "shop_api_1",
                       .kind = "update",
                       .strategy = "compose",
                       .image_ref = "registry.example/api:1",
                       .old_container_id = "c3",
                       .old_image_id = "sha256:a",
                       .new_image_id = "sha256:b",
                       .temp_name = "shop_api_1-new",
                       .old_name = "shop_api_1-old",
                       .step = STEP_PLANNED,
                       .project = "shop",
                       .service = "api"};
    ck_assert_msg(ukiyo__journal_begin(s, &e) == 0, "from %d: %s", version, ukiyo_error_last());
    ck_assert_int_eq(ukiyo__journal_set_logs(s, e.id, "2026-12-03T08:00:00Z api listening\n"), 0);
    ck_assert_int_eq(ukiyo__journal_finish(s, e.id, "updated", NULL), 0);
    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(&h, s, "shop_api_1", 0, 1), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    const ukiyo_history_entry *got = ukiyo_history_get(h, 0);
    ck_assert_str_eq(ukiyo_history_entry_project(got), "shop");
    ck_assert_str_eq(ukiyo_history_entry_service(got), "api");
    ck_assert_str_eq(ukiyo_history_entry_strategy(got), "compose");
    ck_assert_int_eq(ukiyo_history_entry_has_logs(got), 1);
    char *json = NULL;
    ck_assert_int_eq(ukiyo_history_entry_json(&json, got), 0);
    ck_assert_msg(strstr(json, "\"logs_kept\":true") && strstr(json, "\"service\":\"api\"") &&
                      !strstr(json, "listening"),
                  "%s", json);
    ukiyo_string_free(json);
    char *logs = NULL;
    ck_assert_int_eq(ukiyo_store_history_logs(&logs, s, e.id), 0);
    ck_assert_str_eq(logs, "2026-12-03T08:00:00Z api listening\n");
    ukiyo_string_free(logs);
    ck_assert_int_eq(ukiyo_store_history_logs(&logs, s, e.id + 1000), UKIYO_ENOTFOUND);
    ck_assert_msg(strstr(ukiyo_error_last(), "no history entry"), "%s", ukiyo_error_last());
    ukiyo_history_free(h);

    /* 11: a swarm service's update keeps its spec versions before and after, for reconcile. */
    journal_entry svc = {.container = "service/web",
                         .kind = "update",
                         .strategy = "swarm",
                         .image_ref = "registry.example/web:1",
                         .old_container_id = "svc1",
                         .old_image_id = "registry.example/web:1@sha256:a",
                         .new_image_id = "registry.example/web:1@sha256:b",
                         .temp_name = "",
                         .old_name = "",
                         .spec_version_before = 41};
    ck_assert_msg(ukiyo__journal_begin(s, &svc) == 0, "from %d: %s", version, ukiyo_error_last());
    ck_assert_int_eq(ukiyo__journal_set_spec_version(s, svc.id, 43), 0);
    journal_entry *open_entries = NULL;
    size_t open_count = 0;
    ck_assert_int_eq(ukiyo__journal_open_entries(s, &open_entries, &open_count), 0);
    ck_assert_uint_eq(open_count, 1);
    ck_assert_str_eq(open_entries[0].container, "service/web");
    ck_assert_int_eq(open_entries[0].spec_version_before, 41);
    ck_assert_int_eq(open_entries[0].spec_version_after, 43);
    ukiyo__journal_entries_free(open_entries, open_count);
    ck_assert_int_eq(ukiyo__journal_finish(s, svc.id, "updated", NULL), 0);
}

START_TEST(every_older_schema_migrates_with_its_rows)
{
    int latest = ukiyo__store_schema_latest();

    ck_assert_int_ge(latest, V_DEPLOYMENTS);
    for (int version = 0; version <= latest; version++) {
        char *path = db_path(version);
        ukiyo_store *s = NULL;

        ck_assert_msg(ukiyo__store_open_at(&s, path, version) == 0, "%s", ukiyo_error_last());
        ck_assert_int_eq(ukiyo_store_schema_version(s), version);
        ukiyo_store_close(s);
        write_old_rows(path, version);

        ukiyo *u = open_handle(path);
        ck_assert_int_eq(ukiyo_store_schema_version(ukiyo_get_store(u)), latest);
        check_old_rows(u, version);
        check_new_columns(u, version);
        ukiyo_close(u);
        /* And again: a migrated store opens as it is. */
        u = open_handle(path);
        check_old_rows(u, version);
        ukiyo_close(u);
        free(path);
    }
}
END_TEST

typedef struct {
    int count;
} queue_fill;

static int fill_queue(ukiyo_store *s, void *arg)
{
    const queue_fill *f = arg;

    for (int i = 0; i < f->count; i++) {
        char tag[32];
        snprintf(tag, sizeof(tag), "1.0.%d", i);
        /* The last one queued is due first: the claim must find it by its time, not its ID. */
        store_job j = {.registry = "docker.io",
                       .repository = "acme/app",
                       .tag = tag,
                       .source = "test",
                       .not_before_ms = f->count - i};
        int64_t id;
        bool inserted;
        int err = ukiyo__store_job_insert_tag(s, &j, &id, &inserted);
        if (err < 0)
            return err;
        if (!inserted)
            return ukiyo__error_set(UKIYO_EIO, "tag %s was queued already", tag);
    }
    return 0;
}

/*
 * A burst of deliveries leaves a long queue; the worker takes one job at a
 * time from it. Taking the next job and asking when the first is due must
 * read an index entry or two, not every queued row: with the whole queue
 * read for each, 80,000 queued deliveries cut ukiyod's webhook rate tenfold.
 */
START_TEST(the_next_job_is_found_without_reading_the_queue)
{
    enum { QUEUED = 3000 };
    char *path = db_path(-1);
    ukiyo_store *s = NULL;
    queue_fill fill = {QUEUED};
    store_job job;
    bool found = false;
    int64_t due = 0;

    ck_assert_msg(ukiyo_store_open(&s, path) == 0, "%s", ukiyo_error_last());
    ck_assert_msg(ukiyo__store_in_transaction(s, fill_queue, &fill) == 0, "%s", ukiyo_error_last());
    ukiyo__store_steps_taken(s);

    ck_assert_int_eq(ukiyo__store_jobs_first_due(s, &due), 0);
    ck_assert_int_eq(due, 1);
    int64_t steps = ukiyo__store_steps_taken(s);
    ck_assert_msg(steps < 100, "finding when the first job is due took %lld steps",
                  (long long)steps);

    ck_assert_msg(ukiyo__store_job_claim(s, 1000000, &job, &found) == 0, "%s", ukiyo_error_last());
    ck_assert(found);
    ck_assert_str_eq(job.tag, "1.0.2999"); /* due at 1: the first */
    ukiyo__store_job_clear(&job);
    steps = ukiyo__store_steps_taken(s);
    ck_assert_msg(steps < 300, "claiming the next job of %d took %lld steps", QUEUED,
                  (long long)steps);

    ukiyo_store_close(s);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(a_newer_schema_is_refused_untouched)
{
    char *path = db_path(999);
    ukiyo_store *s = NULL;
    sqlite3 *db = NULL;

    ck_assert_int_eq(ukiyo_store_open(&s, path), 0);
    ukiyo_store_close(s);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    char pragma[64];
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", ukiyo__store_schema_latest() + 1);
    exec(db, pragma);
    sqlite3_close(db);

    s = NULL;
    ck_assert_int_eq(ukiyo_store_open(&s, path), UKIYO_EUNSUPPORTED);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(ukiyo_error_last(), "newer"), "%s", ukiyo_error_last());
    /* Still the newer version: nothing was migrated down or over. */
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), ukiyo__store_schema_latest() + 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
}
END_TEST

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(dir + strlen(dir) - 6, "XXXXXX");
}

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("migrations");

    /* In the runner itself, not the test's process: a failed test still has its directory removed.
     */
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_older_schema_migrates_with_its_rows);
    tcase_add_test(tc, a_newer_schema_is_refused_untouched);
    suite_add_tcase(s, tc);
    tc = tcase_create("queue");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_next_job_is_found_without_reading_the_queue);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(store_suite());
}
