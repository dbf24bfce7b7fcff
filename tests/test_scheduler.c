/*
 * test_scheduler.c - cron expressions (parsing, next times across month
 * ends, leap years and DST changes), durations, tag policies, and the
 * scheduler's clock. Needs nothing running.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ukiyo.h>

#include "testlib.h"

/* "2026-03-29T01:00:00Z" <-> ms since the epoch. */
static int64_t ms_of(const char *iso)
{
    struct tm tm = {0};
    ck_assert_ptr_nonnull(strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return (int64_t)timegm(&tm) * 1000;
}

static char *iso_of(int64_t ms)
{
    static char buf[32];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static const char *next_after(const char *expr, const char *after)
{
    ukiyo_cron *c = NULL;
    int64_t next = 0;

    ck_assert_msg(ukiyo_cron_parse(&c, expr) == 0, "%s: %s", expr, ukiyo_error_last());
    ck_assert_msg(ukiyo_cron_next(c, ms_of(after), &next) == 0, "%s: %s", expr,
                  ukiyo_error_last());
    ukiyo_cron_free(c);
    return iso_of(next);
}

static const struct {
    const char *expr, *after, *next;
} next_cases[] = {
    {"0 3 * * *", "2026-11-25T01:00:00Z", "2026-11-25T03:00:00Z"},
    {"0 3 * * *", "2026-11-25T03:00:00Z", "2026-11-26T03:00:00Z"}, /* strictly after */
    {"0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"}, /* April has 30 */
    {"0 12 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T12:00:00Z"}, /* leap year */
    {"0 0 29 2 *", "2099-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},  /* 2100 is not one */
    {"@monthly", "2026-12-15T08:00:00Z", "2027-01-01T00:00:00Z"},
    {"@yearly", "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z"},
    {"@hourly", "2026-11-25T10:59:30Z", "2026-11-25T11:00:00Z"},
    {"@weekly", "2026-11-25T10:00:00Z", "2026-11-29T00:00:00Z"},
    {"*/15 9-17 * * mon-fri", "2026-11-27T17:50:00Z", "2026-11-30T09:00:00Z"},
    {"5,35 */6 * * *", "2026-11-25T06:36:00Z", "2026-11-25T12:05:00Z"},
    {"0 0 13 * fri", "2026-11-01T00:00:00Z", "2026-11-06T00:00:00Z"}, /* either day field */
    {"0 0 * * 7", "2026-11-25T00:00:00Z", "2026-11-29T00:00:00Z"},    /* 7 is Sunday */
    {"0 4 1-7 jan-mar/2 *", "2026-01-08T00:00:00Z", "2026-03-01T04:00:00Z"},
    {"10/20 * * * *", "2026-11-25T10:31:00Z", "2026-11-25T10:50:00Z"},
    /* Berlin, clocks forward on 2026-03-29 at 01:00 UTC: 02:30 never happens, it runs at 03:00. */
    {"CRON_TZ=Europe/Berlin 30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
    {"CRON_TZ=Europe/Berlin 30 2 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
    /* Clocks back on 2026-10-25: 02:30 happens twice and runs once, the first time. */
    {"CRON_TZ=Europe/Berlin 30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
    {"CRON_TZ=Europe/Berlin 30 2 * * *", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
    {"TZ=America/New_York 0 9 * * *", "2026-03-07T15:00:00Z", "2026-03-08T13:00:00Z"},
    {"TZ=America/New_York 0 9 * * *", "2026-11-01T12:00:00Z", "2026-11-01T14:00:00Z"},
    /* Past the zone file's last transition, its POSIX rule takes over. */
    {"CRON_TZ=Europe/Berlin 0 12 1 7 *", "2040-01-01T00:00:00Z", "2040-07-01T10:00:00Z"},
    {"TZ=CET-1CEST,M3.5.0,M10.5.0/3 0 12 1 7 *", "2026-01-01T00:00:00Z", "2026-07-01T10:00:00Z"},
    {"CRON_TZ=Australia/Sydney 0 12 1 1 *", "2026-06-01T00:00:00Z", "2027-01-01T01:00:00Z"},
    {"CRON_TZ=UTC 0 0 1 1 *", "2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"},
};

START_TEST(cron_next_times)
{
    const char *got = next_after(next_cases[_i].expr, next_cases[_i].after);
    ck_assert_msg(strcmp(got, next_cases[_i].next) == 0, "%s after %s: %s, expected %s",
                  next_cases[_i].expr, next_cases[_i].after, got, next_cases[_i].next);
}
END_TEST

static const struct {
    const char *expr, *reason;
} invalid_cases[] = {
    {"", "expected five fields"},
    {"* * * *", "found 4"},
    {"* * * * * *", "more than five"},
    {"60 * * * *", "minute: 60 is out of range 0-59"},
    {"* 24 * * *", "hour: 24 is out of range"},
    {"* * 0 * *", "day of month: 0 is out of range"},
    {"* * * 13 *", "month: 13"},
    {"* * * * 8", "day of week: 8"},
    {"5-3 * * * *", "runs backwards"},
    {"*/0 * * * *", "bad step"},
    {"* * * foo *", "\"foo\" is not a value"},
    {"1,,2 * * * *", "empty list item"},
    {"1, * * * *", "empty list item"},
    {"@reboot", "unknown shortcut"},
    {"@daily extra", "unknown shortcut"},
    {"CRON_TZ=Mars/Olympus 0 3 * * *", "unknown time zone"},
    {"CRON_TZ=../../etc/passwd 0 3 * * *", "unknown time zone"},
    {"1-2-3 * * * *", "unexpected"},
};

START_TEST(cron_invalid_expressions_say_why)
{
    ukiyo_cron *c = NULL;
    ck_assert_int_eq(ukiyo_cron_parse(&c, invalid_cases[_i].expr), UKIYO_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(ukiyo_error_last(), invalid_cases[_i].reason), "%s: %s",
                  invalid_cases[_i].expr, ukiyo_error_last());
}
END_TEST

START_TEST(cron_matches_and_never)
{
    ukiyo_cron *c = NULL;
    int64_t next = 0;

    ck_assert_int_eq(ukiyo_cron_parse(&c, "CRON_TZ=Europe/Berlin 0-59 3 * * *"), 0);
    ck_assert_str_eq(ukiyo_cron_zone(c), "Europe/Berlin");
    ck_assert_int_eq(ukiyo_cron_matches(c, ms_of("2026-11-25T02:15:00Z")), 1); /* 03:15 CET */
    ck_assert_int_eq(ukiyo_cron_matches(c, ms_of("2026-11-25T03:15:00Z")), 0);
    ukiyo_cron_free(c);
    ck_assert_int_eq(ukiyo_cron_parse(&c, "0 0 30 2 *"), 0);
    ck_assert_int_eq(ukiyo_cron_next(c, ms_of("2026-01-01T00:00:00Z"), &next), UKIYO_ENOTFOUND);
    ukiyo_cron_free(c);
}
END_TEST

START_TEST(durations)
{
    static const struct {
        const char *text;
        int64_t ms;
    } ok[] = {{"90", 90000},     {"30s", 30000},       {"15m", 900000},
              {"2h", 7200000},   {"1d", 86400000},     {"1h30m", 5400000},
              {"1d2h3m4s", 93784000}};
    static const char *const bad[] = {"", "0", "0s", "-5m", "5x", "m", "1.5h", "5m1h",
                                      "400d", "99999999999999999999", "1h ", " 1h"};
    int64_t ms;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ck_assert_msg(ukiyo_duration_parse(ok[i].text, &ms) == 0, "%s", ok[i].text);
        ck_assert_int_eq(ms, ok[i].ms);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(ukiyo_duration_parse(bad[i], &ms) == UKIYO_EINVAL, "%s", bad[i]);
}
END_TEST

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
    int err = ukiyo_policy_choose(policy, current, tags, &tag);
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
    {"major", "2.0.0", tags, "-"},          /* nothing newer: no downgrade */
    {"patch", "1.2.10", "1.2.9 1.2.10", "-"},
    {"minor", "v1.2.9", "v1.2.9 v1.2.10 v1.4.1 2.0.0", "v1.4.1"},
    {"major", "2.1.0-rc.1", "2.1.0-rc.1 2.1.0-rc.2 2.1.0-beta", "2.1.0-rc.2"},
    {"major", "2.1.0-rc.2", "2.1.0-rc.1 2.1.0-rc.2 2.1.0", "2.1.0"},
    {"minor", "1.3", "1.3 1.4 1.3.5 2.0", "1.4"}, /* the same shape only */
    {"patch", "1.2.9", "1.2.10-rc.1 1.2.9", "-"},  /* no pre-release from a release */
    {"regex:^1\\.2\\.", "1.2.9", tags, "1.2.10"},
    {"regex:-alpine$", "3.18-alpine", "3.18-alpine 3.19-alpine 3.19 3.2-alpine", "3.19-alpine"},
    {"regex:^build-", "build-99", "build-100 build-98 other", "build-100"},
    {"minor", "latest", tags, "error"}, /* a version policy needs a version */
};

START_TEST(policies_choose_tags)
{
    const char *got = choose(policy_cases[_i].policy, policy_cases[_i].current,
                             policy_cases[_i].tags);
    ck_assert_msg(strcmp(got, policy_cases[_i].expected) == 0, "%s from %s: %s, expected %s",
                  policy_cases[_i].policy, policy_cases[_i].current, got,
                  policy_cases[_i].expected);
}
END_TEST

START_TEST(bad_policies_say_why)
{
    static const struct {
        const char *text, *reason;
    } bad[] = {{"minr", "unknown policy"}, {"regex:(", "bad regular expression"},
               {"regex:", "needs a pattern"}, {"Major", "unknown policy"}};
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
    fake_now = ms_of("2030-01-01T00:00:00Z");
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

int main(void)
{
    Suite *s = suite_create("scheduler");
    TCase *tc = tcase_create("cron");

    tcase_add_loop_test(tc, cron_next_times, 0, sizeof(next_cases) / sizeof(next_cases[0]));
    tcase_add_loop_test(tc, cron_invalid_expressions_say_why, 0,
                        sizeof(invalid_cases) / sizeof(invalid_cases[0]));
    tcase_add_test(tc, cron_matches_and_never);
    tcase_add_test(tc, durations);
    suite_add_tcase(s, tc);
    tc = tcase_create("policy");
    tcase_add_loop_test(tc, policies_choose_tags, 0,
                        sizeof(policy_cases) / sizeof(policy_cases[0]));
    tcase_add_test(tc, bad_policies_say_why);
    suite_add_tcase(s, tc);
    tc = tcase_create("clock");
    tcase_add_test(tc, the_clock_is_injectable);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
