/*
 * manager_result.c - what an update, redeploy or rollback hands back: the
 * result object and its getters.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "manager_private.h"
#include "manager_result.h"

void ukiyo__result_set_reason(ukiyo_update_result *r, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = ukiyo__str_vprintf(fmt, ap); /* before the free: the arguments may point into it */
    va_end(ap);
    free(r->reason);
    r->reason = text;
}

UKIYO_EXTERN void ukiyo_update_result_free(ukiyo_update_result *r)
{
    if (!r)
        return;
    free(r->container);
    free(r->image);
    free(r->reason);
    free(r->old_image_id);
    free(r->new_image_id);
    free(r->container_id);
    free(r->strategy);
    free(r->follows);
    free(r->project);
    free(r->service);
    for (size_t i = 0; i < r->followers_count; i++)
        ukiyo_update_result_free(r->followers[i]);
    free(r->followers);
    free(r);
}

int ukiyo__result_add_follower(ukiyo_update_result *r, ukiyo_update_result *follower)
{
    if (UKIYO__RESERVE(r->followers, r->followers_cap, r->followers_count) < 0)
        return UKIYO_ENOMEM;
    r->followers[r->followers_count++] = follower;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_update_result_follower_count(const ukiyo_update_result *r)
{
    return r ? r->followers_count : 0;
}

UKIYO_EXTERN const ukiyo_update_result *ukiyo_update_result_follower(const ukiyo_update_result *r,
                                                                     size_t i)
{
    return r && i < r->followers_count ? r->followers[i] : NULL;
}

UKIYO_EXTERN ukiyo_update_outcome ukiyo_update_result_outcome(const ukiyo_update_result *r)
{
    return r->outcome;
}

UKIYO_EXTERN const char *ukiyo_update_outcome_name(ukiyo_update_outcome outcome)
{
    static const char *const names[] = {"fresh",  "updated", "rolled-back",
                                        "failed", "skipped", "planned"};
    return (unsigned)outcome < ARRAY_SIZE(names) ? names[outcome] : "unknown";
}

UKIYO_EXTERN const char *ukiyo_update_result_container(const ukiyo_update_result *r)
{
    return r->container;
}

UKIYO_EXTERN const char *ukiyo_update_result_image(const ukiyo_update_result *r)
{
    return r->image;
}

UKIYO_EXTERN const char *ukiyo_update_result_reason(const ukiyo_update_result *r)
{
    return r->reason;
}

UKIYO_EXTERN const char *ukiyo_update_result_old_image_id(const ukiyo_update_result *r)
{
    return r->old_image_id;
}

UKIYO_EXTERN const char *ukiyo_update_result_new_image_id(const ukiyo_update_result *r)
{
    return r->new_image_id;
}

UKIYO_EXTERN const char *ukiyo_update_result_container_id(const ukiyo_update_result *r)
{
    return r->container_id;
}

UKIYO_EXTERN const char *ukiyo_update_result_strategy(const ukiyo_update_result *r)
{
    return r->strategy;
}

UKIYO_EXTERN const char *ukiyo_update_result_project(const ukiyo_update_result *r)
{
    return r->project;
}

UKIYO_EXTERN const char *ukiyo_update_result_service(const ukiyo_update_result *r)
{
    return r->service;
}

json_t *ukiyo__update_result_to_json(const ukiyo_update_result *r)
{
    json_t *doc =
        json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "name", r->container,
                  "image", r->image, "outcome", ukiyo_update_outcome_name(r->outcome), "reason",
                  r->reason, "old_image_id", r->old_image_id, "new_image_id", r->new_image_id,
                  "container_id", r->container_id, "strategy", r->strategy, "follows", r->follows);

    /* Only for compose's containers: the keys say which project and service. */
    if (doc && r->project)
        json_object_set_new(doc, "project", json_string(r->project));
    if (doc && r->service)
        json_object_set_new(doc, "service", json_string(r->service));
    return doc;
}

UKIYO_EXTERN int ukiyo_update_result_json(char **json_out, const ukiyo_update_result *r)
{
    if (!json_out || !r)
        return ukiyo__error_set(UKIYO_EINVAL, "update result: NULL argument");
    json_t *doc = ukiyo__update_result_to_json(r);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

void ukiyo__reject_release(transaction *tx, const char *reason)
{
    store_rejection r = {
        .container = (char *)tx->name,
        .image_ref = (char *)tx->ref,
        .image_id = tx->result->new_image_id,
        .digest = tx->new_digest,
        .reason = (char *)reason,
    };

    if (!r.image_id || strcmp(tx->kind, "rollback") == 0)
        return;
    if (ukiyo__store_reject(tx->store, &r) < 0) {
        log_warning("%s: the rejected release could not be recorded: %s", tx->name,
                    ukiyo_error_last());
        ukiyo_error_clear();
    }
    /* The reference the container runs points at what it runs, not at what failed. */
    if (!tx->old_ref && tx->ref &&
        ukiyo__docker_tag_image(tx->docker, tx->journal.old_image_id, tx->ref) < 0) {
        log_warning("%s: %s still points at the rejected image: %s", tx->name, tx->ref,
                    ukiyo_error_last());
        ukiyo_error_clear();
    }
}

void ukiyo__report_phase(const transaction *tx, ukiyo_update_phase phase, int elapsed_s,
                         int limit_s)
{
    if (tx && tx->opts.phase)
        tx->opts.phase(tx->name, phase, elapsed_s, limit_s, tx->opts.phase_payload);
}

UKIYO_EXTERN const char *ukiyo_update_phase_name(ukiyo_update_phase phase)
{
    static const char *const names[] = {"creating",       "stopping the old one",
                                        "starting",       "waiting for health",
                                        "switching over", "rolling back",
                                        "replacing tasks"};
    return (unsigned)phase < ARRAY_SIZE(names) ? names[phase] : "unknown";
}
