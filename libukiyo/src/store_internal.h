/*
 * store_internal.h - the store as the rest of libukiyo sees it: typed calls
 * for the update journal, the job queue, deployments and credentials. Every
 * byte of SQL is behind these (store*.c); struct ukiyo_store is opaque here.
 *
 * The journal is the "updates" table: a row is written before a
 * transaction's first step, its step column before each later step, and
 * its outcome at the end; finished rows are the history. At most one
 * unfinished row per container (a unique partial index) keeps two
 * processes from updating one container at once.
 *
 * Strings handed out are the caller's to free; strings passed in are only
 * read during the call.
 */
#ifndef UKIYO_STORE_INTERNAL_H
#define UKIYO_STORE_INTERNAL_H

#include "internal.h"

/* ---- the handle -------------------------------------------------------- */

/* The schema version this library migrates stores to: the number of migrations. */
int ukiyo__store_schema_latest(void);
/*
 * ukiyo_store_open(), migrating the schema only up to @version (which
 * ukiyo_store_open() takes as ukiyo__store_schema_latest()): the migration
 * tests make stores as each older release left them.
 */
int ukiyo__store_open_at(ukiyo_store **out, const char *path, int version);
/* Milliseconds since the epoch by the store's clock (ukiyo_options.clock_ms). */
int64_t ukiyo__store_now_ms(const ukiyo_store *s);
/* Replace the store's clock (NULL: the real one). */
void ukiyo__store_set_clock(ukiyo_store *s, int64_t (*clock)(void *arg), void *arg);
/*
 * Run @fn in one write transaction (BEGIN IMMEDIATE): committed when it
 * returns 0, rolled back when it fails (its error is returned). The store
 * calls @fn make inside are part of it.
 */
int ukiyo__store_in_transaction(ukiyo_store *s, int (*fn)(ukiyo_store *s, void *arg), void *arg);
/*
 * The steps sqlite's machine took in the store's kept statements since the
 * last call (SQLITE_STMTSTATUS_VM_STEP, reset by the call): about a handful
 * per row or index entry read. Tests hold a query to its index with it.
 */
int64_t ukiyo__store_steps_taken(ukiyo_store *s);
/*
 * After a secret was deleted or replaced: copy the write-ahead log into the
 * database and empty it, so that the old pages (which secure_delete does not
 * reach inside the log) leave the files. Best effort: a reader holding an
 * old snapshot makes it wait for a later call.
 */
void ukiyo__store_forget_old_pages(ukiyo_store *s);

/* ---- the update journal (store_updates.c) ---------------------------- */

/* The steps of a transaction, in the order they are taken. */
#define STEP_PLANNED "planned"
#define STEP_CREATE "create"
#define STEP_STOP_OLD "stop-old"
#define STEP_RENAME_OLD "rename-old"
#define STEP_RENAME_NEW "rename-new"
#define STEP_START_NEW "start-new"
#define STEP_HEALTH "health"
#define STEP_ADVERTISE "advertise"           /* start-first: the new one joins its aliases */
#define STEP_COMPOSE_UP "compose-up"         /* compose-native: compose recreates the service */
#define STEP_SERVICE_UPDATE "service-update" /* a swarm service: its spec is posted */
#define STEP_SERVICE_WAIT "service-wait"     /* its UpdateStatus is followed to the end */
#define STEP_COMMIT "commit"                 /* healthy: from here on a crash finishes forward */
#define STEP_REMOVE_OLD "remove-old"
#define STEP_ROLLBACK "rollback"

typedef struct {
    int64_t id;
    char *container;
    char *kind;     /* update | redeploy | rollback */
    char *strategy; /* stop-first | start-first | compose */
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
    char *project; /* the compose project and service, NULL unless compose started it */
    char *service;
    /* A swarm service (strategy "swarm"; container "service/NAME", old_container_id its ID,
     * old_image_id and new_image_id its spec's images): Version.Index before and after; 0 unknown.
     */
    int64_t spec_version_before;
    int64_t spec_version_after;
} journal_entry;

