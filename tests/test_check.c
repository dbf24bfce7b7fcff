/*
 * test_check.c - "is a newer image available?" end to end: through the
 * library and through the ukiyoctl program, against the real engine and
 * the loopback registry.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ukiyo.h>

#include "testlib.h"

static ukiyo *u;

static void setup(void)
{
    test_require_engine();
    ck_assert_int_eq(ukiyo_open(&u, NULL), 0);
}

static void teardown(void)
{
    ukiyo_close(u);
    u = NULL;
    test_cleanup();
}

/* docker run -d a container of @ref with the test label. */
static void run_container(const char *name, const char *ref)
{
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --name %s %s >/dev/null",
                             name, ref),
                     0);
}

/* Run ukiyoctl with @args; its stdout and stderr in @out (new), its exit status returned. */
static int ukiyoctl(char **out, const char *args)
{
    /* Under the valgrind setup, ukiyoctl runs under valgrind too (exit 99 on an error). */
    return test_sh(out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" %s 2>&1", args);
}

/* The same with its stdout alone (what a script parses: warnings go to stderr). */
static int ukiyoctl_stdout(char **out, const char *args)
{
    return test_sh(out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" %s", args);
}

static ukiyo_check_result *check(const char *name)
{
    ukiyo_check_result *r = NULL;
    int err = ukiyo_check(&r, u, name);

    ck_assert_msg(err == 0, "check %s: %s", name, ukiyo_error_last());
    return r;
}

/* A repository of our own on the loopback registry, v1 pushed under :latest. */
static char *push_v1(char **repo_out)
{
    char *name = test_unique_name("repo");
    char repo[256];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", name);
    free(name);
    *repo_out = strdup(repo);
    return test_push("ukiyo-test/http:v1", repo, "latest");
}

