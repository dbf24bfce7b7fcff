/*
 * test_auth.c - credentials from Docker's config.json, credential helpers
 * and added sources. Needs no engine; the helper is a real program
 * (tests/data/bin/docker-credential-ukiyotest) found on PATH.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ukiyo.h>

#include "testlib.h"

static ukiyo_auth *auth_for(const char *config_name)
{
    char *dir = test_data_path(config_name);
    ukiyo_auth_options opts = UKIYO_AUTH_OPTIONS_INIT;
    ukiyo_auth *auth = NULL;

    opts.docker_config_dir = dir;
    ck_assert_int_eq(ukiyo_auth_new(&auth, &opts), 0);
    free(dir);
    return auth;
}

static void expect_user(ukiyo_auth *auth, const char *registry, const char *user,
                        const char *password)
{
    ukiyo_credential *cred = NULL;
    int err = ukiyo_auth_lookup(&cred, auth, registry);

    ck_assert_msg(err == 0, "%s: %s", registry, ukiyo_error_last());
    ck_assert_str_eq(ukiyo_credential_registry(cred), registry);
    ck_assert_str_eq(ukiyo_credential_username(cred), user);
    ck_assert_str_eq(ukiyo_credential_password(cred), password);
    ck_assert_ptr_null(ukiyo_credential_identity_token(cred));
    ukiyo_credential_free(cred);
}

START_TEST(auths_entries_decode_user_and_password)
{
    ukiyo_auth *auth = auth_for("docker-config/auths");

    expect_user(auth, "localhost:5000", "user", "pass");
    expect_user(auth, "registry.example.com", "alice", "wonder");
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(docker_hub_is_found_under_its_legacy_key)
{
    ukiyo_auth *auth = auth_for("docker-config/auths");

    expect_user(auth, "docker.io", "hub", "hubpw");
    expect_user(auth, "index.docker.io", "hub", "hubpw");
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(identity_tokens_are_kept_apart)
{
    ukiyo_auth *auth = auth_for("docker-config/auths");
    ukiyo_credential *cred = NULL;

    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "ghcr.io"), 0);
    ck_assert_str_eq(ukiyo_credential_identity_token(cred), "refresh-me");
    ck_assert_ptr_null(ukiyo_credential_username(cred));
    ukiyo_credential_free(cred);
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(unknown_registry_is_not_found)
{
    ukiyo_auth *auth = auth_for("docker-config/auths");
    ukiyo_credential *cred = NULL;

    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "nowhere.example.com"), UKIYO_ENOTFOUND);
    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "empty.example.com"), UKIYO_ENOTFOUND);
    ck_assert_ptr_null(cred);
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(cred_helpers_win_over_auths)
{
    ukiyo_auth *auth = auth_for("docker-config/helpers");

    expect_user(auth, "helped.example.com", "helper-user", "helper-secret");
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(creds_store_answers_for_other_registries)
{
    ukiyo_auth *auth = auth_for("docker-config/helpers");
    ukiyo_credential *cred = NULL;

    expect_user(auth, "store.example.com", "store-user", "store-secret");
    expect_user(auth, "docker.io", "hub-helper", "hub-secret");
    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "token.example.com"), 0);
    ck_assert_str_eq(ukiyo_credential_identity_token(cred), "id-token");
    ukiyo_credential_free(cred);
    /* The helper says "not found": that is not an error. */
    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "unknown.example.com"), UKIYO_ENOTFOUND);
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(missing_helper_program_is_a_clear_error)
{
    ukiyo_auth *auth = auth_for("docker-config/helpers");
    ukiyo_credential *cred = NULL;

    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "missing-helper.example.com"), UKIYO_EIO);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "docker-credential-ukiyo-no-such-helper"));
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(malformed_config_is_reported)
{
    ukiyo_auth *auth = auth_for("docker-config/broken");
    ukiyo_credential *cred = NULL;

    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "x"), UKIYO_EIO);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "config.json"));
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(missing_config_means_no_credentials)
{
    ukiyo_auth *auth = auth_for("docker-config/does-not-exist");
    ukiyo_credential *cred = NULL;

    ck_assert_int_eq(ukiyo_auth_lookup(&cred, auth, "docker.io"), UKIYO_ENOTFOUND);
    ukiyo_auth_free(auth);
}
END_TEST

static int store_source(ukiyo_credential **out, const char *registry, void *payload)
{
    int *calls = payload;

    (*calls)++;
    if (strcmp(registry, "localhost:5000") != 0)
        return UKIYO_ENOTFOUND;
    return ukiyo_credential_new(out, registry, "from-store", "s3cret", NULL);
}

