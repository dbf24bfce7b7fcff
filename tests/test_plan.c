/*
 * test_plan.c - a container's plan: durations, what its labels and the
 * handle's defaults make of its policy, window and polls, and the
 * injectable clock the plan is read at. Containers come from stored
 * inspect documents (tests/data/inspect); needs nothing running.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_private.h"
#include "plan.h"
#include "store_internal.h"
#include "testlib.h"

START_TEST(durations)
{
    static const struct {
        const char *text;
        int64_t ms;
    } ok[] = {{"90", 90000},    {"30s", 30000},     {"15m", 900000},       {"2h", 7200000},
              {"1d", 86400000}, {"1h30m", 5400000}, {"1d2h3m4s", 93784000}};
    static const char *const bad[] = {"",    "0",    "0s",   "-5m",  "5x",
                                      "m",   "1.5h", "5m1h", "400d", "99999999999999999999",
                                      "1h ", " 1h"};
    int64_t ms;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ck_assert_msg(ukiyo_duration_parse(ok[i].text, &ms) == 0, "%s", ok[i].text);
        ck_assert_int_eq(ms, ok[i].ms);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(ukiyo_duration_parse(bad[i], &ms) == UKIYO_EINVAL, "%s", bad[i]);
}
END_TEST

/* ---- the scheduler's clock --------------------------------------------------- */

static int64_t fake_now;

static int64_t fake_clock(void *payload)
{
    (void)payload;
    return fake_now;
}

START_TEST(the_clock_is_injectable)
{
    char db[] = "/tmp/ukiyo-test-sched-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(db));
    char *path = NULL;
    ck_assert_int_ge(asprintf(&path, "%s/ukiyo.db", db), 0);
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    opts.db_path = path;
    opts.clock_ms = fake_clock;
    opts.schedule = "0 3 * * *";
    fake_now = test_ms_of("2030-01-01T00:00:00Z");
    ukiyo *u = NULL;
    ck_assert_int_eq(ukiyo_open(&u, &opts), 0);
    ck_assert_int_eq(ukiyo_now_ms(u), fake_now);
    int64_t due = 0;
    /* Never looked at the containers yet: due at once. */
    ck_assert_int_eq(ukiyo_scheduler_next_due(u, &due), 0);
    ck_assert_int_eq(due, fake_now);
    ukiyo_close(u);

    opts.schedule = "0 3 * *";
    ck_assert_int_eq(ukiyo_open(&u, &opts), UKIYO_EINVAL);
    ck_assert_msg(strstr(ukiyo_error_last(), "expected five fields"), "%s", ukiyo_error_last());
    test_sh(NULL, "rm -rf %s", db);
    free(path);
}
END_TEST

/* ---- plans from labels --------------------------------------------------- */

static int64_t plan_now;

static int64_t plan_clock(void *payload)
{
    (void)payload;
    return plan_now;
}

/* The stored "plain" container with @labels ("k=v" pairs, NULL-ended) added. */
static ukiyo_container *container_with(const char *const *labels)
{
    char *text = test_data_read("inspect/plain.json");
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    ck_assert_ptr_nonnull(doc);
    json_t *map = json_object_get(json_object_get(doc, "Config"), "Labels");
    for (const char *const *l = labels; l && *l; l++) {
        const char *eq = strchr(*l, '=');
        char *key = strndup(*l, (size_t)(eq - *l));
        json_object_set_new(map, key, json_string(eq + 1));
        free(key);
    }
    ukiyo_container *c = ukiyo__container_from_json(doc, true);
    ck_assert_ptr_nonnull(c);
    return c;
}

static ukiyo *open_with(const char *schedule, int64_t poll_ms)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;
    opts.clock_ms = plan_clock;
    opts.schedule = schedule;
    opts.poll_interval_ms = poll_ms;
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
    return u;
}

