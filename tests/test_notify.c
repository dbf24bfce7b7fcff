/*
 * test_notify.c - notifications to local receivers (tests/env/notify-receivers.py):
 * a generic webhook, Slack, Discord and ntfy style webhooks, e-mail over SMTP
 * with STARTTLS and AUTH; bounded retries; bad targets refused without their
 * secrets in the message. Nothing leaves loopback.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ukiyo.h>

#include "notify_helpers.h"
#include "testlib.h"

static receivers rx;

static void setup(void)
{
    receivers_start(&rx);
}

static void teardown(void)
{
    receivers_stop(&rx);
}

static const char event[] =
    "{\"event\":\"updated\",\"container\":\"web\",\"image\":\"registry.example/app:1.2\","
    "\"old_image_id\":\"sha256:aaa\",\"new_image_id\":\"sha256:bbb\",\"host\":\"host1\"}";

typedef struct {
    int sent, failed;
    char names[512];
} tally;

static void count(size_t target, const char *name, int ok, const char *error, void *payload)
{
    tally *t = payload;
    (void)target;
    (void)error;
    if (ok)
        t->sent++;
    else
        t->failed++;
    strncat(t->names, name, sizeof(t->names) - strlen(t->names) - 2);
    strcat(t->names, " ");
}

static ukiyo_notifier *notifier_for(const char *const *targets)
{
    ukiyo_notifier_options opts = UKIYO_NOTIFIER_OPTIONS_INIT;
    ukiyo_notifier *n = NULL;
    opts.retry_delay_ms = 50;
    opts.timeout_ms = 3000;
    ck_assert_msg(ukiyo_notifier_new(&n, targets, &opts) == 0, "%s", ukiyo_error_last());
    return n;
}

START_TEST(every_kind_of_target_gets_the_event)
{
    char hook[128], slack[128], discord[128], ntfy[128], smtp[512], flaky[128];
    snprintf(hook, sizeof(hook), "http://127.0.0.1:%d/hook", rx.http_port);
    snprintf(slack, sizeof(slack), "slack+http://127.0.0.1:%d/slack", rx.http_port);
    snprintf(discord, sizeof(discord), "discord+http://127.0.0.1:%d/discord", rx.http_port);
    snprintf(ntfy, sizeof(ntfy), "ntfy+http://127.0.0.1:%d/updates", rx.http_port);
    snprintf(smtp, sizeof(smtp),
             "smtp://ukiyo:s3cret%%21@127.0.0.1:%d/?from=ukiyo@example.org&to=ops@example.org"
             "&to=dev@example.org&starttls=1&cacert=%s",
             rx.smtp_port, rx.cert);
    snprintf(flaky, sizeof(flaky), "http://127.0.0.1:%d/flaky", rx.http_port);
    const char *targets[] = {hook, slack, discord, ntfy, smtp, flaky, NULL};
    ukiyo_notifier *n = notifier_for(targets);
    tally t = {0};

    char name[64];
    snprintf(name, sizeof(name), "slack:127.0.0.1:%d", rx.http_port);
    ck_assert_str_eq(ukiyo_notifier_target_name(n, 1), name); /* no path: it may be the secret */
    ck_assert_msg(ukiyo_notifier_send(n, event, count, &t) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(t.sent, 6);
    ukiyo_notifier_free(n);

    json_t *got = receivers_wait(&rx, "http", "/hook", 1);
    json_t *body = json_loads(json_string_value(json_object_get(got, "body")), 0, NULL);
    json_t *expected = json_loads(event, 0, NULL);
    ck_assert(json_equal(body, expected)); /* the generic webhook gets the event as it is */
    json_decref(body), json_decref(expected), json_decref(got);

    got = receivers_wait(&rx, "http", "/slack", 1);
    ck_assert_str_eq(json_string_value(json_object_get(got, "body")),
                     "{\"text\":\"web updated (registry.example/app:1.2) on host1\"}");
    json_decref(got);
    got = receivers_wait(&rx, "http", "/discord", 1);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(got, "body")), "\"content\":\"web updated"));
    json_decref(got);
    got = receivers_wait(&rx, "http", "/updates", 1);
    ck_assert_str_eq(json_string_value(json_object_get(got, "body")),
                     "web updated (registry.example/app:1.2) on host1");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(got, "headers"), "Title")),
                     "ukiyo: web updated");
    json_decref(got);

    got = receivers_wait(&rx, "mail", NULL, 1);
    ck_assert_str_eq(json_string_value(json_object_get(got, "from")), "<ukiyo@example.org>");
    ck_assert_uint_eq(json_array_size(json_object_get(got, "to")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(got, "user")), "ukiyo");
    ck_assert(json_is_true(json_object_get(got, "tls"))); /* STARTTLS before AUTH */
    const char *data = json_string_value(json_object_get(got, "data"));
    ck_assert_ptr_nonnull(strstr(data, "Subject: ukiyo: web updated"));
    ck_assert_ptr_nonnull(strstr(data, "web updated (registry.example/app:1.2) on host1"));
    json_decref(got);
    /* The flaky target failed twice, then took it: three attempts. */
    ck_assert_int_eq(receivers_count(&rx, "/flaky"), 3);
}
END_TEST