START_TEST(check_finds_a_newer_image_after_a_push)
{
    char *repo = NULL;
    char *ref = push_v1(&repo);
    char *name = test_unique_name("web");

    run_container(name, ref);
    ukiyo_check_result *r = check(name);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UP_TO_DATE);
    ck_assert_str_eq(ukiyo_check_result_local_digest(r), ukiyo_check_result_remote_digest(r));
    ck_assert_str_eq(ukiyo_check_result_image(r), ref);
    ck_assert_str_eq(ukiyo_check_result_name(r), name);
    char *v1_digest = strdup(ukiyo_check_result_local_digest(r));
    ukiyo_check_result_free(r);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    r = check(name);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UPDATE_AVAILABLE);
    ck_assert_str_eq(ukiyo_check_result_local_digest(r), v1_digest);
    ck_assert_str_ne(ukiyo_check_result_remote_digest(r), v1_digest);
    ukiyo_check_result_free(r);
    free(v1_digest);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(check_after_pulling_the_newer_image)
{
    char *repo = NULL;
    char *ref = push_v1(&repo);
    char *old_name = test_unique_name("old");
    char *new_name = test_unique_name("new");
    char args[600];
    char *out = NULL;

    run_container(old_name, ref);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    /* Forget the local tag so that only the pull below brings v2 in. */
    test_sh(NULL, "docker rmi %s >/dev/null 2>&1", ref);
    snprintf(args, sizeof(args), "pull %s", ref);
    ck_assert_msg(ukiyoctl(&out, args) == 0, "ukiyoctl pull: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "pulled"));
    free(out);

    /* A container started from the pulled tag runs the newest image... */
    run_container(new_name, ref);
    ukiyo_check_result *r = check(new_name);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UP_TO_DATE);
    ukiyo_check_result_free(r);
    /* ...the old one still runs v1 until it is recreated, and check says so. */
    r = check(old_name);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UPDATE_AVAILABLE);
    ck_assert(ukiyo_check_result_newer_image_pulled(r));
    ukiyo_check_result_free(r);
    free(old_name);
    free(new_name);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(ukiyoctl_check_json_is_scriptable)
{
    char *repo = NULL;
    char *ref = push_v1(&repo);
    char *name = test_unique_name("json");
    char args[300];
    char *out = NULL;
    json_error_t jerr;

    run_container(name, ref);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    snprintf(args, sizeof(args), "check --json %s", name);
    ck_assert_int_eq(ukiyoctl_stdout(&out, args), 0);
    json_t *doc = json_loads(out, 0, &jerr);
    ck_assert_msg(json_is_array(doc), "not a JSON array: %s (%s)", out, jerr.text);
    ck_assert_uint_eq(json_array_size(doc), 1);
    json_t *row = json_array_get(doc, 0);
    ck_assert_str_eq(json_string_value(json_object_get(row, "name")), name);
    ck_assert_str_eq(json_string_value(json_object_get(row, "image")), ref);
    ck_assert_str_eq(json_string_value(json_object_get(row, "status")), "update-available");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(row, "local_digest")));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(row, "remote_digest")));
    json_decref(doc);
    free(out);

    snprintf(args, sizeof(args), "check %s", name);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    ck_assert_ptr_nonnull(strstr(out, "update-available"));
    free(out);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(ukiyoctl_ps_lists_reference_digest_and_state)
{
    char *repo = NULL;
    char *ref = push_v1(&repo);
    char *name = test_unique_name("ps");
    char *out = NULL;
    json_error_t jerr;

    run_container(name, ref);
    ck_assert_int_eq(ukiyoctl_stdout(&out, "ps --json"), 0);
    json_t *doc = json_loads(out, 0, &jerr);
    ck_assert_msg(json_is_array(doc), "%s", out);
    json_t *mine = NULL, *row;
    size_t i;
    json_array_foreach(doc, i, row) {
        if (strcmp(json_string_value(json_object_get(row, "name")), name) == 0)
            mine = row;
    }
    ck_assert_ptr_nonnull(mine);
    ck_assert_str_eq(json_string_value(json_object_get(mine, "image")), ref);
    ck_assert_str_eq(json_string_value(json_object_get(mine, "state")), "running");
    ck_assert_int_eq(strncmp(json_string_value(json_object_get(mine, "local_digest")),
                             "sha256:", 7),
                     0);
    ck_assert_int_eq(strncmp(json_string_value(json_object_get(mine, "image_id")), "sha256:", 7),
                     0);
    json_decref(doc);
    free(out);
    ck_assert_int_eq(ukiyoctl_stdout(&out, "ps"), 0);
    ck_assert_ptr_nonnull(strstr(out, name));
    ck_assert_ptr_nonnull(strstr(out, "running"));
    /*
     * It fits 100 columns; --wide shows the rest. Names are never cut: one
     * past 30 characters (another suite's, on a shared engine) widens it.
     */
    const char *image_column = strstr(out, "IMAGE");
    ck_assert_ptr_nonnull(image_column);
    size_t name_width = (size_t)(image_column - out) - 3;
    size_t allowed = 100 + (name_width > 30 ? name_width - 30 : 0);
    for (char *line = out; line && *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        ck_assert_msg(len <= allowed || !strstr(line, "ukiyo-test"), "%zu columns: %.*s", len,
                      (int)len, line);
        line = end ? end + 1 : NULL;
    }
    ck_assert_ptr_null(strstr(out, "IMAGE ID"));
    free(out);
    ck_assert_int_eq(ukiyoctl_stdout(&out, "ps --wide"), 0);
    ck_assert_ptr_nonnull(strstr(out, "IMAGE ID"));
    ck_assert_ptr_nonnull(strstr(out, "NEXT WINDOW"));
    free(out);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(locally_built_and_pinned_images)
{
    char *local = test_unique_name("local");
    char *pinned = test_unique_name("pinned");
    char *repo = NULL;
    char *ref = push_v1(&repo);
    char *digest = NULL, *out = NULL, args[600];

    /* Built here, never pulled: no digest to compare, so "unknown" and why. */
    run_container(local, "ukiyo-test/http:v1");
    ukiyo_check_result *r = check(local);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UNKNOWN);
    ck_assert_ptr_nonnull(strstr(ukiyo_check_result_reason(r), "built or loaded locally"));
    ukiyo_check_result_free(r);
    snprintf(args, sizeof(args), "check --json %s", local);
    ck_assert_int_eq(ukiyoctl(&out, args), 3); /* a check that could not be made */
    ck_assert_ptr_nonnull(strstr(out, "\"unknown\""));
    free(out);

    /* Pinned to a digest: nothing to update, and said so. */
    ck_assert_int_eq(test_sh(&digest,
                             "docker inspect --format '{{index .RepoDigests 0}}' %s | "
                             "tr -d '\\n'",
                             ref),
                     0);
    run_container(pinned, digest);
    r = check(pinned);
    ck_assert_int_eq(ukiyo_check_result_status(r), UKIYO_CHECK_UP_TO_DATE);
    ck_assert_ptr_nonnull(strstr(ukiyo_check_result_reason(r), "pinned"));
    ukiyo_check_result_free(r);
    free(digest);
    free(local);
    free(pinned);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(bad_input_gives_clear_errors_and_exit_codes)
{
    ukiyo_check_result *r = NULL;
    char *out = NULL;

    ck_assert_int_eq(ukiyo_check(&r, u, "ukiyo-test-no-such-container"), UKIYO_ENOTFOUND);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(ukiyoctl(&out, "check ukiyo-test-no-such-container"), 3);
    ck_assert_ptr_nonnull(strstr(out, "No such container"));
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "pull 'Bad/Ref:'"), 2);
    ck_assert_ptr_nonnull(strstr(out, "invalid reference"));
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "--host unix:///nonexistent/ukiyo.sock ps"), 1);
    ck_assert_msg(strstr(out, "does not answer") && strstr(out, "dockerd"), "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "connection failed"));
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "no-such-command"), 2);
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "ps --bogus"), 2);
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "pull 127.0.0.1:5000/ukiyo-test/never-pushed:v0"), 1);
    ck_assert_ptr_nonnull(strstr(out, "not found"));
    free(out);
}
END_TEST

START_TEST(help_and_version)
{
    char *out = NULL;

    ck_assert_int_eq(ukiyoctl(&out, "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "Exit status"));
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "check --help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "update-available"));
    free(out);
    ck_assert_int_eq(ukiyoctl_stdout(&out, "version --json"), 0);
    ck_assert_ptr_nonnull(strstr(out, UKIYO_VERSION_STRING));
    ck_assert_ptr_nonnull(strstr(out, "api_version"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("check");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, check_finds_a_newer_image_after_a_push);
    tcase_add_test(tc, check_after_pulling_the_newer_image);
    tcase_add_test(tc, ukiyoctl_check_json_is_scriptable);
    tcase_add_test(tc, ukiyoctl_ps_lists_reference_digest_and_state);
    tcase_add_test(tc, locally_built_and_pinned_images);
    tcase_add_test(tc, bad_input_gives_clear_errors_and_exit_codes);
    tcase_add_test(tc, help_and_version);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
