/*
 * engine_watch.c - whether the engine answers, as health reports it.
 *
 * Health must answer at once, even while the engine is slow or gone, so it
 * never asks the engine itself: it reads what this thread last saw and, when
 * that is older than ENGINE_FRESH_MS, asks the thread to look again. The
 * thread pings with a short timeout of its own and sleeps when nobody asks,
 * so an idle daemon does not wake up for it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ukiyod.h"

#define ENGINE_FRESH_MS 2000
#define ENGINE_PING_TIMEOUT_MS 2000

struct engine_watch {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop, asked;
    ukiyo_docker *docker;
    /* What the last ping found. */
    bool reachable;
    char api_version[16];
    char error[256];
    long long checked_ms; /* 0: never */
};

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ping(engine_watch *w)
{
    int err = ukiyo_docker_ping(w->docker);
    const char *version = err == 0 ? ukiyo_docker_api_version(w->docker) : NULL;

    pthread_mutex_lock(&w->lock);
    w->reachable = err == 0;
    snprintf(w->api_version, sizeof(w->api_version), "%s", version ? version : "");
    snprintf(w->error, sizeof(w->error), "%s", err == 0 ? "" : ukiyo_error_last());
    w->checked_ms = monotonic_ms();
    pthread_mutex_unlock(&w->lock);
}

static void *watch_main(void *arg)
{
    engine_watch *w = arg;

    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->asked && !w->stop)
            pthread_cond_wait(&w->wake, &w->lock);
        w->asked = false;
        bool stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            return NULL;
        ping(w);
    }
}

json_t *engine_watch_json(engine_watch *w)
{
    pthread_mutex_lock(&w->lock);
    long long age = w->checked_ms ? monotonic_ms() - w->checked_ms : -1;
    json_t *doc = json_pack("{s:b, s:s?, s:s?, s:I}", "reachable", w->reachable, "api_version",
                            w->reachable ? w->api_version : NULL, "error",
                            w->reachable || age < 0 ? NULL : w->error, "checked_ms_ago",
                            (json_int_t)age);
    if (age < 0 || age > ENGINE_FRESH_MS) {
        w->asked = true;
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->lock);
    return doc;
}

int engine_watch_start(engine_watch **out, const daemon_config *cfg)
{
    ukiyo_docker_options opts = UKIYO_DOCKER_OPTIONS_INIT;
    engine_watch *w = calloc(1, sizeof(*w));

    if (!w)
        return -1;
    opts.host = cfg->docker_host;
    opts.timeout_ms = ENGINE_PING_TIMEOUT_MS;
    if (ukiyo_docker_new(&w->docker, &opts) < 0) {
        free(w);
        return -1;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    ping(w); /* the first health answer knows */
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        ukiyo_docker_free(w->docker);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void engine_watch_stop(engine_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    ukiyo_docker_free(w->docker);
    free(w);
}
