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

#include "thread.h"
#include "ukiyod.h"

struct job_worker {
    daemon_thread thread; /* its lock guards pending */
    bool pending;
    bool hold; /* UKIYO_TEST_HOLD_JOBS in test builds: queue, never run (the restart test) */
    ukiyo *u;
    ukiyo_update_options update; /* how the jobs update (--compose) */
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
    pthread_mutex_lock(&w->thread.lock);
    if (due == INT64_MAX) {
        while (!w->pending && !w->thread.stop)
            daemon_thread_sleep_locked(&w->thread, -1);
    } else if (due > ukiyo_now_ms(w->u)) {
        /* The scheduler's times are the library's clock; the wait is monotonic. */
        long long until = monotonic_ms() + (due - ukiyo_now_ms(w->u));
        while (!w->pending && !w->thread.stop && monotonic_ms() < until)
            daemon_thread_sleep_locked(&w->thread, until);
    }
    w->pending = false;
    stop = w->thread.stop;
    pthread_mutex_unlock(&w->thread.lock);
    return !stop;
}

static bool stopping(job_worker *w)
{
    pthread_mutex_lock(&w->thread.lock);
    bool stop = w->thread.stop;
    pthread_mutex_unlock(&w->thread.lock);
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
            int err = ukiyo_jobs_run_next(w->u, &w->update, &ran);
            if (err == UKIYO_EINTERRUPTED) {
                const char *fields[] = {"why", ukiyo_error_last(), NULL};
                daemon_log(UKIYO_LOG_INFO, "stopping: the job in flight is left to the next start",
                           fields);
            } else if (err < 0) {
                const char *fields[] = {"error", ukiyo_error_last(), NULL};
                daemon_log(UKIYO_LOG_ERROR, "job failed", fields);
            }
        }
    } while (take_wakeup(w));
    return NULL;
}

int job_worker_start(job_worker **out, const daemon_config *cfg, daemon_state *state)
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
    daemon_hooks_install(w->u, state);
    w->update = (ukiyo_update_options)UKIYO_UPDATE_OPTIONS_INIT;
    w->update.compose = cfg->compose;
    w->update.compose_timeout_s = (int)cfg->compose_timeout_s;
    w->update.service_timeout_s = (int)cfg->service_timeout_s;
    w->update.kept_log_lines = cfg->kept_log_lines;
    daemon_thread_init(&w->thread);
#ifdef UKIYO_TEST_HOOKS
    w->hold = getenv("UKIYO_TEST_HOLD_JOBS") != NULL; /* test builds only */
#endif
    w->pending = true; /* jobs a restart found queued */
    if (daemon_thread_start(&w->thread, run, w) < 0) {
        daemon_thread_destroy(&w->thread);
        ukiyo_close(w->u);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void job_worker_notify(job_worker *w)
{
    pthread_mutex_lock(&w->thread.lock);
    w->pending = true;
    daemon_thread_wake_locked(&w->thread, false);
    pthread_mutex_unlock(&w->thread.lock);
}

/*
 * A job in its health gate would hold the stop for its settle period
 * (30 s by default), past the 10 s docker stop waits before it kills:
 * the gate is interrupted instead, and the journal and the queue keep
 * the update for the next start, as they would after a crash.
 */
void job_worker_stop(job_worker *w)
{
    if (!w)
        return;
    ukiyo_interrupt(w->u);
    daemon_thread_stop(&w->thread);
    daemon_thread_destroy(&w->thread);
    ukiyo_close(w->u);
    free(w);
}
