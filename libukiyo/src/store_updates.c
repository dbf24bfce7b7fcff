/*
 * store_updates.c - the update journal and the history read from it.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

#define HISTORY_DEFAULT_LIMIT 50
#define HISTORY_MAX_LIMIT 1000

struct ukiyo_history_entry {
    int64_t id;
    char *container;
    char *kind;
    char *strategy;
    char *project; /* compose's, or NULL */
    char *service;
    bool has_logs;
    char *image;
    char *old_image; /* the reference before, when a tag policy moved it */
    char *old_image_id;
    char *new_image_id;
    char *outcome;
    char *reason;
    int64_t started_ms;
    int64_t finished_ms;
};

struct ukiyo_history {
    ukiyo_history_entry *entries;
    size_t count;
};

static int sql_error(ukiyo_store *s, const char *what)
{
    return ukiyo__error_set(UKIYO_EIO, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    return text ? strdup((const char *)text) : NULL;
}

/* Prepare, bind text parameters (NULL binds NULL), step once; SQLITE_DONE/ROW expected. */
static int exec_bound(ukiyo_store *s, const char *sql, const char *const *params, size_t n,
                      int64_t id)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "prepare");
    for (size_t i = 0; i < n; i++)
        sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, (int)n + 1, ukiyo__store_now_ms(s));
    if (id >= 0)
        sqlite3_bind_int64(st, (int)n + 2, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return UKIYO_ECONFLICT;
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sql_error(s, "write");
}

/* For the crash-safety tests, in test builds only (meson's *-testhooks targets):
 * UKIYO_TEST_CRASH_AT=<step> ends the process right after that step is journaled,
 * before it is taken, as a power cut would. */
static void crash_hook(const char *step)
{
#ifdef UKIYO_TEST_HOOKS
    const char *at = getenv("UKIYO_TEST_CRASH_AT");

    if (at && strcmp(at, step) == 0)
        raise(SIGKILL);
#else
    (void)step;
#endif
}

int ukiyo__journal_begin(ukiyo_store *s, journal_entry *e)
{
    static const char sql[] =
        "INSERT INTO updates (container, kind, strategy, image_ref, old_container_id, "
        "old_image_id, new_image_id, temp_name, old_name, old_was_running, old_image_ref, "
        "project, service, spec_version_before, step, started_ms, updated_ms) VALUES (?1, ?2, "
        "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, CAST(?14 AS INTEGER), '" STEP_PLANNED
        "', ?15, ?15)";
    char before[24];
    const char *params[] = {e->container,        e->kind,
                            e->strategy,         e->image_ref,
                            e->old_container_id, e->old_image_id,
                            e->new_image_id,     e->temp_name,
                            e->old_name,         e->old_was_running ? "1" : "0",
                            e->old_image_ref,    e->project,
                            e->service,          before};
    snprintf(before, sizeof(before), "%lld", (long long)e->spec_version_before);
    int err = exec_bound(s, sql, params, ARRAY_SIZE(params), -1);

    if (err == UKIYO_ECONFLICT)
        return ukiyo__error_set(UKIYO_ECONFLICT,
                                "%s: another update of this container is in progress (or was cut "
                                "short: run reconcile)",
                                e->container);
    if (err < 0)
        return err;
    e->id = sqlite3_last_insert_rowid(s->db);
    crash_hook(STEP_PLANNED);
    return 0;
}

int ukiyo__journal_step(ukiyo_store *s, int64_t id, const char *step)
{
    const char *params[] = {step};
    int err =
        exec_bound(s, "UPDATE updates SET step = ?1, updated_ms = ?2 WHERE id = ?3", params, 1, id);

    if (err == 0)
        crash_hook(step);
    return err;
}

int ukiyo__journal_set_new_container(ukiyo_store *s, int64_t id, const char *container_id)
{
    const char *params[] = {container_id};
    return exec_bound(s, "UPDATE updates SET new_container_id = ?1, updated_ms = ?2 WHERE id = ?3",
                      params, 1, id);
}

int ukiyo__journal_set_spec_version(ukiyo_store *s, int64_t id, int64_t version_after)
{
    char after[24];
    const char *params[] = {after};

    snprintf(after, sizeof(after), "%lld", (long long)version_after);
    return exec_bound(s,
                      "UPDATE updates SET spec_version_after = CAST(?1 AS INTEGER), updated_ms = "
                      "?2 WHERE id = ?3",
                      params, 1, id);
}

