/*
 * store_registry.c - what each registry last answered for a tag (the
 * "registry_answers" table): the digest it served, or why it could not be
 * asked, and when. Checks, polls and pushes write it; what the dashboard
 * and a cached check say of "update available" is read from it, so showing
 * a page never sends a request to a registry.
 */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

int ukiyo__store_answer_note(ukiyo_store *s, const char *registry, const char *repository,
                             const char *tag, const char *digest, const char *error, int64_t now_ms)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "INSERT OR REPLACE INTO registry_answers (registry, repository, tag, digest, error, "
           "answered_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, digest ? NULL : error ? error : "no answer", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now_ms);
    return ukiyo__store_step_write(s, st, "remembering a registry's answer");
}

int ukiyo__store_answer_get(ukiyo_store *s, const char *registry, const char *repository,
                            const char *tag, store_answer *out, bool *found)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "SELECT digest, error, answered_ms FROM registry_answers WHERE registry = ?1 AND "
           "repository = ?2 AND tag = ?3");

    memset(out, 0, sizeof(*out));
    *found = false;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->digest = ukiyo__store_column_dup(st, 0);
        out->error = ukiyo__store_column_dup(st, 1);
        out->answered_ms = sqlite3_column_int64(st, 2);
        *found = true;
    }
    int err =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "registry answers");
    ukiyo__store_statement_done(st);
    return err;
}

void ukiyo__store_answer_clear(store_answer *a)
{
    free(a->digest);
    free(a->error);
    memset(a, 0, sizeof(*a));
}
