/*
 * test_update.c - the update transaction gone wrong: a new image that
 * exits, fails its HEALTHCHECK or cannot start, a pull that fails, the
 * engine vanishing mid-update; nothing to do; rollback to the previous image.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ukiyo.h>

#include "engine_proxy.h"
#include "testlib.h"
#include "update_helpers.h"

static void expect_rollback_settled(const char *bad_local, const char *reason_words, int settle_s,
                                    const char *run_flags);

static void expect_rollback(const char *bad_local, const char *reason_words)
{
    expect_rollback_settled(bad_local, reason_words, 1, "");
}

/* An update to @bad_local, gated with a settle period of @settle_s, is rolled back. */
static void expect_rollback_settled(const char *bad_local, const char *reason_words, int settle_s,
                                    const char *run_flags)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("rollback");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 %s "
                             "--name %s %s >/dev/null",
                             run_flags, name, ref),
                     0);
    char *before = container_id(name);
    free(test_push(bad_local, repo, "latest"));
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;
    opts.min_uptime_s = settle_s;
    opts.health_timeout_s = 20;
    ck_assert_msg(ukiyo_update(&r, u, name, &opts) == 0, "%s", ukiyo_error_last());
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_ROLLED_BACK, "outcome %s: %s",
                  ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)),
                  ukiyo_update_result_reason(r));
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), reason_words), "reason: %s",
                  ukiyo_update_result_reason(r));
    ck_assert_str_eq(ukiyo_update_result_container_id(r), before);
    ukiyo_update_result_free(r);
    /* The old container is back: same one, its name, running, serving v1. */
    char *after = container_id(name);
    ck_assert_str_eq(after, before);
    out = served(name);
    ck_assert_str_eq(out, "v1\n");
    assert_one_container_named(name);

    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), name, 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    ck_assert_str_eq(ukiyo_history_entry_outcome(ukiyo_history_get(h, 0)), "rolled-back");
    ck_assert_ptr_nonnull(
        strstr(ukiyo_history_entry_reason(ukiyo_history_get(h, 0)), reason_words));
    ukiyo_history_free(h);
    /* The reference points at what the container runs again, not at the rejected image. */
    json_t *doc = inspect(name);
    char *tagged = NULL;
    ck_assert_int_eq(test_sh(&tagged, "docker image inspect --format '{{.Id}}' %s", ref), 0);
    ck_assert_msg(strncmp(tagged, json_string_value(json_object_get(doc, "Image")), 71) == 0,
                  "%s points at %s", ref, tagged);
    free(tagged);
    json_decref(doc);
    /* The same release again (the next push or poll) is not tried: it was rejected. */
    ck_assert_msg(ukiyo_update(&r, u, name, &opts) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "rejected") &&
                      strstr(ukiyo_update_result_reason(r), reason_words),
                  "%s", ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    char *still = container_id(name);
    ck_assert_str_eq(still, before);
    free(still);
    ukiyo_rejection_list *rejected = NULL;
    ck_assert_int_eq(ukiyo_store_rejections(&rejected, ukiyo_get_store(u), name), 0);
    ck_assert_uint_eq(ukiyo_rejection_list_count(rejected), 1);
    ck_assert_msg(strstr(ukiyo_rejection_reason(ukiyo_rejection_list_get(rejected, 0)),
                         reason_words),
                  "%s", ukiyo_rejection_reason(ukiyo_rejection_list_get(rejected, 0)));
    ukiyo_rejection_list_free(rejected);
    free(out);
    free(after);
    free(before);
    free(name);
    free(ref);
    free(repo);
}

START_TEST(a_new_image_that_exits_at_once_is_rolled_back)
{
    expect_rollback("ukiyo-test/exits:latest", "exit code 3");
}
END_TEST

START_TEST(a_new_image_whose_healthcheck_fails_is_rolled_back)
{
    expect_rollback("ukiyo-test/unhealthy:latest", "unhealthy");
}
END_TEST

/* Healthy at once, exits after 3 s: the gate must not pass on the first good check. */
START_TEST(a_release_that_crashes_after_it_turned_healthy_is_rolled_back)
{
    expect_rollback_settled("ukiyo-test/crashes:latest", "exit code 7", 8, "");
}
END_TEST

