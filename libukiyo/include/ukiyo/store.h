/*
 * ukiyo/store.h - the sqlite store: every durable byte of ukiyo.
 *
 * One file (WAL mode, created with mode 0600), its schema migrated forward
 * at open. It holds the update journal, which is also the history of
 * updates; later issues add credentials, deployments and jobs.
 * A store handle is used by one thread at a time; several processes
 * (ukiyod and ukiyoctl) may open the same file.
 */
#ifndef UKIYO_STORE_H
#define UKIYO_STORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo_store ukiyo_store;

/** The default database of ukiyod and ukiyoctl. */
#define UKIYO_STORE_DEFAULT_PATH "/var/lib/ukiyo/ukiyo.db"

/**
 * Open (and create, with its directory, if missing) the store at @p path,
 * applying any pending schema migrations.
 * @param out  new; free with ukiyo_store_close
 * @return 0, UKIYO_EIO when the file cannot be opened or migrated, or
 *         UKIYO_EUNSUPPORTED for a database written by a newer ukiyo
 */
UKIYO_EXTERN int ukiyo_store_open(ukiyo_store **out, const char *path);

/** Close the store. NULL does nothing. */
UKIYO_EXTERN void ukiyo_store_close(ukiyo_store *store);

/** The schema version the store is at. */
UKIYO_EXTERN int ukiyo_store_schema_version(ukiyo_store *store);

/* ---- registry credentials ------------------------------------------ */

/**
 * Save the credential for a registry. @p server may be written as users
 * do ("https://index.docker.io/v1/", "https://user@Registry.Example:5000/v2/");
 * it is kept as the registry host, normalised: no scheme, userinfo or path,
 * lower case, Docker Hub's aliases as "docker.io" (what
 * ukiyo_saved_credential_server() answers). Pulls from that registry use it
 * (see ukiyo_open()). The secret is stored in the database, whose file is 0600.
 * @param replace  0: a new one (UKIYO_ECONFLICT when the registry has one;
 *                 user name and secret required);
 *                 1: change the existing one (UKIYO_ENOTFOUND when none):
 *                 only the fields given, NULL keeps one, "" clears the
 *                 email or the description
 * @return 0, UKIYO_EINVAL for a missing server, user or secret, ...
 */
UKIYO_EXTERN int ukiyo_store_credential_save(ukiyo_store *store, const char *server,
                                             const char *username, const char *secret,
                                             const char *email, const char *description,
                                             int replace);

/**
 * The registry host @p server names, normalised as ukiyo_store_credential_save()
 * keeps it. UKIYO_EINVAL when it names none.
 * @param out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_store_credential_server_name(char **out, const char *server);

/**
 * Delete the credential named @p name: that user's, else that registry's.
 * @return 0, UKIYO_ENOTFOUND, or UKIYO_ECONFLICT when the user has
 *         credentials on several registries (the last error names them; use
 *         ukiyo_store_credential_remove())
 */
UKIYO_EXTERN int ukiyo_store_credential_delete(ukiyo_store *store, const char *name);
/**
 * Delete the credential of registry @p server (written as for save), only
 * when it is @p username's if that is not NULL.
 * @return 0, or UKIYO_ENOTFOUND
 */
UKIYO_EXTERN int ukiyo_store_credential_remove(ukiyo_store *store, const char *server,
                                               const char *username);

/** A saved credential as it is listed: never its secret. Opaque. */
typedef struct ukiyo_saved_credential ukiyo_saved_credential;
/** The saved credentials, by server. Opaque. */
typedef struct ukiyo_saved_credential_list ukiyo_saved_credential_list;

/**
 * The saved credentials.
 * @param out new list; free with ukiyo_saved_credential_list_free
 */
