/*
 * store_rejected.c - rejected releases (the "rejected" table): an image a
 * container was rolled back from, with why and when, so that webhooks,
 * polls and windows do not try it again. What counts as the same release
 * (its image ID, or the registry's digest of it) is decided here; when to
 * record, honour or forget one is the manager's.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

int ukiyo__store_reject(ukiyo_store *s, const store_rejection *r)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "INSERT OR REPLACE INTO rejected (container, image_ref, image_id, digest, reason, "
           "rejected_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, r->container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->image_ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->image_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, ukiyo__store_now_ms(s));
    return ukiyo__store_step_write(s, st, "rejecting a release");
}

static void read_rejection(sqlite3_stmt *st, store_rejection *r)
{
    r->container = ukiyo__store_column_dup(st, 0);
    r->image_ref = ukiyo__store_column_dup(st, 1);
    r->image_id = ukiyo__store_column_dup(st, 2);
    r->digest = ukiyo__store_column_dup(st, 3);
    r->reason = ukiyo__store_column_dup(st, 4);
    r->rejected_ms = sqlite3_column_int64(st, 5);
}

#define REJECTION_COLUMNS "container, image_ref, image_id, digest, reason, rejected_ms"

int ukiyo__store_rejection_find(ukiyo_store *s, const char *container, const char *image_id,
                                const char *digest, store_rejection *out, bool *found)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "SELECT " REJECTION_COLUMNS
                                  " FROM rejected WHERE container = ?1 AND "
                                  "(image_id = ?2 OR digest = ?3) ORDER BY id DESC LIMIT 1");

    memset(out, 0, sizeof(*out));
    *found = false;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, image_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_rejection(st, out);
        *found = true;
    }
    int err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ukiyo__store_sql_fail(s, "rejections");
    ukiyo__store_statement_done(st);
    return err;
}

int ukiyo__store_rejections_list(ukiyo_store *s, const char *container, store_rejection **out,
                                 size_t *count_out)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "SELECT " REJECTION_COLUMNS
                                  " FROM rejected WHERE ?1 IS NULL OR container = ?1 "
                                  "ORDER BY id DESC");
    store_rejection *list = NULL;
    size_t n = 0, cap = 0;
    int rc = SQLITE_DONE, err = 0;

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (UKIYO__RESERVE(list, cap, n) < 0) {
            err = ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
            break;
        }
        read_rejection(st, &list[n++]);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = ukiyo__store_sql_fail(s, "rejections");
    ukiyo__store_statement_done(st);
    if (err < 0) {
        ukiyo__store_rejections_free(list, n);
        return err;
    }
    *out = list;
    *count_out = n;
    return 0;
}

int ukiyo__store_rejections_forget(ukiyo_store *s, const char *container)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "DELETE FROM rejected WHERE container = ?1");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    return ukiyo__store_step_write(s, st, "forgetting rejections");
}

void ukiyo__store_rejection_clear(store_rejection *r)
{
    free(r->container);
    free(r->image_ref);
    free(r->image_id);
    free(r->digest);
    free(r->reason);
    memset(r, 0, sizeof(*r));
}

void ukiyo__store_rejections_free(store_rejection *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        ukiyo__store_rejection_clear(&list[i]);
    free(list);
}

/* ---- the public list ----------------------------------------------------- */

struct ukiyo_rejection {
    store_rejection row;
};

struct ukiyo_rejection_list {
    store_rejection *rows;
    size_t count;
};

UKIYO_EXTERN int ukiyo_store_rejections(ukiyo_rejection_list **out, ukiyo_store *s,
                                        const char *container)
{
    if (!out || !s)
        return ukiyo__error_set(UKIYO_EINVAL, "rejections: NULL argument");
    ukiyo_rejection_list *list = calloc(1, sizeof(*list));
    if (!list)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    int err = ukiyo__store_rejections_list(s, container, &list->rows, &list->count);
    if (err < 0) {
        free(list);
        return err;
    }
    *out = list;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_rejection_list_count(const ukiyo_rejection_list *list)
{
    return list ? list->count : 0;
}

UKIYO_EXTERN const ukiyo_rejection *ukiyo_rejection_list_get(const ukiyo_rejection_list *list,
                                                             size_t index)
{
    /* The public type wraps the row alone, so a row is one. */
    return list && index < list->count ? (const ukiyo_rejection *)&list->rows[index] : NULL;
}

UKIYO_EXTERN void ukiyo_rejection_list_free(ukiyo_rejection_list *list)
{
    if (!list)
        return;
    ukiyo__store_rejections_free(list->rows, list->count);
    free(list);
}

UKIYO_EXTERN const char *ukiyo_rejection_container(const ukiyo_rejection *r)
{
    return r->row.container;
}

UKIYO_EXTERN const char *ukiyo_rejection_image(const ukiyo_rejection *r)
{
    return r->row.image_ref;
}

UKIYO_EXTERN const char *ukiyo_rejection_image_id(const ukiyo_rejection *r)
{
    return r->row.image_id;
}

UKIYO_EXTERN const char *ukiyo_rejection_digest(const ukiyo_rejection *r)
{
    return r->row.digest;
}

UKIYO_EXTERN const char *ukiyo_rejection_reason(const ukiyo_rejection *r)
{
    return r->row.reason;
}

UKIYO_EXTERN int64_t ukiyo_rejection_time_ms(const ukiyo_rejection *r)
{
    return r->row.rejected_ms;
}

static json_t *rejection_doc(const store_rejection *r)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:I}", "container", r->container, "image",
                     r->image_ref, "image_id", r->image_id, "digest", r->digest, "reason",
                     r->reason, "rejected_ms", (json_int_t)r->rejected_ms);
}

static int dump(json_t *doc, char **json_out)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

UKIYO_EXTERN int ukiyo_rejection_json(char **json_out, const ukiyo_rejection *r)
{
    if (!json_out || !r)
        return ukiyo__error_set(UKIYO_EINVAL, "rejections: NULL argument");
    return dump(rejection_doc(&r->row), json_out);
}

UKIYO_EXTERN int ukiyo_rejection_list_json(char **json_out, const ukiyo_rejection_list *list)
{
    if (!json_out || !list)
        return ukiyo__error_set(UKIYO_EINVAL, "rejections: NULL argument");
    json_t *doc = json_array();
    for (size_t i = 0; doc && i < list->count; i++)
        json_array_append_new(doc, rejection_doc(&list->rows[i]));
    return dump(doc, json_out);
}
