/*
 * store_credentials.c - registry credentials in the store, and the auth
 * source that puts them in front of Docker's config.json.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

static int cred_error(ukiyo_store *s, const char *what)
{
    return ukiyo__error_set(UKIYO_EIO, "credentials: %s: %s", what, sqlite3_errmsg(s->db));
}

/* "https://index.docker.io/v1/" -> "docker.io"; "https://reg:5000/x" -> "reg:5000". */
char *ukiyo__credential_server_key(const char *server)
{
    const char *start = server;

    if (ukiyo__str_has_prefix(start, "https://"))
        start += 8;
    else if (ukiyo__str_has_prefix(start, "http://"))
        start += 7;
    char *host = strndup(start, strcspn(start, "/"));
    if (host && (strcmp(host, "index.docker.io") == 0 ||
                 strcmp(host, "registry-1.docker.io") == 0 ||
                 strcmp(host, "registry.hub.docker.com") == 0)) {
        free(host);
        host = strdup("docker.io");
    }
    return host;
}

static int run_write(ukiyo_store *s, sqlite3_stmt *st, int *changes)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    *changes = sqlite3_changes(s->db);
    if (rc == SQLITE_CONSTRAINT)
        return UKIYO_ECONFLICT;
    return rc == SQLITE_DONE ? 0 : cred_error(s, "write");
}

UKIYO_EXTERN int ukiyo_store_credential_save(ukiyo_store *s, const char *server,
                                             const char *username, const char *secret,
                                             const char *email, const char *description,
                                             int replace)
{
    static const char insert_sql[] =
        "INSERT INTO credentials (server, username, secret, email, description, created_ms, "
        "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
    static const char update_sql[] =
        "UPDATE credentials SET username = ?2, secret = ?3, email = ?4, description = ?5, "
        "updated_ms = ?6 WHERE server = ?1";
    sqlite3_stmt *st = NULL;
    int changes = 0, err;

    if (!s || !server || !server[0] || !username || !username[0] || !secret || !secret[0])
        return ukiyo__error_set(UKIYO_EINVAL, "a credential needs a server, a user name and a "
                                             "secret");
    char *key = ukiyo__credential_server_key(server);
    if (!key || !key[0]) {
        free(key);
        return ukiyo__error_set(UKIYO_EINVAL, "no registry in server \"%.100s\"", server);
    }
    if (sqlite3_prepare_v2(s->db, replace ? update_sql : insert_sql, -1, &st, NULL) != SQLITE_OK) {
        free(key);
        return cred_error(s, "prepare");
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, ukiyo__store_now_ms(s));
    err = run_write(s, st, &changes);
    if (err == UKIYO_ECONFLICT)
        ukiyo__error_set(err, "%s already has a credential (edit it instead)", key);
    else if (err == 0 && replace && changes == 0)
        err = ukiyo__error_set(UKIYO_ENOTFOUND, "%s has no credential to edit", key);
    if (err == 0 && replace)
        ukiyo__store_forget_old_pages(s); /* the replaced secret */
    free(key);
    return err;
}

UKIYO_EXTERN int ukiyo_store_credential_delete(ukiyo_store *s, const char *name)
{
    sqlite3_stmt *st = NULL;
    int changes = 0, err;

    if (!s || !name || !name[0])
        return ukiyo__error_set(UKIYO_EINVAL, "credential delete: no name");
    char *key = ukiyo__credential_server_key(name);
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM credentials WHERE username = ?1 OR "
                           "(server = ?2 AND NOT EXISTS (SELECT 1 FROM credentials "
                           "WHERE username = ?1))",
                           -1, &st, NULL) != SQLITE_OK) {
        free(key);
        return cred_error(s, "prepare");
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    err = run_write(s, st, &changes);
    free(key);
    if (err == 0 && changes == 0)
        err = ukiyo__error_set(UKIYO_ENOTFOUND, "no credential named %.100s", name);
    if (err == 0)
        ukiyo__store_forget_old_pages(s);
    return err;
}

UKIYO_EXTERN int ukiyo_store_credentials_json(char **json_out, ukiyo_store *s)
{
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;

    if (sqlite3_prepare_v2(s->db, "SELECT server, username, email, description, updated_ms FROM "
                                  "credentials ORDER BY server",
                           -1, &st, NULL) != SQLITE_OK) {
        json_decref(list);
        return cred_error(s, "prepare");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s?, s:s?, s:I}", "server",
                            (const char *)sqlite3_column_text(st, 0), "username",
                            (const char *)sqlite3_column_text(st, 1), "email",
                            (const char *)sqlite3_column_text(st, 2), "description",
                            (const char *)sqlite3_column_text(st, 3), "updated_ms",
                            (json_int_t)sqlite3_column_int64(st, 4)));
    sqlite3_finalize(st);
    char *text = rc == SQLITE_DONE ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    if (rc != SQLITE_DONE)
        return cred_error(s, "reading");
    if (!text)
        return UKIYO_ENOMEM;
    *json_out = text;
    return 0;
}

/* The auth source ukiyo_open() puts in front of Docker's config.json. */
int ukiyo__store_credential_source(ukiyo_credential **out, const char *registry, void *payload)
{
    ukiyo_store *s = payload;
    sqlite3_stmt *st = NULL;
    int err = UKIYO_ENOTFOUND;
    char *key = ukiyo__credential_server_key(registry);

    if (!key)
        return UKIYO_ENOMEM;
    if (sqlite3_prepare_v2(s->db, "SELECT username, secret FROM credentials WHERE server = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        free(key);
        return cred_error(s, "prepare");
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        err = ukiyo_credential_new(out, registry, (const char *)sqlite3_column_text(st, 0),
                                   (const char *)sqlite3_column_text(st, 1), NULL);
    sqlite3_finalize(st);
    free(key);
    return err;
}
