/*
 * manager_result.h - what other modules use of the manager: an update's
 * result as the JSON object a job's results keep (manager_result.c), and a
 * caller's update options copied by their version (manager.c).
 */
#ifndef UKIYO_MANAGER_RESULT_H
#define UKIYO_MANAGER_RESULT_H

#include <jansson.h>

#include "internal.h"

/* The object ukiyo_update_result_json() prints (a new reference; NULL when out of memory). */
json_t *ukiyo__update_result_to_json(const ukiyo_update_result *r);

/*
 * Copy @src (NULL: the defaults) into @dst as this library's version: the
 * fields an older caller's struct lacks take their defaults, none is read
 * past its end. Check the version first (UKIYO__CHECK_VERSION).
 */
void ukiyo__update_options_copy(ukiyo_update_options *dst, const ukiyo_update_options *src);

#endif
