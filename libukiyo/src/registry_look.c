/*
 * registry_look.c - ask a registry for a tag's digest and remember what it
 * said (the digest, or why there was none) in the handle's store: what
 * ukiyo_check_cached() and the dashboard show without asking again.
 */
#include <stdlib.h>

#include "registry_look.h"
#include "store_internal.h"

int ukiyo__registry_look(ukiyo *u, const ukiyo_image_ref *ref, char **digest_out)
{
    ukiyo_store *s = ukiyo_get_store(u);
    int err = ukiyo_registry_manifest_digest(digest_out, ukiyo_get_registry(u), ref);

    if (s && ukiyo_image_ref_tag(ref)) {
        char *why = err < 0 ? ukiyo__str_dup(ukiyo_error_last()) : NULL;
        if (ukiyo__store_answer_note(s, ukiyo_image_ref_registry(ref),
                                     ukiyo_image_ref_repository(ref), ukiyo_image_ref_tag(ref),
                                     err == 0 ? *digest_out : NULL, why, ukiyo_now_ms(u)) < 0)
            log_warning("cannot remember the registry's answer for %s: %s",
                        ukiyo_image_ref_string(ref), ukiyo_error_last());
        /* The registry's error is the one the caller gets. */
        if (err < 0)
            ukiyo__error_set(err, "%s", why ? why : "out of memory");
        else
            ukiyo_error_clear();
        free(why);
    }
    return err;
}