int ukiyo__journal_set_logs(ukiyo_store *s, int64_t id, const char *logs)
{
    const char *params[] = {logs};
    return exec_bound(s, "UPDATE updates SET old_logs = ?1, updated_ms = ?2 WHERE id = ?3", params,
                      1, id);
}

int ukiyo__journal_finish(ukiyo_store *s, int64_t id, const char *outcome, const char *reason)
{
    const char *params[] = {outcome, reason};
    return exec_bound(s,
                      "UPDATE updates SET outcome = ?1, reason = ?2, finished_ms = ?3, "
                      "updated_ms = ?3 WHERE id = ?4",
                      params, 2, id);
}

int ukiyo__journal_record(ukiyo_store *s, const journal_entry *e, const char *outcome,
                          const char *reason)
{
    static const char sql[] =
        "INSERT INTO updates (container, kind, strategy, image_ref, old_container_id, "
        "old_image_id, new_image_id, temp_name, old_name, old_was_running, old_image_ref, "
        "outcome, reason, project, service, step, started_ms, updated_ms, finished_ms) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, '', '', ?8, ?9, ?10, ?11, ?12, ?13, '" STEP_PLANNED "', "
        "?14, ?14, ?14)";
    const char *params[] =
        {e->container,        e->kind,         e->strategy,     e->image_ref,
         e->old_container_id, e->old_image_id, e->new_image_id, e->old_was_running ? "1" : "0",
         e->old_image_ref,    outcome,         reason,          e->project,
         e->service};

    return exec_bound(s, sql, params, ARRAY_SIZE(params), -1);
}

static void entry_from_row(journal_entry *e, sqlite3_stmt *st)
{
    e->id = sqlite3_column_int64(st, 0);
    e->container = column_dup(st, 1);
    e->kind = column_dup(st, 2);
    e->strategy = column_dup(st, 3);
    e->image_ref = column_dup(st, 4);
    e->old_container_id = column_dup(st, 5);
    e->old_image_id = column_dup(st, 6);
    e->new_image_id = column_dup(st, 7);
    e->new_container_id = column_dup(st, 8);
    e->temp_name = column_dup(st, 9);
    e->old_name = column_dup(st, 10);
    e->old_was_running = sqlite3_column_int(st, 11) != 0;
    e->step = column_dup(st, 12);
    e->spec_version_before = sqlite3_column_int64(st, 13);
    e->spec_version_after = sqlite3_column_int64(st, 14);
}

int ukiyo__journal_open_entries(ukiyo_store *s, journal_entry **entries_out, size_t *count_out)
{
    static const char sql[] =
        "SELECT id, container, kind, strategy, image_ref, old_container_id, old_image_id, "
        "new_image_id, new_container_id, temp_name, old_name, old_was_running, step, "
        "COALESCE(spec_version_before, 0), COALESCE(spec_version_after, 0) "
        "FROM updates WHERE finished_ms IS NULL ORDER BY id";
    sqlite3_stmt *st = NULL;
    journal_entry *entries = NULL;
    size_t count = 0;
    int rc;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "prepare");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        journal_entry *grown = realloc(entries, (count + 1) * sizeof(*grown));
        if (!grown) {
            rc = SQLITE_NOMEM;
            break;
        }
        entries = grown;
        memset(&entries[count], 0, sizeof(entries[count]));
        entry_from_row(&entries[count++], st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        ukiyo__journal_entries_free(entries, count);
        return sql_error(s, "reading the journal");
    }
    *entries_out = entries;
    *count_out = count;
    return 0;
}

void ukiyo__journal_entry_clear(journal_entry *e)
{
    free(e->container);
    free(e->kind);
    free(e->strategy);
    free(e->image_ref);
    free(e->old_image_ref);
    free(e->old_container_id);
    free(e->old_image_id);
    free(e->new_image_id);
    free(e->new_container_id);
    free(e->temp_name);
    free(e->old_name);
    free(e->step);
    free(e->project);
    free(e->service);
    memset(e, 0, sizeof(*e));
}

void ukiyo__journal_entries_free(journal_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        ukiyo__journal_entry_clear(&entries[i]);
    free(entries);
}

/* Run a one-row, one-column query with one text parameter; the value (new) or NULL. */
static int query_text(ukiyo_store *s, const char *sql, const char *param, char **out)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *out = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "prepare");
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = column_dup(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_error(s, "query");
    return *out ? 0 : UKIYO_ENOTFOUND;
}

