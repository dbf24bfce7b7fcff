/*
 * test_swarm.c - swarm services on a real single-node swarm: updated by
 * ukiyoctl and by a registry notification to ukiyod, every task on the new
 * digest; a release whose tasks exit rolled back by the engine, recorded
 * and rejected; the spec afterwards equal to the one before but for its
 * image (secrets, configs, mounts, networks, constraints, resources); a
 * digest-pinned service left alone; an image the registry does not have;
 * ukiyod killed in the middle of an update and reconciled at its restart.
 *
 * The suite makes the swarm (docker swarm init --advertise-addr 127.0.0.1)
 * when the engine is in none, and leaves it again at the end only then.
 * Every service, network, secret and config it makes is named after the
 * run and labelled ukiyo.test, and removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <ukiyo.h>

#include "daemon_helpers.h"
#include "testlib.h"

static bool made_swarm;
static char db_path[256];

/* The suite's swarm: made when the engine is in none. */
static void swarm_up(void)
{
    char *state = NULL;

    test_require_engine();
    test_sh(&state, "docker info --format '{{.Swarm.LocalNodeState}}'");
    if (state && strncmp(state, "inactive", 8) == 0) {
        ck_assert_msg(test_sh(NULL, "docker swarm init --advertise-addr 127.0.0.1 >/dev/null") == 0,
                      "cannot make a swarm");
        made_swarm = true;
    }
    free(state);
}

/* Services first (their tasks' containers go with them), then what they used. */
static void remove_swarm_objects(void)
{
    char *prefix = test_unique_name("");
    /* ukiyo-test-<run>-<pid>-<n>- -> ukiyo-test-<run>-: every process of the run */
    char *dash = strchr(prefix + strlen("ukiyo-test-"), '-');
    if (dash)
        dash[1] = '\0';
    test_sh(NULL,
            "s=$(docker service ls -q --filter label=ukiyo.test --filter name=%s 2>/dev/null); "
            "[ -z \"$s\" ] || docker service rm $s >/dev/null; "
            "for i in $(seq 1 60); do "
            "  [ -z \"$(docker ps -aq --filter label=ukiyo.test --filter name=%s)\" ] && break; "
            "  sleep 0.5; done; "
            "for k in secret config; do "
            "  o=$(docker $k ls -q --filter label=ukiyo.test --filter name=%s 2>/dev/null); "
            "  [ -z \"$o\" ] || docker $k rm $o >/dev/null; done; "
            /* An overlay network is in use a little while after its last task went. */
            "for i in $(seq 1 20); do "
            "  n=$(docker network ls -q --filter label=ukiyo.test --filter name=%s); "
            "  [ -z \"$n\" ] && break; docker network rm $n >/dev/null 2>&1; sleep 0.5; done; "
            "true",
            prefix, prefix, prefix, prefix);
    free(prefix);
}

static void swarm_down(void)
{
    remove_swarm_objects();
    test_cleanup();
    if (made_swarm)
        test_sh(NULL, "docker swarm leave --force >/dev/null");
}

static void setup(void)
{
    char *name = test_unique_name("swarm.db");
    snprintf(db_path, sizeof(db_path), "/tmp/%s", name);
    free(name);
}

static void teardown(void)
{
    remove_swarm_objects();
    test_sh(NULL, "rm -f %s %s-wal %s-shm", db_path, db_path, db_path);
}

/* ---- helpers -------------------------------------------------------------- */

/* A service on @ref, converged before this returns; @flags are more `service create` flags. */
static char *make_service(const char *word, const char *ref, const char *flags)
{
    char *name = test_unique_name(word);
    ck_assert_msg(test_sh(NULL,
                          "docker service create -q --detach=false --name %s --label ukiyo.test=1 "
                          "--container-label ukiyo.test=1 --update-delay 0s --update-monitor 2s "
                          "%s %s >/dev/null",
                          name, flags ? flags : "", ref) == 0,
                  "cannot create service %s", name);
    return name;
}

/* The first line a shell command prints (new; "" when none). */
static char *sh_out(const char *fmt, const char *arg)
{
    char *cmd = NULL, *out = NULL;
    /* @fmt is one of this file's own, with one %s for @arg. */
    const char *hole = strstr(fmt, "%s");
    ck_assert_ptr_nonnull(hole);
    ck_assert_int_ge(asprintf(&cmd, "%.*s%s%s", (int)(hole - fmt), fmt, arg, hole + 2), 0);
    test_sh(&out, "%s", cmd);
    free(cmd);
    if (out)
        out[strcspn(out, "\n")] = '\0';
    return out ? out : strdup("");
}

