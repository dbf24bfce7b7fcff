/*
 * store.c - opening the sqlite store and migrating its schema.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_private.h"

/*
 * Migrations, applied in order; the store's user_version is how many have
 * run. Append only: never edit one that has shipped.
 */
static const char *const migrations[] = {
    /* 1: the update journal, which is also the history */
    "CREATE TABLE updates ("
    "  id INTEGER PRIMARY KEY,"
    "  container TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  strategy TEXT NOT NULL,"
    "  image_ref TEXT NOT NULL,"
    "  old_container_id TEXT NOT NULL,"
    "  old_image_id TEXT NOT NULL,"
    "  new_image_id TEXT,"
    "  new_container_id TEXT,"
    "  temp_name TEXT NOT NULL,"
    "  old_name TEXT NOT NULL,"
    "  old_was_running INTEGER NOT NULL,"
    "  step TEXT NOT NULL,"
    "  started_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  finished_ms INTEGER,"
    "  outcome TEXT,"
    "  reason TEXT);"
    "CREATE UNIQUE INDEX updates_one_open ON updates(container) WHERE finished_ms IS NULL;"
    "CREATE INDEX updates_by_container ON updates(container, id);"
    "CREATE INDEX updates_by_old_container ON updates(old_container_id);",
    /* 2: the job queue */
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  state TEXT NOT NULL,"
    "  registry TEXT NOT NULL,"
    "  repository TEXT NOT NULL,"
    "  tag TEXT NOT NULL,"
    "  digest TEXT,"
    "  source TEXT NOT NULL,"
    "  delivery_id TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  started_ms INTEGER,"
    "  finished_ms INTEGER,"
    "  results TEXT,"
    "  error TEXT);"
    "CREATE UNIQUE INDEX jobs_one_queued ON jobs(registry, repository, tag) "
    "  WHERE state = 'queued';"
    "CREATE UNIQUE INDEX jobs_delivery ON jobs(delivery_id) WHERE delivery_id IS NOT NULL;"
    "CREATE INDEX jobs_by_state ON jobs(state, id);",
    /* 3: registry credentials (the seed's "container access keys") */
    "CREATE TABLE credentials ("
    "  id INTEGER PRIMARY KEY,"
    "  server TEXT NOT NULL UNIQUE,"
    "  username TEXT NOT NULL,"
    "  secret TEXT NOT NULL,"
    "  email TEXT,"
    "  description TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);",
    /* 4: the seed's scheduled deployments, and jobs that wait for their time */
    "CREATE TABLE deployments ("
    "  name TEXT PRIMARY KEY,"
    "  registry TEXT NOT NULL,"
    "  repository TEXT NOT NULL,"
    "  container TEXT NOT NULL UNIQUE,"
    "  ports TEXT NOT NULL,"
    "  scheduled_at_ms INTEGER NOT NULL,"
    "  scheduled_downtime INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX deployments_repository ON deployments(registry, repository);"
    "ALTER TABLE jobs ADD COLUMN not_before_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN deployment TEXT;"
    "DROP INDEX jobs_one_queued;"
    "CREATE UNIQUE INDEX jobs_one_queued ON jobs(registry, repository, tag, "
    "  COALESCE(deployment, '')) WHERE state = 'queued';",
    /* 5: jobs for one named container (the REST API's update and rollback) */
    "ALTER TABLE jobs ADD COLUMN container TEXT;"
    "ALTER TABLE jobs ADD COLUMN action TEXT NOT NULL DEFAULT 'update';"
    "DROP INDEX jobs_one_queued;"
    "CREATE UNIQUE INDEX jobs_one_queued ON jobs(registry, repository, tag, "
    "  COALESCE(deployment, ''), COALESCE(container, ''), action) WHERE state = 'queued';",
    /* 6: Docker Hub's callback URL, answered when the job is done */
    "ALTER TABLE jobs ADD COLUMN callback_url TEXT;",
    /* 7: tag policies: the reference a job moves a container to; history's old reference */
    "ALTER TABLE jobs ADD COLUMN target_image TEXT;"
    "ALTER TABLE updates ADD COLUMN old_image_ref TEXT;",
    /* 8: a deployment's update window */
    "ALTER TABLE deployments ADD COLUMN update_window TEXT;",
    /* 9: releases rolled back for a container, not tried again by triggers */
    "CREATE TABLE rejected ("
    "  id INTEGER PRIMARY KEY,"
    "  container TEXT NOT NULL,"
    "  image_ref TEXT NOT NULL,"
    "  image_id TEXT NOT NULL,"
    "  digest TEXT,"
    "  reason TEXT NOT NULL,"
    "  rejected_ms INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX rejected_one ON rejected(container, image_id);",
    /* 10: the compose project and service of an update; the old container's last logs */
    "ALTER TABLE updates ADD COLUMN project TEXT;"
    "ALTER TABLE updates ADD COLUMN service TEXT;"
    "ALTER TABLE updates ADD COLUMN old_logs TEXT;",
    /* 11: a swarm service's spec versions before and after its update */
    "ALTER TABLE updates ADD COLUMN spec_version_before INTEGER;"
    "ALTER TABLE updates ADD COLUMN spec_version_after INTEGER;",
    /* 12: approvals (a job that waits for a person), and when a tag's digest was first seen */
    "ALTER TABLE jobs ADD COLUMN approved_ms INTEGER;"
    "ALTER TABLE jobs ADD COLUMN expires_ms INTEGER;"
    "CREATE UNIQUE INDEX jobs_one_waiting ON jobs(container) WHERE state = 'awaiting-approval';"
    "CREATE TABLE digests_seen ("
    "  registry TEXT NOT NULL,"
    "  repository TEXT NOT NULL,"
    "  tag TEXT NOT NULL,"
    "  digest TEXT NOT NULL,"
    "  first_seen_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (registry, repository, tag, digest));",
    /* 13: what a registry last answered for a tag (checks, polls, pushes), for the dashboard */
    "CREATE TABLE registry_answers ("
    "  registry TEXT NOT NULL,"
    "  repository TEXT NOT NULL,"
    "  tag TEXT NOT NULL,"
    "  digest TEXT,"
    "  error TEXT,"
    "  answered_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (registry, repository, tag));",
    /*
     * 14: the queue in the order it is taken: claiming the next job and the
     * first one due read one index entry, where jobs_by_state had them read
     * every queued row (a queue of 80,000 deliveries cost each claim 80,000).
     */
    "DROP INDEX jobs_by_state;"
    "CREATE INDEX jobs_by_state_due ON jobs(state, not_before_ms, id);",
};