/* The same under a restart policy: it comes back healthy, but it restarted. */
START_TEST(a_release_in_a_restart_loop_is_rolled_back)
{
    expect_rollback_settled("ukiyo-test/crashes:latest", "", 8, "--restart unless-stopped");
}
END_TEST

/* Healthy for 5 s, then unhealthy for good. */
START_TEST(a_release_that_turns_unhealthy_after_it_passed_is_rolled_back)
{
    expect_rollback_settled("ukiyo-test/sickens:latest", "turned unhealthy", 10, "");
}
END_TEST

START_TEST(a_new_image_that_cannot_start_is_rolled_back)
{
    char *local = test_unique_name("nostart");
    ck_assert_int_eq(test_sh(NULL,
                             "printf 'FROM ukiyo-test/http:v1\\nCMD [\"/no/such/binary\"]\\n' | "
                             "DOCKER_BUILDKIT=0 docker build -q -t %s:bad - >/dev/null",
                             local),
                     0);
    char tag[300];
    snprintf(tag, sizeof(tag), "%s:bad", local);
    expect_rollback(tag, "no such file");
    free(local);
}
END_TEST

START_TEST(a_failed_pull_stops_nothing)
{
    char *name = test_unique_name("nopull");
    char ref[128];

    /* An image whose registry does not answer. */
    snprintf(ref, sizeof(ref), "127.0.0.1:1/ukiyo-test/%d:v1", (int)getpid());
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v1 %s && docker run -d --label "
                             "ukiyo.test=1 --name %s %s >/dev/null && docker rmi %s "
                             ">/dev/null 2>&1; true",
                             ref, name, ref, ref),
                     0);
    char *before = container_id(name);
    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(r), "127.0.0.1:1"));
    /* Said as what happened and what to look at, with the engine's words. */
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "did not answer"), "%s",
                  ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    char *after = container_id(name);
    ck_assert_str_eq(after, before);
    json_t *doc = inspect(name);
    ck_assert(json_is_true(json_object_get(json_object_get(doc, "State"), "Running")));
    json_decref(doc);
    /* A failure before any change is a fact: in the history, with why. */
    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), name, 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
    ck_assert_str_eq(ukiyo_history_entry_outcome(e), "failed");
    ck_assert_msg(strstr(ukiyo_history_entry_reason(e), "127.0.0.1:1"), "%s",
                  ukiyo_history_entry_reason(e));
    ck_assert_str_eq(ukiyo_history_entry_kind(e), "update");
    ck_assert_int_gt(ukiyo_history_entry_finished_ms(e), 0);
    ukiyo_history_free(h);
    /* And counted where the metrics count failures. */
    ukiyo_store_stats *stats = NULL;
    ck_assert_int_eq(ukiyo_store_stats_get(&stats, ukiyo_get_store(u)), 0);
    bool counted = false;
    for (size_t i = 0; i < ukiyo_store_stats_outcome_count(stats); i++) {
        const char *c, *k, *o;
        int64_t n = ukiyo_store_stats_outcome(stats, i, &c, &k, &o);
        counted |= strcmp(c, name) == 0 && strcmp(o, "failed") == 0 && n == 1;
    }
    ck_assert(counted);
    ukiyo_store_stats_free(stats);
    /* The next attempt is not blocked by the record of this one; a job of it ends failed. */
    char body[256];
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    req.body = body;
    req.body_len = strlen(body);
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), 0);
    int64_t job_id = 0;
    int ran = 0;
    ck_assert_int_eq(ukiyo_jobs_submit(u, ukiyo_push_events_get(ev, 0), "test", NULL, &job_id), 0);
    ukiyo_push_events_free(ev);
    ck_assert_msg(ukiyo_jobs_run_next(u, NULL, &ran) == 0 && ran == 1, "%s", ukiyo_error_last());
    ukiyo_job *job = NULL;
    ck_assert_int_eq(ukiyo_jobs_get(&job, u, job_id), 0);
    ck_assert_str_eq(ukiyo_job_state(job), "failed");
    ck_assert_uint_eq(ukiyo_job_result_count(job), 1);
    ck_assert_str_eq(ukiyo_job_result_outcome(job, 0), "failed");
    ukiyo_job_free(job);
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), name, 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 2);
    ukiyo_history_free(h);
    free(after);
    free(before);
    free(name);
}
END_TEST

