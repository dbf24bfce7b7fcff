/*
 * ukiyo/deployments.h - scheduled deployments (the seed's "repository
 * scheduled time"): a repository whose pushes ukiyo deploys as a container
 * of its own, with the port bindings given, at once or at the scheduled
 * time.
 *
 * A push for the repository creates the container (named after the
 * repository's last component unless the spec names it, labelled
 * ukiyo.deployment=<name> and ukiyo.schedule=<window>) if it does not
 * exist, or updates it: at once without downtime scheduling, at
 * scheduled_at_ms with it, and in either case only while its window is
 * open (else when it next opens). The wait is a job in the store: a
 * restart does not lose it. A push is one job, the deployment's: it also
 * updates every other container running the pushed tag. ukiyod's seed routes translate the seed's
 * JSON into these.
 */
#ifndef UKIYO_DEPLOYMENTS_H
#define UKIYO_DEPLOYMENTS_H

#include "common.h"
#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A host port published to a container port (TCP), both 1-65535, as
 * `docker run -p [HOST_IP:]HOST_PORT:CONTAINER_PORT` does.
 */
typedef struct {
    int host_port;
    int container_port;
    /**
     * The host address it listens on, an IPv4 or IPv6 literal ("127.0.0.1",
     * "::1"); NULL or "": every address. Since spec version 2: a version 1
     * spec's ports are the two ints alone.
     */
    const char *host_ip;
} ukiyo_port_binding;

#define UKIYO_DEPLOYMENT_SPEC_VERSION 2

/** What a deployment is; the strings and ports are only read during the call. */
typedef struct {
    unsigned int version;
    /** The repository as pushed, without tag or digest: "registry.example.com/team/app". */
    const char *repository;
    /** The container's name; NULL: the repository's last component. */
    const char *container;
    const ukiyo_port_binding *ports;
    size_t port_count;
    /** When the updates may happen (milliseconds since the epoch); 0: not scheduled. */
    int64_t scheduled_at_ms;
    /** Non-zero: wait for scheduled_at_ms; else update at once. */
    int scheduled_downtime;
    /** An update window (cron expression, see ukiyo/scheduler.h); NULL: none. */
    const char *window;
} ukiyo_deployment_spec;

#define UKIYO_DEPLOYMENT_SPEC_INIT                                                                 \
    {                                                                                              \
        UKIYO_DEPLOYMENT_SPEC_VERSION, NULL, NULL, NULL, 0, 0, 0, NULL                             \
    }
/**
 * Fill @p spec as UKIYO_DEPLOYMENT_SPEC_INIT does. UKIYO_EINVAL for a
 * version this library does not know.
 */
UKIYO_EXTERN int ukiyo_deployment_spec_init(ukiyo_deployment_spec *spec, unsigned int version);

/**
 * Save a deployment.
 * @param replace 0: a new one (UKIYO_ECONFLICT when it exists); 1: change one
 *                (UKIYO_ENOTFOUND when it does not)
 * @return 0; UKIYO_EINVAL with the reason for a malformed field;
 *         UKIYO_ECONFLICT when another deployment exports one of its host
 *         ports on the same address (or on every address) or uses its
 *         container name
 */
UKIYO_EXTERN int ukiyo_deployment_save(ukiyo *u, const ukiyo_deployment_spec *spec, int replace);

/** Delete a deployment, by name or by its container's name (the container stays). 0 or
 * UKIYO_ENOTFOUND. */
UKIYO_EXTERN int ukiyo_deployment_delete(ukiyo *u, const char *name);

/** A saved deployment. Opaque. */
typedef struct ukiyo_deployment ukiyo_deployment;
/** The saved deployments, by name. Opaque. */
typedef struct ukiyo_deployment_list ukiyo_deployment_list;

/**
 * Every deployment.
 * @param out new list; free with ukiyo_deployment_list_free
 */
UKIYO_EXTERN int ukiyo_deployments_list(ukiyo_deployment_list **out, ukiyo *u);
UKIYO_EXTERN size_t ukiyo_deployment_list_count(const ukiyo_deployment_list *list);
/** The @p index-th, or NULL past the end. Borrowed from the list. */
UKIYO_EXTERN const ukiyo_deployment *ukiyo_deployment_list_get(const ukiyo_deployment_list *list,
                                                               size_t index);
UKIYO_EXTERN void ukiyo_deployment_list_free(ukiyo_deployment_list *list);

/* The getters' strings are borrowed from the list. */
/** registry/repository. */
UKIYO_EXTERN const char *ukiyo_deployment_name(const ukiyo_deployment *d);
UKIYO_EXTERN const char *ukiyo_deployment_container(const ukiyo_deployment *d);
UKIYO_EXTERN size_t ukiyo_deployment_port_count(const ukiyo_deployment *d);
/** The @p index-th binding (host_ip NULL for every address, borrowed); {0, 0, NULL} past the end.
 */
UKIYO_EXTERN ukiyo_port_binding ukiyo_deployment_port(const ukiyo_deployment *d, size_t index);
UKIYO_EXTERN int64_t ukiyo_deployment_scheduled_at_ms(const ukiyo_deployment *d);
UKIYO_EXTERN int ukiyo_deployment_scheduled_downtime(const ukiyo_deployment *d);
/** NULL without one. */
UKIYO_EXTERN const char *ukiyo_deployment_window(const ukiyo_deployment *d);
/**
 * @p d as the seed lists it: {"name", "containerName", "bindingPort":
 * [{"exportPort", "internalPort", "hostIp"?}], "scheduledAt" (unix seconds),
 * "scheduledDowntime", "window"?}.
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_deployment_json(char **json_out, const ukiyo_deployment *d);

#ifdef __cplusplus
}
#endif

#endif
