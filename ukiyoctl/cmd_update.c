/*
 * cmd_update.c - ukiyoctl update, redeploy, rollback and reconcile: one
 * line (or JSON object) per container with what became of it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukiyoctl.h"

typedef int (*update_fn)(ukiyo_update_result **out, ukiyo *u, const char *name,
                         const ukiyo_update_options *opts);

typedef struct {
    ukiyo_update_options opts;
    bool all;
    bool label_enable;
    const char *project; /* --project: the names left are its services */
} update_args;

static int on_pull_progress(const ukiyo_pull_progress *p, void *payload)
{
    const char *name = payload;

    if (p->bytes_total > 0)
        fprintf(stderr, "\r%s: pulling %u/%u layers, %lld%%\033[K", name, p->layers_done,
                p->layers_total, (long long)(p->bytes_done * 100 / p->bytes_total));
    return 0;
}

/* A terminal's live line: the phase the update of @container is in. */
static void on_phase(const char *container, ukiyo_update_phase phase, int elapsed_s, int limit_s,
                     void *payload)
{
    (void)payload;
    if (phase == UKIYO_PHASE_GATING || phase == UKIYO_PHASE_REPLACING)
        fprintf(stderr, "\r%s: %s %d/%d s\033[K", container, ukiyo_update_phase_name(phase),
                elapsed_s, limit_s);
    else
        fprintf(stderr, "\r%s: %s\033[K", container, ukiyo_update_phase_name(phase));
}

static json_t *result_json(const ukiyo_update_result *r)
{
    char *text = NULL;
    json_t *doc = ukiyo_update_result_json(&text, r) == 0 ? json_loads(text, 0, NULL) : NULL;

    ukiyo_string_free(text);
    return doc;
}

static void print_line(const ukiyo_update_result *r)
{
    char old_buf[13], new_buf[13];
    ukiyo_update_outcome o = ukiyo_update_result_outcome(r);
    const char *reason = ukiyo_update_result_reason(r);

    printf("%s: %s", ukiyo_update_result_container(r), ukiyo_update_outcome_name(o));
    if (o == UKIYO_OUTCOME_UPDATED || (o == UKIYO_OUTCOME_ROLLED_BACK && !reason))
        printf(" %s -> %s", ctl_short_id(ukiyo_update_result_old_image_id(r), old_buf),
               ctl_short_id(ukiyo_update_result_new_image_id(r), new_buf));
    printf("%s%s\n", reason ? ": " : "", reason ? reason : "");
}

/*
 * The batch around one call: the names after it (a follower among them is
 * updated with it, once), and those already handled that way.
 */
typedef struct {
    const char **names;
    size_t count, next;
    ukiyo_string_list *followed;
} batch;

static bool handled_as_follower(const batch *b, const char *name)
{
    for (size_t i = 0; i < ukiyo_string_list_count(b->followed); i++)
        if (strcmp(ukiyo_string_list_get(b->followed, i), name) == 0)
            return true;
    return false;
}

/* Update one container; true when it ended well (fresh, updated, skipped, planned). */
/*
 * Ctrl-C (or SIGTERM) during updates: the first asks the update in flight
 * to stop at its next safe point (in a pull, before the old container
 * stops, in the health gate) and the batch to end; what the update had
 * begun is then put back at once by reconcile, so the old container runs
 * under its name again before ukiyoctl exits. A second one quits at once,
 * and the next ukiyoctl or ukiyod start reconciles instead.
 */
static ukiyo *volatile interruptible;
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    static const char msg[] = "\nukiyoctl: interrupted: stopping at the next safe point and "
                              "putting back what changed (again to quit at once)\n";

    if (interrupted) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    interrupted = 1;
    ukiyo_interrupt(interruptible);
    ssize_t unused = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)unused;
}

/* A signal ignored when ukiyoctl started (a background job's SIGINT) stays ignored. */
static const int stop_signals[] = {SIGINT, SIGTERM};
static struct sigaction stop_signals_before[2];

static void catch_interrupts(ukiyo *u)
{
    struct sigaction sa = {.sa_handler = on_interrupt};

    interruptible = u;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < 2; i++) {
        sigaction(stop_signals[i], NULL, &stop_signals_before[i]);
        if (stop_signals_before[i].sa_handler != SIG_IGN)
            sigaction(stop_signals[i], &sa, NULL);
    }
}

