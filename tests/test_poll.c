/*
 * test_poll.c - pull mode, tag policies and update windows against the real
 * engine and the loopback registry, on a fake clock: nothing sleeps for a
 * poll interval or a window.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ukiyo.h>

#include "testlib.h"

static ukiyo *u;
static char db_path[128];
/* The suite's ukiyo takes only its own containers: leftovers of other runs change no count. */
static char suite_scope[64];
static int64_t fake_now;

static int64_t fake_clock(void *payload)
{
    (void)payload;
    return fake_now;
}

static void setup(void)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;

    test_require_engine();
    test_tmp_path(db_path, sizeof(db_path), "poll.db");
    snprintf(suite_scope, sizeof(suite_scope), "ukiyo-test-%d", (int)getpid());
    opts.db_path = db_path;
    opts.scope = suite_scope;
    opts.clock_ms = fake_clock;
    fake_now = 1900000000000; /* 2030-03-17T17:46:40Z */
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
}

static void teardown(void)
{
    ukiyo_close(u);
    u = NULL;
    test_sh(NULL, "rm -f %s %s-wal %s-shm", db_path, db_path, db_path);
    test_cleanup();
}

/*
 * A container of this test on @ref with extra docker run @labels, of the
 * suite's scope unless @labels name one; its name (new).
 */
static char *run_on(const char *ref, const char *word, const char *labels)
{
    char *name = test_unique_name(word), *out = NULL;
    int rc = test_sh(&out,
                     "docker run -d --label ukiyo.test=1 --label ukiyo.min-uptime=1 "
                     "--stop-timeout 1 %s%s %s --name %s %s 2>&1",
                     strstr(labels, "scope") ? "" : "--label ukiyo.scope=",
                     strstr(labels, "scope") ? "" : suite_scope, labels, name, ref);
    ck_assert_msg(rc == 0, "docker run: %s", out);
    free(out);
    return name;
}

static char *config_image(const char *name)
{
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out, "docker inspect --format '{{.Config.Image}}' %s", name), 0);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

static char *served_version(const char *name)
{
    char *out = NULL;
    test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/ 2>&1", name);
    return out;
}

static void expect_serves(const char *name, const char *want)
{
    char *v = served_version(name);
    ck_assert_msg(strcmp(v, want) == 0, "%s serves %s, not %s", name, v, want);
    free(v);
}

static unsigned dispatch(void)
{
    unsigned jobs = 0;
    ck_assert_msg(ukiyo_scheduler_dispatch(u, fake_now, &jobs) == 0, "%s", ukiyo_error_last());
    return jobs;
}

static unsigned run_jobs(void)
{
    unsigned n = 0;
    int ran = 1;
    while (ran) {
        ck_assert_msg(ukiyo_jobs_run_next(u, NULL, &ran) == 0, "%s", ukiyo_error_last());
        n += (unsigned)ran;
    }
    return n;
}

static char *repo_name(void)
{
    char *name = test_unique_name("repo"), *repo = NULL;
    ck_assert_int_ge(asprintf(&repo, "ukiyo-test/%s", name), 0);
    free(name);
    return repo;
}

START_TEST(the_poller_finds_a_push_without_any_webhook)
{
    char *repo = repo_name();
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    char *a = run_on(ref, "polled-a", "--label ukiyo.poll=1m");
    char *b = run_on(ref, "polled-b", "--label ukiyo.poll=1m");

    /* The first dispatch plans the interval and polls at once: nothing new. */
    ck_assert_uint_eq(dispatch(), 0);
    /* One HEAD for both (a first contact with a loopback registry tries TLS first). */
    ck_assert_uint_le(ukiyo_scheduler_poll_requests(u), 2);
    uint64_t before = ukiyo_scheduler_poll_requests(u);
    int64_t due = 0;
    ck_assert_int_eq(ukiyo_scheduler_next_due(u, &due), 0);
    ck_assert_int_eq(due, fake_now + 60000);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ck_assert_uint_eq(dispatch(), 0); /* not due yet: no request */
    ck_assert_uint_eq(ukiyo_scheduler_poll_requests(u) - before, 0);
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 1); /* one job for the tag */
    ck_assert_uint_eq(ukiyo_scheduler_poll_requests(u) - before, 1);
    ck_assert_uint_eq(run_jobs(), 1);
    char *va = served_version(a), *vb = served_version(b);
    ck_assert_str_eq(va, "v2\n");
    ck_assert_str_eq(vb, "v2\n");
    /* The next poll finds them fresh. */
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 0);
    free(va), free(vb), free(a), free(b), free(ref), free(repo);
}
END_TEST

