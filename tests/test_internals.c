/*
 * test_internals.c - library internals that parse untrusted input or
 * encode: WWW-Authenticate challenges, base64, constant-time comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "push_callback.h"
#include "testlib.h"
#include "www_authenticate.h"

static int parse_file(www_challenge *c, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "www-authenticate/%s", name);
    char *header = test_data_read(path);
    int err = ukiyo__www_authenticate_parse(c, header);
    free(header);
    return err;
}

START_TEST(docker_hub_bearer_challenge)
{
    www_challenge c;

    ck_assert_int_eq(parse_file(&c, "hub.txt"), 0);
    ck_assert_int_eq(c.scheme, CHALLENGE_BEARER);
    ck_assert_str_eq(c.realm, "https://auth.docker.io/token");
    ck_assert_str_eq(c.service, "registry.docker.io");
    ck_assert_str_eq(c.scope, "repository:library/nginx:pull");
    ukiyo__www_challenge_clear(&c);
}
END_TEST

START_TEST(basic_challenge)
{
    www_challenge c;

    ck_assert_int_eq(parse_file(&c, "basic.txt"), 0);
    ck_assert_int_eq(c.scheme, CHALLENGE_BASIC);
    ck_assert_str_eq(c.realm, "ukiyo-test");
    ukiyo__www_challenge_clear(&c);
}
END_TEST

START_TEST(bearer_wins_over_basic_in_a_list)
{
    www_challenge c;

    ck_assert_int_eq(parse_file(&c, "basic-then-bearer.txt"), 0);
    ck_assert_int_eq(c.scheme, CHALLENGE_BEARER);
    ck_assert_str_eq(c.realm, "https://ghcr.io/token");
    ck_assert_str_eq(c.scope, "repository:owner/app:pull");
    ukiyo__www_challenge_clear(&c);
}
END_TEST

START_TEST(quoted_escapes_are_undone)
{
    www_challenge c;

    ck_assert_int_eq(parse_file(&c, "escaped.txt"), 0);
    ck_assert_str_eq(c.scope, "repository:a\"b:pull");
    ck_assert_str_eq(c.error, "insufficient_scope");
    ukiyo__www_challenge_clear(&c);
}
END_TEST

START_TEST(unusable_challenges_are_refused)
{
    static const char *const bad[] = {"bearer-no-realm.txt", "unknown-scheme.txt",
                                      "unterminated.txt"};
    www_challenge c;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(parse_file(&c, bad[i]) == UKIYO_EPROTOCOL, "%s accepted", bad[i]);
    ck_assert_int_eq(ukiyo__www_authenticate_parse(&c, NULL), UKIYO_EPROTOCOL);
    ck_assert_int_eq(ukiyo__www_authenticate_parse(&c, ""), UKIYO_EPROTOCOL);
}
END_TEST

START_TEST(base64_round_trips_both_alphabets)
{
    static const char *const inputs[] = {"",     "f",     "fo",     "foo",
                                         "foob", "fooba", "foobar", "\xff\xfe\xfd"};

    for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
        for (int url = 0; url <= 1; url++) {
            char *enc = ukiyo__base64_encode(inputs[i], strlen(inputs[i]), url);
            size_t len = 0;
            unsigned char *dec = ukiyo__base64_decode(enc, &len);
            ck_assert_ptr_nonnull(dec);
            ck_assert_uint_eq(len, strlen(inputs[i]));
            ck_assert_int_eq(memcmp(dec, inputs[i], len), 0);
            free(enc);
            free(dec);
        }
    }
    char *enc = ukiyo__base64_encode("foobar", 6, false);
    ck_assert_str_eq(enc, "Zm9vYmFy");
    free(enc);
}
END_TEST

START_TEST(base64_refuses_garbage)
{
    size_t len;

    ck_assert_ptr_null(ukiyo__base64_decode("a$bc", &len));
    ck_assert_ptr_null(ukiyo__base64_decode("a", &len));
}
END_TEST

START_TEST(secret_comparison)
{
    ck_assert(ukiyo__str_equal_secret("s3cret", "s3cret"));
    ck_assert(!ukiyo__str_equal_secret("s3cret", "s3cre"));
    ck_assert(!ukiyo__str_equal_secret("s3cret", "s3cretx"));
    ck_assert(!ukiyo__str_equal_secret("", "x"));
    ck_assert(ukiyo__str_equal_secret("", ""));
}
END_TEST

START_TEST(error_codes_have_names)
{
    ck_assert_str_eq(ukiyo_strerror(UKIYO_ENOTFOUND), "not found");
    ck_assert_str_eq(ukiyo_strerror(12345), "unknown error");
    ukiyo__error_set(UKIYO_EINVAL, "first");
    ukiyo__error_wrap(UKIYO_EINVAL, "context");
    ck_assert_str_eq(ukiyo_error_last(), "context: first");
    ukiyo_error_clear();
    ck_assert_str_eq(ukiyo_error_last(), "");
}
END_TEST

START_TEST(loopback_is_decided_exactly)
{
    char *list = test_data_read("loopback-registries.txt"), *save = NULL;
    unsigned cases = 0;

    for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char want[4], registry[128];
        if (line[0] == '#' || sscanf(line, "%3s %127s", want, registry) != 2)
            continue;
        ck_assert_msg(ukiyo__registry_is_loopback(registry) == (strcmp(want, "yes") == 0),
                      "%s: want %s", registry, want);
        cases++;
    }
    ck_assert_uint_ge(cases, 15);
    free(list);
}
END_TEST

/* The library as built by default holds no test knob: the variable widens nothing. */
START_TEST(callback_allow_list_ignores_the_test_variable)
{
    setenv("UKIYO_TEST_DOCKERHUB_CALLBACK_PREFIX", "http://127.0.0.1:1/", 1);
    ck_assert(!ukiyo__dockerhub_callback_allowed("http://127.0.0.1:1/callback"));
    ck_assert(ukiyo__dockerhub_callback_allowed("https://registry.hub.docker.com/u/a/b/hook/1/"));
    ck_assert(!ukiyo__dockerhub_callback_allowed("https://registry.hub.docker.com.evil/x"));
    unsetenv("UKIYO_TEST_DOCKERHUB_CALLBACK_PREFIX");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("internals");
    TCase *tc = tcase_create("parsers");

    tcase_add_test(tc, docker_hub_bearer_challenge);
    tcase_add_test(tc, basic_challenge);
    tcase_add_test(tc, bearer_wins_over_basic_in_a_list);
    tcase_add_test(tc, quoted_escapes_are_undone);
    tcase_add_test(tc, unusable_challenges_are_refused);
    tcase_add_test(tc, base64_round_trips_both_alphabets);
    tcase_add_test(tc, base64_refuses_garbage);
    tcase_add_test(tc, secret_comparison);
    tcase_add_test(tc, error_codes_have_names);
    tcase_add_test(tc, loopback_is_decided_exactly);
    tcase_add_test(tc, callback_allow_list_ignores_the_test_variable);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
