/*
 * deployments_private.h - what the job worker needs of deployments.
 */
#ifndef UKIYO_DEPLOYMENTS_PRIVATE_H
#define UKIYO_DEPLOYMENTS_PRIVATE_H

#include <jansson.h>

#include "store_internal.h"

typedef struct {
    char *name; /* registry/repository */
    char *registry;
    char *repository;
    char *container;
    json_t *ports; /* [{exportPort, internalPort}] as numbers */
    int64_t scheduled_at_ms;
    bool downtime; /* wait for scheduled_at_ms */
    char *window;  /* update window (cron), or NULL: the container's label or --schedule */
} deployment;

void ukiyo__deployment_clear(deployment *d);
/* The deployment of registry/repository, or named @name. 0 or UKIYO_ENOTFOUND. */
int ukiyo__deployment_find(ukiyo_store *s, const char *registry, const char *repository,
                           const char *name, deployment *d);
/* Pull @ref and create + start the deployment's first container. */
int ukiyo__deployment_create_container(ukiyo *u, const deployment *d, const char *ref);

#endif
