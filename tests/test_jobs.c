/*
 * test_jobs.c - the durable job queue: coalescing, delivery dedupe,
 * running a job, and what the store keeps.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ukiyo.h>

#include "testlib.h"

static ukiyo *u;
static char db_path[128];

static void setup(void)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;

    test_tmp_path(db_path, sizeof(db_path), "jobs.db");
    opts.db_path = db_path;
    ck_assert_int_eq(ukiyo_open(&u, &opts), 0);
}

static void teardown(void)
{
    ukiyo_close(u);
    test_sh(NULL, "rm -f %s %s-wal %s-shm", db_path, db_path, db_path);
}

static ukiyo_push_events *event_for(const char *image)
{
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    char body[256];

    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", image);
    req.body = body;
    req.body_len = strlen(body);
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), 0);
    return ev;
}

static int64_t submit(const char *image, const char *delivery)
{
    ukiyo_push_events *ev = event_for(image);
    int64_t id = 0;
    ck_assert_msg(ukiyo_jobs_submit(u, ukiyo_push_events_get(ev, 0), "test", delivery, &id) == 0,
                  "%s", ukiyo_error_last());
    ukiyo_push_events_free(ev);
    return id;
}

START_TEST(deliveries_of_one_push_are_coalesced)
{
    int64_t a = submit("localhost:5000/team/app:v1", NULL);
    int64_t b = submit("localhost:5000/team/app:v1", NULL);
    int64_t c = submit("localhost:5000/team/app:v2", NULL);
    int64_t d = submit("127.0.0.1:5000/team/app:v1", NULL); /* another registry */

    ck_assert_int_eq(a, b);
    ck_assert_int_ne(a, c);
    ck_assert_int_ne(a, d);
    /* The same delivery again is the same job, even for another tag in its body. */
    int64_t e = submit("localhost:5000/team/other:v1", "delivery-1");
    int64_t f = submit("localhost:5000/team/other:v9", "delivery-1");
    ck_assert_int_eq(e, f);
}
END_TEST

