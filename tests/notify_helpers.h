/*
 * notify_helpers.h - the local notification receivers
 * (tests/env/notify-receivers.py: HTTP and an SMTP sink with STARTTLS),
 * started per test with a self-signed certificate, and what they received.
 */
#ifndef UKIYO_NOTIFY_HELPERS_H
#define UKIYO_NOTIFY_HELPERS_H

#include <jansson.h>
#include <sys/types.h>

typedef struct {
    char dir[128];
    char cert[192];
    int http_port, smtp_port;
    pid_t pid;
} receivers;

void receivers_start(receivers *rx);
void receivers_stop(receivers *rx);
/*
 * The @n-th (1-based) delivery of @kind ("http" or "mail") to @path (HTTP
 * only; NULL: any), waiting up to 20 s; fails the test when it never comes.
 * New reference.
 */
json_t *receivers_wait(receivers *rx, const char *kind, const char *path, int n);
/* How many HTTP deliveries reached @path so far. */
int receivers_count(receivers *rx, const char *path);

#endif