static void release_interrupts(void)
{
    for (size_t i = 0; i < 2; i++)
        sigaction(stop_signals[i], &stop_signals_before[i], NULL);
    interruptible = NULL;
}

static bool handle_one(ukiyo *u, update_fn fn, update_args *args, const char *name, bool json,
                       json_t *rows, batch *b)
{
    ukiyo_update_result *r = NULL;
    ukiyo_update_options opts = args->opts;
    int err;

    opts.batch = b->names + b->next;
    opts.batch_count = b->count - b->next;

    if (!json && isatty(STDERR_FILENO)) {
        opts.progress = on_pull_progress;
        opts.progress_payload = (void *)name;
        opts.phase = on_phase;
    }
    err = fn(&r, u, name, &opts);
    if (opts.progress)
        fprintf(stderr, "\r\033[K");
    if (err < 0) {
        const char *outcome = err == UKIYO_EINTERRUPTED ? "interrupted" : "failed";
        char why[600];
        if (err == UKIYO_EINTERRUPTED) /* the library's words say what happened */
            snprintf(why, sizeof(why), "%s", ukiyo_error_last());
        else
            snprintf(why, sizeof(why), "%s: %s", ukiyo_strerror(err), ukiyo_error_last());
        if (json)
            json_array_append_new(rows, json_pack("{s:s, s:s, s:s}", "name", name, "outcome",
                                                  outcome, "reason", why));
        else
            printf("%s: %s: %s\n", name, outcome, why);
        return false;
    }
    /* The container, then each one recreated to follow it, as its own line. */
    bool ok = true;
    for (size_t i = 0; i <= ukiyo_update_result_follower_count(r); i++) {
        const ukiyo_update_result *row = i ? ukiyo_update_result_follower(r, i - 1) : r;
        if (i && ukiyo_string_list_append(b->followed, ukiyo_update_result_container(row)) < 0)
            ok = false;
        if (json)
            json_array_append_new(rows, result_json(row));
        else
            print_line(row);
        ukiyo_update_outcome o = ukiyo_update_result_outcome(row);
        /* A rollback that took is what "ukiyoctl rollback" asked for. */
        if (o == UKIYO_OUTCOME_FAILED ||
            (o == UKIYO_OUTCOME_ROLLED_BACK && (i || fn != ukiyo_rollback)))
            ok = false;
    }
    ukiyo_update_result_free(r);
    return ok;
}

/* The containers to act on: those named, or every running one (enabled by label). */
static int collect_names(ukiyo *u, update_args *args, int argc, char **argv,
                         ukiyo_string_list **out)
{
    ukiyo_container_list *list = NULL;
    ukiyo_string_list *selected = NULL;
    const char **names = NULL;
    size_t count = 0;
    int err = 0;

    if (args->project) {
        err = ukiyo_project_select(&selected, u, args->project,
                                   (const char *const *)(argv + optind), (size_t)(argc - optind));
        if (err < 0)
            return err;
        count = ukiyo_string_list_count(selected);
        names = calloc(count + 1, sizeof(*names));
        for (size_t i = 0; names && i < count; i++)
            names[i] = ukiyo_string_list_get(selected, i);
    } else if (args->all) {
        err = ukiyo_docker_container_list(&list, ukiyo_get_docker(u), 0, NULL);
        if (err < 0)
            return err;
        /* And the swarm's services, when this engine manages one. */
        err = ctl_service_names(u, args->label_enable, &selected);
        if (err < 0) {
            ukiyo_container_list_free(list);
            return err;
        }
        names = calloc(ukiyo_container_list_count(list) + ukiyo_string_list_count(selected) + 1,
                       sizeof(*names));
        for (size_t i = 0; names && i < ukiyo_container_list_count(list); i++) {
            const ukiyo_container *c = ukiyo_container_list_get(list, i);
            /* A swarm task's container goes with its service. */
            if ((!args->label_enable || ukiyo_container_enabled_by_label(c)) &&
                ukiyo_container_eligible(u, c, NULL) &&
                !ukiyo_container_label(c, UKIYO_LABEL_SWARM_TASK))
                names[count++] = ukiyo_container_name(c);
        }
        for (size_t i = 0; names && i < ukiyo_string_list_count(selected); i++)
            names[count++] = ukiyo_string_list_get(selected, i);
    } else {
        names = (const char **)(argv + optind);
        count = (size_t)(argc - optind);
    }
    /* Dependencies first: a database before the application that links to it. */
    err = names ? ukiyo_update_order(out, u, names, count) : UKIYO_ENOMEM;
    if (args->all || args->project)
        free(names);
    ukiyo_container_list_free(list);
    ukiyo_string_list_free(selected);
    return err;
}

