/*
 * notify_helpers.c - see notify_helpers.h.
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify_helpers.h"
#include "testlib.h"

void receivers_start(receivers *rx)
{
    snprintf(rx->dir, sizeof(rx->dir), "/tmp/ukiyo-test-%d-notify", (int)getpid());
    snprintf(rx->cert, sizeof(rx->cert), "%s/cert.pem", rx->dir);
    rx->http_port = test_free_port();
    rx->smtp_port = test_free_port();
    ck_assert_int_eq(test_sh(NULL,
                             "rm -rf %s && mkdir -p %s/in && "
                             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                             "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                             "-keyout %s/key.pem -out %s >/dev/null 2>&1",
                             rx->dir, rx->dir, rx->dir, rx->cert),
                     0);
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out,
                             "python3 %s/notify-receivers.py %s/in %d %d %s %s/key.pem "
                             ">%s/log 2>&1 & echo $!",
                             getenv("UKIYO_TEST_ENV"), rx->dir, rx->http_port, rx->smtp_port,
                             rx->cert, rx->dir, rx->dir),
                     0);
    rx->pid = (pid_t)atoi(out);
    free(out);
    for (int i = 0; i < 100; i++) {
        if (test_sh(NULL, "test -e %s/in/ready", rx->dir) == 0)
            return;
        usleep(100000);
    }
    ck_abort_msg("the notification receivers did not start (see %s/log)", rx->dir);
}

void receivers_stop(receivers *rx)
{
    if (rx->pid > 0)
        kill(rx->pid, SIGTERM);
    test_sh(NULL, "rm -rf %s", rx->dir);
}

/* The deliveries of @kind, oldest first, that match @path. */
static json_t *deliveries(receivers *rx, const char *kind, const char *path)
{
    json_t *list = json_array();
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%s-", kind);
    for (int i = 1; i < 1000; i++) {
        char file[256];
        snprintf(file, sizeof(file), "%s/in/%s%d.json", rx->dir, prefix, i);
        json_t *doc = json_load_file(file, 0, NULL);
        if (!doc)
            continue;
        const char *p = json_string_value(json_object_get(doc, "path"));
        if (!path || (p && strcmp(p, path) == 0))
            json_array_append(list, doc);
        json_decref(doc);
    }
    return list;
}

json_t *receivers_wait(receivers *rx, const char *kind, const char *path, int n)
{
    for (int tries = 0; tries < 200; tries++) {
        json_t *list = deliveries(rx, kind, path);
        if ((int)json_array_size(list) >= n) {
            json_t *doc = json_incref(json_array_get(list, (size_t)n - 1));
            json_decref(list);
            return doc;
        }
        json_decref(list);
        usleep(100000);
    }
    ck_abort_msg("no %s delivery #%d to %s", kind, n, path ? path : "(any)");
    return NULL;
}

int receivers_count(receivers *rx, const char *path)
{
    json_t *list = deliveries(rx, "http", path);
    int n = (int)json_array_size(list);
    json_decref(list);
    return n;
}
