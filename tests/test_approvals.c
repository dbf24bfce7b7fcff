/*
 * test_approvals.c - a person between a push and an update: jobs that wait
 * for approval (folding newer pushes, surviving a restart, approved,
 * rejected, expired), and releases held until they reach a minimum age.
 * The library on the real engine and the loopback registry, on a clock the
 * test moves; then the same through ukiyod's REST API and ukiyoctl.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ukiyo.h>

#include "daemon_helpers.h"
#include "testlib.h"

static ukiyo *u;
static char db_path[128];
static int64_t now_ms;

static int64_t test_clock(void *payload)
{
    (void)payload;
    return now_ms;
}

static void open_handle(void)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;

    opts.db_path = db_path;
    opts.clock_ms = test_clock;
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
}

static void setup(void)
{
    test_require_engine();
    test_tmp_path(db_path, sizeof(db_path), "approvals.db");
    now_ms = test_ms_of("2026-12-01T10:00:00Z");
    open_handle();
}

static void teardown(void)
{
    ukiyo_close(u);
    u = NULL;
    test_sh(NULL, "rm -f %s %s-wal %s-shm", db_path, db_path, db_path);
    test_cleanup();
}

/* A repository of our own on the loopback registry with http:@version as :latest. */
static char *push_version(const char *repo, const char *version)
{
    char local[64];

    snprintf(local, sizeof(local), "ukiyo-test/http:%s", version);
    return test_push(local, repo, "latest");
}

static char *new_repo(void)
{
    char *name = test_unique_name("repo"), *repo = NULL;

    ck_assert_int_ge(asprintf(&repo, "ukiyo-test/%s", name), 0);
    free(name);
    return repo;
}

/* docker run a container of @ref serving on a port of its own, with @labels ("--label k=v"). */
static void run_container(const char *name, const char *ref, const char *labels)
{
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 %s --name %s %s >/dev/null",
                             labels, name, ref),
                     0);
}

/* What the container's HTTP server answers, through docker exec: "v1", "v2", ... */
static char *served_by(const char *name)
{
    char *out = NULL;

    test_sh(&out, "docker exec %s cat /www/index.html 2>/dev/null || true", name);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

static void expect_serves(const char *name, const char *want)
{
    char *got = served_by(name);
    ck_assert_msg(strcmp(got, want) == 0, "%s serves \"%s\", not \"%s\"", name, got, want);
    free(got);
}

/* The registry's push of @ref, as a webhook would queue it; then the worker's step. */
static void push_and_run(const char *ref)
{
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    char body[512];
    int64_t id = 0;
    int ran = 0;

    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    req.body = body;
    req.body_len = strlen(body);
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), 0);
    ck_assert_msg(ukiyo_jobs_submit(u, ukiyo_push_events_get(ev, 0), "test", NULL, &id) == 0, "%s",
                  ukiyo_error_last());
    ukiyo_push_events_free(ev);
    ck_assert_msg(ukiyo_jobs_run_next(u, NULL, &ran) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ran, 1);
}

/* The newest job for @container in @state, or 0. */
static int64_t job_of(const char *container, const char *state)
{
    ukiyo_job_list *list = NULL;
    int64_t id = 0;

    ck_assert_int_eq(ukiyo_jobs_list(&list, u, 0, 100), 0);
    for (size_t i = 0; !id && i < ukiyo_job_list_count(list); i++) {
        const ukiyo_job *j = ukiyo_job_list_get(list, i);
        if (ukiyo_job_container(j) && strcmp(ukiyo_job_container(j), container) == 0 &&
            strcmp(ukiyo_job_state(j), state) == 0)
            id = ukiyo_job_id(j);
    }
    ukiyo_job_list_free(list);
    return id;
}

static char *job_field(int64_t id, const char *(*get)(const ukiyo_job *))
{
    ukiyo_job *job = NULL;
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, id), 0);
    char *v = get(job) ? strdup(get(job)) : NULL;
    ukiyo_job_free(job);
    return v;
}