/*
 * A name the engine does not know is reported for that name (and as a
 * failed row); the others go on. Returns how many names are left in argv.
 */
static int drop_unknown_names(ukiyo *u, int argc, char **argv, bool json, json_t *rows,
                              bool *all_ok)
{
    int kept = optind;

    for (int i = optind; i < argc; i++) {
        int err = ctl_name_known(u, argv[i]);
        if (err == 0 || err != UKIYO_ENOTFOUND) {
            argv[kept++] = argv[i]; /* an engine error is the update's to report */
            continue;
        }
        const char *what = strncmp(argv[i], UKIYO_SERVICE_PREFIX, strlen(UKIYO_SERVICE_PREFIX)) == 0
                               ? "no such service"
                               : "no such container";
        *all_ok = false;
        fprintf(stderr, "ukiyoctl: %s: %s\n", argv[i], what);
        if (json)
            json_array_append_new(rows, json_pack("{s:s, s:s, s:s}", "name", argv[i], "outcome",
                                                  "failed", "reason", what));
    }
    return kept;
}

static int run_on_containers(ukiyo *u, update_fn fn, update_args *args, int argc, char **argv,
                             bool json, json_t *rows, bool *all_ok)
{
    ukiyo_string_list *order = NULL;

    if (!args->all && !args->project) {
        argc = drop_unknown_names(u, argc, argv, json, rows, all_ok);
        if (argc == optind)
            return EXIT_OK; /* every name was unknown: said for each */
    }
    int err = collect_names(u, args, argc, argv, &order);

    if (err < 0 && args->project)
        return ctl_fail("--project", err);
    if (err < 0)
        return ctl_fail("cannot plan the updates", err);
    batch b = {.count = ukiyo_string_list_count(order)};
    b.names = calloc(b.count + 1, sizeof(*b.names));
    if (!b.names || ukiyo_string_list_new(&b.followed) < 0) {
        free(b.names);
        ukiyo_string_list_free(order);
        return ctl_fail("cannot plan the updates", UKIYO_ENOMEM);
    }
    for (size_t i = 0; i < b.count; i++)
        b.names[i] = ukiyo_string_list_get(order, i);
    for (b.next = 1; b.next <= b.count && !interrupted; b.next++) {
        const char *name = b.names[b.next - 1];
        /* Updated already, as the follower of one before it: once is enough. */
        if (!handled_as_follower(&b, name))
            *all_ok &= handle_one(u, fn, args, name, json, rows, &b);
    }
    ukiyo_string_list_free(b.followed);
    free(b.names);
    ukiyo_string_list_free(order);
    return EXIT_OK;
}

static int parse_update_args(update_args *a, int argc, char **argv, const ctl_command *cmd)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"strategy", required_argument, NULL, 's'},
                                             {"health-timeout", required_argument, NULL, 't'},
                                             {"min-uptime", required_argument, NULL, 'u'},
                                             {"cleanup", no_argument, NULL, 'c'},
                                             {"label-enable", no_argument, NULL, 'l'},
                                             {"force", no_argument, NULL, 'f'},
                                             {"project", required_argument, NULL, 'p'},
                                             {"compose", required_argument, NULL, 'C'},
                                             {"compose-timeout", required_argument, NULL, 'T'},
                                             {"keep-logs", required_argument, NULL, 'L'},
                                             {"service-timeout", required_argument, NULL, 'S'},
                                             {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "anp:", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': a->all = true; break;
        case 'n': a->opts.dry_run = 1; break;
        case 'c': a->opts.cleanup = 1; break;
        case 'l': a->label_enable = true; break;
        case 'f': a->opts.force = 1; break;
        case 'p': a->project = optarg; break;
        case 'C':
            if (strcmp(optarg, "native") == 0)
                a->opts.compose = UKIYO_COMPOSE_NATIVE;
            else if (strcmp(optarg, "api") == 0)
                a->opts.compose = UKIYO_COMPOSE_API;
            else {
                fprintf(stderr, "ukiyoctl: --compose is native or api\n");
                return -1;
            }
            break;
        case 's':
            if (strcmp(optarg, "stop-first") == 0)
                a->opts.strategy = UKIYO_STRATEGY_STOP_FIRST;
            else if (strcmp(optarg, "start-first") == 0)
                a->opts.strategy = UKIYO_STRATEGY_START_FIRST;
            else {
                fprintf(stderr, "ukiyoctl: --strategy is stop-first or start-first\n");
                return -1;
            }
            break;
        case 't':
            if ((a->opts.health_timeout_s = ctl_seconds("--health-timeout", optarg)) < 0)
                return -1;
            break;
        case 'u':
            if ((a->opts.min_uptime_s = ctl_seconds("--min-uptime", optarg)) < 0)
                return -1;
            break;
        case 'T':
            if ((a->opts.compose_timeout_s = ctl_seconds("--compose-timeout", optarg)) < 0)
                return -1;
            break;
        case 'S':
            if ((a->opts.service_timeout_s = ctl_seconds("--service-timeout", optarg)) < 0)
                return -1;
            break;
        case 'L':
            if ((a->opts.kept_log_lines = ctl_log_lines("--keep-logs", optarg)) == 0)
                return -1;
            break;
        default: ctl_usage(cmd, stderr); return -1;
        }
    }
    if (a->project && a->all) {
        fprintf(stderr, "ukiyoctl %s: --project and --all do not go together\n", cmd->name);
        return -1;
    }
    if (!a->project && a->all == (optind < argc)) {
        fprintf(stderr, "ukiyoctl %s: give container names, --project or --all\n", cmd->name);
        return -1;
    }
    return 0;
}