static char *spec_image(const char *service)
{
    return sh_out("docker service inspect %s --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}'",
                  service);
}

/* The registry's digest of @ref, by the pushing engine's own words. */
static char *registry_digest(const char *ref)
{
    return sh_out("docker inspect --format '{{index .RepoDigests 0}}' %s | sed 's/.*@//'", ref);
}

/* Every running task of @service on @image, and serving @want (through its own container). */
static void expect_tasks(const char *service, const char *image, const char *want, int replicas)
{
    char *out = NULL;
    test_sh(&out,
            "for t in $(docker service ps -q --filter desired-state=running %s); do "
            "  docker inspect --format '{{.Spec.ContainerSpec.Image}} {{.Status.State}} "
            "{{.Status.ContainerStatus.ContainerID}}' $t; done",
            service);
    int count = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char img[512], state[32], id[80];
        ck_assert_int_eq(sscanf(line, "%511s %31s %79s", img, state, id), 3);
        ck_assert_msg(strcmp(img, image) == 0, "task on %s, not %s", img, image);
        ck_assert_str_eq(state, "running");
        char *served = NULL;
        test_sh(&served, "docker exec %s wget -qO- http://127.0.0.1:8080/", id);
        ck_assert_msg(served && strncmp(served, want, strlen(want)) == 0, "task %s serves %s", id,
                      served ? served : "nothing");
        free(served);
        count++;
    }
    ck_assert_int_eq(count, replicas);
    free(out);
}

/* ukiyoctl (the test build) with the suite's store; its output (new) and status. */
static int ctl(char **out, const char *args)
{
    return test_sh(out, "\"$UKIYOCTL\" --db %s %s 2>&1", db_path, args);
}

/* Does JSON text @out (compact or indented) hold "key": "value"? */
static bool has(const char *out, const char *key, const char *value)
{
    char compact[256], spaced[256];
    snprintf(compact, sizeof(compact), "\"%s\":\"%s\"", key, value);
    snprintf(spaced, sizeof(spaced), "\"%s\": \"%s\"", key, value);
    return out && (strstr(out, compact) || strstr(out, spaced));
}

/* ---- the tests ------------------------------------------------------------ */

