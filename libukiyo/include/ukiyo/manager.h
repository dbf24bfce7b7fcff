/*
 * ukiyo/manager.h - updating containers: the update transaction, redeploy,
 * rollback and reconcile.
 *
 * An update pulls the reference the container was started with, builds the
 * new container's spec from the old one's inspect document (everything the
 * user set is kept; what came from the old image's defaults is dropped),
 * creates it beside the old one, swaps them (stop-first, or start-first
 * when no host ports are published), waits for the health gate, and keeps
 * the new one or puts the old one back. Every step is written to the
 * store's journal before it is taken, so ukiyo_reconcile() can finish or
 * undo a transaction that a crash cut short. Exactly one container carries
 * the name when a transaction or a reconcile ends.
 *
 * These need a handle opened with a store (ukiyo_options.db_path).
 */
#ifndef UKIYO_MANAGER_H
#define UKIYO_MANAGER_H

#include "common.h"
#include "context.h"
#include "docker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    UKIYO_STRATEGY_AUTO = 0,   /**< the ukiyo.strategy label, else stop-first */
    UKIYO_STRATEGY_STOP_FIRST, /**< stop the old, start the new (a short outage) */
    UKIYO_STRATEGY_START_FIRST /**< start the new, gate, stop the old (no host ports only) */
} ukiyo_strategy;

/** Who recreates a container that compose started (ukiyo_update_options.compose). */
typedef enum {
    UKIYO_COMPOSE_AUTO = 0, /**< the ukiyo.compose label, else native where possible, else api */
    UKIYO_COMPOSE_NATIVE,   /**< compose, from the project's files; fails where it cannot */
    UKIYO_COMPOSE_API       /**< ukiyo, through the engine, writing compose's labels anew */
} ukiyo_compose_mode;

/** The phases of an update, reported as they begin (ukiyo_update_options.phase). */
typedef enum {
    UKIYO_PHASE_CREATING = 0, /**< the new container is created */
    UKIYO_PHASE_STOPPING,     /**< the old one stops */
    UKIYO_PHASE_STARTING,     /**< the new one starts */
    UKIYO_PHASE_GATING,       /**< its health gate runs: elapsed of limit seconds, each second */
    UKIYO_PHASE_SWITCHING,    /**< names, aliases and the old container handed over */
    UKIYO_PHASE_ROLLING_BACK, /**< the gate failed: the old container comes back */
    UKIYO_PHASE_REPLACING     /**< a swarm service: the engine replaces its tasks, each second */
} ukiyo_update_phase;

/**
 * Called as each phase begins; @p elapsed_s and @p limit_s for
 * UKIYO_PHASE_GATING and UKIYO_PHASE_REPLACING (then once a second).
 */
typedef void (*ukiyo_update_phase_fn)(const char *container, ukiyo_update_phase phase,
                                      int elapsed_s, int limit_s, void *payload);

/** The phase's name: "creating", "stopping the old one", ... */
UKIYO_EXTERN const char *ukiyo_update_phase_name(ukiyo_update_phase phase);

