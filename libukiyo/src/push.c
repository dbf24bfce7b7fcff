/*
 * push.c - a webhook delivery into events (ukiyo_push_parse), and GitHub's
 * HMAC. The formats' readers are in push_formats.c, the event list they
 * fill in push_events.c.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "push_private.h"

UKIYO_EXTERN int ukiyo_push_parse(ukiyo_push_events **out, const ukiyo_push_request *req)
{
    ukiyo_push_events *ev;
    json_error_t jerr;
    json_t *body;
    int err;

    UKIYO__CHECK_VERSION(req, UKIYO_PUSH_REQUEST_VERSION, "ukiyo_push_request");
    if (!out || !req || (!req->body && req->body_len))
        return ukiyo__error_set(UKIYO_EINVAL, "webhook: NULL argument");
    if (req->body_len > UKIYO_PUSH_BODY_MAX)
        return ukiyo__error_set(UKIYO_EINVAL, "webhook body larger than %d bytes",
                                UKIYO_PUSH_BODY_MAX);
    body = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body)
        return ukiyo__error_set(UKIYO_EINVAL, "webhook body is not JSON: %s (line %d)", jerr.text,
                                jerr.line);
    ev = ukiyo__push_events_new();
    err = ev ? ukiyo__push_read_format(ev, req, body) : UKIYO_ENOMEM;
    json_decref(body);
    if (err == 0 && ev->count == 0 && ev->invalid > 0)
        err = ukiyo__error_set(UKIYO_EINVAL, "webhook (%s): no valid image reference in it",
                               ev->format);
    if (err < 0) {
        ukiyo_push_events_free(ev);
        return err;
    }
    const char *delivery = ukiyo__push_header(req, "X-GitHub-Delivery");
    if (delivery && delivery[0] && strlen(delivery) < 128)
        ev->delivery_id = strdup(delivery);
    *out = ev;
    return 0;
}

UKIYO_EXTERN int ukiyo_push_verify_hmac_sha256(const char *body, size_t body_len,
                                               const char *secret, const char *signature)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];

    if (!secret || !secret[0] || !signature || !ukiyo__str_has_prefix(signature, "sha256="))
        return ukiyo__error_set(UKIYO_EAUTH, "webhook signature missing or not sha256=<hex>");
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, body_len, mac,
              &mac_len))
        return ukiyo__error_set(UKIYO_EAUTH, "cannot compute the HMAC");
    for (unsigned i = 0; i < mac_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    if (!ukiyo__str_equal_secret(hex, signature + 7))
        return ukiyo__error_set(UKIYO_EAUTH, "webhook signature does not match");
    return 0;
}

UKIYO_EXTERN int ukiyo_push_request_init(ukiyo_push_request *opts, unsigned int version)
{
    static const ukiyo_push_request template = UKIYO_PUSH_REQUEST_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version, UKIYO_PUSH_REQUEST_VERSION,
                               "ukiyo_push_request");
}
