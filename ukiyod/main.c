/*
 * main.c - ukiyod: configuration, the HTTP server, and a clean stop on
 * SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ukiyod.h"

static ukiyo *open_library(const daemon_config *cfg)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;
    int err;

    opts.docker_host = cfg->docker_host;
    opts.db_path = cfg->db_path;
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

    ukiyo *u = open_library(&cfg);
    if (!u)
        return 1;
    reconcile_at_start(u);
    if (http_server_start(&server, &cfg, u) < 0) {
        const char *fields[] = {"listen", cfg.listen, NULL};
        daemon_log(UKIYO_LOG_ERROR, "cannot listen", fields);
        ukiyo_close(u);
        return 1;
    }
    const char *fields[] = {"version", ukiyo_version(), "listen", cfg.listen, "db", cfg.db_path,
                            "docker_host", ukiyo_docker_host(ukiyo_get_docker(u)), NULL};
    daemon_log(UKIYO_LOG_INFO, "ukiyod started", fields);

    int sig = wait_for_stop_signal(&signals);
    const char *stop_fields[] = {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL};
    daemon_log(UKIYO_LOG_INFO, "stopping", stop_fields);
    http_server_stop(server);
    ukiyo_close(u);
    daemon_log(UKIYO_LOG_INFO, "stopped", NULL);
    return 0;
}