typedef struct {
    unsigned int version;
    ukiyo_strategy strategy;
    /** Seconds the new container has to turn healthy; 0: label ukiyo.health-timeout, else 60. */
    int health_timeout_s;
    /**
     * The settle period: seconds the new container must stay healthy (with a
     * HEALTHCHECK) or running (without one), with no exit, restart or turn to
     * unhealthy, before it passes; 0: label ukiyo.min-uptime, else 30.
     */
    int min_uptime_s;
    /** Remove the image two updates back once an update succeeds (the last one is kept for
     * rollback). */
    int cleanup;
    /** Say what would happen; change nothing (the pull is skipped too). */
    int dry_run;
    /** Recreate even when the image did not change. */
    int redeploy;
    /** Progress of the pull, or NULL. */
    ukiyo_pull_progress_fn progress;
    void *progress_payload;
    /* Version 2. */
    /**
     * Recreate on this reference instead of the one the container runs
     * (a tag policy's new tag), recorded in history beside the old one;
     * NULL: the same reference. Updates only.
     */
    const char *image;
    /* Version 3. */
    /**
     * Try a release that was rolled back for this container before (a
     * rejected release); without it the update is skipped with why.
     */
    int force;
    /** Each phase as it begins (a terminal's live line), or NULL. */
    ukiyo_update_phase_fn phase;
    void *phase_payload;
    /* Version 4. */
    /**
     * The registry's digest for the container's tag when the caller knows
     * it (a push names it, a poll asked): a release rejected for the
     * container is then skipped before anything is pulled. Ignored when
     * image names another reference. NULL: known after the pull.
     */
    const char *digest;
    /**
     * The containers this run updates after this one (a batch, in update
     * order), or NULL. One of them that follows this container (in its
     * network namespace, or linked to it) is updated as its follower, once:
     * on its own newest image, gated, its result among this one's
     * followers; the caller then leaves it out. Any other follower is
     * recreated on the exact image it runs.
     */
    const char *const *batch;
    size_t batch_count;
    /* Version 5. */
    /**
     * For a container compose started: have compose recreate its service
     * from the project's files (native), or recreate it through the engine
     * (api). UKIYO_COMPOSE_AUTO: the ukiyo.compose label, else native where
     * the files are readable here and a compose program is found, else api.
     * The plan (a dry run, check) says which and why.
     */
    ukiyo_compose_mode compose;
    /** Seconds compose has for one `up` before it is stopped (with its children); 0: 300. */
    int compose_timeout_s;
    /**
     * Lines of the old container's logs kept with the history entry before
     * it goes (at most 1 MiB of them; ukiyo_store_history_logs()); 0: 1000,
     * negative: none.
     */
    int kept_log_lines;
    /* Version 6. */
    /**
     * A swarm service ("service/NAME"): seconds its update (the engine
     * replacing its tasks as its UpdateConfig says) has to complete before
     * ukiyo has it roll back; and as long again for the rollback. 0: label
     * ukiyo.service-timeout, else 600.
     */
    int service_timeout_s;
} ukiyo_update_options;

#define UKIYO_UPDATE_OPTIONS_VERSION 6
#define UKIYO_UPDATE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        UKIYO_UPDATE_OPTIONS_VERSION, UKIYO_STRATEGY_AUTO, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0,     \
            NULL, NULL, NULL, NULL, 0, UKIYO_COMPOSE_AUTO, 0, 0, 0                                 \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_UPDATE_OPTIONS_VERSION), as
 * UKIYO_UPDATE_OPTIONS_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_update_options_init(ukiyo_update_options *opts, unsigned int version);

typedef enum {
    UKIYO_OUTCOME_FRESH = 0,   /**< already on the newest image */
    UKIYO_OUTCOME_UPDATED,     /**< recreated on the new image, healthy */
    UKIYO_OUTCOME_ROLLED_BACK, /**< the new one failed; the old one is back */
    UKIYO_OUTCOME_FAILED,      /**< nothing changed (e.g. the pull failed) or could not be undone */
    UKIYO_OUTCOME_SKIPPED,     /**< monitor-only, pinned to a digest, or not enabled */
    UKIYO_OUTCOME_PLANNED      /**< dry run: this would be updated */
} ukiyo_update_outcome;

typedef struct ukiyo_update_result ukiyo_update_result;

/**
 * Update one container to the newest image of the reference it runs.
 *
 * "service/NAME" names a swarm service instead: its spec's image is set to
 * the registry's digest of its tag ("repo:tag@sha256:..."), with the
 * registry's credential for the workers; the service's UpdateConfig
 * replaces its tasks; UpdateStatus is followed to its end (within
 * opts->service_timeout_s); a failed release is rolled back by the engine
 * (outcome rolled-back, the digest rejected). Strategy "swarm". Redeploy
 * forces the tasks to be replaced on the same image; rollback returns to
 * the image before the service's last update.
 * @param out  new result (free with ukiyo_update_result_free) for every
 *             attempt that got as far as the container: its outcome says
 *             what became of it, with the reason when it did not update
 * @param opts NULL for defaults
 * @return 0 with a result; UKIYO_ENOTFOUND for an unknown container,
 *         UKIYO_ECONFLICT while another update of it runs, UKIYO_EINVAL
 *         without a store, or the engine's error when it cannot be asked
 */
UKIYO_EXTERN int ukiyo_update(ukiyo_update_result **out, ukiyo *u, const char *container,
                              const ukiyo_update_options *opts);

/** ukiyo_update with opts->redeploy set: recreate even on the same image. */
UKIYO_EXTERN int ukiyo_redeploy(ukiyo_update_result **out, ukiyo *u, const char *container,
                                const ukiyo_update_options *opts);

/**
 * Recreate a container on the image it ran before its last successful
 * update (kept until the next one). The reference is tagged back to that
 * image locally, so the container keeps its reference.
 * @return as ukiyo_update; UKIYO_ENOTFOUND when there is no earlier image
 */
