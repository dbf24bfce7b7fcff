/*
 * www_authenticate.h - parse a registry's WWW-Authenticate challenge
 * (RFC 7235 syntax). The header is untrusted input: fuzzed in tests/fuzz.
 */
#ifndef UKIYO_WWW_AUTHENTICATE_H
#define UKIYO_WWW_AUTHENTICATE_H

#include "util.h"

typedef enum { CHALLENGE_NONE, CHALLENGE_BASIC, CHALLENGE_BEARER } challenge_scheme;

typedef struct {
    challenge_scheme scheme;
    char *realm;
    char *service;
    char *scope;
    char *error; /* "insufficient_scope", ... */
} www_challenge;

/*
 * Parse @header; of several challenges Bearer wins over Basic.
 * @return 0, or UKIYO_EPROTOCOL when no Basic or Bearer challenge can be read
 *         (or a Bearer challenge has no realm).
 */
int ukiyo__www_authenticate_parse(www_challenge *out, const char *header);
void ukiyo__www_challenge_clear(www_challenge *c);

#endif
