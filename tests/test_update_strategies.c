/*
 * test_update_strategies.c - how updates are taken: a crash at every
 * journal step then reconcile, start-first without a failed request,
 * several containers in dependency order, --cleanup, ukiyoctl update.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ukiyo.h>

#include "testlib.h"
#include "update_helpers.h"

/* ---- crash safety -------------------------------------------------- */

static void crash_at(const char *step, const char *strategy, bool expect_new)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("crash");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                             "--name %s %s >/dev/null",
                             name, ref),
                     0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    int rc = test_sh(&out,
                     "UKIYO_TEST_CRASH_AT=%s \"$UKIYOCTL\" --db %s update --strategy %s "
                     "--min-uptime 1 %s 2>&1",
                     step, db_path, strategy, name);
    ck_assert_msg(rc != 0, "ukiyoctl was not stopped at %s: %s", step, out);
    free(out);
    rc = test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s reconcile 2>&1", db_path);
    ck_assert_msg(rc == 0, "reconcile after %s: %s", step, out);
    ck_assert_msg(strstr(out, "reconciled 1 "), "after %s: %s", step, out);
    free(out);
    assert_one_container_named(name);
    json_t *doc = inspect(name);
    ck_assert_msg(json_is_true(json_object_get(json_object_get(doc, "State"), "Running")),
                  "%s: not running after reconcile", step);
    json_decref(doc);
    out = served(name);
    ck_assert_msg(strcmp(out, expect_new ? "v2\n" : "v1\n") == 0,
                  "after a crash at %s (%s): "
                  "serves %s",
                  step, strategy, out);
    free(out);
    free(name);
    free(ref);
    free(repo);
}

static const struct {
    const char *step;
    const char *strategy;
    bool committed;
} crash_points[] = {
    {"planned", "stop-first", false},    {"create", "stop-first", false},
    {"stop-old", "stop-first", false},   {"rename-old", "stop-first", false},
    {"rename-new", "stop-first", false}, {"start-new", "stop-first", false},
    {"health", "stop-first", false},     {"commit", "stop-first", true},
    {"remove-old", "stop-first", true},  {"start-new", "start-first", false},
    {"health", "start-first", false},    {"commit", "start-first", true},
    {"stop-old", "start-first", true},   {"rename-old", "start-first", true},
    {"rename-new", "start-first", true}, {"remove-old", "start-first", true},
};

START_TEST(a_crash_at_any_step_is_reconciled)
{
    crash_at(crash_points[_i].step, crash_points[_i].strategy, crash_points[_i].committed);
}
END_TEST

/* ---- start-first ---------------------------------------------------- */

/* Update a container a prober keeps asking; returns the prober's log (new). */
static char *probe_an_update(ukiyo_strategy strategy)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *net = test_unique_name("sfnet");
    char *web = test_unique_name("web");
    char *prober = test_unique_name("prober");
    char *logs = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "docker network create --label ukiyo.test=1 %s >/dev/null && "
                             "docker run -d --label ukiyo.test=1 -l ukiyo.strategy=start-first "
                             "--stop-timeout 1 --network %s --network-alias web --name %s %s "
                             ">/dev/null",
                             net, net, web, ref),
                     0);
    /* Each request resolves the service's name afresh, as a client without a DNS cache does. */
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --network %s --name %s "
                             "ukiyo-test/http:v1 /bin/sh -c 'while true; do "
                             "timeout 2 wget -q -O- http://%s:8080/ || echo FAIL; "
                             "sleep 0.05; done' >/dev/null",
                             net, prober, web),
                     0);
    sleep(1);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_result *r = update_with(web, strategy);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ck_assert_str_eq(ukiyo_update_result_strategy(r),
                     strategy == UKIYO_STRATEGY_STOP_FIRST ? "stop-first" : "start-first");
    ukiyo_update_result_free(r);
    sleep(1);
    ck_assert_int_eq(test_sh(&logs, "docker logs %s 2>&1", prober), 0);
    ck_assert_msg(strstr(logs, "v1") && strstr(logs, "v2"), "the prober saw: %.300s", logs);
    /* The network alias followed the update too. */
    char *by_alias = NULL;
    ck_assert_int_eq(test_sh(&by_alias, "docker exec %s wget -q -O- http://web:8080/", prober), 0);
    ck_assert_str_eq(by_alias, "v2\n");
    free(by_alias);
    char *both = NULL;
    ck_assert_int_ge(asprintf(&both, "%s %s", prober, web), 0);
    test_remove_containers(both);
    free(both);
    test_sh(NULL, "docker network rm %s >/dev/null", net);
    free(net);
    free(web);
    free(prober);
    free(ref);
    free(repo);
    return logs;
}

