/*
 * test_auth.c - credentials from Docker's config.json, credential helpers
 * and added sources. Needs no engine; the helper is a real program
 * (tests/data/bin/docker-credential-ukiyotest) found on PATH.
 */
#include <jansson.h>
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

/* A store in a directory of its own; @dir receives the directory to remove. */
static ukiyo_store *temp_store(char dir[64])
{
    ukiyo_store *s = NULL;
    char db[128];

    strcpy(dir, "/tmp/ukiyo-test-creds-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/ukiyo.db", dir);
    ck_assert_int_eq(ukiyo_store_open(&s, db), 0);
    return s;
}

static void remove_temp_store(ukiyo_store *s, const char *dir)
{
    char cmd[128];

    ukiyo_store_close(s);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The one saved credential's field, by getter. */
static const ukiyo_saved_credential *only_credential(ukiyo_saved_credential_list **list,
                                                     ukiyo_store *s)
{
    ukiyo_saved_credential_list_free(*list);
    *list = NULL;
    ck_assert_int_eq(ukiyo_store_credentials(list, s), 0);
    ck_assert_uint_eq(ukiyo_saved_credential_list_count(*list), 1);
    return ukiyo_saved_credential_list_get(*list, 0);
}

START_TEST(server_addresses_are_normalised_at_save)
{
    static const struct {
        const char *given, *kept;
    } cases[] = {
        {"https://evil@Sec-Reg6.EXAMPLE", "sec-reg6.example"},
        {"https://index.docker.io/v1/", "docker.io"},
        {"index.docker.io", "docker.io"},
        {"registry-1.docker.io", "docker.io"},
        {"HTTP://Reg.Example:5000/v2/", "reg.example:5000"},
        {"user:pw@reg.example:5000", "reg.example:5000"},
        {"  reg.example  ", "reg.example"},
        {"127.0.0.1:5000", "127.0.0.1:5000"},
    };
    char dir[64], *name = NULL;
    ukiyo_store *s = temp_store(dir);
    ukiyo_saved_credential_list *list = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(ukiyo_store_credential_server_name(&name, cases[i].given), 0);
        ck_assert_msg(strcmp(name, cases[i].kept) == 0, "%s: %s", cases[i].given, name);
        ukiyo_string_free(name);
        ck_assert_int_eq(ukiyo_store_credential_save(s, cases[i].given, "alice", "secret", NULL,
                                                     NULL, 0),
                         0);
        ck_assert_str_eq(ukiyo_saved_credential_server(only_credential(&list, s)), cases[i].kept);
        /* Any spelling of the same registry names the same credential. */
        ck_assert_int_eq(ukiyo_store_credential_save(s, cases[i].kept, "alice", "secret", NULL,
                                                     NULL, 0),
                         UKIYO_ECONFLICT);
        ck_assert_int_eq(ukiyo_store_credential_remove(s, cases[i].given, NULL), 0);
    }
    ck_assert_int_eq(ukiyo_store_credential_server_name(&name, "https://"), UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_store_credential_server_name(&name, ""), UKIYO_EINVAL);
    /* Userinfo, mixed case and a trailing slash together. */
    ck_assert_int_eq(ukiyo_store_credential_save(s, "https://x@Sec-Reg6.EXAMPLE/", "alice", "pw",
                                                 NULL, NULL, 0),
                     0);
    ukiyo_saved_credential_list_free(list);
    remove_temp_store(s, dir);
}
END_TEST

START_TEST(an_edit_changes_only_the_fields_it_is_given)
{
    char dir[64];
    ukiyo_store *s = temp_store(dir);
    ukiyo_saved_credential_list *list = NULL;
    const ukiyo_saved_credential *c;

    ck_assert_int_eq(ukiyo_store_credential_save(s, "reg.example", "alice", "first",
                                                 "alice@example.com", "CI's key", 0),
                     0);
    /* A new secret alone. */
    ck_assert_int_eq(ukiyo_store_credential_save(s, "reg.example", NULL, "second", NULL, NULL, 1),
                     0);
    c = only_credential(&list, s);
    ck_assert_str_eq(ukiyo_saved_credential_username(c), "alice");
    ck_assert_str_eq(ukiyo_saved_credential_email(c), "alice@example.com");
    ck_assert_str_eq(ukiyo_saved_credential_description(c), "CI's key");
    /* "" clears the description; the user name and the secret cannot be emptied. */
    ck_assert_int_eq(ukiyo_store_credential_save(s, "reg.example", NULL, NULL, NULL, "", 1), 0);
    c = only_credential(&list, s);
    ck_assert_str_eq(ukiyo_saved_credential_description(c), "");
    ck_assert_str_eq(ukiyo_saved_credential_email(c), "alice@example.com");
    ck_assert_int_eq(ukiyo_store_credential_save(s, "reg.example", "", NULL, NULL, NULL, 1),
                     UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_store_credential_save(s, "reg.example", NULL, "", NULL, NULL, 1),
                     UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_store_credential_save(s, "other.example", NULL, "x", NULL, NULL, 1),
                     UKIYO_ENOTFOUND);
    /* A new one still needs both. */
    ck_assert_int_eq(ukiyo_store_credential_save(s, "other.example", "bob", NULL, NULL, NULL, 0),
                     UKIYO_EINVAL);
    c = only_credential(&list, s);
    ck_assert_str_eq(ukiyo_saved_credential_username(c), "alice");
    ukiyo_saved_credential_list_free(list);
    remove_temp_store(s, dir);
}
END_TEST

