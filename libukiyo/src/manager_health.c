/*
 * manager_health.c - the health gate a new container must pass.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "manager_private.h"

#define POLL_INTERVAL_US (250 * 1000)

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last health probe's output, for the reason a gate failed. */
static const char *last_probe_output(json_t *health)
{
    json_t *log = json_object_get(health, "Log");
    const char *output =
        json_string_value(json_object_get(json_array_get(log, json_array_size(log) - 1), "Output"));
    return output && output[0] ? output : "no output";
}

static int not_running(json_t *state)
{
    const char *why = json_string_value(json_object_get(state, "Error"));

    if (!why)
        why = "";
    return ukiyo__error_set(UKIYO_EDOCKER, "the new container stopped (exit code %lld%s%s)",
                            (long long)json_integer_value(json_object_get(state, "ExitCode")),
                            why[0] ? ": " : "", why);
}

/*
 * Passes when the new container has been healthy (with a HEALTHCHECK) or
 * running (without one) for a whole settle period: no exit, no restart, no
 * turn to unhealthy during it. A HEALTHCHECK has @timeout_s to pass first.
 */
int ukiyo__health_gate(ukiyo_docker *docker, const char *container_id, int timeout_s, int settle_s,
                       const transaction *tx)
{
    int64_t reported = -1;
    int64_t start = monotonic_ms(), healthy_since = -1;
    json_int_t first_restarts = -1;
    char *first_started = NULL;
    int err = 0;

    for (;;) {
        json_t *doc = NULL;
        err = ukiyo__docker_inspect_container_json(docker, container_id, &doc);
        if (err < 0)
            break;
        json_t *state = json_object_get(doc, "State");
        json_t *health = json_object_get(state, "Health");
        const char *status = json_string_value(json_object_get(health, "Status"));
        const char *started = json_string_value(json_object_get(state, "StartedAt"));
        json_int_t restarts = json_integer_value(json_object_get(doc, "RestartCount"));
        int64_t now = monotonic_ms(), elapsed = now - start;
        if (elapsed / 1000 != reported) { /* once a second */
            reported = elapsed / 1000;
            ukiyo__report_phase(tx, UKIYO_PHASE_GATING, (int)reported,
                                status && healthy_since < 0 ? timeout_s : settle_s);
        }

        if (status && strcmp(status, "healthy") == 0 && healthy_since < 0)
            healthy_since = now;
        if (!json_is_true(json_object_get(state, "Running")) ||
            json_is_true(json_object_get(state, "Restarting")))
            err = not_running(state);
        else if (first_restarts >= 0 &&
                 (restarts != first_restarts || (started && strcmp(started, first_started) != 0)))
            err = ukiyo__error_set(UKIYO_EDOCKER, "the new container restarted after %lld s",
                                   (long long)(elapsed / 1000));
        else if (status && strcmp(status, "unhealthy") == 0)
            err = ukiyo__error_set(UKIYO_EDOCKER,
                                   healthy_since >= 0
                                       ? "the new container turned unhealthy after it passed: %s"
                                       : "the new container is unhealthy: %s",
                                   last_probe_output(health));
        else if (status && healthy_since >= 0 && now - healthy_since >= (int64_t)settle_s * 1000)
            err = 1; /* healthy for the whole settle period */
        else if (!status && elapsed >= (int64_t)settle_s * 1000)
            err = 1; /* no HEALTHCHECK: it stayed up, unrestarted, for the settle period */
        else if (status && healthy_since < 0 && elapsed >= (int64_t)timeout_s * 1000)
            err = ukiyo__error_set(UKIYO_ETIMEOUT, "the new container was not healthy after %d s",
                                   timeout_s);
        if (first_restarts < 0) {
            first_restarts = restarts;
            first_started = ukiyo__str_dup(started ? started : "");
        }
        json_decref(doc);
        if (err == 0 && ukiyo__context_interrupted(tx->u))
            err = ukiyo__error_set(UKIYO_EINTERRUPTED,
                                   "interrupted in the health gate after %lld s; the next "
                                   "reconcile puts the old container back",
                                   (long long)(elapsed / 1000));
        if (err != 0)
            break;
        usleep(POLL_INTERVAL_US);
    }
    free(first_started);
    return err > 0 ? 0 : err;
}
