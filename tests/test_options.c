/*
 * test_options.c - the options structs' versions (libgit2's model): each
 * *_options_init() fills what its INIT macro does, and both it and the
 * function that takes the struct refuse a version this library does not
 * know, saying so. Needs nothing running.
 */
#include <check.h>
#include <string.h>

#include <ukiyo.h>

#include "testlib.h"

/* init() of the current version equals the INIT macro; 0 and one past are refused. */
#define CHECK_INIT(type, fn, init_macro, version_macro)                                            \
    do {                                                                                           \
        static const type from_macro = init_macro;                                                 \
        type from_init;                                                                            \
        memset(&from_init, 0x5a, sizeof(from_init));                                               \
        ck_assert_int_eq(fn(&from_init, version_macro), 0);                                        \
        ck_assert_msg(memcmp(&from_macro, &from_init, sizeof(from_init)) == 0,                     \
                      #fn " differs from " #init_macro);                                           \
        ck_assert_int_eq(fn(&from_init, 0), UKIYO_EINVAL);                                         \
        ck_assert_int_eq(fn(&from_init, version_macro + 1), UKIYO_EINVAL);                         \
        ck_assert_msg(strstr(ukiyo_error_last(), #type) && strstr(ukiyo_error_last(), "unknown"),  \
                      "%s", ukiyo_error_last());                                                   \
        ck_assert_int_eq(fn(NULL, version_macro), UKIYO_EINVAL);                                   \
    } while (0)

START_TEST(options_init_matches_the_macros)
{
    CHECK_INIT(ukiyo_options, ukiyo_options_init, UKIYO_OPTIONS_INIT, UKIYO_OPTIONS_VERSION);
    CHECK_INIT(ukiyo_auth_options, ukiyo_auth_options_init, UKIYO_AUTH_OPTIONS_INIT,
               UKIYO_AUTH_OPTIONS_VERSION);
    CHECK_INIT(ukiyo_docker_options, ukiyo_docker_options_init, UKIYO_DOCKER_OPTIONS_INIT,
               UKIYO_DOCKER_OPTIONS_VERSION);
    CHECK_INIT(ukiyo_registry_options, ukiyo_registry_options_init, UKIYO_REGISTRY_OPTIONS_INIT,
               UKIYO_REGISTRY_OPTIONS_VERSION);
    CHECK_INIT(ukiyo_update_options, ukiyo_update_options_init, UKIYO_UPDATE_OPTIONS_INIT,
               UKIYO_UPDATE_OPTIONS_VERSION);
    CHECK_INIT(ukiyo_notifier_options, ukiyo_notifier_options_init, UKIYO_NOTIFIER_OPTIONS_INIT,
               UKIYO_NOTIFIER_OPTIONS_VERSION);
    CHECK_INIT(ukiyo_push_request, ukiyo_push_request_init, UKIYO_PUSH_REQUEST_INIT,
               UKIYO_PUSH_REQUEST_VERSION);
}
END_TEST

static void assert_refused(int err, const char *type)
{
    ck_assert_int_eq(err, UKIYO_EINVAL);
    ck_assert_msg(strstr(ukiyo_error_last(), type) && strstr(ukiyo_error_last(), "version 99"),
                  "%s", ukiyo_error_last());
}

START_TEST(an_unknown_version_is_refused_where_it_is_taken)
{
    ukiyo_options o = UKIYO_OPTIONS_INIT;
    ukiyo_auth_options ao = UKIYO_AUTH_OPTIONS_INIT;
    ukiyo_docker_options dopt = UKIYO_DOCKER_OPTIONS_INIT;
    ukiyo_registry_options ro = UKIYO_REGISTRY_OPTIONS_INIT;
    ukiyo_notifier_options no = UKIYO_NOTIFIER_OPTIONS_INIT;
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo *u = NULL;
    ukiyo_auth *a = NULL;
    ukiyo_docker *d = NULL;
    ukiyo_registry *r = NULL;
    ukiyo_notifier *n = NULL;
    ukiyo_push_events *ev = NULL;

    o.version = ao.version = dopt.version = ro.version = no.version = req.version = 99;
    assert_refused(ukiyo_open(&u, &o), "ukiyo_options");
    assert_refused(ukiyo_auth_new(&a, &ao), "ukiyo_auth_options");
    assert_refused(ukiyo_docker_new(&d, &dopt), "ukiyo_docker_options");
    assert_refused(ukiyo_registry_new(&r, &ro), "ukiyo_registry_options");
    assert_refused(ukiyo_notifier_new(&n, NULL, &no), "ukiyo_notifier_options");
    req.body = "{}";
    req.body_len = 2;
    assert_refused(ukiyo_push_parse(&ev, &req), "ukiyo_push_request");
    ck_assert(!u && !a && !d && !r && !n && !ev);

    /* The update options are checked before anything is looked up. */
    ukiyo_options ok = UKIYO_OPTIONS_INIT;
    ck_assert_int_eq(ukiyo_open(&u, &ok), 0);
    ukiyo_update_options uo = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *res = NULL;
    uo.version = 99;
    assert_refused(ukiyo_update(&res, u, "no-such-container", &uo), "ukiyo_update_options");
    assert_refused(ukiyo_redeploy(&res, u, "no-such-container", &uo), "ukiyo_update_options");
    assert_refused(ukiyo_update(&res, u, "service/no-such-service", &uo), "ukiyo_update_options");
    /* The job worker copies them for each container it updates: checked there too. */
    int ran = 0;
    assert_refused(ukiyo_jobs_run_next(u, &uo, &ran), "ukiyo_update_options");
    ck_assert_ptr_null(res);
    ukiyo_close(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("versions");

    tcase_add_test(tc, options_init_matches_the_macros);
    tcase_add_test(tc, an_unknown_version_is_refused_where_it_is_taken);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
