/*
 * main.c - ukiyod: configuration, the HTTP server, and a clean stop on
 * SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "ukiyod.h"

static ukiyo *open_library(const daemon_config *cfg)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;
    int err;

    config_library_options(cfg, &opts);
    err = ukiyo_open(&u, &opts);
    if (err < 0) {
        const char *fields[] = {"error", ukiyo_error_last(), "db", cfg->db_path, NULL};
        daemon_log(UKIYO_LOG_ERROR, "cannot open libukiyo", fields);
        return NULL;
    }
    return u;
}

/* Finish or undo what a crash cut short before anything new starts. */
static void reconcile_at_start(ukiyo *u)
{
    unsigned fixed = 0;
    char count[16];
    int err = ukiyo_reconcile(u, &fixed);

    snprintf(count, sizeof(count), "%u", fixed);
    const char *fields[] = {"reconciled", count, "error", err < 0 ? ukiyo_error_last() : NULL,
                            NULL};
    if (err < 0 || fixed > 0)
        daemon_log(err < 0 ? UKIYO_LOG_WARNING : UKIYO_LOG_INFO, "reconcile", fields);
}

/*
 * Say once what this engine is in a swarm: a manager's services are
 * updated too; a worker cannot see them, so only this node's containers are.
 */
static void say_swarm_role(ukiyo *u)
{
    ukiyo_swarm_role role = UKIYO_SWARM_NONE;

    if (ukiyo_docker_swarm_role(ukiyo_get_docker(u), &role) < 0) {
        ukiyo_error_clear(); /* the engine watcher says when the engine does not answer */
        return;
    }
    if (role == UKIYO_SWARM_MANAGER) {
        const char *fields[] = {"role", "manager", NULL};
        daemon_log(UKIYO_LOG_INFO, "swarm: services are updated too", fields);
    } else if (role == UKIYO_SWARM_WORKER) {
        const char *fields[] = {"role", "worker", NULL};
        daemon_log(UKIYO_LOG_WARNING,
                   "swarm: this node is a worker; only its own containers are updated (run "
                   "ukiyod on a manager to update services)",
                   fields);
    }
}

/* Jobs a crash left running are queued again: a 202 is a promise. */
static void recover_jobs(ukiyo *u)
{
    unsigned requeued = 0;
    char count[16];

    if (ukiyo_jobs_recover(u, &requeued) < 0) {
        const char *fields[] = {"error", ukiyo_error_last(), NULL};
        daemon_log(UKIYO_LOG_WARNING, "cannot recover jobs", fields);
        return;
    }
    snprintf(count, sizeof(count), "%u", requeued);
    const char *fields[] = {"requeued", count, NULL};
    if (requeued)
        daemon_log(UKIYO_LOG_INFO, "jobs resumed", fields);
}

static int wait_for_stop_signal(const sigset_t *signals)
{
    int sig = 0;

    sigwait(signals, &sig);
    return sig;
}

int main(int argc, char **argv)
{
    daemon_config cfg;
    http_server *server = NULL;
    sigset_t signals;
    int rc = config_parse(&cfg, argc, argv);

    if (rc > 0)
        return rc - 1;
    daemon_log_init(cfg.log_format, cfg.log_level);
    /* Block the stop signals before any thread starts, so only sigwait sees them. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    daemon_state state = {.cfg = &cfg};
    ukiyo *u = open_library(&cfg);
    if (!u)
        return 1;
    if (secret_load(&state.api_token, cfg.api_token_file, cfg.db_path, "api-token") < 0 ||
        secret_load(&state.webhook_secret, cfg.webhook_secret_file, cfg.db_path, "webhook-secret") <
            0) {
        rc = 1;
        goto done;
    }
    say_swarm_role(u);
    reconcile_at_start(u);
    recover_jobs(u);
    if (notify_worker_start(&state.notify, &cfg) < 0) {
        daemon_log(UKIYO_LOG_ERROR, "cannot start the notifier", NULL);
        rc = 1;
        goto done;
    }
    if (ukiyo_inventory_new(&state.inventory) < 0 || event_bus_start(&state.events) < 0 ||
        job_worker_start(&state.worker, &cfg, &state) < 0) {
        daemon_log(UKIYO_LOG_ERROR, "cannot start the job worker", NULL);
        rc = 1;
        goto done;
    }
    if (engine_watch_start(&state.engine, &cfg) < 0) {
        daemon_log(UKIYO_LOG_ERROR, "cannot watch the engine", NULL);
        rc = 1;
        goto done;
    }
    if (http_server_start(&server, &state) < 0) {
        const char *fields[] = {"listen", cfg.listen, NULL};
        daemon_log(UKIYO_LOG_ERROR, "cannot listen", fields);
        rc = 1;
        goto done;
    }
    if (engine_events_start(&state.engine_events, &state) < 0) {
        daemon_log(UKIYO_LOG_ERROR, "cannot follow the engine's events", NULL);
        rc = 1;
        goto done;
    }
    const char *fields[] = {"version",
                            ukiyo_version(),
                            "listen",
                            cfg.listen,
                            "db",
                            cfg.db_path,
                            "docker_host",
                            ukiyo_docker_host(ukiyo_get_docker(u)),
                            cfg.scope ? "scope" : NULL,
                            cfg.scope,
                            NULL};
    daemon_log(UKIYO_LOG_INFO, "ukiyod started", fields);

    int sig = wait_for_stop_signal(&signals);
    const char *stop_fields[] = {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL};
    daemon_log(UKIYO_LOG_INFO, "stopping", stop_fields);
    rc = 0;
done:
    /* No new requests, then the job in flight finishes, then the handles go. */
    event_bus_stop(state.events); /* the streams end first: they never finish on their own */
    engine_events_stop(state.engine_events);
    http_server_stop(server);
    job_worker_stop(state.worker);
    engine_watch_stop(state.engine);
    notify_worker_stop(state.notify);
    event_bus_free(state.events);
    ukiyo_close(u);
    ukiyo_inventory_free(state.inventory); /* after every handle that reads it */
    free(state.api_token);
    free(state.webhook_secret);
    daemon_log(UKIYO_LOG_INFO, "stopped", NULL);
    return rc;
}