/*
 * Another handle holds the write lock: wait for it, up to about 5 s.
 * sqlite's own busy timeout sleeps 1, 2, 5, 10 ... 100 ms between tries, so
 * a writer behind a transaction of a millisecond waits up to a hundred (a
 * webhook's commit behind the job worker's: a p99 of seconds under load).
 * Sleeps of 50 us growing to 1 ms keep the wait close to what it waits for.
 */
static int wait_for_writer(void *payload, int tries)
{
    (void)payload;
    if (tries >= 5200) /* 20 tries of up to 1 ms, then 1 ms each: about 5 s */
        return 0;
    long us = tries < 20 ? 50L * (tries + 1) : 1000L;
    struct timespec pause = {0, us * 1000};
    nanosleep(&pause, NULL);
    return 1;
}

int64_t ukiyo__store_now_ms(const ukiyo_store *s)
{
    struct timespec ts;

    if (s && s->clock)
        return s->clock(s->clock_arg);
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int store_error(ukiyo_store *s, const char *what)
{
    return ukiyo__error_set(UKIYO_EIO, "store %s: %s: %s", s->path, what,
                            s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

/* Create the file's directory, and the file itself with mode 0600 before sqlite opens it. */
static int prepare_file(const char *path)
{
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    int fd;

    if (!dir)
        return UKIYO_ENOMEM;
    if (slash && slash != dir) {
        *slash = '\0';
        /* mkdir -p, mode 0700: the store holds credentials later. */
        for (char *p = dir + 1; *p; p++) {
            if (*p == '/') {
                *p = '\0';
                mkdir(dir, 0700);
                *p = '/';
            }
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            int err = ukiyo__error_set(UKIYO_EIO, "cannot create %s: %s", dir, strerror(errno));
            free(dir);
            return err;
        }
    }
    free(dir);
    /*
     * Create it 0600 only when it is missing. Opening and closing a file that
     * another handle of this process has open would drop that handle's POSIX
     * locks (close() releases all of a process's locks on the file); another
     * process, a ukiyoctl, could then take the database for unused and delete
     * the write-ahead log under the daemon's feet.
     */
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
        return ukiyo__error_set(UKIYO_EIO, "cannot create %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return 0;
}

static int schema_version(ukiyo_store *s)
{
    sqlite3_stmt *st = NULL;
    int version = -1;

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

/* Run the migrations from the store's version up to @target. */
static int migrate(ukiyo_store *s, int target)
{
    int version = schema_version(s);
    int known = (int)ARRAY_SIZE(migrations);

    if (version < 0)
        return store_error(s, "reading the schema version");
    if (version > known)
        return ukiyo__error_set(UKIYO_EUNSUPPORTED,
                                "store %s has schema %d; this ukiyo knows up to %d (newer ukiyo?)",
                                s->path, version, known);
    for (int i = version; i < target; i++) {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", i + 1);
        /* Each migration and its version bump commit together, or not at all. */
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, migrations[i], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            int err = store_error(s, "migrating the schema");
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return err;
        }
        log_info("store %s: schema migrated to %d", s->path, i + 1);
    }
    return 0;
}

int ukiyo__store_schema_latest(void)
{
    return (int)ARRAY_SIZE(migrations);
}

UKIYO_EXTERN int ukiyo_store_open(ukiyo_store **out, const char *path)
{
    return ukiyo__store_open_at(out, path, ukiyo__store_schema_latest());
}

int ukiyo__store_open_at(ukiyo_store **out, const char *path, int version)
{
    ukiyo_store *s;
    int err;

    if (!out || !path || !path[0])
        return ukiyo__error_set(UKIYO_EINVAL, "store: no path given");
    err = prepare_file(path);
    if (err < 0)
        return err;
    s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return UKIYO_ENOMEM;
    }
    /*
     * NOMUTEX: a store handle is used by one thread at a time (store.h), so
     * sqlite's lock around every call on it would guard nothing; under a
     * stream of webhooks it was a tenth of the committer's time.
     */
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        err = store_error(s, "opening");
        goto fail;
    }
    sqlite3_busy_handler(s->db, wait_for_writer, NULL);
    /*
     * synchronous=FULL: a commit returns once the write-ahead log is synced,
     * so a job acknowledged with 202 survives a power cut, not only a crash.
     * Callers that commit often group their writes (ukiyo_jobs_submit_batch).
     * secure_delete: what is deleted (a registry's access token) is
     * overwritten in the file, not left in a free page.
     */
    if (sqlite3_exec(s->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                     "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON",
                     NULL, NULL, NULL) != SQLITE_OK) {
        err = store_error(s, "configuring");
        goto fail;
    }
    err = migrate(s, version);
    if (err < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    ukiyo_store_close(s);
    return err;
}

int64_t ukiyo__store_steps_taken(ukiyo_store *s)
{
    int64_t steps = 0;

    for (size_t i = 0; i < STORE_STATEMENTS_MAX && s->statements[i].sql; i++)
        steps += sqlite3_stmt_status(s->statements[i].stmt, SQLITE_STMTSTATUS_VM_STEP, 1);
    return steps;
}

sqlite3_stmt *ukiyo__store_statement(ukiyo_store *s, const char *sql)
{
    size_t i;

    for (i = 0; i < STORE_STATEMENTS_MAX && s->statements[i].sql; i++)
        if (s->statements[i].sql == sql)
            return s->statements[i].stmt;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        ukiyo__error_set(UKIYO_EIO, "store: prepare: %s", sqlite3_errmsg(s->db));
        return NULL;
    }
    if (i == STORE_STATEMENTS_MAX) {
        /* Only literals come here, so their number is fixed: raise the size. */
        sqlite3_finalize(st);
        ukiyo__error_set(UKIYO_EIO, "store: more than %d cached statements", STORE_STATEMENTS_MAX);
        return NULL;
    }
    s->statements[i].sql = sql;
    s->statements[i].stmt = st;
    return st;
}

void ukiyo__store_statement_done(sqlite3_stmt *st)
{
    if (!st)
        return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

UKIYO_EXTERN void ukiyo_store_close(ukiyo_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < STORE_STATEMENTS_MAX && s->statements[i].sql; i++)
        sqlite3_finalize(s->statements[i].stmt);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

UKIYO_EXTERN int ukiyo_store_schema_version(ukiyo_store *s)
{
    return schema_version(s);
}

void ukiyo__store_forget_old_pages(ukiyo_store *s)
{
    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

void ukiyo__store_set_clock(ukiyo_store *s, int64_t (*clock)(void *arg), void *arg)
{
    s->clock = clock;
    s->clock_arg = arg;
}

int ukiyo__store_sql_fail(ukiyo_store *s, const char *what)
{
    return ukiyo__error_set(UKIYO_EIO, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

int ukiyo__store_step_write(ukiyo_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    int err = 0;

    if (rc == SQLITE_CONSTRAINT)
        err = ukiyo__error_set(UKIYO_ECONFLICT, "store: %s: %s", what, sqlite3_errmsg(s->db));
    else if (rc != SQLITE_DONE)
        err = ukiyo__store_sql_fail(s, what);

    ukiyo__store_statement_done(st);
    return err;
}

char *ukiyo__store_column_dup(sqlite3_stmt *st, int column)
{
    return ukiyo__str_dup((const char *)sqlite3_column_text(st, column));
}

int ukiyo__store_in_transaction(ukiyo_store *s, int (*fn)(ukiyo_store *s, void *arg), void *arg)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return ukiyo__store_sql_fail(s, "begin");
    int err = fn(s, arg);
    if (err == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = ukiyo__store_sql_fail(s, "commit");
    if (err < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}