START_TEST(deleting_a_user_with_keys_on_several_servers_names_them)
{
    char dir[64];
    ukiyo_store *s = temp_store(dir);
    ukiyo_saved_credential_list *list = NULL;

    ck_assert_int_eq(ukiyo_store_credential_save(s, "a.example", "admin", "x", NULL, NULL, 0), 0);
    ck_assert_int_eq(ukiyo_store_credential_save(s, "b.example", "admin", "y", NULL, NULL, 0), 0);
    ck_assert_int_eq(ukiyo_store_credential_save(s, "c.example", "carol", "z", NULL, NULL, 0), 0);
    ck_assert_int_eq(ukiyo_store_credential_delete(s, "admin"), UKIYO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "a.example, b.example"));
    ck_assert_int_eq(ukiyo_store_credentials(&list, s), 0);
    ck_assert_uint_eq(ukiyo_saved_credential_list_count(list), 3); /* nothing went */
    ukiyo_saved_credential_list_free(list);
    /* Named with its server, one goes; the wrong user on a server is not found. */
    ck_assert_int_eq(ukiyo_store_credential_remove(s, "https://A.example/", "admin"), 0);
    ck_assert_int_eq(ukiyo_store_credential_remove(s, "b.example", "carol"), UKIYO_ENOTFOUND);
    /* With one left, the user name is enough; a server name works too. */
    ck_assert_int_eq(ukiyo_store_credential_delete(s, "admin"), 0);
    ck_assert_int_eq(ukiyo_store_credential_delete(s, "c.example"), 0);
    ck_assert_int_eq(ukiyo_store_credential_delete(s, "nobody"), UKIYO_ENOTFOUND);
    list = NULL;
    ck_assert_int_eq(ukiyo_store_credentials(&list, s), 0);
    ck_assert_uint_eq(ukiyo_saved_credential_list_count(list), 0);
    ukiyo_saved_credential_list_free(list);
    remove_temp_store(s, dir);
}
END_TEST

/* ukiyoctl keys: the same records, the secret from standard input and never shown. */
START_TEST(ukiyoctl_keys_saves_lists_edits_and_deletes)
{
    char dir[] = "/tmp/ukiyo-test-keys-XXXXXX", *out = NULL;

    ck_assert_ptr_nonnull(mkdtemp(dir));
#define KEYS "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s/u.db keys"
    ck_assert_int_eq(test_sh(NULL,
                             "echo TOKEN-ONE-0123 | " KEYS " save https://ci@Reg.Example:5000/v2/ "
                             "ci --email ci@example.com --no-check >/dev/null && echo "
                             "TOKEN-TWO-0123 | " KEYS
                             " save other.example ci --no-check >/dev/null",
                             dir, dir),
                     0);
    ck_assert_int_eq(test_sh(&out,
                             KEYS " --desc 'the CI key' edit reg.example:5000 && " KEYS " list",
                             dir, dir),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "reg.example:5000"));
    ck_assert_ptr_nonnull(strstr(out, "the CI key"));
    ck_assert_ptr_nonnull(strstr(out, "ci@example.com")); /* the edit kept it */
    ck_assert_ptr_null(strstr(out, "TOKEN"));
    free(out);
    /* By user name alone: refused, naming both servers; nothing goes. */
    ck_assert_int_eq(test_sh(&out, KEYS " delete ci 2>&1", dir), 1);
    ck_assert_ptr_nonnull(strstr(out, "other.example, reg.example:5000"));
    free(out);
    ck_assert_int_eq(test_sh(NULL, KEYS " delete ci --server other.example >/dev/null", dir), 0);
    /* No secret, no key; a secret never as an argument. */
    ck_assert_int_eq(test_sh(NULL, KEYS " save x.example ci </dev/null 2>/dev/null", dir), 2);
    ck_assert_int_eq(test_sh(NULL, KEYS " save x.example 2>/dev/null", dir), 2);
    ck_assert_int_eq(test_sh(&out, KEYS " --json list", dir), 0);
    json_t *doc = json_loads(out, 0, NULL);
    ck_assert_uint_eq(json_array_size(doc), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "server")),
                     "reg.example:5000");
    ck_assert_ptr_null(strstr(out, "TOKEN"));
    json_decref(doc);
    free(out);
    ck_assert_int_eq(test_sh(NULL, KEYS " delete ci >/dev/null && rm -rf %s", dir, dir), 0);
#undef KEYS
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
    tcase_add_test(tc, server_addresses_are_normalised_at_save);
    tcase_add_test(tc, an_edit_changes_only_the_fields_it_is_given);
    tcase_add_test(tc, deleting_a_user_with_keys_on_several_servers_names_them);
    tcase_add_test(tc, ukiyoctl_keys_saves_lists_edits_and_deletes);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