START_TEST(nothing_to_do_and_bad_input)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *fresh = test_unique_name("fresh");
    char *watch = test_unique_name("watch");
    char *pinned = test_unique_name("pinned");
    char *by_id = test_unique_name("byid");
    char *digest = NULL;
    ukiyo_update_result *r = NULL;

    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --name %s %s >/dev/null && "
                             "docker run -d --label ukiyo.test=1 -l ukiyo.monitor-only=true "
                             "--name %s %s >/dev/null",
                             fresh, ref, watch, ref),
                     0);
    ck_assert_int_eq(test_sh(&digest,
                             "docker inspect --format '{{index .RepoDigests 0}}' %s | "
                             "tr -d '\\n'",
                             ref),
                     0);
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --name %s %s >/dev/null && "
                             "docker run -d --label ukiyo.test=1 --name %s $(docker inspect "
                             "--format '{{.Id}}' ukiyo-test/http:v1) >/dev/null",
                             pinned, digest, by_id),
                     0);
    r = update_with(fresh, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FRESH);
    ukiyo_update_result_free(r);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_options dry = UKIYO_UPDATE_OPTIONS_INIT;
    dry.dry_run = 1;
    char *before = container_id(fresh);
    ck_assert_int_eq(ukiyo_update(&r, u, fresh, &dry), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_PLANNED);
    ukiyo_update_result_free(r);
    char *after = container_id(fresh);
    ck_assert_str_eq(after, before); /* a dry run changes nothing */

    r = update_with(watch, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_str_eq(ukiyo_update_result_reason(r), "monitor-only");
    ukiyo_update_result_free(r);
    r = update_with(pinned, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(r), "pinned"));
    ukiyo_update_result_free(r);
    r = update_with(by_id, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(r), "image ID"));
    ukiyo_update_result_free(r);
    r = NULL;
    ck_assert_int_eq(ukiyo_update(&r, u, "ukiyo-test-no-such-container", NULL), UKIYO_ENOTFOUND);
    ck_assert_ptr_null(r);
    free(before);
    free(after);
    free(digest);
    free(fresh);
    free(watch);
    free(pinned);
    free(by_id);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(rollback_returns_to_the_previous_image)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("back");
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;
    char *out;

    opts.min_uptime_s = 1;
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s "
                             "%s >/dev/null",
                             name, ref),
                     0);
    ck_assert_int_eq(ukiyo_rollback(&r, u, name, &opts), UKIYO_ENOTFOUND); /* no earlier image */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    r = update_with(name, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    out = served(name);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    /* A dry run says what it would do and does nothing. */
    opts.dry_run = 1;
    ck_assert_msg(ukiyo_rollback(&r, u, name, &opts) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_PLANNED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "roll") &&
                      !strstr(ukiyo_update_result_reason(r), "pull"),
                  "%s", ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    opts.dry_run = 0;
    out = served(name);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    ck_assert_msg(ukiyo_rollback(&r, u, name, &opts) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_ROLLED_BACK);
    ukiyo_update_result_free(r);
    out = served(name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    json_t *doc = inspect(name);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "Config"), "Image")),
                     ref); /* still the same reference */
    json_decref(doc);
    assert_one_container_named(name);
    /* A stack, not a toggle: nothing is left before v1, so a second rollback has nowhere to go. */
    ck_assert_int_eq(ukiyo_rollback(&r, u, name, &opts), UKIYO_ENOTFOUND);
    out = served(name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    /* An unknown name is reported as such. */
    ck_assert_int_eq(ukiyo_rollback(&r, u, "ukiyo-test-no-such-container", &opts), UKIYO_ENOTFOUND);
    ck_assert_msg(strstr(ukiyo_error_last(), "ukiyo-test-no-such-container"), "%s",
                  ukiyo_error_last());
    free(name);
    free(ref);
    free(repo);
}
END_TEST

/*
 * A container on v1 of a fresh repository whose tag has moved to v2 in the
 * registry: an update's starting point. Its ID and image ID before.
 */
typedef struct {
    char *repo, *ref, *name, *id, *image;
} v1_container;

