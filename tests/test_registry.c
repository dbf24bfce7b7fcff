/*
 * test_registry.c - the Registry v2 client against the real loopback
 * registry: open, with htpasswd (Basic) authentication, and behind a
 * token-auth proxy (auth_proxy.c) for the Bearer flow and rate limits.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth_proxy.h"
#include "internal.h"
#include "testlib.h"

#define AUTH_USER "ukiyo"
#define AUTH_PASSWORD "s3cret-pw"

static ukiyo_registry *registry;

static void setup(void)
{
    test_require_engine();
    ck_assert_int_eq(ukiyo_registry_new(&registry, NULL), 0);
}

static void teardown(void)
{
    ukiyo_registry_free(registry);
    registry = NULL;
    test_cleanup();
}

static ukiyo_image_ref *parse(const char *text)
{
    ukiyo_image_ref *ref = NULL;
    ck_assert_msg(ukiyo_image_ref_parse(&ref, text) == 0, "%s: %s", text, ukiyo_error_last());
    return ref;
}

/* The digest "docker push" recorded for @ref in the engine. New string. */
static char *pushed_digest(const char *ref)
{
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out,
                             "docker inspect --format '{{range .RepoDigests}}{{println .}}"
                             "{{end}}' %s | grep '%.*s@' | head -1 | cut -d@ -f2 | tr -d '\\n'",
                             ref, (int)(strrchr(ref, ':') - ref), ref),
                     0);
    ck_assert_msg(strncmp(out, "sha256:", 7) == 0, "no pushed digest for %s: '%s'", ref, out);
    return out;
}

static char *unique_repo(const char *word)
{
    char *name = test_unique_name(word);
    char *repo = ukiyo__str_printf("ukiyo-test/%s", name);
    free(name);
    return repo;
}

START_TEST(head_digest_equals_the_pushed_digest)
{
    char *repo = unique_repo("head");
    char *ref_text = test_push("ukiyo-test/http:v1", repo, "latest");
    char *expected = pushed_digest(ref_text);
    ukiyo_image_ref *ref = parse(ref_text);
    char *digest = NULL;

    ck_assert_msg(ukiyo_registry_manifest_digest(&digest, registry, ref) == 0, "%s",
                  ukiyo_error_last());
    ck_assert_str_eq(digest, expected);
    ukiyo_string_free(digest);
    free(expected);

    /* v2 under the same tag: the registry now serves another digest. */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    expected = pushed_digest(ref_text);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, registry, ref), 0);
    ck_assert_str_eq(digest, expected);
    ukiyo_string_free(digest);
    free(expected);
    ukiyo_image_ref_free(ref);
    free(ref_text);
    free(repo);
}
END_TEST

START_TEST(missing_tags_and_repositories_are_not_found)
{
    char *repo = unique_repo("missing");
    char *ref_text = test_push("ukiyo-test/http:v1", repo, "latest");
    char text[512];
    char *digest = NULL;

    snprintf(text, sizeof(text), "%s/%s:no-such-tag", test_registry(), repo);
    ukiyo_image_ref *ref = parse(text);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, registry, ref), UKIYO_ENOTFOUND);
    ck_assert_ptr_null(digest);
    ukiyo_image_ref_free(ref);

    snprintf(text, sizeof(text), "%s/ukiyo-test/never-pushed-%d:v1", test_registry(),
             (int)getpid());
    ref = parse(text);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, registry, ref), UKIYO_ENOTFOUND);
    ck_assert_msg(strstr(ukiyo_error_last(), "not found"), "%s", ukiyo_error_last());
    ukiyo_image_ref_free(ref);

    snprintf(text, sizeof(text), "%s/%s@sha256:%064d", test_registry(), repo, 0);
    ref = parse(text);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, registry, ref), UKIYO_EINVAL);
    ukiyo_image_ref_free(ref);
    free(ref_text);
    free(repo);
}
END_TEST

START_TEST(unreachable_registry_is_a_connection_error)
{
    ukiyo_image_ref *ref = parse("127.0.0.1:1/ukiyo-test/app:v1");
    char *digest = NULL;

    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, registry, ref), UKIYO_ECONNECT);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "127.0.0.1:1"));
    ukiyo_image_ref_free(ref);
}
END_TEST

