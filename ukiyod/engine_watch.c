/*
 * engine_watch.c - whether the engine answers, as health reports it.
 *
 * Health must answer at once, even while the engine is slow or gone, so it
 * never asks the engine itself: it reads what this thread last saw and, when
 * that is older than ENGINE_FRESH_MS, asks the thread to look again. The
 * thread pings with a short timeout of its own and sleeps when nobody asks,
 * so an idle daemon does not wake up for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread.h"
#include "ukiyod.h"

#define ENGINE_FRESH_MS 2000
#define ENGINE_PING_TIMEOUT_MS 2000

struct engine_watch {
    daemon_thread thread;
    bool asked; /* under thread.lock, as what follows */
    ukiyo_docker *docker;
    /* What the last ping found. */
    bool reachable;
    char api_version[16];
    char error[256];
    long long checked_ms; /* 0: never */
};

static void ping(engine_watch *w)
{
    int err = ukiyo_docker_ping(w->docker);
    const char *version = err == 0 ? ukiyo_docker_api_version(w->docker) : NULL;

    pthread_mutex_lock(&w->thread.lock);
    w->reachable = err == 0;
    snprintf(w->api_version, sizeof(w->api_version), "%s", version ? version : "");
    snprintf(w->error, sizeof(w->error), "%s", err == 0 ? "" : ukiyo_error_last());
    w->checked_ms = monotonic_ms();
    pthread_mutex_unlock(&w->thread.lock);
}

static void *watch_main(void *arg)
{
    engine_watch *w = arg;

    for (;;) {
        pthread_mutex_lock(&w->thread.lock);
        while (!w->asked && !w->thread.stop)
            daemon_thread_sleep_locked(&w->thread, -1);
        w->asked = false;
        bool stop = w->thread.stop;
        pthread_mutex_unlock(&w->thread.lock);
        if (stop)
            return NULL;
        ping(w);
    }
}

json_t *engine_watch_json(engine_watch *w)
{
    pthread_mutex_lock(&w->thread.lock);
    long long age = w->checked_ms ? monotonic_ms() - w->checked_ms : -1;
    json_t *doc =
        json_pack("{s:b, s:s?, s:s?, s:I}", "reachable", w->reachable, "api_version",
                  w->reachable ? w->api_version : NULL, "error",
                  w->reachable || age < 0 ? NULL : w->error, "checked_ms_ago", (json_int_t)age);
    if (age < 0 || age > ENGINE_FRESH_MS) {
        w->asked = true;
        daemon_thread_wake_locked(&w->thread, false);
    }
    pthread_mutex_unlock(&w->thread.lock);
    return doc;
}

int engine_watch_start(engine_watch **out, const daemon_config *cfg)
{
    ukiyo_docker_options opts = UKIYO_DOCKER_OPTIONS_INIT;
    engine_watch *w = calloc(1, sizeof(*w));

    if (!w)
        return -1;
    daemon_thread_init(&w->thread);
    opts.host = cfg->docker_host;
    opts.timeout_ms = ENGINE_PING_TIMEOUT_MS;
    if (ukiyo_docker_new(&w->docker, &opts) < 0) {
        engine_watch_stop(w);
        return -1;
    }
    ping(w); /* the first health answer knows */
    if (daemon_thread_start(&w->thread, watch_main, w) < 0) {
        engine_watch_stop(w);
        return -1;
    }
    *out = w;
    return 0;
}

void engine_watch_stop(engine_watch *w)
{
    if (!w)
        return;
    daemon_thread_stop(&w->thread);
    daemon_thread_destroy(&w->thread);
    ukiyo_docker_free(w->docker);
    free(w);
}