START_TEST(added_sources_are_asked_first)
{
    ukiyo_auth *auth = auth_for("docker-config/auths");
    int calls = 0;

    ck_assert_int_eq(ukiyo_auth_add_source(auth, store_source, &calls), 0);
    expect_user(auth, "localhost:5000", "from-store", "s3cret");
    /* A source that has nothing passes the question on to config.json. */
    expect_user(auth, "registry.example.com", "alice", "wonder");
    ck_assert_int_eq(calls, 2);
    ukiyo_auth_free(auth);
}
END_TEST

START_TEST(credential_needs_a_user_or_token)
{
    ukiyo_credential *cred = NULL;

    ck_assert_int_eq(ukiyo_credential_new(&cred, "r", NULL, "p", NULL), UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_credential_new(&cred, NULL, "u", "p", NULL), UKIYO_EINVAL);
    ck_assert_ptr_null(cred);
}
END_TEST

START_TEST(registry_auth_header_is_base64url_with_padding)
{
    ukiyo_credential *cred = NULL;
    char *header = NULL;

    /* {"username":"u?","password":"p>","serveraddress":"h"} holds bytes that
     * standard base64 writes as '/' or '+': base64url must not. */
    ck_assert_int_eq(ukiyo_credential_new(&cred, "h", "u?", "p>>", NULL), 0);
    ck_assert_int_eq(ukiyo_docker_registry_auth_header(&header, cred), 0);
    ck_assert_ptr_null(strchr(header, '+'));
    ck_assert_ptr_null(strchr(header, '/'));
    ck_assert_int_eq(strlen(header) % 4, 0);
    ck_assert_str_eq(header,
                     "eyJ1c2VybmFtZSI6InU_IiwicGFzc3dvcmQiOiJwPj4iLCJzZXJ2ZXJhZGRyZXNzIjoiaCJ9");
    ukiyo_string_free(header);
    ukiyo_credential_free(cred);

    ck_assert_int_eq(ukiyo_docker_registry_auth_header(&header, NULL), 0);
    ck_assert_str_eq(header, "e30="); /* {} */
    ukiyo_string_free(header);
}
END_TEST

/* Does any of the database's files hold @needle? */
static bool files_hold(const char *db, const char *needle)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    bool found = false;

    for (size_t i = 0; i < 3 && !found; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t n = strlen(needle), len = 0;
        char *buf = NULL;
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            buf = realloc(buf, len + got);
            memcpy(buf + len, chunk, got);
            len += got;
        }
        fclose(f);
        found = buf && memmem(buf, len, needle, n) != NULL;
        free(buf);
    }
    return found;
}

/* A deleted or replaced access token leaves the database's files. */
START_TEST(deleted_secrets_leave_the_database_files)
{
    char dir[] = "/tmp/ukiyo-test-secure-delete-XXXXXX", db[512];
    ukiyo_store *s = NULL;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/ukiyo.db", dir);
    ck_assert_int_eq(ukiyo_store_open(&s, db), 0);
    ck_assert_int_eq(ukiyo_store_credential_save(s, "registry.example", "alice",
                                                 "FIRST-SECRET-0123456789", NULL, NULL, 0),
                     0);
    ck_assert(files_hold(db, "FIRST-SECRET-0123456789"));
    ck_assert_int_eq(ukiyo_store_credential_save(s, "registry.example", "alice",
                                                 "SECOND-SECRET-0123456789", NULL, NULL, 1),
                     0);
    ck_assert_msg(!files_hold(db, "FIRST-SECRET-0123456789"), "the replaced token stayed");
    ck_assert_int_eq(ukiyo_store_credential_delete(s, "alice"), 0);
    ck_assert_msg(!files_hold(db, "SECOND-SECRET-0123456789"), "the deleted token stayed");
    ukiyo_store_close(s);
    ck_assert_msg(!files_hold(db, "SECRET-0123456789"), "a token is in the closed database");
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("credentials");

    tcase_add_test(tc, auths_entries_decode_user_and_password);
    tcase_add_test(tc, docker_hub_is_found_under_its_legacy_key);
    tcase_add_test(tc, identity_tokens_are_kept_apart);
    tcase_add_test(tc, unknown_registry_is_not_found);
    tcase_add_test(tc, cred_helpers_win_over_auths);
    tcase_add_test(tc, creds_store_answers_for_other_registries);
    tcase_add_test(tc, missing_helper_program_is_a_clear_error);
    tcase_add_test(tc, malformed_config_is_reported);
    tcase_add_test(tc, missing_config_means_no_credentials);
    tcase_add_test(tc, added_sources_are_asked_first);
    tcase_add_test(tc, credential_needs_a_user_or_token);
    tcase_add_test(tc, registry_auth_header_is_base64url_with_padding);
    tcase_add_test(tc, deleted_secrets_leave_the_database_files);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
