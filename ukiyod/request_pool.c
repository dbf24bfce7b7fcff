/*
 * request_pool.c - the request workers: a fixed number of threads, each
 * with a library handle of its own (a handle serves one thread at a time),
 * taking tasks from one bounded queue. The HTTP thread hands them every
 * request that reaches the engine, a registry or the store, so that no
 * request waits behind another; a full queue is answered 503 at once.
 */
#include <pthread.h>
#include <stdlib.h>

#include "ukiyod.h"

typedef struct {
    pool_task_fn run;
    void *arg;
} pool_task;

typedef struct {
    request_pool *pool;
    pthread_t thread;
    ukiyo *u;
} pool_worker;

struct request_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    pool_task *queue; /* a ring of queue_max tasks */
    unsigned queue_max, head, count;
    unsigned nworkers; /* threads running */
    unsigned nhandles; /* library handles, one per worker */
    pool_worker *workers;
};

static bool take(request_pool *p, pool_task *t)
{
    pthread_mutex_lock(&p->lock);
    while (!p->count && !p->stop)
        pthread_cond_wait(&p->wake, &p->lock);
    bool got = p->count > 0; /* what is queued runs even while stopping */
    if (got) {
        *t = p->queue[p->head];
        p->head = (p->head + 1) % p->queue_max;
        p->count--;
    }
    pthread_mutex_unlock(&p->lock);
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
    pthread_mutex_lock(&p->lock);
    bool room = p->count < p->queue_max && !p->stop;
    if (room) {
        p->queue[(p->head + p->count) % p->queue_max] = (pool_task){run, arg};
        p->count++;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
    return room;
}

static int open_handles(request_pool *p, const daemon_config *cfg)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;

    config_library_options(cfg, &opts);
    for (unsigned i = 0; i < p->nhandles; i++) {
        p->workers[i].pool = p;
        if (ukiyo_open(&p->workers[i].u, &opts) < 0)
            return -1;
    }
    return 0;
}

int request_pool_start(request_pool **out, const daemon_config *cfg)
{
    request_pool *p = calloc(1, sizeof(*p));
    unsigned started = 0;

    if (!p)
        return -1;
    p->nworkers = p->nhandles = cfg->http_workers;
    p->queue_max = cfg->http_workers * 64;
    p->queue = calloc(p->queue_max, sizeof(*p->queue));
    p->workers = calloc(p->nworkers, sizeof(*p->workers));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (!p->queue || !p->workers || open_handles(p, cfg) < 0)
        goto fail;
    for (; started < p->nworkers; started++)
        if (pthread_create(&p->workers[started].thread, NULL, worker_main, &p->workers[started]))
            goto fail;
    *out = p;
    return 0;
fail:
    p->nworkers = started; /* stop what started, close every handle opened */
    request_pool_free(p);
    return -1;
}

void request_pool_stop(request_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i].thread, NULL);
    p->nworkers = 0;
}

void request_pool_free(request_pool *p)
{
    if (!p)
        return;
    request_pool_stop(p);
    for (unsigned i = 0; p->workers && i < p->nhandles; i++)
        ukiyo_close(p->workers[i].u);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p->queue);
    free(p);
}