/* A batch does what one submission at a time does: coalescing and dedupe included. */
START_TEST(a_batch_coalesces_dedupes_and_refuses_foreign_callbacks)
{
    ukiyo_push_events *ev[4] = {event_for("localhost:5000/team/app:b1"),
                                event_for("localhost:5000/team/app:b1"),
                                event_for("localhost:5000/team/app:b2"),
                                event_for("localhost:5000/team/app:b3")};
    ukiyo_job_submission subs[5] = {
        {.event = ukiyo_push_events_get(ev[0], 0), .source = "test", .delivery_id = "d-1"},
        {.event = ukiyo_push_events_get(ev[1], 0), .source = "test"}, /* same tag: same job */
        {.event = ukiyo_push_events_get(ev[2], 0), .source = "test", .delivery_id = "d-1"},
        {.event = ukiyo_push_events_get(ev[3], 0),
         .source = "test",
         .callback_url = "https://evil.example/steal"},
        {.event = ukiyo_push_events_get(ev[3], 0),
         .source = "test",
         .callback_url = "https://registry.hub.docker.com/u/team/app/hook/1/"},
    };

    ck_assert_int_eq(ukiyo_jobs_submit_batch(u, subs, 5), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(subs[i].error == 0 && subs[i].job_id > 0, "submission %d: %d", i,
                      subs[i].error);
    ck_assert_int_eq(subs[1].job_id, subs[0].job_id);
    ck_assert_int_eq(subs[2].job_id, subs[0].job_id); /* a delivery seen before */
    ck_assert_int_ne(subs[3].job_id, subs[0].job_id);
    ck_assert_int_eq(subs[3].callback_refused, 1);
    ck_assert_int_eq(subs[4].callback_refused, 0);
    ck_assert_int_eq(subs[4].job_id, subs[3].job_id);
    /* One at a time agrees with the batch: b1 is queued, b2 was a repeated delivery. */
    ck_assert_int_eq(submit("localhost:5000/team/app:b1", NULL), subs[0].job_id);
    int64_t b2 = submit("localhost:5000/team/app:b2", NULL);
    ck_assert_int_ne(b2, subs[0].job_id);
    ck_assert_int_ne(b2, subs[3].job_id);
    ck_assert_int_eq(ukiyo_jobs_submit_batch(u, NULL, 0), 0);
    ukiyo_job_submission empty = {0};
    ck_assert_int_eq(ukiyo_jobs_submit_batch(u, &empty, 1), UKIYO_EINVAL);
    for (int i = 0; i < 4; i++)
        ukiyo_push_events_free(ev[i]);
}
END_TEST

/* The callback URL stored with job @id, read from the file as ukiyod's job worker will find it. */
static char *stored_callback(int64_t id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *url = NULL;

    ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT callback_url FROM jobs WHERE id = ?", -1, &st,
                                        NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    if (sqlite3_column_type(st, 0) != SQLITE_NULL)
        url = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return url;
}

/*
 * Docker Hub's callback is kept with the job a delivery makes, and a
 * delivery folded into a job already queued hands that job its own
 * callback (the newest push is the one Docker Hub waits on); a callback
 * that is not Docker Hub's is never stored, and leaves a kept one alone.
 */
START_TEST(a_batch_keeps_each_job_s_docker_hub_callback)
{
    const char *first = "https://registry.hub.docker.com/u/team/app/hook/first/";
    const char *second = "https://registry.hub.docker.com/u/team/app/hook/second/";
    ukiyo_push_events *ev[3] = {event_for("localhost:5000/team/app:c1"),
                                event_for("localhost:5000/team/app:c2"),
                                event_for("localhost:5000/team/app:c3")};
    ukiyo_job_submission subs[3] = {
        {.event = ukiyo_push_events_get(ev[0], 0), .source = "dockerhub", .callback_url = first},
        {.event = ukiyo_push_events_get(ev[1], 0), .source = "dockerhub"},
        {.event = ukiyo_push_events_get(ev[2], 0),
         .source = "dockerhub",
         .callback_url = "https://evil.example/steal"},
    };
    char *url;

    ck_assert_int_eq(ukiyo_jobs_submit_batch(u, subs, 3), 0);
    url = stored_callback(subs[0].job_id);
    ck_assert_ptr_nonnull(url);
    ck_assert_str_eq(url, first);
    free(url);
    ck_assert_ptr_null(stored_callback(subs[1].job_id));
    ck_assert_ptr_null(stored_callback(subs[2].job_id));

    /* Folded into the queued c1 and c2: each takes the later delivery's Docker Hub callback. */
    ukiyo_job_submission again[3] = {
        {.event = ukiyo_push_events_get(ev[0], 0), .source = "dockerhub", .callback_url = second},
        {.event = ukiyo_push_events_get(ev[1], 0), .source = "dockerhub", .callback_url = second},
        {.event = ukiyo_push_events_get(ev[0], 0),
         .source = "dockerhub",
         .callback_url = "https://evil.example/steal"},
    };
    ck_assert_int_eq(ukiyo_jobs_submit_batch(u, again, 3), 0);
    ck_assert_int_eq(again[0].job_id, subs[0].job_id);
    ck_assert_int_eq(again[1].job_id, subs[1].job_id);
    ck_assert_int_eq(again[2].job_id, subs[0].job_id);
    ck_assert_int_eq(again[2].callback_refused, 1);
    for (int i = 0; i < 2; i++) {
        url = stored_callback(subs[i].job_id);
        ck_assert_ptr_nonnull(url);
        ck_assert_str_eq(url, second);
        free(url);
    }
    for (int i = 0; i < 3; i++)
        ukiyo_push_events_free(ev[i]);
}
END_TEST

START_TEST(a_job_runs_once_and_keeps_its_results)
{
    test_require_engine();
    int64_t id = submit("localhost:5000/ukiyo-test/nobody-runs-this:v1", NULL);
    int ran = -1;
    ukiyo_job *job = NULL;
    char *text = NULL;

    ck_assert_int_eq(ukiyo_jobs_get(&job, u, id), 0);
    ck_assert_str_eq(ukiyo_job_state(job), "queued");
    ck_assert_str_eq(ukiyo_job_image(job), "localhost:5000/ukiyo-test/nobody-runs-this:v1");
    ukiyo_job_free(job);
    ck_assert_msg(ukiyo_jobs_run_next(u, NULL, &ran) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ran, 1);
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, id), 0);
    ck_assert_str_eq(ukiyo_job_state(job), "done");
    ck_assert_uint_eq(ukiyo_job_result_count(job), 0); /* no container runs it */
    ck_assert_int_gt(ukiyo_job_finished_ms(job), 0);
    /* The JSON ukiyod prints says the same. */
    ck_assert_int_eq(ukiyo_job_json(&text, job), 0);
    json_t *doc = json_loads(text, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "state")), "done");
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "results")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "finished_ms")),
                     ukiyo_job_finished_ms(job));
    json_decref(doc);
    ukiyo_string_free(text);
    ukiyo_job_free(job);
    ck_assert_int_eq(ukiyo_jobs_run_next(u, NULL, &ran), 0);
    ck_assert_int_eq(ran, 0); /* the queue is empty */
    /* Once it ran, the same tag queues a new job. */
    ck_assert_int_ne(submit("localhost:5000/ukiyo-test/nobody-runs-this:v1", NULL), id);
    ukiyo_job_list *list = NULL;
    ck_assert_int_eq(ukiyo_jobs_list(&list, u, 0, 10), 0);
    ck_assert_uint_eq(ukiyo_job_list_count(list), 2);
    ck_assert_int_gt(ukiyo_job_id(ukiyo_job_list_get(list, 0)), id); /* newest first */
    ck_assert_ptr_null(ukiyo_job_list_get(list, 2));
    ukiyo_job_list_free(list);
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, 12345), UKIYO_ENOTFOUND);
}
END_TEST