/*
 * The background look (ukiyo_options.look_interval_ms): one HEAD per image
 * for every watched container, polled or not, and what a cached check says
 * from it, without a request and without pulling anything.
 */
static const char *last_history(const char *name);

/* A handle of @scope (NULL: none) on the suite's store and fake clock. */
static ukiyo *open_scoped(const char *scope)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *h = NULL;

    opts.db_path = db_path;
    opts.clock_ms = fake_clock;
    opts.scope = scope;
    ck_assert_msg(ukiyo_open(&h, &opts) == 0, "%s", ukiyo_error_last());
    return h;
}

/* Dispatch and run every job on handle @h. */
static void poll_and_run(ukiyo *h)
{
    unsigned jobs = 0;
    int ran = 1;

    ck_assert_msg(ukiyo_scheduler_dispatch(h, fake_now, &jobs) == 0, "%s", ukiyo_error_last());
    while (ran)
        ck_assert_msg(ukiyo_jobs_run_next(h, NULL, &ran) == 0, "%s", ukiyo_error_last());
}

/*
 * Several ukiyos on one engine (ukiyo_options.scope, ukiyod --scope): each
 * polls and updates only the containers of its scope (ukiyo.scope, or
 * watchtower's scope label), one without a scope only those without the
 * label, and check says why the others are left alone.
 */
START_TEST(scopes_divide_the_containers_between_ukiyos)
{
    char *repo = repo_name();
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    char *scope = test_unique_name("scope"), labels[512];
    snprintf(labels, sizeof(labels), "--label ukiyo.poll=1m --label ukiyo.scope=%s", scope);
    char *mine = run_on(ref, "scoped", labels);
    snprintf(labels, sizeof(labels),
             "--label ukiyo.poll=1m --label com.centurylinklabs.watchtower.scope=%s-other", scope);
    char *other = run_on(ref, "other-scope", labels);
    /* An empty scope label is none. */
    char *unscoped = run_on(ref, "unscoped", "--label ukiyo.poll=1m --label ukiyo.scope=");
    ukiyo *scoped = open_scoped(scope), *none = open_scoped(NULL);

    ukiyo_check_result *r = NULL;
    ck_assert_int_eq(ukiyo_check(&r, scoped, other), 0);
    ck_assert_str_eq(ukiyo_check_result_left_alone(r), "of another scope (ukiyo.scope)");
    ukiyo_check_result_free(r);
    ck_assert_int_eq(ukiyo_check(&r, scoped, unscoped), 0);
    ck_assert_str_eq(ukiyo_check_result_left_alone(r),
                     "not of this ukiyo's scope (no ukiyo.scope label)");
    ukiyo_check_result_free(r);
    ck_assert_int_eq(ukiyo_check(&r, none, mine), 0);
    ck_assert_str_eq(ukiyo_check_result_left_alone(r),
                     "of a scope (ukiyo.scope), and this ukiyo has none");
    ukiyo_check_result_free(r);

    poll_and_run(scoped); /* plans the polls */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    fake_now += 60000;
    poll_and_run(scoped);
    expect_serves(mine, "v2\n");
    expect_serves(other, "v1\n");
    /* By the store, not by what it serves: any ukiyod of no scope on this engine may take it. */
    ck_assert_str_eq(last_history(unscoped), "none");
    ck_assert_str_eq(last_history(other), "none");

    /* The unscoped one, by a ukiyo without a scope; the other scope's still left alone. */
    poll_and_run(none);
    fake_now += 60000;
    poll_and_run(none);
    expect_serves(unscoped, "v2\n");
    expect_serves(other, "v1\n");

    ukiyo_close(scoped);
    ukiyo_close(none);
    free(mine), free(other), free(unscoped), free(scope), free(ref), free(repo);
}
END_TEST