START_TEST(labels_make_the_plan)
{
    static const char *const labels[] = {"ukiyo.policy=minor", "ukiyo.schedule=0 3 * * *",
                                         "ukiyo.poll=15m", NULL};
    ukiyo *u = open_with(NULL, 0);
    ukiyo_container *c = container_with(labels);
    ukiyo_plan *p = NULL;

    plan_now = test_ms_of("2030-01-01T02:00:00Z");
    ck_assert_int_eq(ukiyo_plan_get(&p, u, c), 0);
    ck_assert_ptr_null(ukiyo_plan_error(p));
    ck_assert_str_eq(ukiyo_plan_policy(p), "minor");
    ck_assert_str_eq(ukiyo_plan_window(p), "0 3 * * *");
    ck_assert_int_eq(ukiyo_plan_window_open(p), 0);
    ck_assert_int_eq(ukiyo_plan_window_next_ms(p), test_ms_of("2030-01-01T03:00:00Z"));
    ck_assert_int_eq(ukiyo_plan_poll_interval_ms(p), 15 * 60 * 1000);
    ukiyo_plan_free(p);

    /* Inside the window it is open. */
    plan_now = test_ms_of("2030-01-01T03:00:30Z");
    ck_assert_int_eq(ukiyo_plan_get(&p, u, c), 0);
    ck_assert_int_eq(ukiyo_plan_window_open(p), 1);
    ukiyo_plan_free(p);
    ukiyo_container_free(c);
    ukiyo_close(u);
}
END_TEST

START_TEST(without_labels_the_defaults_apply)
{
    ukiyo *u = open_with("30 4 * * 0", 6 * 3600 * 1000LL);
    ukiyo_container *c = container_with(NULL);
    ukiyo_plan *p = NULL;

    plan_now = test_ms_of("2030-01-01T00:00:00Z");
    ck_assert_int_eq(ukiyo_plan_get(&p, u, c), 0);
    ck_assert_ptr_null(ukiyo_plan_error(p));
    ck_assert_str_eq(ukiyo_plan_policy(p), "digest");
    ck_assert_str_eq(ukiyo_plan_window(p), "30 4 * * 0");
    ck_assert_int_eq(ukiyo_plan_poll_interval_ms(p), 6 * 3600 * 1000LL);
    ukiyo_plan_free(p);
    ukiyo_container_free(c);
    ukiyo_close(u);

    /* No window at all: always open. */
    u = open_with(NULL, 0);
    c = container_with(NULL);
    ck_assert_int_eq(ukiyo_plan_get(&p, u, c), 0);
    ck_assert_ptr_null(ukiyo_plan_window(p));
    ck_assert_int_eq(ukiyo_plan_window_open(p), 1);
    ck_assert_int_eq(ukiyo_plan_poll_interval_ms(p), 0);
    ukiyo_plan_free(p);
    ukiyo_container_free(c);
    ukiyo_close(u);
}
END_TEST

START_TEST(a_bad_label_is_the_plans_error)
{
    static const struct {
        const char *label, *names;
    } cases[] = {
        {"ukiyo.policy=minr", "ukiyo.policy"},
        {"ukiyo.schedule=0 3 * *", "ukiyo.schedule"},
        {"ukiyo.poll=abc", "ukiyo.poll"},
        {"ukiyo.poll=0", "ukiyo.poll"},
        {"ukiyo.strategy=start-frist", "ukiyo.strategy"},
        {"ukiyo.monitor-only=yes", "ukiyo.monitor-only"},
        {"ukiyo.self=1", "ukiyo.self"},
        {"ukiyo.enable=TRUE", "ukiyo.enable"},
        {"com.centurylinklabs.watchtower.enable=yes", "watchtower.enable"},
        {"ukiyo.health-timeout=abc", "ukiyo.health-timeout"},
        {"ukiyo.min-uptime=-5", "ukiyo.min-uptime"},
        {"ukiyo.min-uptime=10x", "ukiyo.min-uptime"},
    };
    ukiyo *u = open_with(NULL, 0);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *const labels[] = {cases[i].label, NULL};
        ukiyo_container *c = container_with(labels);
        ukiyo_plan *p = NULL;
        ck_assert_int_eq(ukiyo_plan_get(&p, u, c), 0);
        ck_assert_msg(ukiyo_plan_error(p) && strstr(ukiyo_plan_error(p), cases[i].names), "%s: %s",
                      cases[i].label, ukiyo_plan_error(p) ? ukiyo_plan_error(p) : "(no error)");
        ukiyo_plan_free(p);
        ukiyo_container_free(c);
    }
    /* The documented forms parse. */
    static const char *const good[] = {"ukiyo.strategy=start-first", "ukiyo.monitor-only=false",
                                       "ukiyo.health-timeout=60s",   "ukiyo.min-uptime=90",
                                       "ukiyo.enable=true",          NULL};
    ukiyo_container *fine = container_with(good);
    ukiyo_plan *fine_plan = NULL;
    ck_assert_int_eq(ukiyo_plan_get(&fine_plan, u, fine), 0);
    ck_assert_msg(!ukiyo_plan_error(fine_plan), "%s", ukiyo_plan_error(fine_plan));
    ukiyo_plan_free(fine_plan);
    ukiyo_container_free(fine);
    /* Polls can be turned off by label. */
    static const char *const off[] = {"ukiyo.poll=off", NULL};
    ukiyo_close(u);
    u = open_with(NULL, 3600 * 1000);
    ukiyo_container *c = container_with(off);
    ukiyo_plan *p = NULL;
    ck_assert_int_eq(ukiyo_plan_get(&p, u, c), 0);
    ck_assert_ptr_null(ukiyo_plan_error(p));
    ck_assert_int_eq(ukiyo_plan_poll_interval_ms(p), 0);
    ukiyo_plan_free(p);
    ukiyo_container_free(c);
    ukiyo_close(u);
}
END_TEST

