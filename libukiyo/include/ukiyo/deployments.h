/*
 * ukiyo/deployments.h - the seed's "repository scheduled time": a
 * repository whose pushes ukiyo deploys as a container of its own, with
 * the port bindings given, at once or at the scheduled time.
 *
 * A deployment is {"name": "registry/repository" (as pushed), "bindingPort":
 * [{"exportPort": host port, "internalPort": container port}], "scheduledAt":
 * unix seconds (number or string), "scheduledDowntime": bool, and optionally
 * "containerName" and "window" (a cron expression, see ukiyo/scheduler.h)}.
 * A push for the repository creates the container (named after the
 * repository's last component unless containerName says otherwise, labelled
 * ukiyo.deployment=<name> and ukiyo.schedule=<window>) if it does not exist,
 * or updates it: at once when scheduledDowntime is false, at scheduledAt
 * when it is true, and in either case only while its window is open (else
 * when it next opens). The wait is a job in the store: a restart does not
 * lose it.
 */
#ifndef UKIYO_DEPLOYMENTS_H
#define UKIYO_DEPLOYMENTS_H

#include "common.h"
#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Save a deployment from its JSON (above).
 * @param replace 0: a new one (UKIYO_ECONFLICT when it exists); 1: change one
 *                (UKIYO_ENOTFOUND when it does not)
 * @return 0; UKIYO_EINVAL with the reason for a missing or malformed field;
 *         UKIYO_ECONFLICT when another deployment exports one of its host
 *         ports or uses its container name
 */
UKIYO_EXTERN int ukiyo_deployment_save(ukiyo *u, const char *json, int replace);

/** Delete a deployment (its container stays). 0 or UKIYO_ENOTFOUND. */
UKIYO_EXTERN int ukiyo_deployment_delete(ukiyo *u, const char *name);

/**
 * The deployments as a JSON array of {"name", "containerName", "bindingPort",
 * "scheduledAt", "scheduledDowntime", "window" (null without one)}.
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_deployments_json(char **json_out, ukiyo *u);

#ifdef __cplusplus
}
#endif

#endif
