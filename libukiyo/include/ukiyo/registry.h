/*
 * ukiyo/registry.h - the Registry HTTP API v2 client.
 *
 * Asks a registry which digest a tag points at (HEAD, which Docker Hub does
 * not count against its pull limit) and which tags a repository has. Speaks
 * the Bearer token flow (anonymous or with Basic credentials; tokens cached
 * until they expire) and plain Basic. Loopback registries, and those listed
 * as insecure, may speak plain HTTP. Never pulls.
 * A handle is used by one thread at a time.
 */
#ifndef UKIYO_REGISTRY_H
#define UKIYO_REGISTRY_H

#include "auth.h"
#include "common.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo_registry ukiyo_registry;

typedef struct {
    unsigned int version;
    /** Where credentials come from; borrowed, must outlive the client; NULL: anonymous. */
    ukiyo_auth *auth;
    /** Per-request timeout in milliseconds; 0: 30 s. */
    long timeout_ms;
    /** NULL-terminated registries ("host:port") that may be reached over plain HTTP. */
    const char *const *insecure_registries;
    /** Tags asked for per page when listing; 0: 1000 (registries may send fewer). */
    unsigned int tag_page_size;
} ukiyo_registry_options;

#define UKIYO_REGISTRY_OPTIONS_VERSION 1
#define UKIYO_REGISTRY_OPTIONS_INIT                                                                \
    {                                                                                              \
        UKIYO_REGISTRY_OPTIONS_VERSION, NULL, 0, NULL, 0                                           \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_REGISTRY_OPTIONS_VERSION), as
 * UKIYO_REGISTRY_OPTIONS_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_registry_options_init(ukiyo_registry_options *opts, unsigned int version);

/**
 * Create a registry client. No I/O.
 * @param out  new; free with ukiyo_registry_free
 */
UKIYO_EXTERN int ukiyo_registry_new(ukiyo_registry **out, const ukiyo_registry_options *opts);

/** Release a client. NULL does nothing. */
UKIYO_EXTERN void ukiyo_registry_free(ukiyo_registry *registry);

/**
 * The digest the registry serves for a reference's tag: the manifest list
 * or index digest for multi-platform images, as the engine records it in
 * RepoDigests.
 * @param digest_out new string ("sha256:..."); free with ukiyo_string_free
 * @return 0, UKIYO_ENOTFOUND (no such repository or tag), UKIYO_EAUTH,
 *         UKIYO_ERATELIMIT (see ukiyo_registry_rate_limit), UKIYO_ECONNECT,
 *         UKIYO_EREGISTRY, UKIYO_EINVAL for a reference without a tag
 */
UKIYO_EXTERN int ukiyo_registry_manifest_digest(char **digest_out, ukiyo_registry *registry,
                                                const ukiyo_image_ref *ref);

/**
 * Check @p cred against @p registry (a host such as "reg.example:5000" or
 * "docker.io") as docker login does: GET /v2/, then the registry's Basic
 * or Bearer challenge answered with the credential. Nothing is stored.
 * @return 0 when the registry accepts it (or asks no authentication at
 *         all), UKIYO_EAUTH when it refuses it, UKIYO_ECONNECT or
 *         UKIYO_ETIMEOUT when it cannot be reached, UKIYO_EREGISTRY
 */
UKIYO_EXTERN int ukiyo_registry_login(ukiyo_registry *registry, const char *server,
                                      const ukiyo_credential *cred);

/**
 * All tags of the reference's repository, following pagination.
 * @param out new list; free with ukiyo_string_list_free
 */
UKIYO_EXTERN int ukiyo_registry_list_tags(ukiyo_string_list **out, ukiyo_registry *registry,
                                          const ukiyo_image_ref *ref);

/**
 * What the last response said of rate limits.
 * @param remaining_out    requests left (Docker Hub's ratelimit-remaining), -1 unknown
 * @param retry_after_out  seconds to wait after a 429 (Retry-After), -1 unknown
 * Either pointer may be NULL.
 */
UKIYO_EXTERN void ukiyo_registry_rate_limit(const ukiyo_registry *registry, int *remaining_out,
                                            int *retry_after_out);

/**
 * Requests sent so far (token fetches included): for benchmarks and metrics.
 */
UKIYO_EXTERN uint64_t ukiyo_registry_request_count(const ukiyo_registry *registry);

#ifdef __cplusplus
}
#endif

#endif