START_TEST(the_queue_survives_closing_the_store)
{
    int64_t id = submit("localhost:5000/team/app:v3", NULL);
    unsigned requeued = 99;
    ukiyo_job *job = NULL;

    ukiyo_close(u);
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    opts.db_path = db_path;
    ck_assert_int_eq(ukiyo_open(&u, &opts), 0);
    ck_assert_int_eq(ukiyo_jobs_recover(u, &requeued), 0);
    ck_assert_uint_eq(requeued, 0); /* queued, not running: nothing to put back */
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, id), 0);
    ck_assert_str_eq(ukiyo_job_state(job), "queued");
    ukiyo_job_free(job);
}
END_TEST

/*
 * ukiyod opens two handles on one database; a ukiyoctl that comes and goes
 * meanwhile must find the database in use and leave its write-ahead log
 * alone (a close() of the file by the second handle used to drop the
 * first one's locks, and ukiyoctl deleted the log the daemon was writing).
 */
START_TEST(a_second_handle_and_a_ukiyoctl_leave_the_log_alone)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *second = NULL;
    char wal[160];

    opts.db_path = db_path;
    ck_assert_int_eq(ukiyo_open(&second, &opts), 0);
    submit("localhost:5000/team/app:v1", NULL);
    snprintf(wal, sizeof(wal), "%s-wal", db_path);
    ck_assert_int_eq(access(wal, F_OK), 0);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOCTL\" --db %s history >/dev/null", db_path), 0);
    ck_assert_msg(access(wal, F_OK) == 0, "ukiyoctl deleted the log of a database in use");
    ukiyo_close(second);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("queue");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, deliveries_of_one_push_are_coalesced);
    tcase_add_test(tc, a_batch_coalesces_dedupes_and_refuses_foreign_callbacks);
    tcase_add_test(tc, a_batch_keeps_each_job_s_docker_hub_callback);
    tcase_add_test(tc, a_job_runs_once_and_keeps_its_results);
    tcase_add_test(tc, the_queue_survives_closing_the_store);
    tcase_add_test(tc, a_second_handle_and_a_ukiyoctl_leave_the_log_alone);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
