/*
 * test_push.c - every registry's webhook payload (tests/data/webhooks)
 * into events, the noise each sends ignored, and GitHub's HMAC.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ukiyo.h>

#include "testlib.h"

#define DIGEST "sha256:4aff0000000000000000000000000000000000000000000000000000000000ab"

typedef struct {
    const char *names[4];
    const char *values[4];
} headers;

static const char *lookup(const char *name, void *payload)
{
    headers *h = payload;
    for (int i = 0; i < 4 && h->names[i]; i++)
        if (strcasecmp(h->names[i], name) == 0)
            return h->values[i];
    return NULL;
}

static int parse_with(const char *file, headers *h, ukiyo_push_events **out)
{
    char path[256];
    snprintf(path, sizeof(path), "webhooks/%s", file);
    char *body = test_data_read(path);
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;

    req.body = body;
    req.body_len = strlen(body);
    req.header = h ? lookup : NULL;
    req.header_payload = h;
    int err = ukiyo_push_parse(out, &req);
    free(body);
    return err;
}

static ukiyo_push_events *parse(const char *file, headers *h, const char *format, size_t count)
{
    ukiyo_push_events *ev = NULL;
    int err = parse_with(file, h, &ev);

    ck_assert_msg(err == 0, "%s: %s", file, ukiyo_error_last());
    ck_assert_str_eq(ukiyo_push_events_format(ev), format);
    ck_assert_msg(ukiyo_push_events_count(ev) == count, "%s: %zu events, not %zu", file,
                  ukiyo_push_events_count(ev), count);
    return ev;
}

static void expect_event(ukiyo_push_events *ev, size_t i, const char *image, const char *digest)
{
    const ukiyo_push_event *e = ukiyo_push_events_get(ev, i);
    ck_assert_str_eq(ukiyo_push_event_image(e), image);
    if (digest)
        ck_assert_str_eq(ukiyo_push_event_digest(e), digest);
    else
        ck_assert_ptr_null(ukiyo_push_event_digest(e));
}

START_TEST(docker_hub)
{
    ukiyo_push_events *ev = parse("dockerhub.json", NULL, "dockerhub", 1);
    expect_event(ev, 0, "docker.io/acme/app:1.4.2", NULL);
    ck_assert_str_eq(ukiyo_push_event_repository(ukiyo_push_events_get(ev, 0)), "acme/app");
    ck_assert_str_eq(ukiyo_push_events_callback_url(ev),
                     "https://registry.hub.docker.com/u/acme/app/hook/"
                     "2141b5bi5i5b02bec211i4eeih0242eg11000a/");
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(docker_hub_official_image_and_a_forged_callback)
{
    ukiyo_push_events *ev = parse("dockerhub-official.json", NULL, "dockerhub", 1);
    expect_event(ev, 0, "docker.io/library/nginx:latest", NULL);
    ck_assert_ptr_null(ukiyo_push_events_callback_url(ev)); /* not on registry.hub.docker.com */
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(distribution_counts_only_tagged_manifest_pushes)
{
    ukiyo_push_events *ev = parse("distribution-v1.json", NULL, "distribution", 1);
    expect_event(ev, 0, "reg.example.com/team/app:1.4.2", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("distribution-v2-index.json", NULL, "distribution", 1);
    expect_event(ev, 0, "localhost:5000/team/app:latest", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("distribution-noise.json", NULL, "distribution", 0);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(harbor_2_1_and_cloudevents)
{
    ukiyo_push_events *ev = parse("harbor2.json", NULL, "harbor", 1);
    expect_event(ev, 0, "harbor.example.com/library/web:v2.1", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("harbor1.json", NULL, "harbor", 1);
    expect_event(ev, 0, "hub.harbor.com/test-webhook/debian:latest", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("harbor-cloudevents.json", NULL, "harbor", 1);
    expect_event(ev, 0, "harbor.example.com:8443/proj/api:1.0", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("harbor-pull.json", NULL, "harbor", 0);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(harbor_cloudevents_binary_mode)
{
    /* The data alone in the body, the type in a header. */
    headers h = {{"ce-type", NULL}, {"harbor.artifact.pushed", NULL}};
    char *body = test_data_read("webhooks/harbor-cloudevents.json");
    json_t *doc = json_loads(body, 0, NULL);
    char *data = json_dumps(json_object_get(doc, "data"), 0);
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;

    req.body = data;
    req.body_len = strlen(data);
    req.header = lookup;
    req.header_payload = &h;
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), 0);
    ck_assert_uint_eq(ukiyo_push_events_count(ev), 1);
    expect_event(ev, 0, "harbor.example.com:8443/proj/api:1.0", DIGEST);
    ukiyo_push_events_free(ev);
    json_decref(doc);
    free(data);
    free(body);
}
END_TEST

START_TEST(quay_one_event_per_tag)
{
    ukiyo_push_events *ev = parse("quay.json", NULL, "quay", 2);
    expect_event(ev, 0, "quay.io/acme/app:1.4.2", NULL);
    expect_event(ev, 1, "quay.io/acme/app:latest", NULL);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(github_packages)
{
    headers h = {{"X-GitHub-Event", "X-GitHub-Delivery"}, {"package", "72d3162e-cc78-11e3"}};
    ukiyo_push_events *ev = parse("github-package.json", &h, "github", 1);
    expect_event(ev, 0, "ghcr.io/octo-org/app:1.4.2", NULL);
    ck_assert_str_eq(ukiyo_push_events_delivery_id(ev), "72d3162e-cc78-11e3");
    ukiyo_push_events_free(ev);
    ev = parse("github-untagged.json", &h, "github", 0);
    ukiyo_push_events_free(ev);
    headers legacy = {{"X-GitHub-Event"}, {"registry_package"}};
    ev = parse("github-registry-package.json", &legacy, "github", 1);
    expect_event(ev, 0, "ghcr.io/octo-org/tool:edge", NULL);
    ukiyo_push_events_free(ev);
    headers ping = {{"X-GitHub-Event"}, {"ping"}};
    ev = parse("github-package.json", &ping, "github", 0);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(azure_acr_push_and_ping)
{
    ukiyo_push_events *ev = parse("acr-push.json", NULL, "acr", 1);
    expect_event(ev, 0, "myregistry.azurecr.io/team/api:2.0", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("acr-ping.json", NULL, "acr", 0);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(google_artifact_registry)
{
    ukiyo_push_events *ev = parse("gar.json", NULL, "gar", 1);
    expect_event(ev, 0, "europe-docker.pkg.dev/proj/repo/img:1.1", DIGEST);
    ukiyo_push_events_free(ev);
    ev = parse("gar-untagged.json", NULL, "gar", 0);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(generic)
{
    ukiyo_push_events *ev = parse("generic.json", NULL, "generic", 1);
    expect_event(ev, 0, "localhost:5000/team/app:v2", DIGEST);
    ukiyo_push_events_free(ev);
}
END_TEST

START_TEST(bad_payloads_are_refused_clearly)
{
    static const struct {
        const char *file;
        int err;
        const char *words;
    } bad[] = {
        {"truncated.json", UKIYO_EINVAL, "not JSON"},
        {"array.json", UKIYO_EINVAL, "not a JSON object"},
        {"unknown.json", UKIYO_EUNSUPPORTED, "no known registry format"},
        {"generic-bad.json", UKIYO_EINVAL, "no valid image reference"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ukiyo_push_events *ev = (ukiyo_push_events *)0x1;
        ck_assert_int_eq(parse_with(bad[i].file, NULL, &ev), bad[i].err);
        ck_assert_ptr_eq(ev, (ukiyo_push_events *)0x1);
        ck_assert_msg(strstr(ukiyo_error_last(), bad[i].words), "%s: %s", bad[i].file,
                      ukiyo_error_last());
    }
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    req.body = "";
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), UKIYO_EINVAL);
    req.body = "{}";
    req.body_len = UKIYO_PUSH_BODY_MAX + 1;
    ck_assert_int_eq(ukiyo_push_parse(&ev, &req), UKIYO_EINVAL);
}
END_TEST

START_TEST(hmac_sha256_signature)
{
    /* GitHub's documented test vector. */
    const char *body = "Hello, World!";
    const char *good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    ck_assert_int_eq(ukiyo_push_verify_hmac_sha256(body, strlen(body), "It's a Secret to Everybody",
                                                   good),
                     0);
    ck_assert_int_eq(ukiyo_push_verify_hmac_sha256(body, strlen(body), "wrong secret", good),
                     UKIYO_EAUTH);
    ck_assert_int_eq(ukiyo_push_verify_hmac_sha256(body, strlen(body) - 1,
                                                   "It's a Secret to Everybody", good),
                     UKIYO_EAUTH);
    ck_assert_int_eq(ukiyo_push_verify_hmac_sha256(body, strlen(body), "It's a Secret to Everybody",
                                                   "sha1=abc"),
                     UKIYO_EAUTH);
    ck_assert_int_eq(ukiyo_push_verify_hmac_sha256(body, strlen(body), "It's a Secret to Everybody",
                                                   NULL),
                     UKIYO_EAUTH);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("push");
    TCase *tc = tcase_create("formats");

    tcase_add_test(tc, docker_hub);
    tcase_add_test(tc, docker_hub_official_image_and_a_forged_callback);
    tcase_add_test(tc, distribution_counts_only_tagged_manifest_pushes);
    tcase_add_test(tc, harbor_2_1_and_cloudevents);
    tcase_add_test(tc, harbor_cloudevents_binary_mode);
    tcase_add_test(tc, quay_one_event_per_tag);
    tcase_add_test(tc, github_packages);
    tcase_add_test(tc, azure_acr_push_and_ping);
    tcase_add_test(tc, google_artifact_registry);
    tcase_add_test(tc, generic);
    tcase_add_test(tc, bad_payloads_are_refused_clearly);
    tcase_add_test(tc, hmac_sha256_signature);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