/* ---- a registry with htpasswd (Basic) authentication ---------------- */

static char auth_registry[64];
static char auth_name[64];
static char login_config[256]; /* DOCKER_CONFIG after "docker login": holds the credential */
static char *auth_ref;

static void auth_registry_start(void)
{
    int port = test_free_port();

    test_require_engine();
    snprintf(auth_name, sizeof(auth_name), "auth-%d", (int)getpid());
    snprintf(auth_registry, sizeof(auth_registry), "127.0.0.1:%d", port);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --htpasswd %s:%s",
                             auth_name, port, AUTH_USER, AUTH_PASSWORD),
                     0);
    snprintf(login_config, sizeof(login_config), "/tmp/ukiyo-test-%d-login", (int)getpid());
    ck_assert_int_eq(test_sh(NULL,
                             "mkdir -p %s && echo %s | DOCKER_CONFIG=%s docker login -u %s "
                             "--password-stdin %s >/dev/null",
                             login_config, AUTH_PASSWORD, login_config, AUTH_USER, auth_registry),
                     0);
    auth_ref = ukiyo__str_printf("%s/ukiyo-test/private:v1", auth_registry);
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v1 %s && DOCKER_CONFIG=%s docker "
                             "push -q %s >/dev/null && docker rmi %s >/dev/null",
                             auth_ref, login_config, auth_ref, auth_ref),
                     0);
}

static void auth_registry_stop(void)
{
    test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" stop %s; rm -rf %s", auth_name, login_config);
    free(auth_ref);
}

static ukiyo_registry *registry_with_config(const char *config_dir, ukiyo_auth **auth_out)
{
    ukiyo_auth_options auth_opts = UKIYO_AUTH_OPTIONS_INIT;
    ukiyo_registry_options opts = UKIYO_REGISTRY_OPTIONS_INIT;
    ukiyo_registry *r = NULL;

    auth_opts.docker_config_dir = config_dir;
    ck_assert_int_eq(ukiyo_auth_new(auth_out, &auth_opts), 0);
    opts.auth = *auth_out;
    ck_assert_int_eq(ukiyo_registry_new(&r, &opts), 0);
    return r;
}

START_TEST(basic_auth_registry_works_with_a_config_json_credential)
{
    ukiyo_auth *auth = NULL;
    ukiyo_registry *r = registry_with_config(login_config, &auth);
    ukiyo_image_ref *ref = parse(auth_ref);
    char *digest = NULL;

    ck_assert_msg(ukiyo_registry_manifest_digest(&digest, r, ref) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(strncmp(digest, "sha256:", 7), 0);
    ukiyo_string_free(digest);
    ukiyo_image_ref_free(ref);
    ukiyo_registry_free(r);
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(basic_auth_registry_fails_clearly_without_a_credential)
{
    ukiyo_auth *auth = NULL;
    ukiyo_registry *r = registry_with_config("/nonexistent-ukiyo-config", &auth);
    ukiyo_image_ref *ref = parse(auth_ref);
    char *digest = NULL;

    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, r, ref), UKIYO_EAUTH);
    ck_assert_msg(strstr(ukiyo_error_last(), "user name and password"), "%s", ukiyo_error_last());
    ck_assert_ptr_null(digest);
    ukiyo_image_ref_free(ref);
    ukiyo_registry_free(r);
    ukiyo_auth_free(auth);
}
END_TEST

static int wrong_password(ukiyo_credential **out, const char *registry_name, void *payload)
{
    return ukiyo_credential_new(out, registry_name, AUTH_USER, "wrong", NULL);
}