/* The registry's digest of @ref now. */
static char *registry_digest(const char *ref)
{
    ukiyo_image_ref *r = NULL;
    char *digest = NULL;

    ck_assert_int_eq(ukiyo_image_ref_parse(&r, ref), 0);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, ukiyo_get_registry(u), r), 0);
    ukiyo_image_ref_free(r);
    return digest;
}

static void run_queue(void)
{
    int ran = 1;
    while (ran)
        ck_assert_msg(ukiyo_jobs_run_next(u, NULL, &ran) == 0, "%s", ukiyo_error_last());
}

/* The job events told to the hook, as "EVENT:ID:STATE " each. */
static char told[1024];

static void note_event(const ukiyo_job *job, const char *event, void *payload)
{
    size_t n = strlen(told);
    (void)payload;
    snprintf(told + n, sizeof(told) - n, "%s:%lld:%s ", event, (long long)ukiyo_job_id(job),
             ukiyo_job_state(job));
}

START_TEST(a_push_waits_for_approval_folds_newer_ones_and_survives_a_restart)
{
    char *repo = new_repo(), *name = test_unique_name("web");
    char *ref = push_version(repo, "v1");

    run_container(name, ref, "--label ukiyo.approve=true");
    free(push_version(repo, "v2"));
    push_and_run(ref);
    int64_t waiting = job_of(name, "awaiting-approval");
    ck_assert_msg(waiting > 0, "no job waits for approval");
    expect_serves(name, "v1");
    char *v2 = registry_digest(ref), *digest = job_field(waiting, ukiyo_job_digest);
    ck_assert_str_eq(digest, v2);
    free(digest);

    /* A newer push folds into the waiting job: one job, the newest release. */
    free(push_version(repo, "v3"));
    push_and_run(ref);
    ck_assert_int_eq(job_of(name, "awaiting-approval"), waiting);
    char *v3 = registry_digest(ref);
    digest = job_field(waiting, ukiyo_job_digest);
    ck_assert_str_eq(digest, v3);
    free(digest);
    expect_serves(name, "v1");

    /* A restart keeps it waiting; nothing runs it unapproved. */
    ukiyo_close(u);
    ck_assert_int_eq(ukiyo_jobs_recover((open_handle(), u), NULL), 0);
    run_queue();
    ck_assert_int_eq(job_of(name, "awaiting-approval"), waiting);
    expect_serves(name, "v1");

    ck_assert_msg(ukiyo_jobs_approve(u, waiting) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_jobs_approve(u, waiting), UKIYO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "queued"));
    run_queue();
    expect_serves(name, "v3");
    char *state = job_field(waiting, ukiyo_job_state);
    ck_assert_str_eq(state, "done");
    free(state);
    ck_assert_int_eq(ukiyo_jobs_reject(u, waiting), UKIYO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "done"));
    ck_assert_int_eq(ukiyo_jobs_approve(u, 999999), UKIYO_ENOTFOUND);
    free(v2);
    free(v3);
    free(ref);
    free(name);
    free(repo);
}
END_TEST

