/*
 * ukiyo/image.h - image references: parse, normalise, format.
 *
 * Follows Docker's reference grammar (distribution/reference):
 *   [registry[:port]/]path[:tag][@algorithm:hex]
 * and its normalisation: "nginx" is "docker.io/library/nginx:latest",
 * "index.docker.io" is "docker.io", "localhost:5000/app" keeps its registry.
 * Pure functions: no I/O.
 */
#ifndef UKIYO_IMAGE_H
#define UKIYO_IMAGE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A parsed, normalised image reference. Opaque and immutable. */
typedef struct ukiyo_image_ref ukiyo_image_ref;

/** Longest repository path Docker accepts (the registry does not count; "library/" does). */
#define UKIYO_IMAGE_NAME_MAX 255
/** Longest tag Docker accepts. */
#define UKIYO_IMAGE_TAG_MAX 128

/**
 * Parse and normalise an image reference.
 *
 * @param out  receives a new reference (free with ukiyo_image_ref_free);
 *             untouched on failure
 * @param ref  the reference as a user or the engine wrote it
 * @return 0, or UKIYO_EINVAL with the reason in ukiyo_error_last()
 *         (e.g. "repository name must be lowercase")
 */
UKIYO_EXTERN int ukiyo_image_ref_parse(ukiyo_image_ref **out, const char *ref);

/** Release a reference. NULL does nothing. */
UKIYO_EXTERN void ukiyo_image_ref_free(ukiyo_image_ref *ref);

/** The registry: "docker.io", "localhost:5000", "[::1]:5000". Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_ref_registry(const ukiyo_image_ref *ref);

/** The repository path inside the registry: "library/nginx", "team/sub/app". Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_ref_repository(const ukiyo_image_ref *ref);

/**
 * The tag: the one given, "latest" when neither tag nor digest was given,
 * or NULL when the reference names only a digest. Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_image_ref_tag(const ukiyo_image_ref *ref);

/** The digest ("sha256:..."), or NULL when none was given. Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_ref_digest(const ukiyo_image_ref *ref);

/** Registry + "/" + repository: "docker.io/library/nginx". Borrowed. */
UKIYO_EXTERN const char *ukiyo_image_ref_name(const ukiyo_image_ref *ref);

/**
 * The full normalised form: "docker.io/library/nginx:latest",
 * "localhost:5000/app:v1@sha256:...". Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_image_ref_string(const ukiyo_image_ref *ref);

/**
 * The short form Docker shows: "nginx:latest", "acme/app:1.2",
 * "localhost:5000/app:v1". Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_image_ref_familiar(const ukiyo_image_ref *ref);

/**
 * Whether two references name the same registry, repository and tag
 * (digests ignored). NULL on either side: false.
 */
UKIYO_EXTERN int ukiyo_image_ref_same_tag(const ukiyo_image_ref *a, const ukiyo_image_ref *b);

#ifdef __cplusplus
}
#endif

#endif
