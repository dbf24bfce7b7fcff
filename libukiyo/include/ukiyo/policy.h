/*
 * ukiyo/policy.h - tag policies: which tag a container follows.
 *
 * The ukiyo.policy label names one: "digest" (the default: the same tag,
 * a new image), "patch", "minor", "major", "all" (semantic-version tags,
 * with or without a leading "v"), "regex:<POSIX extended pattern>", or
 * "never". A policy never moves a container to an older tag.
 *
 * patch: same major.minor, a higher patch; minor: same major; major: any
 * higher version. Pre-releases ("1.3.0-rc.1") count only when the current
 * tag is one, except for "all", which takes them too. Tags of another
 * shape ("1.3" beside "1.2.9") are not candidates. regex: the greatest tag
 * that matches, ordered as ukiyo_tag_compare() orders them.
 */
#ifndef UKIYO_POLICY_H
#define UKIYO_POLICY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    UKIYO_POLICY_DIGEST = 0,
    UKIYO_POLICY_PATCH,
    UKIYO_POLICY_MINOR,
    UKIYO_POLICY_MAJOR,
    UKIYO_POLICY_ALL,
    UKIYO_POLICY_REGEX,
    UKIYO_POLICY_NEVER
} ukiyo_policy_kind;

typedef struct ukiyo_policy ukiyo_policy;

/**
 * Parse a policy; NULL or "" is "digest".
 * @param out new policy; free with ukiyo_policy_free
 * @return 0 or UKIYO_EINVAL with the reason (an unknown name, a bad regex)
 */
UKIYO_EXTERN int ukiyo_policy_parse(ukiyo_policy **out, const char *text);
UKIYO_EXTERN void ukiyo_policy_free(ukiyo_policy *policy);
UKIYO_EXTERN ukiyo_policy_kind ukiyo_policy_get_kind(const ukiyo_policy *policy);
/** The policy as written ("minor", "regex:^1\\."). Borrowed. */
UKIYO_EXTERN const char *ukiyo_policy_text(const ukiyo_policy *policy);
/**
 * The tag @p policy moves a container on @p current to, among @p tags.
 * @param tag_out new string, or NULL when no tag is newer (and always for
 *                digest and never)
 * @return 0, or UKIYO_EINVAL when a version policy meets a tag that is no version
 */
UKIYO_EXTERN int ukiyo_policy_choose(char **tag_out, const ukiyo_policy *policy,
                                     const char *current, const ukiyo_string_list *tags);
/**
 * Order two tags: by semantic version when both are versions of the same
 * shape, else naturally (digit runs as numbers). <0, 0 or >0.
 */
UKIYO_EXTERN int ukiyo_tag_compare(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