/* ---- one decision for every trigger ------------------------------------ */

/* What the plan decides for the plain container with @labels and @trigger at plan_now. */
static plan_decision decide(ukiyo *u, const char *const *labels, plan_trigger trigger,
                            const char *digest)
{
    ukiyo_container *c = container_with(labels);
    plan_request req = {.trigger = trigger, .digest = digest, .now_ms = plan_now};
    plan_decision d;

    ck_assert_int_eq(ukiyo__plan_decide(u, c, &req, &d), 0);
    ukiyo_container_free(c);
    return d;
}

START_TEST(one_decision_for_every_trigger)
{
    static const char *const closed[] = {"ukiyo.schedule=0 3 * * *", NULL};
    static const char *const bad[] = {"ukiyo.policy=minr", NULL};
    static const char *const monitor[] = {"ukiyo.monitor-only=true", NULL};
    static const char *const never[] = {"ukiyo.policy=never", NULL};
    static const char *const self[] = {"ukiyo.self=true", NULL};
    static const struct {
        const char *const *labels;
        plan_trigger trigger;
        plan_action action;
        plan_skip skip;
    } cases[] = {
        /* A closed window holds a push; a person and a check pass it by. */
        {closed, UKIYO__TRIGGER_PUSH, UKIYO__PLAN_WAIT, UKIYO__SKIP_NONE},
        {closed, UKIYO__TRIGGER_PERSON, UKIYO__PLAN_GO, UKIYO__SKIP_NONE},
        {closed, UKIYO__TRIGGER_CHECK, UKIYO__PLAN_GO, UKIYO__SKIP_NONE},
        /* A label that does not parse: left alone on every path. */
        {bad, UKIYO__TRIGGER_PUSH, UKIYO__PLAN_SKIP, UKIYO__SKIP_LABEL},
        {bad, UKIYO__TRIGGER_PERSON, UKIYO__PLAN_SKIP, UKIYO__SKIP_LABEL},
        {bad, UKIYO__TRIGGER_CHECK, UKIYO__PLAN_SKIP, UKIYO__SKIP_LABEL},
        {bad, UKIYO__TRIGGER_RECREATE, UKIYO__PLAN_SKIP, UKIYO__SKIP_LABEL},
        /* monitor-only and never: no update on any trigger; a check still looks. */
        {monitor, UKIYO__TRIGGER_PUSH, UKIYO__PLAN_SKIP, UKIYO__SKIP_MONITOR_ONLY},
        {monitor, UKIYO__TRIGGER_FORCED, UKIYO__PLAN_SKIP, UKIYO__SKIP_MONITOR_ONLY},
        {monitor, UKIYO__TRIGGER_CHECK, UKIYO__PLAN_GO, UKIYO__SKIP_NONE},
        {never, UKIYO__TRIGGER_PERSON, UKIYO__PLAN_SKIP, UKIYO__SKIP_NEVER},
        {never, UKIYO__TRIGGER_WINDOW, UKIYO__PLAN_SKIP, UKIYO__SKIP_NEVER},
        {never, UKIYO__TRIGGER_RECREATE, UKIYO__PLAN_GO, UKIYO__SKIP_NONE},
        {self, UKIYO__TRIGGER_PERSON, UKIYO__PLAN_SKIP, UKIYO__SKIP_SELF},
        {self, UKIYO__TRIGGER_RECREATE, UKIYO__PLAN_SKIP, UKIYO__SKIP_SELF},
        {NULL, UKIYO__TRIGGER_PUSH, UKIYO__PLAN_GO, UKIYO__SKIP_NONE},
    };
    ukiyo *u = open_with(NULL, 0);

    plan_now = test_ms_of("2030-01-01T02:00:00Z");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        plan_decision d = decide(u, cases[i].labels, cases[i].trigger, NULL);
        ck_assert_msg(d.action == cases[i].action && d.skip == cases[i].skip,
                      "case %zu: action %d skip %d (%s)", i, d.action, d.skip,
                      d.reason ? d.reason : "");
        if (d.action == UKIYO__PLAN_GO)
            ck_assert_str_eq(d.target, "ukiyo-test/http:v2"); /* its own reference */
        if (d.action == UKIYO__PLAN_WAIT)
            ck_assert_int_eq(d.wait_until_ms, test_ms_of("2030-01-01T03:00:00Z"));
        ukiyo__plan_decision_clear(&d);
    }
    ukiyo_close(u);
}
END_TEST

