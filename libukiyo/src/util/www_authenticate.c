/*
 * www_authenticate.c - challenges: scheme followed by comma-separated
 * name=value parameters, values a token or a quoted string with \-escapes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "www_authenticate.h"

#define CHALLENGE_HEADER_MAX 8192

static bool is_token_char(char c)
{
    return c && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~/:", c));
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Read a token or quoted string at @p; returns the position after it, NULL if malformed. */
static const char *read_value(const char *p, char **value_out)
{
    strbuf value = {0};

    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1])
                p++;
            if (ukiyo__strbuf_append(&value, p, 1) < 0)
                goto fail;
        }
        if (*p != '"')
            goto fail;
        p++;
    } else {
        const char *start = p;
        while (is_token_char(*p) || *p == '=')
            p++;
        if (ukiyo__strbuf_append(&value, start, (size_t)(p - start)) < 0)
            goto fail;
    }
    if (!value.data && ukiyo__strbuf_append(&value, "", 0) < 0)
        goto fail;
    *value_out = value.data;
    return p;
fail:
    ukiyo__strbuf_free(&value);
    return NULL;
}

static void store_param(www_challenge *c, const char *name, size_t name_len, char *value)
{
    char **slot = NULL;

    if (name_len == 5 && strncasecmp(name, "realm", 5) == 0)
        slot = &c->realm;
    else if (name_len == 7 && strncasecmp(name, "service", 7) == 0)
        slot = &c->service;
    else if (name_len == 5 && strncasecmp(name, "scope", 5) == 0)
        slot = &c->scope;
    else if (name_len == 5 && strncasecmp(name, "error", 5) == 0)
        slot = &c->error;
    if (slot && !*slot) {
        *slot = value;
        return;
    }
    free(value);
}

/*
 * Parse one challenge starting at @p into @c. Returns the position of the
 * next challenge's scheme (or the end), NULL when malformed.
 */
static const char *parse_one(const char *p, www_challenge *c)
{
    const char *scheme = p;

    while (is_token_char(*p))
        p++;
    if (p == scheme)
        return NULL;
    if ((size_t)(p - scheme) == 6 && strncasecmp(scheme, "Bearer", 6) == 0)
        c->scheme = CHALLENGE_BEARER;
    else if ((size_t)(p - scheme) == 5 && strncasecmp(scheme, "Basic", 5) == 0)
        c->scheme = CHALLENGE_BASIC;
    else
        c->scheme = CHALLENGE_NONE;
    for (;;) {
        p = skip_space(p);
        while (*p == ',')
            p = skip_space(p + 1);
        const char *name = p;
        while (is_token_char(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        const char *after = skip_space(p);
        if (name_len == 0)
            return *p ? NULL : p;
        if (*after != '=')
            return name; /* a token without '=': the next challenge's scheme */
        char *value = NULL;
        p = read_value(skip_space(after + 1), &value);
        if (!p)
            return NULL;
        store_param(c, name, name_len, value);
    }
}

int ukiyo__www_authenticate_parse(www_challenge *out, const char *header)
{
    www_challenge best = {0};
    const char *p;

    if (!header || strlen(header) > CHALLENGE_HEADER_MAX)
        return ukiyo__error_set(UKIYO_EPROTOCOL, "missing or oversized WWW-Authenticate header");
    p = skip_space(header);
    while (*p) {
        www_challenge c = {0};
        const char *next = parse_one(p, &c);
        if (!next || next == p) {
            ukiyo__www_challenge_clear(&c);
            break;
        }
        if (c.scheme > best.scheme) {
            ukiyo__www_challenge_clear(&best);
            best = c;
        } else {
            ukiyo__www_challenge_clear(&c);
        }
        p = next;
    }
    if (best.scheme == CHALLENGE_NONE || (best.scheme == CHALLENGE_BEARER && !best.realm)) {
        ukiyo__www_challenge_clear(&best);
        return ukiyo__error_set(UKIYO_EPROTOCOL, "unusable WWW-Authenticate challenge: %.200s",
                                header);
    }
    *out = best;
    return 0;
}

void ukiyo__www_challenge_clear(www_challenge *c)
{
    free(c->realm);
    free(c->service);
    free(c->scope);
    free(c->error);
    memset(c, 0, sizeof(*c));
}