static void start_v1_with_v2_pushed(v1_container *c, const char *what)
{
    c->ref = push_repo("ukiyo-test/http:v1", &c->repo);
    c->name = test_unique_name(what);
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s "
                             "%s >/dev/null",
                             c->name, c->ref),
                     0);
    c->id = container_id(c->name);
    ck_assert_int_eq(test_sh(&c->image, "docker inspect -f '{{.Image}}' %s", c->name), 0);
    free(test_push("ukiyo-test/http:v2", c->repo, "latest"));
}

/* It runs under its name as it did, and its tag points at its image. */
static void assert_v1_container_as_before(const v1_container *c)
{
    char *id = container_id(c->name), *tag = NULL;

    ck_assert_str_eq(id, c->id);
    ck_assert_int_eq(test_sh(&tag, "docker image inspect -f '{{.Id}}' %s", c->ref), 0);
    ck_assert_str_eq(tag, c->image);
    free(tag);
    free(id);
}

static void v1_container_clear(v1_container *c)
{
    free(c->repo);
    free(c->ref);
    free(c->name);
    free(c->id);
    free(c->image);
}

START_TEST(an_engine_gone_mid_update_is_reconciled_when_it_returns)
{
    engine_proxy *proxy = engine_proxy_start();
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *through_proxy = NULL;
    ukiyo_update_result *r = NULL;
    unsigned fixed = 0;
    v1_container c;

    ck_assert_ptr_nonnull(proxy);
    start_v1_with_v2_pushed(&c, "gone");
    opts.db_path = db_path;
    opts.docker_host = engine_proxy_host(proxy);
    opts.timeout_ms = 3000;
    ck_assert_int_eq(ukiyo_open(&through_proxy, &opts), 0);
    /* The engine vanishes when the new container is to start: the old one is stopped by then. */
    engine_proxy_vanish_at(proxy, "/start");
    ukiyo_update_options uo = UKIYO_UPDATE_OPTIONS_INIT;
    uo.min_uptime_s = 1;
    ck_assert_int_eq(ukiyo_update(&r, through_proxy, c.name, &uo), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "reconcile"), "%s",
                  ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    ukiyo_close(through_proxy);
    engine_proxy_stop(proxy);

    /* The engine is back (the real socket): reconcile puts the old container back. */
    ck_assert_msg(ukiyo_reconcile(u, &fixed) == 0, "%s", ukiyo_error_last());
    ck_assert_uint_eq(fixed, 1);
    assert_one_container_named(c.name);
    assert_v1_container_as_before(&c);
    char *out = served(c.name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    v1_container_clear(&c);
}
END_TEST

/*
 * A rejected release waits: the next push of the same image is skipped,
 * a person can force it, and a newer release takes and clears it.
 */
START_TEST(a_rejected_release_waits_for_a_newer_one_or_force)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("rejected");
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;

    opts.min_uptime_s = 1;
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                             ">/dev/null",
                             name, ref),
                     0);
    free(test_push("ukiyo-test/exits:latest", repo, "latest"));
    ck_assert_int_eq(ukiyo_update(&r, u, name, &opts), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_ROLLED_BACK);
    ukiyo_update_result_free(r);
    /* check says so too, with the registry's digest of it. */
    ukiyo_check_result *c = NULL;
    ck_assert_int_eq(ukiyo_check(&c, u, name), 0);
    ck_assert_str_eq(ukiyo_check_status_name(ukiyo_check_result_status(c)), "rejected");
    ck_assert_msg(strstr(ukiyo_check_result_reason(c), "exit code 3"), "%s",
                  ukiyo_check_result_reason(c));
    /*
     * A push that names the rejected digest (a webhook's job) skips it before
     * any pull: the engine reports no pull of the repository meanwhile.
     */
    char *since = NULL, *pulls = NULL;
    ck_assert_int_eq(test_sh(&since, "date +%%s.%%N | tr -d '\\n'"), 0);
    opts.digest = ukiyo_check_result_remote_digest(c);
    ck_assert_int_eq(ukiyo_update(&r, u, name, &opts), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "rejected"), "%s",
                  ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    opts.digest = NULL;
    ck_assert_int_eq(
        test_sh(&pulls,
                "docker events --since %s --until $(date +%%s.%%N) --filter type=image "
                "--filter event=pull --format '{{.Actor.ID}}' | grep -c %s",
                since, repo),
        1); /* grep -c found nothing */
    ck_assert_str_eq(pulls, "0\n");
    free(since), free(pulls);
    ukiyo_check_result_free(c);
    /* A person forces it: tried again (and rolled back again). */
    opts.force = 1;
    ck_assert_int_eq(ukiyo_update(&r, u, name, &opts), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_ROLLED_BACK);
    ukiyo_update_result_free(r);
    opts.force = 0;
    char *out = served(name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    /* A newer release takes, and what was rejected is forgotten. */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ck_assert_int_eq(ukiyo_update(&r, u, name, &opts), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    ukiyo_rejection_list *rejected = NULL;
    ck_assert_int_eq(ukiyo_store_rejections(&rejected, ukiyo_get_store(u), name), 0);
    ck_assert_uint_eq(ukiyo_rejection_list_count(rejected), 0);
    ukiyo_rejection_list_free(rejected);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

/* What check says a tag policy does, update does (#11: it used to answer fresh). */
START_TEST(update_follows_the_tag_policy_check_names)
{
    char *name = test_unique_name("minor");
    char repo[300];
    snprintf(repo, sizeof(repo), "ukiyo-test/%s", name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "1.2.9");
    free(test_push("ukiyo-test/http:v2", repo, "1.3.0"));
    free(test_push("ukiyo-test/http:v2", repo, "2.0.0"));
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --label ukiyo.policy=minor "
                             "--stop-timeout 1 --name %s %s >/dev/null",
                             name, ref),
                     0);
    ukiyo_check_result *c = NULL;
    ck_assert_int_eq(ukiyo_check(&c, u, name), 0);
    ck_assert_str_eq(ukiyo_check_result_new_tag(c), "1.3.0");
    ukiyo_check_result_free(c);
    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_AUTO);
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED, "%s",
                  ukiyo_update_result_reason(r) ? ukiyo_update_result_reason(r) : "");
    ukiyo_update_result_free(r);
    json_t *doc = inspect(name);
    const char *now = json_string_value(json_object_get(json_object_get(doc, "Config"), "Image"));
    ck_assert_msg(strstr(now, ":1.3.0"), "%s", now);
    json_decref(doc);
    char *out = served(name);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    free(ref);
    free(name);
}
END_TEST