START_TEST(a_background_look_shows_an_update_without_pulling)
{
    char *repo = repo_name();
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    char *a = run_on(ref, "looked-a", "");
    char *b = run_on(ref, "looked-b", "--label ukiyo.monitor-only=true");
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *looker = NULL;
    ukiyo_check_result *r = NULL;

    opts.db_path = db_path;
    opts.clock_ms = fake_clock;
    opts.look_interval_ms = 3600000;
    opts.scope = suite_scope;
    ck_assert_msg(ukiyo_open(&looker, &opts) == 0, "%s", ukiyo_error_last());
    ukiyo_registry *registry = ukiyo_get_registry(looker);

    /* Never looked at: a cached check cannot tell, and asks nobody. */
    ck_assert_int_eq(ukiyo_check_cached(&r, looker, a), 0);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UNKNOWN);
    ck_assert_str_eq(ukiyo_check_result_reason(r), "not looked at in its registry yet");
    ck_assert_uint_eq(ukiyo_registry_request_count(registry), 0);
    ukiyo_check_result_free(r);

    unsigned jobs = 9;
    ck_assert_int_eq(ukiyo_scheduler_dispatch(looker, fake_now, &jobs), 0);
    ck_assert_uint_eq(jobs, 0);
    /* One HEAD for both (a first contact with a loopback registry tries TLS first). */
    uint64_t first = ukiyo_registry_request_count(registry);
    ck_assert_uint_ge(first, 1);
    ck_assert_uint_le(first, 2);
    ck_assert_int_eq(ukiyo_check_cached(&r, looker, a), 0);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UP_TO_DATE);
    ck_assert_int_eq(ukiyo_check_result_answered_ms(r), fake_now);
    ck_assert_ptr_null(ukiyo_check_result_left_alone(r));
    ukiyo_check_result_free(r);
    int64_t due = 0;
    ck_assert_int_eq(ukiyo_scheduler_next_due(looker, &due), 0);
    /* With nothing polled, the scan for new labels in 10 minutes comes before the look. */
    ck_assert_int_eq(due, fake_now + 600000);

    /* A release nobody told ukiyo of: found by the next look, not before. */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    fake_now += 1800000;
    ck_assert_int_eq(ukiyo_scheduler_dispatch(looker, fake_now, &jobs), 0);
    ck_assert_uint_eq(ukiyo_registry_request_count(registry), first);
    ck_assert_int_eq(ukiyo_check_cached(&r, looker, a), 0);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UP_TO_DATE);
    ukiyo_check_result_free(r);
    fake_now += 1800000;
    ck_assert_int_eq(ukiyo_scheduler_dispatch(looker, fake_now, &jobs), 0);
    ck_assert_uint_eq(jobs, 0); /* a look queues nothing */
    ck_assert_uint_eq(ukiyo_registry_request_count(registry), first + 1);
    ck_assert_int_eq(ukiyo_check_cached(&r, looker, a), 0);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UPDATE_AVAILABLE);
    ck_assert_int_eq(ukiyo_check_result_answered_ms(r), fake_now);
    ck_assert_str_ne(ukiyo_check_result_remote_digest(r), ukiyo_check_result_local_digest(r));
    ukiyo_check_result_free(r);
    /* The monitor-only one: available too, and said to be left alone. */
    ck_assert_int_eq(ukiyo_check_cached(&r, looker, b), 0);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UPDATE_AVAILABLE);
    ck_assert_ptr_nonnull(ukiyo_check_result_left_alone(r));
    ck_assert_str_eq(ukiyo_check_result_left_alone(r), "monitor-only: looked at, never updated");
    ukiyo_check_result_free(r);
    ck_assert_uint_eq(ukiyo_registry_request_count(registry), first + 1);
    char *va = served_version(a);
    ck_assert_str_eq(va, "v1\n"); /* nothing was updated */
    ukiyo_close(looker);
    free(va), free(a), free(b), free(ref), free(repo);
}
END_TEST

typedef struct {
    ukiyo_inventory *inventory;
    ukiyo_docker *docker;
    int rc;
    pthread_mutex_t lock;
    char awaited[128]; /* under lock: the container whose start the test waits for */
    bool told;         /* under lock: the callback was told it started */
} follower;

