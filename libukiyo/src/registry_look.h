/*
 * registry_look.h - a registry's answer for a tag, asked and remembered
 * (registry_look.c). Checks, polls and the plan's gates ask through here.
 */
#ifndef UKIYO_REGISTRY_LOOK_H
#define UKIYO_REGISTRY_LOOK_H

#include "internal.h"

/*
 * Ask @ref's registry for the tag's digest (a manifest HEAD) and remember
 * its answer, the digest or the error, in the handle's store. As
 * ukiyo_registry_manifest_digest() otherwise: 0 and a new *@digest_out, or
 * the registry's error.
 */
int ukiyo__registry_look(ukiyo *u, const ukiyo_image_ref *ref, char **digest_out);

#endif
