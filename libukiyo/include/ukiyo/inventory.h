/*
 * ukiyo/inventory.h - a live view of the engine's containers, kept current
 * by following its event stream (GET /events).
 *
 * A program that runs for long (ukiyod) makes one inventory, runs
 * ukiyo_inventory_follow() on a thread of its own with an engine client of
 * its own, and attaches the inventory to its handles with
 * ukiyo_set_inventory(). While it follows, a handle's scans (polls,
 * background looks, jobs matching a push) read what the engine already
 * told instead of inspecting every container and image again: only what
 * changed since is asked. A container started or renamed is told to the
 * callback at once, so a scheduler can look at it without waiting for its
 * next scan.
 *
 * Thread safety: every function here may be called from any thread; the
 * inventory has its own lock. It must outlive the handles it is attached to.
 */
#ifndef UKIYO_INVENTORY_H
#define UKIYO_INVENTORY_H

#include "common.h"
#include "context.h"
#include "docker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo_inventory ukiyo_inventory;

/**
 * Told of each container event that may matter to a scan: "start",
 * "rename", "destroy", "update" (@action), with the container's ID and
 * name (either may be NULL). Called on the following thread.
 */
typedef void (*ukiyo_inventory_fn)(const char *action, const char *id, const char *name,
                                   void *payload);

/** A new, empty inventory; free with ukiyo_inventory_free. */
UKIYO_EXTERN int ukiyo_inventory_new(ukiyo_inventory **out);
/** Free it; no thread may follow it or use a handle it is attached to any more. NULL: nothing. */
UKIYO_EXTERN void ukiyo_inventory_free(ukiyo_inventory *inventory);

/**
 * Follow the engine's events through @docker (a client no other thread
 * uses) until the stream ends or ukiyo_inventory_stop() is called. What it
 * knew before is forgotten when it starts (events from the second before
 * are asked for again, so nothing falls in between). Blocks.
 * @param fn   told of container events (may be NULL)
 * @return 0 when stopped; else the error that ended the stream (call it
 *         again, after a pause, to follow again)
 */
UKIYO_EXTERN int ukiyo_inventory_follow(ukiyo_inventory *inventory, ukiyo_docker *docker,
                                        ukiyo_inventory_fn fn, void *payload);
/** Make ukiyo_inventory_follow() return within about a second (and any later call at once). */
UKIYO_EXTERN void ukiyo_inventory_stop(ukiyo_inventory *inventory);
/** Non-zero while ukiyo_inventory_follow() follows the stream. */
UKIYO_EXTERN int ukiyo_inventory_following(ukiyo_inventory *inventory);
/** How many container starts and renames it has been told of: a scan is due when it grows. */
UKIYO_EXTERN uint64_t ukiyo_inventory_changes(ukiyo_inventory *inventory);

/**
 * Attach @inventory (borrowed; NULL detaches) to @u: its scans read from it
 * while it follows. Call before the handle is used by other threads.
 */
UKIYO_EXTERN void ukiyo_set_inventory(ukiyo *u, ukiyo_inventory *inventory);

/**
 * Container @p id's inspect document as @p u's inventory knows it: no
 * engine request while the inventory follows and was told of it, else the
 * engine's answer (kept for next time). A name is always asked of the
 * engine (only IDs are kept). Free with ukiyo_container_free().
 */
UKIYO_EXTERN int ukiyo_inventory_inspect(ukiyo_container **out, ukiyo *u, const char *id);

#ifdef __cplusplus
}
#endif

#endif
