/*
 * ukiyo/auth.h - registry credentials.
 *
 * A lookup asks each source in turn, newest first, and falls back to Docker's
 * own client configuration: $DOCKER_CONFIG/config.json (default
 * ~/.docker/config.json) with its "auths" entries, "credHelpers" per
 * registry and "credsStore", through the docker-credential-* programs.
 * No network I/O; credential helpers are run as child processes.
 */
#ifndef UKIYO_AUTH_H
#define UKIYO_AUTH_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo_auth ukiyo_auth;

/** One registry's credential: a username and password, or an identity token. */
typedef struct ukiyo_credential ukiyo_credential;

typedef struct {
    unsigned int version;
    /** Directory holding config.json; NULL: $DOCKER_CONFIG, else ~/.docker. */
    const char *docker_config_dir;
    /** Do not read Docker's config at all (only the added sources). */
    int ignore_docker_config;
} ukiyo_auth_options;

#define UKIYO_AUTH_OPTIONS_VERSION 1
#define UKIYO_AUTH_OPTIONS_INIT                                                                    \
    {                                                                                              \
        UKIYO_AUTH_OPTIONS_VERSION, NULL, 0                                                        \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_AUTH_OPTIONS_VERSION), as
 * UKIYO_AUTH_OPTIONS_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_auth_options_init(ukiyo_auth_options *opts, unsigned int version);

/**
 * A source of credentials consulted before Docker's config (the daemon's
 * sqlite store is one). Set @p out to a new credential and return 0, return
 * UKIYO_ENOTFOUND to let the next source answer, or another error to stop.
 */
typedef int (*ukiyo_credential_source_fn)(ukiyo_credential **out, const char *registry,
                                          void *payload);

/**
 * Create a credential resolver. Reads nothing yet: config.json is read at
 * each lookup, so edits (docker login) apply without a restart.
 * @param out   new; free with ukiyo_auth_free
 * @param opts  NULL for defaults
 * @return 0 or a negative UKIYO_E* code
 */
UKIYO_EXTERN int ukiyo_auth_new(ukiyo_auth **out, const ukiyo_auth_options *opts);

/** Release a resolver. NULL does nothing. */
UKIYO_EXTERN void ukiyo_auth_free(ukiyo_auth *auth);

/**
 * Put a source in front of those already there. @p payload is passed back
 * unchanged and must outlive @p auth.
 * @return 0 or UKIYO_ENOMEM
 */
UKIYO_EXTERN int ukiyo_auth_add_source(ukiyo_auth *auth, ukiyo_credential_source_fn fn,
                                       void *payload);

/**
 * Find the credential for a registry as written in an image reference
 * ("docker.io", "localhost:5000", "ghcr.io").
 * @param out  new credential; untouched on failure
 * @return 0, UKIYO_ENOTFOUND when no source has one, or another UKIYO_E*
 *         code when a source failed (unreadable config, helper error)
 */
UKIYO_EXTERN int ukiyo_auth_lookup(ukiyo_credential **out, ukiyo_auth *auth, const char *registry);

/**
 * Make a credential. Give @p username and @p password, or @p identity_token.
 * @param out  new; free with ukiyo_credential_free
 * @return 0, UKIYO_EINVAL or UKIYO_ENOMEM
 */
UKIYO_EXTERN int ukiyo_credential_new(ukiyo_credential **out, const char *registry,
                                      const char *username, const char *password,
                                      const char *identity_token);

/** Release a credential, wiping its secrets. NULL does nothing. */
UKIYO_EXTERN void ukiyo_credential_free(ukiyo_credential *cred);

/** The registry it is for. Borrowed. */
UKIYO_EXTERN const char *ukiyo_credential_registry(const ukiyo_credential *cred);
/** The user name, or NULL with an identity token. Borrowed. */
UKIYO_EXTERN const char *ukiyo_credential_username(const ukiyo_credential *cred);
/** The password, or NULL. Borrowed; never log it. */
UKIYO_EXTERN const char *ukiyo_credential_password(const ukiyo_credential *cred);
/** The identity (refresh) token, or NULL. Borrowed; never log it. */
UKIYO_EXTERN const char *ukiyo_credential_identity_token(const ukiyo_credential *cred);

#ifdef __cplusplus
}
#endif

#endif