/* Record a new transaction at STEP_PLANNED. UKIYO_ECONFLICT when the container has one open. */
int ukiyo__journal_begin(ukiyo_store *s, journal_entry *e);
/* Record that @step is about to be taken. (A test hook may end the process here.) */
int ukiyo__journal_step(ukiyo_store *s, int64_t id, const char *step);
int ukiyo__journal_set_new_container(ukiyo_store *s, int64_t id, const char *container_id);
/* A service's spec version once its new spec was accepted. */
int ukiyo__journal_set_spec_version(ukiyo_store *s, int64_t id, int64_t version_after);
/* Keep the old container's last logs with the update (they go when it is removed). */
int ukiyo__journal_set_logs(ukiyo_store *s, int64_t id, const char *logs);
/* Close a transaction: outcome "updated", "rolled-back" or "failed". */
int ukiyo__journal_finish(ukiyo_store *s, int64_t id, const char *outcome, const char *reason);
/*
 * Record an attempt that ended before its first step (a refused pull, an
 * image that cannot be inspected) as a finished row, so that the history
 * has it: @e's container, kind, strategy, references and old container
 * and image; @outcome "failed" and why.
 */
int ukiyo__journal_record(ukiyo_store *s, const journal_entry *e, const char *outcome,
                          const char *reason);
/* The unfinished transactions (what a crash left). */
int ukiyo__journal_open_entries(ukiyo_store *s, journal_entry **entries_out, size_t *count_out);
void ukiyo__journal_entry_clear(journal_entry *e);
void ukiyo__journal_entries_free(journal_entry *entries, size_t count);
/*
 * Where a rollback of @container goes: the image before its last update
 * that no rollback has undone yet (a stack, not a toggle).
 */
int ukiyo__journal_previous_image(ukiyo_store *s, const char *container, char **image_id_out);
/* The image a container ran before the successful update before transaction @before_id. */
int ukiyo__journal_image_before(ukiyo_store *s, const char *container, int64_t before_id,
                                char **image_id_out);
/* The name of the container that had @container_id, from the journal. */
int ukiyo__journal_name_of_container(ukiyo_store *s, const char *container_id, char **name_out);

/* ---- credentials (store_credentials.c) ------------------------------ */

/* The registry host a credential is kept under ("docker.io" for Docker Hub's names). New. */
char *ukiyo__credential_server_key(const char *server);
/* A ukiyo_credential_source_fn answering from the store's credentials (@payload: the store). */
int ukiyo__store_credential_source(ukiyo_credential **out, const char *registry, void *payload);
/* The user name saved for @server (new string); UKIYO_ENOTFOUND when none is. */
int ukiyo__store_credential_username(ukiyo_store *s, const char *server, char **out);

/* ---- the job queue (store_jobs.c) ------------------------------------ */

/* A row of the jobs table. Strings are owned by the row (ukiyo__store_job_clear). */
typedef struct {
    int64_t id;
    /* queued | running | done | failed | partial | awaiting-approval | rejected | expired */
    char *state;
    char *registry;
    char *repository;
    char *tag;
    char *digest; /* NULL unless the push named one */
    char *source; /* dockerhub, distribution, poll, window, api, ... */
    char *delivery_id;
    char *deployment;   /* NULL for a plain job */
    char *container;    /* a job for one container (the REST API's) */
    char *action;       /* update | redeploy | rollback */
    char *target;       /* a tag policy's new reference, or NULL */
    char *callback_url; /* Docker Hub's, answered when done; written by insert, not read back */
    char *results;      /* JSON text, NULL until finished */
    char *error;
    int64_t created_ms, finished_ms, not_before_ms;
    int64_t approved_ms; /* when a person approved it; 0: not (or it needed none) */
    int64_t expires_ms;  /* awaiting-approval: when it expires unapproved; 0: never */
} store_job;

void ukiyo__store_job_clear(store_job *j);
void ukiyo__store_jobs_free(store_job *jobs, size_t count);

/*
 * The job queued for a tag: a plain one (@deployment false: neither a
 * deployment's nor a container's) or a deployment's. *found false when none.
 */
int ukiyo__store_job_queued_for_tag(ukiyo_store *s, const char *registry, const char *repository,
                                    const char *tag, bool deployment, int64_t *id_out, bool *found);