START_TEST(basic_auth_registry_refuses_a_wrong_password)
{
    ukiyo_auth *auth = NULL;
    ukiyo_registry *r = registry_with_config("/nonexistent-ukiyo-config", &auth);
    ukiyo_image_ref *ref = parse(auth_ref);
    char *digest = NULL;

    ck_assert_int_eq(ukiyo_auth_add_source(auth, wrong_password, NULL), 0);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, r, ref), UKIYO_EAUTH);
    ukiyo_image_ref_free(ref);
    ukiyo_registry_free(r);
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(engine_pulls_from_the_auth_registry_with_x_registry_auth)
{
    ukiyo_auth *auth = NULL;
    ukiyo_credential *cred = NULL;
    ukiyo_docker *docker = NULL;
    ukiyo_registry *r = registry_with_config(login_config, &auth);

    ck_assert_int_eq(ukiyo_docker_new(&docker, NULL), 0);
    ck_assert_int_eq(ukiyo_docker_image_pull(docker, auth_ref, NULL, NULL, NULL), UKIYO_EAUTH);
    ck_assert_msg(strstr(ukiyo_error_last(), "no basic auth credentials") ||
                      strstr(ukiyo_error_last(), "unauthorized"),
                  "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, auth_registry), 0);
    ck_assert_msg(ukiyo_docker_image_pull(docker, auth_ref, cred, NULL, NULL) == 0, "%s",
                  ukiyo_error_last());
    test_sh(NULL, "docker rmi %s >/dev/null", auth_ref);
    ukiyo_credential_free(cred);
    ukiyo_docker_free(docker);
    ukiyo_registry_free(r);
    ukiyo_auth_free(auth);
}
END_TEST

/* ---- the Bearer token flow, through auth_proxy ---------------------- */

static char *proxied_ref(const auth_proxy *p, char **repo_out)
{
    char *repo = unique_repo("bearer");
    free(test_push("ukiyo-test/http:v1", repo, "latest"));
    char *ref = ukiyo__str_printf("%s/%s:latest", auth_proxy_address(p), repo);
    *repo_out = repo;
    return ref;
}

START_TEST(bearer_flow_fetches_one_token_and_reuses_it)
{
    auth_proxy *p = auth_proxy_start(test_registry(), NULL, NULL);
    char *repo = NULL;
    char *text = proxied_ref(p, &repo);
    char *direct = ukiyo__str_printf("%s/%s:latest", test_registry(), repo);
    char *expected = pushed_digest(direct);
    ukiyo_image_ref *ref = parse(text);
    char *digest = NULL;

    for (int i = 0; i < 3; i++) {
        ck_assert_msg(ukiyo_registry_manifest_digest(&digest, registry, ref) == 0, "%s",
                      ukiyo_error_last());
        ck_assert_str_eq(digest, expected);
        ukiyo_string_free(digest);
    }
    ck_assert_int_eq(auth_proxy_token_requests(p), 1);
    /* One challenged request, then one per check with the cached token. */
    ck_assert_int_eq(auth_proxy_registry_requests(p), 4);
    int remaining = -2;
    ukiyo_registry_rate_limit(registry, &remaining, NULL);
    ck_assert_int_eq(remaining, 99);
    ukiyo_image_ref_free(ref);
    auth_proxy_stop(p);
    free(expected);
    free(direct);
    free(text);
    free(repo);
}
END_TEST

static int proxy_credential(ukiyo_credential **out, const char *registry_name, void *payload)
{
    return ukiyo_credential_new(out, registry_name, "tokenuser", (const char *)payload, NULL);
}

START_TEST(token_endpoint_gets_basic_credentials)
{
    auth_proxy *p = auth_proxy_start(test_registry(), "tokenuser", "tokenpass");
    char *repo = NULL;
    char *text = proxied_ref(p, &repo);
    ukiyo_image_ref *ref = parse(text);
    ukiyo_auth *auth = NULL;
    ukiyo_registry *r = registry_with_config("/nonexistent-ukiyo-config", &auth);
    char *digest = NULL;

    /* Anonymous: the token service says no. */
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, r, ref), UKIYO_EAUTH);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "refused"));
    ck_assert_int_eq(ukiyo_auth_add_source(auth, proxy_credential, "tokenpass"), 0);
    ck_assert_msg(ukiyo_registry_manifest_digest(&digest, r, ref) == 0, "%s", ukiyo_error_last());
    ukiyo_string_free(digest);
    ukiyo_registry_free(r);
    ukiyo_auth_free(auth);
    ukiyo_image_ref_free(ref);
    auth_proxy_stop(p);
    free(text);
    free(repo);
}
END_TEST

