/*
 * store_deployments.c - the seed's scheduled deployments' rows (the
 * "deployments" table). Validation and port clashes are deployments.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

void ukiyo__store_deployment_clear(store_deployment *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->registry);
    free(d->repository);
    free(d->container);
    free(d->ports);
    free(d->window);
    memset(d, 0, sizeof(*d));
}

void ukiyo__store_deployments_free(store_deployment *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        ukiyo__store_deployment_clear(&list[i]);
    free(list);
}

#define DEPLOYMENT_COLUMNS                                                                         \
    "name, registry, repository, container, ports, scheduled_at_ms, scheduled_downtime, "          \
    "update_window"

static void read_deployment(sqlite3_stmt *st, store_deployment *d)
{
    d->name = ukiyo__store_column_dup(st, 0);
    d->registry = ukiyo__store_column_dup(st, 1);
    d->repository = ukiyo__store_column_dup(st, 2);
    d->container = ukiyo__store_column_dup(st, 3);
    d->ports = ukiyo__store_column_dup(st, 4);
    d->scheduled_at_ms = sqlite3_column_int64(st, 5);
    d->downtime = sqlite3_column_int(st, 6) != 0;
    d->window = ukiyo__store_column_dup(st, 7);
}

int ukiyo__store_deployment_find(ukiyo_store *s, const char *registry, const char *repository,
                                 const char *name, store_deployment *d)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "SELECT " DEPLOYMENT_COLUMNS " FROM deployments WHERE "
                                  "(registry = ?1 AND repository = ?2) OR name = ?3");

    memset(d, 0, sizeof(*d));
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), err = 0;
    if (rc == SQLITE_ROW)
        read_deployment(st, d);
    else if (rc == SQLITE_DONE)
        err = UKIYO_ENOTFOUND; /* a question, not a failure: no message */
    else
        err = ukiyo__store_sql_fail(s, "reading deployments");
    ukiyo__store_statement_done(st);
    return err;
}

int ukiyo__store_deployments_list(ukiyo_store *s, store_deployment **list_out, size_t *count_out)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "SELECT " DEPLOYMENT_COLUMNS " FROM deployments ORDER BY name");
    store_deployment *list = NULL;
    size_t n = 0, cap = 0;
    int rc, err = 0;

    if (!st)
        return UKIYO_EIO;
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (UKIYO__RESERVE(list, cap, n) < 0) {
            err = UKIYO_ENOMEM;
            break;
        }
        memset(&list[n], 0, sizeof(list[n]));
        read_deployment(st, &list[n++]);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = ukiyo__store_sql_fail(s, "reading deployments");
    ukiyo__store_statement_done(st);
    if (err < 0) {
        ukiyo__store_deployments_free(list, n);
        return err;
    }
    *list_out = list;
    *count_out = n;
    return 0;
}

int ukiyo__store_deployment_write(ukiyo_store *s, const store_deployment *d, bool replace)
{
    static const char insert_sql[] =
        "INSERT INTO deployments (name, registry, repository, container, ports, scheduled_at_ms, "
        "scheduled_downtime, created_ms, updated_ms, update_window) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, ?7, ?8, ?8, ?9)";
    static const char update_sql[] =
        "UPDATE deployments SET container = ?4, ports = ?5, scheduled_at_ms = ?6, "
        "scheduled_downtime = ?7, updated_ms = ?8, update_window = ?9 WHERE name = ?1 AND "
        "registry = ?2 AND repository = ?3";
    sqlite3_stmt *st = ukiyo__store_statement(s, replace ? update_sql : insert_sql);

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->container, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->ports, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, d->scheduled_at_ms);
    sqlite3_bind_int(st, 7, d->downtime);
    sqlite3_bind_int64(st, 8, ukiyo__store_now_ms(s));
    sqlite3_bind_text(st, 9, d->window, -1, SQLITE_STATIC);
    int err = ukiyo__store_step_write(s, st, "writing a deployment");
    if (err == UKIYO_ECONFLICT)
        return ukiyo__error_set(UKIYO_ECONFLICT, "deployment %s (or its container %s) exists",
                                d->name, d->container);
    if (err == 0 && replace && sqlite3_changes(s->db) == 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "no deployment %s", d->name);
    return err;
}

int ukiyo__store_deployment_delete(ukiyo_store *s, const char *name)
{
    sqlite3_stmt *st =
        ukiyo__store_statement(s, "DELETE FROM deployments WHERE name = ?1 OR container = ?1");

    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int err = ukiyo__store_step_write(s, st, "deleting a deployment");
    if (err == 0 && sqlite3_changes(s->db) == 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "no deployment %.100s", name);
    return err;
}
