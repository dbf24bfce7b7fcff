/*
 * hooks.c - what a library handle of the daemon tells when a job changes
 * or an update ends: the event stream hears all of it, the notification
 * targets the updates and the jobs that wait for a person. And the
 * inventory each handle reads the engine through.
 */
#include "events.h"
#include "ukiyod.h"

static void on_update(const ukiyo_update_result *result, void *payload)
{
    daemon_state *state = payload;
    char *text = NULL;

    notify_worker_hook(result, state->notify);
    if (ukiyo_update_result_event_json(&text, result) == 0)
        event_bus_publish(state->events, "update", json_loads(text, 0, NULL));
    ukiyo_string_free(text);
}

static void on_job(const ukiyo_job *job, const char *event, void *payload)
{
    daemon_state *state = payload;
    char *text = NULL;

    notify_worker_job_event(state->notify, job, event);
    if (ukiyo_job_json(&text, job) == 0)
        event_bus_publish(state->events, "job",
                          json_pack("{s:s, s:o?}", "event", event, "job",
                                    json_loads(text, 0, NULL)));
    ukiyo_string_free(text);
}

void daemon_hooks_install(ukiyo *u, daemon_state *state)
{
    ukiyo_set_inventory(u, state->inventory);
    ukiyo_set_update_hook(u, on_update, state);
    ukiyo_set_job_hook(u, on_job, state);
}
