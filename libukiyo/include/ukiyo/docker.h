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

#ifdef __cplusplus
}
#endif

#endif
