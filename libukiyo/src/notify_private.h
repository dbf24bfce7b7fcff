/*
 * notify_private.h - one notification target, shared by notify.c (parsing,
 * HTTP targets) and notify_smtp.c (e-mail).
 */
#ifndef UKIYO_NOTIFY_PRIVATE_H
#define UKIYO_NOTIFY_PRIVATE_H

#include "internal.h"

typedef enum { TARGET_WEBHOOK, TARGET_SLACK, TARGET_DISCORD, TARGET_NTFY, TARGET_SMTP } target_kind;

typedef struct {
    target_kind kind;
    char *url;  /* http(s) URL; for e-mail smtp(s)://host:port */
    char *name; /* without secrets */
    /* e-mail */
    char *user, *password, *from, *cacert;
    ukiyo_string_list to;
    bool starttls;
} notify_target;

/* Parse an smtp:// or smtps:// target into @t (its kind, url, name set by the caller's scheme). */
int ukiyo__smtp_target_parse(const char *text, notify_target *t);
/* Send one e-mail: @subject, @text. 0, or an error with the server's words. */
int ukiyo__smtp_send(const notify_target *t, const char *subject, const char *text,
                     long timeout_ms);

#endif