int ukiyo__journal_previous_image(ukiyo_store *s, const char *container, char **image_id_out)
{
    /*
     * A stack: each update or redeploy that changed the image pushes the
     * image it left; each rollback that took pops it (older rollbacks were
     * recorded "updated"). What is on top is where a rollback goes.
     */
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "SELECT kind, outcome, old_image_id, COALESCE(new_image_id, '') FROM updates WHERE "
           "container = ?1 AND finished_ms IS NOT NULL ORDER BY id");
    char **stack = NULL;
    size_t depth = 0, cap = 0;
    int rc, err = 0;

    *image_id_out = NULL;
    if (!st)
        return UKIYO_EIO;
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        const char *outcome = (const char *)sqlite3_column_text(st, 1);
        const char *old_image = (const char *)sqlite3_column_text(st, 2);
        const char *new_image = (const char *)sqlite3_column_text(st, 3);
        if (strcmp(kind, "rollback") == 0) {
            if ((strcmp(outcome, "rolled-back") == 0 || strcmp(outcome, "updated") == 0) && depth)
                free(stack[--depth]);
        } else if (strcmp(outcome, "updated") == 0 && strcmp(old_image, new_image) != 0) {
            err = UKIYO__RESERVE(stack, cap, depth);
            if (err == 0 && !(stack[depth++] = strdup(old_image)))
                err = UKIYO_ENOMEM;
        }
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = sql_error(s, "reading the history");
    ukiyo__store_statement_done(st);
    if (err == 0 && depth)
        *image_id_out = stack[--depth];
    while (depth)
        free(stack[--depth]);
    free(stack);
    if (err == 0 && !*image_id_out)
        err = ukiyo__error_set(UKIYO_ENOTFOUND,
                               "%s has no earlier image to roll back to (every update it had was "
                               "rolled back already)",
                               container);
    return err;
}

int ukiyo__journal_image_before(ukiyo_store *s, const char *container, int64_t before_id,
                                char **image_id_out)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *image_id_out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT old_image_id FROM updates WHERE container = ?1 AND "
                           "outcome = 'updated' AND id < ?2 ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "prepare");
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, before_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *image_id_out = column_dup(st, 0);
    sqlite3_finalize(st);
    return *image_id_out ? 0 : UKIYO_ENOTFOUND;
}

int ukiyo__journal_name_of_container(ukiyo_store *s, const char *container_id, char **name_out)
{
    return query_text(s,
                      "SELECT container FROM updates WHERE old_container_id = ?1 OR "
                      "new_container_id = ?1 ORDER BY id DESC LIMIT 1",
                      container_id, name_out);
}

/* ---- history ------------------------------------------------------- */

static void history_entry_from_row(ukiyo_history_entry *e, sqlite3_stmt *st)
{
    e->id = sqlite3_column_int64(st, 0);
    e->container = column_dup(st, 1);
    e->kind = column_dup(st, 2);
    e->image = column_dup(st, 3);
    e->old_image_id = column_dup(st, 4);
    e->new_image_id = column_dup(st, 5);
    e->outcome = column_dup(st, 6);
    e->reason = column_dup(st, 7);
    e->started_ms = sqlite3_column_int64(st, 8);
    e->finished_ms = sqlite3_column_int64(st, 9);
    e->old_image = column_dup(st, 10);
    e->strategy = column_dup(st, 11);
    e->project = column_dup(st, 12);
    e->service = column_dup(st, 13);
    e->has_logs = sqlite3_column_int(st, 14) != 0;
}

UKIYO_EXTERN int ukiyo_store_history(ukiyo_history **out, ukiyo_store *s, const char *container,
                                     size_t offset, size_t limit)
{
    static const char sql[] =
        "SELECT id, container, kind, image_ref, old_image_id, new_image_id, outcome, reason, "
        "started_ms, COALESCE(finished_ms, 0), old_image_ref, strategy, project, service, "
        "old_logs IS NOT NULL FROM updates "
        "WHERE (?1 IS NULL OR container = ?1) ORDER BY id DESC LIMIT ?2 OFFSET ?3";
    ukiyo_history *h;
    sqlite3_stmt *st = NULL;
    int rc;

    if (!s || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "history: NULL argument");
    if (limit == 0)
        limit = HISTORY_DEFAULT_LIMIT;
    if (limit > HISTORY_MAX_LIMIT)
        limit = HISTORY_MAX_LIMIT;
    h = calloc(1, sizeof(*h));
    if (!h || !(h->entries = calloc(limit, sizeof(*h->entries)))) {
        free(h);
        return UKIYO_ENOMEM;
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        ukiyo_history_free(h);
        return sql_error(s, "prepare");
    }
    sqlite3_bind_text(st, 1, container, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && h->count < limit)
        history_entry_from_row(&h->entries[h->count++], st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        ukiyo_history_free(h);
        return sql_error(s, "reading history");
    }
    *out = h;
    return 0;
}

