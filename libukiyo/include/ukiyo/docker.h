/*
 * ukiyo/docker.h - the Docker Engine API client.
 *
 * Reaches the engine at unix:///var/run/docker.sock (or $DOCKER_HOST, or
 * tcp://host:port with TLS client certificates from $DOCKER_CERT_PATH when
 * $DOCKER_TLS_VERIFY is set). The API version is negotiated on first use
 * through /_ping: the lower of the engine's and ukiyo's, at least 1.40.
 * Every request has a timeout; the engine's own error message is kept in
 * ukiyo_error_last(). A handle is used by one thread at a time.
 */
#ifndef UKIYO_DOCKER_H
#define UKIYO_DOCKER_H

#include "auth.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo_docker ukiyo_docker;
/** A container: an entry of a list, or a whole inspect document. */
typedef struct ukiyo_container ukiyo_container;
typedef struct ukiyo_container_list ukiyo_container_list;
/** An image's inspect document. */
typedef struct ukiyo_image_info ukiyo_image_info;

/** Oldest and newest Engine API versions ukiyo speaks. */
#define UKIYO_DOCKER_API_MIN "1.40"
#define UKIYO_DOCKER_API_MAX "1.45"

typedef struct {
    unsigned int version;
    /** "unix:///path" or "tcp://host:port"; NULL: $DOCKER_HOST, else the default socket. */
    const char *host;
    /** Directory with ca.pem, cert.pem, key.pem; NULL: $DOCKER_CERT_PATH, else ~/.docker. */
    const char *cert_path;
    /** 1: TLS, verifying the engine; 0: plain; -1: from $DOCKER_TLS_VERIFY. */
    int tls_verify;
    /** Timeout of ordinary requests in milliseconds; 0: 30 s. Pulls use a stall timeout. */
    long timeout_ms;
} ukiyo_docker_options;

#define UKIYO_DOCKER_OPTIONS_VERSION 1
#define UKIYO_DOCKER_OPTIONS_INIT                                                                  \
    {                                                                                              \
        UKIYO_DOCKER_OPTIONS_VERSION, NULL, NULL, -1, 0                                            \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_DOCKER_OPTIONS_VERSION), as
 * UKIYO_DOCKER_OPTIONS_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_docker_options_init(ukiyo_docker_options *opts, unsigned int version);

/**
 * Create an engine client. Does no I/O: the engine is first contacted by
 * the first request (or ukiyo_docker_ping).
 * @param out  new; free with ukiyo_docker_free
 * @param opts NULL for defaults
 * @return 0, UKIYO_EINVAL for a malformed host, or UKIYO_ENOMEM
 */
UKIYO_EXTERN int ukiyo_docker_new(ukiyo_docker **out, const ukiyo_docker_options *opts);

/** Release a client. NULL does nothing. */
UKIYO_EXTERN void ukiyo_docker_free(ukiyo_docker *docker);

/**
 * Contact the engine and negotiate the API version.
 * @return 0, UKIYO_ECONNECT when nothing answers, UKIYO_EUNSUPPORTED for an
 *         engine older than API 1.40, UKIYO_EPROTOCOL for garbage
 */
UKIYO_EXTERN int ukiyo_docker_ping(ukiyo_docker *docker);

/** The negotiated API version ("1.41"), or NULL before the first contact. Borrowed. */
UKIYO_EXTERN const char *ukiyo_docker_api_version(const ukiyo_docker *docker);

/** How many requests this client has sent to the engine (pings and negotiation included). */
UKIYO_EXTERN uint64_t ukiyo_docker_request_count(const ukiyo_docker *docker);

/** The engine address in use ("unix:///var/run/docker.sock"). Borrowed. */
UKIYO_EXTERN const char *ukiyo_docker_host(const ukiyo_docker *docker);

/**
 * The engine's /version document as JSON text.
 * @param json_out  new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_docker_version(char **json_out, ukiyo_docker *docker);

/* ---- containers ---------------------------------------------------- */

/**
 * List containers.
 * @param out          new list; free with ukiyo_container_list_free
 * @param all          non-zero: stopped containers too
 * @param filters_json the engine's filters, e.g. {"label":["ukiyo.enable=true"]}; or NULL
 */