UKIYO_EXTERN int ukiyo_store_credentials(ukiyo_saved_credential_list **out, ukiyo_store *store);
UKIYO_EXTERN size_t ukiyo_saved_credential_list_count(const ukiyo_saved_credential_list *list);
/** The @p index-th, or NULL past the end. Borrowed from the list. */
UKIYO_EXTERN const ukiyo_saved_credential *
ukiyo_saved_credential_list_get(const ukiyo_saved_credential_list *list, size_t index);
UKIYO_EXTERN void ukiyo_saved_credential_list_free(ukiyo_saved_credential_list *list);
/* Borrowed from the list; email and description may be NULL. */
UKIYO_EXTERN const char *ukiyo_saved_credential_server(const ukiyo_saved_credential *c);
UKIYO_EXTERN const char *ukiyo_saved_credential_username(const ukiyo_saved_credential *c);
UKIYO_EXTERN const char *ukiyo_saved_credential_email(const ukiyo_saved_credential *c);
UKIYO_EXTERN const char *ukiyo_saved_credential_description(const ukiyo_saved_credential *c);
UKIYO_EXTERN int64_t ukiyo_saved_credential_updated_ms(const ukiyo_saved_credential *c);
/**
 * As JSON: {"server", "username", "email", "description", "updated_ms"}
 * (what ukiyod prints).
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_saved_credential_json(char **json_out, const ukiyo_saved_credential *c);

/* ---- history ------------------------------------------------------- */

/** One finished (or, for reconcile, unfinished) update transaction. */
typedef struct ukiyo_history_entry ukiyo_history_entry;
/** A page of history, newest first. */
typedef struct ukiyo_history ukiyo_history;

/**
 * Read history, newest first.
 * @param out        new; free with ukiyo_history_free
 * @param container  only this container's entries, or NULL for all
 * @param offset     entries to skip
 * @param limit      at most this many (0: 50)
 */
UKIYO_EXTERN int ukiyo_store_history(ukiyo_history **out, ukiyo_store *store, const char *container,
                                     size_t offset, size_t limit);
UKIYO_EXTERN size_t ukiyo_history_count(const ukiyo_history *history);
/** Borrowed from the list. */
UKIYO_EXTERN const ukiyo_history_entry *ukiyo_history_get(const ukiyo_history *history,
                                                          size_t index);
UKIYO_EXTERN void ukiyo_history_free(ukiyo_history *history);

UKIYO_EXTERN int64_t ukiyo_history_entry_id(const ukiyo_history_entry *e);
/** The container's name. Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_container(const ukiyo_history_entry *e);
/** "update", "redeploy" or "rollback". Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_kind(const ukiyo_history_entry *e);
/** The reference the container runs. Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_image(const ukiyo_history_entry *e);
/**
 * The reference it ran before: another tag when a tag policy moved it,
 * else the same as ukiyo_history_entry_image(). Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_history_entry_old_image(const ukiyo_history_entry *e);
/** "stop-first", "start-first" or "compose" (compose recreated it), or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_strategy(const ukiyo_history_entry *e);
/** The compose project and service of the container, or NULL when compose did not start it. */
UKIYO_EXTERN const char *ukiyo_history_entry_project(const ukiyo_history_entry *e);
UKIYO_EXTERN const char *ukiyo_history_entry_service(const ukiyo_history_entry *e);
/** 1 when the old container's last logs were kept (ukiyo_store_history_logs), else 0. */
UKIYO_EXTERN int ukiyo_history_entry_has_logs(const ukiyo_history_entry *e);
/**
 * The last lines the replaced container wrote (stdout and stderr, at most
 * 1000 lines and 1 MiB), kept with update @p entry_id before the container
 * was removed.
 * @param logs_out new string; free with ukiyo_string_free
 * @return 0, or UKIYO_ENOTFOUND: no such entry, or it kept none
 */
UKIYO_EXTERN int ukiyo_store_history_logs(char **logs_out, ukiyo_store *store, int64_t entry_id);
/**
 * The entry as JSON: {"id", "container", "kind", "strategy", "project",
 * "service", "logs_kept", "image", "old_image", "old_image_id",
 * "new_image_id", "outcome", "reason", "started_ms", "finished_ms"}
 * (what ukiyod and ukiyoctl print; project and service only for compose's).
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_history_entry_json(char **json_out, const ukiyo_history_entry *e);

/**
 * A rejected release: an image a container was rolled back from. Webhooks,
 * polls and windows do not try it again for that container; a newer
 * release that takes forgets it; a person may force it. Opaque.
 */
