/*
 * ukiyo/context.h - the top handle: one engine client, one registry client
 * and one credential resolver that the higher modules (check, and later
 * the manager, store and scheduler) share.
 */
#ifndef UKIYO_CONTEXT_H
#define UKIYO_CONTEXT_H

#include "auth.h"
#include "common.h"
#include "docker.h"
#include "registry.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo ukiyo;

typedef struct {
    unsigned int version;
    /** Engine address; NULL: $DOCKER_HOST, else unix:///var/run/docker.sock. */
    const char *docker_host;
    /** Directory of Docker's config.json; NULL: $DOCKER_CONFIG, else ~/.docker. */
    const char *docker_config_dir;
    /** Timeout of engine and registry requests in milliseconds; 0: 30 s. */
    long timeout_ms;
    /** NULL-terminated registries that may be reached over plain HTTP. */
    const char *const *insecure_registries;
    /** The sqlite store (journal, history); NULL: none, and updates are refused. */
    const char *db_path;
    /**
     * Jobs update only containers labelled ukiyo.enable=true (or
     * com.centurylinklabs.watchtower.enable=true); by default every container
     * that runs the pushed tag.
     */
    int label_enable;
    /**
     * NULL-terminated "name=other" pairs of registries that are one
     * ("localhost:5000=127.0.0.1:5000"): a push to either updates
     * containers that run the other. Without them every host is its own.
     */
    const char *const *registry_aliases;
    /* Version 2: the scheduler (ukiyo/scheduler.h). */
    /** Milliseconds since the epoch; NULL: the real clock. Tests pass a fake one. */
    int64_t (*clock_ms)(void *clock_payload);
    void *clock_payload;
    /** Poll containers without a ukiyo.poll label this often (ms); 0: only labelled ones. */
    int64_t poll_interval_ms;
    /** Each poll is delayed by up to this percentage of its interval (0-50), so hosts spread out.
     */
    unsigned int poll_jitter_percent;
    /** Update window (cron) of containers without a ukiyo.schedule label; NULL: any time. */
    const char *schedule;
    /* Version 3: approvals and a minimum age (ukiyo/jobs.h). */
    /**
     * Pushes, polls and windows update no container until a person approves
     * (ukiyo_jobs_approve()), but those labelled ukiyo.approve=false; 0:
     * only those labelled ukiyo.approve=true wait.
     */
    int approve;
    /** A job waiting for approval expires after this (ms); 0: never. ukiyo.approve-timeout. */
    int64_t approve_timeout_ms;
    /**
     * A digest first seen less than this ago (ms) is applied only once it has
     * aged; 0: at once. ukiyo.min-age.
     */
    int64_t min_age_ms;
    /* Version 4: looks in the background (ukiyo/scheduler.h). */
    /**
     * ukiyo_scheduler_dispatch() asks the registry for the tag of every
     * watched container this often (ms; one manifest HEAD per distinct
     * reference, nothing pulled, no job), so ukiyo_check_cached() knows an
     * update is available without a poll; 0: only references never looked
     * at are, once.
     */
    int64_t look_interval_ms;
    /* Version 5: several ukiyos on one engine. */
    /**
     * This handle's jobs, polls, looks and checks take only containers and
     * services labelled ukiyo.scope=SCOPE (or
     * com.centurylinklabs.watchtower.scope=SCOPE); NULL: only those with no
     * scope label, which belong to a ukiyo of their own scope.
     */
    const char *scope;
} ukiyo_options;

#define UKIYO_OPTIONS_VERSION 5
#define UKIYO_OPTIONS_INIT                                                                         \
    {                                                                                              \
        UKIYO_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, 0, 0, NULL, 0, 0,   \
            0, 0, NULL                                                                             \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_OPTIONS_VERSION), as
 * UKIYO_OPTIONS_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_options_init(ukiyo_options *opts, unsigned int version);

/**
 * Whether two registries are the same one: equal, or made one by
 * ukiyo_options.registry_aliases.
 */
UKIYO_EXTERN int ukiyo_registry_same(const ukiyo *u, const char *a, const char *b);

/**
 * Whether a container is enabled by its labels: ukiyo.enable=true, or
 * com.centurylinklabs.watchtower.enable=true for people switching over
 * (ukiyo's label wins when both are set).
 */
UKIYO_EXTERN int ukiyo_container_enabled_by_label(const ukiyo_container *container);

/**
 * Whether @p u may update @p container at all: enabled by its labels when
 * @p u was opened with label_enable, and of @p u's scope (ukiyo_options.scope).
 * When not, *@p why (when @p why is not NULL) is set to a static sentence
 * that says why.
 */
UKIYO_EXTERN int ukiyo_container_eligible(const ukiyo *u, const ukiyo_container *container,
                                          const char **why);

/** The handle's scope (ukiyo_options.scope); NULL: none. Borrowed. */
UKIYO_EXTERN const char *ukiyo_scope(const ukiyo *u);

/**
 * Open the top handle. Does no I/O: the engine is contacted by the first call
 * that needs it.
 * @param out  new; free with ukiyo_close
 * @param opts NULL for defaults
 * @return 0 or a negative UKIYO_E* code
 */
UKIYO_EXTERN int ukiyo_open(ukiyo **out, const ukiyo_options *opts);

/** Close the handle and everything it owns. NULL does nothing. */
UKIYO_EXTERN void ukiyo_close(ukiyo *u);

/**
 * Ask the handle's update in flight, from any thread or a signal handler,
 * to stop at its next safe point, for a program that is about to exit: a
 * pull ends at its next progress message and the update goes no further
 * (nothing changed: UKIYO_EINTERRUPTED, "before anything changed"), the
 * old container is not stopped, a health gate ends within a quarter of a
 * second with UKIYO_EINTERRUPTED and leaves the update open in the journal
 * (ukiyo_reconcile() puts the old container back), the follow of a swarm
 * service's rollout ends within half a second with UKIYO_EINTERRUPTED (the
 * swarm goes on; ukiyo_reconcile() follows it to its end), and
 * ukiyo_jobs_run_next() leaves its job running, for ukiyo_jobs_recover()
 * to queue again. It lasts until the handle is closed. NULL does nothing.
 */
UKIYO_EXTERN void ukiyo_interrupt(ukiyo *u);

/** The engine client. Borrowed. */
UKIYO_EXTERN ukiyo_docker *ukiyo_get_docker(ukiyo *u);
/** The registry client. Borrowed. */
UKIYO_EXTERN ukiyo_registry *ukiyo_get_registry(ukiyo *u);
/** The credential resolver. Borrowed. */
UKIYO_EXTERN ukiyo_auth *ukiyo_get_auth(ukiyo *u);
/** Whether the handle was opened with label_enable. */
UKIYO_EXTERN int ukiyo_label_enable(const ukiyo *u);

/** The store, or NULL when opened without one. Borrowed. */
UKIYO_EXTERN ukiyo_store *ukiyo_get_store(ukiyo *u);

/**
 * Try @p secret for @p username at registry @p server before saving it
 * (ukiyo_registry_login()), so a wrong password fails now and not at the
 * next pull. @p username NULL: the one saved for that server (an edit of the
 * secret alone).
 * @return 0 when accepted; UKIYO_EAUTH when refused; UKIYO_EINVAL without a
 *         user name; UKIYO_ECONNECT or UKIYO_ETIMEOUT when unreachable
 */
UKIYO_EXTERN int ukiyo_credential_check(ukiyo *u, const char *server, const char *username,
                                        const char *secret);

#ifdef __cplusplus
}
#endif

#endif