/* Other suites start containers on the same engine: only the awaited one counts. */
static void on_container(const char *action, const char *id, const char *name, void *payload)
{
    follower *f = payload;
    (void)id;
    pthread_mutex_lock(&f->lock);
    if (strcmp(action, "start") == 0 && name && strcmp(name, f->awaited) == 0)
        f->told = true;
    pthread_mutex_unlock(&f->lock);
}

static void *follow_main(void *arg)
{
    follower *f = arg;
    f->rc = ukiyo_inventory_follow(f->inventory, f->docker, on_container, f);
    return NULL;
}

static bool wait_for_changes(ukiyo_inventory *inv, uint64_t above)
{
    for (int i = 0; i < 100; i++) {
        if (ukiyo_inventory_changes(inv) > above)
            return true;
        usleep(100000);
    }
    return false;
}

/*
 * With an inventory that follows the engine's events, a poll inspects only
 * what changed (a renamed container, a new one), not every container; a
 * container started is told at once and makes a scan due.
 */
START_TEST(an_inventory_spares_the_engine_every_inspect)
{
    char *repo = repo_name();
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    char *names[4];
    follower f = {.rc = 1, .lock = PTHREAD_MUTEX_INITIALIZER};
    pthread_t thread;

    for (int i = 0; i < 4; i++)
        names[i] = run_on(ref, "inventoried", "--label ukiyo.poll=1m");
    ck_assert_int_eq(ukiyo_inventory_new(&f.inventory), 0);
    ck_assert_int_eq(ukiyo_docker_new(&f.docker, NULL), 0);
    ck_assert_int_eq(pthread_create(&thread, NULL, follow_main, &f), 0);
    for (int i = 0; i < 100 && !ukiyo_inventory_following(f.inventory); i++)
        usleep(50000);
    ck_assert(ukiyo_inventory_following(f.inventory));
    ukiyo_set_inventory(u, f.inventory);
    ukiyo_docker *engine = ukiyo_get_docker(u);

    ck_assert_uint_eq(dispatch(), 0); /* the first: every container inspected once */
    fake_now += 60000;
    uint64_t before = ukiyo_docker_request_count(engine);
    ck_assert_uint_eq(dispatch(), 0);
    /*
     * The list and the swarm's services: no container nor image inspected
     * again. (Other suites may start a container of theirs meanwhile, on the
     * same engine: that one is inspected too, hence a little room.)
     */
    uint64_t second = ukiyo_docker_request_count(engine) - before;
    ck_assert_uint_le(second, 2 + 3);

    /* A rename is an event: that container alone is inspected again, under its new name. */
    uint64_t changes = ukiyo_inventory_changes(f.inventory);
    char *renamed = test_unique_name("inventoried-renamed");
    ck_assert_int_eq(test_sh(NULL, "docker rename %s %s", names[0], renamed), 0);
    ck_assert(wait_for_changes(f.inventory, changes));
    int64_t due = 0;
    ck_assert_int_eq(ukiyo_scheduler_next_due(u, &due), 0);
    /* A scan is due at once, but for the gap after the last that folds a burst into one. */
    ck_assert_int_eq(due, fake_now + 2000);
    fake_now += 2000;
    before = ukiyo_docker_request_count(engine);
    ck_assert_uint_eq(dispatch(), 0);
    /* The list, the services, the renamed container: inspected again, and little else. */
    uint64_t third = ukiyo_docker_request_count(engine) - before;
    ck_assert_uint_ge(third, 3);
    ck_assert_uint_le(third, 3 + 3);

    /* A new container: told to the callback, and due at once. */
    changes = ukiyo_inventory_changes(f.inventory);
    char *late = test_unique_name("inventoried-late");
    pthread_mutex_lock(&f.lock);
    snprintf(f.awaited, sizeof(f.awaited), "%s", late);
    pthread_mutex_unlock(&f.lock);
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --label ukiyo.poll=1m "
                             "--label ukiyo.scope=%s --stop-timeout 1 --name %s %s >/dev/null",
                             suite_scope, late, ref),
                     0);
    ck_assert(wait_for_changes(f.inventory, changes));
    bool told = false;
    for (int i = 0; i < 50 && !told; i++) {
        pthread_mutex_lock(&f.lock);
        told = f.told;
        pthread_mutex_unlock(&f.lock);
        if (!told)
            usleep(100000);
    }
    ck_assert_msg(told, "the callback was not told that %s started", late);
    ck_assert_int_eq(ukiyo_scheduler_next_due(u, &due), 0);
    ck_assert_int_eq(due, fake_now + 2000);

    /* Without the inventory every container is inspected at each poll, and its image. */
    ukiyo_set_inventory(u, NULL);
    fake_now += 60000;
    before = ukiyo_docker_request_count(engine);
    ck_assert_uint_eq(dispatch(), 0);
    ck_assert_uint_ge(ukiyo_docker_request_count(engine) - before, 2 + 2 * 5);

    ukiyo_inventory_stop(f.inventory);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_int_eq(f.rc, 0); /* stopped, not failed */
    ck_assert(!ukiyo_inventory_following(f.inventory));
    ukiyo_docker_free(f.docker);
    ukiyo_inventory_free(f.inventory);
    for (int i = 0; i < 4; i++)
        free(names[i]);
    free(renamed), free(late), free(ref), free(repo);
}
END_TEST