static int run_updates(const ctl_options *opts, int argc, char **argv, const ctl_command *cmd,
                       update_fn fn)
{
    update_args args = {.opts = UKIYO_UPDATE_OPTIONS_INIT};
    bool all_ok = true;
    int rc = EXIT_OK;

    if (parse_update_args(&args, argc, argv, cmd) < 0)
        return EXIT_USAGE;
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    /* Finish what a crash cut short before starting anything new. */
    if (!args.opts.dry_run && ukiyo_reconcile(u, NULL) < 0)
        fprintf(stderr, "ukiyoctl: warning: reconcile: %s\n", ukiyo_error_last());
    json_t *rows = json_array();
    catch_interrupts(u);
    rc = run_on_containers(u, fn, &args, argc, argv, opts->json, rows, &all_ok);
    if (interrupted) {
        unsigned fixed = 0;
        if (ukiyo_reconcile(u, &fixed) < 0)
            fprintf(stderr, "ukiyoctl: could not put everything back: %s (ukiyoctl reconcile)\n",
                    ukiyo_error_last());
        else if (fixed)
            fprintf(stderr, "ukiyoctl: put back %u update%s begun before the interrupt\n", fixed,
                    fixed == 1 ? "" : "s");
    }
    release_interrupts();
    if (opts->json && rc == EXIT_OK)
        ctl_print_json(json_incref(rows));
    json_decref(rows);
    ukiyo_close(u);
    if (interrupted)
        return EXIT_INTERRUPTED;
    return rc != EXIT_OK ? rc : all_ok ? EXIT_OK : EXIT_PARTIAL;
}