/* GCC 12 takes the strstr() result below for a dangling pointer; it is not. */
#pragma GCC diagnostic ignored "-Wdangling-pointer"
START_TEST(start_first_fails_no_request)
{
    char *logs = probe_an_update(UKIYO_STRATEGY_AUTO); /* the label asks for start-first */
    const char *fail = strstr(logs, "FAIL");
    bool failed = fail != NULL;
    size_t at = failed ? (size_t)(fail - logs) : 0;

    for (char *p = logs; *p; p++)
        if (*p == '\n')
            *p = '|';
    ck_assert_msg(!failed, "a request failed during the update: ...%.300s",
                  logs + (at > 200 ? at - 200 : 0));
    free(logs);
}
END_TEST

START_TEST(the_prober_sees_an_outage)
{
    /* The same prober does report failures when the service is down: it is not blind. */
    char *net = test_unique_name("pnet");
    char *web = test_unique_name("web");
    char *prober = test_unique_name("prober");
    char *logs = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "docker network create --label ukiyo.test=1 %s >/dev/null && "
                             "docker run -d --label ukiyo.test=1 --network %s --name %s "
                             "ukiyo-test/http:v1 >/dev/null && "
                             "docker run -d --label ukiyo.test=1 --network %s --name %s "
                             "ukiyo-test/http:v1 /bin/sh -c 'while true; do "
                             "timeout 2 wget -q -O- http://%s:8080/ || echo FAIL; "
                             "sleep 0.05; done' >/dev/null",
                             net, net, web, net, prober, web),
                     0);
    sleep(1);
    ck_assert_int_eq(test_sh(NULL, "docker kill %s >/dev/null", web), 0);
    sleep(3); /* a request to the vanished address gives up after its 2 s timeout */
    ck_assert_int_eq(test_sh(&logs, "docker logs %s 2>&1", prober), 0);
    ck_assert_msg(strstr(logs, "v1") && strstr(logs, "FAIL"), "the prober saw: %.200s", logs);
    free(logs);
    char *both = NULL;
    ck_assert_int_ge(asprintf(&both, "%s %s", prober, web), 0);
    test_remove_containers(both);
    free(both);
    test_sh(NULL, "docker network rm %s >/dev/null", net);
    free(net);
    free(web);
    free(prober);
}
END_TEST

START_TEST(start_first_is_refused_with_host_ports)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("ports");

    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                             "-p 127.0.0.1::8080 --name %s %s >/dev/null",
                             name, ref),
                     0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_START_FIRST);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ck_assert_str_eq(ukiyo_update_result_strategy(r), "stop-first");
    ukiyo_update_result_free(r);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

/* ---- several containers --------------------------------------------- */

static bool comes_before(ukiyo_string_list *order, const char *a, const char *b)
{
    size_t ia = SIZE_MAX, ib = SIZE_MAX;
    for (size_t i = 0; i < ukiyo_string_list_count(order); i++) {
        if (strcmp(ukiyo_string_list_get(order, i), a) == 0)
            ia = i;
        if (strcmp(ukiyo_string_list_get(order, i), b) == 0)
            ib = i;
    }
    return ia != SIZE_MAX && ib != SIZE_MAX && ia < ib;
}