/* A release rolled back for a container is not queued again by the next polls; a newer one is. */
START_TEST(a_poll_leaves_a_rejected_release_alone)
{
    char *repo = repo_name();
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    char *name = run_on(ref, "polled-rejected", "--label ukiyo.poll=1m");

    ck_assert_uint_eq(dispatch(), 0);
    free(test_push("ukiyo-test/exits:latest", repo, "latest"));
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 1);
    ck_assert_uint_eq(run_jobs(), 1); /* rolled back */
    expect_serves(name, "v1\n");
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 0); /* rejected: not tried again */
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 1);
    ck_assert_uint_eq(run_jobs(), 1);
    expect_serves(name, "v2\n");
    free(name), free(ref), free(repo);
}
END_TEST

/* @name's newest history entry as "outcome: reason", for failure messages (static buffer). */
static const char *last_history(const char *name)
{
    static char text[1024];
    ukiyo_history *h = NULL;

    snprintf(text, sizeof(text), "none");
    if (ukiyo_store_history(&h, ukiyo_get_store(u), name, 0, 1) == 0 && ukiyo_history_count(h)) {
        const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
        snprintf(text, sizeof(text), "%s: %s",
                 ukiyo_history_entry_outcome(e) ? ukiyo_history_entry_outcome(e) : "open",
                 ukiyo_history_entry_reason(e) ? ukiyo_history_entry_reason(e) : "");
    }
    ukiyo_history_free(h);
    return text;
}

