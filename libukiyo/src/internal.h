/*
 * internal.h - what every file of libukiyo has: the utilities (util/util.h)
 * and the few library-wide calls below; never installed.
 */
#ifndef UKIYO_INTERNAL_H
#define UKIYO_INTERNAL_H

#include "util.h"

/*
 * Whether a registry ("host[:port]") is this machine: exactly "localhost",
 * an IPv4 literal in 127.0.0.0/8 or "[::1]", with an optional numeric port.
 * Only those may be spoken to in plain HTTP without being listed as insecure.
 */
bool ukiyo__registry_is_loopback(const char *registry);

/*
 * The credential for the registry of image reference @image (auth.c), or
 * NULL for anonymous access (none found, or a reference that does not parse).
 */
ukiyo_credential *ukiyo__auth_lookup_image(ukiyo_auth *auth, const char *image);

/* Tell the handle's update hook (ukiyo_set_update_hook) about a concluded transaction. */
void ukiyo__context_call_update_hook(ukiyo *u, const ukiyo_update_result *r);
/* Whether ukiyo_interrupt() was called on @u. */
bool ukiyo__context_interrupted(ukiyo *u);
/* Of @u's scope (ukiyo_options.scope); label_enable aside: looks see what it excludes. */
bool ukiyo__container_in_scope(const ukiyo *u, const ukiyo_container *c);
/* The job hook's slot (ukiyo_set_job_hook() in jobs.c). */
void ukiyo__context_set_job_hook(ukiyo *u, ukiyo_job_hook_fn fn, void *payload);
ukiyo_job_hook_fn ukiyo__context_job_hook(ukiyo *u, void **payload_out);

#endif
