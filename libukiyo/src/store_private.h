/*
 * store_private.h - what the store's own files (store*.c) share: the sqlite
 * handle and its statement cache. No other file includes it: the rest of
 * the library reaches the store through store_internal.h's typed calls.
 */
#ifndef UKIYO_STORE_PRIVATE_H
#define UKIYO_STORE_PRIVATE_H

#include <sqlite3.h>

#include "store_internal.h"

#define STORE_STATEMENTS_MAX 64

struct ukiyo_store {
    sqlite3 *db;
    char *path;
    int64_t (*clock)(void *arg); /* NULL: the real clock */
    void *clock_arg;
    /* Statements prepared once and kept (ukiyo__store_statement), matched by their SQL's address.
     */
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } statements[STORE_STATEMENTS_MAX];
};

/*
 * The prepared statement for @sql, which must be a string that lives as long
 * as the program (a literal: the cache matches it by address), prepared on
 * first use and kept with the handle; NULL with the last error set. The
 * caller binds, steps, and hands it back with ukiyo__store_statement_done() (which
 * ends its read, so no snapshot stays open), never sqlite3_finalize().
 */
sqlite3_stmt *ukiyo__store_statement(ukiyo_store *s, const char *sql);
void ukiyo__store_statement_done(sqlite3_stmt *st);
/* Record sqlite's last failure on @s as the last error ("store: @what: ..."); UKIYO_EIO. */
int ukiyo__store_sql_fail(ukiyo_store *s, const char *what);
/* Step a prepared write to its end; 0, UKIYO_ECONFLICT on a constraint, or UKIYO_EIO. */
int ukiyo__store_step_write(ukiyo_store *s, sqlite3_stmt *st, const char *what);
/* sqlite3_column_text as a new string (NULL for NULL). */
char *ukiyo__store_column_dup(sqlite3_stmt *st, int column);

#endif