/* The job a delivery ID made; *found false when none. */
int ukiyo__store_job_of_delivery(ukiyo_store *s, const char *delivery_id, int64_t *id_out,
                                 bool *found);
/*
 * Queue a job for a tag from @j's registry, repository, tag, digest, source,
 * delivery_id, deployment, not_before_ms and callback_url; its ID in
 * *id_out. When a job is queued for the tag already, nothing is written and
 * *inserted is false (ukiyo__store_job_queued_for_tag finds that one).
 */
int ukiyo__store_job_insert_tag(ukiyo_store *s, const store_job *j, int64_t *id_out,
                                bool *inserted);
/* The job queued for @container and @action; *found false when none. */
int ukiyo__store_job_queued_for_container(ukiyo_store *s, const char *container, const char *action,
                                          int64_t *id_out, bool *found);
/* Queue a job from @j's registry, repository, tag, container, action, target, source and
 * not_before_ms; its ID in *id_out. */
int ukiyo__store_job_insert_container(ukiyo_store *s, const store_job *j, int64_t *id_out);
/* A queued job becomes due at the earlier of its time and @not_before_ms (taking @source when
 * that is earlier) and moves to @target when one is given. */
int ukiyo__store_job_fold(ukiyo_store *s, int64_t id, const char *source, const char *target,
                          int64_t not_before_ms);
/* Keep Docker Hub's callback URL with job @id; UKIYO_ENOTFOUND when there is no such job. */
int ukiyo__store_job_set_callback(ukiyo_store *s, int64_t id, const char *url);
/* Job @id's callback URL in *url_out (NULL when it has none). */
int ukiyo__store_job_callback(ukiyo_store *s, int64_t id, char **url_out);
/*
 * Claim the queued job due first (by @now_ms), marking it running, in one
 * transaction; *found false when none is due.
 */
int ukiyo__store_job_claim(ukiyo_store *s, int64_t now_ms, store_job *j, bool *found);
/* End job @id in @state with @results (JSON text, or NULL) and @error (or NULL). */
int ukiyo__store_job_finish(ukiyo_store *s, int64_t id, const char *state, const char *results,
                            const char *error);
/*
 * After a crash: jobs left running are queued again (*requeued_out: how
 * many), unless their tag has been queued since; those are done, coalesced.
 */
int ukiyo__store_jobs_recover(ukiyo_store *s, unsigned int *requeued_out);
/* When the queued job due first is due, in *due_ms_out; INT64_MAX when none is queued. */
int ukiyo__store_jobs_first_due(ukiyo_store *s, int64_t *due_ms_out);
/* Job @id (UKIYO_ENOTFOUND when there is none). */
int ukiyo__store_job_get(ukiyo_store *s, int64_t id, store_job *j);
typedef enum {
    STORE_AWAIT_NEW,   /* a new job waits */
    STORE_AWAIT_NEWER, /* the waiting one took a newer release, its expiry from now */
    STORE_AWAIT_SAME,  /* the waiting one is for this release already: unchanged */
} store_await;
/*
 * A job for @j's container that waits for a person (@j: registry,
 * repository, tag, container, target, digest, source, expires_ms): the one
 * already waiting takes a newer release (digest, target, source, expiry),
 * else a new one. *@id_out: its ID; *@outcome_out: which.
 */
int ukiyo__store_job_await(ukiyo_store *s, const store_job *j, int64_t *id_out,
                           store_await *outcome_out);
/*
 * A person's answer to waiting job @id, at @now_ms: approved, it is queued
 * to run now; rejected, it ends "rejected". UKIYO_ENOTFOUND for no such job,
 * UKIYO_ECONFLICT (saying its state) for one that does not wait, or when
 * an update of its container is queued already.
 */
int ukiyo__store_job_answer(ukiyo_store *s, int64_t id, bool approve, int64_t now_ms);
/* Waiting jobs whose expiry is past @now_ms end "expired" (*count_out: how many). */
int ukiyo__store_jobs_expire(ukiyo_store *s, int64_t now_ms, int64_t **ids_out, size_t *count_out);
/* The earliest expiry of a waiting job (INT64_MAX: none), and how many wait. */
int ukiyo__store_jobs_waiting(ukiyo_store *s, int64_t *first_expiry_out, unsigned int *count_out);