/* Collects the phase names (once each in a row) into the buffer @payload. */
static void note_phase(const char *container, ukiyo_update_phase phase, int elapsed_s, int limit_s,
                       void *payload)
{
    char *buf = payload;
    const char *name = ukiyo_update_phase_name(phase);
    size_t len = strlen(buf), n = strlen(name);
    (void)container, (void)elapsed_s, (void)limit_s;
    if (len >= n + 1 && strncmp(buf + len - n - 1, name, n) == 0)
        return; /* the gate reports each second */
    snprintf(buf + len, 512 - len, "%s,", name);
}

/*
 * A label means one thing on every path: a value that does not parse makes
 * check, ps and update all leave the container alone and say which label;
 * values in the documented forms (a duration with its unit) are taken.
 */
START_TEST(a_label_that_does_not_parse_is_skipped_on_every_path)
{
    static const struct {
        const char *label, *words;
    } bad[] = {
        {"ukiyo.policy=minr", "ukiyo.policy"},
        {"ukiyo.strategy=start-frist", "is not stop-first or start-first"},
        {"ukiyo.monitor-only=yes", "is not true or false"},
        {"ukiyo.min-uptime=abc", "is not a duration"},
        {"ukiyo.schedule=61 3 * * *", "ukiyo.schedule"},
    };
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *name = test_unique_name("badlabel");
        ck_assert_int_eq(test_sh(NULL,
                                 "docker run -d --label ukiyo.test=1 --label '%s' --stop-timeout 1 "
                                 "--name %s %s >/dev/null",
                                 bad[i].label, name, ref),
                         0);
        char *before = container_id(name);
        /* check */
        ukiyo_check_result *c = NULL;
        ck_assert_int_eq(ukiyo_check(&c, u, name), 0);
        ck_assert_str_eq(ukiyo_check_status_name(ukiyo_check_result_status(c)), "skipped");
        ck_assert_msg(strstr(ukiyo_check_result_reason(c), bad[i].words), "%s: %s", bad[i].label,
                      ukiyo_check_result_reason(c));
        ukiyo_check_result_free(c);
        /* update */
        ukiyo_update_result *r = NULL;
        ck_assert_int_eq(ukiyo_update(&r, u, name, NULL), 0);
        ck_assert_str_eq(ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)), "skipped");
        ck_assert_msg(strstr(ukiyo_update_result_reason(r), bad[i].words), "%s: %s", bad[i].label,
                      ukiyo_update_result_reason(r));
        ukiyo_update_result_free(r);
        char *after = container_id(name);
        ck_assert_str_eq(before, after); /* untouched */
        /* ps and check in ukiyoctl say so too */
        char *out = NULL;
        ck_assert_int_eq(test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" ps 2>&1"), 0);
        ck_assert_msg(strstr(out, name) && strstr(out, bad[i].words), "%s", out);
        free(out);
        test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" check %s 2>&1", name);
        ck_assert_msg(strstr(out, "skipped") && strstr(out, bad[i].words), "%s", out);
        free(out);
        test_remove_containers(name);
        free(after);
        free(before);
        free(name);
    }

    /* The documented forms are taken: a health timeout and a minimum uptime with units. */
    char *name = test_unique_name("goodlabel");
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --label ukiyo.health-timeout=60s "
                             "--label ukiyo.min-uptime=1s --label ukiyo.monitor-only=false "
                             "--stop-timeout 1 --name %s %s >/dev/null",
                             name, ref),
                     0);
    free(test_push("ukiyo-test/http:v1", repo, "latest")); /* it runs v2: a release to take */
    ukiyo_update_result *r = NULL;
    /* The phases are reported as they begin, in order (a terminal's live line). */
    char phases[512] = "";
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    opts.phase = note_phase;
    opts.phase_payload = phases;
    ck_assert_msg(ukiyo_update(&r, u, name, &opts) == 0, "%s", ukiyo_error_last());
    ck_assert_msg(strstr(phases, "creating,stopping the old one,switching over,starting,"
                                 "waiting for health"),
                  "%s", phases);
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED, "%s",
                  ukiyo_update_result_reason(r) ? ukiyo_update_result_reason(r) : "");
    ukiyo_update_result_free(r);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