typedef struct ukiyo_rejection ukiyo_rejection;
typedef struct ukiyo_rejection_list ukiyo_rejection_list;
/**
 * The rejected releases of @p container (NULL: of every container), newest first.
 * @param out new list; free with ukiyo_rejection_list_free
 */
UKIYO_EXTERN int ukiyo_store_rejections(ukiyo_rejection_list **out, ukiyo_store *store,
                                        const char *container);
UKIYO_EXTERN size_t ukiyo_rejection_list_count(const ukiyo_rejection_list *list);
/** The @p index-th, or NULL past the end. Borrowed from the list. */
UKIYO_EXTERN const ukiyo_rejection *ukiyo_rejection_list_get(const ukiyo_rejection_list *list,
                                                             size_t index);
UKIYO_EXTERN void ukiyo_rejection_list_free(ukiyo_rejection_list *list);
/* Borrowed from the list; digest may be NULL (an image without one from its registry). */
UKIYO_EXTERN const char *ukiyo_rejection_container(const ukiyo_rejection *r);
UKIYO_EXTERN const char *ukiyo_rejection_image(const ukiyo_rejection *r);
UKIYO_EXTERN const char *ukiyo_rejection_image_id(const ukiyo_rejection *r);
UKIYO_EXTERN const char *ukiyo_rejection_digest(const ukiyo_rejection *r);
/** Why it was rolled back. */
UKIYO_EXTERN const char *ukiyo_rejection_reason(const ukiyo_rejection *r);
UKIYO_EXTERN int64_t ukiyo_rejection_time_ms(const ukiyo_rejection *r);
/**
 * As JSON: {"container", "image", "image_id", "digest", "reason",
 * "rejected_ms"} (what ukiyod and ukiyoctl print).
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_rejection_json(char **json_out, const ukiyo_rejection *r);
/** The list as a JSON array of those objects. @param json_out new string */
UKIYO_EXTERN int ukiyo_rejection_list_json(char **json_out, const ukiyo_rejection_list *list);

/** Totals for metrics: finished transactions by container, kind and outcome; jobs by state. */
typedef struct ukiyo_store_stats ukiyo_store_stats;
/** @param out new totals; free with ukiyo_store_stats_free */
UKIYO_EXTERN int ukiyo_store_stats_get(ukiyo_store_stats **out, ukiyo_store *store);
UKIYO_EXTERN void ukiyo_store_stats_free(ukiyo_store_stats *stats);
/** Jobs in @p state (queued, running, done, partial, failed); 0 for any other. */
UKIYO_EXTERN int64_t ukiyo_store_stats_jobs(const ukiyo_store_stats *stats, const char *state);
/** How many (container, kind, outcome) rows, in that order. */
UKIYO_EXTERN size_t ukiyo_store_stats_outcome_count(const ukiyo_store_stats *stats);
/**
 * The @p index-th row: its container, kind and outcome (borrowed; NULL past
 * the end) and how many transactions it counts.
 */
UKIYO_EXTERN int64_t ukiyo_store_stats_outcome(const ukiyo_store_stats *stats, size_t index,
                                               const char **container, const char **kind,
                                               const char **outcome);
/** Image IDs before and after (after may be NULL). Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_old_image_id(const ukiyo_history_entry *e);
UKIYO_EXTERN const char *ukiyo_history_entry_new_image_id(const ukiyo_history_entry *e);
/** "updated", "rolled-back", "failed", or NULL while unfinished. Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_outcome(const ukiyo_history_entry *e);
/** Why it rolled back or failed, or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_history_entry_reason(const ukiyo_history_entry *e);
/** Milliseconds since the epoch; finished is 0 while unfinished. */
UKIYO_EXTERN int64_t ukiyo_history_entry_started_ms(const ukiyo_history_entry *e);
UKIYO_EXTERN int64_t ukiyo_history_entry_finished_ms(const ukiyo_history_entry *e);

#ifdef __cplusplus
}
#endif

#endif
