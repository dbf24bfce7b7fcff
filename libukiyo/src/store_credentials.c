/*
 * store_credentials.c - registry credentials in the store, and the auth
 * source that puts them in front of Docker's config.json.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_private.h"

static int cred_error(ukiyo_store *s, const char *what)
{
    return ukiyo__error_set(UKIYO_EIO, "credentials: %s: %s", what, sqlite3_errmsg(s->db));
}

/*
 * The registry host a server address names, as pulls look it up:
 * "https://index.docker.io/v1/" -> "docker.io", "https://user@Reg.Example:5000/v2/"
 * -> "reg.example:5000". The scheme, any userinfo and the path go; the host
 * is lower case (host names are case-insensitive; image references write them
 * as they please).
 */
char *ukiyo__credential_server_key(const char *server)
{
    const char *start = server;

    while (*start == ' ' || *start == '\t')
        start++;
    if (strncasecmp(start, "https://", 8) == 0)
        start += 8;
    else if (strncasecmp(start, "http://", 7) == 0)
        start += 7;
    size_t len = strcspn(start, "/?# \t");
    const char *at = memchr(start, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - start);
        start = at + 1;
    }
    char *host = strndup(start, len);
    for (char *c = host; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (host &&
        (strcmp(host, "index.docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0 ||
         strcmp(host, "registry.hub.docker.com") == 0)) {
        free(host);
        host = strdup("docker.io");
    }
    return host;
}

UKIYO_EXTERN int ukiyo_store_credential_server_name(char **out, const char *server)
{
    if (!out || !server)
        return ukiyo__error_set(UKIYO_EINVAL, "credential server name: NULL argument");
    char *key = ukiyo__credential_server_key(server);
    if (!key)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    if (!key[0]) {
        free(key);
        return ukiyo__error_set(UKIYO_EINVAL, "no registry in server \"%.100s\"", server);
    }
    *out = key;
    return 0;
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
    /* An edit changes the fields it is given (NULL keeps one); "" clears email and description. */
    static const char update_sql[] =
        "UPDATE credentials SET username = COALESCE(?2, username), secret = COALESCE(?3, secret), "
        "email = COALESCE(?4, email), description = COALESCE(?5, description), "
        "updated_ms = ?6 WHERE server = ?1";
    sqlite3_stmt *st = NULL;
    int changes = 0, err;

    if (!s || !server || !server[0])
        return ukiyo__error_set(UKIYO_EINVAL, "a credential needs a server");
    if (!replace && (!username || !username[0] || !secret || !secret[0]))
        return ukiyo__error_set(UKIYO_EINVAL, "a credential needs a server, a user name and a "
                                              "secret");
    if (replace && ((username && !username[0]) || (secret && !secret[0])))
        return ukiyo__error_set(UKIYO_EINVAL, "an edit cannot empty the user name or the secret");
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

/* The servers @username has a credential for, comma-separated (new string); *count_out of them. */
static int servers_of_user(ukiyo_store *s, const char *username, char **list_out, size_t *count_out)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "SELECT server FROM credentials WHERE username = ?1 ORDER BY server");
    char *list = NULL;
    int rc;

    *count_out = 0;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *more = ukiyo__str_printf("%s%s%s", list ? list : "", list ? ", " : "",
                                       (const char *)sqlite3_column_text(st, 0));
        free(list);
        list = more;
        (*count_out)++;
    }
    ukiyo__store_statement_done(st);
    if (rc != SQLITE_DONE) {
        free(list);
        return cred_error(s, "reading");
    }
    *list_out = list;
    return 0;
}

UKIYO_EXTERN int ukiyo_store_credential_remove(ukiyo_store *s, const char *server,
                                               const char *username)
{
    sqlite3_stmt *st = NULL;
    int changes = 0, err;

    if (!s || !server || !server[0])
        return ukiyo__error_set(UKIYO_EINVAL, "credential remove: no server");
    char *key = ukiyo__credential_server_key(server);
    if (!key)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM credentials WHERE server = ?1 AND "
                           "(?2 IS NULL OR username = ?2)",
                           -1, &st, NULL) != SQLITE_OK) {
        free(key);
        return cred_error(s, "prepare");
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
    err = run_write(s, st, &changes);
    if (err == 0 && changes == 0)
        err = username ? ukiyo__error_set(UKIYO_ENOTFOUND, "%.100s has no credential on %s",
                                          username, key)
                       : ukiyo__error_set(UKIYO_ENOTFOUND, "%s has no credential", key);
    free(key);
    if (err == 0)
        ukiyo__store_forget_old_pages(s);
    return err;
}

