/*
 * test_cron.c - cron expressions: parsing, next times across month ends,
 * leap years and DST changes, matching. Needs nothing running.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ukiyo.h>

#include "testlib.h"

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
    ck_assert_msg(ukiyo_cron_next(c, test_ms_of(after), &next) == 0, "%s: %s", expr,
                  ukiyo_error_last());
    ukiyo_cron_free(c);
    return iso_of(next);
}

static const struct {
    const char *expr, *after, *next;
} next_cases[] = {
    {"0 3 * * *", "2026-11-25T01:00:00Z", "2026-11-25T03:00:00Z"},
    {"0 3 * * *", "2026-11-25T03:00:00Z", "2026-11-26T03:00:00Z"},   /* strictly after */
    {"0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"},  /* April has 30 */
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
    ck_assert_int_eq(ukiyo_cron_matches(c, test_ms_of("2026-11-25T02:15:00Z")), 1); /* 03:15 CET */
    ck_assert_int_eq(ukiyo_cron_matches(c, test_ms_of("2026-11-25T03:15:00Z")), 0);
    ukiyo_cron_free(c);
    ck_assert_int_eq(ukiyo_cron_parse(&c, "0 0 30 2 *"), 0);
    ck_assert_int_eq(ukiyo_cron_next(c, test_ms_of("2026-01-01T00:00:00Z"), &next),
                     UKIYO_ENOTFOUND);
    ukiyo_cron_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cron");
    TCase *tc = tcase_create("cron");

    tcase_add_loop_test(tc, cron_next_times, 0, sizeof(next_cases) / sizeof(next_cases[0]));
    tcase_add_loop_test(tc, cron_invalid_expressions_say_why, 0,
                        sizeof(invalid_cases) / sizeof(invalid_cases[0]));
    tcase_add_test(tc, cron_matches_and_never);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
