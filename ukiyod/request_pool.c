/*
 * request_pool.c - the request workers: a fixed number of threads, each
 * with a library handle of its own (a handle serves one thread at a time),
 * taking tasks from one bounded queue. The HTTP thread hands them every
 * request that reaches the engine, a registry or the store, so that no
 * request waits behind another; a full queue is answered 503 at once.
 */
#include <stdlib.h>

#include "thread.h"
#include "ukiyod.h"

#define TASKS_PER_WORKER 64

typedef struct {
    pool_task_fn run;
    void *arg;
} pool_task;

typedef struct {
    request_pool *pool;
    ukiyo *u;
} pool_worker;

struct request_pool {
    daemon_thread thread;
    pool_task *queue; /* a ring of queue_max tasks, under thread.lock */
    unsigned queue_max, head, count;
    unsigned nworkers;
    pool_worker *workers;
};

static bool take(request_pool *p, pool_task *t)
{
    pthread_mutex_lock(&p->thread.lock);
    while (!p->count && !p->thread.stop)
        daemon_thread_sleep_locked(&p->thread, -1);
    bool got = p->count > 0; /* what is queued runs even while stopping */
    if (got) {
        *t = p->queue[p->head];
        p->head = (p->head + 1) % p->queue_max;
        p->count--;
    }
    pthread_mutex_unlock(&p->thread.lock);
    return got;
}

static void *worker_main(void *arg)
{
    pool_worker *w = arg;
    pool_task t;

    while (take(w->pool, &t))
        t.run(w->u, t.arg);
    return NULL;
}

bool request_pool_submit(request_pool *p, pool_task_fn run, void *arg)
{
    pthread_mutex_lock(&p->thread.lock);
    bool room = p->count < p->queue_max && !p->thread.stop;
    if (room) {
        p->queue[(p->head + p->count) % p->queue_max] = (pool_task){run, arg};
        p->count++;
        daemon_thread_wake_locked(&p->thread, false);
    }
    pthread_mutex_unlock(&p->thread.lock);
    return room;
}

int request_pool_start(request_pool **out, daemon_state *state)
{
    const daemon_config *cfg = state->cfg;
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    request_pool *p = calloc(1, sizeof(*p));

    if (!p)
        return -1;
    daemon_thread_init(&p->thread);
    p->nworkers = cfg->http_workers;
    p->queue_max = cfg->http_workers * TASKS_PER_WORKER;
    p->queue = calloc(p->queue_max, sizeof(*p->queue));
    p->workers = calloc(p->nworkers, sizeof(*p->workers));
    if (!p->queue || !p->workers)
        goto fail;
    config_library_options(cfg, &opts);
    for (unsigned i = 0; i < p->nworkers; i++) {
        p->workers[i].pool = p;
        if (ukiyo_open(&p->workers[i].u, &opts) < 0)
            goto fail;
        daemon_hooks_install(p->workers[i].u, state); /* a person's approval is an event */
        if (daemon_thread_start(&p->thread, worker_main, &p->workers[i]) < 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    request_pool_free(p); /* stops what started, closes every handle opened */
    return -1;
}

void request_pool_stop(request_pool *p)
{
    if (p)
        daemon_thread_stop(&p->thread);
}

void request_pool_free(request_pool *p)
{
    if (!p)
        return;
    request_pool_stop(p);
    for (unsigned i = 0; p->workers && i < p->nworkers; i++)
        ukiyo_close(p->workers[i].u);
    daemon_thread_destroy(&p->thread);
    free(p->workers);
    free(p->queue);
    free(p);
}