START_TEST(a_rejected_release_is_not_offered_again_and_a_waiting_job_expires)
{
    char *repo = new_repo(), *name = test_unique_name("web");
    char *ref = push_version(repo, "v1");

    run_container(name, ref, "--label ukiyo.approve=true --label ukiyo.approve-timeout=1h");
    free(push_version(repo, "v2"));
    push_and_run(ref);
    int64_t waiting = job_of(name, "awaiting-approval");
    ck_assert_int_gt(waiting, 0);
    ukiyo_job *job = NULL;
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, waiting), 0);
    ck_assert_int_eq(ukiyo_job_expires_ms(job), now_ms + 3600 * 1000);
    ukiyo_job_free(job);

    ck_assert_msg(ukiyo_jobs_reject(u, waiting) == 0, "%s", ukiyo_error_last());
    char *state = job_field(waiting, ukiyo_job_state);
    ck_assert_str_eq(state, "rejected");
    free(state);
    /* The same release pushed again: skipped as rejected, no new question. */
    push_and_run(ref);
    ck_assert_int_eq(job_of(name, "awaiting-approval"), 0);
    ukiyo_check_result *r = NULL;
    ck_assert_int_eq(ukiyo_check(&r, u, name), 0);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_REJECTED);
    ck_assert_int_eq(ukiyo_check_result_needs_approval(r), 1);
    ukiyo_check_result_free(r);
    expect_serves(name, "v1");

    /* A newer one waits anew, and expires unanswered. */
    free(push_version(repo, "v3"));
    push_and_run(ref);
    int64_t again = job_of(name, "awaiting-approval"), asked_at = now_ms;
    ck_assert_int_gt(again, waiting);
    /* The same release asked about again (as every poll does): the job and its expiry stay. */
    now_ms += 1800 * 1000;
    push_and_run(ref);
    ck_assert_int_eq(job_of(name, "awaiting-approval"), again);
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, again), 0);
    ck_assert_int_eq(ukiyo_job_expires_ms(job), asked_at + 3600 * 1000);
    ukiyo_job_free(job);
    now_ms = asked_at + 2 * 3600 * 1000;
    told[0] = '\0';
    ukiyo_set_job_hook(u, note_event, NULL);
    run_queue();
    ukiyo_set_job_hook(u, NULL, NULL);
    state = job_field(again, ukiyo_job_state);
    ck_assert_str_eq(state, "expired");
    free(state);
    /* Told, so a page or a notification can say it went unanswered. */
    char want[64];
    snprintf(want, sizeof(want), "expired:%lld:expired ", (long long)again);
    ck_assert_msg(strstr(told, want), "%s", told);
    ck_assert_int_eq(ukiyo_jobs_approve(u, again), UKIYO_ECONFLICT);
    expect_serves(name, "v1");
    free(ref);
    free(name);
    free(repo);
}
END_TEST

START_TEST(a_release_waits_until_it_has_aged_and_a_newer_one_starts_the_clock_again)
{
    char *repo = new_repo(), *name = test_unique_name("web");
    char *ref = push_version(repo, "v1");
    int64_t t0 = now_ms, hour = 3600 * 1000;

    run_container(name, ref, "--label ukiyo.min-age=1h");
    free(push_version(repo, "v2"));
    push_and_run(ref);
    int64_t aging = job_of(name, "queued");
    ck_assert_int_gt(aging, 0);
    ukiyo_job *job = NULL;
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, aging), 0);
    ck_assert_int_eq(ukiyo_job_not_before_ms(job), t0 + hour);
    ck_assert_str_eq(ukiyo_job_source(job), "min-age");
    ukiyo_job_free(job);
    expect_serves(name, "v1");

    /* check says when it will have aged. */
    ukiyo_check_result *r = NULL;
    ck_assert_int_eq(ukiyo_check(&r, u, name), 0);
    ck_assert_int_eq(ukiyo_check_result_min_age_ms(r), hour);
    ck_assert_int_eq(ukiyo_check_result_ages_at_ms(r), t0 + hour);
    ukiyo_check_result_free(r);

    /* Half an hour on, v3: its own clock. At t0 + 1h v2 would have aged, v3 has not. */
    now_ms = t0 + hour / 2;
    free(push_version(repo, "v3"));
    push_and_run(ref);
    now_ms = t0 + hour + 60 * 1000;
    run_queue();
    expect_serves(name, "v1");
    now_ms = t0 + hour / 2 + hour + 60 * 1000;
    run_queue();
    expect_serves(name, "v3");
    free(ref);
    free(name);
    free(repo);
}
END_TEST

/* ---- the same through ukiyod and ukiyoctl --------------------------------- */

static char *field_of(const char *body, const char *key)
{
    json_t *doc = json_loads(body, 0, NULL);
    json_t *v = json_object_get(doc, key);
    char *text = json_is_string(v)    ? strdup(json_string_value(v))
                 : json_is_integer(v) ? NULL
                                      : NULL;
    if (json_is_integer(v))
        ck_assert_int_ge(asprintf(&text, "%lld", (long long)json_integer_value(v)), 0);
    json_decref(doc);
    return text;
}