/* Up to @limit jobs, newest first, from @offset. */
int ukiyo__store_jobs_list(ukiyo_store *s, size_t offset, size_t limit, store_job **jobs_out,
                           size_t *count_out);

/* ---- digests seen (store_jobs.c): what a minimum age counts from ------ */

/*
 * When @digest of registry/repository:tag was first seen; when never
 * before, now (@now_ms), remembered so if @remember.
 */
int ukiyo__store_digest_seen(ukiyo_store *s, const char *registry, const char *repository,
                             const char *tag, const char *digest, int64_t now_ms, bool remember,
                             int64_t *first_seen_out);

/* ---- what registries last answered (store_registry.c) -------------- */

/* A registry's answer for one tag: its digest, or why there was none. Strings owned. */
typedef struct {
    char *digest; /* NULL when the registry could not be asked or refused */
    char *error;  /* then why; NULL with a digest */
    int64_t answered_ms;
} store_answer;

/* Remember what the registry said of registry/repository:tag at @now_ms (one of @digest, @error).
 */
int ukiyo__store_answer_note(ukiyo_store *s, const char *registry, const char *repository,
                             const char *tag, const char *digest, const char *error,
                             int64_t now_ms);
/* The last answer for registry/repository:tag; *@found false when none. */
int ukiyo__store_answer_get(ukiyo_store *s, const char *registry, const char *repository,
                            const char *tag, store_answer *out, bool *found);
void ukiyo__store_answer_clear(store_answer *a);

/* ---- rejected releases (store_rejected.c) ---------------------------- */

/* A release rolled back for a container. Strings owned (ukiyo__store_rejection_clear). */
typedef struct {
    char *container;
    char *image_ref; /* the reference it came by */
    char *image_id;
    char *digest; /* the registry's manifest digest of it, or NULL */
    char *reason;
    int64_t rejected_ms;
} store_rejection;

/* Remember @r (its rejected_ms is now); the same image again replaces the record. */
int ukiyo__store_reject(ukiyo_store *s, const store_rejection *r);
/* The rejection of @image_id or @digest (either may be NULL) for @container; *found false when
 * none. */
int ukiyo__store_rejection_find(ukiyo_store *s, const char *container, const char *image_id,
                                const char *digest, store_rejection *out, bool *found);
/* The rejections of @container (NULL: of every container), newest first. */
int ukiyo__store_rejections_list(ukiyo_store *s, const char *container, store_rejection **out,
                                 size_t *count_out);
/* Forget @container's rejections (a newer release took). */
int ukiyo__store_rejections_forget(ukiyo_store *s, const char *container);
void ukiyo__store_rejection_clear(store_rejection *r);
void ukiyo__store_rejections_free(store_rejection *list, size_t count);

/* ---- deployments (store_deployments.c) ------------------------------- */

/* A row of the deployments table. */
typedef struct {
    char *name; /* registry/repository */
    char *registry;
    char *repository;
    char *container;
    char *ports; /* JSON text: [{exportPort, internalPort}] as numbers */
    int64_t scheduled_at_ms;
    bool downtime; /* wait for scheduled_at_ms */
    char *window;  /* update window (cron), or NULL */
} store_deployment;

void ukiyo__store_deployment_clear(store_deployment *d);
void ukiyo__store_deployments_free(store_deployment *list, size_t count);
/* The deployment of registry/repository, or named @name. 0 or UKIYO_ENOTFOUND. */
int ukiyo__store_deployment_find(ukiyo_store *s, const char *registry, const char *repository,
                                 const char *name, store_deployment *d);
/* Every deployment, by name. */
int ukiyo__store_deployments_list(ukiyo_store *s, store_deployment **list_out, size_t *count_out);
/*
 * Write @d: a new one (UKIYO_ECONFLICT when its name or container is taken)
 * or, with @replace, over the one of that name (UKIYO_ENOTFOUND when none).
 */
int ukiyo__store_deployment_write(ukiyo_store *s, const store_deployment *d, bool replace);
/* Delete the deployment named @name or whose container is @name; UKIYO_ENOTFOUND when none. */
int ukiyo__store_deployment_delete(ukiyo_store *s, const char *name);

#endif
