/*
 * test_swarm.c - swarm services on a real single-node swarm: updated by
 * ukiyoctl and by a registry notification to ukiyod, every task on the new
 * digest; a release whose tasks exit rolled back by the engine, recorded
 * and rejected; the spec afterwards equal to the one before but for its
 * image (secrets, configs, mounts, networks, constraints, resources); a
 * digest-pinned service left alone; an image the registry does not have;
 * ukiyod killed in the middle of an update and reconciled at its restart;
 * ukiyod stopped in the middle of a rollout leaving at once;
 * someone else's change between ukiyo's read and its update; a service
 * polled (ukiyo.poll) without any webhook; the registry credential ukiyo
 * forwards reaching the task's pull from a private registry; a tag policy
 * moving a service to its next tag.
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
#include "engine_proxy.h"
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
    /* A private registry a failed test left running. */
    test_sh(NULL,
            "for d in ${UKIYO_ENV_STATE:-/var/lib/ukiyo-test}/registry-ukiyo-test-%d-*; do "
            "  [ -d \"$d\" ] && \"$UKIYO_TEST_ENV/registry.sh\" stop \"${d##*/registry-}\" && "
            "rm -rf \"$d\"; done; true",
            (int)getpid());
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

/*
 * A service on @ref, converged before this returns; @flags are more
 * `service create` flags. Under an init: busybox httpd as PID 1 ignores
 * SIGTERM, so every task's stop would wait out its 10 s grace period.
 */