/* The ID of the job that waits for @name, asked of ukiyod (30 s at most). */
static long long waiting_job_of(daemon_proc *d, const char *name)
{
    for (int i = 0; i < 300; i++) {
        reply r = api(d, "/api/v1/jobs?limit=20");
        json_t *doc = json_loads(r.body, 0, NULL), *job;
        size_t k;
        long long id = 0;
        json_array_foreach(doc, k, job) {
            const char *c = json_string_value(json_object_get(job, "container"));
            const char *s = json_string_value(json_object_get(job, "state"));
            if (!id && c && s && strcmp(c, name) == 0 && strcmp(s, "awaiting-approval") == 0)
                id = json_integer_value(json_object_get(job, "id"));
        }
        json_decref(doc);
        free(r.body);
        if (id)
            return id;
        usleep(100 * 1000);
    }
    ck_abort_msg("no job waits for %s", name);
    return 0;
}

START_TEST(ukiyod_and_ukiyoctl_approve_and_reject)
{
    char *repo = new_repo(), *web = test_unique_name("web"), *api_name = test_unique_name("api");
    char *ref = push_version(repo, "v1");
    daemon_proc d = {0};
    char path[128], *out = NULL;

    ukiyo_close(u); /* ukiyod owns the queue here */
    u = NULL;
    run_container(web, ref, "");
    run_container(api_name, ref, "");
    start_daemon(&d, "--approve");
    free(push_version(repo, "v2"));
    post_generic(&d, ref);
    long long a = waiting_job_of(&d, web), b = waiting_job_of(&d, api_name);

    /* Without the token: 401, nothing answered. */
    snprintf(path, sizeof(path), "/api/v1/jobs/%lld/approve", a);
    expect_status(request(&d, "POST", path, NULL), 401, NULL);
    expect_status(api_send(&d, "POST", "/api/v1/jobs/abc/approve", NULL), 404, NULL);
    expect_status(api_send(&d, "POST", "/api/v1/jobs/1/maybe", NULL), 404, NULL);
    expect_status(api_send(&d, "POST", "/api/v1/jobs/999999/approve", NULL), 404, NULL);
    reply r = api_send(&d, "POST", path, NULL);
    ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
    char *state = field_of(r.body, "state");
    ck_assert_str_eq(state, "queued");
    free(state);
    free(r.body);
    ck_assert(serves_within(web, "v2\n"));
    /* Approving it again: 409 with the state it is in. */
    r = api_send(&d, "POST", path, NULL);
    ck_assert_int_eq(r.status, 409);
    state = field_of(r.body, "state");
    ck_assert_msg(strcmp(state, "running") == 0 || strcmp(state, "done") == 0, "%s", state);
    free(state);
    free(r.body);

    /* ukiyoctl on the same database: the other one rejected. */
    char args[512];
    snprintf(args, sizeof(args),
             "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s/ukiyo.db jobs --waiting --json", d.dir);
    ck_assert_int_eq(test_sh(&out, "%s", args), 0);
    ck_assert_msg(strstr(out, api_name) && !strstr(out, web), "%s", out);
    free(out);
    ck_assert_int_eq(test_sh(&out,
                             "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s/ukiyo.db reject "
                             "%lld 2>&1",
                             d.dir, b),
                     0);
    ck_assert_msg(strstr(out, "rejected"), "%s", out);
    free(out);
    ck_assert_int_eq(test_sh(&out,
                             "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s/ukiyo.db approve "
                             "%lld 2>&1",
                             d.dir, b),
                     1);
    ck_assert_msg(strstr(out, "it is rejected"), "%s", out);
    free(out);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOCTL\" approve nope 2>/dev/null"), 2);
    expect_serves(api_name, "v1");
    ck_assert_int_eq(stop_daemon(&d), 0);
    open_handle(); /* for teardown */
    free(ref);
    free(web);
    free(api_name);
    free(repo);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("approvals");
    TCase *tc = tcase_create("approvals");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_push_waits_for_approval_folds_newer_ones_and_survives_a_restart);
    tcase_add_test(tc, a_rejected_release_is_not_offered_again_and_a_waiting_job_expires);
    tcase_add_test(tc, a_release_waits_until_it_has_aged_and_a_newer_one_starts_the_clock_again);
    tcase_add_test(tc, ukiyod_and_ukiyoctl_approve_and_reject);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
