/*
 * recreate.h - the spec of a container that replaces another: everything
 * the user set is kept, everything that came from the old image's defaults
 * is dropped so that the new image's defaults apply. Pure: no I/O.
 */
#ifndef UKIYO_RECREATE_H
#define UKIYO_RECREATE_H

#include <jansson.h>

#include "internal.h"

typedef struct {
    json_t *container;     /* the old container's inspect document (borrowed) */
    json_t *old_image;     /* its image's inspect document, or NULL when gone (borrowed) */
    const char *image_ref; /* the reference to create the new one from */
    int api_minor;         /* negotiated Engine API 1.<minor> */
    /* Volume names not to re-mount by name (they come from VolumesFrom containers). */
    const char *const *inherited_volumes;
    /* The image ID image_ref names now, or NULL: compose 2.x's label says it (recreate.c). */
    const char *new_image_id;
} recreate_input;

/*
 * Build the create body (Config fields, HostConfig, NetworkingConfig).
 * @spec_out: new reference. @extra_networks_out: new array of
 * {"Name":..., "EndpointConfig":{...}} to connect after create (engines
 * before API 1.44 take one network at create); empty when none.
 * @return 0, UKIYO_EINVAL when the document is not a container's inspect.
 */
int ukiyo__recreate_spec(const recreate_input *in, json_t **spec_out, json_t **extra_networks_out);

#endif