/* A release rolled back for the container: skipped wherever its digest is known, unless forced. */
START_TEST(a_rejected_digest_is_skipped_unless_forced)
{
    char dir[] = "/tmp/ukiyo-test-plan-XXXXXX", *path = NULL;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_ge(asprintf(&path, "%s/ukiyo.db", dir), 0);
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    opts.db_path = path;
    opts.clock_ms = plan_clock;
    ukiyo *u = NULL;
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
    ukiyo_container *c = container_with(NULL);
    store_rejection r = {.container = (char *)ukiyo_container_name(c),
                         .image_ref = "ukiyo-test/http:v2",
                         .image_id = "sha256:bad",
                         .digest = "sha256:0123",
                         .reason = "exit code 3"};
    ck_assert_int_eq(ukiyo__store_reject(ukiyo_get_store(u), &r), 0);
    ukiyo_container_free(c);

    static const plan_trigger skipping[] = {UKIYO__TRIGGER_CHECK, UKIYO__TRIGGER_PERSON,
                                            UKIYO__TRIGGER_PUSH, UKIYO__TRIGGER_WINDOW};
    for (size_t i = 0; i < sizeof(skipping) / sizeof(skipping[0]); i++) {
        plan_decision d = decide(u, NULL, skipping[i], "sha256:0123");
        ck_assert_int_eq(d.skip, UKIYO__SKIP_REJECTED);
        ck_assert_msg(strstr(d.reason, "exit code 3"), "%s", d.reason);
        ukiyo__plan_decision_clear(&d);
    }
    plan_decision d = decide(u, NULL, UKIYO__TRIGGER_FORCED, "sha256:0123");
    ck_assert_int_eq(d.action, UKIYO__PLAN_GO);
    ukiyo__plan_decision_clear(&d);
    d = decide(u, NULL, UKIYO__TRIGGER_PUSH, "sha256:4567"); /* a newer one */
    ck_assert_int_eq(d.action, UKIYO__PLAN_GO);
    ukiyo__plan_decision_clear(&d);
    ukiyo_close(u);
    test_sh(NULL, "rm -rf %s", dir);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("durations and the clock");

    tcase_add_test(tc, durations);
    tcase_add_test(tc, the_clock_is_injectable);
    suite_add_tcase(s, tc);
    tc = tcase_create("plans from labels");
    tcase_add_test(tc, labels_make_the_plan);
    tcase_add_test(tc, without_labels_the_defaults_apply);
    tcase_add_test(tc, a_bad_label_is_the_plans_error);
    suite_add_tcase(s, tc);
    tc = tcase_create("one decision");
    tcase_add_test(tc, one_decision_for_every_trigger);
    tcase_add_test(tc, a_rejected_digest_is_skipped_unless_forced);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