UKIYO_EXTERN int ukiyo_docker_container_list(ukiyo_container_list **out, ukiyo_docker *docker,
                                             int all, const char *filters_json);
UKIYO_EXTERN size_t ukiyo_container_list_count(const ukiyo_container_list *list);
/** The @p index-th container. Borrowed from the list. */
UKIYO_EXTERN const ukiyo_container *ukiyo_container_list_get(const ukiyo_container_list *list,
                                                             size_t index);
UKIYO_EXTERN void ukiyo_container_list_free(ukiyo_container_list *list);

/**
 * Inspect a container by ID, ID prefix or name.
 * @param out  new; free with ukiyo_container_free
 * @return 0, UKIYO_ENOTFOUND, or another UKIYO_E* code
 */
UKIYO_EXTERN int ukiyo_docker_container_inspect(ukiyo_container **out, ukiyo_docker *docker,
                                                const char *id_or_name);
UKIYO_EXTERN void ukiyo_container_free(ukiyo_container *container);

/** Full ID. Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_id(const ukiyo_container *container);
/** Name without the leading '/'. Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_name(const ukiyo_container *container);
/** The image reference the container was created with (Config.Image). Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_image(const ukiyo_container *container);
/** The ID of the image it runs ("sha256:..."). Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_image_id(const ukiyo_container *container);
/** "created", "running", "paused", "restarting", "exited", "dead". Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_state(const ukiyo_container *container);
/** A label's value, or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_label(const ukiyo_container *container, const char *key);
/** The engine's JSON document for this container (list entry or inspect). Borrowed. */
UKIYO_EXTERN const char *ukiyo_container_json(const ukiyo_container *container);

/**
 * Create a container.
 * @param id_out    new string with the ID; free with ukiyo_string_free
 * @param name      the name, or NULL for one the engine picks
 * @param spec_json the create body: Config fields with HostConfig and
 *                  NetworkingConfig, as the Engine API defines it
 * @return 0, UKIYO_ECONFLICT for a name in use, UKIYO_ENOTFOUND for a
 *         missing image, or another UKIYO_E* code
 */
UKIYO_EXTERN int ukiyo_docker_container_create(char **id_out, ukiyo_docker *docker,
                                               const char *name, const char *spec_json);

/** Start a container. Already running counts as success. */
UKIYO_EXTERN int ukiyo_docker_container_start(ukiyo_docker *docker, const char *id);

/**
 * Stop a container with its own StopSignal.
 * @param timeout_s seconds before SIGKILL; negative: the container's StopTimeout
 * Already stopped counts as success.
 */
UKIYO_EXTERN int ukiyo_docker_container_stop(ukiyo_docker *docker, const char *id, int timeout_s);

/** Send a signal ("SIGKILL", "HUP", ...; NULL: SIGKILL). */
UKIYO_EXTERN int ukiyo_docker_container_kill(ukiyo_docker *docker, const char *id,
                                             const char *signal_name);

/** Rename a container. UKIYO_ECONFLICT when the name is taken. */
UKIYO_EXTERN int ukiyo_docker_container_rename(ukiyo_docker *docker, const char *id,
                                               const char *new_name);

/** Flags of ukiyo_docker_container_remove. */
#define UKIYO_REMOVE_FORCE 1u   /**< kill it first if it runs */
#define UKIYO_REMOVE_VOLUMES 2u /**< remove its anonymous volumes too */

/** Remove a container. */
UKIYO_EXTERN int ukiyo_docker_container_remove(ukiyo_docker *docker, const char *id,
                                               unsigned int flags);

/**
 * Wait for a container to stop.
 * @param condition      "not-running" (NULL), "next-exit" or "removed"
 * @param timeout_ms     give up after this long (UKIYO_ETIMEOUT); 0: no limit
 * @param exit_code_out  receives the exit status; may be NULL
 */
UKIYO_EXTERN int ukiyo_docker_container_wait(ukiyo_docker *docker, const char *id,
                                             const char *condition, long timeout_ms,
                                             int64_t *exit_code_out);

/* ---- images -------------------------------------------------------- */