UKIYO_EXTERN int ukiyo_store_credential_delete(ukiyo_store *s, const char *name)
{
    char *servers = NULL;
    size_t count = 0;

    if (!s || !name || !name[0])
        return ukiyo__error_set(UKIYO_EINVAL, "credential delete: no name");
    int err = servers_of_user(s, name, &servers, &count);
    if (err == 0 && count > 1)
        err = ukiyo__error_set(UKIYO_ECONFLICT,
                               "%.100s has credentials on %zu servers (%s): name the server", name,
                               count, servers);
    else if (err == 0 && count == 1)
        err = ukiyo_store_credential_remove(s, servers, name);
    else if (err == 0 && ukiyo_store_credential_remove(s, name, NULL) < 0)
        err = ukiyo__error_set(UKIYO_ENOTFOUND, "no credential named %.100s", name);
    free(servers);
    return err;
}

struct ukiyo_saved_credential {
    char *server, *username, *email, *description;
    int64_t updated_ms;
};

struct ukiyo_saved_credential_list {
    ukiyo_saved_credential *items;
    size_t count, cap;
};

UKIYO_EXTERN int ukiyo_store_credentials(ukiyo_saved_credential_list **out, ukiyo_store *s)
{
    if (!out || !s)
        return ukiyo__error_set(UKIYO_EINVAL, "credentials: NULL argument");
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT server, username, email, description, "
                                                 "updated_ms FROM credentials ORDER BY server");
    ukiyo_saved_credential_list *list = calloc(1, sizeof(*list));
    int rc = SQLITE_DONE, err = 0;

    if (!st || !list) {
        free(list);
        return st ? ukiyo__error_set(UKIYO_ENOMEM, "out of memory") : UKIYO_EIO;
    }
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (UKIYO__RESERVE(list->items, list->cap, list->count) < 0) {
            err = ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
            break;
        }
        ukiyo_saved_credential *c = &list->items[list->count++];
        c->server = ukiyo__store_column_dup(st, 0);
        c->username = ukiyo__store_column_dup(st, 1);
        c->email = ukiyo__store_column_dup(st, 2);
        c->description = ukiyo__store_column_dup(st, 3);
        c->updated_ms = sqlite3_column_int64(st, 4);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cred_error(s, "reading");
    ukiyo__store_statement_done(st);
    if (err < 0) {
        ukiyo_saved_credential_list_free(list);
        return err;
    }
    *out = list;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_saved_credential_list_count(const ukiyo_saved_credential_list *list)
{
    return list ? list->count : 0;
}

UKIYO_EXTERN const ukiyo_saved_credential *
ukiyo_saved_credential_list_get(const ukiyo_saved_credential_list *list, size_t index)
{
    return list && index < list->count ? &list->items[index] : NULL;
}

UKIYO_EXTERN void ukiyo_saved_credential_list_free(ukiyo_saved_credential_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].server);
        free(list->items[i].username);
        free(list->items[i].email);
        free(list->items[i].description);
    }
    free(list->items);
    free(list);
}

UKIYO_EXTERN const char *ukiyo_saved_credential_server(const ukiyo_saved_credential *c)
{
    return c->server;
}

UKIYO_EXTERN const char *ukiyo_saved_credential_username(const ukiyo_saved_credential *c)
{
    return c->username;
}

UKIYO_EXTERN const char *ukiyo_saved_credential_email(const ukiyo_saved_credential *c)
{
    return c->email;
}

UKIYO_EXTERN const char *ukiyo_saved_credential_description(const ukiyo_saved_credential *c)
{
    return c->description;
}

UKIYO_EXTERN int64_t ukiyo_saved_credential_updated_ms(const ukiyo_saved_credential *c)
{
    return c->updated_ms;
}

UKIYO_EXTERN int ukiyo_saved_credential_json(char **json_out, const ukiyo_saved_credential *c)
{
    if (!json_out || !c)
        return ukiyo__error_set(UKIYO_EINVAL, "credentials: NULL argument");
    json_t *doc = json_pack("{s:s, s:s, s:s?, s:s?, s:I}", "server", c->server, "username",
                            c->username, "email", c->email, "description", c->description,
                            "updated_ms", (json_int_t)c->updated_ms);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

int ukiyo__store_credential_username(ukiyo_store *s, const char *server, char **out)
{
    char *key = ukiyo__credential_server_key(server);
    sqlite3_stmt *st =
        key ? ukiyo__store_statement(s, "SELECT username FROM credentials WHERE server = ?1")
            : NULL;
    int rc;

    *out = NULL;
    if (!st) {
        free(key);
        return key ? UKIYO_EIO : UKIYO_ENOMEM;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    free(key);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *out = ukiyo__store_column_dup(st, 0);
    ukiyo__store_statement_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cred_error(s, "reading");
    return *out ? 0 : UKIYO_ENOTFOUND;
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
    if (sqlite3_prepare_v2(s->db, "SELECT username, secret FROM credentials WHERE server = ?1", -1,
                           &st, NULL) != SQLITE_OK) {
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
