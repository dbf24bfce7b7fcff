/*
 * manager_private.h - what the manager's files share: one update
 * transaction in flight, and the engine calls it makes.
 */
#ifndef UKIYO_MANAGER_PRIVATE_H
#define UKIYO_MANAGER_PRIVATE_H

#include <jansson.h>

#include "compose.h"
#include "container_labels.h"
#include "docker_private.h"
#include "plan.h"
#include "store_internal.h"

struct ukiyo_update_result {
    char *container;
    char *image;
    char *reason;
    char *old_image_id;
    char *new_image_id;
    char *container_id;
    char *strategy;
    char *follows; /* a follower: the container it followed */
    char *project; /* compose's project and service, from its labels; NULL when not compose's */
    char *service;
    ukiyo_update_outcome outcome;
    /* Containers recreated to follow this one (network namespace, links); owned. */
    ukiyo_update_result **followers;
    size_t followers_count, followers_cap;
};

typedef struct {
    ukiyo *u;
    ukiyo_docker *docker;
    ukiyo_store *store;
    ukiyo_update_options opts;
    const char *kind;    /* update | redeploy | rollback */
    bool pull;           /* pull the reference first (not for rollbacks and dependents) */
    const char *leader;  /* a follower: the container it is recreated to follow */
    bool keep_image;     /* a follower not in the batch: recreated on the exact image it runs */
    json_t *old;         /* the old container's inspect document */
    json_t *old_image;   /* its image's, or NULL when gone */
    const char *name;    /* borrowed from old */
    const char *ref;     /* borrowed: Config.Image, or opts.image for a new tag */
    const char *old_ref; /* borrowed from old when opts.image changes the reference */
    bool start_first;
    int health_timeout_s;
    int min_uptime_s;
    container_labels labels; /* the old container's */
    char *new_digest;        /* the registry's digest of the new image, or NULL */
    plan_decision decision;  /* what the plan says of it (plan.h) */
    journal_entry journal;
    json_t *advertise; /* start-first: endpoints whose aliases wait for the gate */
    /* A container compose started (compose.h): where from, and who recreates it. */
    bool from_compose;
    compose_origin compose;
    bool compose_native;             /* compose recreates it (manager_compose.c) */
    bool compose_untouched;          /* compose failed and left the old container as it was */
    compose_program compose_program; /* the one found, when compose_native */
    char *compose_why;               /* why it is recreated the way it is, for the plan */
    char *compose_refusal;           /* native asked for and impossible: why */
    ukiyo_update_result *result;
} transaction;

/* Take the transaction from the journaled plan to its outcome (manager_transaction.c). */
int ukiyo__transaction_run(transaction *tx);
/* Record that step @name is about to be taken, and tell the caller which phase begins. */
int ukiyo__transaction_step(transaction *tx, const char *name);

/*
 * The engine resolves a reference when a container is created (and compose
 * reads it at `up`), but a container may have to be created on another
 * image than its tag points at now: a follower keeps the exact image it
 * runs, a rollback returns to an older one. So the reference points at that
 * image for the call (ukiyo__pin_reference; no-op for a NULL @image_id, a
 * digest or an image ID) and back at once (ukiyo__unpin_reference). A crash
 * between the two leaves the tag on the image the container runs; the next
 * pull of the tag moves it on.
 */
typedef struct {
    bool moved;
    char *previous; /* the image the reference pointed at, or NULL: none */
} pinned_reference;
pinned_reference ukiyo__pin_reference(transaction *tx, const char *image_id);
void ukiyo__unpin_reference(transaction *tx, pinned_reference *pin);

/* Compose-native (manager_compose.c): up to the gate's verdict; undo; reconcile. */
int ukiyo__compose_until_commit(transaction *tx);
int ukiyo__compose_undo(ukiyo_docker *d, const compose_program *prog, const compose_origin *o,
                        const journal_entry *j, int timeout_s);
/* Compose failed before it changed anything: end @tx failed, with @reason. */
int ukiyo__compose_failed_untouched(transaction *tx, const char *reason);
int ukiyo__compose_reconcile(ukiyo_docker *d, const journal_entry *j);

/*
 * The health gate (manager_health.c): the new container passes once it has
 * been healthy (with a HEALTHCHECK, which has @timeout_s to pass first) or
 * running (without one) for @settle_s, with no exit, restart or turn to
 * unhealthy during it. 0 when it passes; UKIYO_EINTERRUPTED when
 * ukiyo_interrupt() came first; UKIYO_ETIMEOUT or UKIYO_EDOCKER
 * with the reason in the last error when it does not.
 */
int ukiyo__health_gate(ukiyo_docker *docker, const char *container_id, int timeout_s, int settle_s,
                       const transaction *tx);
/* Tell the caller's phase callback, if any, that @phase begins. */
void ukiyo__report_phase(const transaction *tx, ukiyo_update_phase phase, int elapsed_s,
                         int limit_s);

/*
 * Keep the old container's last lines with the update's history entry,
 * before the old container goes (opts.kept_log_lines, at most
 * KEPT_LOG_BYTES). A failure is logged and never fails the update.
 */
void ukiyo__keep_old_logs(transaction *tx);

/* Journal STEP_HEALTH, then hold the new container to the health gate (ukiyo__health_gate). */
int ukiyo__gate_new_container(transaction *tx);

/* Put the old container back under its name, running if it ran (manager_transaction.c). */
int ukiyo__restore_old_container(ukiyo_docker *d, const journal_entry *j);

/*
 * After a rollback from @tx's new image: remember it as rejected for the
 * container, and point the reference's local tag back at the image the
 * container runs (manager_result.c).
 */
void ukiyo__reject_release(transaction *tx, const char *reason);

/*
 * A swarm service's update, redeploy or rollback (manager_service.c):
 * @name is "service/NAME"; @opts already of this library's version.
 * Reconcile finishes one a crash cut short (journal strategy "swarm").
 */
int ukiyo__service_transaction(ukiyo_update_result **out, ukiyo *u, const char *kind,
                               const char *name, const ukiyo_update_options *opts);
int ukiyo__service_reconcile(ukiyo_store *st, ukiyo_docker *d, const journal_entry *j);

/* Hand @follower (owned from now) to the result of the container it followed. */
int ukiyo__result_add_follower(ukiyo_update_result *r, ukiyo_update_result *follower);

/* Set a result's reason from a format (manager_result.c). */
void ukiyo__result_set_reason(ukiyo_update_result *r, const char *fmt, ...) UKIYO_PRINTF(2, 3);

#endif