/**
 * Inspect a local image by reference or ID.
 * @param out new; free with ukiyo_image_info_free
 * @return 0, UKIYO_ENOTFOUND when the engine has no such image, or another code
 */
UKIYO_EXTERN int ukiyo_docker_image_inspect(ukiyo_image_info **out, ukiyo_docker *docker,
                                            const char *ref);
UKIYO_EXTERN void ukiyo_image_info_free(ukiyo_image_info *info);
/** "sha256:...". Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_info_id(const ukiyo_image_info *info);
UKIYO_EXTERN size_t ukiyo_image_info_repo_digest_count(const ukiyo_image_info *info);
/** "localhost:5000/app@sha256:...". Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_info_repo_digest(const ukiyo_image_info *info, size_t index);
/** The engine's inspect document. Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_info_json(const ukiyo_image_info *info);

/**
 * Progress of a pull, summed over its layers. Fields may be added at the
 * end; the struct is only ever passed by the library to your callback.
 */
typedef struct {
    const char *status;  /**< the engine's last status text ("Downloading"). Borrowed. */
    const char *layer;   /**< the layer it is about, or NULL. Borrowed. */
    int64_t bytes_done;  /**< bytes downloaded so far, all layers */
    int64_t bytes_total; /**< bytes to download, of the layers whose size is known */
    unsigned int layers_done;
    unsigned int layers_total;
} ukiyo_pull_progress;

/** Called for each progress message of a pull; return non-zero to cancel it. */
typedef int (*ukiyo_pull_progress_fn)(const ukiyo_pull_progress *progress, void *payload);

/**
 * Pull an image. Errors the engine reports inside its progress stream
 * (while the HTTP status is 200) become errors here, with its words.
 * A pull is cancelled only when no byte arrives for 5 minutes.
 * @param ref   image reference; the tag defaults to "latest"
 * @param cred  credential for its registry, or NULL for anonymous
 * @param fn    progress callback, or NULL
 * @return 0, UKIYO_ENOTFOUND (no such image/tag), UKIYO_EAUTH, UKIYO_EDOCKER, ...
 */
UKIYO_EXTERN int ukiyo_docker_image_pull(ukiyo_docker *docker, const char *ref,
                                         const ukiyo_credential *cred, ukiyo_pull_progress_fn fn,
                                         void *payload);

/** Remove an image (untag and delete). @p force: also when containers use it. */
UKIYO_EXTERN int ukiyo_docker_image_remove(ukiyo_docker *docker, const char *ref, int force);

/**
 * The X-Registry-Auth header value the engine expects for @p cred:
 * base64url with padding of {"username","password","serveraddress"} or
 * {"identitytoken"}. NULL @p cred gives the value for anonymous access.
 * @param out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_docker_registry_auth_header(char **out, const ukiyo_credential *cred);

/* ---- networks ------------------------------------------------------ */

/**
 * Connect a container to a network.
 * @param endpoint_json EndpointSettings (aliases, IPAMConfig, ...) or NULL
 */
UKIYO_EXTERN int ukiyo_docker_network_connect(ukiyo_docker *docker, const char *network,
                                              const char *container, const char *endpoint_json);

/** Disconnect a container from a network. */
UKIYO_EXTERN int ukiyo_docker_network_disconnect(ukiyo_docker *docker, const char *network,
                                                 const char *container, int force);

/* ---- swarm services --------------------------------------------------- */

/**
 * Where a container name is accepted, "service/NAME" names the swarm
 * service NAME (a container's name cannot hold a '/').
 */
#define UKIYO_SERVICE_PREFIX "service/"

/** A swarm service: an entry of a list or an inspect document (the same shape). */
typedef struct ukiyo_service ukiyo_service;
typedef struct ukiyo_service_list ukiyo_service_list;

/** What this engine is in a swarm (ukiyo_docker_swarm_role). */
typedef enum {
    UKIYO_SWARM_NONE = 0, /**< in no swarm (or one it is leaving, or pending): no services */
    UKIYO_SWARM_WORKER,   /**< a worker: it runs tasks, but cannot see or change services */
    UKIYO_SWARM_MANAGER   /**< a manager: services can be listed and updated here */
} ukiyo_swarm_role;

