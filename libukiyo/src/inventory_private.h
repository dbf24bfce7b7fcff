/*
 * inventory_private.h - what a handle's scans read through the inventory
 * (inventory.c): a document it knows, else the engine's answer (kept for
 * next time). With @inv NULL, just the engine's.
 */
#ifndef UKIYO_INVENTORY_PRIVATE_H
#define UKIYO_INVENTORY_PRIVATE_H

#include "internal.h"

/* The inspect document of container @id (an ID: names change). */
int ukiyo__inventory_inspect(ukiyo_inventory *inv, ukiyo_docker *d, const char *id,
                             ukiyo_container **out);
/* The inspect document of image @image_id (an ID or a reference). */
int ukiyo__inventory_image(ukiyo_inventory *inv, ukiyo_docker *d, const char *image_id,
                           ukiyo_image_info **out);
/* The handle's inventory, or NULL (context.c). */
ukiyo_inventory *ukiyo__context_inventory(ukiyo *u);

#endif
