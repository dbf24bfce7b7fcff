/*
 * cmd_history.c - ukiyoctl history: what ukiyo did, newest first.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ukiyoctl.h"

static json_t *entry_json(const ukiyo_history_entry *e)
{
    char *text = NULL;
    json_t *doc = ukiyo_history_entry_json(&text, e) == 0 ? json_loads(text, 0, NULL) : NULL;
    ukiyo_string_free(text);
    return doc;
}

static void add_row(ctl_table *t, const ukiyo_history_entry *e)
{
    char id[24], when[32], old_buf[13], new_buf[13], service[256] = "";
    const char *outcome = ukiyo_history_entry_outcome(e);

    snprintf(id, sizeof(id), "%lld", (long long)ukiyo_history_entry_id(e));
    ctl_format_time(ukiyo_history_entry_started_ms(e), when, sizeof(when));
    if (ukiyo_history_entry_project(e) && ukiyo_history_entry_service(e))
        snprintf(service, sizeof(service), "%s/%s", ukiyo_history_entry_project(e),
                 ukiyo_history_entry_service(e));
    const char *cells[] = {id,
                           when,
                           ukiyo_history_entry_container(e),
                           service,
                           ukiyo_history_entry_kind(e),
                           outcome ? outcome : "in progress",
                           ctl_short_id(ukiyo_history_entry_old_image_id(e), old_buf),
                           ctl_short_id(ukiyo_history_entry_new_image_id(e), new_buf),
                           ukiyo_history_entry_reason(e) ? ukiyo_history_entry_reason(e) : ""};
    ctl_table_add(t, cells);
}

static bool parse_positive(const char *text, long long *out)
{
    char *end;
    *out = strtoll(text, &end, 10);
    return *out > 0 && !*end;
}

/* The newest entry of container @name that kept logs: its ID, or 0 (with a message). */
static long long newest_with_logs(ukiyo_store *s, const char *name)
{
    ukiyo_history *h = NULL;
    long long id = 0;

    int err = ukiyo_store_history(&h, s, name, 0, 1000);

    if (err < 0) {
        ctl_fail("history", err);
        return 0;
    }
    for (size_t i = 0; !id && i < ukiyo_history_count(h); i++)
        if (ukiyo_history_entry_has_logs(ukiyo_history_get(h, i)))
            id = ukiyo_history_entry_id(ukiyo_history_get(h, i));
    ukiyo_history_free(h);
    if (!id)
        fprintf(stderr, "ukiyoctl: history: no entry of %s kept its old container's logs\n", name);
    return id;
}

/* The old container's last lines, kept when entry @which (an ID, or a container's newest) removed
 * it. */
static int print_logs(const ctl_options *opts, const char *which)
{
    char *logs = NULL;
    long long id = 0;
    ukiyo *u = ctl_open_with_store(opts);

    if (!u)
        return EXIT_FAILED;
    if (!parse_positive(which, &id) && !(id = newest_with_logs(ukiyo_get_store(u), which))) {
        ukiyo_close(u);
        return EXIT_FAILED;
    }
    int err = ukiyo_store_history_logs(&logs, ukiyo_get_store(u), id);
    ukiyo_close(u);
    if (err < 0)
        return ctl_fail("history", err);
    fputs(logs, stdout);
    ukiyo_string_free(logs);
    return EXIT_OK;
}

static int run_history(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"limit", required_argument, NULL, 'l'},
                                             {"logs", required_argument, NULL, 'L'},
                                             {NULL, 0, NULL, 0}};
    static const char *const headings[] = {"ID",      "WHEN", "CONTAINER", "SERVICE", "KIND",
                                           "OUTCOME", "FROM", "TO",        "REASON"};
    ukiyo_history *h = NULL;
    long long limit = 50;
    const char *logs_of = NULL;
    int c, err;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (!((c == 'l' && parse_positive(optarg, &limit)) ||
              (c == 'L' && (logs_of = optarg)[0]))) {
            ctl_usage(&cmd_history, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind > (logs_of ? 0 : 1)) {
        ctl_usage(&cmd_history, stderr);
        return EXIT_USAGE;
    }
    if (logs_of)
        return print_logs(opts, logs_of);
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    err = ukiyo_store_history(&h, ukiyo_get_store(u), optind < argc ? argv[optind] : NULL, 0,
                              (size_t)limit);
    if (err < 0) {
        ukiyo_close(u);
        return ctl_fail("history", err);
    }
    json_t *rows = json_array();
    ctl_table *table = ctl_table_new(9, headings);
    for (size_t i = 0; i < ukiyo_history_count(h); i++) {
        json_array_append_new(rows, entry_json(ukiyo_history_get(h, i)));
        add_row(table, ukiyo_history_get(h, i));
    }
    ctl_print_listing(opts, rows, table);
    ukiyo_history_free(h);
    ukiyo_close(u);
    return EXIT_OK;
}

const ctl_command cmd_history = {
    .name = "history",
    .summary = "Show past updates, rollbacks and failures, newest first",
    .usage = "Usage: ukiyoctl history [--limit N] [--json] [NAME]\n"
             "       ukiyoctl history --logs ID|NAME\n\n"
             "  --limit N   at most N entries (default 50)\n"
             "  --logs ID   the last lines the old container of entry ID (or of container\n"
             "              NAME's newest entry that kept them) wrote before the update\n"
             "              removed it (1000 lines unless --keep-logs said otherwise)\n"
             "  --json      objects with id, container, kind, image, old_image (another tag\n"
             "              when a tag policy moved it), old_image_id, new_image_id,\n"
             "              outcome, reason, strategy, project, service, logs_kept,\n"
             "              started_ms, finished_ms\n"
             "\nSERVICE is PROJECT/SERVICE for a container compose started.\n",
    .run = run_history,
};
