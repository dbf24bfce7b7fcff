/*
 * committer.c - group commit of webhook deliveries.
 *
 * A 202 means the job is on disk, and the store syncs every commit
 * (synchronous=FULL). One commit per delivery would make the disk's sync
 * time the ceiling of deliveries per second. Instead the HTTP thread hands
 * each parsed delivery here and suspends its connection; this thread, the
 * only writer of deliveries, takes everything that arrived while the
 * previous commit was syncing and queues it in one transaction
 * (ukiyo_jobs_submit_batch), then answers each delivery. Under load the
 * groups grow by themselves; alone, a delivery is committed at once, with
 * no timer to wait for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread.h"
#include "ukiyod.h"

#define COMMIT_GROUP_MAX 256  /* deliveries in one transaction */
#define COMMIT_QUEUE_MAX 4096 /* deliveries waiting; past it: 503 */

struct webhook_committer {
    daemon_thread thread;
    webhook_delivery *head, *tail; /* under thread.lock */
    unsigned queued;
    ukiyo *u;
    job_worker *worker;
};

static unsigned take_group(webhook_committer *c, webhook_delivery **group)
{
    unsigned n = 0;

    pthread_mutex_lock(&c->thread.lock);
    while (!c->head && !c->thread.stop)
        daemon_thread_sleep_locked(&c->thread, -1);
    while (c->head && n < COMMIT_GROUP_MAX) {
        group[n] = c->head;
        c->head = c->head->next;
        n++;
    }
    if (!c->head)
        c->tail = NULL;
    c->queued -= n;
    pthread_mutex_unlock(&c->thread.lock);
    return n;
}

static size_t count_events(webhook_delivery **group, unsigned n)
{
    size_t events = 0;
    for (unsigned i = 0; i < n; i++)
        events += ukiyo_push_events_count(group[i]->events);
    return events;
}

/* The submissions of @n deliveries, in order. */
static void fill(ukiyo_job_submission *subs, webhook_delivery **group, unsigned n)
{
    size_t k = 0;

    for (unsigned i = 0; i < n; i++) {
        const ukiyo_push_events *ev = group[i]->events;
        size_t count = ukiyo_push_events_count(ev);
        for (size_t j = 0; j < count; j++, k++) {
            ukiyo_job_submission s = {.event = ukiyo_push_events_get(ev, j),
                                      .source = ukiyo_push_events_format(ev),
                                      .delivery_id =
                                          count == 1 ? ukiyo_push_events_delivery_id(ev) : NULL,
                                      .callback_url = ukiyo_push_events_callback_url(ev)};
            subs[k] = s;
        }
    }
}

/*
 * One line per group and format, "webhooks accepted format=dockerhub
 * deliveries=32", not one per delivery: under load a line each was a
 * write per delivery, the committer's largest cost after the commit.
 */
static bool same_format(const webhook_delivery *a, const webhook_delivery *b)
{
    return strcmp(ukiyo_push_events_format(a->events), ukiyo_push_events_format(b->events)) == 0;
}

static void log_accepted(webhook_delivery **group, unsigned n, const bool *accepted)
{
    for (unsigned i = 0; i < n; i++) {
        bool logged = !accepted[i]; /* or counted with an earlier one of its format */
        for (unsigned j = 0; j < i && !logged; j++)
            logged = accepted[j] && same_format(group[j], group[i]);
        if (logged)
            continue;
        unsigned count = 0;
        for (unsigned j = i; j < n; j++)
            count += accepted[j] && same_format(group[j], group[i]);
        char deliveries[16];
        snprintf(deliveries, sizeof(deliveries), "%u", count);
        const char *fields[] = {"format", ukiyo_push_events_format(group[i]->events), "deliveries",
                                deliveries, NULL};
        daemon_log(UKIYO_LOG_INFO, "webhooks accepted", fields);
    }
}

/*
 * Answer each delivery with its jobs, or with the error of its first failed
 * event. The log line comes first: once answered, a delivery is its
 * connection's again, and may be gone.
 */
static void answer_group(webhook_delivery **group, unsigned n, ukiyo_job_submission *subs,
                         int64_t *ids)
{
    bool accepted[COMMIT_GROUP_MAX];
    int errors[COMMIT_GROUP_MAX];
    size_t k = 0;

    for (unsigned i = 0; i < n; i++) {
        size_t count = ukiyo_push_events_count(group[i]->events);
        errors[i] = 0;
        for (size_t j = 0; j < count; j++, k++) {
            if (subs[k].error < 0 && errors[i] == 0)
                errors[i] = subs[k].error;
            if (subs[k].callback_refused)
                daemon_log(UKIYO_LOG_WARNING, "webhook callback refused: not Docker Hub's", NULL);
            ids[k] = subs[k].job_id;
        }
        accepted[i] = errors[i] == 0;
    }
    log_accepted(group, n, accepted);
    k = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t count = ukiyo_push_events_count(group[i]->events);
        group[i]->done(group[i], errors[i], ids + k, count);
        k += count;
    }
}

static void commit_group(webhook_committer *c, webhook_delivery **group, unsigned n)
{
    size_t events = count_events(group, n);
    ukiyo_job_submission *subs = calloc(events ? events : 1, sizeof(*subs));
    int64_t *ids = calloc(events ? events : 1, sizeof(*ids));

    if (!subs || !ids) {
        for (unsigned i = 0; i < n; i++)
            group[i]->done(group[i], UKIYO_ENOMEM, NULL, 0);
        free(subs);
        free(ids);
        return;
    }
    fill(subs, group, n);
    int err = ukiyo_jobs_submit_batch(c->u, subs, events);
    if (err < 0) {
        const char *fields[] = {"error", ukiyo_error_last(), NULL};
        daemon_log(UKIYO_LOG_ERROR, "cannot queue webhook jobs", fields);
    }
    answer_group(group, n, subs, ids);
    free(subs);
    free(ids);
    if (err == 0)
        job_worker_notify(c->worker);
}

static void *committer_main(void *arg)
{
    webhook_committer *c = arg;
    webhook_delivery *group[COMMIT_GROUP_MAX];
    unsigned n;

    while ((n = take_group(c, group)) > 0)
        commit_group(c, group, n);
    return NULL;
}

bool webhook_committer_submit(webhook_committer *c, webhook_delivery *d)
{
    pthread_mutex_lock(&c->thread.lock);
    bool room = c->queued < COMMIT_QUEUE_MAX && !c->thread.stop;
    if (room) {
        d->next = NULL;
        if (c->tail)
            c->tail->next = d;
        else
            c->head = d;
        c->tail = d;
        c->queued++;
        daemon_thread_wake_locked(&c->thread, false);
    }
    pthread_mutex_unlock(&c->thread.lock);
    return room;
}

int webhook_committer_start(webhook_committer **out, const daemon_config *cfg, job_worker *worker)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    webhook_committer *c = calloc(1, sizeof(*c));

    if (!c)
        return -1;
    daemon_thread_init(&c->thread);
    config_library_options(cfg, &opts);
    c->worker = worker;
    if (ukiyo_open(&c->u, &opts) < 0 || daemon_thread_start(&c->thread, committer_main, c) < 0) {
        webhook_committer_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void webhook_committer_stop(webhook_committer *c)
{
    if (c)
        daemon_thread_stop(&c->thread); /* what was queued is committed first */
}

void webhook_committer_free(webhook_committer *c)
{
    if (!c)
        return;
    webhook_committer_stop(c);
    daemon_thread_destroy(&c->thread);
    ukiyo_close(c->u);
    free(c);
}
