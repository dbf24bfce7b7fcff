/*
 * jobs_private.h - what the queue (jobs.c) and the worker step (jobs_run.c)
 * share.
 */
#ifndef UKIYO_JOBS_PRIVATE_H
#define UKIYO_JOBS_PRIVATE_H

#include "deployments_private.h"

/* Record a sqlite failure as the last error; returns UKIYO_EIO. */
int jobs_sql_fail(ukiyo_store *s, const char *what);
/* The handle's store, or NULL with the last error set. */
ukiyo_store *jobs_store_of(ukiyo *u);

#endif
