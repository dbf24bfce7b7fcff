/*
 * main.c - ukiyoctl: global options and command dispatch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ukiyoctl.h"

static const ctl_command *const commands[] = {
    &cmd_ps,       &cmd_check,     &cmd_pull,    &cmd_update,  &cmd_redeploy,
    &cmd_rollback, &cmd_reconcile, &cmd_history, &cmd_jobs,    &cmd_approve,
    &cmd_reject,   &cmd_keys,      &cmd_deploy,  &cmd_version,
};

static void usage(FILE *to)
{
    fprintf(to, "Usage: ukiyoctl [OPTIONS] COMMAND [ARGS]\n\n"
                "Keep Docker containers on their newest image.\n\n"
                "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(to, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(to, "\nOptions:\n"
                "  -H, --host URL      Docker engine (default $DOCKER_HOST or\n"
                "                      unix:///var/run/docker.sock)\n"
                "      --config DIR    Docker client config directory with config.json\n"
                "                      (default $DOCKER_CONFIG or ~/.docker)\n"
                "      --db PATH       the store with the update journal and history\n"
                "                      (default $UKIYO_DB or /var/lib/ukiyo/ukiyo.db)\n"
                "      --timeout S     timeout of each engine and registry request (default 30)\n"
                "      --scope NAME    take only containers labelled ukiyo.scope=NAME (default\n"
                "                      $UKIYO_SCOPE, else only those without a scope label)\n"
                "      --json          print JSON instead of tables (also after COMMAND)\n"
                "  -h, --help          this help; COMMAND --help for a command's\n"
                "  -V, --version       the version\n\n"
                "Exit status: 0 success, 1 failure, 2 usage error,\n"
                "3 some containers could not be checked or were not updated\n"
                "(rolled back, failed).\n");
}

static int parse_global(ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"host", required_argument, NULL, 'H'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"db", required_argument, NULL, 'd'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"scope", required_argument, NULL, 's'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {NULL, 0, NULL, 0}};
    int c;

    /* '+': stop at the command name, its options are its own. */
    while ((c = getopt_long(argc, argv, "+H:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'H': opts->host = optarg; break;
        case 'c': opts->config_dir = optarg; break;
        case 'd': opts->db_path = optarg; break;
        case 't': {
            char *end;
            long s = strtol(optarg, &end, 10);
            if (*end || s <= 0 || s > 3600) {
                fprintf(stderr, "ukiyoctl: --timeout wants seconds between 1 and 3600\n");
                return -EXIT_USAGE;
            }
            opts->timeout_ms = s * 1000;
            break;
        }
        case 's': opts->scope = optarg; break;
        case 'j': opts->json = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("ukiyoctl %s\n", ukiyo_version()); return 0;
        default: usage(stderr); return -EXIT_USAGE;
        }
    }
    return 1;
}

/* Remove --json from the command's arguments, setting the option instead. */
static int take_json_flag(ctl_options *opts, int argc, char **argv)
{
    int kept = 0;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--json") == 0)
            opts->json = true;
        else
            argv[kept++] = argv[i];
    }
    argv[kept] = NULL;
    return kept;
}

/* What the library warns of (a label it ignores, an image that is gone) reaches the user. */
static void print_library_log(ukiyo_log_level level, const char *message, void *payload)
{
    (void)payload;
    if (level <= UKIYO_LOG_WARNING)
        fprintf(stderr, "ukiyoctl: %s: %s\n", level == UKIYO_LOG_ERROR ? "error" : "warning",
                message);
}

int main(int argc, char **argv)
{
    ctl_options opts = {.scope = getenv("UKIYO_SCOPE")};
    int rc = parse_global(&opts, argc, argv);

    ukiyo_log_set_handler(print_library_log, NULL);

    if (rc <= 0)
        return -rc;
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i]->name, name) != 0)
            continue;
        int cargc = take_json_flag(&opts, argc - optind, argv + optind);
        char **cargv = argv + optind;
        if (cargc > 1 && ctl_is_help(cargv[1])) {
            ctl_usage(commands[i], stdout);
            return EXIT_OK;
        }
        optind = 0; /* 0, not 1: GNU getopt then forgets the global parse's state */
        return commands[i]->run(&opts, cargc, cargv);
    }
    fprintf(stderr, "ukiyoctl: unknown command \"%s\" (see ukiyoctl --help)\n", name);
    return EXIT_USAGE;
}
