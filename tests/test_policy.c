/*
 * test_policy.c - tag policies: which tag each moves a container to, and
 * why a bad one is refused. Needs nothing running.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ukiyo.h>

#include "testlib.h"

/* Build a tag list from a space-separated string, through the public API only. */
static const char *choose(const char *policy_text, const char *current, const char *tags_text)
{
    static char result[64];
    ukiyo_policy *policy = NULL;
    ukiyo_string_list *tags = NULL;
    char *tag = NULL;

    ck_assert_msg(ukiyo_policy_parse(&policy, policy_text) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_string_list_new(&tags), 0);
    char *copy = strdup(tags_text), *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
        ck_assert_int_eq(ukiyo_string_list_append(tags, t), 0);
    free(copy);
    int err = ukiyo_policy_choose(&tag, policy, current, tags);
    snprintf(result, sizeof(result), "%s", err < 0 ? "error" : tag ? tag : "-");
    free(tag);
    ukiyo_string_list_free(tags);
    ukiyo_policy_free(policy);
    return result;
}

static const char tags[] = "latest 1.2.8 1.2.9 1.2.10 1.3.0 2.0.0 2.1.0-rc.1 1.3 1";

static const struct {
    const char *policy, *current, *tags, *expected;
} policy_cases[] = {
    {"patch", "1.2.9", tags, "1.2.10"},
    {"minor", "1.2.9", tags, "1.3.0"},
    {"major", "1.2.9", tags, "2.0.0"},
    {"all", "1.2.9", tags, "2.1.0-rc.1"}, /* all takes pre-releases */
    {"all", "1.2.9", "1.2.9 1.2.10 1.3.0 2.0.0", "2.0.0"},
    {"digest", "1.2.9", tags, "-"},
    {"never", "1.2.9", tags, "-"},
    {"major", "2.0.0", tags, "-"}, /* nothing newer: no downgrade */
    {"patch", "1.2.10", "1.2.9 1.2.10", "-"},
    {"minor", "v1.2.9", "v1.2.9 v1.2.10 v1.4.1 2.0.0", "v1.4.1"},
    {"major", "2.1.0-rc.1", "2.1.0-rc.1 2.1.0-rc.2 2.1.0-beta", "2.1.0-rc.2"},
    {"major", "2.1.0-rc.2", "2.1.0-rc.1 2.1.0-rc.2 2.1.0", "2.1.0"},
    {"minor", "1.3", "1.3 1.4 1.3.5 2.0", "1.4"}, /* the same shape only */
    {"patch", "1.2.9", "1.2.10-rc.1 1.2.9", "-"}, /* no pre-release from a release */
    {"regex:^1\\.2\\.", "1.2.9", tags, "1.2.10"},
    {"regex:-alpine$", "3.18-alpine", "3.18-alpine 3.19-alpine 3.19 3.2-alpine", "3.19-alpine"},
    {"regex:^build-", "build-99", "build-100 build-98 other", "build-100"},
    {"minor", "latest", tags, "error"}, /* a version policy needs a version */
};

START_TEST(policies_choose_tags)
{
    const char *got =
        choose(policy_cases[_i].policy, policy_cases[_i].current, policy_cases[_i].tags);
    ck_assert_msg(strcmp(got, policy_cases[_i].expected) == 0, "%s from %s: %s, expected %s",
                  policy_cases[_i].policy, policy_cases[_i].current, got,
                  policy_cases[_i].expected);
}
END_TEST

START_TEST(bad_policies_say_why)
{
    static const struct {
        const char *text, *reason;
    } bad[] = {{"minr", "unknown policy"},
               {"regex:(", "bad regular expression"},
               {"regex:", "needs a pattern"},
               {"Major", "unknown policy"}};
    ukiyo_policy *p = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(ukiyo_policy_parse(&p, bad[i].text), UKIYO_EINVAL);
        ck_assert_msg(strstr(ukiyo_error_last(), bad[i].reason), "%s: %s", bad[i].text,
                      ukiyo_error_last());
    }
    ck_assert_int_eq(ukiyo_policy_parse(&p, NULL), 0);
    ck_assert_str_eq(ukiyo_policy_text(p), "digest");
    ukiyo_policy_free(p);
    ck_assert_int_lt(ukiyo_tag_compare("1.2.9", "1.2.10"), 0);
    ck_assert_int_lt(ukiyo_tag_compare("build-9", "build-10"), 0);
    ck_assert_int_gt(ukiyo_tag_compare("1.0.0", "1.0.0-rc.1"), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("policy");

    tcase_add_loop_test(tc, policies_choose_tags, 0,
                        sizeof(policy_cases) / sizeof(policy_cases[0]));
    tcase_add_test(tc, bad_policies_say_why);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
