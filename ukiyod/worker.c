/*
 * worker.c - the job worker: its own thread and its own library handle
 * (handles are used by one thread at a time). It runs due jobs and polls
 * and sleeps until a job is queued or the scheduler's next due time,
 * never on a timer tick.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <stdlib.h>

#include "ukiyod.h"

struct job_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool pending;
    bool hold; /* UKIYO_TEST_HOLD_JOBS in test builds: queue, never run (the restart test) */
    ukiyo *u;
};

/*
 * Sleep until a job is queued, the scheduler's next due time (a delayed
 * job, a window, a poll), or the daemon stops. No timer ticks: an idle
 * worker does not wake at all.
 */
static bool take_wakeup(job_worker *w)
{
    int64_t due = INT64_MAX;
    bool stop;

    if (!w->hold && ukiyo_scheduler_next_due(w->u, &due) < 0)
        due = INT64_MAX;
    pthread_mutex_lock(&w->lock);
    if (due == INT64_MAX) {
        while (!w->pending && !w->stop)
            pthread_cond_wait(&w->wake, &w->lock);
    } else if (due > ukiyo_now_ms(w->u)) {
        struct timespec until = {.tv_sec = due / 1000, .tv_nsec = (due % 1000) * 1000000};
        while (!w->pending && !w->stop &&
               pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
            ;
    }
    w->pending = false;
    stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return !stop;
}

static bool stopping(job_worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static void *run(void *arg)
{
    job_worker *w = arg;

    do {
        int ran = 1;
        if (!w->hold && ukiyo_scheduler_dispatch(w->u, ukiyo_now_ms(w->u), NULL) < 0) {
            const char *fields[] = {"error", ukiyo_error_last(), NULL};
            daemon_log(UKIYO_LOG_WARNING, "poll failed", fields);
        }
        int remaining = -1;
        ukiyo_registry_rate_limit(ukiyo_get_registry(w->u), &remaining, NULL);
        metrics_poll(ukiyo_scheduler_poll_requests(w->u), remaining);
        while (!w->hold && ran && !stopping(w)) {
            if (ukiyo_jobs_run_next(w->u, NULL, &ran) < 0) {
                const char *fields[] = {"error", ukiyo_error_last(), NULL};
                daemon_log(UKIYO_LOG_ERROR, "job failed", fields);
            }
        }
    } while (take_wakeup(w));
    return NULL;
}

int job_worker_start(job_worker **out, const daemon_config *cfg, notify_worker *notify)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    job_worker *w = calloc(1, sizeof(*w));

    if (!w)
        return -1;
    config_library_options(cfg, &opts);
    if (ukiyo_open(&w->u, &opts) < 0) {
        free(w);
        return -1;
    }
    if (notify)
        ukiyo_set_update_hook(w->u, notify_worker_hook, notify);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
#ifdef UKIYO_TEST_HOOKS
    w->hold = getenv("UKIYO_TEST_HOLD_JOBS") != NULL; /* test builds only */
#endif
    w->pending = true; /* jobs a restart found queued */
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        ukiyo_close(w->u);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void job_worker_notify(job_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->pending = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

void job_worker_stop(job_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    ukiyo_close(w->u);
    free(w);
}