UKIYO_EXTERN int ukiyo_store_history_logs(char **logs_out, ukiyo_store *s, int64_t entry_id)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (!s || !logs_out)
        return ukiyo__error_set(UKIYO_EINVAL, "history: NULL argument");
    *logs_out = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT old_logs FROM updates WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return sql_error(s, "prepare");
    sqlite3_bind_int64(st, 1, entry_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        !(*logs_out = column_dup(st, 0)))
        rc = SQLITE_NOMEM;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_error(s, "reading the kept logs");
    if (!*logs_out)
        return ukiyo__error_set(UKIYO_ENOTFOUND,
                                rc == SQLITE_ROW ? "history entry %lld kept no logs"
                                                 : "no history entry %lld",
                                (long long)entry_id);
    return 0;
}

UKIYO_EXTERN size_t ukiyo_history_count(const ukiyo_history *h)
{
    return h ? h->count : 0;
}

UKIYO_EXTERN const ukiyo_history_entry *ukiyo_history_get(const ukiyo_history *h, size_t index)
{
    return h && index < h->count ? &h->entries[index] : NULL;
}

UKIYO_EXTERN void ukiyo_history_free(ukiyo_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->count; i++) {
        ukiyo_history_entry *e = &h->entries[i];
        free(e->container);
        free(e->kind);
        free(e->strategy);
        free(e->project);
        free(e->service);
        free(e->image);
        free(e->old_image);
        free(e->old_image_id);
        free(e->new_image_id);
        free(e->outcome);
        free(e->reason);
    }
    free(h->entries);
    free(h);
}

UKIYO_EXTERN int64_t ukiyo_history_entry_id(const ukiyo_history_entry *e)
{
    return e->id;
}

UKIYO_EXTERN const char *ukiyo_history_entry_container(const ukiyo_history_entry *e)
{
    return e->container;
}

UKIYO_EXTERN const char *ukiyo_history_entry_kind(const ukiyo_history_entry *e)
{
    return e->kind;
}

UKIYO_EXTERN const char *ukiyo_history_entry_strategy(const ukiyo_history_entry *e)
{
    return e->strategy;
}

UKIYO_EXTERN const char *ukiyo_history_entry_project(const ukiyo_history_entry *e)
{
    return e->project;
}

UKIYO_EXTERN const char *ukiyo_history_entry_service(const ukiyo_history_entry *e)
{
    return e->service;
}

UKIYO_EXTERN int ukiyo_history_entry_has_logs(const ukiyo_history_entry *e)
{
    return e->has_logs;
}

UKIYO_EXTERN const char *ukiyo_history_entry_image(const ukiyo_history_entry *e)
{
    return e->image;
}

UKIYO_EXTERN const char *ukiyo_history_entry_old_image(const ukiyo_history_entry *e)
{
    return e->old_image ? e->old_image : e->image;
}

UKIYO_EXTERN const char *ukiyo_history_entry_old_image_id(const ukiyo_history_entry *e)
{
    return e->old_image_id;
}

UKIYO_EXTERN const char *ukiyo_history_entry_new_image_id(const ukiyo_history_entry *e)
{
    return e->new_image_id;
}

UKIYO_EXTERN const char *ukiyo_history_entry_outcome(const ukiyo_history_entry *e)
{
    return e->outcome;
}

UKIYO_EXTERN const char *ukiyo_history_entry_reason(const ukiyo_history_entry *e)
{
    return e->reason;
}

UKIYO_EXTERN int64_t ukiyo_history_entry_started_ms(const ukiyo_history_entry *e)
{
    return e->started_ms;
}

UKIYO_EXTERN int64_t ukiyo_history_entry_finished_ms(const ukiyo_history_entry *e)
{
    return e->finished_ms;
}

UKIYO_EXTERN int ukiyo_history_entry_json(char **json_out, const ukiyo_history_entry *e)
{
    if (!e || !json_out)
        return ukiyo__error_set(UKIYO_EINVAL, "history: NULL argument");
    json_t *doc =
        json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:s, s:s, s:s?, s:s?, s:s?, "
                  "s:s?, s:I, s:I}",
                  "id", (json_int_t)e->id, "container", e->container, "kind", e->kind, "strategy",
                  e->strategy, "project", e->project, "service", e->service, "logs_kept",
                  e->has_logs, "image", e->image, "old_image", ukiyo_history_entry_old_image(e),
                  "old_image_id", e->old_image_id, "new_image_id", e->new_image_id, "outcome",
                  e->outcome, "reason", e->reason, "started_ms", (json_int_t)e->started_ms,
                  "finished_ms", (json_int_t)e->finished_ms);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