/** The engine's part in a swarm, from GET /info. */
UKIYO_EXTERN int ukiyo_docker_swarm_role(ukiyo_docker *docker, ukiyo_swarm_role *role_out);

/**
 * List services (a manager only; elsewhere UKIYO_EUNSUPPORTED with the engine's words).
 * @param out          new list; free with ukiyo_service_list_free
 * @param filters_json the engine's filters, e.g. {"label":["ukiyo.enable=true"]}; or NULL
 */
UKIYO_EXTERN int ukiyo_docker_service_list(ukiyo_service_list **out, ukiyo_docker *docker,
                                           const char *filters_json);
UKIYO_EXTERN size_t ukiyo_service_list_count(const ukiyo_service_list *list);
/** The @p index-th service. Borrowed from the list. */
UKIYO_EXTERN const ukiyo_service *ukiyo_service_list_get(const ukiyo_service_list *list,
                                                         size_t index);
UKIYO_EXTERN void ukiyo_service_list_free(ukiyo_service_list *list);

/**
 * Inspect a service by ID or name.
 * @param out new; free with ukiyo_service_free
 * @return 0, UKIYO_ENOTFOUND, or another UKIYO_E* code
 */
UKIYO_EXTERN int ukiyo_docker_service_inspect(ukiyo_service **out, ukiyo_docker *docker,
                                              const char *id_or_name);
UKIYO_EXTERN void ukiyo_service_free(ukiyo_service *service);

/** Its ID. Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_id(const ukiyo_service *service);
/** Its name (Spec.Name). Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_name(const ukiyo_service *service);
/** Spec.TaskTemplate.ContainerSpec.Image: "repo:tag@sha256:..." as the CLI writes it. Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_image(const ukiyo_service *service);
/** A label of the service (Spec.Labels), or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_label(const ukiyo_service *service, const char *key);
/** Version.Index: what an update must name. */
UKIYO_EXTERN uint64_t ukiyo_service_version(const ukiyo_service *service);
/** "replicated", "global", or the mode's name as the engine writes it. Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_mode(const ukiyo_service *service);
/** UpdateStatus.State ("updating", "paused", "completed", "rollback_started", ...), or NULL. */
UKIYO_EXTERN const char *ukiyo_service_update_state(const ukiyo_service *service);
/** UpdateStatus.Message, or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_update_message(const ukiyo_service *service);
/** The engine's JSON document for it. Borrowed. */
UKIYO_EXTERN const char *ukiyo_service_json(const ukiyo_service *service);

/**
 * A service seen as a container, for what reads containers (ukiyo_plan_get,
 * ukiyo_container_label, ukiyo_check's plan): name "service/NAME", image
 * its tag reference (the spec's image without the digest the CLI pinned
 * beside the tag; a digest-only image stays so, pinned), image ID the
 * spec's image, labels the spec's, state its mode ("replicated", "global")
 * or, while one runs, its update's state ("updating", "paused", ...).
 * @param out new; free with ukiyo_container_free
 */
UKIYO_EXTERN int ukiyo_service_as_container(ukiyo_container **out, const ukiyo_service *service);

/** Flags of ukiyo_docker_service_update. */
#define UKIYO_SERVICE_ROLLBACK 1u /**< rollback=previous: back to the engine's PreviousSpec */

/**
 * Replace a service's spec (POST /services/{id}/update?version=N).
 * @param version   the Version.Index it was read at; a stale one is UKIYO_ECONFLICT
 * @param spec_json the whole ServiceSpec
 * @param cred      the credential the manager hands to the workers for the
 *                  image's registry (X-Registry-Auth), or NULL for none
 * @param flags     UKIYO_SERVICE_ROLLBACK or 0
 */
UKIYO_EXTERN int ukiyo_docker_service_update(ukiyo_docker *docker, const char *id, uint64_t version,
                                             const char *spec_json, const ukiyo_credential *cred,
                                             unsigned int flags);

/**
 * A service's tasks as the engine's JSON array (GET /tasks filtered by service).
 * @param desired_state "running", "shutdown", ... or NULL for all
 * @param json_out      new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_docker_service_tasks(char **json_out, ukiyo_docker *docker,
                                            const char *service, const char *desired_state);

#ifdef __cplusplus
}
#endif

#endif