START_TEST(a_compose_container_is_named_by_project_and_service)
{
    static const char compose_event[] =
        "{\"event\":\"rolled-back\",\"container\":\"shop_web_1\",\"image\":\"reg/web:2\","
        "\"reason\":\"unhealthy\",\"project\":\"shop\",\"service\":\"web\",\"host\":\"h\"}";
    char ntfy[128];
    snprintf(ntfy, sizeof(ntfy), "ntfy+http://127.0.0.1:%d/compose", rx.http_port);
    const char *targets[] = {ntfy, NULL};
    ukiyo_notifier *n = notifier_for(targets);

    ck_assert_msg(ukiyo_notifier_send(n, compose_event, NULL, NULL) == 0, "%s", ukiyo_error_last());
    ukiyo_notifier_free(n);
    json_t *got = receivers_wait(&rx, "http", "/compose", 1);
    ck_assert_str_eq(json_string_value(json_object_get(got, "body")),
                     "shop/web (shop_web_1) rolled back (reg/web:2) on h: unhealthy");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(got, "headers"), "Title")),
                     "ukiyo: shop/web (shop_web_1) rolled back");
    json_decref(got);
}
END_TEST

START_TEST(failing_targets_are_retried_a_bounded_number_of_times)
{
    char broken[128], hook[128];
    snprintf(broken, sizeof(broken), "http://127.0.0.1:%d/broken", rx.http_port);
    snprintf(hook, sizeof(hook), "http://127.0.0.1:%d/hook", rx.http_port);
    const char *targets[] = {"http://127.0.0.1:1/nobody-listens", broken, hook,
                             "smtp://127.0.0.1:1/?from=a@b&to=c@d", NULL};
    ukiyo_notifier *n = notifier_for(targets);
    tally t = {0};

    ck_assert_int_eq(ukiyo_notifier_send(n, event, count, &t), UKIYO_EIO);
    ck_assert_int_eq(t.failed, 3);
    ck_assert_int_eq(t.sent, 1); /* the good one still got it */
    ck_assert_int_eq(receivers_count(&rx, "/broken"), 3);
    ck_assert_int_eq(receivers_count(&rx, "/hook"), 1);
    ck_assert_int_eq(ukiyo_notifier_send(n, "not json", NULL, NULL), UKIYO_EINVAL);
    ukiyo_notifier_free(n);
}
END_TEST

START_TEST(bad_targets_are_refused_without_their_secrets)
{
    static const struct {
        const char *target, *reason;
    } bad[] = {
        {"ftp://files.example/x", "is not http(s)://"},
        {"slack+ftp://hooks.example/SECRETPATH", "is not http(s)://"},
        {"https://", "is not http(s)://"},
        {"https://hooks.example/SECRETPATH with space", "is not http(s)://"},
        {"not a url", "is not http(s)://"},
        {"", "empty"},
        {"smtp://user:SECRETPASS@mail.example/?to=a@b", "from= is required"},
        {"smtp://user:SECRETPASS@mail.example/?from=a@b", "to= is required"},
        {"smtp://mail.example/?from=a@b&to=c@d&bogus=1", "unknown parameter"},
        {"smtp://mail.example/?from", "has no value"},
        {"smtp:///?from=a@b&to=c@d", "no mail server host"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(ukiyo_notify_target_check(bad[i].target), UKIYO_EINVAL);
        const char *why = ukiyo_error_last();
        ck_assert_msg(strstr(why, bad[i].reason), "%s: %s", bad[i].target, why);
        ck_assert_msg(!strstr(why, "SECRET"), "%s: the message shows a secret: %s", bad[i].target,
                      why);
    }
    ukiyo_notifier *n = NULL;
    const char *targets[] = {"http://ok.example/", "gopher://x", NULL};
    ck_assert_int_eq(ukiyo_notifier_new(&n, targets, NULL), UKIYO_EINVAL);
    ck_assert_ptr_null(n);
}
END_TEST

/* A target's user and password are in no name, no callback and no error. */
START_TEST(targets_are_named_without_their_userinfo)
{
    char broken[160], name_seen[1024] = "";
    snprintf(broken, sizeof(broken), "https://alice:SECRETPASS@127.0.0.1:%d/broken", 1);
    const char *targets[] = {broken, "slack+http://bob:SECRETTOKEN@127.0.0.1:1/services/x",
                             "smtp://carol:SECRETMAIL@127.0.0.1:1/?from=a@b&to=c@d", NULL};
    ukiyo_notifier *n = notifier_for(targets);
    tally t = {0};

    for (size_t i = 0; i < ukiyo_notifier_target_count(n); i++) {
        const char *name = ukiyo_notifier_target_name(n, i);
        ck_assert_msg(!strstr(name, "SECRET") && !strstr(name, "alice") && !strstr(name, "bob") &&
                          !strstr(name, "carol"),
                      "target name %s shows its userinfo", name);
        ck_assert_ptr_nonnull(strstr(name, "127.0.0.1:1"));
    }
    ck_assert_int_eq(ukiyo_notifier_send(n, event, count, &t), UKIYO_EIO);
    snprintf(name_seen, sizeof(name_seen), "%s %s", t.names, ukiyo_error_last());
    ck_assert_msg(!strstr(name_seen, "SECRET"), "a secret in: %s", name_seen);
    ukiyo_notifier_free(n);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_kind_of_target_gets_the_event);
    tcase_add_test(tc, a_compose_container_is_named_by_project_and_service);
    tcase_add_test(tc, failing_targets_are_retried_a_bounded_number_of_times);
    tcase_add_test(tc, bad_targets_are_refused_without_their_secrets);
    tcase_add_test(tc, targets_are_named_without_their_userinfo);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
