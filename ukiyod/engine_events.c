/*
 * engine_events.c - the thread that follows the engine's event stream for
 * the inventory every library handle of the daemon reads (ukiyo/inventory.h).
 *
 * While it follows, the worker's scans inspect only containers and images
 * that changed; a container that starts or is renamed wakes the worker at
 * once (its scan looks at what it runs), and the event stream's clients
 * hear of it ("container"). A stream that ends (the engine restarted, or
 * is gone) is followed again after a pause that doubles from 1 s to 30 s;
 * until then the handles ask the engine as if there were no inventory.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "thread.h"
#include "ukiyod.h"

#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000

struct engine_events {
    daemon_thread thread;
    daemon_state *state;
    ukiyo_docker *docker; /* its own: the stream holds a connection for as long as it lasts */
};

static void on_container(const char *action, const char *id, const char *name, void *payload)
{
    daemon_state *state = payload;

    event_bus_publish(state->events, "container",
                      json_pack("{s:s, s:s?, s:s?}", "action", action, "id", id, "name", name));
    if (strcmp(action, "start") == 0 || strcmp(action, "rename") == 0)
        job_worker_notify(state->worker);
}

static void *follow_main(void *arg)
{
    engine_events *e = arg;
    long long pause = RETRY_MIN_MS;
    bool said = false;

    for (;;) {
        long long started = monotonic_ms();
        int err = ukiyo_inventory_follow(e->state->inventory, e->docker, on_container, e->state);
        pthread_mutex_lock(&e->thread.lock);
        bool stop = e->thread.stop;
        pthread_mutex_unlock(&e->thread.lock);
        if (stop || err == 0)
            return NULL;
        /* Followed for a while: the engine restarted; try again soon. Else back off. */
        pause = monotonic_ms() - started > RETRY_MAX_MS ? RETRY_MIN_MS
                : pause * 2 > RETRY_MAX_MS              ? RETRY_MAX_MS
                                                        : pause * 2;
        if (!said) {
            const char *fields[] = {"error", ukiyo_error_last(), NULL};
            daemon_log(UKIYO_LOG_WARNING,
                       "cannot follow the engine's events; every scan inspects every container "
                       "until it can",
                       fields);
            said = true;
        }
        ukiyo_error_clear();
        pthread_mutex_lock(&e->thread.lock);
        long long until = monotonic_ms() + pause;
        while (!e->thread.stop && monotonic_ms() < until)
            daemon_thread_sleep_locked(&e->thread, until);
        stop = e->thread.stop;
        pthread_mutex_unlock(&e->thread.lock);
        if (stop)
            return NULL;
    }
}

int engine_events_start(engine_events **out, daemon_state *state)
{
    ukiyo_docker_options opts = UKIYO_DOCKER_OPTIONS_INIT;
    engine_events *e = calloc(1, sizeof(*e));

    if (!e)
        return -1;
    daemon_thread_init(&e->thread);
    e->state = state;
    opts.host = state->cfg->docker_host;
    if (ukiyo_docker_new(&e->docker, &opts) < 0 ||
        daemon_thread_start(&e->thread, follow_main, e) < 0) {
        engine_events_stop(e);
        return -1;
    }
    *out = e;
    return 0;
}

void engine_events_stop(engine_events *e)
{
    if (!e)
        return;
    ukiyo_inventory_stop(e->state->inventory); /* ends the stream within a second */
    daemon_thread_stop(&e->thread);
    daemon_thread_destroy(&e->thread);
    ukiyo_docker_free(e->docker);
    free(e);
}
