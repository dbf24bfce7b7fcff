/*
 * cmd_history.c - ukiyoctl history: what ukiyo did, newest first.
 */
#include <getopt.h>
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
    char when[32], old_buf[13], new_buf[13];
    const char *outcome = ukiyo_history_entry_outcome(e);

    ctl_format_time(ukiyo_history_entry_started_ms(e), when, sizeof(when));
    const char *cells[] = {when,
                           ukiyo_history_entry_container(e),
                           ukiyo_history_entry_kind(e),
                           outcome ? outcome : "in progress",
                           ctl_short_id(ukiyo_history_entry_old_image_id(e), old_buf),
                           ctl_short_id(ukiyo_history_entry_new_image_id(e), new_buf),
                           ukiyo_history_entry_reason(e) ? ukiyo_history_entry_reason(e) : ""};
    ctl_table_add(t, cells);
}

static int run_history(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"limit", required_argument, NULL, 'l'},
                                             {NULL, 0, NULL, 0}};
    static const char *const headings[] = {"WHEN", "CONTAINER", "KIND",  "OUTCOME",
                                           "FROM", "TO",        "REASON"};
    ukiyo_history *h = NULL;
    long limit = 50;
    int c, err;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end;
        if (c != 'l' || (limit = strtol(optarg, &end, 10)) <= 0 || *end) {
            ctl_usage(&cmd_history, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        ctl_usage(&cmd_history, stderr);
        return EXIT_USAGE;
    }
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
    ctl_table *table = ctl_table_new(7, headings);
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
    .usage = "Usage: ukiyoctl history [--limit N] [--json] [NAME]\n\n"
             "  --limit N   at most N entries (default 50)\n"
             "  --json      objects with id, container, kind, image, old_image (another tag\n"
             "              when a tag policy moved it), old_image_id, new_image_id,\n"
             "              outcome, reason, started_ms, finished_ms\n",
    .run = run_history,
};