START_TEST(tag_policies_move_to_their_tags)
{
    static const struct {
        const char *policy, *expected;
    } cases[] = {{"patch", "1.2.10"},          {"minor", "1.3.0"},
                 {"major", "2.0.0"},           {"all", "2.0.0"},
                 {"digest", "1.2.9"},          {"never", "1.2.9"},
                 {"regex:^1\\.2\\.", "1.2.10"}};
    const size_t n = sizeof(cases) / sizeof(cases[0]);
    char *repo = repo_name(), *names[8];
    char *ref = test_push("ukiyo-test/http:v1", repo, "1.2.9");

    for (size_t i = 0; i < n; i++) {
        char labels[128];
        snprintf(labels, sizeof(labels), "--label ukiyo.poll=5m --label 'ukiyo.policy=%s'",
                 cases[i].policy);
        names[i] = run_on(ref, "policy", labels);
    }
    /* Bad labels are reported and skipped; the others go on. */
    char *bad_policy = run_on(ref, "bad-policy", "--label ukiyo.poll=5m --label ukiyo.policy=minr");
    char *bad_poll = run_on(ref, "bad-poll", "--label ukiyo.poll=soon --label ukiyo.policy=patch");
    ukiyo_container *c = NULL;
    ukiyo_plan *plan = NULL;
    ck_assert_int_eq(ukiyo_docker_container_inspect(&c, ukiyo_get_docker(u), bad_policy), 0);
    ck_assert_int_eq(ukiyo_plan_get(&plan, u, c), 0);
    ck_assert_ptr_nonnull(ukiyo_plan_error(plan));
    ck_assert_msg(strstr(ukiyo_plan_error(plan), "unknown policy \"minr\""), "%s",
                  ukiyo_plan_error(plan));
    ukiyo_plan_free(plan);
    ukiyo_container_free(c);

    free(test_push("ukiyo-test/http:v2", repo, "1.2.10"));
    free(test_push("ukiyo-test/http:v1", repo, "1.3.0"));
    free(test_push("ukiyo-test/http:v2", repo, "2.0.0"));
    free(test_push("ukiyo-test/http:v2", repo, "1.3"));
    ck_assert_uint_eq(dispatch(), 5); /* patch, minor, major, all, regex */
    ck_assert_uint_eq(run_jobs(), 5);
    for (size_t i = 0; i < n; i++) {
        char *image = config_image(names[i]);
        char expected[256];
        snprintf(expected, sizeof(expected), "%s/%s:%s", test_registry(), repo, cases[i].expected);
        ck_assert_msg(strcmp(image, expected) == 0, "%s: %s, expected %s (its history: %s)",
                      cases[i].policy, image, expected, last_history(names[i]));
        free(image);
    }
    char *image = config_image(bad_policy);
    ck_assert_str_eq(image, ref); /* skipped */
    free(image);
    image = config_image(bad_poll);
    ck_assert_str_eq(image, ref);
    free(image);
    /* History says where it came from. */
    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), names[1], 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
    ck_assert_str_eq(ukiyo_history_entry_outcome(e), "updated");
    ck_assert_str_eq(ukiyo_history_entry_old_image(e), ref);
    ck_assert_ptr_nonnull(strstr(ukiyo_history_entry_image(e), ":1.3.0"));
    ukiyo_history_free(h);
    /* Once there, nothing newer: no job. */
    fake_now += 5 * 60000;
    ck_assert_uint_eq(dispatch(), 0);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(bad_policy), free(bad_poll), free(ref), free(repo);
}
END_TEST

START_TEST(a_push_outside_the_window_waits_for_it)
{
    char *repo = repo_name();
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    /* 17:46 UTC now; the window is 03:00-03:59 UTC. */
    char *name = run_on(ref, "window", "--label ukiyo.poll=1m --label 'ukiyo.schedule=* 3 * * *'");
    ck_assert_uint_eq(dispatch(), 0);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 1);
    ck_assert_uint_eq(run_jobs(), 1); /* the tag job: it defers the container */
    expect_serves(name, "v1\n");
    int64_t due = 0;
    ck_assert_int_eq(ukiyo_jobs_next_due_ms(u, &due), 0);
    ck_assert_int_eq(due, 1900033200000); /* 2030-03-18T03:00:00Z */

    /* Another push meanwhile folds into the same waiting job. */
    free(test_push("ukiyo-test/healthy:v2", repo, "latest"));
    fake_now += 60000;
    ck_assert_uint_eq(dispatch(), 1);
    ck_assert_uint_eq(run_jobs(), 1);
    ukiyo_job_list *jobs = NULL;
    ck_assert_int_eq(ukiyo_jobs_list(&jobs, u, 0, 100), 0);
    size_t queued = 0;
    for (size_t i = 0; i < ukiyo_job_list_count(jobs); i++)
        queued += strcmp(ukiyo_job_state(ukiyo_job_list_get(jobs, i)), "queued") == 0;
    ck_assert_uint_eq(queued, 1); /* one waits, not two */
    ukiyo_job_list_free(jobs);

    fake_now = 1900033200000 + 5000; /* the window opens */
    ck_assert_uint_eq(run_jobs(), 1);
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out,
                             "test \"$(docker inspect --format '{{.Image}}' %s)\" = "
                             "\"$(docker image inspect --format '{{.Id}}' %s)\" && echo same",
                             name, ref),
                     0);
    ck_assert_str_eq(out, "same\n"); /* on the newest image, the second push */
    free(out);
    ck_assert_int_eq(test_sh(&out,
                             "docker image inspect --format '{{.Id}}' %s | "
                             "grep -q \"$(docker image inspect --format '{{.Id}}' "
                             "ukiyo-test/healthy:v2)\"",
                             ref),
                     0);
    free(out), free(name), free(ref), free(repo);
}
END_TEST