static int count_progress(const ukiyo_pull_progress *p, void *payload)
{
    (void)p;
    (*(int *)payload)++;
    return 0;
}

static void interrupt_handle(void *arg)
{
    ukiyo_interrupt(arg);
}

/*
 * Asked to stop as its pull begins (the engine proxy interrupts the handle
 * just before the pull reaches the engine), an update cuts the pull at its
 * first progress message, which the caller's callback never sees, and
 * changes nothing.
 */
START_TEST(a_pull_is_cut_short_when_the_update_is_asked_to_stop)
{
    engine_proxy *proxy = engine_proxy_start();
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *stopping = NULL;
    ukiyo_update_result *r = NULL;
    int progress = 0;
    v1_container c;

    ck_assert_ptr_nonnull(proxy);
    start_v1_with_v2_pushed(&c, "cutpull");
    opts.db_path = db_path;
    opts.docker_host = engine_proxy_host(proxy);
    ck_assert_int_eq(ukiyo_open(&stopping, &opts), 0);
    engine_proxy_before(proxy, "/images/create", interrupt_handle, stopping);
    ukiyo_update_options uo = UKIYO_UPDATE_OPTIONS_INIT;
    uo.progress = count_progress;
    uo.progress_payload = &progress;
    ck_assert_int_eq(ukiyo_update(&r, stopping, c.name, &uo), UKIYO_EINTERRUPTED);
    ck_assert_msg(strstr(ukiyo_error_last(), "before anything changed"), "%s", ukiyo_error_last());
    ck_assert_int_eq(progress, 0);
    ukiyo_close(stopping);
    engine_proxy_stop(proxy);
    assert_v1_container_as_before(&c);
    v1_container_clear(&c);
}
END_TEST

/*
 * An update whose handle was asked to stop (ukiyo_interrupt(), as ukiyod's
 * stop does) by the time its pull ends changes nothing: UKIYO_EINTERRUPTED,
 * the old container untouched, the tag the pull moved back on its image.
 */