static char *make_service(const char *word, const char *ref, const char *flags)
{
    char *name = test_unique_name(word);
    ck_assert_msg(test_sh(NULL,
                          "docker service create -q --detach=false --name %s --label ukiyo.test=1 "
                          "--container-label ukiyo.test=1 --init --update-delay 0s "
                          "--update-monitor 2s "
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

/* A service named after @word on a new repository's tag 1 (ukiyo-test/http:v1 pushed there). */
typedef struct {
    char *repo, *ref, *name;
} test_service;

static test_service service_on(const char *word, const char *flags)
{
    test_service t = {.repo = test_unique_name(word)};
    t.ref = test_push("ukiyo-test/http:v1", t.repo, "1");
    t.name = make_service(word, t.ref, flags);
    return t;
}

/* "repo:1@sha256:..." as the registry has the tag now: what the spec must say after an update. New.
 */
static char *pinned_now(const test_service *t)
{
    char *digest = registry_digest(t->ref), *pinned = NULL;
    ck_assert_int_ge(asprintf(&pinned, "%s@%s", t->ref, digest), 0);
    free(digest);
    return pinned;
}

/* Push local image @local as the service's next release of its tag. */
static void release(const test_service *t, const char *local)
{
    free(test_push(local, t->repo, "1"));
}

static void service_free(test_service *t)
{
    free(t->name);
    free(t->ref);
    free(t->repo);
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
    test_service t = service_on("web", "--replicas 2 --publish 18000:8080");
    char *before = spec_image(t.name);
    ck_assert_msg(strstr(before, "@sha256:"), "the CLI pins the digest: %s", before);

    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "check service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "service") && strstr(out, "up-to-date"), "%s", out);
    free(out);

    release(&t, "ukiyo-test/http:v2");
    char *want = pinned_now(&t);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "update-available"), "%s", out);
    free(out);

    snprintf(arg, sizeof(arg), "--json update service/%s", t.name);
    ck_assert_msg(ctl(&out, arg) == 0, "%s", out);
    ck_assert_msg(has(out, "outcome", "updated") && has(out, "strategy", "swarm"), "%s", out);
    free(out);
    char *after = spec_image(t.name);
    ck_assert_str_eq(after, want);
    expect_tasks(t.name, want, "v2", 2);

    /* ps lists it with its kind; history has it. */
    ctl(&out, "ps");
    ck_assert_msg(strstr(out, "KIND") && strstr(out, t.name) && strstr(out, "replicated"), "%s",
                  out);
    free(out);
    snprintf(arg, sizeof(arg), "--json history service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    /* Again: nothing new. */
    snprintf(arg, sizeof(arg), "update service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "fresh") || strstr(out, "up to date"), "%s", out);
    free(out);

    /* A redeploy replaces the tasks on the same image. */
    char *tasks_before = sh_out("docker service ps -q --filter desired-state=running %s", t.name);
    snprintf(arg, sizeof(arg), "--json redeploy service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    char *tasks_after = sh_out("docker service ps -q --filter desired-state=running %s", t.name);
    ck_assert_str_ne(tasks_after, tasks_before);
    char *redeployed = spec_image(t.name);
    ck_assert_str_eq(redeployed, want);
    /* A rollback goes back to the image before the last update. */
    snprintf(arg, sizeof(arg), "--json rollback service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "rolled-back"), "%s", out);
    free(out);
    char *rolled = spec_image(t.name);
    ck_assert_str_eq(rolled, before);
    expect_tasks(t.name, before, "v1", 2);
    free(rolled);
    free(redeployed);
    free(tasks_after);
    free(tasks_before);
    free(before);
    free(after);
    free(want);
    service_free(&t);
}
END_TEST

START_TEST(a_release_whose_tasks_exit_is_rolled_back_and_rejected)
{
    /* The default FailureAction: pause; the monitor long enough to see an exit after 3 s. */
    test_service t = service_on("bad", "--replicas 2 --update-monitor 6s");
    char *before = spec_image(t.name);

    release(&t, "ukiyo-test/crashes:latest");
    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "--json update service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "rolled-back") && strstr(out, "non-zero exit (7)"), "%s",
                  out);
    free(out);
    char *after = spec_image(t.name);
    ck_assert_str_eq(after, before);
    expect_tasks(t.name, before, "v1", 2);

    /* Remembered: not tried again, check says rejected; --force tries it. */
    snprintf(arg, sizeof(arg), "update service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "rejected"), "%s", out);
    free(out);
    snprintf(arg, sizeof(arg), "check service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "rejected"), "%s", out);
    free(out);
    snprintf(arg, sizeof(arg), "--json history service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "rolled-back"), "%s", out);
    free(out);
    free(after);
    free(before);
    service_free(&t);
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
    test_service t = service_on("rich", flags);
    json_t *before = spec_without_image(t.name);

    release(&t, "ukiyo-test/http:v2");
    char *out = NULL, arg[256];
    snprintf(arg, sizeof(arg), "--json update service/%s", t.name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    json_t *after = spec_without_image(t.name);
    char *b = json_dumps(before, JSON_SORT_KEYS), *a = json_dumps(after, JSON_SORT_KEYS);
    ck_assert_msg(json_equal(before, after), "before: %s\nafter:  %s", b, a);
    free(a);
    free(b);
    json_decref(before);
    json_decref(after);
    char *want = pinned_now(&t);
    expect_tasks(t.name, want, "v2", 1);

    remove_swarm_objects(); /* the networks too */
    test_sh(NULL, "docker volume rm %s >/dev/null 2>&1", vol);
    free(want);
    service_free(&t);
    free(vol);
    free(net2);
    free(net1);
    free(config);
    free(secret);
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
    int port = test_free_port();
    char flags[256];
    snprintf(flags, sizeof(flags), "--mode global --publish mode=host,published=%d,target=8080",
             port);
    test_service t = service_on("glob", flags);
    daemon_proc d = {0};
    start_daemon(&d, "");

    reply r = api(&d, "/api/v1/services");
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, t.name) && has(r.body, "mode", "global"), "%s", r.body);
    free(r.body);

    release(&t, "ukiyo-test/http:v2");
    char *job = webhook_job(&d, t.ref);
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
    snprintf(path, sizeof(path), "/api/v1/services/%s/check", t.name);
    r = api(&d, path);
    ck_assert_msg(r.status == 200 && has(r.body, "kind", "service") && strstr(r.body, "up-to-date"),
                  "%ld %s", r.status, r.body);
    free(r.body);
    expect_status(api_send(&d, "POST", "/api/v1/services/ukiyo-test-nosuch/update", NULL), 404,
                  "no service");
    stop_daemon(&d);
    service_free(&t);
}
END_TEST

/* The restarted @d finished @t's update by reconcile: history and spec say so. Stops @d. */
static void expect_reconciled_and_stop(daemon_proc *d, test_service *t)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/history?container=service/%s", t->name);
    reply r = api(d, path);
    ck_assert_msg(r.status == 200 && has(r.body, "outcome", "updated") &&
                      strstr(r.body, "reconcile"),
                  "%ld %s", r.status, r.body);
    free(r.body);
    char *want = pinned_now(t), *after = spec_image(t->name);
    ck_assert_str_eq(after, want);
    stop_daemon(d);
    free(after);
    free(want);
    service_free(t);
}

START_TEST(ukiyod_killed_during_a_service_update_is_reconciled_at_restart)
{
    test_service t = service_on("cut", "--replicas 1");
    daemon_proc d = {.env = "UKIYO_TEST_CRASH_AT=service-wait"};
    start_daemon(&d, "");

    release(&t, "ukiyo-test/http:v2");
    post_generic(&d, t.ref);
    /* The spec is posted, then the process dies as a power cut would. */
    ck_assert_int_eq(signal_daemon(&d, 0), -1);
    d.env = NULL;
    start_daemon(&d, "");
    expect_reconciled_and_stop(&d, &t);
}
END_TEST

/*
 * The swarm replaces the tasks by itself: ukiyod asked to stop in the middle
 * of a rollout (a 20 s monitor) leaves at once, not when the rollout ends,
 * and its next start follows the update to its end.
 */
START_TEST(ukiyod_stopped_during_a_rollout_leaves_at_once_and_finishes_it_at_restart)
{
    test_service t = service_on("stop", "--replicas 1 --update-monitor 20s");
    daemon_proc d = {0};
    start_daemon(&d, "");

    release(&t, "ukiyo-test/http:v2");
    post_generic(&d, t.ref);
    char *state = NULL;
    for (int i = 0; i < 100; i++) {
        free(state);
        state = sh_out("docker service inspect %s --format '{{if .UpdateStatus}}"
                       "{{.UpdateStatus.State}}{{end}}'",
                       t.name);
        if (strcmp(state, "updating") == 0)
            break;
        usleep(200 * 1000);
    }
    ck_assert_str_eq(state, "updating");
    free(state);
    usleep(1000 * 1000); /* ukiyod follows the rollout */
    ck_assert_int_eq(signal_daemon_within(&d, SIGTERM, 5), 0);

    start_daemon(&d, ""); /* reconciles before it answers */
    expect_reconciled_and_stop(&d, &t);
}
END_TEST

START_TEST(a_polled_service_finds_its_release_without_a_webhook)
{
    test_service t = service_on("poll", "--replicas 1 --label ukiyo.poll=2s");
    daemon_proc d = {0};
    start_daemon(&d, "");

    release(&t, "ukiyo-test/http:v2");
    char *want = pinned_now(&t), *after = NULL;
    for (int i = 0; i < 120; i++) {
        free(after);
        after = spec_image(t.name);
        if (strcmp(after, want) == 0)
            break;
        usleep(500 * 1000);
    }
    ck_assert_str_eq(after, want);
    stop_daemon(&d);
    free(after);
    free(want);
    service_free(&t);
}
END_TEST

/*
 * A private registry (htpasswd): the service was made without any
 * credential (its first image is on the node already); the new release
 * can be pulled only with the credential ukiyo forwards (X-Registry-Auth),
 * here taken from a docker login's config.json.
 */
START_TEST(the_registry_credential_reaches_the_task_pull)
{
    int port = test_free_port();
    char reg[64], login[256], ref[256], env[300];
    char *reg_name = test_unique_name("auth");
    snprintf(reg, sizeof(reg), "127.0.0.1:%d", port);
    snprintf(login, sizeof(login), "/tmp/%s-login", reg_name);
    snprintf(ref, sizeof(ref), "%s/ukiyo-test/private:1", reg);
    ck_assert_int_eq(test_sh(NULL,
                             "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --htpasswd bot:s3cret && "
                             "mkdir -p %s && echo s3cret | DOCKER_CONFIG=%s docker login -u bot "
                             "--password-stdin %s >/dev/null 2>&1 && docker tag ukiyo-test/http:v1 "
                             "%s && DOCKER_CONFIG=%s docker push -q %s >/dev/null",
                             reg_name, port, login, login, reg, ref, login, ref),
                     0);
    char *name = make_service("private", ref, "--replicas 1");
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v2 %s && DOCKER_CONFIG=%s docker push -q "
                             "%s >/dev/null && docker rmi %s >/dev/null",
                             ref, login, ref, ref),
                     0);
    char *out = NULL;
    snprintf(env, sizeof(env), "DOCKER_CONFIG=%s", login);
    test_sh(&out, "%s \"$UKIYOCTL\" --db %s --json update service/%s 2>&1", env, db_path, name);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    ck_assert_msg(!strstr(out, "s3cret"), "the secret is never printed: %s", out);
    free(out);
    char *after = spec_image(name);
    char *tasks = NULL;
    test_sh(&tasks,
            "for t in $(docker service ps -q --filter desired-state=running %s); do docker "
            "inspect --format '{{.Spec.ContainerSpec.Image}} {{.Status.State}}' $t; done",
            name);
    ck_assert_msg(tasks && strstr(tasks, after) && strstr(tasks, "running"), "%s", tasks);
    free(tasks);
    free(after);
    remove_swarm_objects();
    test_sh(NULL,
            "\"$UKIYO_TEST_ENV/registry.sh\" stop %s; rm -rf %s "
            "${UKIYO_ENV_STATE:-/var/lib/ukiyo-test}/registry-%s",
            reg_name, login, reg_name);
    free(name);
    free(reg_name);
}
END_TEST

START_TEST(a_tag_policy_moves_a_service_to_its_next_tag)
{
    char *repo = test_unique_name("minor");
    char *old_ref = test_push("ukiyo-test/http:v1", repo, "1.2.9");
    char *new_ref = test_push("ukiyo-test/http:v2", repo, "1.3.0");
    char *name = make_service("minor", old_ref, "--replicas 1 --label ukiyo.policy=minor");
    char *out = NULL, arg[256];

    snprintf(arg, sizeof(arg), "check service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(strstr(out, "moves to tag 1.3.0"), "%s", out);
    free(out);
    snprintf(arg, sizeof(arg), "--json update service/%s", name);
    ctl(&out, arg);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    char *digest = registry_digest(new_ref), *after = spec_image(name), want[512];
    snprintf(want, sizeof(want), "%s@%s", new_ref, digest);
    ck_assert_str_eq(after, want);
    free(after);
    free(digest);
    free(name);
    free(new_ref);
    free(old_ref);
    free(repo);
}
END_TEST

/* Someone else's change to the service, between ukiyo's read and its update. */
static void change_the_service(void *name)
{
    test_sh(NULL,
            "docker service update -q --detach=true --label-add ukiyo-test.touched=1 %s "
            ">/dev/null",
            (const char *)name);
}

START_TEST(a_service_changed_meanwhile_is_read_again_and_updated)
{
    test_service t = service_on("race", "--replicas 1");
    engine_proxy *proxy = engine_proxy_start();
    ck_assert_ptr_nonnull(proxy);
    engine_proxy_before(proxy, "/update?version=", change_the_service, t.name);

    release(&t, "ukiyo-test/http:v2");
    char *out = NULL;
    test_sh(&out, "DOCKER_HOST=%s \"$UKIYOCTL\" --db %s --json update service/%s 2>&1",
            engine_proxy_host(proxy), db_path, t.name);
    engine_proxy_stop(proxy);
    ck_assert_msg(has(out, "outcome", "updated"), "%s", out);
    free(out);
    /* The other change stays, and the image is the new one. */
    char *label = sh_out("docker service inspect %s --format "
                         "'{{index .Spec.Labels \"ukiyo-test.touched\"}}'",
                         t.name);
    ck_assert_str_eq(label, "1");
    char *want = pinned_now(&t), *after = spec_image(t.name);
    ck_assert_str_eq(after, want);
    free(after);
    free(want);
    free(label);
    service_free(&t);
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
    tcase_add_test(tc, ukiyod_stopped_during_a_rollout_leaves_at_once_and_finishes_it_at_restart);
    tcase_add_test(tc, a_service_changed_meanwhile_is_read_again_and_updated);
    tcase_add_test(tc, a_polled_service_finds_its_release_without_a_webhook);
    tcase_add_test(tc, the_registry_credential_reaches_the_task_pull);
    tcase_add_test(tc, a_tag_policy_moves_a_service_to_its_next_tag);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(swarm_suite());
}
