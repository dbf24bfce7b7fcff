/*
 * daemon_helpers.h - what the ukiyod suites share: ukiyod started as a
 * process on a free port with a directory of its own, HTTP requests to it,
 * and waiting for what it does to containers.
 */
#ifndef UKIYO_DAEMON_HELPERS_H
#define UKIYO_DAEMON_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int port;
    char dir[128];
    const char *env; /* extra environment, "NAME=value ", or NULL */
} daemon_proc;

typedef struct {
    long status;
    char *body;
    size_t len;
} reply;
/* Start ukiyod (under $UKIYO_PROGRAM_WRAPPER) with @extra flags; waits until it answers. */
void start_daemon(daemon_proc *d, const char *extra);
/* Send @sig; the exit status (-1 when killed or when it did not exit within 30 s). */
int signal_daemon(daemon_proc *d, int sig);
/* The same, waiting @seconds before it kills. */
int signal_daemon_within(daemon_proc *d, int sig, int seconds);
/* SIGTERM, remove its directory; the exit status. */
int stop_daemon(daemon_proc *d);
/* A file the daemon wrote in its directory (its secrets). New string. */
char *daemon_file(const daemon_proc *d, const char *name);

reply request_with(const daemon_proc *d, const char *method, const char *path, const char *body,
                   const char *header);
reply request(const daemon_proc *d, const char *method, const char *path, const char *body);
/* What a GET of stream @path (with the token, and @last_event_id or NULL) sent in @ms. */
reply stream_for(const daemon_proc *d, const char *path, const char *last_event_id, long ms);
/* The same, ending early once @until was sent @times times. */
reply stream_until(const daemon_proc *d, const char *path, const char *last_event_id, long ms,
                   const char *until, int times);
/* GET with the daemon's API token. */
reply api(const daemon_proc *d, const char *path);
/* Any method with the daemon's API token. */
reply api_send(const daemon_proc *d, const char *method, const char *path, const char *body);
/* Fail unless @r has @status (and @words in its body); frees the body. */
void expect_status(reply r, long status, const char *words);

/* Poll until the container serves @want (60 s at most). */
bool serves_within(const char *name, const char *want);
/* Poll a job until it is done (60 s); its JSON (new). */
char *job_done(daemon_proc *d, const char *job_href);
/* The "href" of a 202 answer (new). */
char *href_of(const char *body);
/* Post ukiyo's generic webhook for @ref; expects 202. */
void post_generic(daemon_proc *d, const char *ref);
/* Post a generic webhook for @image and wait for its job; the job's JSON (new). */
char *webhook_job(daemon_proc *d, const char *image);

#endif