START_TEST(tag_listing_follows_pagination)
{
    static const char *const tags[] = {"1.2.9", "1.2.10", "1.3.0", "2.0.0", "latest"};
    ukiyo_registry_options opts = UKIYO_REGISTRY_OPTIONS_INIT;
    auth_proxy *p = auth_proxy_start(test_registry(), NULL, NULL);
    ukiyo_registry *paged = NULL;
    ukiyo_string_list *list = NULL;
    char *repo = unique_repo("tags");

    for (size_t i = 0; i < ARRAY_SIZE(tags); i++)
        free(test_push("ukiyo-test/http:v1", repo, tags[i]));
    opts.tag_page_size = 2;
    ck_assert_int_eq(ukiyo_registry_new(&paged, &opts), 0);
    char *text = ukiyo__str_printf("%s/%s:latest", auth_proxy_address(p), repo);
    ukiyo_image_ref *ref = parse(text);
    ck_assert_msg(ukiyo_registry_list_tags(&list, paged, ref) == 0, "%s", ukiyo_error_last());
    ck_assert_uint_eq(ukiyo_string_list_count(list), ARRAY_SIZE(tags));
    for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
        bool found = false;
        for (size_t j = 0; j < ukiyo_string_list_count(list); j++)
            found |= strcmp(ukiyo_string_list_get(list, j), tags[i]) == 0;
        ck_assert_msg(found, "tag %s missing", tags[i]);
    }
    /* Five tags at two a page: three pages, after the challenged first request. */
    ck_assert_int_eq(auth_proxy_registry_requests(p), 4);
    ukiyo_string_list_free(list);
    ukiyo_image_ref_free(ref);
    ukiyo_registry_free(paged);
    auth_proxy_stop(p);
    free(text);
    free(repo);
}
END_TEST

START_TEST(rate_limit_is_reported_with_retry_after)
{
    auth_proxy *p = auth_proxy_start(test_registry(), NULL, NULL);
    char *repo = NULL;
    char *text = proxied_ref(p, &repo);
    ukiyo_image_ref *ref = parse(text);
    char *digest = NULL;
    int remaining = -2, retry = -2;

    auth_proxy_set_rate_limited(p, true);
    ck_assert_int_eq(ukiyo_registry_manifest_digest(&digest, registry, ref), UKIYO_ERATELIMIT);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "retry after 7 s"));
    ukiyo_registry_rate_limit(registry, &remaining, &retry);
    ck_assert_int_eq(remaining, 0);
    ck_assert_int_eq(retry, 7);
    ukiyo_image_ref_free(ref);
    auth_proxy_stop(p);
    free(text);
    free(repo);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *open_tc = tcase_create("open");
    TCase *basic_tc = tcase_create("basic-auth");
    TCase *bearer_tc = tcase_create("bearer");

    tcase_add_checked_fixture(open_tc, setup, teardown);
    tcase_set_timeout(open_tc, 120);
    tcase_add_test(open_tc, head_digest_equals_the_pushed_digest);
    tcase_add_test(open_tc, missing_tags_and_repositories_are_not_found);
    tcase_add_test(open_tc, unreachable_registry_is_a_connection_error);
    suite_add_tcase(s, open_tc);

    tcase_add_unchecked_fixture(basic_tc, auth_registry_start, auth_registry_stop);
    tcase_add_checked_fixture(basic_tc, setup, teardown);
    tcase_set_timeout(basic_tc, 120);
    tcase_add_test(basic_tc, basic_auth_registry_works_with_a_config_json_credential);
    tcase_add_test(basic_tc, basic_auth_registry_fails_clearly_without_a_credential);
    tcase_add_test(basic_tc, basic_auth_registry_refuses_a_wrong_password);
    tcase_add_test(basic_tc, engine_pulls_from_the_auth_registry_with_x_registry_auth);
    suite_add_tcase(s, basic_tc);

    tcase_add_checked_fixture(bearer_tc, setup, teardown);
    tcase_set_timeout(bearer_tc, 120);
    tcase_add_test(bearer_tc, bearer_flow_fetches_one_token_and_reuses_it);
    tcase_add_test(bearer_tc, token_endpoint_gets_basic_credentials);
    tcase_add_test(bearer_tc, rate_limit_is_reported_with_retry_after);
    tcase_add_test(bearer_tc, tag_listing_follows_pagination);
    suite_add_tcase(s, bearer_tc);
    return test_run_suite(s);
}
