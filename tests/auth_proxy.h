/*
 * auth_proxy.h - a token-auth front for the real loopback registry.
 *
 * Debian's registry speaks Basic (htpasswd) but its token mode needs a
 * signing token server; this proxy plays Docker Hub's part in front of it:
 * /v2/ requests without "Authorization: Bearer <token>" get a 401 Bearer
 * challenge pointing at its /token endpoint; with the token they are
 * forwarded to the real registry. It can also answer 429 on cue, and be slow.
 */
#ifndef UKIYO_AUTH_PROXY_H
#define UKIYO_AUTH_PROXY_H

#include <stdbool.h>

typedef struct auth_proxy auth_proxy;

/* Start on a free loopback port in front of @upstream ("127.0.0.1:5000").
 * @user/@password: Basic credentials the token endpoint demands, or NULL. */
auth_proxy *auth_proxy_start(const char *upstream, const char *user, const char *password);
void auth_proxy_stop(auth_proxy *p);
/* "127.0.0.1:<port>": the registry name to use in references. */
const char *auth_proxy_address(const auth_proxy *p);
int auth_proxy_token_requests(const auth_proxy *p);
int auth_proxy_registry_requests(const auth_proxy *p);
/* Answer /v2/ requests with 429, Retry-After: 7 and ratelimit-remaining: 0. */
void auth_proxy_set_rate_limited(auth_proxy *p, bool limited);
/* Play a slow registry: every /v2/ answer waits @ms first (0: none). */
void auth_proxy_set_delay_ms(auth_proxy *p, int ms);

#endif