START_TEST(update_order_follows_dependencies)
{
    char *db = test_unique_name("db"), *app = test_unique_name("app");
    char *side = test_unique_name("side"), *worker = test_unique_name("worker");
    char *web = test_unique_name("web"), *c1 = test_unique_name("c1"), *c2 = test_unique_name("c2");
    ukiyo_string_list *order = NULL;

    ck_assert_int_eq(
        test_sh(NULL,
                "docker run -d --label ukiyo.test=1 --name %s ukiyo-test/http:v1 >/dev/null && "
                "docker run -d --label ukiyo.test=1 --link %s:database --name %s "
                "ukiyo-test/http:v1 >/dev/null && "
                "docker run -d --label ukiyo.test=1 --network container:%s --name %s "
                "ukiyo-test/http:v1 "
                "/bin/busybox sleep 3600 >/dev/null && "
                "docker run -d --label ukiyo.test=1 -l ukiyo.depends-on=%s --name %s "
                "ukiyo-test/http:v1 >/dev/null && "
                "docker run -d --label ukiyo.test=1 -l com.docker.compose.project=%s -l "
                "com.docker.compose.service=web "
                "-l com.docker.compose.depends_on=db:service_started:false --name %s "
                "ukiyo-test/http:v1 >/dev/null",
                db, db, app, app, side, app, worker, db, web),
        0);
    /* The compose service "db" of the same project: give db the labels by recreating it. */
    ck_assert_int_eq(test_sh(NULL,
                             "docker rm -f -v %s >/dev/null && docker run -d --label ukiyo.test=1 "
                             "-l com.docker.compose.project=%s -l com.docker.compose.service=db "
                             "--name %s ukiyo-test/http:v1 >/dev/null",
                             db, db, db),
                     0);
    const char *names[] = {worker, side, web, app, db};
    ck_assert_msg(ukiyo_update_order(&order, u, names, 5) == 0, "%s", ukiyo_error_last());
    ck_assert_uint_eq(ukiyo_string_list_count(order), 5);
    ck_assert(comes_before(order, db, app));     /* link */
    ck_assert(comes_before(order, app, side));   /* container: network mode */
    ck_assert(comes_before(order, app, worker)); /* ukiyo.depends-on */
    ck_assert(comes_before(order, db, web));     /* compose depends_on */
    ukiyo_string_list_free(order);

    char cycle_a[200], cycle_b[200];
    snprintf(cycle_a, sizeof(cycle_a), "-l ukiyo.depends-on=%s", c2);
    snprintf(cycle_b, sizeof(cycle_b), "-l ukiyo.depends-on=%s", c1);
    ck_assert_int_eq(test_sh(NULL,
                             "docker create --label ukiyo.test=1 %s --name %s ukiyo-test/http:v1 "
                             ">/dev/null && docker create --label ukiyo.test=1 %s --name %s "
                             "ukiyo-test/http:v1 >/dev/null",
                             cycle_a, c1, cycle_b, c2),
                     0);
    const char *cyclic[] = {c1, c2};
    order = NULL;
    ck_assert_int_eq(ukiyo_update_order(&order, u, cyclic, 2), UKIYO_ECONFLICT);
    ck_assert_ptr_null(order);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "cycle"));
    const char *unknown[] = {"ukiyo-test-no-such-container"};
    ck_assert_int_eq(ukiyo_update_order(&order, u, unknown, 1), UKIYO_ENOTFOUND);
    free(db);
    free(app);
    free(side);
    free(worker);
    free(web);
    free(c1);
    free(c2);
}
END_TEST