UKIYO_EXTERN int ukiyo_rollback(ukiyo_update_result **out, ukiyo *u, const char *container,
                                const ukiyo_update_options *opts);

/**
 * Finish or undo every transaction a crash cut short: before the new
 * container passed its health gate the old one is put back; after, the
 * new one is kept and the old one removed.
 * @param fixed_out  how many transactions it closed; may be NULL
 */
UKIYO_EXTERN int ukiyo_reconcile(ukiyo *u, unsigned int *fixed_out);

/**
 * Order containers so that each comes after those it depends on: links,
 * a "container:" network mode, VolumesFrom, the ukiyo.depends-on label
 * (comma-separated names) and compose's com.docker.compose.depends_on
 * (services of the same project). Dependencies outside @p names only
 * count through the ones inside. Swarm services ("service/NAME") come
 * last, in the order given.
 * @param out   new list of the names in update order; free with ukiyo_string_list_free
 * @return 0, UKIYO_ENOTFOUND for an unknown container, UKIYO_ECONFLICT for
 *         a dependency cycle (the last error names it)
 */
UKIYO_EXTERN int ukiyo_update_order(ukiyo_string_list **out, ukiyo *u, const char *const *names,
                                    size_t count);

UKIYO_EXTERN void ukiyo_update_result_free(ukiyo_update_result *result);
/**
 * The result as JSON: {"name", "image", "outcome", "reason",
 * "old_image_id", "new_image_id", "container_id", "strategy", "follows"
 * (a follower: the container it followed), "project", "service" (a compose
 * container's project and service)}, absent
 * values left out (what ukiyoctl prints and a job's results hold).
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_update_result_json(char **json_out, const ukiyo_update_result *result);
UKIYO_EXTERN ukiyo_update_outcome ukiyo_update_result_outcome(const ukiyo_update_result *r);
/** "fresh", "updated", "rolled-back", "failed", "skipped", "planned". */
UKIYO_EXTERN const char *ukiyo_update_outcome_name(ukiyo_update_outcome outcome);
/** The container's name. Borrowed. */
UKIYO_EXTERN const char *ukiyo_update_result_container(const ukiyo_update_result *r);
/** The reference. Borrowed. */
UKIYO_EXTERN const char *ukiyo_update_result_image(const ukiyo_update_result *r);
/** Why it rolled back, failed or was skipped; what a dry run would do. Borrowed or NULL. */
UKIYO_EXTERN const char *ukiyo_update_result_reason(const ukiyo_update_result *r);
/** Image IDs before and after. Borrowed or NULL. */
UKIYO_EXTERN const char *ukiyo_update_result_old_image_id(const ukiyo_update_result *r);
UKIYO_EXTERN const char *ukiyo_update_result_new_image_id(const ukiyo_update_result *r);
/** The ID of the container that carries the name now. Borrowed or NULL. */
UKIYO_EXTERN const char *ukiyo_update_result_container_id(const ukiyo_update_result *r);
/** "stop-first", "start-first" or "compose": what was used. Borrowed or NULL. */
UKIYO_EXTERN const char *ukiyo_update_result_strategy(const ukiyo_update_result *r);
/** A compose container's project and service (its labels). Borrowed or NULL. */
UKIYO_EXTERN const char *ukiyo_update_result_project(const ukiyo_update_result *r);
UKIYO_EXTERN const char *ukiyo_update_result_service(const ukiyo_update_result *r);

/**
 * The containers recreated to follow this one (in its network namespace, or
 * linked to it), each on the image it ran before, with its own outcome and
 * the reason "redeployed to follow NAME".
 */
UKIYO_EXTERN size_t ukiyo_update_result_follower_count(const ukiyo_update_result *r);
/** The @p i th follower's result. Borrowed from @p r; NULL past the end. */
UKIYO_EXTERN const ukiyo_update_result *ukiyo_update_result_follower(const ukiyo_update_result *r,
                                                                     size_t i);

/** Called after each update, redeploy or rollback transaction that changed or tried to change a
 * container. */
typedef void (*ukiyo_update_hook_fn)(const ukiyo_update_result *result, void *payload);
/**
 * Call @p fn after every update transaction of this handle that ended
 * updated, rolled back or failed (not fresh, skipped or planned). The hook
 * runs on the thread that ran the update, before the call returns; keep it
 * short (copy what you need and hand it to another thread). NULL removes it.
 */
UKIYO_EXTERN void ukiyo_set_update_hook(ukiyo *u, ukiyo_update_hook_fn fn, void *payload);

#ifdef __cplusplus
}
#endif

#endif
