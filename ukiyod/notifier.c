/*
 * notifier.c - notifications on a thread of their own: the update hook of
 * the worker's handle turns each result into an event and queues it; this
 * thread sends it to the --notify targets (libukiyo's notifier, with its
 * bounded retries). A slow or dead target never holds up an update.
 */
#include <stdlib.h>
#include <string.h>

#include "thread.h"
#include "ukiyod.h"

#define QUEUE_MAX 256

struct notify_worker {
    daemon_thread thread;   /* its lock guards the queue */
    char *queue[QUEUE_MAX]; /* event JSON, oldest first */
    size_t count;
    ukiyo_notifier *notifier;
    char public_url[256]; /* links in events: where people reach this ukiyod */
};

static void on_result(size_t target, const char *name, int ok, const char *error, void *payload)
{
    (void)target;
    (void)payload;
    metrics_notification(name, ok);
    const char *fields[] = {"target", name, "error", error, NULL};
    daemon_log(ok ? UKIYO_LOG_DEBUG : UKIYO_LOG_WARNING,
               ok ? "notification sent" : "notification failed", fields);
}

static void *run(void *arg)
{
    notify_worker *w = arg;

    pthread_mutex_lock(&w->thread.lock);
    for (;;) {
        while (w->count == 0 && !w->thread.stop)
            daemon_thread_sleep_locked(&w->thread, -1);
        if (w->count == 0)
            break; /* stopping, and nothing left to send */
        char *event = w->queue[0];
        memmove(w->queue, w->queue + 1, --w->count * sizeof(w->queue[0]));
        pthread_mutex_unlock(&w->thread.lock);
        ukiyo_notifier_send(w->notifier, event, on_result, NULL);
        ukiyo_string_free(event);
        pthread_mutex_lock(&w->thread.lock);
    }
    pthread_mutex_unlock(&w->thread.lock);
    return NULL;
}

/* Check every target; bad ones are reported and left out, the daemon goes on. */
static ukiyo_notifier *valid_targets(const daemon_config *cfg)
{
    const char *good[DAEMON_NOTIFY_MAX + 1] = {NULL};
    size_t n = 0;
    unsigned bad = 0;

    for (size_t i = 0; cfg->notify[i]; i++) {
        if (ukiyo_notify_target_check(cfg->notify[i]) == 0) {
            good[n++] = cfg->notify[i];
            continue;
        }
        const char *fields[] = {"error", ukiyo_error_last(), NULL};
        daemon_log(UKIYO_LOG_ERROR, "notification target refused", fields);
        bad++;
    }
    metrics_notify_targets_invalid(bad);
    ukiyo_notifier *notifier = NULL;
    if (n > 0 && ukiyo_notifier_new(&notifier, good, NULL) < 0)
        return NULL;
    for (size_t i = 0; notifier && i < ukiyo_notifier_target_count(notifier); i++) {
        const char *fields[] = {"target", ukiyo_notifier_target_name(notifier, i), NULL};
        daemon_log(UKIYO_LOG_INFO, "notifying", fields);
    }
    return notifier;
}

int notify_worker_start(notify_worker **out, const daemon_config *cfg)
{
    *out = NULL;
    ukiyo_notifier *notifier = valid_targets(cfg);
    if (!notifier)
        return 0; /* nothing to notify: no thread */
    notify_worker *w = calloc(1, sizeof(*w));
    if (!w) {
        ukiyo_notifier_free(notifier);
        return -1;
    }
    w->notifier = notifier;
    config_public_url(cfg, w->public_url, sizeof(w->public_url));
    daemon_thread_init(&w->thread);
    if (daemon_thread_start(&w->thread, run, w) < 0) {
        daemon_thread_destroy(&w->thread);
        ukiyo_notifier_free(notifier);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

/* Queue @event (taken) for the thread to send. */
static void enqueue(notify_worker *w, char *event)
{
    pthread_mutex_lock(&w->thread.lock);
    if (w->count == QUEUE_MAX) { /* targets far behind: the oldest news goes */
        ukiyo_string_free(w->queue[0]);
        memmove(w->queue, w->queue + 1, --w->count * sizeof(w->queue[0]));
        daemon_log(UKIYO_LOG_WARNING, "notification queue full: dropped the oldest", NULL);
    }
    w->queue[w->count++] = event;
    daemon_thread_wake_locked(&w->thread, false);
    pthread_mutex_unlock(&w->thread.lock);
}

void notify_worker_hook(const ukiyo_update_result *result, void *payload)
{
    notify_worker *w = payload;
    char *event = NULL;

    if (w && ukiyo_update_result_event_json(&event, result) == 0)
        enqueue(w, event);
}

void notify_worker_job_event(notify_worker *w, const ukiyo_job *job, const char *event)
{
    char link[512], *text = NULL;

    /* People hear of the jobs that wait for them (and went unanswered); the rest they see in
     * updates' events. */
    if (!w || (strncmp(event, "approval-", 9) != 0 && strcmp(event, "expired") != 0))
        return;
    snprintf(link, sizeof(link), "%s/#/jobs/%lld", w->public_url, (long long)ukiyo_job_id(job));
    if (ukiyo_job_event_json(&text, job, event, link) == 0)
        enqueue(w, text);
}

void notify_worker_stop(notify_worker *w)
{
    if (!w)
        return;
    daemon_thread_stop(&w->thread); /* what is queued is sent first, each target bounded */
    daemon_thread_destroy(&w->thread);
    ukiyo_notifier_free(w->notifier);
    free(w);
}