START_TEST(an_update_interrupted_during_its_pull_changes_nothing)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *stopping = NULL;
    ukiyo_update_result *r = NULL;
    v1_container c;

    start_v1_with_v2_pushed(&c, "intpull");
    opts.db_path = db_path;
    ck_assert_int_eq(ukiyo_open(&stopping, &opts), 0);
    ukiyo_interrupt(stopping);
    ck_assert_int_eq(ukiyo_update(&r, stopping, c.name, NULL), UKIYO_EINTERRUPTED);
    ck_assert_msg(strstr(ukiyo_error_last(), "before anything changed"), "%s", ukiyo_error_last());
    ck_assert_ptr_null(r);
    ukiyo_close(stopping);
    assert_v1_container_as_before(&c);
    /* Nothing was begun: nothing for reconcile to do. */
    unsigned fixed = 1;
    ck_assert_int_eq(ukiyo_reconcile(u, &fixed), 0);
    ck_assert_uint_eq(fixed, 0);
    v1_container_clear(&c);
}
END_TEST

/*
 * Ctrl-C (here SIGTERM, handled the same: a background job ignores
 * SIGINT) in ukiyoctl update, while the new container is in its health
 * gate: the old container runs under its name again before ukiyoctl exits
 * (130), its reference's local tag points at what it runs, and history
 * says the update was undone.
 */
START_TEST(ctrl_c_in_ukiyoctl_update_puts_the_old_container_back)
{
    char *out = NULL;
    v1_container c;

    start_v1_with_v2_pushed(&c, "ctrlc");
    /* Interrupted once the new container holds the name (it is in its gate then). */
    int rc = test_sh(&out,
                     "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s update --min-uptime 60 %s "
                     ">%s.out 2>&1 & pid=$!; "
                     "for i in $(seq 600); do "
                     "[ \"$(docker inspect -f '{{.Id}}' %s 2>/dev/null)\" != %s ] && "
                     "[ -n \"$(docker inspect -f '{{.Id}}' %s 2>/dev/null)\" ] && break; "
                     "sleep 0.1; done; sleep 1; kill -TERM $pid; wait $pid; rc=$?; "
                     "cat %s.out; rm -f %s.out; exit $rc",
                     db_path, c.name, db_path, c.name, c.id, c.name, db_path, db_path);
    ck_assert_msg(rc == 130, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "interrupted") && strstr(out, "put back 1 update"), "%s", out);
    free(out);
    assert_one_container_named(c.name);
    /* The tag the pull moved points at the image the container runs again. */
    assert_v1_container_as_before(&c);
    out = served(c.name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    ck_assert_int_eq(test_sh(&out, "\"$UKIYOCTL\" --db %s history %s", db_path, c.name), 0);
    ck_assert_msg(strstr(out, "rolled-back") && strstr(out, "old container restored"), "%s", out);
    free(out);
    v1_container_clear(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update");

    TCase *rollback = tcase_create("rollback");
    tcase_add_checked_fixture(rollback, update_setup, update_teardown);
    tcase_set_timeout(rollback, 300);
    tcase_add_test(rollback, a_new_image_that_exits_at_once_is_rolled_back);
    tcase_add_test(rollback, a_new_image_whose_healthcheck_fails_is_rolled_back);
    tcase_add_test(rollback, a_new_image_that_cannot_start_is_rolled_back);
    tcase_add_test(rollback, a_release_that_crashes_after_it_turned_healthy_is_rolled_back);
    tcase_add_test(rollback, a_release_in_a_restart_loop_is_rolled_back);
    tcase_add_test(rollback, a_release_that_turns_unhealthy_after_it_passed_is_rolled_back);
    tcase_add_test(rollback, a_failed_pull_stops_nothing);
    tcase_add_test(rollback, nothing_to_do_and_bad_input);
    tcase_add_test(rollback, rollback_returns_to_the_previous_image);
    tcase_add_test(rollback, an_engine_gone_mid_update_is_reconciled_when_it_returns);
    tcase_add_test(rollback, ctrl_c_in_ukiyoctl_update_puts_the_old_container_back);
    tcase_add_test(rollback, an_update_interrupted_during_its_pull_changes_nothing);
    tcase_add_test(rollback, a_pull_is_cut_short_when_the_update_is_asked_to_stop);
    tcase_add_test(rollback, a_label_that_does_not_parse_is_skipped_on_every_path);
    tcase_add_test(rollback, a_rejected_release_waits_for_a_newer_one_or_force);
    tcase_add_test(rollback, update_follows_the_tag_policy_check_names);
    suite_add_tcase(s, rollback);
    return test_run_suite(s);
}
