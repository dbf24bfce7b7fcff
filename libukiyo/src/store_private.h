/*
 * store_private.h - the store's internals shared with the manager: the
 * sqlite handle and the update journal.
 *
 * The journal is the "updates" table: a row is written before a
 * transaction's first step, its step column before each later step, and
 * its outcome at the end; finished rows are the history. At most one
 * unfinished row per container (a unique partial index) keeps two
 * processes from updating one container at once.
 */
#ifndef UKIYO_STORE_PRIVATE_H
#define UKIYO_STORE_PRIVATE_H

#include <sqlite3.h>

#include "internal.h"

#define STORE_STATEMENTS_MAX 64

struct ukiyo_store {
    sqlite3 *db;
    char *path;
    int64_t (*clock)(void *arg); /* NULL: the real clock */
    void *clock_arg;
    /* Statements prepared once and kept (store_statement), matched by their SQL's address. */
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } statements[STORE_STATEMENTS_MAX];
};

/*
 * The prepared statement for @sql, which must be a string that lives as long
 * as the program (a literal: the cache matches it by address), prepared on
 * first use and kept with the handle; NULL with the last error set. The
 * caller binds, steps, and hands it back with store_statement_done() (which
 * ends its read, so no snapshot stays open), never sqlite3_finalize(). The
 * queries made for every delivery use it: preparing costs more than running.
 */
sqlite3_stmt *store_statement(ukiyo_store *s, const char *sql);
void store_statement_done(sqlite3_stmt *st);

/* The steps of a transaction, in the order they are taken. */
#define STEP_PLANNED "planned"
#define STEP_CREATE "create"
#define STEP_STOP_OLD "stop-old"
#define STEP_RENAME_OLD "rename-old"
#define STEP_RENAME_NEW "rename-new"
#define STEP_START_NEW "start-new"
#define STEP_HEALTH "health"
#define STEP_ADVERTISE "advertise" /* start-first: the new one joins its aliases */
#define STEP_COMMIT "commit" /* healthy: from here on a crash finishes forward */
#define STEP_REMOVE_OLD "remove-old"
#define STEP_ROLLBACK "rollback"

typedef struct {
    int64_t id;
    char *container;
    char *kind;     /* update | redeploy | rollback */
    char *strategy; /* stop-first | start-first */
    char *image_ref;
    char *old_image_ref; /* NULL unless a tag policy changes the reference */
    char *old_container_id;
    char *old_image_id;
    char *new_image_id;
    char *new_container_id;
    char *temp_name;
    char *old_name; /* what the old container is renamed to */
    bool old_was_running;
    char *step;
} journal_entry;

/* Record a new transaction at STEP_PLANNED. UKIYO_ECONFLICT when the container has one open. */
int journal_begin(ukiyo_store *s, journal_entry *e);
/* Record that @step is about to be taken. (A test hook may end the process here.) */
int journal_step(ukiyo_store *s, int64_t id, const char *step);
int journal_set_new_container(ukiyo_store *s, int64_t id, const char *container_id);
/* Close a transaction: outcome "updated", "rolled-back" or "failed". */
int journal_finish(ukiyo_store *s, int64_t id, const char *outcome, const char *reason);
/* The unfinished transactions (what a crash left). */
int journal_open_entries(ukiyo_store *s, journal_entry **entries_out, size_t *count_out);
void journal_entry_clear(journal_entry *e);
void journal_entries_free(journal_entry *entries, size_t count);
/* The image a container ran before its last successful update (for rollback). */
int journal_previous_image(ukiyo_store *s, const char *container, char **image_id_out);
/* The image a container ran before the successful update before transaction @before_id. */
int journal_image_before(ukiyo_store *s, const char *container, int64_t before_id,
                         char **image_id_out);
/* The name of the container that had @container_id, from the journal. */
int journal_name_of_container(ukiyo_store *s, const char *container_id, char **name_out);

/* Milliseconds since the epoch by the store's clock (ukiyo_options.clock_ms). */
int64_t store_now_ms(const ukiyo_store *s);
/*
 * After a secret was deleted or replaced: copy the write-ahead log into the
 * database and empty it, so that the old pages (which secure_delete does not
 * reach inside the log) leave the files. Best effort: a reader holding an
 * old snapshot makes it wait for a later call.
 */
void store_forget_old_pages(ukiyo_store *s);

/* The registry host a credential is kept under ("docker.io" for Docker Hub's names). New. */
char *credential_server_key(const char *server);
/* A ukiyo_credential_source_fn answering from the store's credentials (@payload: the store). */
int store_credential_source(ukiyo_credential **out, const char *registry, void *payload);

#endif
