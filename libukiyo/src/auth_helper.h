/*
 * auth_helper.h - Docker credential helpers (docker-credential-<name> get).
 */
#ifndef UKIYO_AUTH_HELPER_H
#define UKIYO_AUTH_HELPER_H

#include "internal.h"

/*
 * Ask docker-credential-@helper for @server_url's credential (the helper
 * reads the URL on stdin and prints {"Username":..,"Secret":..}).
 * @return 0, UKIYO_ENOTFOUND when the helper has none, UKIYO_EIO when it
 *         cannot be run, fails, or takes longer than 10 seconds.
 */
int ukiyo__credential_helper_get(ukiyo_credential **out, const char *helper, const char *server_url,
                                 const char *registry);

#endif