START_TEST(ukiyoctl_updates_a_service_to_the_new_digest)
{
    char *repo = test_unique_name("web");
    char *ref = test_push("ukiyo-test/http:v1", repo, "1");
    char *name = make_service("web", ref, "--replicas 2 --publish 18000:8080");
    char *before = spec_image(name);
    ck_assert_msg(strstr(before, "@sha256:"), "the CLI pins the digest: %s", before);

    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "check service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "service") && strstr(out, "up-to-date"), "%s", out);
    free(out);

    free(test_push("ukiyo-test/http:v2", repo, "1"));
    char *digest = registry_digest(ref);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "update-available"), "%s", out);
    free(out);

    snprintf(arg, sizeof(arg), "--json update service/%s", name);
    ck_assert_msg(ctl(&out, arg) == 0, "%s", out);
    ck_assert_msg(has(out, "outcome", "updated") && has(out, "strategy", "swarm"), "%s", out);
    free(out);
    char *after = spec_image(name);
    char want[512];
    snprintf(want, sizeof(want), "%s@%s", ref, digest);
    ck_assert_str_eq(after, want);
    expect_tasks(name, want, "v2", 2);

    /* ps lists it with its kind; history has it. */
    ctl(&out, "ps");
    ck_assert_msg(strstr(out, "KIND") && strstr(out, name) && strstr(out, "replicated"), "%s", out);
    free(out);
    snprintf(arg, sizeof(arg), "--json history service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    /* Again: nothing new. */
    snprintf(arg, sizeof(arg), "update service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "fresh") || strstr(out, "up to date"), "%s", out);
    free(out);
    free(before);
    free(after);
    free(digest);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(a_release_whose_tasks_exit_is_rolled_back_and_rejected)
{
    char *repo = test_unique_name("bad");
    char *ref = test_push("ukiyo-test/http:v1", repo, "1");
    /* The default FailureAction: pause; the monitor long enough to see an exit after 3 s. */
    char *name = make_service("bad", ref, "--replicas 2 --update-monitor 6s");
    char *before = spec_image(name);

    free(test_push("ukiyo-test/crashes:latest", repo, "1"));
    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "--json update service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "rolled-back") && strstr(out, "non-zero exit (7)"), "%s",
                  out);
    free(out);
    char *after = spec_image(name);
    ck_assert_str_eq(after, before);
    expect_tasks(name, before, "v1", 2);

    /* Remembered: not tried again, check says rejected; --force tries it. */
    snprintf(arg, sizeof(arg), "update service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "rejected"), "%s", out);
    free(out);
    snprintf(arg, sizeof(arg), "check service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "rejected"), "%s", out);
    free(out);
    snprintf(arg, sizeof(arg), "--json history service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "rolled-back"), "%s", out);
    free(out);
    free(after);
    free(before);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

/* The spec, as JSON, without what an update changes (the image) or the engine keeps. */
static json_t *spec_without_image(const char *service)
{
    char *out = NULL;
    test_sh(&out, "docker service inspect %s --format '{{json .Spec}}'", service);
    json_t *spec = json_loads(out ? out : "", 0, NULL);
    ck_assert_msg(spec, "no spec: %s", out);
    json_object_del(json_object_get(json_object_get(spec, "TaskTemplate"), "ContainerSpec"),
                    "Image");
    free(out);
    return spec;
}

START_TEST(only_the_image_changes_in_a_rich_spec)
{
    char *repo = test_unique_name("rich");
    char *ref = test_push("ukiyo-test/http:v1", repo, "1");
    char *secret = test_unique_name("secret"), *config = test_unique_name("config");
    char *net1 = test_unique_name("front"), *net2 = test_unique_name("back");
    char *vol = test_unique_name("data");
    ck_assert_int_eq(test_sh(NULL,
                             "echo s3cret | docker secret create --label ukiyo.test=1 %s - "
                             ">/dev/null && echo conf | docker config create --label ukiyo.test=1 "
                             "%s - >/dev/null && docker network create -d overlay --label "
                             "ukiyo.test=1 %s >/dev/null && docker network create -d overlay "
                             "--label ukiyo.test=1 %s >/dev/null",
                             secret, config, net1, net2),
                     0);
    char flags[2048];
    snprintf(flags, sizeof(flags),
             "--replicas 1 --secret %s --config source=%s,target=/etc/app.conf --mount "
             "type=volume,source=%s,target=/data,volume-label=ukiyo.test=1 --network %s --network "
             "%s --constraint node.role==manager --limit-memory 64M --reserve-cpu 0.01 --env A=1 "
             "--label ukiyo.policy=digest --update-order start-first",
             secret, config, vol, net1, net2);
    char *name = make_service("rich", ref, flags);
    json_t *before = spec_without_image(name);

    free(test_push("ukiyo-test/http:v2", repo, "1"));
    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "--json update service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    json_t *after = spec_without_image(name);
    char *b = json_dumps(before, JSON_SORT_KEYS), *a = json_dumps(after, JSON_SORT_KEYS);
    ck_assert_msg(json_equal(before, after), "before: %s\nafter:  %s", b, a);
    free(a);
    free(b);
    json_decref(before);
    json_decref(after);
    char *digest = registry_digest(ref), want[512];
    snprintf(want, sizeof(want), "%s@%s", ref, digest);
    expect_tasks(name, want, "v2", 1);

    remove_swarm_objects(); /* the networks too */
    test_sh(NULL, "docker volume rm %s >/dev/null 2>&1", vol);
    free(digest);
    free(name);
    free(vol);
    free(net2);
    free(net1);
    free(config);
    free(secret);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(a_digest_pinned_service_is_left_alone_and_a_missing_image_fails_untouched)
{
    char *repo = test_unique_name("pin");
    char *ref = test_push("ukiyo-test/http:v1", repo, "1");
    char *digest = registry_digest(ref), pinned[512];
    /* repo@sha256: without the tag. */
    snprintf(pinned, sizeof(pinned), "%s/%s@%s", test_registry(), repo, digest);
    char *name = make_service("pin", pinned, "--replicas 1");
    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "--json update service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "skipped") && strstr(out, "pinned to a digest"), "%s", out);
    free(out);

    /* A tag the registry does not have (the service was made with --no-resolve-image). */
    char missing[512];
    snprintf(missing, sizeof(missing), "%s/%s:nosuchtag", test_registry(), repo);
    char *gone = make_service("gone", missing, "--replicas 0 --no-resolve-image");
    char *before = spec_image(gone);
    snprintf(arg, sizeof(arg), "--json update service/%s", gone);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "failed") && strstr(out, "untouched"), "%s", out);
    free(out);
    char *after = spec_image(gone);
    ck_assert_str_eq(after, before);
    /* An unknown service is named as such. */
    ck_assert_int_ne(ctl(&out, "update service/ukiyo-test-no-such-service"), 0);
    ck_assert_msg(strstr(out, "no such service"), "%s", out);
    free(out);
    free(after);
    free(before);
    free(gone);
    free(name);
    free(digest);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(ukiyod_updates_a_global_service_on_a_notification)
{
    char *repo = test_unique_name("glob");
    char *ref = test_push("ukiyo-test/http:v1", repo, "1");
    int port = test_free_port();
    char flags[256];
    snprintf(flags, sizeof(flags), "--mode global --publish mode=host,published=%d,target=8080",
             port);
    char *name = make_service("glob", ref, flags);
    daemon_proc d = {0};
    start_daemon(&d, "");

    reply r = api(&d, "/api/v1/services");
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, name) && has(r.body, "mode", "global"), "%s", r.body);
    free(r.body);

    free(test_push("ukiyo-test/http:v2", repo, "1"));
    char *job = webhook_job(&d, ref);
    ck_assert_msg(has(job, "outcome", "updated") && strstr(job, "service/"), "%s", job);
    free(job);
    char url[64], *served = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    for (int i = 0; i < 60; i++) {
        free(served);
        served = NULL;
        test_sh(&served, "curl -s -m 2 %s", url);
        if (served && strncmp(served, "v2", 2) == 0)
            break;
        usleep(500 * 1000);
    }
    ck_assert_msg(served && strncmp(served, "v2", 2) == 0, "the port serves %s",
                  served ? served : "nothing");
    free(served);

    /* The services' routes: check answers, an unknown one is 404. */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/services/%s/check", name);
    r = api(&d, path);
    ck_assert_msg(r.status == 200 && has(r.body, "kind", "service") && strstr(r.body, "up-to-date"),
                  "%ld %s", r.status, r.body);
    free(r.body);
    expect_status(api_send(&d, "POST", "/api/v1/services/ukiyo-test-nosuch/update", NULL), 404,
                  "no service");
    stop_daemon(&d);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(ukiyod_killed_during_a_service_update_is_reconciled_at_restart)
{
    char *repo = test_unique_name("cut");
    char *ref = test_push("ukiyo-test/http:v1", repo, "1");
    char *name = make_service("cut", ref, "--replicas 1");
    daemon_proc d = {.env = "UKIYO_TEST_CRASH_AT=service-wait"};
    start_daemon(&d, "");

    free(test_push("ukiyo-test/http:v2", repo, "1"));
    post_generic(&d, ref);
    /* The spec is posted, then the process dies as a power cut would. */
    ck_assert_int_eq(signal_daemon(&d, 0), -1);
    d.env = NULL;
    start_daemon(&d, "");
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/history?container=service/%s", name);
    reply r = api(&d, path);
    ck_assert_msg(r.status == 200 && has(r.body, "outcome", "updated") &&
                      strstr(r.body, "reconcile"),
                  "%ld %s", r.status, r.body);
    free(r.body);
    char *digest = registry_digest(ref), want[512], *after = spec_image(name);
    snprintf(want, sizeof(want), "%s@%s", ref, digest);
    ck_assert_str_eq(after, want);
    stop_daemon(&d);
    free(after);
    free(digest);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

static Suite *swarm_suite(void)
{
    Suite *s = suite_create("swarm");
    TCase *tc = tcase_create("services");

    tcase_add_unchecked_fixture(tc, swarm_up, swarm_down);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ukiyoctl_updates_a_service_to_the_new_digest);
    tcase_add_test(tc, a_release_whose_tasks_exit_is_rolled_back_and_rejected);
    tcase_add_test(tc, only_the_image_changes_in_a_rich_spec);
    tcase_add_test(tc, a_digest_pinned_service_is_left_alone_and_a_missing_image_fails_untouched);
    tcase_add_test(tc, ukiyod_updates_a_global_service_on_a_notification);
    tcase_add_test(tc, ukiyod_killed_during_a_service_update_is_reconciled_at_restart);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(swarm_suite());
}
