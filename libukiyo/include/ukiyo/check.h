/*
 * ukiyo/check.h - is a newer image available for a container?
 *
 * Compares the digest the container's image was pulled with (its
 * RepoDigests) with the digest the registry now serves for the tag it was
 * started with (a HEAD request: nothing is pulled).
 */
#ifndef UKIYO_CHECK_H
#define UKIYO_CHECK_H

#include "common.h"
#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    UKIYO_CHECK_UP_TO_DATE = 0,
    UKIYO_CHECK_UPDATE_AVAILABLE = 1,
    /** could not tell; see ukiyo_check_result_reason */
    UKIYO_CHECK_UNKNOWN = 2,
    /** ukiyo leaves it alone (a label that does not parse); see the reason */
    UKIYO_CHECK_SKIPPED = 3,
    /** the registry's release was rolled back for it before: why and when in the reason */
    UKIYO_CHECK_REJECTED = 4
} ukiyo_check_status;

typedef struct ukiyo_check_result ukiyo_check_result;

/**
 * Check one container, or the swarm service "service/NAME" (its spec's
 * digest against the registry's).
 * @param out  new result; free with ukiyo_check_result_free. A check that
 *             cannot tell (registry down, locally built image) still
 *             succeeds, with UKIYO_CHECK_UNKNOWN and a reason.
 * @return 0, UKIYO_ENOTFOUND for an unknown container, or another code
 *         when the engine cannot be asked
 */
UKIYO_EXTERN int ukiyo_check(ukiyo_check_result **out, ukiyo *u, const char *container);

/**
 * ukiyo_check() without a request to the registry: the registry's digest is
 * the one it last answered (to a check, a poll or a background look; or a
 * push's), as the handle's store remembers it; UKIYO_CHECK_UNKNOWN "not
 * looked at in its registry yet" when none. ukiyo_check_result_answered_ms()
 * says how old the answer is. What a dashboard shows for many containers:
 * given a container's ID, with an inventory attached (inventory.h), it
 * asks the engine nothing either.
 */
UKIYO_EXTERN int ukiyo_check_cached(ukiyo_check_result **out, ukiyo *u, const char *container);

UKIYO_EXTERN void ukiyo_check_result_free(ukiyo_check_result *result);

/** The container's name. Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_name(const ukiyo_check_result *result);
/** "container", or "service" for a swarm service (named "service/NAME"). */
UKIYO_EXTERN const char *ukiyo_check_result_kind(const ukiyo_check_result *result);
/** The reference the container was started with (Config.Image). Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_image(const ukiyo_check_result *result);
/** The ID of the image the container runs. Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_image_id(const ukiyo_check_result *result);
/** The digest the running image was pulled with, or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_local_digest(const ukiyo_check_result *result);
/** The digest the registry serves for the tag now, or NULL. Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_remote_digest(const ukiyo_check_result *result);
UKIYO_EXTERN ukiyo_check_status ukiyo_check_result_status(const ukiyo_check_result *result);
/**
 * Why the status is what it is, when that needs saying ("pinned to a
 * digest", the registry's error, ...), or NULL. Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_check_result_reason(const ukiyo_check_result *result);
/**
 * Non-zero when the newer image is already pulled and only the container
 * needs to be recreated.
 */
UKIYO_EXTERN int ukiyo_check_result_newer_image_pulled(const ukiyo_check_result *result);

/**
 * The digest a container's image was pulled with from the registry of the
 * reference the container was started with (from the image's RepoDigests).
 * @param digest_out new string ("sha256:..."); free with ukiyo_string_free
 * @return 0, UKIYO_ENOTFOUND when the image has none (built or loaded
 *         locally, or started from an image ID), or another code
 */
UKIYO_EXTERN int ukiyo_container_local_digest(char **digest_out, ukiyo *u,
                                              const ukiyo_container *container);

/** "up-to-date", "update-available" or "unknown". */
UKIYO_EXTERN const char *ukiyo_check_status_name(ukiyo_check_status status);
/**
 * The result as JSON: {"name", "image", "image_id", "local_digest",
 * "remote_digest", "status", "reason", "newer_image_pulled", "policy",
 * "new_tag", "recreate", "recreate_reason", "approve", "min_age_ms",
 * "ages_at_ms", "answered_ms", "window", "window_next_ms", "poll_ms",
 * "left_alone"}, absent values as null (what ukiyod and ukiyoctl print).
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_check_result_json(char **json_out, const ukiyo_check_result *result);
/** The container's tag policy (the ukiyo.policy label; "digest" by default). Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_policy(const ukiyo_check_result *result);
/**
 * The tag its policy would move it to (the status is then
 * UKIYO_CHECK_UPDATE_AVAILABLE), or NULL. Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_check_result_new_tag(const ukiyo_check_result *result);
/**
 * For a container compose started, how an update would recreate it:
 * "compose" (compose itself, from the project's files), "engine" (ukiyo,
 * through the engine) or "refused" (its ukiyo.compose=native cannot be
 * done here); NULL for any other container. Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_check_result_recreate(const ukiyo_check_result *result);
/** Why that way (the program, project and service; or what is missing). Borrowed or NULL. */
UKIYO_EXTERN const char *ukiyo_check_result_recreate_reason(const ukiyo_check_result *result);
/** Whether a push's update of it waits for a person's approval (ukiyo.approve). */
UKIYO_EXTERN int ukiyo_check_result_needs_approval(const ukiyo_check_result *result);
/** Its minimum age (ukiyo.min-age, or the handle's), in ms; 0: none. */
UKIYO_EXTERN int64_t ukiyo_check_result_min_age_ms(const ukiyo_check_result *result);
/**
 * With a minimum age and a newer digest at the registry: when that digest
 * is old enough to apply (first seen plus the minimum age; a digest never
 * seen counts from now); 0 otherwise.
 */
UKIYO_EXTERN int64_t ukiyo_check_result_ages_at_ms(const ukiyo_check_result *result);
/** When the registry gave the digest compared (ms since the epoch); 0: it gave none. */
UKIYO_EXTERN int64_t ukiyo_check_result_answered_ms(const ukiyo_check_result *result);
/** Its update window (cron text: ukiyo.schedule or the handle's), or NULL: any time. Borrowed. */
UKIYO_EXTERN const char *ukiyo_check_result_window(const ukiyo_check_result *result);
/** A window that is closed now: when it next opens (ms since the epoch); 0 otherwise. */
UKIYO_EXTERN int64_t ukiyo_check_result_window_next_ms(const ukiyo_check_result *result);
/** How often it is polled (ukiyo.poll, or the handle's), in ms; 0: pushes only. */
UKIYO_EXTERN int64_t ukiyo_check_result_poll_ms(const ukiyo_check_result *result);
/**
 * Why pushes, polls and windows leave it alone though its labels parse
 * ("monitor-only: ...", "policy never", not enabled under label_enable),
 * or NULL when they update it. Borrowed.
 */
UKIYO_EXTERN const char *ukiyo_check_result_left_alone(const ukiyo_check_result *result);

#ifdef __cplusplus
}
#endif

#endif