START_TEST(containers_in_an_updated_namespace_follow_it)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *app = test_unique_name("app"), *side = test_unique_name("side");
    char *out = NULL;

    char *side_image = NULL, *side_ref = NULL, *tag_image = NULL;

    /* The sidecar runs the app's reference too: the update moves that tag under it. */
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                             ">/dev/null && docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                             "--network container:%s --name %s %s "
                             "/bin/busybox sleep 3600 >/dev/null",
                             app, ref, app, side, ref),
                     0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_result *r = update_with(app, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    /* The sidecar is reported as its own entry. */
    ck_assert_uint_eq(ukiyo_update_result_follower_count(r), 1);
    const ukiyo_update_result *f = ukiyo_update_result_follower(r, 0);
    ck_assert_str_eq(ukiyo_update_result_container(f), side);
    ck_assert_int_eq(ukiyo_update_result_outcome(f), UKIYO_OUTCOME_UPDATED);
    ck_assert_str_eq(ukiyo_update_result_old_image_id(f), ukiyo_update_result_new_image_id(f));
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(f), "redeployed to follow"));
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(f), app));
    ck_assert_ptr_null(ukiyo_update_result_follower(r, 1));
    /* The sidecar was recreated into the new app's network namespace. */
    ck_assert_int_eq(test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/",
                             side),
                     0);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    assert_one_container_named(side);
    /* On the exact image it ran, under its reference, and the tag stays where the update put it. */
    ck_assert_int_eq(test_sh(&side_image, "docker inspect --format '{{.Image}}' %s | tr -d '\\n'",
                             side),
                     0);
    ck_assert_str_eq(side_image, ukiyo_update_result_old_image_id(r));
    ck_assert_int_eq(test_sh(&side_ref,
                             "docker inspect --format '{{.Config.Image}}' %s | tr -d '\\n'", side),
                     0);
    ck_assert_str_eq(side_ref, ref);
    ck_assert_int_eq(test_sh(&tag_image, "docker inspect --format '{{.Id}}' %s | tr -d '\\n'", ref),
                     0);
    ck_assert_str_eq(tag_image, ukiyo_update_result_new_image_id(r));
    /* And in history, with why. */
    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), side, 0, 0), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
    ck_assert_str_eq(ukiyo_history_entry_outcome(e), "updated");
    ck_assert_ptr_nonnull(strstr(ukiyo_history_entry_reason(e), "redeployed to follow"));
    ukiyo_history_free(h);
    ukiyo_update_result_free(r);
    free(side_image);
    free(side_ref);
    free(tag_image);
    free(app);
    free(side);
    free(ref);
    free(repo);
}
END_TEST

/* Build an image with a layer of its own from @base, pushed as @repo:latest; its ID (new). */
static char *push_unique(const char *base, const char *repo)
{
    char *tag = test_unique_name("uniq");
    char *id = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "printf 'FROM %s\\nRUN echo %s > /unique\\n' | DOCKER_BUILDKIT=0 "
                             "docker build -q -t %s:x - >/dev/null",
                             base, tag, tag),
                     0);
    char local[300];
    snprintf(local, sizeof(local), "%s:x", tag);
    free(test_push(local, repo, "latest"));
    ck_assert_int_eq(test_sh(&id, "docker inspect --format '{{.Id}}' %s | tr -d '\\n'", local), 0);
    /* Only the registry's tag refers to it now. */
    ck_assert_int_eq(test_sh(NULL, "docker rmi %s >/dev/null", local), 0);
    free(tag);
    return id;
}