#define UPDATE_OPTIONS_HELP                                                                        \
    "Several containers are taken in dependency order (links, container: network\n"                \
    "mode, volumes-from, ukiyo.depends-on, compose's depends_on: its label, else\n"                \
    "the project's compose files).\n\n"                                                            \
    "  -a, --all               every running container (with --label-enable: those\n"              \
    "                          labelled ukiyo.enable=true or\n"                                    \
    "                          com.centurylinklabs.watchtower.enable=true)\n"                      \
    "  -n, --dry-run           say what would happen, change nothing\n"                            \
    "  --strategy S            stop-first (default) or start-first (no host ports only);\n"        \
    "                          default: the ukiyo.strategy label\n"                                \
    "  --health-timeout S      seconds a HEALTHCHECK has to pass (default: label\n"                \
    "                          ukiyo.health-timeout, else 60)\n"                                   \
    "  --min-uptime S          the settle period: seconds it must stay healthy (or running,\n"     \
    "                          without a HEALTHCHECK), unrestarted (default: label\n"              \
    "                          ukiyo.min-uptime, else 30)\n"                                       \
    "  --cleanup               remove the image two updates back once an update succeeds\n"        \
    "  --force                 try a release that was rolled back for it before\n"                 \
    "  -p, --project P         the running containers of compose project P; the names\n"           \
    "                          given then are its services (none: every service)\n"                \
    "  --compose native|api    for containers compose started: have compose recreate the\n"        \
    "                          service from the project's files, or recreate through the\n"        \
    "                          engine (default: the ukiyo.compose label, else native where\n"      \
    "                          the files are readable here and compose is installed)\n"            \
    "  --compose-timeout S     seconds compose has to recreate a service (default 300)\n"          \
    "  --service-timeout S     a swarm service (service/NAME): seconds its update has to\n"        \
    "                          complete before it is rolled back (default: label\n"                \
    "                          ukiyo.service-timeout, else 600)\n"                                 \
    "  --keep-logs N           lines of the old container's logs kept with its history\n"          \
    "                          entry (default 1000, at most 1 MiB; 0: none)\n"                     \
    "  --json                  one object per container: name, image, outcome, reason,\n"          \
    "                          old_image_id, new_image_id, container_id, strategy\n\n"             \
    "Outcomes: fresh, updated, rolled-back, failed, skipped, planned, interrupted.\n"              \
    "Exit status 0 when none rolled back or failed, 3 otherwise, 1 when nothing\n"                 \
    "could be done, 130 when Ctrl-C (or SIGTERM) stopped it: the update in flight\n"               \
    "stops at its next safe point and what it began is put back before it exits\n"                 \
    "(a second Ctrl-C quits at once; the next start reconciles).\n"

static int run_update(const ctl_options *opts, int argc, char **argv)
{
    return run_updates(opts, argc, argv, &cmd_update, ukiyo_update);
}

static int run_redeploy(const ctl_options *opts, int argc, char **argv)
{
    return run_updates(opts, argc, argv, &cmd_redeploy, ukiyo_redeploy);
}

static int run_rollback(const ctl_options *opts, int argc, char **argv)
{
    return run_updates(opts, argc, argv, &cmd_rollback, ukiyo_rollback);
}

static int run_reconcile(const ctl_options *opts, int argc, char **argv)
{
    unsigned fixed = 0;
    int err;

    if (argc > 1) {
        fprintf(stderr, "ukiyoctl reconcile: takes no arguments\n");
        return EXIT_USAGE;
    }
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    err = ukiyo_reconcile(u, &fixed);
    if (opts->json)
        ctl_print_json(json_pack("{s:i, s:s?}", "reconciled", (int)fixed, "error",
                                 err < 0 ? ukiyo_error_last() : NULL));
    else
        printf("reconciled %u interrupted update%s\n", fixed, fixed == 1 ? "" : "s");
    if (err < 0)
        ctl_fail("reconcile", err);
    ukiyo_close(u);
    return err < 0 ? EXIT_FAILED : EXIT_OK;
}

const ctl_command cmd_update = {
    .name = "update",
    .summary = "Pull and recreate containers whose image has a newer version",
    .usage = "Usage: ukiyoctl update [OPTIONS] (--all | NAME... | --project P [SERVICE...])\n\n"
             "Every setting of the old container is kept; the new one must pass a health\n"
             "gate or the old one is put back. service/NAME is the swarm service NAME:\n"
             "its spec's image goes to the registry's digest of its tag, the service's\n"
             "UpdateConfig replaces the tasks, and a failed release is rolled "
             "back.\n\n" UPDATE_OPTIONS_HELP,
    .run = run_update,
};

const ctl_command cmd_redeploy = {
    .name = "redeploy",
    .summary = "Recreate containers even when their image did not change",
    .usage = "Usage: ukiyoctl redeploy [OPTIONS] (--all | NAME... | --project P "
             "[SERVICE...])\n\n" UPDATE_OPTIONS_HELP,
    .run = run_redeploy,
};

const ctl_command cmd_rollback = {
    .name = "rollback",
    .summary = "Recreate containers on the image they ran before their last update",
    .usage = "Usage: ukiyoctl rollback [OPTIONS] NAME...\n\n"
             "The image is kept until the next successful update.\n\n" UPDATE_OPTIONS_HELP,
    .run = run_rollback,
};

const ctl_command cmd_reconcile = {
    .name = "reconcile",
    .summary = "Finish or undo updates that a crash cut short",
    .usage = "Usage: ukiyoctl reconcile [--json]\n\n"
             "Before the new container passed its health gate the old one is put back;\n"
             "after, the new one is kept. update runs this first on its own.\n",
    .run = run_reconcile,
};