static void submit_push(const char *image)
{
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    char body[512];
    int64_t id = 0;

    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", image);
    req.body = body;
    req.body_len = strlen(body);
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), 0);
    ck_assert_msg(ukiyo_jobs_submit(u, ukiyo_push_events_get(ev, 0), "generic", NULL, &id) == 0,
                  "%s", ukiyo_error_last());
    ukiyo_push_events_free(ev);
}

START_TEST(a_deployment_waits_for_its_own_window)
{
    char *repo = repo_name(), *name = test_unique_name("deployed"), *json = NULL;
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    char repository[300];

    /* A window that does not parse is refused with the reason. */
    snprintf(repository, sizeof(repository), "%s/%s", test_registry(), repo);
    ukiyo_deployment_spec spec = UKIYO_DEPLOYMENT_SPEC_INIT;
    spec.repository = repository;
    spec.window = "61 3 * * *";
    ck_assert_int_eq(ukiyo_deployment_save(u, &spec, 0), UKIYO_EINVAL);
    ck_assert_msg(strstr(ukiyo_error_last(), "minute: 61 is out of range"), "%s",
                  ukiyo_error_last());
    int port = test_free_port();
    ukiyo_port_binding binding = {port, 8080, NULL};
    spec.container = name;
    spec.ports = &binding;
    spec.port_count = 1;
    spec.window = "* 3 * * *";
    ck_assert_msg(ukiyo_deployment_save(u, &spec, 0) == 0, "%s", ukiyo_error_last());
    ukiyo_deployment_list *list = NULL;
    ck_assert_int_eq(ukiyo_deployments_list(&list, u), 0);
    ck_assert_uint_eq(ukiyo_deployment_list_count(list), 1);
    const ukiyo_deployment *saved = ukiyo_deployment_list_get(list, 0);
    ck_assert_str_eq(ukiyo_deployment_window(saved), "* 3 * * *");
    ck_assert_str_eq(ukiyo_deployment_container(saved), name);
    ck_assert_int_eq(ukiyo_deployment_port(saved, 0).host_port, port);
    ukiyo_deployment_list_free(list);

    /* Another container on the same tag: the deployment's job updates it too. */
    char *other = run_on(ref, "beside-deployed", "");

    /* The first push creates the container at once; it carries the window. One push, one job. */
    submit_push(ref);
    ck_assert_uint_eq(run_jobs(), 1);
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out,
                             "docker inspect --format '{{index .Config.Labels "
                             "\"ukiyo.schedule\"}}' %s",
                             name),
                     0);
    ck_assert_str_eq(out, "* 3 * * *\n");
    free(out);
    /* A push at 17:46 waits for 03:00; the container without a window of its own does not. */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    submit_push(ref);
    ck_assert_uint_eq(run_jobs(), 1);
    expect_serves(name, "v1\n");
    expect_serves(other, "v2\n");
    int64_t due = 0;
    ck_assert_int_eq(ukiyo_jobs_next_due_ms(u, &due), 0);
    ck_assert_int_eq(due, 1900033200000);
    fake_now = 1900033200000 + 1000;
    ck_assert_uint_eq(run_jobs(), 1);
    expect_serves(name, "v2\n");
    test_remove_containers(name);
    free(json), free(name), free(ref), free(repo), free(other);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("poll");
    TCase *tc = tcase_create("poll");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, the_poller_finds_a_push_without_any_webhook);
    tcase_add_test(tc, scopes_divide_the_containers_between_ukiyos);
    tcase_add_test(tc, a_background_look_shows_an_update_without_pulling);
    tcase_add_test(tc, an_inventory_spares_the_engine_every_inspect);
    tcase_add_test(tc, tag_policies_move_to_their_tags);
    tcase_add_test(tc, a_poll_leaves_a_rejected_release_alone);
    tcase_add_test(tc, a_push_outside_the_window_waits_for_it);
    tcase_add_test(tc, a_deployment_waits_for_its_own_window);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