struct ukiyo_store_stats {
    struct {
        char *container, *kind, *outcome;
        int64_t count;
    } * outcomes;
    size_t outcome_count;
    int64_t queued, running, done, partial, failed;
};

static int read_outcomes(ukiyo_store *s, ukiyo_store_stats *stats)
{
    sqlite3_stmt *st = ukiyo__store_statement(
        s, "SELECT container, kind, outcome, COUNT(*) FROM updates WHERE outcome IS NOT NULL "
           "GROUP BY container, kind, outcome ORDER BY container, kind, outcome");
    size_t cap = 0;
    int rc = SQLITE_DONE, err = 0;

    if (!st)
        return UKIYO_EIO;
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (UKIYO__RESERVE(stats->outcomes, cap, stats->outcome_count) < 0) {
            err = ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
            break;
        }
        size_t i = stats->outcome_count++;
        stats->outcomes[i].container = ukiyo__store_column_dup(st, 0);
        stats->outcomes[i].kind = ukiyo__store_column_dup(st, 1);
        stats->outcomes[i].outcome = ukiyo__store_column_dup(st, 2);
        stats->outcomes[i].count = sqlite3_column_int64(st, 3);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = sql_error(s, "reading totals");
    ukiyo__store_statement_done(st);
    return err;
}

static int read_job_states(ukiyo_store *s, ukiyo_store_stats *stats)
{
    sqlite3_stmt *st = ukiyo__store_statement(s, "SELECT state, COUNT(*) FROM jobs GROUP BY state");
    int rc;

    if (!st)
        return UKIYO_EIO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        if (strcmp(state, "queued") == 0)
            stats->queued = n;
        else if (strcmp(state, "running") == 0)
            stats->running = n;
        else if (strcmp(state, "done") == 0)
            stats->done = n;
        else if (strcmp(state, "partial") == 0)
            stats->partial = n;
        else if (strcmp(state, "failed") == 0)
            stats->failed = n;
    }
    int err = rc == SQLITE_DONE ? 0 : sql_error(s, "reading totals");
    ukiyo__store_statement_done(st);
    return err;
}

UKIYO_EXTERN int ukiyo_store_stats_get(ukiyo_store_stats **out, ukiyo_store *s)
{
    if (!s || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "stats: NULL argument");
    ukiyo_store_stats *stats = calloc(1, sizeof(*stats));
    int err = stats ? read_outcomes(s, stats) : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    if (err == 0)
        err = read_job_states(s, stats);
    if (err < 0) {
        ukiyo_store_stats_free(stats);
        return err;
    }
    *out = stats;
    return 0;
}

UKIYO_EXTERN void ukiyo_store_stats_free(ukiyo_store_stats *stats)
{
    if (!stats)
        return;
    for (size_t i = 0; i < stats->outcome_count; i++) {
        free(stats->outcomes[i].container);
        free(stats->outcomes[i].kind);
        free(stats->outcomes[i].outcome);
    }
    free(stats->outcomes);
    free(stats);
}

UKIYO_EXTERN int64_t ukiyo_store_stats_jobs(const ukiyo_store_stats *stats, const char *state)
{
    if (!stats || !state)
        return 0;
    return strcmp(state, "queued") == 0    ? stats->queued
           : strcmp(state, "running") == 0 ? stats->running
           : strcmp(state, "done") == 0    ? stats->done
           : strcmp(state, "partial") == 0 ? stats->partial
           : strcmp(state, "failed") == 0  ? stats->failed
                                           : 0;
}

UKIYO_EXTERN size_t ukiyo_store_stats_outcome_count(const ukiyo_store_stats *stats)
{
    return stats ? stats->outcome_count : 0;
}

UKIYO_EXTERN int64_t ukiyo_store_stats_outcome(const ukiyo_store_stats *stats, size_t index,
                                               const char **container, const char **kind,
                                               const char **outcome)
{
    bool in = stats && index < stats->outcome_count;
    if (container)
        *container = in ? stats->outcomes[index].container : NULL;
    if (kind)
        *kind = in ? stats->outcomes[index].kind : NULL;
    if (outcome)
        *outcome = in ? stats->outcomes[index].outcome : NULL;
    return in ? stats->outcomes[index].count : 0;
}