START_TEST(cleanup_removes_the_image_two_updates_back)
{
    char *name_part = test_unique_name("clean");
    char repo[300], ref[400];
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", name_part);
    snprintf(ref, sizeof(ref), "%s/%s:latest", test_registry(), repo);
    char *first = push_unique("ukiyo-test/http:v1", repo);
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s "
                             "%s >/dev/null",
                             name_part, ref),
                     0);
    opts.cleanup = 1;
    opts.min_uptime_s = 1;
    char *second = push_unique("ukiyo-test/http:v2", repo);
    ck_assert_int_eq(ukiyo_update(&r, u, name_part, &opts), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    /* One update back: kept for rollback. */
    ck_assert_int_eq(test_sh(NULL, "docker image inspect %s >/dev/null 2>&1", first), 0);
    char *third = push_unique("ukiyo-test/http:v1", repo);
    ck_assert_int_eq(ukiyo_update(&r, u, name_part, &opts), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    ck_assert_int_ne(test_sh(NULL, "docker image inspect %s >/dev/null 2>&1", first), 0);
    ck_assert_int_eq(test_sh(NULL, "docker image inspect %s >/dev/null 2>&1", second), 0);
    test_remove_containers(name_part);
    test_sh(NULL, "docker rmi %s %s %s >/dev/null 2>&1", ref, second, third);
    free(first);
    free(second);
    free(third);
    free(name_part);
}
END_TEST

START_TEST(ukiyoctl_update_reports_each_container)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *a = test_unique_name("a"), *b = test_unique_name("b");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                             ">/dev/null && docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                             "--link %s:upstream --name %s %s >/dev/null",
                             a, ref, a, b, ref),
                     0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    int rc = test_sh(&out,
                     "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s update --json "
                     "--min-uptime 1 %s %s",
                     db_path, b, a);
    ck_assert_msg(rc == 0, "ukiyoctl update: %d: %s", rc, out);
    json_t *doc = json_loads(out, 0, NULL);
    ck_assert_msg(json_array_size(doc) == 2, "%s", out);
    /*
     * a first: b links to it. b is in the same batch, so it is updated with a,
     * once, onto its own newest image (not recreated on its old one and then
     * again in its turn).
     */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "name")), a);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "outcome")),
                     "updated");
    json_t *follower = json_array_get(doc, 1);
    ck_assert_str_eq(json_string_value(json_object_get(follower, "name")), b);
    ck_assert_str_eq(json_string_value(json_object_get(follower, "follows")), a);
    ck_assert_str_eq(json_string_value(json_object_get(follower, "outcome")), "updated");
    ck_assert_str_eq(json_string_value(json_object_get(follower, "new_image_id")),
                     json_string_value(json_object_get(json_array_get(doc, 0), "new_image_id")));
    ck_assert_msg(strstr(json_string_value(json_object_get(follower, "reason")), "updated with"),
                  "%s", out);
    char *served_b = NULL;
    ck_assert_int_eq(test_sh(&served_b, "docker exec %s wget -qO- http://upstream:8080/", b), 0);
    ck_assert_str_eq(served_b, "v2\n"); /* the link reaches the new a */
    free(served_b);
    json_decref(doc);
    free(out);
    rc = test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s history %s", db_path, a);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "updated"));
    free(out);
    rc = test_sh(&out, "\"$UKIYOCTL\" --db %s update 2>&1", db_path);
    ck_assert_int_eq(rc, 2); /* neither names nor --all */
    free(out);
    free(a);
    free(b);
    free(ref);
    free(repo);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update-strategies");

    TCase *crash = tcase_create("crash");
    tcase_add_checked_fixture(crash, update_setup, update_teardown);
    tcase_set_timeout(crash, 300);
    tcase_add_loop_test(crash, a_crash_at_any_step_is_reconciled, 0,
                        (int)(sizeof(crash_points) / sizeof(crash_points[0])));
    suite_add_tcase(s, crash);

    TCase *start_first = tcase_create("start-first");
    tcase_add_checked_fixture(start_first, update_setup, update_teardown);
    tcase_set_timeout(start_first, 300);
    tcase_add_test(start_first, start_first_fails_no_request);
    tcase_add_test(start_first, start_first_is_refused_with_host_ports);
    tcase_add_test(start_first, the_prober_sees_an_outage);
    suite_add_tcase(s, start_first);

    TCase *several = tcase_create("several");
    tcase_add_checked_fixture(several, update_setup, update_teardown);
    tcase_set_timeout(several, 300);
    tcase_add_test(several, update_order_follows_dependencies);
    tcase_add_test(several, containers_in_an_updated_namespace_follow_it);
    tcase_add_test(several, cleanup_removes_the_image_two_updates_back);
    tcase_add_test(several, ukiyoctl_update_reports_each_container);
    suite_add_tcase(s, several);
    return test_run_suite(s);
}
