/*
 * manager_result.h - what other modules use of an update's result: its
 * JSON object (manager_result.c), as a job's results keep it.
 */
#ifndef UKIYO_MANAGER_RESULT_H
#define UKIYO_MANAGER_RESULT_H

#include <jansson.h>

#include "internal.h"

/* The object ukiyo_update_result_json() prints (a new reference; NULL when out of memory). */
json_t *ukiyo__update_result_to_json(const ukiyo_update_result *r);

#endif
